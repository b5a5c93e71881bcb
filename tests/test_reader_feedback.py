"""A reader's vote, given in the browser, reaches the page owner's report through the real
server and its SQLite database, and a restart of the server keeps it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, Page, expect

from bot.cli import cli

from .support.browser import guarded_page
from .support.server import running_server

pytestmark = pytest.mark.browser

ANSWER_TIMEOUT = 60_000


def report(data: Path) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["report", "--json", "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.output)
    return parsed


def report_once(data: Path, ready: Any, timeout: float = 15.0) -> dict[str, Any]:
    """The report, as soon as the server's writer has put in what `ready` waits for."""
    deadline = time.monotonic() + timeout
    while True:
        current = report(data)
        if ready(current) or time.monotonic() > deadline:
            return current
        time.sleep(0.2)


def vote_in_chat(page: Page, question: str, comment: str) -> None:
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    expect(page.locator(".message-row .status")).to_have_count(1, timeout=ANSWER_TIMEOUT)
    page.get_by_role("button", name="Nicht hilfreich").last.click()
    page.locator("#vote-comment-text textarea").fill(comment)
    page.get_by_role("button", name="Senden").click()
    expect(page.locator("#vote-comment")).to_be_hidden()


def vote_in_widget(page: Page, question: str, helpful: bool, comment: str = "") -> None:
    page.get_by_role("textbox", name="Frage").fill(question)
    page.get_by_role("textbox", name="Frage").press("Enter")
    answer = page.locator(".answer").last
    expect(answer.locator(".status")).to_be_visible(timeout=ANSWER_TIMEOUT)
    answer.get_by_role("button", name="Ja" if helpful else "Nein").click()
    expect(answer.get_by_text("Danke für die Rückmeldung!")).to_be_visible()
    if comment:
        answer.get_by_role("textbox").fill(comment)
        answer.get_by_role("button", name="Senden").click()
        expect(answer.get_by_role("textbox")).to_have_count(0)


def test_votes_in_the_chat_and_the_widget_reach_the_report_and_survive_a_restart(
    browser: Browser, shared_index_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    args = ("--index-dir", str(shared_index_dir))
    env = {"ESSAYBOT_DATA_DIR": str(data)}
    with running_server(tmp_path, *args, env=env) as bot:
        with guarded_page(browser, viewport={"width": 1280, "height": 900}) as (page, blocked):
            page.goto(bot.url + "/")
            vote_in_chat(page, "Wie viel kostet ein Döner?", "Preise fehlen")
            assert blocked.urls == []
        with guarded_page(browser, viewport={"width": 390, "height": 844}) as (page, blocked):
            page.goto(bot.url + "/widget?lang=de")
            vote_in_widget(page, "Wann wurde Stability AI gegründet?", False, "Das Jahr fehlt")
            assert blocked.urls == []
        before = report_once(
            data, lambda r: len(r["unhelpful"]) == 2 and r["unhelpful"][0]["comments"]
        )
    assert before["asked"] == 2
    assert [o["question"] for o in before["silent"]] == ["Wie viel kostet ein Döner?"]
    assert [o["question"] for o in before["related"]] == ["Wann wurde Stability AI gegründet?"]
    unhelpful = {u["question"]: (u["status"], u["comments"]) for u in before["unhelpful"]}
    assert unhelpful == {
        "Wie viel kostet ein Döner?": ("silent", ["Preise fehlen"]),
        "Wann wurde Stability AI gegründet?": ("related", ["Das Jahr fehlt"]),
    }

    # The server restarts on the same data directory: what was kept stays, and more comes.
    with running_server(tmp_path, *args, env=env) as bot:
        with guarded_page(browser) as (page, _):
            page.goto(bot.url + "/widget?lang=de")
            vote_in_widget(page, "Wer hat Stability AI verklagt?", True)
        after = report_once(data, lambda r: r["votes"] == 3)
    assert after["votes"] == 3 and after["asked"] == 3
    assert after["unhelpful"] == before["unhelpful"]
    assert sum(day["helpful"] for day in after["days"]) == 1
