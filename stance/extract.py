"""Extract quoted and reported statements with their speakers (GUIDELINES §1).

Rules over the lexicons in ``stance/data/lexicon``; no parser, no torch, so
extraction runs in linear time and ``stance extract`` starts at once. Each
sentence is read around its reporting cues:

- speaker after the content: ``"X," the minister said.`` / ``X, said Y.`` /
  ``"X" — a source``; an attribution between two quotes joins them into one
  (interrupted) statement;
- speaker before the content: ``Y said (that) X`` / ``Y insisted: "X"`` /
  ``According to Y, X``;
- a quoted paragraph with no cue inherits the previous speaker (floating quote).

The content is ``direct`` when it is exactly one quotation, ``partial`` when
it holds quoted fragments and other words, ``indirect`` when it holds none.
Pronoun speakers and bare descriptions ("he", "the ministry") resolve to the
most recent compatible speaker.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from .lexicon import Lexicon, load_lexicon
from .quotes import Quote, find_quotes, inside, sentences
from .records import Article, Statement

_TOKEN = re.compile(r"[\w’'.\-]+(?:\([^()\n]{1,40}\))?|\([^()\n]{1,40}\)|[,;:]|[^\w\s]")
_SKIP_BEFORE_CUE = frozenset(
    "has had have was were is also later then earlier again previously separately repeatedly would will "
    "once further on last late early this yesterday today tonight swiftly quickly publicly "
    "privately reportedly herself himself itself themselves".split()
)
_TIME_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december week weekend month morning evening "
    "night".split()
)
_LEAD_WORDS = frozenset("on in at late early last this during after before while to via".split())
_FINITE = frozenset(
    "is are was were has have had will would could should can may might must did does".split()
)
_QUANTIFIERS = frozenset("the a an one two three several some many most few other others".split())
_FUNCTION_WORDS = frozenset("of for to in on at from with and the a an by".split())
_QUOTE_CLOSE = "\"”»’'"
_QUOTE_OPEN = "\"“«‘'"
_MAX_SPEAKER_TOKENS = 18
_CAPS = re.compile(r"(?:\b[A-Z][\w’'-]+|\bal-[A-Z][\w’'-]+)(?:\s+(?:[A-Z][\w’'-]+|al-[A-Z][\w’'-]+)){0,5}")
_AGE = re.compile(r"\d{1,3}-year-old")
# "After meeting X at his residence on the coast, "
_LONG_INTRO = re.compile(r"[A-Z]\w*[^,;:\"“”«»]{0,100},\s*")
_NAME = re.compile(r"(?:\b[A-Z][\w’'-]+|\bal-[A-Z][\w’'-]+)(?:\s+(?:[A-Z][\w’'-]+|al-[A-Z][\w’'-]+)){1,5}")
_CONTENT_LEAD = re.compile(  # what may stand between a cue and the reported content
    r"\s*(?:in a statement|on \w+|(?:late |early )?(?:on |last )?(?:" + "|".join(sorted(_TIME_WORDS)) + r")|"
    r"in an? [\w-]+ (?:interview|post|message|statement))?\s*[,:]?\s*"
)
_DASH = re.compile(r"[\s,.]*(?:—|–|--| - )\s*")  # '"X" — a source'
_INTRO = re.compile(r"[A-Z]\w*(?: [^,]{0,40})?,\s*")  # "On Sunday, ", "In a statement, "
_PARTICIPLE_CLAUSE = re.compile(  # "Proscribed as ..., ", "Backed by ..., ": a past participle and its phrase
    r"([A-Z][a-z]+(?:ed|en))\s+(?:as|by|in|for|from|with|after|under|over)\b[^,;:\"“”«»]{0,100},\s*"
)
_NONBLANK = re.compile(r"\S")
# '..., (while) adding that ...': the same speaker again
_GERUND_JOIN = re.compile(r",\s*(?:while\s+|also\s+)?$")
_COORDINATED = re.compile(r"(?:,?\s+(?:and|but)(?:\s+(?:also|later|then))?)\s+$")


def _quote_span(text: str, q: Quote) -> tuple[int, int]:
    """Where the quotation's words start and end: inside its marks, white space left out."""
    start, end = q.start, q.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _quote_statement(
    article: Article, q: Quote, speaker, speaker_start, speaker_end, cue
) -> Statement | None:
    """A direct statement made of one quotation (its parts joined by one space); None if it is blank."""
    start, end = _quote_span(article.text, q)
    if start == end:
        return None
    return Statement(
        doc_id=article.doc_id,
        start=start,
        end=end,
        kind="direct",
        text=" ".join(article.text[a:b].strip() for a, b in q.parts),
        speaker=speaker,
        speaker_start=speaker_start,
        speaker_end=speaker_end,
        cue=cue,
        metadata=article.metadata(),
    )


def cue_is_gerund(cue: str) -> bool:
    return cue.lower().endswith("ing")


# "MOSCOW, Dec 9 (Levant Wire) — ", "WASHINGTON (AP) - ", "BEIRUT, Lebanon:"
_DATELINE = re.compile(r"[A-Z][A-Z .'’-]{2,30}(?:,[^—–\n]{1,40}?)?\s*(?:\([^)\n]{1,40}\))?\s*[—–:-]+\s+")


@dataclass
class _Span:
    start: int
    end: int


class _Spans:
    """Sorted, disjoint ``(start, end)`` spans, looked up by position in log time."""

    def __init__(self, spans: list[tuple[int, int]]):
        self.spans = spans
        self.starts = [a for a, _ in spans]

    def at(self, pos: int) -> int | None:
        """Index of the span with ``start <= pos < end``, or None."""
        k = bisect_right(self.starts, pos) - 1
        return k if k >= 0 and pos < self.spans[k][1] else None


class _Layout:
    """Sentence spans and line breaks of one text, for position look-ups in log time."""

    def __init__(self, text: str, spans: list[tuple[int, int]]):
        self.sentences = _Spans(spans)
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def sentence(self, pos: int) -> tuple[int, int] | None:
        k = self.sentences.at(pos)
        return None if k is None else self.sentences.spans[k]

    def line_start(self, pos: int) -> int:
        """``text.rfind("\\n", 0, pos) + 1``"""
        k = bisect_left(self.newlines, pos) - 1
        return self.newlines[k] + 1 if k >= 0 else 0

    def line_end(self, pos: int, n: int) -> int:
        """``text.find("\\n", pos)``, or ``n`` (the text's length) when there is none."""
        k = bisect_left(self.newlines, pos)
        return self.newlines[k] if k < len(self.newlines) else n

    def breaks(self, lo: int, hi: int) -> int:
        """``text.count("\\n", lo, hi)``"""
        return max(0, bisect_left(self.newlines, hi) - bisect_left(self.newlines, lo))


