"""Answer ids that only this deployment can hand out.

A vote names an answer by its id and says what was asked and how the text answered. A
stranger's script could otherwise vote for answers never given, under questions never
asked, and head the owner's report with them. So an id carries a signature over the
question and the status the bot answered with: a vote counts only with the id, question
and status of an answer the bot gave, and nothing has to be remembered to check it, so
every replica that shares the key checks every other's ids.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from ..search.retrieve import Status

__all__ = ["AnswerIds", "deployment_key"]

log = logging.getLogger(__name__)

_NONCE = 16  # hex digits of randomness: ids never repeat
_SIGNATURE = 24  # hex digits of the HMAC: 96 bits, beyond guessing


@dataclass(frozen=True)
class AnswerIds:
    key: bytes

    def issue(self, question: str, status: Status) -> str:
        """A new id for the answer `status` given to `question` (as `ask()` cleaned it)."""
        nonce = secrets.token_hex(_NONCE // 2)
        return nonce + self._signature(nonce, question, status)

    def vouches(self, answer_id: str, question: str, status: str | None) -> bool:
        """Whether this deployment gave answer `answer_id` to `question` with `status`."""
        if len(answer_id) != _NONCE + _SIGNATURE or status is None:
            return False
        nonce, signature = answer_id[:_NONCE], answer_id[_NONCE:]
        return hmac.compare_digest(signature, self._signature(nonce, question, status))

    def _signature(self, nonce: str, question: str, status: str) -> str:
        message = "\0".join((nonce, status, question)).encode("utf-8", "surrogatepass")
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()[:_SIGNATURE]


def deployment_key(configured: str, data_dir: Path) -> bytes:
    """The signing key: the configured one (replicas share it), else one made once and
    kept in `data_dir`, else, on a read-only disk, one for this process alone."""
    if configured:
        return configured.encode()
    path = data_dir / "secret-key"
    try:
        if not path.exists():
            _write_once(path, secrets.token_urlsafe(32))
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key.encode()
        log.warning("%s is too short to sign answer ids; a key for this process is used.", path)
    except OSError as exc:
        log.warning(
            "Cannot keep a key for answer ids in %s (%s); votes count only on this "
            "process's answers. Set ESSAYBOT_SECRET_KEY, the same for every replica.",
            data_dir,
            exc.strerror or exc,
        )
    return secrets.token_bytes(32)


def _write_once(path: Path, key: str) -> None:
    """Write `key` to `path` whole, readable by the owner alone, unless a process starting
    beside this one did first (then its key is the one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key)
    try:
        os.link(draft, path)  # whole or not at all, and never over another's key
    except FileExistsError:
        pass
    finally:
        draft.unlink()
