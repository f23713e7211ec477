"""plain_text() and excerpt(): Markdown as readable text for e-mails, exports and lists."""

import pytest

from neig_workspace.richtext import excerpt, plain_text


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("Een *schuine* en **vette** ~~weg~~ `code`.", "Een schuine en vette weg code."),
        ("# Kop\n\nTekst", "Kop\n\nTekst"),
        ("regel een\nregel twee", "regel een\nregel twee"),
        ("- een\n- twee", "- een\n- twee"),
        ("3. drie\n4. vier", "3. drie\n4. vier"),
        ("- een\n  - diep\n- twee", "- een\n  - diep\n- twee"),
        ("- een\n\n  vervolg\n- twee", "- een\n  vervolg\n- twee"),
        ("> citaat\n> verder", "> citaat\n> verder"),
        ("```\nx = 1\n  y\n```", "x = 1\n  y"),
        ("| a | b |\n|---|---|\n| 1 | 2 |", "a | b\n1 | 2"),
        ("[Politie](https://www.politie.nl)", "Politie (https://www.politie.nl)"),
        ("<https://example.nl>", "https://example.nl"),
        ("zie https://example.nl.", "zie https://example.nl."),
        ("[mail](mailto:a@b.nl)", "mail (a@b.nl)"),
        ("[intern](/documenten/3)", "intern"),
        ("![kaart](https://example.nl/k.png)", "kaart (https://example.nl/k.png)"),
        ("Een\n\n---\n\nTwee", "Een\n\nTwee"),
        ("<b>geen html</b> &amp; &lt;", "<b>geen html</b> & <"),
        ("\\*geen nadruk\\*", "*geen nadruk*"),
        ("@a@b.nl", "@a@b.nl"),
        ("", ""),
    ],
)
def test_plain_text(source, text):
    assert plain_text(source) == text


def test_plain_text_names_known_mentions():
    assert plain_text("Aan @A@b.nl", mentions={"a@b.nl": "Anna"}) == "Aan @Anna"


def test_excerpt_is_one_line_cut_on_a_word():
    text = "# Kop\n\n" + "woord " * 60
    short = excerpt(text)
    assert len(short) <= 160 and short.endswith("woord…") and "\n" not in short
    assert short.startswith("Kop woord woord")


@pytest.mark.parametrize(
    ("text", "length", "short"),
    [
        ("kort", 160, "kort"),
        ("een twee drie", 13, "een twee drie"),
        ("een twee drie", 12, "een twee…"),
        ("een twee, drie", 11, "een twee…"),
        ("eenheelllangwoord", 8, "eenheel…"),
        ("**vet** en *meer*", 160, "vet en meer"),
    ],
)
def test_excerpt_lengths(text, length, short):
    assert excerpt(text, length) == short
    assert len(excerpt(text, length)) <= length
