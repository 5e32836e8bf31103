"""Find quotations and sentences in article text, in one linear pass each.

Quotation marks: straight ``"``, curly ``“ ”``, guillemets ``« »`` and single
quotes (``‘ ’`` and straight ``'``) when they open a quotation, not as
apostrophes. A quotation that runs over several paragraphs (an opening mark
at each paragraph start, a closing mark only at the end) is one quotation.
An opening mark that is never closed ends nothing: it is dropped at the end
of its paragraph, so a stray mark never swallows the rest of the article.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_MARKS = re.compile("[\"“”«»‘’'\n]")
_CLOSERS = {"“": "”", "«": "»", "‘": "’", '"': '"', "'": "'"}
_SPACE_BEFORE_OPEN = set(" \t\n([{—–-/")
_AFTER_CLOSE = set(" \t\n.,;:!?)]}—–-…")
_SENTENCE_END = re.compile(r"[.!?…]+[\"”»’']*(?=\s+[\"“«‘'(\[A-Z0-9])|\n")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr gen lt col maj capt sgt st jan feb mar apr jun jul aug sep sept oct nov dec "
    "no vs etc inc corp co ltd jr sr prof rep sen gov pres u.s u.n u.k e.g i.e".split()
)


@dataclass(frozen=True)
class Quote:
    """A quotation: ``start``/``end`` bound its words, ``open``/``close`` its marks."""

    open: int  # index of the opening mark
    start: int  # first character inside
    end: int  # index of the closing mark (exclusive end of the words)
    close: int  # index just after the closing mark
    parts: tuple[tuple[int, int], ...]  # (start, end) per paragraph


def _opens(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return before in _SPACE_BEFORE_OPEN and not after.isspace()


def _closes(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not before.isspace() and (after in _AFTER_CLOSE or after in "\"”»’'")


def _next_line_reopens(text: str, newline: int, family: str) -> int | None:
    """Index of the opening mark that restarts a quotation on the next paragraph."""
    j = newline
    n = len(text)
    while j < n and text[j].isspace():
        j += 1
    if j < n and text[j] == family and (family in "“«‘" or _opens(text, j)):
        return j
    if j < n and family in '"“' and text[j] in '"“':
        return j
    return None


def find_quotes(text: str) -> list[Quote]:
    """All balanced quotations in ``text``, in order, nested ones not listed."""
    quotes: list[Quote] = []
    family = None  # opening mark of the quotation being read
    q_open = q_start = 0
    parts: list[tuple[int, int]] = []
    skip_until = -1
    for match in _MARKS.finditer(text):
        i = match.start()
        if i < skip_until:
            continue
        ch = text[i]
        if ch == "\n":
            if family is None:
                continue
            reopen = _next_line_reopens(text, i, family)
            if reopen is None:
                family, parts = None, []  # unbalanced: drop it at the paragraph end
            else:
                parts.append((q_start, i))
                q_start, skip_until = reopen + 1, reopen + 1
            continue
        if family is None:
            if ch in "“«" or (ch == '"' and not (_closes(text, i) and not _opens(text, i))):
                family, q_open, q_start, parts = ch, i, i + 1, []
            elif ch in "‘'" and _opens(text, i) and i + 1 < len(text) and text[i + 1].isalnum():
                family, q_open, q_start, parts = ch, i, i + 1, []
            continue
        closes = ch == _CLOSERS[family] or (family in '"“' and ch in '"”') or (family == "'" and ch == "’")
        if not closes:
            continue  # a nested or foreign mark inside the quotation
        if family in "‘'" and not _closes(text, i):
            continue  # an apostrophe: don't, Syria's
        if ch in "\"'" and family in "\"'" and _opens(text, i) and not _closes(text, i):
            continue  # looks like an opening mark: a nested quotation
        if i > q_start:
            parts.append((q_start, i))
            quotes.append(Quote(q_open, parts[0][0], i, i + 1, tuple(parts)))
        family, parts = None, []
    return quotes


def inside(quotes: list[Quote], starts: list[int], pos: int) -> Quote | None:
    """The quotation whose words contain ``pos`` (``starts``: the quotes' open indexes)."""
    k = bisect.bisect_right(starts, pos) - 1
    if k >= 0 and quotes[k].open < pos < quotes[k].close - 1:
        return quotes[k]
    return None


def sentences(text: str, quotes: list[Quote]) -> list[tuple[int, int]]:
    """Sentence spans; boundaries inside quotations are ignored."""
    starts = [q.open for q in quotes]
    spans, begin = [], 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if match.group() != "\n":
            word = re.search(r"([\w.]+)[.!?…]+[\"”»’']*$", text[max(0, match.start() - 12) : end])
            if word and (word.group(1).lower() in _ABBREVIATIONS or len(word.group(1)) == 1):
                continue
        if inside(quotes, starts, match.start()):
            continue
        if end > begin:
            spans.append((begin, end))
        begin = end
    if begin < len(text):
        spans.append((begin, len(text)))
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
