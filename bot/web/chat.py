"""The Gradio chat page: ask on the left, the full text with numbered paragraphs beside it."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from importlib.resources import files
from typing import TYPE_CHECKING, Any, cast

import anyio.to_thread
import gradio as gr
from starlette.routing import Mount

from ..answer.ask import Answer
from ..answer.examples import example_questions
from ..answer.markdown import escape
from ..errors import EssaybotError, QuestionRejected
from ..feedback.records import Vote
from ..languages import LANGUAGES
from ..languages.guess import Language, guess_language, texts_language
from ..ops.ratelimit import too_many
from ..search.question import UNSAFE
from .essay import essay_html
from .gate import GradioGate, function
from .heading import chat_heading, heading_html

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..engine import Engine
    from ..feedback.given import AnswersGiven
    from .desk import Desk

log = logging.getLogger(__name__)

__all__ = ["build_chat", "chat_examples", "mount_chat", "status_label", "user_questions"]

_CSS = """
.essay { max-height: 80vh; overflow-y: auto; padding-right: .5rem; line-height: 1.55; }
.essay .essay-source { margin-top: 0; }
.essay .paragraph { margin: 0 0 .9rem 0; scroll-margin-top: 1rem; }
.essay .paragraph:target { background: var(--color-accent-soft); border-radius: 4px; }
.essay .paragraph-number { font-weight: 600; margin-right: .35rem; text-decoration: none; }
.essay .page-mark { font-size: .8em; color: var(--body-text-color-subdued); margin: .2rem 0 .4rem;
  border-top: 1px dashed var(--border-color-primary); padding-top: .2rem; text-align: right; }
.essay .pull-quote { font-style: italic; border-left: 3px solid var(--border-color-accent);
  margin: 0 0 .9rem 0; padding-left: .75rem; }
.essay .pull-quote a { font-style: normal; font-size: .85em; }
.message-row .status { display: inline-block; font-size: .8em; font-weight: inherit;
  line-height: 1.5; padding: 0 .55em; border-radius: 999px; margin-right: .3em; }
