"""How a text is cut into quotable passages."""

from __future__ import annotations

import pytest

from bot.ingest.passages import introduction, layout, split_passages, split_sentences
from bot.ingest.texts import Text

from .conftest import ESSAY


@pytest.fixture(scope="module")
def essay() -> Text:
    return Text(ESSAY.name, ESSAY.read_text(encoding="utf-8"))


def test_every_passage_is_a_verbatim_slice_of_its_text(essay: Text) -> None:
    for passage in split_passages(essay):
        assert essay.content[passage.start : passage.end] == passage.text
        for sentence in passage.sentences:
            assert essay.content[sentence.start : sentence.end] == sentence.text
            assert passage.start <= sentence.start < sentence.end <= passage.end


def test_the_essay_has_one_passage_per_prose_paragraph(essay: Text) -> None:
    passages = split_passages(essay)
    lines = [line for line in essay.content.splitlines() if line.strip()]
    # 11 lines: two headings and one pull quote are not passages of their own.
    assert len(lines) == 11
    assert [p.paragraph for p in passages] == list(range(1, 9))
    assert passages[0].text.startswith("Die gewaltige Explosion")
    assert passages[-1].text.startswith("Wir können sehen")


def test_headings_title_the_paragraphs_that_follow(essay: Text) -> None:
    sections = [p.section for p in split_passages(essay)]
    chance = "Gibt es eine Chance für Open-Source-Grundlagenmodelle?"
    assert sections == [
        None,
        None,
        None,
        chance,
        chance,
        chance,
        "Mögliche Hürden",
        "Mögliche Hürden",
    ]
    assert not any(p.text in ("Mögliche Hürden", chance) for p in split_passages(essay))


def test_the_pull_quote_is_merged_into_the_paragraph_it_repeats(essay: Text) -> None:
    passages = split_passages(essay)
    pull_quote = "Wir sind in eine kritische Phase der KI eingetreten, in der es zu einem"
    assert not any(p.text.startswith(pull_quote) for p in passages)
    original = next(p for p in passages if p.text.startswith("Wir sind jetzt in eine kritische"))
    assert len(original.repeats) == 1
    start, end = original.repeats[0]
    assert essay.content[start:end].startswith(pull_quote)
    repeat = next(b for b in layout(essay) if b.kind == "repeat")
    assert repeat.paragraph == original.paragraph


def test_a_paragraph_sharing_only_some_words_is_not_merged() -> None:
    text = Text(
        "t.txt",
        "Die Firma baut große Modelle für viele Kunden in Europa. Das kostet viel Geld.\n"
        "Die Firma verkauft kleine Autos an viele Kunden in Asien.\n",
    )
    assert len(split_passages(text)) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Das kostet ca. 3 Mio. Dollar, z.B. im 3. Quartal. Am 12. Mai war es so.", 2),
        ("Denken Sie an Cohere und You.com. Was ist also ein Stiftungsmodell?", 2),
        ("Dr. Müller sagt: „Das ist neu.“ Dann geht er.", 2),
    ],
)
def test_sentences_are_split_the_german_way(text: str, expected: int) -> None:
    sentences = split_sentences(text)
    assert len(sentences) == expected
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_markdown_paragraphs_are_separated_by_blank_lines() -> None:
    text = Text(
        "notes.md",
        "# Einleitung\n\nErster Absatz, er geht\nüber zwei Zeilen.\n\nZweiter Absatz hier.\n\n"
        "## Schluss\n\nDritter Absatz am Ende.\n",
    )
    passages = split_passages(text)
    assert [(p.paragraph, p.section) for p in passages] == [
        (1, "Einleitung"),
        (2, "Einleitung"),
        (3, "Schluss"),
    ]
    assert passages[0].text == "Erster Absatz, er geht\nüber zwei Zeilen."


def test_a_one_sentence_paragraph_ending_in_a_full_stop_is_prose() -> None:
    passages = split_passages(Text("t.txt", "Kurzer Titel\nDas stimmt.\n"))
    assert [(p.text, p.section) for p in passages] == [("Das stimmt.", "Kurzer Titel")]


def test_a_trailing_blank_line_changes_nothing(essay: Text) -> None:
    padded = Text(essay.source, essay.content + "\n\n")
    assert split_passages(padded) == split_passages(essay)


ONE_TO_TEN = "Eins zwei drei vier fünf sechs sieben acht neun zehn."
ELEVEN_TO_TWENTY = (
    "Elf zwölf dreizehn vierzehn fünfzehn sechzehn siebzehn achtzehn neunzehn zwanzig."
)


def test_a_chain_of_repeats_merges_into_the_longest() -> None:
    text = Text(
        "t.txt",
        f"{ONE_TO_TEN}\n{ONE_TO_TEN} {ELEVEN_TO_TWENTY}\n"
        f"{ONE_TO_TEN} {ELEVEN_TO_TWENTY} Dreißig vierzig fünfzig sechzig.\n",
    )
    (passage,) = split_passages(text)
    assert len(passage.repeats) == 2
    assert {b.paragraph for b in layout(text) if b.kind == "repeat"} == {1}


def test_markdown_heading_lines_stand_alone_and_rules_are_not_prose() -> None:
    text = Text(
        "n.md", "# Einleitung\nErster Absatz.\n\n---\n\n#1 Grund ist das Geld.\n## Schluss\nEnde."
    )
    assert [(p.section, p.text) for p in split_passages(text)] == [
        ("Einleitung", "Erster Absatz."),
        ("Einleitung", "#1 Grund ist das Geld."),
        ("Schluss", "Ende."),
    ]


def test_a_markdown_passage_keeps_the_path_of_headings_above_it() -> None:
    text = Text(
        "h.md",
        "# Handbuch\n\n## Kantine\n\n### Öffnungszeiten\n\nVon 11:30 bis 14:00 Uhr.\n\n"
        "## Parken\n\nHinter Halle C.\n\n# Anhang\n\nNichts weiter.",
    )
    assert [(p.headings, p.section) for p in split_passages(text)] == [
        (("Handbuch", "Kantine", "Öffnungszeiten"), "Öffnungszeiten"),
        (("Handbuch", "Parken"), "Parken"),
        (("Anhang",), "Anhang"),
    ]


def test_a_list_item_knows_the_sentence_that_introduces_its_list() -> None:
    text = Text(
        "l.md",
        "Am ersten Tag melden Sie sich am Empfang. Bitte bringen Sie Folgendes mit:\n"
        "- Ihren Personalausweis\n- Ihre Steuer-Identifikationsnummer\n- Ihre Bankverbindung\n"
        "Das ist alles.",
    )
    (passage,) = split_passages(text)
    texts = [s.text for s in passage.sentences]
    intros = [introduction(passage, i) for i in range(len(texts))]
    assert [i.text if i else None for i in intros] == [
        None,
        None,
        "Bitte bringen Sie Folgendes mit:",
        "Bitte bringen Sie Folgendes mit:",
        "Bitte bringen Sie Folgendes mit:",
        None,
    ]


def test_a_number_inside_a_line_is_no_list_item() -> None:
    (passage,) = split_passages(Text("n.md", "Die Zahlen stehen fest. 3. Quartal: 2. Platz."))
    assert all(introduction(passage, i) is None for i in range(len(passage.sentences)))
