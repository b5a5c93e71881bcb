"""The guide's nginx steps (docs/deploy.md, step 6 and "TLS") on Debian's own layout.

A copy of the machine's /etc/nginx, as Debian's nginx package installs it (its default site
enabled), takes the very commands of the guide, with /etc and /opt/essaybot pointed at the
copy and this checkout. Then nginx runs on the copy (`-p`/`-c`), every `listen` of Debian's
default site and of the bot's moved to free loopback ports (one for 80, one for 443, so the
two sites meet on one port as on the machine), in front of a small HTTP upstream standing in
for the replicas. The bot's name must reach the upstream; without the guide's step that
disables Debian's default site, it must not.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from .conftest import PROJECT
from .support.guide import section, shell_lines
from .support.nginx import Recorder, documented_name, nginx_missing, recording_upstream
from .support.nginx import self_signed as make_self_signed
from .support.server import free_port, stop
from .support.services import unavailable

pytestmark = pytest.mark.server

DEBIAN = Path("/etc/nginx")
STEP = "### 6. nginx in front, in place of Debian's default site"
TLS = "## TLS"


def nginx_steps() -> list[str]:
    """Step 6's commands that put files in place: not the checks and the reload, which the
    test does its own way (nginx -t on the copy, nginx run on it, requests)."""
    return [
        command
        for command in shell_lines(section(STEP))
        if not command.startswith(("nginx ", "systemctl ", "curl "))
    ]


DISABLES_DEFAULT = "rm -f /etc/nginx/sites-enabled/default"


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@dataclass(frozen=True)
class Machine:
    """A copy of Debian's /etc/nginx under `root`, with the ports nginx will listen on."""

    root: Path
    http: int
    https: int
    upstream: int

    @property
    def etc(self) -> Path:
        return self.root / "etc" / "nginx"

    def run(self, commands: list[str], directory: Path) -> None:
        """The guide's commands, its paths pointed at this copy and this checkout."""
        for command in commands:
            local = command.replace("/etc/", f"{self.root}/etc/")
            local = local.replace("/opt/essaybot/", f"{PROJECT}/")
            ran = subprocess.run(
                ["bash", "-euc", local], cwd=directory, capture_output=True, text=True
            )
            assert ran.returncode == 0, f"{command}\n{ran.stderr}"

    def localise(self) -> None:
        """Every file of the copy pointed at the copy, on loopback ports: what the test
        changes beyond the guide's steps, for nginx to run here without touching the
        machine's."""
        ipv6 = _ipv6_loopback()
        for path in self.etc.rglob("*"):
            if path.is_symlink() or not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="surrogateescape")
            text = text.replace("/etc/nginx/", f"{self.etc}/")
            text = text.replace("/etc/ssl/essaybot/", f"{self.root}/etc/ssl/essaybot/")
            text = text.replace("/run/nginx.pid", f"{self.root}/nginx.pid")
            text = text.replace("/var/log/nginx/", f"{self.root}/log/")
            user = "user root root;" if os.geteuid() == 0 else ""
            text = re.sub(r"^user\s+\S+;", user, text, flags=re.MULTILINE)
            text = re.sub(r"listen 80\b", f"listen 127.0.0.1:{self.http}", text)
            text = re.sub(r"listen 443\b", f"listen 127.0.0.1:{self.https}", text)
            for port, moved in ((80, self.http), (443, self.https)):
                # Debian's default site listens on IPv6 too; without IPv6 here, it cannot.
                v6 = f"listen [::1]:{moved}" if ipv6 else f"# no IPv6 here: listen [::]:{port}"
                text = re.sub(rf"listen \[::\]:{port}\b", v6, text)
            text = re.sub(r"127\.0\.0\.1:786[1-3]\b", f"127.0.0.1:{self.upstream}", text)
            if path.name == "nginx.conf":
                temporary = "".join(
                    f"\n\t{kind}_temp_path {self.root}/temp/{kind};"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
                )
                text = re.sub(r"^http \{", "http {" + temporary, text, count=1, flags=re.M)
            path.write_text(text, encoding="utf-8", errors="surrogateescape")

    def command(self, *extra: str) -> list[str]:
        return [
            *("nginx", "-p", f"{self.root}/", "-c", str(self.etc / "nginx.conf")),
            *("-e", str(self.root / "log" / "error.log"), "-g", "daemon off;"),
            *extra,
        ]

    def check(self) -> subprocess.CompletedProcess[str]:
        """`nginx -t` on the copy: its exit status and what it said."""
        return subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)

    @contextmanager
    def running(self) -> Iterator[None]:
        process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", self.http)) == 0:
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (self.root / "log" / "error.log").read_text(errors="replace")
                    raise RuntimeError(f"nginx did not start:\n{log}")
                time.sleep(0.05)
            yield
        finally:
            stop(process)