class _Seen:
    """The statements ``Extractor._resolve`` has passed, indexed for its look-backs.

    Each look-back answers what a walk back over all earlier statements would,
    without the walk: the last statement of each speaker kind, and runs of one
    speaker folded into their last statement.
    """

    def __init__(self, extractor: Extractor):
        self.extractor = extractor
        self.pronouns = extractor.lex.pronouns
        self.last_of_kind: dict[str, Statement] = {}  # person | group -> the last with such a speaker
        self.named: list[tuple[str, Statement]] = []  # speaker (lower case) neither empty nor a pronoun
        self.runs: list[tuple[str, Statement]] = []  # ``named``, each run of one speaker folded into its last
        self.heads: dict[str, tuple[int, list[tuple[str, Statement]]]] = {}  # head -> (named read, runs)

    def add(self, st: Statement) -> None:
        if st.speaker is None:
            return
        low = st.speaker.lower()
        if low in self.pronouns:
            return
        self.last_of_kind[self.extractor._speaker_kind(st.speaker)] = st
        if low:
            self.named.append((low, st))
            _push_run(self.runs, low, st)

    def latest(self, other_than: str) -> Statement | None:
        """The last statement whose speaker is not ``other_than``."""
        return next((st for low, st in reversed(self.runs[-2:]) if low != other_than), None)

    def latest_with(self, head: str, other_than: str) -> Statement | None:
        """The last statement whose speaker contains ``head`` and is not ``other_than``."""
        read, runs = self.heads.get(head, (0, []))
        word = re.compile(rf"(?<![\w-]){re.escape(head)}(?:s|es)?(?![\w-])")  # "command", not "commander"
        for low, st in self.named[read:]:
            if word.search(low):
                _push_run(runs, low, st)
        self.heads[head] = (len(self.named), runs)
        return next((st for low, st in reversed(runs[-2:]) if low != other_than), None)


def _push_run(runs: list[tuple[str, Statement]], low: str, st: Statement) -> None:
    if runs and runs[-1][0] == low:
        runs[-1] = (low, st)
    else:
        runs.append((low, st))


def _blank_back(text: str, pos: int) -> int:
    """Start of the run of white space that ends at ``pos``."""
    while pos > 0 and text[pos - 1].isspace():
        pos -= 1
    return pos


def _run_forward(text: str, pos: int, chars: str) -> int:
    """End of the run of ``chars`` that starts at ``pos``."""
    n = len(text)
    while pos < n and text[pos] in chars:
        pos += 1
    return pos


