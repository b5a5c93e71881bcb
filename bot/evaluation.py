"""Measure retrieval on a labelled question set: R@1, R@3, MRR, refusals and marks, per split.

The set (evals/essay.jsonl) is split into a tuning half, on which weights and refusal
thresholds are chosen, and a held-out half that only ever reports. Every system gets its
refusal threshold calibrated on the tuning half the same way, so the comparison is fair.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .search.conversation import contextualize
from .search.retrieve import Search, retrieve
from .search.scoring import DEFAULT_WEIGHTS, Weights, best_sentences
from .store.index import Index, passage_document
from .store.lexical import build_lexical

if TYPE_CHECKING:
    from .embed.embedder import Embedder
    from .ingest.passages import Passage
    from .languages.dictionary import Dictionary


__all__ = [
    "PARAGRAPH_ONLY",
    "Case",
    "EvalSet",
    "Metrics",
    "Outcome",
    "Report",
    "System",
    "bm25_system",
    "calibrate",
    "dense_system",
    "evaluate",
    "evaluate_set",
    "format_kinds",
    "format_reports",
    "load_cases",
    "load_sets",
    "measure",
    "with_answers_found",
]

SPLITS = ("tune", "heldout")


@dataclass(frozen=True)
class Case:
    id: str
    split: str
    kind: str
    language: str
    question: str
    history: tuple[str, ...]
    answers: tuple[int, ...]  # paragraph numbers; empty when the text does not answer
    # Words from the sentence that answers; that sentence should be the one marked.
    marks: tuple[str, ...] = ()
    # Words of each answering paragraph, for a text whose paragraphs a reader numbers
    # (a PDF): `with_answers_found` turns them into `answers` for the index at hand, so
    # a better reader does not make the labels wrong.
    answer_quotes: tuple[str, ...] = ()

    @property
    def in_scope(self) -> bool:
        return bool(self.answers)


def load_cases(path: Path) -> tuple[Case, ...]:
    """The labelled questions, one JSON object a line; ValueError names the bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ValueError(f"{path} cannot be read ({exc.strerror or exc})") from exc
    cases = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            cases.append(_case(json.loads(line), f"{path}:{number}"))
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            raise ValueError(f"{path}:{number}: {detail}") from exc
    for split in SPLITS:
        if not any(case.split == split for case in cases):
            raise ValueError(f"{path}: no {split!r} questions; both halves are needed")
    return tuple(cases)


def _case(data: object, where: str) -> Case:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: each line is one JSON object")
    if data["split"] not in SPLITS:
        raise ValueError(f"{where}: split must be one of {SPLITS}")
    return Case(
        id=data["id"],
        split=data["split"],
        kind=data["kind"],
        language=data["language"],
        question=data["question"],
        history=tuple(data.get("history", ())),
        answers=tuple(int(a) for a in data.get("answers", ())),
        marks=_marks(data, where),
        answer_quotes=tuple(str(q) for q in data.get("answer_quotes", ())),
    )


def _spaced(text: str) -> str:
    return " ".join(text.split())


def with_answers_found(cases: Sequence[Case], passages: Sequence[Passage]) -> tuple[Case, ...]:
    """The cases with the paragraph that holds each of their `answer_quotes` as their
    answers; ValueError when a quote is in no passage or in several (the label no
    longer says which paragraph answers)."""
    texts = [(p.paragraph, _spaced(p.text)) for p in passages]
    found = []
    for case in cases:
        answers = list(case.answers)
        for quote in case.answer_quotes:
            holding = [number for number, text in texts if _spaced(quote) in text]
            if len(holding) != 1:
                where = "no passage" if not holding else f"{len(holding)} passages"
                raise ValueError(f"{case.id}: {quote!r} is in {where}")
            answers.append(holding[0])
        found.append(replace(case, answers=tuple(dict.fromkeys(answers))))
    return tuple(found)


def _marks(data: dict[str, object], where: str) -> tuple[str, ...]:
    marks = data.get("marks", [])
    if not isinstance(marks, list) or not all(isinstance(m, str) and m.strip() for m in marks):
        raise ValueError(f"{where}: marks must be a list of non-empty strings")
    if marks and not (data.get("answers") or data.get("answer_quotes")):
        raise ValueError(f"{where}: a question the text does not answer has nothing to mark")
    return tuple(marks)