def debian_machine(root: Path, upstream: int) -> Machine:
    """A copy of this machine's /etc/nginx as Debian's package leaves it: its default site
    in sites-available and enabled in sites-enabled (linked, as the package links it)."""
    missing = nginx_missing()
    if missing:
        unavailable("nginx", "nginx", FileNotFoundError(missing))
    if not (DEBIAN / "sites-available" / "default").is_file():
        unavailable("Debian's nginx layout", str(DEBIAN), FileNotFoundError("no default site"))
    machine = Machine(root, free_port(), free_port(), upstream)
    shutil.copytree(DEBIAN, machine.etc, symlinks=True)
    for link in machine.etc.rglob("*"):
        target = os.readlink(link) if link.is_symlink() else ""
        if target.startswith("/etc/nginx/"):
            link.unlink()
            link.symlink_to(machine.etc / target.removeprefix("/etc/nginx/"))
    enabled = machine.etc / "sites-enabled" / "default"
    if not enabled.is_symlink():  # as Debian's package installs it
        enabled.symlink_to(machine.etc / "sites-available" / "default")
    # load_module names its file relative to the prefix, Debian's /usr/share/nginx.
    (root / "modules").symlink_to("/usr/share/nginx/modules")
    for directory in ("log", "temp"):
        (root / directory).mkdir()
    return machine


@dataclass(frozen=True)
class Certificate:
    directory: Path  # fullchain.pem and privkey.pem, where the guide's `install` finds them
    path: Path


def certificate(tmp_path: Path) -> Certificate:
    directory = tmp_path / "from-the-ca"
    return Certificate(directory, make_self_signed(directory, documented_name()))


def https(machine: Machine, cert: Certificate, name: str, path: str) -> httpx.Response:
    """A request over TLS as a client that resolved `name` to this nginx."""
    context = ssl.create_default_context(cafile=str(cert.path))
    context.check_hostname = name == documented_name()
    if not context.check_hostname:
        context.verify_mode = ssl.CERT_NONE  # `curl -k`: the certificate is the bot's name's
    with httpx.Client(verify=context, timeout=10) as client:
        return client.get(
            f"https://127.0.0.1:{machine.https}{path}",
            headers={"Host": name},
            extensions={"sni_hostname": name},
        )


def http(machine: Machine, host: str, path: str) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{machine.http}{path}", headers={"Host": host}, timeout=10)


def reaches_the_bot(machine: Machine, upstream: Recorder) -> str | None:
    """None when `curl localhost/readyz` and the bot's name (HTTP and HTTPS) reach the
    upstream through nginx on the copy; else what stood in the way."""
    checked = machine.check()
    if checked.returncode != 0:
        return f"nginx -t refused the configuration:\n{checked.stderr}"
    name = documented_name()
    with machine.running():
        for host in ("localhost", name):
            answered = http(machine, host, "/readyz")
            if answered.status_code != 200 or upstream.paths()[-1:] != ["/readyz"]:
                return f"http://{host}/readyz: {answered.status_code} {answered.text[:200]}"
        before = len(upstream.received)
        secure = https(machine, Certificate(Path(), machine.root / "ca.pem"), name, "/readyz")
        if secure.status_code != 200 or len(upstream.received) != before + 1:
            return f"https://{name}/readyz: {secure.status_code} {secure.text[:200]}"
    return None