def _tokens(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    return [(start + m.start(), start + m.end(), m.group()) for m in _TOKEN.finditer(text[start:end])]


class _LazyTokens:
    """``_tokens(text, start, end)``, read as far as asked."""

    def __init__(self, text: str, start: int, end: int):
        self._matches = _TOKEN.finditer(text, start, end)
        self.read: list[tuple[int, int, str]] = []

    def has(self, j: int) -> bool:
        """Whether there is a ``j``-th token (reading up to it)."""
        while len(self.read) <= j:
            m = next(self._matches, None)
            if m is None:
                return False
            self.read.append((m.start(), m.end(), m.group()))
        return True


def _is_cap(word: str) -> bool:
    head = word[3:] if word[:3].lower() == "al-" else word
    return head[:1].isupper() or head[:1].isdigit() and False or word.startswith("(")


class Extractor:
    """Finds statements in articles; one instance holds the compiled lexicons."""

    def __init__(self, lexicon: Lexicon | None = None):
        self.lex = lexicon or load_lexicon()

    # -- speaker mentions -------------------------------------------------
    def _word_ok(self, word: str) -> bool:
        low = word.lower().strip("().")
        if low in self.lex.titles or low in self.lex.speaker_words or low in self.lex.persons:
            return True
        if low.endswith(("'s", "’s")) and (low[:-2] in self.lex.titles or _is_cap(word)):
            return True
        if low.endswith(("s'", "s’")) and (low[:-1] in self.lex.titles or _is_cap(word)):
            return True  # "the rebels' operations room"
        if _AGE.fullmatch(low):
            return True  # "34-year-old Mariam"
        return _is_cap(word) and low not in _TIME_WORDS

    def _has_head(self, words: list[str]) -> bool:
        for w in words:
            low = w.lower().strip("().")
            if low in self.lex.titles:
                return True
            if _is_cap(w) and w not in self.lex.openers and low not in self.lex.speaker_words:
                return True
        return False

    def _is_name(self, words: list[str]) -> bool:
        return (
            bool(words)
            and all(_is_cap(w) for w in words)
            and not any(w.lower() in self.lex.titles for w in words)
        )

    def _has_title(self, words: list[str]) -> bool:
        return any(
            w.lower().strip("().").removesuffix("'s").removesuffix("’s") in self.lex.titles for w in words
        )

    def _finish(self, toks: list[tuple[int, int, str]]) -> _Span | None:
        """Trim a token run to a speaker mention, or None if it is not one."""
        while toks and (
            toks[0][2].lower() in _FUNCTION_WORDS - {"the", "a", "an"}
            or toks[0][2] in self.lex.openers
            or toks[0][2] in ",;:"
        ):
            toks = toks[1:]
        while toks and (
            toks[-1][2].lower() in _FUNCTION_WORDS
            or toks[-1][2] in ",;:"
            or toks[-1][2].lower() in self.lex.speaker_words
            and toks[-1][2].lower() not in self.lex.titles
            and not _is_cap(toks[-1][2])
        ):
            toks = toks[:-1]
        words = [t[2] for t in toks if t[2] not in ",;:"]
        if not words or len(words) > _MAX_SPEAKER_TOKENS or not self._has_head(words):
            return None
        if (
            len(words) == 1
            and words[0].lower().endswith(("ed", "ing"))
            and words[0].lower() not in self.lex.titles
        ):
            return None  # "Proscribed as a terrorist organisation, it ..."
        last = toks[-1][2]
        if last.lower().endswith(("'s", "’s")):
            return None  # "Bashar al-Assad's ..." names an owner, not a speaker
        end = toks[-1][1] - 1 if last.endswith(".") and last.count(".") == 1 else toks[-1][1]
        return _Span(toks[0][0], end)

    def speaker_before(self, text: str, lo: int, cue: int) -> _Span | None:
        """The speaker mention that ends right before a cue at ``cue``."""
        aside = self.lex.parentheticals.search(text, lo, cue)
        toks = _tokens(text, lo, aside.start() if aside else cue)
        i = len(toks) - 1
        while i >= 0 and (
            toks[i][2].lower() in _SKIP_BEFORE_CUE
            or toks[i][2].lower() in _TIME_WORDS
            or (toks[i][2].endswith("ly") and toks[i][2].islower() and len(toks[i][2]) > 4)
        ):
            i -= 1
        if i >= 0 and toks[i][2] == ",":
            whole = self._apposed_subject(text, lo, toks[i][0])
            if whole is not None:
                return whole
            i -= 1  # closing comma of an apposition: "Geir Pedersen, called"
            rel = [k for k in range(i, -1, -1) if toks[k][2].lower() in ("who", "whose", "which")]
            if rel and rel[0] > 0 and toks[rel[0] - 1][2] == ",":
                i = rel[0] - 2  # skip ", whose government backs ...,"
        if i >= 0 and toks[i][2].lower() in ("that", "which", "who") and i > 0:
            i -= 1  # "a coalition that said"
        if i >= 0 and toks[i][2].lower() in self.lex.pronouns:
            return _Span(toks[i][0], toks[i][1])
        end = i
        j = i
        while j >= 0:
            word = toks[j][2]
            if word == ",":
                right = [t[2] for t in toks[j + 1 : end + 1]]
                k = j - 1
                while k >= 0 and toks[k][2] != "," and self._word_ok(toks[k][2]):
                    k -= 1
                left = [t[2] for t in toks[k + 1 : j]]
                if k >= 0 and toks[k][2] not in ",;:" + _QUOTE_CLOSE + _QUOTE_OPEN + "“”«»—–-":
                    break  # "Rebels have entered Hama, the army said": Hama ends a clause
                if k < 0 and left and left[0] in self.lex.openers:
                    break
                joins = (
                    (self._is_name(left) and self._has_title(right))
                    or (self._is_name(right) and self._has_title(left))
                    or self._listing(left, [t[2] for t in toks[j + 1 : end + 1]])
                )
                if not left or not joins:
                    break
                j = k
                continue
            if word.lower() == "by" and j > 0 and toks[j - 1][2].lower() in ("quoted", "cited"):
                j -= 2  # "A senior officer quoted by the al-Watan newspaper said"
                continue
            if not self._word_ok(word):
                break
            j -= 1
        strict = self._finish(toks[j + 1 : end + 1]) if end >= 0 else None
        if strict is not None and j + 1 == end and toks[end][2].islower():
            whole = self._clause_subject(toks, end)  # "One widely read channel", not "channel"
            if whole is not None and whole.start < strict.start:
                return whole
        return strict or self._clause_subject(toks, end)

    def _apposed_subject(self, text: str, lo: int, comma: int) -> _Span | None:
        """The subject that opens the clause and ends at an apposition closed by the comma at ``comma``.

        "Deputy Minister Ivan Petrov, the Kremlin's point man for the region, said" is the mention
        and its apposition (an apposition opens with a determiner or a possessive); "Defence Minister
        Ali Abbas, appearing in a video from the front, said" is the mention without its participle
        clause. None when the clause does not open with a mention that the apposition follows.
        """
        begin = self._sentence_start(text, lo, comma)
        mention = self.speaker_after(text, begin, comma)
        if mention is None or mention.start != begin:
            return None
        rest = text[mention.end : comma]
        if not rest.strip():
            return mention  # "Mazloum Abdi, commander of the SDF," is one mention already
        first = re.match(r"\s*,\s*([\w’'-]+)\s", rest)
        if first is None or len(rest) > 200:
            return None
        word = first.group(1)
        if word.lower() in ("a", "an", "the") or (_is_cap(word) and re.search(r"[’']s$", word)):
            return _Span(mention.start, _blank_back(text, comma))
        if word.islower() and word.endswith(("ing", "ed", "en", "wn")) and word not in self.lex.titles:
            return mention
        return None

    def _listing(self, left: list[str], rest: list[str]) -> bool:
        """Whether ``left`` is one more item of a list of names that ``rest`` ends ("The United States,
        | France, Germany and Britain"; "the foreign ministers of Qatar, | Jordan, Iran and Russia")."""
        if not left or not _is_cap(left[-1]) or "and" not in rest:
            return False
        items = " ".join(rest).replace(" and ", " , ").split(" , ")
        return all(
            item and all(_is_cap(w) or w.lower() == "the" for w in item.split()) and _is_cap(item.split()[-1])
            for item in items
        )

    def _clause_subject(self, toks, end: int) -> _Span | None:
        """Fallback: the whole clause before the cue when it is short and verb-free."""
        k = end
        while k >= 0 and toks[k][2] not in ",;:—–-" and toks[k][2] not in _QUOTE_CLOSE + _QUOTE_OPEN + "“”«»":
            k -= 1
        run = toks[k + 1 : end + 1]
        words = [t[2].lower() for t in run]
        if not run or len(run) > 10 or any(w in self.lex.subject_stops or w in self.lex.cues for w in words):
            return None
        if not _is_cap(run[0][2]) and words[0] not in _QUANTIFIERS:
            return None
        span = self._finish(run)
        if span is None and len(run) <= 6 and (words[0] in _QUANTIFIERS or _is_cap(run[0][2])):
            last = words[-1]
            if last.isalpha() and last not in _FUNCTION_WORDS and not last.endswith("ly") and len(run) > 1:
                span = _Span(run[0][0], run[-1][1])  # "Some shopkeepers", "Two aid workers"
        return span

    def speaker_after(self, text: str, pos: int, hi: int) -> _Span | None:
        """The speaker mention that starts at ``pos`` (inverted "said X", dash, "according to X")."""
        lazy = _LazyTokens(text, pos, hi)  # read only as far as the mention goes, not to ``hi``
        toks = lazy.read
        if lazy.has(0) and toks[0][2] in self.lex.pronouns:
            return _Span(toks[0][0], toks[0][1])  # a lower-case pronoun subject: "On Sunday, he visited ..."
        j, last_comma = 0, None
        while lazy.has(j):
            word = toks[j][2]
            if word == ",":
                left = [t[2] for t in toks[:j]]
                k = j + 1
                while lazy.has(k) and toks[k][2] != "," and self._word_ok(toks[k][2]):
                    k += 1
                right = [t[2] for t in toks[j + 1 : k]]
                closed = not lazy.has(k) or toks[k][2] in ",.;:!?"
                if (
                    right
                    and closed
                    and (
                        (self._is_name(right) and self._has_title(left))
                        or (self._is_name(left) and self._has_title(right))
                    )
                ):
                    j = k
                    continue
                last_comma = j
                break
            if not self._word_ok(word):
                break
            j += 1
        del last_comma
        return self._finish(toks[:j])

    # -- statements -------------------------------------------------------
    def extract(self, article: Article) -> list[Statement]:
        """Every statement in ``article``, in reading order, speakers resolved."""
        text = article.text
        quotes = find_quotes(text)
        starts = [q.open for q in quotes]
        skip = _Spans(self._headline_lines(text))
        found: list[tuple[Statement, _Span | None]] = []
        spans = sentences(text, quotes)
        for s_start, s_end in spans:
            if skip.at(s_start) is not None:
                continue
            dateline = _DATELINE.match(text, s_start, s_end)
            if dateline:
                s_start = dateline.end()
            sent_quotes = quotes[bisect_left(starts, s_start) : bisect_left(starts, s_end)]
            found.extend(self._sentence(article, s_start, s_end, sent_quotes, quotes, starts))
        quotes = [q for q in quotes if skip.at(q.open) is None]
        layout = _Layout(text, spans)
        found.extend(self._lead_ins(article, quotes, layout, found))
        found.extend(self._floating(article, quotes, found, layout))
        found.sort(key=lambda item: item[0].start)
        return self._resolve(text, [s for s, _ in found], layout, quotes)

    def _headline_lines(self, text: str) -> list[tuple[int, int]]:
        """Lines that are headlines or section titles: short, no closing punctuation."""
        spans, pos = [], 0
        for line in text.split("\n"):
            stripped = line.strip()
            bare = stripped.rstrip("\"”»’'")
            if stripped and len(stripped.split()) <= 16 and not re.search(r"[.!?…:)]$", bare):
                spans.append((pos, pos + len(line)))
            pos += len(line) + 1
        return spans

    def _is_agency(self, article: Article, speaker: str) -> bool:
        low = speaker.lower()
        return low in self.lex.agencies or (article.source is not None and low == article.source.lower())

    def _cues(self, text: str, lo: int, hi: int, quotes, starts):
        first = _NONBLANK.search(text, lo, hi)  # the sentence's first character
        for m in self.lex.cue_pattern.finditer(text, lo, hi):
            if m.group()[0].isupper() and first is not None and first.start() < m.start():
                continue  # "United States", "Says Who" in a title: not a verb
            if text[max(lo, m.start() - 3) : m.start()].lower() == "to ":
                continue  # "declined to say": no statement
            if m.group().lower() in ("quoted", "cited") and re.match(r"\s+by\b", text[m.end() : m.end() + 4]):
                continue  # "A senior officer quoted by al-Watan said": the officer speaks, at "said"
            if not inside(quotes, starts, m.start()):
                yield m.start(), m.end(), self.lex.cues[m.group().lower()]

    def _sentence(self, article, s_start, s_end, sent_quotes, quotes, starts):
        text = article.text
        claimed: list[tuple[int, int]] = []
        out = []
        for c_start, c_end, kind in self._cues(text, s_start, s_end, quotes, starts):
            holder = next((k for k, (a, b) in enumerate(claimed) if a <= c_start < b), None)
            conj = _COORDINATED.search(text, max(s_start, c_start - 12), c_start)
            if cue_is_gerund(text[c_start:c_end]):
                conj = _GERUND_JOIN.search(text, max(s_start, c_start - 10), c_start) if out else None
            if conj and kind != "verb-quote":
                made = self._coordinated(
                    article, s_start, s_end, conj.start(), c_start, c_end, sent_quotes, out
                )
                if made is not None:
                    claimed.append(made[2])
                    out.append((made[0], made[1]))
                    continue
            if holder is not None and not self._own_clause(text, s_start, c_start):
                continue
            result = self._attribute(article, s_start, s_end, c_start, c_end, kind, sent_quotes)
            if result is None:
                continue
            statement, speaker, region = result
            if holder is not None:
                if (
                    speaker is None
                    or (speaker.end - speaker.start) < 2
                    or text[speaker.start : speaker.end].lower() in self.lex.pronouns
                ):
                    continue
                cut = self._boundary_before(text, speaker.start)
                if cut is not None:
                    outer = out[-1][0] if out else None
                    if outer is not None and outer.start < cut < outer.end and outer.kind != "direct":
                        outer.end = cut
                        while outer.end > outer.start and text[outer.end - 1] in " ,;":
                            outer.end -= 1
                        outer.text = text[outer.start : outer.end]
            claimed.append(region)
            claimed.append((speaker.start, speaker.end) if speaker else (c_start, c_end))
            out.append((statement, speaker))
        return out

    def _coordinated(self, article, s_start, s_end, conj_start, c_start, c_end, sent_quotes, out):
        """ "X condemned A and said B": B is a second statement by X."""
        text = article.text
        prior = [(st, sp) for st, sp in out if st.start <= conj_start and st.speaker]
        if prior:
            first, speaker = prior[-1]
            if first.kind != "direct" and first.start < conj_start < first.end:
                first.end = conj_start
                while first.end > first.start and text[first.end - 1] in " ,;":
                    first.end -= 1
                first.text = text[first.start : first.end]
        else:
            begin = self._sentence_start(text, s_start, conj_start)
            speaker = self.speaker_after(text, begin, conj_start)
            if speaker is None or speaker.start != begin:
                return None
        cue = text[c_start:c_end]
        made = self._make(
            article, (self._content_start(text, c_end, s_end, cue), s_end), speaker, cue, sent_quotes, False
        )
        if made is None:
            return None
        statement, _, region = made
        if speaker is not None and prior:
            statement.speaker, statement.speaker_start, statement.speaker_end = (
                prior[-1][0].speaker,
                prior[-1][0].speaker_start,
                prior[-1][0].speaker_end,
            )
        return made

    def _own_clause(self, text: str, s_start: int, c_start: int) -> bool:
        """Whether the cue opens a new clause with its own subject ("..., after X said")."""
        pre = text[max(s_start, c_start - 160) : c_start]
        return bool(
            re.search(
                r"(?:,\s*(?:after|while|as|and|but|whereas)?|;|\b(?:that|which|who))\s+[^,;]{2,120}$", pre
            )
        )

    def _boundary_before(self, text: str, pos: int) -> int | None:
        m = re.search(r"(,\s*(?:after|while|as|and|but|whereas)?|;)\s*$", text[max(0, pos - 20) : pos])
        return pos - len(m.group()) if m else None

    def _attribute(self, article, s_start, s_end, c_start, c_end, kind, sent_quotes):
        text = article.text
        cue = text[c_start:c_end]
        if kind == "prep":  # according to X
            speaker = self.speaker_after(text, c_end, s_end)
            if speaker is None:
                return None
            before = text[s_start:c_start].strip(" ,")
            if before and not all(w in self.lex.openers for w in before.split()):
                region = (s_start, c_start)
            else:
                comma = text.find(",", speaker.end, s_end)
                region = (comma + 1 if comma >= 0 else speaker.end, s_end)
            return self._make(article, region, speaker, cue, sent_quotes, quote_only=False)
        if cue.lower().endswith("ing") and not text[s_start:c_start].strip(" ,").split()[1:]:
            return self._gerund_opener(article, s_start, s_end, c_start, c_end, sent_quotes)
        speaker = self.speaker_before(text, s_start, c_start)
        if " " not in cue and cue_is_gerund(cue):
            speaker = self._gerund_subject(text, s_start, c_start, speaker, sent_quotes)
        content_start = self._content_start(text, c_end, s_end, cue)
        if speaker is not None:
            gap = text[s_start : speaker.start].rstrip()
            if gap.endswith(("s'", "s’")) and not any(q.close == s_start + len(gap) for q in sent_quotes):
                gap = gap[:-1] + "s"  # "The rebels' Military Operations Command": an apostrophe
            if (
                gap
                and gap[-1] in "," + _QUOTE_CLOSE + "”»"
                and self._content_before(text, gap, c_end, content_start, s_end)
            ):
                region = (s_start, s_start + len(gap.rstrip(",").rstrip()))
                statement = self._make(article, region, speaker, cue, sent_quotes, kind == "verb-quote")
                if statement:
                    return self._join_interrupted(article, statement, speaker, c_end, s_end, sent_quotes)
                return None
            region = (content_start, s_end)
            return self._make(article, region, speaker, cue, sent_quotes, kind == "verb-quote")
        gap = text[s_start:c_start].rstrip()
        if gap and gap[-1] in ",—–-" + _QUOTE_CLOSE + "”»" and cue.lower() in self.lex.invertible:
            speaker = self.speaker_after(text, c_end, s_end)  # inverted: "X," said the minister
            if speaker is None:
                return None
            after = text[speaker.end : s_end]
            rest = after.strip(" .,;!?…").lower().split()
            relative = re.match(r"\s*,\s*(?:who|whose|which)\b", after)
            if rest and not relative and (len(rest) > 12 or rest[0] in _FINITE):
                return None  # '"X," said Washington was ...': not an inverted speaker
            region = (s_start, s_start + len(gap.rstrip(",—–-").rstrip()))
            statement = self._make(article, region, speaker, cue, sent_quotes, kind == "verb-quote")
            if statement:
                return self._join_interrupted(article, statement, speaker, speaker.end, s_end, sent_quotes)
        return None

    def _gerund_subject(self, text: str, s_start: int, c_start: int, speaker, sent_quotes) -> _Span | None:
        """The speaker of "X did Y to Z, saying ...": the subject of the clause, not the nearest noun."""
        before = text[s_start:c_start]
        quoted = re.search(r"\b(?:quoted|cited)\s+([^,;:\"“”«»]{1,80}?)\s+as\s+$", before)
        if quoted and not quoted.group(1).startswith("by "):  # "Tasnim quoted a senior commander as saying"
            found = self.speaker_after(text, s_start + quoted.start(1), s_start + quoted.end(1))
            return found if found is not None and found.end == s_start + quoted.end(1) else None
        owner = re.search(r"[’']s\s+$", before)
        if owner:  # "Shaibani's warning that ...": a noun, its owner the speaker
            return self.speaker_before(text, s_start, s_start + owner.start())
        if speaker is not None and re.search(
            r"\b(?:with|after|amid|despite|following|without)\s+$", text[s_start : speaker.start], re.I
        ):
            return speaker  # "..., with the United Nations saying ...": the gerund's own subject
        subject = self._subject(text, s_start, c_start, sent_quotes, [q.open for q in sent_quotes])
        if subject is None or subject.end > c_start:
            return speaker
        if speaker is None or speaker.start > subject.start:
            return subject
        if speaker.start == subject.start and "," not in text[subject.end : speaker.end]:
            return subject  # "The command also addressed Alawites directly, urging": not all of it
        return speaker

    def _content_before(self, text, gap: str, c_end: int, content_start: int, s_end: int) -> bool:
        """Whether "..., SPEAKER said ..." reports what came before the speaker."""
        rest = text[content_start:s_end].strip(" .,;:!?…")
        introduced = content_start > c_end and re.search(
            r"(?:\bthat|[:\"“«‘])\s*$", text[c_end:content_start]
        )
        if gap[-1] in _QUOTE_CLOSE + "”»" and not introduced:
            return True  # '"X," the minister said(, "Y")': the quote before is the content
        if introduced or (rest and rest[0] in _QUOTE_OPEN + "“«‘"):
            return False
        if re.match(
            r"\s*(?:(?:in|on|at|to|during|after|before|while|when|late|early)\b[^,.;\"“«]{0,60}|\w+day)?\s*,",
            text[c_end:s_end],
        ):
            return True  # "..., the Pentagon said(, in a statement on Sunday), four days after ..."
        if gap[-1] != ",":
            return True
        if self._looks_like_mention(gap.rstrip(",")):
            return False  # "The SDF, Washington's main partner, welcomed ...": an apposition
        words = gap.rstrip(",").split()
        intro = (
            words
            and words[0].strip(",") in self.lex.openers
            and "," not in gap.rstrip(",")
            and len(words) <= 8
            and not any(w.lower() in self.lex.subject_stops for w in words[1:])
        )
        if len(words) <= 2 or intro or self._participle_clause(gap, 0, len(gap), whole=True):
            return False  # "Proscribed as a terrorist group, it told reporters ...": no content before
        told = text[c_end - 4 : c_end].lower() == "told"
        return told or len(rest.split()) <= 6

    def _looks_like_mention(self, phrase: str) -> bool:
        words = phrase.split()
        lows = [w.lower().strip("(),") for w in words]
        if (
            not words
            or len(words) > 10
            or any(w in self.lex.subject_stops or w in self.lex.cues for w in lows)
        ):
            return False
        if words[0] in self.lex.openers or re.search(r"[\"“”«»]", phrase):
            return False
        return self._has_head(words) and (_is_cap(words[0]) or lows[0] in ("the", "a", "an"))

    def _gerund_opener(self, article, s_start, s_end, c_start, c_end, sent_quotes):
        """ "After saying X, HTS announced Y": the speaker follows the opening clause."""
        text = article.text
        comma = text.find(",", c_end, s_end)
        if comma < 0:
            return None
        speaker = self.speaker_after(text, comma + 1, s_end)
        if speaker is None:
            return None
        return self._make(
            article,
            (self._content_start(text, c_end, comma, ""), comma),
            speaker,
            text[c_start:c_end],
            sent_quotes,
            False,
        )

    def _content_start(self, text: str, pos: int, hi: int, cue: str) -> int:
        rest = text[pos:hi]
        low = rest.lower()
        if cue.lower() in ("told", "tells", "telling") or cue.lower().endswith(" to"):
            that = re.match(r"[^,;:\"“«]{0,80}?\bthat\b", low)
            if that:
                return pos + that.end()
            colon = re.match(r"[^,;:\"“«]{0,60}:\s*", rest)
            if colon:
                return pos + colon.end()
            for addressee in self.lex.addressees:
                if low.lstrip().startswith(addressee):
                    return pos + low.index(addressee) + len(addressee)
            agency = re.match(r"\s*(?:[A-Z][\w.-]*\s+){1,3}", rest)
            if agency and agency.group().strip().lower() in self.lex.agencies:
                return pos + agency.end()
        that = re.match(r"[^,;:\"“«]{0,60}?\bthat\b", low)
        skipped = that.group().split()[:-1] if that else []
        if that and (not skipped or (len(skipped) <= 6 and skipped[0] in _LEAD_WORDS)):
            return pos + that.end()
        m = _CONTENT_LEAD.match(low)
        return pos + (m.end() if m else 0)

    def _make(self, article, region, speaker, cue, sent_quotes, quote_only):
        text = article.text
        start, end = region
        while start < end and (text[start].isspace() or text[start] in ",:;—–-"):
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in ".,;:…!?"):
            end -= 1
        if end - start < 3:
            return None
        inner = [q for q in sent_quotes if start <= q.open and q.close <= end + 1]
        if quote_only and not inner:
            return None
        if speaker is not None and self._is_agency(article, text[speaker.start : speaker.end]):
            return None
        if len(inner) == 1 and inner[0].open <= start and inner[0].close >= end:
            q = inner[0]
            (start, end), kind = _quote_span(text, q), "direct"
            words = " ".join(text[a:b].strip() for a, b in q.parts)
            if start == end:
                return None
        else:
            kind = "partial" if inner else "indirect"
            words = text[start:end]
        if not inner and len(words.split()) < 2:
            return None
        return (
            Statement(
                doc_id=article.doc_id,
                start=start,
                end=end,
                text=words,
                kind=kind,
                speaker=text[speaker.start : speaker.end] if speaker else None,
                speaker_start=speaker.start if speaker else None,
                speaker_end=speaker.end if speaker else None,
                cue=cue,
                metadata=article.metadata(),
            ),
            speaker,
            (start, end),
        )

    def _join_interrupted(self, article, made, speaker, after, s_end, sent_quotes):
        statement, speaker, region = made
        if statement.kind != "direct":
            return made
        text = article.text
        nxt = next((q for q in sent_quotes if q.open >= after), None)
        if nxt is None:
            return made
        between = text[after : nxt.open]
        if not re.fullmatch(r"[^.!?\"“”«»]{0,60}?[,:]\s*", between):
            return made
        tail = text[nxt.close : s_end].strip()
        if tail and not re.fullmatch(r"[.!?…,]*", tail):
            return made
        statement.end = nxt.end
        statement.text = f"{statement.text} {' '.join(text[a:b].strip() for a, b in nxt.parts)}"
        return statement, speaker, (statement.start, nxt.close)

    def _sentence_start(self, text: str, s_start: int, end: int) -> int:
        """Where the subject may begin: after a dateline and an opening adverbial."""
        lead = _DATELINE.match(text, s_start, end)
        begin = lead.end() if lead else s_start
        intro = _INTRO.match(text, begin, end)
        if intro and intro.group().split()[0].rstrip(",") in self.lex.openers:
            begin = intro.end()
        else:
            clause = self._participle_clause(text, begin, end)
            begin = clause.end() if clause else begin
        return begin

    def _participle_clause(self, text: str, lo: int, hi: int, whole: bool = False) -> re.Match | None:
        """An opening participle clause at ``lo`` ("Proscribed as a terrorist organisation by
        Western governments, "): it modifies the subject that follows and is neither speaker nor content."""
        clause = (_PARTICIPLE_CLAUSE.fullmatch if whole else _PARTICIPLE_CLAUSE.match)(text, lo, hi)
        if clause is None or clause.group(1).lower() in self.lex.titles:
            return None
        return clause

    def _lead_ins(self, article: Article, quotes: list[Quote], layout: _Layout, found):
        """Quotes attributed by a dash ('"X" — a source') or a colon lead-in ('X read a text: "Y"')."""
        text = article.text
        covered = sorted((st.start, st.end) for st, _ in found)
        c, reach = 0, -1  # the statements that start before the quote ends; the furthest end among them
        out = []
        for q in quotes:  # in reading order: q.end only grows
            while c < len(covered) and covered[c][0] < q.end:
                reach = max(reach, covered[c][1])
                c += 1
            if reach > q.start:
                continue  # the quote overlaps a statement
            sent = layout.sentence(q.open)
            if sent is None:
                continue
            dash = _DASH.match(text, q.close, sent[1])
            speaker, cue = None, None
            if dash:
                speaker = self.speaker_after(text, dash.end(), sent[1])
                cue = dash.group().strip(" ,.")
            elif (lead := _blank_back(text, q.open)) > 0 and text[lead - 1] == ":":
                begin = self._sentence_start(text, sent[0], q.open)
                speaker = self.speaker_after(text, begin, q.open)
                if speaker is not None and speaker.start != begin:
                    speaker = None
                cue = ":"
            if speaker is None or self._is_agency(article, text[speaker.start : speaker.end]):
                continue
            statement = _quote_statement(
                article, q, text[speaker.start : speaker.end], speaker.start, speaker.end, cue
            )
            if statement is not None:
                out.append((statement, speaker))
        return out

    def _floating(self, article: Article, quotes: list[Quote], found, layout: _Layout):
        """Quoted paragraphs with no cue inherit the previous statement's speaker."""
        text = article.text
        covered = sorted((st.start, st.end) for st, _ in found)
        covered_starts = [a for a, _ in covered]
        c, reach = 0, -1  # the statements that start by the quote's start; the furthest end among them
        items = list(found)  # found, then out: the order that breaks ties between equal ends
        pending = [(st.end, k) for k, (st, _) in enumerate(items)]
        heapq.heapify(pending)
        best = None  # index in items of the last statement (greatest end, first of equals) before the quote
        out = []
        for q in quotes:  # in reading order: q.start only grows, and a statement's end only grows
            while c < len(covered) and covered[c][0] <= q.start:
                reach = max(reach, covered[c][1])
                c += 1
            if reach > q.start:
                continue  # a statement holds the quote's start
            k = bisect_left(covered_starts, q.start)
            if k < len(covered) and covered[k][0] < q.end:
                continue  # a statement starts inside the quote
            while pending and pending[0][0] <= q.start:
                _, k = heapq.heappop(pending)
                if best is None or (items[k][0].end, -k) > (items[best][0].end, -best):
                    best = k
            line_start = layout.line_start(q.open)
            blank_from = _blank_back(text, q.open)
            after = _run_forward(text, q.close, " .,!?…\t")
            whole_line = blank_from <= line_start and after >= layout.line_end(q.end, len(text))
            sent = layout.sentence(q.open)
            whole_sentence = sent is not None and blank_from <= sent[0] and after >= sent[1]
            last_end = items[best][0].end if best is not None else -1
            if not whole_line and not (whole_sentence and line_start - 1 < last_end):
                continue
            if best is None:
                continue
            last, speaker = items[best]
            near = q.open - last.end <= 120
            between = text[last.end : q.open] if near else ""
            if (
                not whole_line
                and last.kind == "direct"
                and near
                and "\n" not in between
                and not re.search(r"[\"“”«»]\s*\w", between[1:])
            ):
                last.end = q.end  # '"X," he said. "Y."': one statement, as annotators mark it
                last.text = f"{last.text} {' '.join(text[a:b].strip() for a, b in q.parts)}"
                continue
            if layout.breaks(last.end, q.open) > 4:  # (more than two blank lines means more than four breaks)
                continue
            statement = _quote_statement(article, q, last.speaker, last.speaker_start, last.speaker_end, None)
            if statement is None:
                continue
            out.append((statement, speaker))
            items.append((statement, speaker))
            heapq.heappush(pending, (statement.end, len(items) - 1))
        return out

    def _person_mention(
        self, text, layout: _Layout, quotes, starts, pos: int, pronoun: str = "he", said=None,
        surnames=frozenset(),
    ) -> _Span | None:
        """The person a "he"/"she" at ``pos`` most likely refers to.

        Looks back sentence by sentence (at most four, outside quotation marks) and takes, in
        the nearest sentence that has one: its subject ("Araghchi, who met ..., struck a different
        note. He said"), else the speaker of a statement in it ("..., Fidan told reporters"), else a
        name that opens a clause. Failing all of these, the first named person of the nearest
        sentence that has one. ``said``: the raw speaker starts of the article's statements and the
        statements, in that order; ``surnames``: the last words of the article's full person names, so that
        "Araghchi" alone is a person too.
        """
        said_starts, said = said or ([], [])
        spans = layout.sentences.spans
        k = layout.sentences.at(pos)
        k = len(spans) - 1 if k is None else k
        fallback = None

        def fits(span: _Span) -> bool:
            mention = text[span.start : span.end]
            words = mention.lower().replace(",", " ").split()
            if any(self.lex.genders.get(w, pronoun) != pronoun for w in words if w in self.lex.genders):
                return False  # "he" is not "spokeswoman Maria Zakharova"
            return self._is_person(mention, surnames, text[span.end : span.end + 80])

        for i in range(k, max(-1, k - 4), -1):
            a, b = spans[i]
            if fallback is not None and "\n" in text[b : spans[i + 1][0]]:
                break  # a name in this paragraph beats a subject in the one before
            dateline = _DATELINE.match(text, a, b)
            a, b = (dateline.end() if dateline else a), min(b, pos)
            if a >= b:
                continue
            subject = self._subject(text, a, b, quotes, starts)
            if subject is not None and subject.end <= pos and fits(subject):
                return subject
            for st in said[bisect_left(said_starts, a) : bisect_left(said_starts, b)]:
                if st.speaker_start is None or st.speaker.lower() in self.lex.pronouns:
                    continue
                mention = _Span(st.speaker_start, st.speaker_end)
                if fits(mention):
                    return mention
            for m in _CAPS.finditer(text, a, b if i < k else a):  # not a name in the pronoun's own opener
                if inside(quotes, starts, m.start()) or text[max(0, m.start() - 1) : m.start()] == "(":
                    continue
                mention = self.speaker_before(text, a, m.end())
                if mention is None or not fits(mention):
                    continue
                before = text[a : mention.start].rstrip()
                if not before or before[-1] in ",;:—–-" + _QUOTE_CLOSE + _QUOTE_OPEN + "“”«»":
                    return mention  # a name that opens a clause, not one after "met" or "with"
                if fallback is None:
                    fallback = mention
        return fallback

    def _subject(self, text: str, a: int, b: int, quotes, starts) -> _Span | None:
        """The mention that opens the sentence ``a:b`` after its opening adverbial, if any."""
        begin = self._sentence_start(text, a, b)
        intro = _LONG_INTRO.match(text, begin, b)
        if intro and intro.group().split()[0].rstrip(",") in self.lex.openers:
            begin = intro.end()  # "After meeting King Abdullah at his residence on the coast, Blinken ..."
        if begin >= b or text[begin] in _QUOTE_OPEN + "“«‘" or inside(quotes, starts, begin):
            return None
        subject = self.speaker_after(text, begin, b)
        return subject if subject is not None and subject.start == begin else None

    def _surnames(self, text: str, quotes, starts) -> frozenset[str]:
        """Last words of the full person names outside quotation marks ("Bashar al-Assad" -> assad)."""
        out = set()
        for m in _NAME.finditer(text):
            if inside(quotes, starts, m.start()) or not self._is_person(m.group()):
                continue
            last = re.sub(r"[’']s$", "", m.group().split()[-1]).lower()
            out.add(last)
            if last.startswith("al-"):
                out.add(last[3:])
        return frozenset(out)

    def _is_person(self, mention: str, surnames=frozenset(), after: str = "") -> bool:
        """Whether a mention names one person: its head noun is a person's ("A spokesman for the
        command"), it is a title and a name ("Defence Minister Ali Abbas") or a full name, or a
        single word that is the surname of a full name (``surnames``) or has a person's apposition
        after it ("Fadi, a 29-year-old engineer,", "Mahmoud, 41,")."""
        words = []
        for w in re.findall(r"[^\s,]+|,", mention):
            low = w.lower().strip("().")
            relative = low in ("who", "whose", "which", "that")
            if w == "," or low in _FUNCTION_WORDS - {"the", "a", "an"} or relative:
                break
            words.append(w)
        if not words or words[0].lower() in self.lex.pronouns:
            return False
        lows = [re.sub(r"[’']s$", "", w.lower().strip("().")) for w in words]
        if lows[-1] in self.lex.persons:
            return True
        if lows[-1] in self.lex.titles:
            return False  # "The army general command", "the Syrian Observatory"
        if any(w in self.lex.persons for w in lows):
            return _is_cap(words[-1])  # "Kremlin spokesman Dmitry Peskov"
        if any(w in self.lex.titles for w in lows):
            return False
        caps = [w for w in words if _is_cap(w)]
        if lows[0] != "the" and len(caps) >= 2 and len(caps) == len(words):
            return True  # a full name
        if len(words) == 1 and _is_cap(words[0]):
            if lows[0] in surnames or lows[0].removeprefix("al-") in surnames:
                return True
            apposition = re.match(
                r",\s*(?:\d{1,3}\b|(?:an?|the)\s+([^,.;]{1,60}?)\s*(?:,|\.|\b(?:who|from|of|in|at|with)\b))",
                after,
            )
            if apposition:
                head = (apposition.group(1) or "").split()
                return not head or head[-1].lower() in self.lex.persons
        return False

    def _group_mention(self, text: str, layout: _Layout, pos: int, said=None) -> _Span | None:
        """What an "it"/"they" that opens its sentence at ``pos`` most likely refers to.

        The named subject of the sentence before, in the same paragraph ("HTS is rooted
        in ... Proscribed as ..., it has ... told"); None when that subject is a pronoun or
        a bare description ("The ministry"), left to the earlier speakers. With ``said`` (see
        ``_person_mention``), an "it"/"they" inside its sentence also takes a group that speaks
        earlier in the same sentence, else that named subject of the sentence before.
        """
        k = layout.sentences.at(pos)
        if k is None:
            return None
        spans = layout.sentences.spans
        (a, b) = spans[k]
        opens = self._sentence_start(text, a, b) == pos
        # '..., killed in what it called ...': a group speaking earlier in the sentence
        if not opens and said is not None:
            said_starts, statements = said
            for st in reversed(statements[bisect_left(said_starts, a) : bisect_left(said_starts, pos)]):
                mention = (st.speaker or "").strip()
                if mention and mention.lower() not in self.lex.pronouns and not self._is_person(mention):
                    return _Span(st.speaker_start, st.speaker_end)
        if not k:
            return None
        (prev_a, prev_b) = spans[k - 1]
        if "\n" in text[prev_b:a] or not (opens or said is not None):
            return None
        begin = self._sentence_start(text, prev_a, prev_b)
        mention = self.speaker_after(text, begin, prev_b)
        if mention is None or mention.start != begin:
            return None
        words = text[mention.start : mention.end].split()
        if (
            words[0].lower() in self.lex.pronouns
            or not any(_is_cap(w) for w in words if w.lower() not in _QUANTIFIERS)
            or self._is_person(text[mention.start : mention.end])
        ):
            return None
        return mention

    def _resolve(self, text: str, statements: list[Statement], layout: _Layout, quotes) -> list[Statement]:
        """Pronouns and bare descriptions take the most recent compatible speaker."""
        seen = _Seen(self)
        starts = [q.open for q in quotes]
        surnames = self._surnames(text, quotes, starts)
        named = (st for st in statements if st.speaker_start is not None)
        by_start = sorted(named, key=lambda st: st.speaker_start)
        said = ([st.speaker_start for st in by_start], by_start)  # raw speaker starts: resolving moves them
        for st in statements:
            mention = (st.speaker or "").strip()
            low = mention.lower()
            words = low.split()
            target = None
            if low in self.lex.pronouns:
                want = self.lex.pronouns[low]
                named = (
                    self._person_mention(text, layout, quotes, starts, st.speaker_start, low, said, surnames)
                    if want == "person"
                    else self._group_mention(text, layout, st.speaker_start, said)
                    if want == "group"
                    else None
                )
                if named is not None:
                    st.speaker, st.speaker_start, st.speaker_end = (
                        text[named.start : named.end],
                        named.start,
                        named.end,
                    )
                    seen.add(st)
                    continue
                target = seen.last_of_kind.get(want)
            elif (
                words
                and (
                    words[0] in ("the", "its", "their") or low.startswith(("one of the ", "another of the "))
                )
                and 1 < len(words) <= 4
                and not any(_is_cap(w) for w in mention.split()[1:])
            ):
                head = words[-1].rstrip("s") if words[-1] != "press" else words[-1]
                # "the source" -> "a Syrian military source"; "the statement" -> its issuer
                target = seen.latest(low) if head in self.lex.documents else seen.latest_with(head, low)
                if target is not None and head not in self.lex.documents and words[0] != "one":
                    bare = target.speaker.lower().replace("’s", "").replace("'s", "")
                    known = set(re.findall(r"[\w-]+", bare))
                    if any(w.removesuffix("’s").removesuffix("'s") not in known for w in words[1:-1]):
                        target = None  # "the army general command" is not "the Military Operations Command"
            if target is not None:
                st.speaker, st.speaker_start, st.speaker_end = (
                    target.speaker,
                    target.speaker_start,
                    target.speaker_end,
                )
            seen.add(st)
        return statements

    def _speaker_kind(self, mention: str) -> str:
        words = mention.split()
        caps = [w for w in words if _is_cap(w) and w.lower() not in self.lex.titles]
        institution = any(w.lower().strip(",") in self.lex.titles for w in words[-2:])
        if words and words[0].lower() == "the" and not any(w.lower() in self.lex.titles for w in words):
            return "group"  # "the Islamic State", "the Middle East": not a person
        return "person" if len(caps) >= 2 and not institution else "group"


_DEFAULT: Extractor | None = None


def extract_statements(article: Article) -> list[Statement]:
    """Statements of one article with the bundled lexicons."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Extractor()
    return _DEFAULT.extract(article)
