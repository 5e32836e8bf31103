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


@cache
def load_lexicon() -> Lexicon:
    """Load and compile the bundled lexicons (cached)."""
    cues = {}
    for line in _lines("cues.tsv"):
        form, kind = line.split("\t")
        cues[form.lower()] = kind
    # longest first so that "called for" wins over "called"
    alternatives = "|".join(re.escape(c) for c in sorted(cues, key=len, reverse=True))
    cue_pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)
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
        parentheticals=re.compile(
            r",\s*(?:" + "|".join(_lines("parentheticals.txt")) + r"),\s*$", re.IGNORECASE
        ),
    )