def test_the_guide_disables_debians_default_site_and_enables_the_bots() -> None:
    steps = nginx_steps()
    assert DISABLES_DEFAULT in steps
    installed = [s for s in steps if s.endswith(" /etc/nginx/sites-available/essaybot")]
    assert installed and "deploy/nginx-essaybot.conf" in installed[0]
    assert "ln -sfn /etc/nginx/sites-available/essaybot /etc/nginx/sites-enabled/essaybot" in steps
    # Checked, then reloaded, then asked as the test asks.
    commands = shell_lines(section(STEP))
    assert "nginx -t && systemctl reload nginx" in commands
    assert "curl -s localhost/readyz" in commands


def _after_the_guide(tmp_path: Path, upstream: Recorder, steps: list[str]) -> Machine:
    cert = certificate(tmp_path)
    machine = debian_machine(tmp_path / "machine", upstream.port)
    shutil.copyfile(cert.path, machine.root / "ca.pem")
    machine.run(steps, cert.directory)
    machine.localise()
    return machine


def test_on_debians_layout_the_guides_steps_bring_the_bots_name_to_a_replica(
    tmp_path: Path,
) -> None:
    with recording_upstream() as upstream:
        machine = _after_the_guide(tmp_path, upstream, nginx_steps())
        checked = machine.check()
        assert checked.returncode == 0, checked.stderr
        assert "conflicting server name" not in checked.stderr
        assert "[warn]" not in checked.stderr and "[emerg]" not in checked.stderr, checked.stderr
        assert not (machine.etc / "sites-enabled" / "default").exists()
        assert (machine.etc / "sites-available" / "default").is_file()  # kept, only disabled
        assert reaches_the_bot(machine, upstream) is None
        sent = [r for r in upstream.received if r.path == "/readyz"]
        assert {r.header("Host")[0] for r in sent} >= {"localhost", documented_name()}
        # Any other name: the bot's default server closes the connection (444), where
        # Debian's default site would have answered with its page.
        with machine.running(), pytest.raises(httpx.RemoteProtocolError):
            http(machine, "elsewhere.example", "/readyz")


def test_without_disabling_debians_default_site_the_bot_is_not_reached(
    tmp_path: Path,
) -> None:
    with recording_upstream() as upstream:
        steps = [s for s in nginx_steps() if s != DISABLES_DEFAULT]
        machine = _after_the_guide(tmp_path, upstream, steps)
        stood_in_the_way = reaches_the_bot(machine, upstream)
        assert stood_in_the_way is not None
        assert upstream.received == []
        print(f"\nwithout `{DISABLES_DEFAULT}`: {stood_in_the_way}")


def test_the_guides_redirect_sends_http_to_https_and_https_reaches_the_bot(
    tmp_path: Path,
) -> None:
    (redirect,) = [c for c in shell_lines(section(TLS)) if c.startswith("sed ")]
    name = documented_name()
    with recording_upstream() as upstream:
        machine = _after_the_guide(tmp_path, upstream, [*nginx_steps(), redirect])
        checked = machine.check()
        assert checked.returncode == 0, checked.stderr
        assert "[warn]" not in checked.stderr and "[emerg]" not in checked.stderr, checked.stderr
        cert = Certificate(Path(), machine.root / "ca.pem")
        with machine.running():
            for host in (name, "localhost"):
                moved = http(machine, host, "/readyz?x=1")
                assert moved.status_code == 301
                assert moved.headers["Location"] == f"https://{host}/readyz?x=1"
            assert upstream.received == []  # plain HTTP reaches no replica
            for host in (name, "localhost"):  # `curl -sk https://localhost/readyz`
                assert https(machine, cert, host, "/readyz").status_code == 200
            assert upstream.paths() == ["/readyz", "/readyz"]
            with pytest.raises(httpx.RemoteProtocolError):
                http(machine, "elsewhere.example", "/")