@dataclass(frozen=True)
class Outcome:
    """What a system made of one case: paragraphs best first, and its confidence."""

    case: Case
    ranked: tuple[int, ...]
    confidence: float
    # False when no passage worth quoting holds the kind of answer asked for.
    answerable: bool = True
    # Whether the answering sentences were marked; None when the case names none.
    marked: bool | None = None
    # The share of the answering passage's sentences that were marked: a marked answer
    # says little when most of its passage is marked with it.
    marked_share: float | None = None

    def refused(self, threshold: float) -> bool:
        """Silent: the text is said to say nothing about it."""
        return self.confidence < threshold

    def answered(self, threshold: float) -> bool:
        """Quoted as an answer, not merely as related."""
        return not self.refused(threshold) and self.answerable

    def rank_of_answer(self) -> int | None:
        """1-based rank of the first answering paragraph, None if it is not ranked."""
        for position, paragraph in enumerate(self.ranked, 1):
            if paragraph in self.case.answers:
                return position
        return None


System = Callable[[Case], Outcome]


def dense_system(
    index: Index,
    model: Embedder,
    weights: Weights,
    *,
    selection: tuple[int, float] | None = None,
    marks: bool = True,
    dictionary: Dictionary | None = None,
) -> System:
    """The bot's own retrieval, as ask() runs it.

    With `selection` (k, margin), the answer-type check runs as in ask(): a question that
    asks "wann" or "wie viele" is only related, not answered, when no passage worth
    quoting holds a time or a number. Without it, only the threshold decides. With
    `marks`, it also judges the sentences marked (which do not depend on the ranking weights).
    """
    paragraphs = [p.paragraph for p in index.passages]
    k, margin = selection or (len(index.passages), 2.0)

    def run(case: Case) -> Outcome:
        search = retrieve(
            index,
            model,
            case.question,
            case.history,
            k=k,
            margin=margin,
            weights=weights,
            dictionary=dictionary,
        )
        # Without a selection only the threshold decides, as for a plain vector search.
        answerable = selection is None or bool(search.answering)
        # The bot refuses by its margin over the generic questions; a plain vector search
        # by its best score.
        confidence = search.confidence if selection else search.ranking.confidence
        ranked = tuple(paragraphs[i] for i in search.ranking.positions)
        marked, share = None, None
        if marks and case.marks:
            judged = [_marking(index, search, case, mark) for mark in case.marks]
            marked = all(hit for hit, _ in judged)
            share = float(np.mean([part for _, part in judged]))
        return Outcome(case, ranked, confidence, answerable, marked, share)

    return run


def _marking(index: Index, search: Search, case: Case, mark: str) -> tuple[bool, float]:
    """Whether the sentence holding `mark` is among those marked in its paragraph, and
    the share of that paragraph's sentences marked.

    Judged apart from ranking: the paragraph is the labelled one, wherever it ranked.
    """
    for position, passage in enumerate(index.passages):
        if passage.paragraph in case.answers and mark in passage.text:
            if not any(mark in s.text for s in passage.sentences):
                raise ValueError(f"{case.id}: the mark {mark!r} spans two sentences")
            marked = best_sentences(index, position, search.query, search.expected, search.language)
            hit = any(mark in s.text for s in marked)
            return hit, len(marked) / len(passage.sentences)
    raise ValueError(f"{case.id}: no answering paragraph contains the mark {mark!r}")


def bm25_system(index: Index) -> System:
    """BM25 over Snowball-stemmed words alone, the lexical baseline."""
    lexical = build_lexical([passage_document(p) for p in index.passages], "stems")
    paragraphs = [p.paragraph for p in index.passages]

    def run(case: Case) -> Outcome:
        scores = lexical.scores(contextualize(case.question, case.history))
        order = np.argsort(-scores, kind="stable")
        return Outcome(case, tuple(paragraphs[i] for i in order), float(scores.max()))

    return run


