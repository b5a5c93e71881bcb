"""What readers ask and vote is kept for the page owner, in a real database, without ever
holding up an answer; `essaybot report` and `essaybot feedback export` read it back."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from fastapi.testclient import TestClient

from bot import Engine
from bot.cli import cli
from bot.feedback.database import (
    VERSION_TABLE,
    connect,
    migrate,
    read_asked,
    read_votes,
    rollback,
)
from bot.feedback.journal import Journal
from bot.feedback.records import Asked, Vote
from bot.feedback.report import build_report, same_question
from bot.feedback.schema import metadata
from bot.web.app import create_app

from .support.server import LOCAL
from .support.services import postgres_database

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'essaybot.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The default SQLite file, and a PostgreSQL database of the test's own, as replicas
    would share it."""
    if request.param == "sqlite":
        yield sqlite(tmp_path)
        return
    with postgres_database() as url:
        yield url


def asked_record(answer_id: str, question: str, status: str, days_ago: int = 0) -> Asked:
    return Asked(answer_id, NOW - timedelta(days=days_ago), question, "de", status)  # type: ignore[arg-type]


# The schema


def test_the_migrations_build_exactly_the_schema_the_code_declares(database_url: str) -> None:
    engine = connect(database_url)
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, metadata) == []
        assert sa.inspect(connection).has_table(VERSION_TABLE)
    migrate(engine)  # a second start finds it current and changes nothing


def test_the_schema_can_be_taken_down_and_up_again(database_url: str) -> None:
    engine = connect(database_url)
    migrate(engine)
    rollback(engine, "base")  # every migration has its way back
    with engine.connect() as connection:
        assert not sa.inspect(connection).has_table("feedback")
    migrate(engine)
    with engine.connect() as connection:
        assert sa.inspect(connection).has_table("feedback")


# The journal that writes them


@pytest.fixture
def journal(database_url: str) -> Iterator[Journal]:
    kept = Journal(database_url)
    yield kept
    kept.close()


def test_questions_and_votes_are_written_and_a_second_vote_replaces_the_first(
    journal: Journal,
) -> None:
    journal.asked(asked_record("answer-0001", "Was kostet das?", "silent"))
    journal.voted(Vote("answer-0001", NOW, True, "Was kostet das?", "silent"))
    journal.voted(Vote("answer-0001", NOW, False, "Was kostet das?", "silent", "fehlt"))
    journal.asked(asked_record("answer-0001", "Was kostet das?", "silent"))  # a retry
    assert journal.flush()
    engine = connect(journal.url)
    assert [a.answer_id for a in read_asked(engine)] == ["answer-0001"]
    (vote,) = read_votes(engine)
    assert (vote.helpful, vote.comment, vote.given_at.tzinfo) == (False, "fehlt", UTC)


def test_with_the_question_log_off_only_votes_are_kept(database_url: str) -> None:
    journal = Journal(database_url, keep_questions=False)
    journal.asked(asked_record("answer-0002", "Was kostet das?", "silent"))
    journal.voted(Vote("answer-0002", NOW, False, "Was kostet das?"))
    journal.close()
    engine = connect(database_url)
    assert read_asked(engine) == [] and len(read_votes(engine)) == 1


def test_many_threads_can_bring_databases_up_to_date_at_once(tmp_path: Path) -> None:
    # Alembic runs a migration through module-level state; two threads at once broke it.
    def bring_up(number: int) -> bool:
        engine = connect(f"sqlite:///{tmp_path / f'{number}.sqlite3'}")
        migrate(engine)
        with engine.connect() as connection:
            return sa.inspect(connection).has_table("questions")

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(bring_up, range(16)))


def test_replicas_voting_on_the_same_answers_at_once_keep_one_vote_each() -> None:
    # Replicas share PostgreSQL; the SQLite default is for one process.
    with postgres_database() as database_url:
        _four_replicas_vote(database_url)


