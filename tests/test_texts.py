"""Which files are texts, and why two texts may not share a name."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer.markdown import anchor
from bot.errors import SeedsClash, SeedsMissing
from bot.ingest.folder import load_texts, read_folder


def _seeds(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    return tmp_path


def test_txt_and_md_files_are_read_in_name_order(tmp_path: Path) -> None:
    seeds = _seeds(tmp_path, {"b.md": "Zwei.\n", "a.txt": "Eins.\n", "c.csv": "x,y\n"})
    assert [text.source for text in load_texts(seeds)] == ["a.txt", "b.md"]


def test_two_texts_whose_paragraph_links_would_collide_are_refused(tmp_path: Path) -> None:
    seeds = _seeds(tmp_path, {"essay.txt": "Eins.\n", "Essay.md": "Zwei.\n"})
    assert anchor("essay.txt", 1) == anchor("Essay.md", 1)
    with pytest.raises(SeedsClash) as caught:
        load_texts(seeds)
    assert "rename one of them" in str(caught.value)
    assert "essay.txt" in str(caught.value) and "Essay.md" in str(caught.value)


def test_texts_with_distinct_names_link_apart(tmp_path: Path) -> None:
    seeds = _seeds(tmp_path, {"essay.txt": "Eins.\n", "essay-2.md": "Zwei.\n"})
    sources = [text.source for text in load_texts(seeds)]
    assert len({anchor(source, 1) for source in sources}) == 2


def test_a_text_that_is_not_utf8_is_skipped_with_what_to_do_and_the_others_served(
    tmp_path: Path,
) -> None:
    _seeds(tmp_path, {"essay.txt": "Eins.\n"})
    (tmp_path / "latin1.txt").write_bytes("Größe".encode("latin-1"))
    folder = read_folder(tmp_path)
    assert [text.source for text in folder.texts] == ["essay.txt"]
    (skipped,) = folder.skipped
    assert skipped.name == "latin1.txt"
    assert skipped.reason == "not UTF-8 text (invalid start byte at byte 2): save it as UTF-8"


def test_a_link_out_of_the_folder_is_skipped_and_named(tmp_path: Path) -> None:
    seeds = tmp_path / "texts"
    seeds.mkdir()
    _seeds(seeds, {"essay.txt": "Eins.\n"})
    (seeds / "broken.txt").symlink_to("/proc/self/mem")
    (tmp_path / "outside.md").write_text("Geheim.\n")
    (seeds / "outside.md").symlink_to(tmp_path / "outside.md")
    folder = read_folder(seeds)
    assert [text.source for text in folder.texts] == ["essay.txt"]
    assert {s.name: s.reason for s in folder.skipped} == {
        "broken.txt": "a link to a file outside the folder; copy it in",
        "outside.md": "a link to a file outside the folder; copy it in",
    }


def test_a_directory_without_texts_says_what_to_put_there(tmp_path: Path) -> None:
    with pytest.raises(SeedsMissing, match=r"Put documents there \(PDF, Word \.docx") as caught:
        load_texts(_seeds(tmp_path, {"notes.csv": "x\n"}))
    assert "notes.csv: not a kind of file the bot reads" in str(caught.value)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("open-source-grundlagenmodelle.txt", "open-source-grundlagenmodelle"),
        ("Über KI.md", "über-ki"),
        ("日本.md", "日本"),
        ("ä.txt", "ä"),
        ("snake_case name.txt", "snake-case-name"),
        ("...md", "text"),
    ],
)
def test_links_keep_the_letters_of_any_script(source: str, expected: str) -> None:
    assert anchor(source, 3) == f"{expected}-p3"
