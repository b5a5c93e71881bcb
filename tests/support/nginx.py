"""Debian's nginx in front of replicas, with the configuration deploy/ documents."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from .server import PROJECT, free_port

SITE = PROJECT / "deploy" / "nginx-essaybot.conf"
_DOCUMENTED_PORTS = ("7861", "7862", "7863")

_MAIN = """
daemon off;
master_process on;
worker_processes 1;
{user}
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {site};
}}
"""


def site_for(ports: Sequence[int], listen: int) -> str:
    """The documented site with its replicas' ports and its listen address swapped."""
    site = SITE.read_text(encoding="utf-8")
    if len(ports) != len(_DOCUMENTED_PORTS):
        raise ValueError(f"the documented site has {len(_DOCUMENTED_PORTS)} replicas")
    for documented, port in zip(_DOCUMENTED_PORTS, ports, strict=True):
        site = site.replace(f"127.0.0.1:{documented}", f"127.0.0.1:{port}")
    return re.sub(r"listen 80;", f"listen 127.0.0.1:{listen};", site)


def nginx_missing() -> str | None:
    return None if shutil.which("nginx") else "nginx is not installed (make nginx installs it)"


@contextmanager
def running_nginx(directory: Path, ports: Sequence[int]) -> Iterator[str]:
    """nginx on a free loopback port in front of `ports`; its URL. Stopped afterwards."""
    directory.mkdir(parents=True, exist_ok=True)
    listen = free_port()
    (directory / "site.conf").write_text(site_for(ports, listen), encoding="utf-8")
    user = "user root root;" if os.geteuid() == 0 else ""
    main = _MAIN.format(dir=directory, site=directory / "site.conf", user=user)
    (directory / "nginx.conf").write_text(main, encoding="utf-8")
    check = subprocess.run(
        ["nginx", "-t", "-q", "-c", str(directory / "nginx.conf"), "-p", str(directory)],
        capture_output=True,
        text=True,
    )
    if check.returncode != 0:
        raise RuntimeError(f"nginx refused the configuration:\n{check.stderr}")
    process = subprocess.Popen(
        ["nginx", "-c", str(directory / "nginx.conf"), "-p", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{listen}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError((directory / "error.log").read_text()) from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
