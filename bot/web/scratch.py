"""A private temporary directory for Gradio, emptied at start and removed at stop.

Gradio's default is one directory shared by every Gradio app of the machine, kept across
restarts; the bot has no file components, so nothing of its own belongs there, and
nothing of another app's may be served from it. Each server process gets
`<tmp>/essaybot-<uid>/gradio-<pid>`; a start removes the directories of processes that
are gone (killed replicas), so a crash leaves nothing behind for long.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import stat
import tempfile
from pathlib import Path

__all__ = ["private_gradio_dir"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _own_directory(path: Path) -> bool:
    """A directory of ours, not a symlink or another user's planted in the shared /tmp."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()


def private_gradio_dir() -> Path:
    """Make this process's directory, point Gradio at it, and remove it at exit."""
    base = Path(tempfile.gettempdir()) / f"essaybot-{os.getuid()}"
    if not _own_directory(base):
        with contextlib.suppress(OSError):  # a file or a dangling link in the way
            base.mkdir(mode=0o700)
        if not _own_directory(base):
            base = Path(tempfile.mkdtemp(prefix="essaybot-"))
    for stale in base.glob("gradio-*"):
        pid = stale.name.removeprefix("gradio-")
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    mine = base / f"gradio-{os.getpid()}"
    shutil.rmtree(mine, ignore_errors=True)
    mine.mkdir(mode=0o700)
    os.environ["GRADIO_TEMP_DIR"] = str(mine)
    atexit.register(shutil.rmtree, mine, True)
    return mine
