"""The deployment files in deploy/ are ones that work: systemd accepts the unit as it
stands and rates it closed off from the machine, its command is the bot's own, and its
environment file sets only real settings to values the bot takes. (The nginx
configuration is run by tests/test_replicas.py and tests/test_behind_nginx.py.)"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.cli import cli
from bot.settings import Settings

from .conftest import PROJECT
from .support.services import unavailable

UNIT = PROJECT / "deploy" / "essaybot@.service"
ENVIRONMENT = PROJECT / "deploy" / "essaybot.env"
DEPLOY_DOC = PROJECT / "docs" / "deploy.md"


def unit_lines(key: str) -> list[str]:
    prefix = f"{key}="
    return [
        line.removeprefix(prefix)
        for line in UNIT.read_text().splitlines()
        if line.startswith(prefix)
    ]


def environment() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in ENVIRONMENT.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    return {name: value for name, value in pairs}


def systemd_analyze() -> str:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        unavailable("systemd-analyze", "PATH", FileNotFoundError("install Debian's systemd"))
    assert analyze is not None
    return analyze


def test_systemd_accepts_the_unit_without_a_warning(tmp_path: Path) -> None:
    analyze = systemd_analyze()
    # Where the unit expects the install and the environment file, this checkout's.
    text = UNIT.read_text().replace("/etc/essaybot/essaybot.env", str(ENVIRONMENT))
    instance = tmp_path / "essaybot@7861.service"
    instance.write_text(text.replace("/opt/essaybot", str(PROJECT)))
    verified = subprocess.run(
        [str(analyze), "verify", str(instance)], capture_output=True, text=True, timeout=60
    )
    said = (verified.stdout + verified.stderr).strip()
    assert verified.returncode == 0 and said == "", said


def test_systemd_rates_the_units_exposure_ok_at_2_5_or_less(tmp_path: Path) -> None:
    """A replica parses whatever readers type; should one be subverted, the unit is what
    keeps it from the rest of the machine. The security review found 5.8 ("MEDIUM")."""
    # The file as installed, analysed on its own (no running systemd needed), as an instance.
    instance = tmp_path / "essaybot@7861.service"
    instance.write_text(UNIT.read_text())
    rated = subprocess.run(
        [systemd_analyze(), "security", "--offline=true", "--no-pager", str(instance)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    said = rated.stdout + rated.stderr
    overall = re.search(r"Overall exposure level for essaybot@7861\.service: (\d+\.\d+)", said)
    assert rated.returncode == 0 and overall is not None, said
    score = float(overall[1])
    # What still counts, heaviest first: "✗ PrivateNetwork=   Service has access ...  0.5"
    counted = re.findall(r"^✗ (\S+).*?(\d+\.\d+)\s*$", rated.stdout, re.MULTILINE)
    heaviest = sorted(counted, key=lambda c: -float(c[1]))[:8]
    most = ", ".join(f"{name} {weight}" for name, weight in heaviest)
    assert score <= 2.5, f"exposure {score}, above 2.5; what counts most: {most}"
    print(f"\nsystemd-analyze security: {score} for {UNIT.name}")


def test_the_units_command_serves_on_loopback_with_the_bots_own_flags() -> None:
    (command,) = unit_lines("ExecStart")
    program, subcommand, *flags = shlex.split(command)
    assert program == "/opt/essaybot/.venv/bin/essaybot" and subcommand == "serve"
    options = {o for p in cli.commands["serve"].params for o in getattr(p, "opts", [])}
    assert {f for f in flags if f.startswith("--")} <= options
    assert flags[flags.index("--host") + 1] == "127.0.0.1"  # only nginx reaches a replica
    assert unit_lines("EnvironmentFile") == ["/etc/essaybot/essaybot.env"]


def test_the_environment_file_sets_only_real_settings_to_values_the_bot_takes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    values = environment()
    fields = {f"ESSAYBOT_{name.upper()}" for name in Settings.model_fields}
    assert set(values) <= fields, set(values) - fields
    for name in list(os.environ):
        if name.startswith("ESSAYBOT_"):
            monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = Settings()  # raises on a value the bot would refuse at start
    assert settings.build_index is False  # replicas never build
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.redis_url.startswith("redis://")


def test_the_deploy_guide_points_at_the_files_that_are_tested() -> None:
    guide = DEPLOY_DOC.read_text(encoding="utf-8")
    for path in ("deploy/nginx-essaybot.conf", "deploy/essaybot@.service", "deploy/essaybot.env"):
        assert path in guide and (PROJECT / path).is_file(), path
