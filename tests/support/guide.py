"""The deploy guide's commands, as the tests that run them read them."""

from __future__ import annotations

import re

from .server import PROJECT

GUIDE = PROJECT / "docs" / "deploy.md"


def section(heading: str) -> str:
    """The guide's text under `heading` (e.g. "## TLS"), up to the next heading."""
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index(f"\n{heading}\n") + len(heading) + 2
    following = re.search(r"^#{2,3} ", text[start:], re.MULTILINE)
    return text[start : start + following.start()] if following else text[start:]


def shell_lines(text: str) -> list[str]:
    """The commands of the ```sh blocks in `text`, continuation lines joined, no comments."""
    commands: list[str] = []
    for block in re.findall(r"^ *```sh\n(.*?)^ *```$", text, re.MULTILINE | re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            command = line.split("  #")[0].strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands
