"""The page owner's commands: `essaybot report` and `essaybot feedback export`."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO

import click
import sqlalchemy as sa

from ..options import setting_options, settings_from
from ..search.question import UNSAFE
from .database import connect, migrate, read_asked, read_votes, texts_asked
from .report import Report, build_report

if TYPE_CHECKING:
    from ..settings import Settings

__all__ = ["feedback", "report"]

_DAYS = click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Only the last DAYS days (UTC); all of them when not given.",
)


def _open(settings: Settings) -> sa.Engine:
    try:
        engine = connect(settings.database)
        migrate(engine)
    except (sa.exc.SQLAlchemyError, OSError, ImportError) as exc:  # ImportError: no driver
        raise click.ClickException(
            f"Cannot open the database {sa.make_url(settings.database).render_as_string()} "
            f"({str(exc).splitlines()[0]}); check ESSAYBOT_DATABASE_URL / --database-url."
        ) from exc
    return engine


_ALL_TEXTS = click.option(
    "--all-texts",
    is_flag=True,
    help="Every texts folder's records; by default only those of the texts folder "
    "(ESSAYBOT_SEEDS / --seeds) that a bot with these settings serves.",
)


def _since(days: int | None) -> datetime | None:
    if days is None:
        return None
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days - 1)


# What readers wrote is printed as text, never run: a control or bidi character shows as
# its escape (\u001b), as does a line break, which would start a line of its own.
_NOT_SHOWN = re.compile(f"{UNSAFE.pattern[:-1]}\t\n\r\u2028\u2029]")


def _escape(found: re.Match[str]) -> str:
    return f"\\u{ord(found.group()):04x}"


def _printable(text: str) -> str:
    return _NOT_SHOWN.sub(_escape, text)


def _json(document: object) -> str:
    """JSON as people read it (umlauts as they are), with what a terminal would run escaped:
    JSON escapes C0 controls itself, not C1 or bidi ones, which only occur in strings."""
    text = json.dumps(document, ensure_ascii=False, indent=2, default=_json_default)
    return UNSAFE.sub(_escape, text)


# A spreadsheet runs a cell that starts like a formula (OWASP, "CSV injection").
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    if not isinstance(value, str):
        return value
    value = _printable(value)
    return "'" + value if value.startswith(_FORMULA) else value


def _json_default(value: object) -> str:
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


@click.command()
@_DAYS
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Questions listed in each part.",
)
@click.option("json_", "--json", is_flag=True, help="Print the report as one JSON document.")
@_ALL_TEXTS
@setting_options("seeds", "data_dir", "database_url", "question_log")
def report(days: int | None, top: int, json_: bool, all_texts: bool, **flags: Any) -> None:
    """What readers asked that the text did not answer, which answers they found
    unhelpful, and how many asked each day: what the text should add.

    Example usage:

        essaybot report --days 30

        essaybot report --json > report.json
    """
    settings = settings_from(**flags)
    engine = _open(settings)
    since = _since(days)
    texts = None if all_texts else settings.texts_folder
    built = build_report(
        read_asked(engine, since, texts),
        read_votes(engine, since, texts),
        since=since.date() if since else None,
        top=top,
    )
    kept = texts_asked(engine, since)
    others = {folder: n for folder, n in kept.items() if texts is not None and folder != texts}
    if json_:
        document = {
            "question_log": settings.question_log,
            "texts": texts,
            "other_texts": {folder: n for folder, n in others.items() if folder},
            "unnamed_texts": kept.get("", 0),
            **asdict(built),
        }
        click.echo(_json(document))
        return
    click.echo(_format(built, settings, texts, others, kept.get("", 0)))


def _whose(texts: str | None, others: dict[str, int], unnamed: int) -> list[str]:
    """Whose questions the report counts: the texts folder's, and what it leaves out."""
    if texts is None:
        return ["Every texts folder's questions (--all-texts)."]
    lines = [f"The texts in {_printable(texts)}."]
    if unnamed:
        lines.append(
            f"Counted with them: {unnamed} question(s) kept before the log noted its texts folder."
        )
    named = {folder: n for folder, n in others.items() if folder}
    if named:
        listed = ", ".join(f"{_printable(folder)} ({n})" for folder, n in sorted(named.items()))
        lines.append(
            f"Not counted, asked of other texts folders: {listed}; --all-texts counts all."
        )
    return lines


def _format(
    built: Report, settings: Settings, texts: str | None, others: dict[str, int], unnamed: int
) -> str:
    period = f"since {built.since}" if built.since else "all days"
    lines = [f"Readers' questions, {period} (UTC): {built.asked} asked, {built.votes} votes."]
    lines += _whose(texts, others, unnamed)
    if not settings.question_log:
        lines.append("The question log is off (ESSAYBOT_QUESTION_LOG=false): only votes are kept.")
    for title, often in (
        ("The text was silent on", built.silent),
        ("Only related passages were found for", built.related),
    ):
        lines.append(f"\n{title} (most asked first):")
        lines += [
            f"  {o.count:>4} x  {_printable(o.question)}   (last {o.last})" for o in often
        ] or ["  none"]
    lines.append("\nAnswers readers marked not helpful:")
    for item in built.unhelpful:
        status = f" [{item.status}]" if item.status else ""
        lines.append(f"  {item.votes:>4} x  {_printable(item.question)}{status}")
        lines += [f"         “{_printable(comment)}”" for comment in item.comments]
        if item.more_comments:
            lines.append(f"         (and {item.more_comments} more comments)")
    if not built.unhelpful:
        lines.append("  none")
    lines.append("\nPer day:")
    header = ("day", "asked", "answered", "related", "silent", "helpful", "not helpful")
    lines.append("  " + "  ".join(f"{h:>10}" for h in header))
    for day in built.days:
        cells = (
            day.day,
            day.asked,
            day.answered,
            day.related,
            day.silent,
            day.helpful,
            day.unhelpful,
        )
        lines.append("  " + "  ".join(f"{c!s:>10}" for c in cells))
    return "\n".join(lines)


@click.group()
def feedback() -> None:
    """The votes readers gave the answers."""


@feedback.command(name="export")
@click.option(
    "--format",
    "format_",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="CSV with a header row, or a JSON list.",
)
@click.option(
    "--output",
    "-o",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="File to write; standard output when not given.",
)
@_DAYS
@_ALL_TEXTS
@setting_options("seeds", "data_dir", "database_url")
def feedback_export(
    format_: str, output: TextIO, days: int | None, all_texts: bool, **flags: Any
) -> None:
    """Write every vote on the answers about the texts folder (answer id, time, helpful,
    question, status, comment, texts folder).

    Example usage:

        essaybot feedback export --format csv -o feedback.csv
    """
    settings = settings_from(**flags)
    texts = None if all_texts else settings.texts_folder
    votes = read_votes(_open(settings), _since(days), texts)
    rows = [asdict(vote) for vote in votes]
    if format_ == "json":
        output.write(_json(rows) + "\n")
        return
    fields = ["answer_id", "given_at", "helpful", "question", "status", "comment", "texts"]
    writer = csv.DictWriter(output, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {key: _cell(value) for key, value in row.items()}
            | {"given_at": row["given_at"].isoformat()}
        )
    if output.name != "<stdout>":
        click.echo(f"Wrote {len(rows)} vote(s) to {output.name}", err=True)
