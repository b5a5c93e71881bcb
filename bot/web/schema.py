"""The API's shapes: what a client sends and gets back, as the OpenAPI schema at
`/api/openapi.json` describes them (and Schemathesis checks the server against).

The routes read their bodies themselves (app.py: a body must be declared JSON), so the
request models are put into the schema by hand; the response models document the JSON
the routes build, without being run on every answer.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, StrictBool, StrictStr, StringConstraints

from ..answer.ask import Quote
from ..feedback.records import ANSWER_ID, Status
from ..search.question import UNSAFE

__all__ = [
    "AboutResponse",
    "AskRequest",
    "AskResponse",
    "ErrorResponse",
    "FeedbackRequest",
    "FeedbackResponse",
    "errors",
    "json_body",
]


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    question: StrictStr
    history: list[StrictStr] = []


def _plain(text: str) -> str:
    if UNSAFE.search(text):
        # What readers write reaches the owner's terminal and spreadsheet (the report).
        raise ValueError("control or bidi characters are not taken; send plain text")
    return text


class FeedbackRequest(BaseModel):
    """A reader's vote on one answer. The id, question and status are the answer's, as
    POST /api/ask returned them: the id vouches for the other two, so a vote means
    something with the question log off and names only answers the bot gave."""

    model_config = ConfigDict(extra="ignore")

    answer_id: Annotated[StrictStr, StringConstraints(pattern=f"^{ANSWER_ID.pattern}$")]
    helpful: StrictBool
    question: Annotated[StrictStr, StringConstraints(min_length=1, max_length=4000)]
    status: Status
    comment: Annotated[StrictStr, StringConstraints(max_length=500), AfterValidator(_plain)] = ""


class AskResponse(BaseModel):
    question: str
    language: Literal["de", "en"]
    found: bool
    status: Status
    message: str
    # The quotes as `ask()` makes them (answer/ask.py); pydantic reads the dataclass.
    passages: list[Quote]
    markdown: str
    id: str


class AboutResponse(BaseModel):
    language: Literal["de", "en"]
    titles: list[str]
    examples: list[str]


class FeedbackResponse(BaseModel):
    received: Literal[True]


class ErrorResponse(BaseModel):
    """Every error: what went wrong and what to do."""

    error: str


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for a route whose JSON body is `model`."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


_WHY = {
    400: "The body is not valid JSON.",
    401: "Access control is on and the request carries no valid token or sign-in.",
    405: "The route takes another method.",
    413: "The body is too large.",
    415: "The body is not declared as JSON.",
    422: "The request or the question cannot be answered as it is; the message says why.",
    429: "Too many requests from this client; `Retry-After` says when to try again.",
    503: "The bot is busy, or its index or model is missing.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` entries of these error statuses, each in the one error shape."""
    return {s: {"model": ErrorResponse, "description": _WHY[s]} for s in statuses}
