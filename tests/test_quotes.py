"""Quotation marks and sentence spans (stance.quotes): issue 2, cases 1, 2 and 4 at the quote level."""

from __future__ import annotations

import random

import pytest

from stance.quotes import Quote, find_quotes, inside, sentences


def quoted(text: str) -> list[str]:
    return [text[q.start : q.end] for q in find_quotes(text)]


# -- case 1: marks, apostrophes, nesting ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('"We will not abandon our allies," Fidan said.', "We will not abandon our allies,"),
        ("“The road to Damascus is open,” the commander said.", "The road to Damascus is open,"),
        (
            "«Nous restons aux côtés du peuple syrien», a déclaré le ministre.",
            "Nous restons aux côtés du peuple syrien",
        ),
        ("‘We have no plans to withdraw,’ a Pentagon spokesman said.", "We have no plans to withdraw,"),
        ("'We have no plans to withdraw,' a Pentagon spokesman said.", "We have no plans to withdraw,"),
        ('The army said it was "redeploying" near Hama.', "redeploying"),
    ],
    ids=["straight", "curly", "guillemets", "curly-single", "straight-single", "mid-sentence"],
)
def test_each_quotation_mark_family(text, words):
    quotes = find_quotes(text)
    assert len(quotes) == 1
    q = quotes[0]
    assert text[q.start : q.end] == words
    assert q.open == q.start - 1 and q.close == q.end + 1
    assert q.parts == ((q.start, q.end),)


@pytest.mark.parametrize(
    "text",
    [
        "Syria's army didn't comment on the rebels' advance.",
        "The minister’s aide said Syria’s army wasn’t retreating.",
        "Rebels’ commanders said the ’90s were over and the 2011 uprising's goals remained.",
    ],
)
def test_apostrophes_are_not_quotation_marks(text):
    assert find_quotes(text) == []


def test_apostrophes_inside_a_single_quoted_quotation():
    text = "‘Syria’s army won’t hold Hama,’ the analyst said."
    assert quoted(text) == ["Syria’s army won’t hold Hama,"]


@pytest.mark.parametrize(
    ("text", "outer"),
    [
        (
            "“They call it ‘liberation’, we call it a massacre,” the minister said.",
            "They call it ‘liberation’, we call it a massacre,",
        ),
        (
            "\"They call it 'liberation', we call it a massacre,\" the minister said.",
            "They call it 'liberation', we call it a massacre,",
        ),
        (
            "«Ils parlent de “libération”, nous parlons de massacre», a dit le ministre.",
            "Ils parlent de “libération”, nous parlons de massacre",
        ),
    ],
    ids=["curly", "straight", "guillemets"],
)
def test_nested_quotation_is_inside_the_outer_one(text, outer):
    assert quoted(text) == [outer]  # the nested one is not listed on its own


# -- case 2: stray and unbalanced marks -----------------------------------------------------------


def test_unclosed_mark_is_dropped_at_its_paragraph_end():
    text = (
        'The army said its units were "regrouping north of Hama and would return.\n\n'
        "Residents said the roads were empty.\n\n"
        'A commander said the rebels were "ready" to advance.'
    )
    assert quoted(text) == ["ready"]


def test_stray_closing_mark_opens_nothing():
    text = 'Turkey” stray mark. The ministry said it was "in contact" with all sides.'
    assert quoted(text) == ["in contact"]


@pytest.mark.parametrize(
    "text",
    ['"', '""""""', "« » “” ‘’ '' \" ' ”“ »«", "“\n\n”", "'", "«", '\n\n"\n\n', "12\" guns and 9' walls"],
)
def test_degenerate_marks_never_crash(text):
    quotes = find_quotes(text)
    for q in quotes:
        assert 0 <= q.open < q.start <= q.end < q.close <= len(text)
    sentences(text, quotes)


def test_random_mark_soup_is_well_formed():
    rng = random.Random(20241208)
    pieces = [
        "We",
        " will",
        " fight",
        ",",
        ".",
        " ",
        "\n",
        "\n\n",
        '"',
        "“",
        "”",
        "«",
        "»",
        "‘",
        "’",
        "'",
        "Syria's",
    ]
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 60)))
        quotes = find_quotes(text)
        previous_close = -1
        for q in quotes:
            assert previous_close <= q.open < q.start <= q.end < q.close <= len(text)
            assert all(q.start <= a <= b <= q.end for a, b in q.parts)
            previous_close = q.close
        for s, e in sentences(text, quotes):
            assert 0 <= s < e <= len(text)


# -- case 4: a quotation over several paragraphs -----------------------------------------------------


def test_multi_paragraph_quotation_is_one_quote_with_a_part_per_paragraph():
    text = (
        'Erdogan said: "Idlib, Hama and Homs are in the hands of the opposition.\n\n'
        '"Our hope is that this march continues without incident.\n\n'
        '"Turkey is ready to do its part."\n\n'
        "Iran said it was in contact with Damascus."
    )
    quotes = find_quotes(text)
    assert len(quotes) == 1
    q = quotes[0]
    assert [text[a:b].strip() for a, b in q.parts] == [
        "Idlib, Hama and Homs are in the hands of the opposition.",
        "Our hope is that this march continues without incident.",
        "Turkey is ready to do its part.",
    ]
    assert text[q.start : q.end].endswith("do its part.")
    assert q.start == text.index("Idlib")


def test_multi_paragraph_curly_quotation():
    text = (
        "“We are not fighting for territory.\n\n“Nobody will be harmed for his religion,” the commander said."
    )
    (q,) = find_quotes(text)
    assert len(q.parts) == 2
    assert text[q.parts[1][0] : q.parts[1][1]] == "Nobody will be harmed for his religion,"


def test_closed_paragraph_quotes_are_separate_quotes():
    text = '"First paragraph," he said.\n\n"Second paragraph," she said.'
    assert quoted(text) == ["First paragraph,", "Second paragraph,"]


# -- sentences and inside ----------------------------------------------------------------------------


def test_sentences_ignore_stops_inside_quotes_and_after_abbreviations():
    text = (
        'Gen. Ali Mayhoub said the army held. "We will win. We always win," he said. '
        "Dr. Adam Jones, of the U.N. agency, said 5 people died."
    )
    spans = sentences(text, find_quotes(text))
    assert [text[s:e] for s, e in spans] == [
        "Gen. Ali Mayhoub said the army held.",
        '"We will win. We always win," he said.',
        "Dr. Adam Jones, of the U.N. agency, said 5 people died.",
    ]


def test_paragraph_break_ends_a_sentence():
    text = "Rebels reached Hama\n\nThe army said it was regrouping."
    spans = sentences(text, find_quotes(text))
    assert [text[s:e] for s, e in spans] == ["Rebels reached Hama", "The army said it was regrouping."]


def test_inside_finds_the_enclosing_quote():
    text = 'He said "we will win" and "we will stay".'
    quotes = find_quotes(text)
    starts = [q.open for q in quotes]
    assert isinstance(inside(quotes, starts, text.index("win")), Quote)
    assert inside(quotes, starts, text.index("stay")) is quotes[1]
    assert inside(quotes, starts, text.index("and")) is None
    assert inside(quotes, starts, 0) is None
