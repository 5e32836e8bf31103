"""The word lists that drive extraction, read from ``stance/data/lexicon``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources


def _lines(name: str) -> list[str]:
    text = resources.files("stance").joinpath(f"data/lexicon/{name}").read_text("utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@dataclass(frozen=True)
class Lexicon:
    cues: dict[str, str]  # cue phrase (lower case) -> verb | verb-quote | prep
    cue_pattern: re.Pattern
    titles: frozenset[str]
    speaker_words: frozenset[str]
    pronouns: dict[str, str]  # pronoun -> person | group
    agencies: frozenset[str]
    addressees: tuple[str, ...]
    openers: frozenset[str]
    subject_stops: frozenset[str]
    parentheticals: re.Pattern
    invertible: frozenset[str]
    genders: dict[str, str]  # word -> the pronoun it agrees with (he/she)
    documents: frozenset[str]  # "the statement said": the words stand for whoever issued them
    persons: frozenset[str] = frozenset()  # nouns that name one person ("spokesman", "fighter")


def _trie(phrases) -> str:
    """One regex alternation of ``phrases`` that tries the longest first ("called for" before "called").

    Shared prefixes are matched once ("call(?:ed(?: for| on)?|s...)"): a flat alternation of every
    phrase tries each of them at each word start, which made the cue scan the slowest step of extraction.
    """
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[None] = {}  # a phrase ends here

    def alternation(node: dict) -> str:
        longer = [re.escape(ch) + alternation(child) for ch, child in node.items() if ch is not None]
        if not longer:
            return ""
        body = longer[0] if len(longer) == 1 else "(?:" + "|".join(longer) + ")"
        return f"(?:{body})?" if None in node else body  # greedy: the longer phrase first

    return alternation(trie)


@cache
def load_lexicon() -> Lexicon:
    """Load and compile the bundled lexicons (cached)."""
    cues = {}
    for line in _lines("cues.tsv"):
        form, kind = line.split("\t")
        cues[form.lower()] = kind
    cue_pattern = re.compile(rf"(?<![\w-])(?:{_trie(cues)})(?![\w-])", re.IGNORECASE)
    pronouns = dict(line.split("\t") for line in _lines("pronouns.tsv"))
    return Lexicon(
        cues=cues,
        cue_pattern=cue_pattern,
        titles=frozenset(w.lower() for w in _lines("titles.txt")),
        speaker_words=frozenset(w.lower() for w in _lines("speaker_words.txt")),
        pronouns=pronouns,
        agencies=frozenset(w.lower() for w in _lines("agencies.txt")),
        addressees=tuple(sorted((w.lower() for w in _lines("addressees.txt")), key=len, reverse=True)),
        openers=frozenset(_lines("sentence_openers.txt")),
        subject_stops=frozenset(_lines("subject_stops.txt")),
        invertible=frozenset(_lines("invertible.txt")),
        genders=dict(line.split("\t") for line in _lines("genders.tsv")),
        documents=frozenset(_lines("documents.txt")),
        persons=frozenset(w.lower() for w in _lines("persons.txt")),
        parentheticals=re.compile(
            r",\s*(?:" + "|".join(_lines("parentheticals.txt")) + r"),\s*$", re.IGNORECASE
        ),
    )
