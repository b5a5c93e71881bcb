"""One settings object: a declared table of name, default and help.

Every setting reads an `ESSAYBOT_<NAME>` environment variable; CLI flags override it
(`Settings(**flags)`), and the README's settings table is generated from these fields.
"""

from __future__ import annotations

import hashlib
import re
from ipaddress import ip_address, ip_network
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_MODEL", "LOOPBACK_NAMES", "Settings", "index_for"]

_PROJECT = Path(__file__).resolve().parent.parent

# The one place the default embedder is chosen; `model.py` resolves the name.
DEFAULT_MODEL = "multilingual-e5-small"

# The names a request from this machine calls the bot by. A DNS-rebinding page cannot send
# them (its requests carry its own name), so probes and scrapes on the machine always pass.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


class Settings(BaseSettings):
    """What the bot reads, which model embeds it, how strict it answers and where it serves."""

    model_config = SettingsConfigDict(env_prefix="ESSAYBOT_", frozen=True, extra="forbid")

    seeds: Path = Field(
        _PROJECT / "seeds",
        description="Directory of the texts: PDF, Word (.docx), OpenDocument (.odt), "
        "PowerPoint (.pptx), HTML, Markdown and plain text.",
    )
    index_dir: Path = Field(
        default_factory=lambda given: index_for(given["seeds"]),
        description="Where the built index is kept. Default: a folder of its own per texts "
        "folder in the project's `index/` (`index/<folder>-<hash>/`), so two bots with "
        "other texts never rebuild each other's index.",
    )
    build_index: bool = Field(
        True,
        description="Build the index when it is missing or does not match the texts and "
        "model. `false` for replicas sharing an index that `essaybot index` built once: "
        "they open it read-only and refuse to start when it is missing or does not match.",
    )
    watch: bool = Field(
        True,
        description="While serving, bring the index up to date when a file in the texts "
        "folder is added, changed or removed, and answer from it. Only a server that builds "
        "its index (`build_index`); replicas leave it to `essaybot index`.",
    )
    model: str = Field(
        DEFAULT_MODEL,
        description="Embedding model: a packaged model's name or a local "
        "sentence-transformers directory.",
    )
    model_cache: Path | None = Field(
        None,
        description="Where models rebuilt from installed packages are kept (about 470 MB "
        "for multilingual-e5-small). Default: `$XDG_CACHE_HOME/essaybot/models`, else "
        "`~/.cache/essaybot/models`.",
    )
    runtime: Literal["onnx", "torch"] = Field(
        "onnx",
        description="What runs the model: `onnx` (ONNX Runtime, an 8-bit export made once "
        "into the model cache, about three times faster) or `torch` (the weights as they "
        "are; what builds and checks the export).",
    )
    dictionary: Path | None = Field(
        None,
        description="A German-English word list in Ding's format (Debian's `trans-de-en`: "
        "`/usr/share/trans/de-en`, which `make dictionary` installs): an English question "
        "over German texts is then matched by the German words of its own, not by meaning "
        "alone (and the other way round). Off by default: it lifts the English questions of "
        "the long manuals but costs the essay's tuning half two questions "
        "(docs/retrieval.md).",
    )
    threshold: float = Field(
        0.0,
        allow_inf_nan=False,
        ge=-1.0,
        le=1.0,
        description="How far a question must score above the generic questions that no text "
        "answers, on its best passage, to be answered; below it the bot says the text is "
        "silent. The generic questions are scored against each index when it is built.",
    )
    margin: float = Field(
        0.03,
        allow_inf_nan=False,
        ge=0.0,
        le=2.0,
        description="Passages scoring more than this below the best one are not quoted.",
    )
    max_quotes: int = Field(3, ge=1, le=20, description="Most passages quoted in one answer.")
    max_history: int = Field(
        10, ge=0, le=100, description="Earlier questions a follow-up may lean on."
    )
    max_question_chars: int = Field(
        1000, ge=10, description="Longest question accepted, in characters."
    )
    host: str = Field("127.0.0.1", description="Address the server binds to.")
    port: int = Field(7860, ge=0, le=65535, description="Port the server listens on.")
    concurrency: int = Field(8, ge=1, description="Questions the chat answers at the same time.")
    queue_size: int = Field(
        64,
        ge=1,
        description="Chat questions that may wait for their turn; beyond it a reader is "
        "told the bot is busy and to try again.",
    )
    max_connections: int = Field(
        1000,
        ge=1,
        description="Open connections and requests served at once; beyond it the server "
        "answers 503. Each open chat page holds one (its heartbeat).",
    )
    request_timeout: float = Field(
        10.0,
        allow_inf_nan=False,
        gt=0,
        le=300,
        description="Seconds a client may take to send a request's head, or between two "
        "pieces of its body; a slower one is disconnected.",
    )
    allowed_origins: str = Field(
        "*",
        description="Origins whose pages may embed the widget and call the API, comma "
        "separated (e.g. `https://intranet.example`); `*` allows any page.",
    )
    rate_limit: str = Field(
        "60/minute;600/hour",
        description="Questions, and apart from them votes, one client may send, in the "
        "notation of `limits` (e.g. `60/minute;600/hour`); beyond it the client is answered "
        "429 with `Retry-After`. Empty: no limit. Behind a proxy, set `trusted_proxies`, or "
        "every reader counts as the proxy.",
    )
    redis_url: str = Field(
        "",
        description="A Redis URL (e.g. `redis://cache:6379/0`) where replicas count the rate "
        "limits together. Default: each process counts in its own memory.",
    )
    trusted_proxies: str = Field(
        "127.0.0.1",
        description="Addresses of the reverse proxies whose `X-Forwarded-For` names the "
        "client (comma separated, or `*`); a client is limited by that address. Not `*` "
        "beside `user_header`: any client could then name its own user.",
    )
    allowed_hosts: str = Field(
        "",
        description="The host names readers reach the bot by (e.g. `bot.intranet.example`, "
        "comma separated, or `*` for any); a request naming another host in `Host` is "
        "refused (400), which stops DNS rebinding. Loopback names are always answered. "
        "Default: the loopback names when the bot binds to loopback, else any host.",
    )
    secret_key: SecretStr = Field(
        SecretStr(""),
        description="The key that signs answer ids, so a vote names an answer this "
        "deployment gave (at least 32 characters; replicas share it). Default: a key made "
        "once and kept in the data directory (`secret-key`).",
    )
    api_tokens: str = Field(
        "",
        description="Tokens that scripts must send (`Authorization: Bearer <token>`) to use "
        "/api/*, comma separated, each at least 16 characters. Browser pages (the chat, "
        "the widget, allowed origins) pass by their origin. Default: no token needed.",
    )
    user_header: str = Field(
        "",
        description="A header in which the intranet's sign-in proxy names the signed-in "
        "reader (e.g. `X-Forwarded-User`); when set, every request must come through a "
        "trusted proxy with it, or carry a token. Default: readers need not sign in.",
    )
    root_path: str = Field(
        "",
        description="Path prefix under which a reverse proxy serves the bot (e.g. `/bot`).",
    )
    title: str = Field(
        "",
        max_length=200,
        description="The chat's heading, and the widget's when the page embedding it gives "
        "none (`data-title`). Plain text, never markup. Default: the text's own title (its "
        "first heading, else its file name made readable); with several texts, "
        '"Fragen an den Text" in the texts\' language.',
    )
    intro: str = Field(
        "",
        max_length=2000,
        description="The line under the chat's heading. Plain text, never markup. Default: "
        "that answers are verbatim quotes with their paragraph number, in the texts' "
        "language.",
    )
    data_dir: Path = Field(
        _PROJECT / "data",
        description="Where the bot keeps what readers asked and their feedback (an SQLite "
        "file), unless `database_url` names another database.",
    )
    database_url: str = Field(
        "",
        description="A SQLAlchemy URL of the database for questions and feedback (e.g. "
        "`postgresql+psycopg://bot@db/essaybot`, shared by replicas). Default: "
        "`essaybot.sqlite3` in the data directory.",
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        description="The server's log: `text`, one line per request and event, or `json`, "
        "one JSON object per line for a log collector.",
    )
    question_log: bool = Field(
        True,
        description="Keep the questions readers ask, with how the text answered them (no "
        "address, no cookie), for `essaybot report`; `false` keeps only their feedback.",
    )

    @field_validator("model_cache", "dictionary", mode="before")
    @classmethod
    def _cache(cls, value: object) -> object:
        # An empty ESSAYBOT_MODEL_CACHE= (as .env files write it) means the default, not ".";
        # an empty ESSAYBOT_DICTIONARY= means none.
        if isinstance(value, str | Path):
            text = str(value).strip()
            return Path(text).expanduser() if text else None
        return value

    @field_validator("title", "intro")
    @classmethod
    def _words(cls, value: str) -> str:
        # One line each, as a .env file or a unit's Environment= line gives it.
        return " ".join(value.split())

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        origins = [o.strip() for o in value.split(",") if o.strip()]
        if not origins:
            # Clearing it to lock the bot down must not open it to every page.
            raise ValueError("no origin given; list the allowed origins, or * for any page")
        for origin in origins:
            if origin == "*":
                continue
            if "*" in origin:
                raise ValueError(
                    f"{origin!r}: wildcards inside an origin are not supported; "
                    "list each origin, or use * alone for any page"
                )
            if not re.fullmatch(r"https?://[^/\s;,]+", origin):
                raise ValueError(
                    f"{origin!r} is not an origin; write scheme://host[:port], no path"
                )
        return ",".join(origins)

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse_many

        if value.strip():
            try:
                parse_many(value)
            except ValueError as exc:
                raise ValueError(
                    "write limits as count/period, separated by ';' (e.g. 60/minute;600/hour)"
                ) from exc
        return value.strip()

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: str) -> str:
        value = value.strip()
        if value and not re.match(r"rediss?://", value):
            raise ValueError("a Redis URL starts with redis:// or rediss://")
        return value

    @field_validator("api_tokens")
    @classmethod
    def _tokens(cls, value: str) -> str:
        tokens = [t.strip() for t in value.split(",") if t.strip()]
        for token in tokens:
            if len(token) < 16 or not re.fullmatch(r"[\x21-\x7e]+", token):
                raise ValueError(
                    "each token is at least 16 printable characters without spaces or commas "
                    "(e.g. from `python -c 'import secrets; print(secrets.token_urlsafe())'`)"
                )
        return ",".join(tokens)

    @field_validator("user_header")
    @classmethod
    def _user_header(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"[A-Za-z0-9-]+", value):
            raise ValueError("a header name is letters, digits and hyphens (e.g. X-Forwarded-User)")
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, value: str) -> str:
        hosts = [h.strip().lower() for h in value.split(",") if h.strip()]
        for host in hosts:
            if host != "*" and not re.fullmatch(r"[a-z0-9.-]+|\[?[0-9a-f:.]+\]?", host):
                raise ValueError(
                    f"{host!r} is not a host name; list names without scheme, port or path "
                    "(e.g. bot.intranet.example), or * for any"
                )
        return ",".join(h.strip("[]") for h in hosts)

    @field_validator("secret_key")
    @classmethod
    def _secret(cls, value: SecretStr) -> SecretStr:
        key = value.get_secret_value().strip()
        if key and (len(key) < 32 or not re.fullmatch(r"[\x21-\x7e]+", key)):
            raise ValueError(
                "the secret key is at least 32 printable characters without spaces (e.g. "
                "from `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        return SecretStr(key)

    @model_validator(mode="after")
    def _no_way_around(self) -> Self:
        if self.user_header and _trusts_everyone(self.proxies):
            # Anyone who connects could then send the header and be whoever they name.
            raise ValueError(
                "ESSAYBOT_USER_HEADER is set and ESSAYBOT_TRUSTED_PROXIES trusts every "
                "address, so any client could name its own user; list the sign-in proxy's "
                "address instead (e.g. 127.0.0.1)"
            )
        if self.tokens and "*" in self.hosts:
            # The bot knows its own pages by the host they came from; with any host
            # answered, a client could name any.
            raise ValueError(
                f"ESSAYBOT_API_TOKENS needs ESSAYBOT_ALLOWED_HOSTS when the bot binds to "
                f"{self.host}: list the names readers reach it by (e.g. bot.intranet.example)"
            )
        return self

    @field_validator("root_path")
    @classmethod
    def _root(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not re.fullmatch(r"(/[\w.~-]+)+", value):
            raise ValueError(
                "the root path is /segment[/segment...] of letters, digits and .-_~ (e.g. /bot)"
            )
        return value

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(t for t in self.api_tokens.split(",") if t)

    @property
    def proxies(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.trusted_proxies.split(",") if p.strip())

    @property
    def hosts(self) -> tuple[str, ...]:
        """The host names answered: the configured ones and the loopback names, or `*`."""
        named = tuple(h for h in self.allowed_hosts.split(",") if h)
        if not named:
            return LOOPBACK_NAMES if _is_loopback(self.host) else ("*",)
        return named if "*" in named else (*named, *(n for n in LOOPBACK_NAMES if n not in named))

    @property
    def origins(self) -> tuple[str, ...]:
        return tuple(self.allowed_origins.split(","))

    @property
    def texts_folder(self) -> str:
        """The texts folder's full path: what a question log notes and the report names."""
        return str(self.seeds.expanduser().resolve())

    @property
    def database(self) -> str:
        """The database's URL: the one given, else an SQLite file in the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'essaybot.sqlite3'}"


def index_for(seeds: Path) -> Path:
    """The project's index folder for a texts folder: named for it, to be found by eye,
    and told apart by a hash of its full path (two folders called `texts`)."""
    folder = seeds.expanduser().resolve()
    name = re.sub(r"[^\w.-]+", "-", folder.name, flags=re.ASCII).strip("-.") or "texts"
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:8]
    return _PROJECT / "index" / f"{name}-{digest}"


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _trusts_everyone(proxies: tuple[str, ...]) -> bool:
    for proxy in proxies:
        if proxy == "*":
            return True
        try:
            if ip_network(proxy, strict=False).prefixlen == 0:
                return True
        except ValueError:
            continue
    return False