def _four_replicas_vote(database_url: str) -> None:
    replicas = [Journal(database_url) for _ in range(4)]
    for number in range(200):
        for replica, journal in enumerate(replicas):
            answer = f"answer-{number:04}"
            journal.asked(asked_record(answer, f"Frage {number}?", "answered"))
            journal.voted(Vote(answer, NOW, replica % 2 == 0, f"Frage {number}?", "answered"))
    for journal in replicas:
        journal.close()
    engine = connect(database_url)
    assert len(read_asked(engine)) == 200
    assert sorted(v.answer_id for v in read_votes(engine)) == [f"answer-{n:04}" for n in range(200)]


def test_a_database_that_is_away_holds_up_nothing_and_gets_the_records_when_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The database's directory cannot be made while a file stands in its place.
    blocker = tmp_path / "away"
    blocker.write_text("not a directory")
    url = f"sqlite:///{blocker / 'db' / 'essaybot.sqlite3'}"
    journal = Journal(url, retry=(0.05, 0.2))
    with caplog.at_level(logging.WARNING, logger="bot.feedback.journal"):
        started = datetime.now(UTC)
        for number in range(50):
            journal.asked(asked_record(f"answer-{number:04}", "Wer?", "answered"))
        assert datetime.now(UTC) - started < timedelta(seconds=1)  # handed over, not written
        assert not journal.flush(timeout=0.5)
        assert "answers go on" in caplog.text
        blocker.unlink()  # the database comes back
        assert journal.flush(timeout=10)
    journal.close()
    assert len(read_asked(connect(url))) == 50
    assert "The database is back" in caplog.text


def test_records_beyond_the_bound_are_dropped_oldest_first_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "away"
    blocker.write_text("")
    url = f"sqlite:///{blocker / 'db' / 'essaybot.sqlite3'}"
    journal = Journal(url, max_waiting=5, retry=(0.05, 0.1))
    with caplog.at_level(logging.WARNING, logger="bot.feedback.journal"):
        for number in range(8):
            journal.asked(asked_record(f"answer-{number:04}", "Wer?", "answered"))
        blocker.unlink()
        assert journal.flush(timeout=10)
    journal.close()
    kept = [a.answer_id for a in read_asked(connect(url))]
    assert kept == [f"answer-{n:04}" for n in range(3, 8)]
    assert "the oldest" in caplog.text


# The report


def test_the_report_counts_askings_of_one_question_together_and_by_day() -> None:
    asked = [
        asked_record("a1", "Was kostet das Training?", "silent", 2),
        asked_record("a2", "was kostet das training", "silent", 1),
        asked_record("a3", "Was kostet das Training?", "silent"),
        asked_record("a4", "Wer hat geklagt?", "answered"),
        asked_record("a5", "Wie groß ist das Modell?", "related"),
    ]
    votes = [
        Vote("a4", NOW, False, "Wer hat geklagt?", "answered", "falscher Absatz"),
        Vote("a6", NOW, False, "wer hat geklagt", "answered"),
        Vote("a5", NOW, True, "Wie groß ist das Modell?", "related"),
    ]
    report = build_report(asked, votes)
    assert [(o.question, o.count) for o in report.silent] == [("Was kostet das Training?", 3)]
    assert report.silent[0].last == NOW.date()
    assert [o.question for o in report.related] == ["Wie groß ist das Modell?"]
    (unhelpful,) = report.unhelpful
    assert (unhelpful.votes, unhelpful.comments) == (2, ("falscher Absatz",))
    today = report.days[-1]
    assert (today.asked, today.answered, today.silent, today.related) == (3, 1, 1, 1)
    assert (today.helpful, today.unhelpful) == (1, 2)
    assert [d.asked for d in report.days] == [1, 1, 3]
    assert same_question("  Wer hat  geklagt ?! ") == same_question("wer hat geklagt")


# The owner's commands on a real database


@pytest.fixture
def filled(database_url: str) -> str:
    url = database_url
    journal = Journal(url)
    today = datetime.now(UTC)
    for number, (question, status) in enumerate(
        [("Was kostet das Training?", "silent")] * 2 + [("Wer hat geklagt?", "answered")]
    ):
        journal.asked(Asked(f"answer-{number:04}", today, question, "de", status))  # type: ignore[arg-type]
    journal.voted(Vote("answer-0002", today, False, "Wer hat geklagt?", "answered", 'zu lang, "x"'))
    journal.voted(Vote("answer-0009", today - timedelta(days=40), True, "Alt?", None))
    journal.close()
    return url


