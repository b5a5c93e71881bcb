"""An English question finds a German text's words through Ding's German-English list."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from bot import Engine, Settings, ask, load_engine
from bot.languages.dictionary import Dictionary, load_dictionary, parse_ding

INSTALLED = Path("/usr/share/trans/de-en")
needs_dictionary = pytest.mark.skipif(
    not INSTALLED.is_file() and not os.environ.get("CI"),
    reason="trans-de-en is not installed (`make dictionary`)",
)

DING = """\
# Version :: devel 2023-01-30
Klage {f} [jur.] | Klagen {pl} | eine Klage abweisen :: lawsuit; suit | lawsuits | to dismiss a suit
jdn. verklagen {vt} (wegen etw.) | verklagend | verklagt :: to sue sb. (for sth.) | suing | sued
Firma {f}; Unternehmen {n} [econ.] | Firmen {pl} :: company; firm | companies; firms
Begleitung {f} :: company
System {n} :: system
"""


def test_ding_senses_pair_up_word_by_word_without_notes_or_placeholders() -> None:
    words = parse_ding(DING.splitlines())
    assert words["en"]["sued"] == ("verklagt",)
    assert words["en"]["sue"] == ("verklagen",)
    assert words["en"]["lawsuits"] == ("klagen",)
    assert words["de"]["klage"] == ("lawsuit", "suit")
    # A phrase translates a phrase, not a word: "eine Klage abweisen" gives nothing.
    assert "abweisen" not in words["de"]
    assert "dismiss" not in words["en"]


def test_a_word_with_many_senses_counts_less_in_each(tmp_path: Path) -> None:
    path = tmp_path / "de-en"
    path.write_text(DING, encoding="utf-8")
    dictionary = Dictionary(path)
    weights = dict(dictionary.carry("Which company was sued?", "en"))
    assert weights["verklagt"] == 1.0
    # "company" is a firm or someone's company: each German word gets a share.
    assert weights["firma"] == weights["begleitung"] == pytest.approx(1 / 3)
    # A loan word Ding lists as itself stays.
    assert dict(dictionary.carry("the system", "en"))["system"] == 1.0


def test_a_word_the_dictionary_does_not_know_is_kept_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "de-en"
    path.write_text(DING, encoding="utf-8")
    weights = dict(Dictionary(path).carry("Who sued Getty Images?", "en"))
    assert weights == {"verklagt": 1.0, "getty": 1.0, "images": 1.0}


def test_a_german_compound_is_carried_by_its_parts_where_the_list_knows_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "de-en"
    path.write_text(DING + "Sicherheit {f} :: security\nAktualisierung {f} :: update\n")
    weights = dict(Dictionary(path).carry("Gibt es Sicherheitsaktualisierungen?", "de"))
    # "Sicherheit" + "s" + "Aktualisierungen" is not in the list, nor is its plural.
    assert "security" not in weights
    weights = dict(Dictionary(path).carry("Wer macht die Sicherheitsaktualisierung?", "de"))
    assert weights["security"] == weights["update"] == 1.0
    # English writes its compounds apart: nothing is cut.
    assert dict(Dictionary(path).carry("the systemfirm", "en")) == {"systemfirm": 1.0}


def test_without_the_file_there_is_no_dictionary(tmp_path: Path) -> None:
    assert load_dictionary(tmp_path / "missing") is None
    assert load_dictionary(None) is None


@needs_dictionary
def test_the_installed_list_knows_inflected_forms() -> None:
    dictionary = load_dictionary(INSTALLED)
    assert dictionary is not None
    english = dictionary.translations["en"]
    assert "verklagt" in english["sued"]
    assert "unternehmen" in english["companies"]
    assert "sued" in dictionary.translations["de"]["verklagt"]


@pytest.fixture(scope="module")
def with_list(engine: Engine) -> Engine:
    """The essay's bot with Ding's list, as ESSAYBOT_DICTIONARY=/usr/share/trans/de-en."""
    return replace(engine, dictionary=load_dictionary(INSTALLED))


def test_the_list_is_off_unless_named() -> None:
    assert Settings().dictionary is None


@needs_dictionary
def test_an_english_question_finds_the_german_words_of_its_answer(with_list: Engine) -> None:
    """Spelled as it stands, "Who was sued?" shares nothing with the German essay; carried
    into German ("verklagt", "geklagt", ...) it meets the paragraph about the lawsuit
    ("Das Unternehmen muss sich nun mit der Klage gegen Getty Images auseinandersetzen")."""
    assert with_list.dictionary is not None
    index = with_list.index
    assert index.lexical is not None
    question = "Who was sued?"
    lawsuit = next(p for p, passage in enumerate(index.passages) if "Klage" in passage.text)
    assert index.lexical.scores(question).max() == 0
    assert index.lexical.scores("", with_list.dictionary.carry(question, "en"))[lawsuit] > 0


@needs_dictionary
def test_a_german_question_over_a_german_text_is_matched_as_it_stands(
    engine: Engine, with_list: Engine
) -> None:
    question = "Wer hat Stability AI verklagt?"
    assert ask(question, with_list).passages == ask(question, engine).passages


def test_a_named_list_that_is_not_there_is_said_at_start(
    shared_index_dir: Path, tmp_path: Path
) -> None:
    told: list[str] = []
    settings = Settings(index_dir=shared_index_dir, dictionary=tmp_path / "missing")
    engine = load_engine(settings, notify=told.append)
    assert engine.dictionary is None
    assert any("trans-de-en" in message for message in told)
    assert ask("Who was sued?", engine).passages


def test_an_empty_setting_means_no_dictionary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESSAYBOT_DICTIONARY", "")
    assert Settings().dictionary is None


def test_the_parse_is_kept_and_read_back_until_the_list_changes(tmp_path: Path) -> None:
    path, cache = tmp_path / "de-en", tmp_path / "cache"
    path.write_text(DING, encoding="utf-8")
    first = Dictionary(path, cache).translations
    (kept,) = cache.glob("ding-*.marshal")
    assert Dictionary(path, cache).translations == first
    path.write_text(DING + "Sicherheit {f} :: security\n", encoding="utf-8")
    assert "sicherheit" in Dictionary(path, cache).translations["de"]
    # The parse of the old list is gone: one file per list.
    assert [p.name for p in cache.glob("ding-*.marshal")] != [kept.name]
    assert len(list(cache.glob("ding-*.marshal"))) == 1


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "de-en"
    path.write_text(DING, encoding="utf-8")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    assert Dictionary(path, blocked).translations["en"]["sued"] == ("verklagt",)


def test_a_damaged_cache_is_parsed_afresh(tmp_path: Path) -> None:
    path, cache = tmp_path / "de-en", tmp_path / "cache"
    path.write_text(DING, encoding="utf-8")
    Dictionary(path, cache).translations  # noqa: B018
    (kept,) = cache.glob("ding-*.marshal")
    kept.write_bytes(b"\x00 not marshal")
    assert Dictionary(path, cache).translations["en"]["sued"] == ("verklagt",)
