"""The guide's backup and restore of the question log, and its downgrade of the schema
before a rollback (docs/deploy.md, "Backup and restore", "Upgrades and rolling back")."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from bot.feedback.database import VERSION_TABLE, connect, migrate, read_asked, read_votes, write
from bot.feedback.records import Asked, Vote

from .conftest import PROJECT
from .support.guide import section, shell_lines
from .support.services import postgres_database, unavailable

BACKUP = "## Backup and restore"
ROLLBACK = "## Upgrades and rolling back"
# The newest revision of the question log's schema: what a restore brings back.
HEAD = sorted(p.name for p in (PROJECT / "bot/feedback/migrations/versions").glob("0*.py"))[-1][:4]


def _libpq(url: str) -> str:
    """A SQLAlchemy URL as pg_dump and pg_restore take it."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _version(engine: sa.Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(sa.text(f"SELECT * FROM {VERSION_TABLE}")).scalars())


def test_the_guides_dump_and_restore_bring_back_every_question_and_vote(
    tmp_path: Path,
) -> None:
    commands = shell_lines(section(BACKUP))
    dump = [c for c in commands if " pg_dump " in c]
    restore = [c for c in commands if " pg_restore " in c]
    assert dump and dump[0].startswith("sudo -u postgres pg_dump --format=custom essaybot > ")
    assert restore and restore[0].startswith("sudo -u postgres pg_restore --dbname=essaybot < ")
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            unavailable(tool, tool, FileNotFoundError("install Debian's postgresql-client"))
    now = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    records: list[Asked | Vote] = [
        Asked("a" * 32, now, "Wer hat Stability AI verklagt?", "de", "answered", "¶8"),
        Asked("b" * 32, now.replace(minute=31), "Wie viel kostet ein Döner?", "de", "silent"),
        Vote("a" * 32, now, True, "Wer hat Stability AI verklagt?", "answered", "genau das"),
    ]
    with postgres_database() as live, postgres_database() as fresh:
        kept = connect(live)
        migrate(kept)
        write(kept, records)
        backup = tmp_path / "essaybot.dump"
        # The guide's commands, with the test's server for `sudo -u postgres` and its
        # database names for `essaybot`: the same tools, the same options.
        with backup.open("wb") as out:
            subprocess.run(["pg_dump", "--format=custom", _libpq(live)], stdout=out, check=True)
        with backup.open("rb") as saved:
            subprocess.run(["pg_restore", f"--dbname={_libpq(fresh)}"], stdin=saved, check=True)
        restored = connect(fresh)
        try:
            assert read_asked(restored) == read_asked(kept) and len(read_asked(restored)) == 2
            assert read_votes(restored) == read_votes(kept) and len(read_votes(restored)) == 1
            assert _version(restored) == _version(kept) == [HEAD]
            migrate(restored)  # a replica's first record after the restore: nothing to do
            assert _version(restored) == [HEAD]
        finally:
            restored.dispose()
            kept.dispose()


def test_the_guides_downgrade_command_takes_the_schema_back_to_a_revision(
    tmp_path: Path,
) -> None:
    (command,) = [c for c in shell_lines(section(ROLLBACK)) if "rollback(" in c]
    words = shlex.split(command)
    assert words[:5] == ["sudo", "-u", "essaybot", "-H", "--preserve-env"]
    assert words[5] == "/opt/essaybot-2/.venv/bin/python"  # the newer release's code
    *program, revision = words[6:]
    assert revision == "0001"
    url = f"sqlite:///{tmp_path / 'essaybot.sqlite3'}"
    engine = connect(url)
    migrate(engine)
    environment = {**os.environ, "ESSAYBOT_DATABASE_URL": url, "PYTHONPATH": str(PROJECT)}

    def run(to: str) -> None:
        ran = subprocess.run(
            [sys.executable, *program, to], env=environment, capture_output=True, text=True
        )
        assert ran.returncode == 0, ran.stderr

    run("0001")  # back before the records named their texts folder (0002)
    with engine.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("questions")}
        assert "question" in columns and "texts" not in columns
    assert _version(engine) == ["0001"]
    run("base")  # as a release before the first migration would need
    with engine.connect() as connection:
        assert not sa.inspect(connection).has_table("feedback")
        assert not sa.inspect(connection).has_table("questions")
    engine.dispose()