@dataclass(frozen=True)
class Metrics:
    in_scope: int
    r_at_1: float
    r_at_3: float
    mrr: float
    out_of_scope: int
    refusal_precision: float
    refusal_recall: float
    in_scope_refused: int
    # Share of the cases with marks whose answering sentences were all marked, and the
    # mean share of their answering passage's sentences marked.
    marked: float = float("nan")
    marked_share: float = float("nan")
    # Answerable questions quoted only as related; near misses quoted as answers;
    # the share of off-topic questions met with silence.
    in_scope_related: int = 0
    near_misses_answered: int = 0
    off_topic_silent: float = float("nan")


def calibrate(outcomes: Sequence[Outcome]) -> float:
    """The refusal threshold that gets the most cases right (in the middle of the gap)."""
    confidences = sorted({o.confidence for o in outcomes})
    candidates = [confidences[0] - 1e-6]
    candidates += [(a + b) / 2 for a, b in itertools.pairwise(confidences)]
    candidates.append(confidences[-1] + 1e-6)

    def correct(threshold: float) -> int:
        return sum(o.refused(threshold) != o.case.in_scope for o in outcomes)

    return max(candidates, key=correct)


def measure(outcomes: Sequence[Outcome], threshold: float) -> Metrics:
    scoped = [o for o in outcomes if o.case.in_scope]
    ranks = [o.rank_of_answer() for o in scoped]
    refused = [o for o in outcomes if o.refused(threshold)]
    refused_out = sum(not o.case.in_scope for o in refused)
    out_of_scope = sum(not o.case.in_scope for o in outcomes)
    marked = [o.marked for o in outcomes if o.marked is not None]
    shares = [o.marked_share for o in outcomes if o.marked_share is not None]
    off_topic = [o for o in outcomes if o.case.kind == "off_topic"]
    return Metrics(
        in_scope=len(scoped),
        r_at_1=_share(sum(r == 1 for r in ranks), len(scoped)),
        r_at_3=_share(sum(r is not None and r <= 3 for r in ranks), len(scoped)),
        mrr=_share(sum(1 / r for r in ranks if r), len(scoped)),
        out_of_scope=out_of_scope,
        refusal_precision=_share(refused_out, len(refused)),
        refusal_recall=_share(refused_out, out_of_scope),
        in_scope_refused=len(refused) - refused_out,
        marked=_share(sum(marked), len(marked)),
        marked_share=_share(sum(shares), len(shares)),
        in_scope_related=sum(not o.refused(threshold) and not o.answerable for o in scoped),
        near_misses_answered=sum(
            o.answered(threshold) for o in outcomes if o.case.kind == "near_miss"
        ),
        off_topic_silent=_share(sum(o.refused(threshold) for o in off_topic), len(off_topic)),
    )


def _share(part: float, whole: int) -> float:
    return part / whole if whole else float("nan")


def evaluate(
    system: System, cases: Sequence[Case], threshold: float | None = None
) -> tuple[float, dict[str, Metrics], tuple[Outcome, ...]]:
    """Run every case; calibrate on the tuning half unless a threshold is given."""
    outcomes = tuple(system(case) for case in cases)
    if threshold is None:
        threshold = calibrate([o for o in outcomes if o.case.split == "tune"])
    metrics = {
        split: measure([o for o in outcomes if o.case.split == split], threshold)
        for split in SPLITS
    }
    return threshold, metrics, outcomes


@dataclass(frozen=True)
class Report:
    """One system's results on one text: its threshold and the metrics of both halves."""

    text: str
    system: str
    threshold: float
    metrics: dict[str, Metrics]


@dataclass(frozen=True)
class EvalSet:
    """A text to measure on and its labelled questions."""

    name: str
    questions: Path
    texts: Path


