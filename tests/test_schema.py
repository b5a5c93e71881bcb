"""The API against its own OpenAPI schema, with inputs Schemathesis makes up: no answer
is a server error, every status and body is the one the schema declares."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from .support.server import Server

pytestmark = pytest.mark.server


@pytest.mark.parametrize(
    ("route", "mode"),
    [
        ("POST /api/ask", GenerationMode.POSITIVE),
        ("POST /api/ask", GenerationMode.NEGATIVE),
        ("POST /api/feedback", GenerationMode.POSITIVE),
        ("POST /api/feedback", GenerationMode.NEGATIVE),
        # Any `lang` is read (an unknown one falls back): there is no request that breaks it.
        ("GET /api/about", GenerationMode.POSITIVE),
    ],
    ids=str,
)
def test_every_answer_keeps_to_the_schema_and_none_is_a_server_error(
    bot: Server, route: str, mode: GenerationMode
) -> None:
    """Valid requests (positive) and requests that break the schema (negative)."""
    method, path = route.split()
    schema = schemathesis.openapi.from_url(f"{bot.url}/api/openapi.json")
    operation = schema[path][method]
    # Schemathesis' own pytest plugin does not load under pytest 9: its cases, run here.

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    def each(case: Any) -> None:
        # A question the schema allows may still be one the bot cannot ask ("???"): that
        # is a 422 with a message, which the schema declares, not a fault.
        case.call_and_validate(timeout=30, excluded_checks=[positive_data_acceptance])

    each()


def test_the_schema_describes_the_three_routes_and_only_them(bot: Server) -> None:
    import httpx

    described = httpx.get(f"{bot.url}/api/openapi.json", timeout=10).json()
    assert sorted(described["paths"]) == ["/api/about", "/api/ask", "/api/feedback"]
    ask = described["paths"]["/api/ask"]["post"]
    assert set(ask["responses"]) == {"200", "400", "401", "413", "415", "422", "429", "503"}
    body = ask["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["question"]