def test_report_prints_what_the_text_left_silent_and_what_was_unhelpful(filled: str) -> None:
    result = CliRunner().invoke(cli, ["report", "--database-url", filled])
    assert result.exit_code == 0, result.output
    silent = result.output.split("The text was silent on")[1].split("Only related")[0]
    assert "2 x  Was kostet das Training?" in silent
    unhelpful = result.output.split("marked not helpful:")[1]
    assert "Wer hat geklagt? [answered]" in unhelpful and "zu lang" in unhelpful


def test_report_as_json_and_for_the_last_days(filled: str) -> None:
    result = CliRunner().invoke(cli, ["report", "--database-url", filled, "--json"])
    report = json.loads(result.output)
    assert report["asked"] == 3 and report["votes"] == 2
    assert report["silent"][0] == {
        "question": "Was kostet das Training?",
        "count": 2,
        "last": datetime.now(UTC).date().isoformat(),
    }
    recent = json.loads(
        CliRunner()
        .invoke(cli, ["report", "--database-url", filled, "--json", "--days", "7"])
        .output
    )
    assert recent["votes"] == 1  # the vote of 40 days ago is older


@pytest.mark.parametrize("format_", ["csv", "json"])
def test_feedback_export_writes_every_vote(filled: str, tmp_path: Path, format_: str) -> None:
    target = tmp_path / f"votes.{format_}"
    result = CliRunner().invoke(
        cli,
        ["feedback", "export", "--database-url", filled, "--format", format_, "-o", str(target)],
    )
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    rows = json.loads(text) if format_ == "json" else list(csv.DictReader(io.StringIO(text)))
    assert sorted(row["question"] for row in rows) == ["Alt?", "Wer hat geklagt?"]
    unhelpful = next(row for row in rows if row["question"] == "Wer hat geklagt?")
    assert unhelpful["comment"] == 'zu lang, "x"'
    assert str(unhelpful["helpful"]) in ("False", "false")


def test_two_bots_on_one_database_each_report_their_own_texts(
    database_url: str, tmp_path: Path
) -> None:
    holidays, canteen = tmp_path / "holidays", tmp_path / "canteen"
    for folder, question in ((holidays, "Wie viele Urlaubstage?"), (canteen, "Was kostet es?")):
        journal = Journal(database_url, texts=str(folder))
        journal.asked(Asked(f"answer-{folder.name}", NOW, question, "de", "silent"))
        journal.voted(Vote(f"answer-{folder.name}", NOW, False, question, "silent"))
        journal.close()

    def report(*args: str) -> str:
        result = CliRunner().invoke(cli, ["report", "--database-url", database_url, *args])
        assert result.exit_code == 0, result.output
        return result.output

    own = report("--seeds", str(holidays))
    assert "1 asked, 1 votes" in own and f"The texts in {holidays}." in own
    assert "Urlaubstage" in own and "Was kostet es?" not in own
    assert f"Not counted, asked of other texts folders: {canteen} (1)" in own
    assert "2 asked, 2 votes" in report("--seeds", str(holidays), "--all-texts")
    as_json = json.loads(report("--seeds", str(canteen), "--json"))
    assert (as_json["texts"], as_json["other_texts"]) == (str(canteen), {str(holidays): 1})
    assert as_json["asked"] == 1 and as_json["silent"][0]["question"] == "Was kostet es?"


def test_questions_kept_before_the_log_named_its_texts_are_kept_and_counted(
    database_url: str,
) -> None:
    engine = connect(database_url)
    migrate(engine, "0001")  # the schema before records named their texts folder
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO questions (answer_id, asked_at, question, language, status) "
                "VALUES ('answer-old1', :at, 'Was galt früher?', 'de', 'silent')"
            ),
            {"at": NOW},
        )
    result = CliRunner().invoke(cli, ["report", "--database-url", database_url])
    assert result.exit_code == 0, result.output
    assert "1 asked" in result.output and "Was galt früher?" in result.output
    assert "1 question(s) kept before the log noted its texts folder" in result.output


