"""An audit hook that records and refuses every connection to a host that is not loopback.

Python raises audit events for `socket.connect` and `socket.getaddrinfo` before either
happens, so this sees every library's traffic (httpx, urllib, huggingface_hub, gradio).
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path
from typing import Any

_LOCAL_NAMES = {"localhost", "ip6-localhost", "ip6-loopback", ""}


def is_local(host: object) -> bool:
    if not isinstance(host, str):
        return True  # a Unix socket path or a file descriptor
    name = host.strip("[]").lower()
    if name in _LOCAL_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback
    except ValueError:
        return False


def install_guard(log: str | Path | list[str]) -> None:
    def record(line: str) -> None:
        if isinstance(log, list):
            log.append(line)
        else:
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "socket.connect":
            sock, address = args
            if getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6):
                host = address[0]
                if not is_local(host):
                    record(f"connect {host}:{address[1]}")
                    raise OSError(f"netguard: connection to {host} refused in tests")
        elif event == "socket.getaddrinfo":
            host = args[0]
            if isinstance(host, bytes):
                host = host.decode("ascii", "replace")
            if host is not None and not is_local(host):
                record(f"lookup {host}")
                raise OSError(f"netguard: lookup of {host} refused in tests")

    sys.addaudithook(hook)
