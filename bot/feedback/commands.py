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
from .database import connect, migrate, read_asked, read_votes
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
@setting_options("data_dir", "database_url", "question_log")
def report(days: int | None, top: int, json_: bool, **flags: Any) -> None:
    """What readers asked that the text did not answer, which answers they found
    unhelpful, and how many asked each day: what the text should add.

    Example usage:

        essaybot report --days 30

        essaybot report --json > report.json
    """
    settings = settings_from(**flags)
    engine = _open(settings)
    since = _since(days)
    built = build_report(
        read_asked(engine, since),
        read_votes(engine, since),
        since=since.date() if since else None,
        top=top,
    )
    if json_:
        click.echo(_json({"question_log": settings.question_log, **asdict(built)}))
        return
    click.echo(_format(built, settings))


def _format(built: Report, settings: Settings) -> str:
    period = f"since {built.since}" if built.since else "all days"
    lines = [f"Readers' questions, {period} (UTC): {built.asked} asked, {built.votes} votes."]
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
@setting_options("data_dir", "database_url")
def feedback_export(format_: str, output: TextIO, days: int | None, **flags: Any) -> None:
    """Write every vote (answer id, time, helpful, question, status, comment).

    Example usage:

        essaybot feedback export --format csv -o feedback.csv
    """
    votes = read_votes(_open(settings_from(**flags)), _since(days))
    rows = [asdict(vote) for vote in votes]
    if format_ == "json":
        output.write(_json(rows) + "\n")
        return
    fields = ["answer_id", "given_at", "helpful", "question", "status", "comment"]
    writer = csv.DictWriter(output, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {key: _cell(value) for key, value in row.items()}
            | {"given_at": row["given_at"].isoformat()}
        )
    if output.name != "<stdout>":
        click.echo(f"Wrote {len(rows)} vote(s) to {output.name}", err=True)