def test_a_database_that_cannot_be_opened_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("a file where the database's directory should be")
    result = CliRunner().invoke(
        cli, ["report", "--database-url", f"sqlite:///{tmp_path / 'file' / 'x.sqlite3'}"]
    )
    assert result.exit_code != 0
    assert "Cannot open the database" in result.output and "ESSAYBOT_DATABASE_URL" in result.output


# The API


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[tuple[TestClient, Journal]]:
    journal = Journal(sqlite(tmp_path))
    with TestClient(create_app(engine, with_chat=False, journal=journal), base_url=LOCAL) as client:
        yield client, journal
    journal.close()


def test_a_vote_through_the_api_names_the_answer_it_is_on(
    api: tuple[TestClient, Journal],
) -> None:
    client, journal = api
    answer = client.post("/api/ask", json={"question": "Wie viel kostet ein Döner?"}).json()
    response = client.post(
        "/api/feedback",
        json={
            "answer_id": answer["id"],
            "helpful": False,
            "question": answer["question"],
            "status": answer["status"],
            "comment": "  Steht nicht drin.  ",
        },
    )
    assert response.status_code == 202 and response.json() == {"received": True}
    assert journal.flush()
    engine = connect(journal.url)
    (logged,) = read_asked(engine)
    assert (logged.answer_id, logged.status) == (answer["id"], answer["status"])
    (vote,) = read_votes(engine)
    assert (vote.answer_id, vote.helpful, vote.comment) == (
        answer["id"],
        False,
        "Steht nicht drin.",
    )


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"helpful": True, "question": "x"}, "answer_id: Field required"),
        ({"answer_id": "x", "helpful": True, "question": "x"}, "answer_id: String should match"),
        ({"answer_id": "a" * 32, "helpful": "yes", "question": "x"}, "valid boolean"),
        ({"answer_id": "a" * 32, "helpful": True, "question": ""}, "question: String should"),
        ({"answer_id": "a" * 32, "helpful": True, "question": "x", "status": "sure"}, "status"),
        (
            {"answer_id": "a" * 32, "helpful": True, "question": "x", "comment": "c" * 501},
            "comment",
        ),
    ],
)
def test_a_bad_vote_is_a_4xx_that_says_what_to_send(
    api: tuple[TestClient, Journal], body: dict[str, object], fragment: str
) -> None:
    client, _ = api
    response = client.post("/api/feedback", json=body)
    assert response.status_code == 422
    assert fragment in response.json()["error"] and '"helpful": false' in response.json()["error"]


def test_a_vote_must_be_posted_as_json(api: tuple[TestClient, Journal]) -> None:
    client, _ = api
    response = client.post(
        "/api/feedback", content=b"helpful=1", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert client.get("/api/feedback").status_code == 405


def test_a_page_of_a_foreign_origin_cannot_vote(engine: Engine, tmp_path: Path) -> None:
    """A browser sends a JSON body to another origin only after asking (a preflight),
    which is refused to strangers; a body it sends without asking is not JSON, and refused."""
    from dataclasses import replace

    settings = engine.settings.model_copy(update={"allowed_origins": "https://intranet.example"})
    journal = Journal(sqlite(tmp_path))
    with TestClient(
        create_app(replace(engine, settings=settings), with_chat=False, journal=journal),
        base_url=LOCAL,
    ) as client:

        def preflight(origin: str) -> int:
            return client.options(
                "/api/feedback",
                headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "content-type",
                },
            ).status_code

        assert preflight("https://evil.example") == 400
        assert preflight("https://intranet.example") == 200
        simple = client.post(
            "/api/feedback",
            content=json.dumps({"answer_id": "a" * 32, "helpful": False, "question": "x"}),
            headers={"Origin": "https://evil.example", "Content-Type": "text/plain"},
        )
        assert simple.status_code == 415
    journal.close()
    database = connect(journal.url)
    migrate(database)
    assert read_votes(database) == []


def test_about_offers_titles_and_examples_in_the_language_asked(
    api: tuple[TestClient, Journal],
) -> None:
    client, _ = api
    german = client.get("/api/about", params={"lang": "de"}).json()
    assert german["language"] == "de" and german["titles"] == ["Open-source-grundlagenmodelle"]
    assert 1 <= len(german["examples"]) <= 3
    english = client.get("/api/about", headers={"Accept-Language": "en-GB"}).json()
    assert english["language"] == "en"