def load_sets(registry: Path, chosen: Sequence[str], *, seeds: Path) -> tuple[EvalSet, ...]:
    """The evaluation sets named in `registry` (all when `chosen` is empty).

    A `chosen` entry that is a question file rather than a name is read against `seeds`,
    the texts the bot serves: a page owner's own questions about their own texts.
    """
    listed = json.loads(registry.read_text(encoding="utf-8"))
    known = {
        name: EvalSet(name, registry.parent / entry["questions"], registry.parent / entry["texts"])
        for name, entry in listed.items()
    }
    sets = []
    for entry in chosen or list(known):
        if entry in known:
            sets.append(known[entry])
        elif Path(entry).is_file():
            sets.append(EvalSet(Path(entry).stem, Path(entry), seeds))
        else:
            raise ValueError(
                f"{entry!r} is neither a set of {registry} ({', '.join(known)}) nor a file"
            )
    return tuple(sets)


PARAGRAPH_ONLY = Weights(window=0.0, lexical=0.0, distinguish=0.0)


def evaluate_set(
    name: str,
    index: Index,
    model: Embedder,
    cases: Sequence[Case],
    *,
    threshold: float,
    selection: tuple[int, float],
    weights: Weights = DEFAULT_WEIGHTS,
    dictionary: Dictionary | None = None,
) -> tuple[tuple[Report, ...], tuple[Outcome, ...]]:
    """The bot beside its baselines on one text: reports, and the bot's own outcomes.

    The bot's row keeps `threshold`, the one it serves with; the baselines' thresholds
    are calibrated on the tuning half, the best each could do.
    """
    cases = with_answers_found(cases, index.passages)
    _, bot, outcomes = evaluate(
        dense_system(index, model, weights, selection=selection, dictionary=dictionary),
        cases,
        threshold,
    )
    vectors_threshold, vectors, _ = evaluate(
        dense_system(index, model, PARAGRAPH_ONLY, marks=False), cases
    )
    bm25_threshold, bm25, _ = evaluate(bm25_system(index), cases)
    reports = (
        Report(name, "the bot", threshold, bot),
        Report(name, "passage vectors only", vectors_threshold, vectors),
        Report(name, "BM25, German Snowball stems", bm25_threshold, bm25),
    )
    return reports, outcomes


def format_reports(reports: Sequence[Report]) -> str:
    """A plain table, one row per text, system and split, for the terminal and for notes."""
    header = (
        f"{'text':<22} {'system':<28} {'split':<8} {'n':>3} {'R@1':>5} {'R@3':>5} {'MRR':>5} "
        f"{'oos':>4} {'ref.P':>5} {'ref.R':>5} {'off-topic silent':>16} "
        f"{'near miss answered':>18} {'in-scope silent':>15} {'related':>7} {'threshold':>9} "
        f"{'marked':>6} {'share':>5}"
    )
    lines = [header, "-" * len(header)]
    for report in reports:
        for split, m in report.metrics.items():
            lines.append(
                f"{report.text:<22} {report.system:<28} {split:<8} {m.in_scope:>3} "
                f"{m.r_at_1:>5.2f} {m.r_at_3:>5.2f} {m.mrr:>5.2f} {m.out_of_scope:>4} "
                f"{m.refusal_precision:>5.2f} {m.refusal_recall:>5.2f} "
                f"{m.off_topic_silent:>16.2f} {m.near_misses_answered:>18} "
                f"{m.in_scope_refused:>15} {m.in_scope_related:>7} "
                f"{report.threshold:>9.3f} {m.marked:>6.2f} {m.marked_share:>5.2f}"
            )
    return "\n".join(lines)


def format_kinds(outcomes: Sequence[Outcome], split: str) -> str:
    """R@1 and R@3 by kind of question, to see where a system falls short."""
    lines = [f"{'kind':<26} {'n':>3} {'R@1':>5} {'R@3':>5}"]
    kinds = sorted({o.case.kind for o in outcomes if o.case.in_scope})
    for kind in kinds:
        chosen = [o for o in outcomes if o.case.kind == kind and o.case.split == split]
        ranks = [o.rank_of_answer() for o in chosen]
        r1 = _share(sum(r == 1 for r in ranks), len(chosen))
        r3 = _share(sum(r is not None and r <= 3 for r in ranks), len(chosen))
        lines.append(f"{kind:<26} {len(chosen):>3} {r1:>5.2f} {r3:>5.2f}")
    return "\n".join(lines)