.message-row .status-answered { background: #dafbe1; color: #116329; }
.message-row .status-related { background: #fff1c2; color: #6b4400; }
.message-row .status-silent { background: #eaeef2; color: #424a53; }
/* The highlighted sentences, marked like a highlighter pen, as in the widget
   (widget.css). The theme's bold face falls back to a wider font for some letters, so the
   weight stays normal. */
.message-row blockquote strong { font: inherit !important; font-weight: inherit !important;
  background: #fff1a6; color: #1f2328; box-shadow: inset 0 -2px 0 #d4a72c;
  padding: 0 .1em; }
.message-row .copy-quote { font: inherit; font-size: .85em; margin-left: .4em; padding: 0 .3em;
  background: none; border: 0; border-radius: 4px; color: var(--link-text-color);
  cursor: pointer; }
.message-row .copy-quote:hover { background: var(--background-fill-secondary); }
/* An answer opens at its top (chat.js); Gradio's jump-to-the-end arrow would sit on it. */
#conversation .scroll-down-button-container { display: none !important; }
/* Gradio draws messages at 80 % opacity, which takes quotes and labels below the contrast
   a reader needs (axe, tests/test_accessibility.py). */
#conversation .message .prose { opacity: 1 !important; }
/* The heading and the full text are loaded with the page, and Gradio draws a part still
   loading at 20 % opacity, fading in: the reader saw them flash grey, and axe measured the
   essay mid-fade (CI). Neither is ever a stale text to grey out. */
#heading, #heading *, #essay, #essay * { opacity: 1 !important; transition: none !important; }
/* The clear button in a row of its own, not over the first line of the conversation. */
#conversation .top-panel { position: static; display: flex; justify-content: flex-end; }
#heading .chat-title { margin-bottom: .3rem; }
#heading .chat-intro { margin-top: 0; }
/* A phone: the quotes take the width, not a narrow column between wide margins. The
   question box stays at the foot of the screen while the chat is in view (sticky, so it
   goes with the chat when the reader scrolls on to the full text), not below the fold. */
@media (max-width: 640px) {
  .column > .gr-group:has(#question) { position: sticky; bottom: 0; z-index: 5;
    background: var(--background-fill-primary); }
  #heading .chat-title { font-size: 1.5rem !important; line-height: 1.25; }
  #heading .chat-intro { font-size: .9rem; }
  #conversation .message-wrap { margin-left: 0 !important; }
  #conversation .message-row { margin: 8px 2px !important; }
  #conversation .message-row.bot-row { max-width: 100% !important; width: 100%; }
  #conversation .message-row.bot-row .message { max-width: 100% !important; }
  #conversation blockquote { margin-left: 0; margin-right: 0; padding-left: .6em; }
  .essay { max-height: none; }
}
"""


# Gradio puts every rule of `css` inside its container; what styles the container itself
# goes into the page's head. On a phone: the container clips what is too wide (as its
# `overflow: hidden` did) without becoming a scroller of its own, which would stop the
# question box from sticking to the screen; and narrow margins.
_HEAD = """<style>
@media (max-width: 640px) {
  .gradio-container { overflow: clip !important; }
  .gradio-container > .main.app { padding-left: 8px !important; padding-right: 8px !important; }
}
</style>"""


def user_questions(history: list[dict[str, Any]]) -> list[str]:
    """The user's earlier questions from Gradio's history.

    Gradio 6 gives each message's content as a list of parts ({"type": "text", ...}), or
    as a plain string in older shapes; both are read.
    """
    questions = []
    for turn in history:
        if turn.get("role") != "user":
            continue
        content = turn.get("content")
        if isinstance(content, str):
            questions.append(content)
        elif isinstance(content, list):
            text = " ".join(
                part["text"]
                for part in content
                if isinstance(part, dict)
                and part.get("type") == "text"
                and isinstance(part.get("text"), str)
            )
            if text:
                questions.append(text)
    return questions


def status_label(answer: Answer) -> str:
    """A small coloured label before the message, in the question's language, so a reader
    tells an answer from a merely related quote or silence at a glance (and a screen
    reader reads it out)."""
    label = LANGUAGES[answer.language].messages.label(answer.status)
    # `lang` tells chat.js which words its buttons under this answer take.
    kind, lang = answer.status, answer.language
    return f'<span class="status status-{kind}" lang="{lang}">{escape(label)}</span> '


def chat_answer_id(session: str, message: int) -> str:
    """The id of the chat's answer at `message` in a page's conversation: the same when
    the answer is given and when it is voted on, and nothing a reader could be traced by
    (the session is Gradio's random one, hashed)."""
    return "chat-" + hashlib.sha256(f"{session}:{message}".encode()).hexdigest()[:32]


def vote_on(given: AnswersGiven, index: Any, liked: Any, session: str) -> Vote | None:
    """The vote a click on a message's thumb means, or None when it names no answer this
    process gave in that conversation. The question and status are the bot's record of
    the answer: the conversation the page sends back is the client's to write."""
    if type(index) is not int or type(liked) is not bool:
        return None
    record = given.get(chat_answer_id(session, index))
    if record is None:
        return None
    return Vote(
        answer_id=record.answer_id,
        given_at=datetime.now(UTC),
        helpful=liked,
        question=record.question,
        status=record.status,
    )


def chat_examples(engine: Engine, count: int = 4) -> list[str]:
    """What a new user is offered first: questions the text is shown to answer, worded
    in German and then English (`answer/examples.py`), each once."""
    offered: list[str] = []
    for language in ("de", "en"):
        offered += [q for q in example_questions(engine, language) if q not in offered]
    return offered[:count]


class _Chat(gr.ChatInterface):
    """Gradio's chat, keeping the textbox's placeholder after a question: Gradio blanks it
    while answering and never puts it back. Without retry and undo under the answers: an
    answer quotes the text, so asking again gives the same one, and a reader who wants
    another asks another question."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Gradio has no option for it: the buttons show whenever the events are wired,
        # which ChatInterface always does. Its front end reads these flags.
        self.chatbot._retryable = False  # type: ignore[attr-defined]
        self.chatbot._undoable = False  # type: ignore[attr-defined]

    def _clear_and_save_textbox(self, message: Any) -> tuple[Any, Any]:
        _, saved = super()._clear_and_save_textbox(message)
        return type(self.textbox)("", interactive=False), saved


def chat_script(language: Language) -> str:
    """The page's script (static/chat.js), told the language of the texts and the words
    of its buttons in every language: those under an answer follow the answer's."""
    script = (files("bot.web") / "static" / "chat.js").read_text(encoding="utf-8")
    words = {
        name: {key: getattr(v.widget, key) for key in ("copy", "copied", "like", "dislike")}
        for name, v in LANGUAGES.items()
    }
    text = json.dumps(words, ensure_ascii=True, sort_keys=True)
    return script.replace("__LANG__", language).replace("__WORDS__", text)


def retry_and_undo(page: gr.Blocks) -> set[int]:
    """The functions behind Gradio's retry and undo, with every step that follows them:
    the page shows neither button, so the gate lets no one call them."""
    unused = {i for i, fn in page.fns.items() if {e for _, e in fn.targets} & {"retry", "undo"}}
    grown = True
    while grown:
        after = {i for i, fn in page.fns.items() if fn.trigger_after in unused} - unused
        unused |= after
        grown = bool(after)
    return unused


def comment_words(language: Language) -> tuple[str, str]:
    """The comment box's label and its button, in the language of the answer voted on."""
    words = LANGUAGES[language].widget
    return f"{words.thanks} {words.comment}", words.send


def build_chat(desk: Desk) -> gr.Blocks:
    live, journal = desk.live, desk.journal
    settings = live.engine.settings
    language = texts_language(t.content for t in live.engine.texts)

    async def respond(message: str, history: list[dict[str, Any]], request: gr.Request) -> str:
        language = guess_language(message if isinstance(message, str) else "")
        client = request.client.host if request.client else "unknown"
        wait = await desk.limiter.wait("questions", client) if desk.limiter.items else None
        if wait is not None:
            return too_many(language, wait)
        earlier = user_questions(history)
        # The answer becomes the message after the question, which follows the history.
        answer_id = chat_answer_id(request.session_hash or "", len(history) + 1)
        try:
            # Off the event loop, as the API's questions (app.py).
            answer, _ = await anyio.to_thread.run_sync(
                partial(desk.answer, answer_id=answer_id, channel="chat"), message, earlier
            )
            return status_label(answer) + answer.markdown
        except QuestionRejected as exc:
            # Told in the chat, in the language of the question, not as a crash.
            return exc.in_language(language)
        except EssaybotError as exc:
            # A missing index or model: for whoever runs the bot, in the log; the reader
            # is told in the language of the question.
            log.error("Could not answer in the chat: %s", exc)
            return LANGUAGES[language].widget.failed

    with gr.Blocks(title=chat_heading(settings, live.engine.texts)[0]) as page:
        # Per page load, as the full text: a text added while serving may lend its title.
        gr.HTML(lambda: heading_html(settings, live.engine.texts), elem_id="heading")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    buttons=[],  # the share button targets the hub
                    sanitize_html=True,
                    render_markdown=True,
                    label="essaybot",
                    # The label floated over the first line of the conversation.
                    show_label=False,
                    # chat.js keeps the question of the newest answer at the top instead.
                    autoscroll=False,
                    height="min(640px, 72vh)",
                    # Thumbs up and down under each answer: the page owner's report.
                    feedback_options=("Like", "Dislike"),
                    elem_id="conversation",
                )
                _Chat(
                    respond,
                    chatbot=chatbot,
                    textbox=gr.Textbox(
                        placeholder="Frage zum Text / question about the text",
                        max_length=settings.max_question_chars,
                        label="Frage",
                        show_label=False,
                        # A button to send by, named in words: a phone's keyboard may
                        # offer no Enter, and Gradio's icon has no name to read out.
                        submit_btn=LANGUAGES[language].widget.ask,
                        elem_id="question",
                    ),
                    examples=chat_examples(live.engine) or None,
                    api_name="chat",
                    concurrency_limit=settings.concurrency,
                    analytics_enabled=False,
                    fill_height=False,
                )
                voted = gr.State(None)
                with gr.Row(visible=False, elem_id="vote-comment") as comment_row:
                    # Worded anew for each vote, in the language of the answer voted on.
                    asks, sends = comment_words(language)
                    comment = gr.Textbox(
                        label=asks,
                        max_length=500,
                        max_lines=3,
                        scale=4,
                        elem_id="vote-comment-text",
                    )
                    send_comment = gr.Button(sends, scale=1, size="sm")
                # Told here when a reader votes faster than the limit allows.
                notice = gr.Markdown(visible=False, elem_id="vote-notice")
            with gr.Column(scale=2):
                gr.Markdown("## Der ganze Text")
                # Rendered per page load: the texts of the index that answers.
                gr.HTML(lambda: essay_html(live.engine.texts), elem_id="essay")

        async def too_many_votes(request: gr.Request, vote: Vote | None) -> str | None:
            """Votes count against the same per-client limit as the API's; the reader is
            told in the language of the answer voted on."""
            if not desk.limiter.items:
                return None
            client = request.client.host if request.client else "unknown"
            wait = await desk.limiter.wait("votes", client)
            said = guess_language(vote.question) if vote else language
            return None if wait is None else too_many(said, wait, "votes")

        async def on_vote(
            data: gr.LikeData, request: gr.Request
        ) -> tuple[Vote | None, Any, Any, Any, Any]:
            vote = vote_on(desk.given, data.index, data.liked, request.session_hash or "")
            refused = await too_many_votes(request, vote)
            if refused:
                hidden = gr.update(visible=False)
                return None, hidden, gr.update(value=refused, visible=True), gr.skip(), gr.skip()
            if vote is None:
                hidden = gr.update(visible=False)
                return None, hidden, hidden, gr.skip(), gr.skip()
            journal.voted(vote)
            asks, sends = comment_words(guess_language(vote.question))
            return (
                vote,
                gr.update(visible=True),
                gr.update(visible=False),
                gr.update(label=asks),
                gr.update(value=sends),
            )

        async def on_comment(
            vote: Vote | None, text: str, request: gr.Request
        ) -> tuple[None, Any, Any, Any]:
            # Control and bidi characters would reach the owner's terminal (the report).
            words = UNSAFE.sub("", text).strip()[:500] if isinstance(text, str) else ""
            refused = await too_many_votes(request, vote) if vote is not None and words else None
            if vote is not None and words and not refused:
                journal.voted(replace(vote, comment=words, given_at=datetime.now(UTC)))
            shown = gr.update(value=refused, visible=True) if refused else gr.update(visible=False)
            return None, gr.update(value=""), gr.update(visible=False), shown

        chatbot.like(
            on_vote,
            None,
            [voted, comment_row, notice, comment, send_comment],
            api_visibility="private",
            queue=False,
        )
        for event in (comment.submit, send_comment.click):
            event(
                on_comment,
                [voted, comment],
                [voted, comment, comment_row, notice],
                api_visibility="private",
            )
    # A full queue answers "busy, try again" at once, rather than a wait of minutes.
    # api_open=False: a queued function (the chat) runs only through the queue, never
    # straight over REST, so the queue's size and concurrency limits hold for everyone.
    page.queue(
        default_concurrency_limit=settings.concurrency,
        max_size=settings.queue_size,
        api_open=False,
    )
    return cast("gr.Blocks", page)


def mount_chat(app: FastAPI, desk: Desk) -> FastAPI:
    """Mount the chat at `/` behind the gate that shuts every route it does not use."""
    live = desk.live
    page = build_chat(desk)
    mounted = gr.mount_gradio_app(
        app,
        page,
        path="/",
        footer_links=[],  # no "Use via API" or settings chrome
        run_history=False,
        enable_monitoring=False,
        ssr_mode=False,
        mcp_server=False,
        root_path=live.engine.settings.root_path or None,
        css=_CSS,
        head=_HEAD,
        js=chat_script(texts_language(t.content for t in live.engine.texts)),
        show_error=False,  # a failure's text is for the log, not for anonymous readers
        max_file_size=0,  # no uploads: the chat has no file components
        app_kwargs={"openapi_url": None, "docs_url": None, "redoc_url": None},
    )
    (mount,) = [r for r in mounted.routes if isinstance(r, Mount) and r.path == ""]
    unused = retry_and_undo(page)
    calls = {
        index: function(len(fn.inputs), (event for _, event in fn.targets))
        for index, fn in page.fns.items()
        if index not in unused
    }
    mount.app = GradioGate(mount.app, calls)
    return cast("FastAPI", mounted)
