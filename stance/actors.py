"""Resolve a speaker mention to the actor it speaks for (GUIDELINES §2).

The table lives in ``stance/data/actors.csv``: phrase patterns with an actor,
an optional date window (an office held on the day) and a kind that ranks
them. Users put their own tables in front with ``--actors FILE`` (same
columns) or replace the bundled one.

With the article, a statement is read in its context:

- the day of the speech act: a date in the attribution ("On Dec. 5, the army
  said", "In a 2023 interview, Assad said") or, failing that, earlier in the
  paragraph, or (after "that evening", "the next day", "meanwhile") earlier in
  the article; a statement made before the government fell speaks for the
  office held then;
- an unqualified organ ("the foreign ministry", "a ministry official", "its
  defence ministry"): the antecedent of a possessive, a place or country
  earlier in the sentence ("In Damascus, the ministry said"), an earlier
  mention of the same organ ("Turkey's defence ministry ... a ministry
  official"), a country named earlier in the paragraph or the one before, the
  dateline when it is the seat of one of the states in the table, the table's
  default last.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

KIND_RANK = {
    "office": 6,
    "person": 5,
    "institution": 4,
    "source": 3,
    "nationality": 2,
    "place": 1,
    "generic": 0,
}
_DATELINE = re.compile(r"\s*([A-Z][A-Z .'’-]{2,30}?)\s*(?:,|\(|—|–|-|/)")
_DATELINE_CITIES = re.compile(
    r"\s*((?:[A-Z][A-Z .'’-]{2,30}?)(?:\s*/\s*[A-Z][A-Z .'’-]{2,30}?)*)\s*(?:,|\(|—|–|-)"
)
_STATE_ORGANS = re.compile(
    r"\b(?:ministry|minister|spokes\w+|army|military|armed forces|government|presidency|state media|"
    r"state television|state tv|news agency|official|officials|diplomat|embassy|source)\b",
    re.IGNORECASE,
)
# the words of an organ that says nothing of whose it is ("the defence ministry", "the army command")
_ORGAN_WORDS = frozenset(
    "the a an its defence defense foreign interior information justice health ministry ministries army "
    "command general presidency government forces armed state media television tv news agency military "
    "security source sources".split()
)
# the head of an unnamed organ speaker, looked up earlier in the article ("a ministry official")
_ORGAN_HEADS = ("ministry", "presidency", "army", "military", "command", "government", "embassy")
COLUMNS = ("pattern", "actor", "from", "until", "kind")
UNMATCHED = "other"
_STATE_AT_UN = re.compile(
    r"\b(?:UN|U\.N\.|United Nations)\s+(?:envoy|ambassador|representative|mission)\b|"
    r"\b(?:envoy|ambassador|representative|mission) to the (?:UN|U\.N\.|United Nations)\b|"
    r"[’']s (?:UN|U\.N\.|United Nations)\s*$"  # "Russia's UN": the country's mission
)
# "the UN envoy for Syria", "the agency's representative in Turkey", "a diplomat at the UN": where an
# envoy is sent, not whom he speaks for
_DESTINATION = re.compile(
    r"\b(?:envoys?|ambassadors?|representatives?|delegates?|delegations?|emissary|emissaries|missions?|"
    r"diplomats?|coordinators?|rapporteurs?|observers?)\s+(?:for|to|in|at|on)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_LOCATIVE = re.compile(r"\b(?:in|from|at)\s+(?:the\s+)?(?:[\w-]+\s+)?$", re.IGNORECASE)
_ORGAN_AFTER = re.compile(
    r"(?:\s+[\w’'-]+){0,3}?\s+(?:ministry|ministries|officials?|government|army|military|presidency|"
    r"spokes\w+|diplomats?|embassy|authorities|leadership|leaders?|forces|troops|security|state media|"
    r"news agency|commander|chief|head|envoy|ambassador|minister)\b|"
    r"(?:\s+(?:on|late|early|last|this)\s+\w+)?,?"
    r"(?:\s+(?:has|had|have|was|were|is|also|long|repeatedly|routinely|always|never|flatly|quickly|swiftly)){0,3}"
    r"\s+(?:said|says|told|added|hit back|insists|insisted|denied|rejected|refused|declined|warned|announced|"
    r"criticised|criticized|condemned|welcomed|urged|called|protested|dismissed|accused|described|blamed|"
    r"maintained|gave)\b",
    re.IGNORECASE,
)
_RELATIVE = re.compile(r",\s*(?:who|whose|which|that)\b[^,]*$", re.IGNORECASE)
_POSSESSIVE = re.compile(
    r"^\s*(?:its|their|his|her)\s+(?:[\w-]+\s+){0,3}?(?:ministry|ministries|government|command|commanders?|office|"
    r"spokes\w+|ambassador|envoy|mission|delegation|army|military|forces|officials?|presidency|embassy|deputy|"
    r"aides?|advisers?|advisors?|leadership|leaders?|media|agency|statement)\b",
    re.IGNORECASE,
)
_GROUP = re.compile(
    r"(?:^\s*|\b(?:for|of|close to|from) )the "
    r"(?:group|movement|militia|faction|organi[sz]ation|alliance|coalition)\s*$",
    re.IGNORECASE,
)
_CLOSE_TO = re.compile(r"\b(?:close to|linked to|affiliated with|near to)\b", re.IGNORECASE)
# markers of an office no longer held ("former", "ex-"): they describe today, not the day of an old statement
_FORMER = frozenset({"former", "ex-"})
# the states of the table: a dateline or a country named nearby may give their organs a side
_STATES = frozenset({"syrian_government", "hts", "russia", "iran", "turkey", "us"})
_SYRIA = frozenset({"syrian_government", "hts"})
_BUREAUS = frozenset({"beirut", "amman"})  # where the wires cover Syria from

HISTORICAL_DAY = "2024-12-08"  # the last day of Assad's government
_THEN = re.compile(
    r"\b(?:then[- ](?=(?-i:[A-Z])|(?:foreign|defen[cs]e|interior|information|prime|vice|deputy|minister|"
    r"president|ambassador|envoy|army|chief|head|leader|commander|spokes)\w*)|at the time\b|under Assad\b|"
    r"before (?:the|his|its|Assad's) (?:fall|ouster|collapse|flight)\b|"
    r"before (?:the |its |his )?(?:[\w-]+ ){0,3}(?:fell|collapsed|was toppled|was ousted|fled)\b|"
    r"years? (?:ago|earlier)\b|during the war\b)",
    re.IGNORECASE,
)

# -- the day of a speech act ------------------------------------------------------------------------------

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        1,
    )
    for name in names
}
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_FULL_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_YEAR = r"(?:19[5-9]\d|20[0-4]\d)"
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DATE_CUE = re.compile(
    rf"(?P<dm>\b(?P<d1>[0-3]?\d)\s+(?P<m1>{_MONTH})(?:,?\s+(?P<y1>{_YEAR}))?(?![\w]))"
    rf"|(?P<md>\b(?P<m2>{_MONTH})\s+(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?\b(?:,?\s+(?P<y2>{_YEAR})\b)?)"
    rf"|(?P<my>\b(?P<m3>{_MONTH})\s+(?P<y3>{_YEAR})\b)"
    rf"|(?P<mo>\b(?i:in|since|by|until|during|early|late|mid-|of|through|from|last|this|that)\s+"
    rf"(?:(?i:early|late|mid-)\s*)?(?P<m4>{_FULL_MONTH})\b(?!\.?\s+\d))"
    rf"|(?P<yr>(?<![\w.,/-])(?P<y5>{_YEAR})(?![\w/-]|,\d))"
    rf"|(?P<wd>\b(?P<w>{'|'.join(_WEEKDAYS)})\b)"
    r"|(?P<rel>\b(?i:yesterday|today|tonight|this week|this weekend|earlier this (?:week|month)|"
    r"last (?:week|weekend|month|year))\b)"
)
_ANAPHORIC_TIME = re.compile(
    r"\b(?:(?:that|the same|the next|the following|the previous)\s+(?:day|week|weekend|evening|morning|"
    r"night|afternoon|month|year)|(?:hours|days|a day|a week|weeks|moments|minutes)\s+later|"
    r"meanwhile|by then|at the time)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”|«[^»\n]*»|‘[^’\n]*’(?!\w)")
_DATELINE_LEAD = re.compile(
    r"(?m)^[A-Z][A-Z .'’/-]{2,40}(?:,[^\n]{0,60}?)?\s*(?:\([^)\n]{0,60}\))?\s*(?:—|–|--|-)\s"
)
_ABBREVIATIONS = frozenset(
    "u.s u.n u.k mr mrs ms dr gen lt col maj capt sgt st no jr rep sen gov jan feb mar apr jun jul aug "
    "sep sept oct nov dec".split()
)


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (or sentences) holding ``text[start:end]``, within its paragraph."""
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end < 0 else para_end
    left, right = para_start, para_end
    for m in re.finditer(r"[.!?]+[\"”’»)]*\s+", text[para_start:para_end]):
        word = re.search(r"([\w.]+)[.!?]+[\"”’»)]*\s+$", text[para_start : para_start + m.end()])
        token = word.group(1).lower().rstrip(".") if word else ""
        if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
            continue
        pos = para_start + m.end()
        if pos <= start:
            left = pos
        elif para_start + m.start() >= end:
            right = para_start + m.start() + 1
            break
    return left, right


def _statement_extent(st, text: str) -> tuple[int, int]:
    """The statement with its attribution, when the speaker stands in the same paragraph."""
    lo, hi = st.start, st.end
    if st.speaker_start is not None and st.speaker_end is not None:
        a, b = min(lo, st.speaker_start), max(hi, st.speaker_end)
        if "\n" not in text[a:b]:
            lo, hi = a, b
    return lo, hi


def _day_of(match: re.Match, today: date) -> date | None:
    """The day a date cue names, read from an article dated ``today`` (the latest such day up to it)."""
    g = match.groupdict()

    def month_day(month: int, day: int | None, year: int | None) -> date | None:
        if year is None:
            year = today.year
            if (month, day or 1) > (today.month, today.day):
                year -= 1
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return min(date(year, month, min(15, last)), today)
        try:
            return date(year, month, day)
        except ValueError:
            return None

    if g["dm"]:
        return month_day(
            _MONTHS[g["m1"].rstrip(".").lower()], int(g["d1"]), int(g["y1"]) if g["y1"] else None
        )
    if g["md"]:
        return month_day(
            _MONTHS[g["m2"].rstrip(".").lower()], int(g["d2"]), int(g["y2"]) if g["y2"] else None
        )
    if g["my"]:
        return month_day(_MONTHS[g["m3"].rstrip(".").lower()], None, int(g["y3"]))
    if g["mo"]:
        return month_day(_MONTHS[g["m4"].lower()], None, None)
    if g["yr"]:
        year = int(g["y5"])
        if year > today.year:
            return None
        return min(date(year, 7, 1), today)  # a bare year: the middle of it
    if g["wd"]:
        back = (today.weekday() - _WEEKDAYS.index(g["w"])) % 7
        return today - timedelta(days=back)
    rel = g["rel"].lower()
    if rel == "yesterday":
        return today - timedelta(days=1)
    if rel.startswith("last week"):
        return today - timedelta(days=7)
    if rel == "last month":
        first = today.replace(day=1) - timedelta(days=1)
        return first.replace(day=min(15, first.day))
    if rel == "last year":
        return date(today.year - 1, 7, 1)
    return today


def _cue_days(text: str, start: int, end: int, today: date, *, years: bool = True) -> list[tuple[int, date]]:
    out = []
    for m in _DATE_CUE.finditer(text, start, end):
        if not years and m.group("yr"):
            continue
        day = _day_of(m, today)
        if day is not None:
            out.append((m.start(), day))
    return out


class ActorsError(ValueError):
    """An actors table that cannot be read."""


@dataclass(frozen=True)
class ActorEntry:
    pattern: str
    actor: str
    valid_from: str | None
    valid_until: str | None
    kind: str
    regex: re.Pattern
    origin: str  # "file:line"
    user: bool = False  # from a user table: outranks every bundled entry

    def applies_on(self, day: str | None) -> bool:
        if day is None:
            return True
        day = day[:10]
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_until is None or day <= self.valid_until
        )

    def describe(self) -> str:
        window = ""
        if self.valid_from or self.valid_until:
            window = f" [{self.valid_from or '…'} to {self.valid_until or '…'}]"
        return f"{self.kind} '{self.pattern}'{window}"


def _valid_day(value: str) -> bool:
    try:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)) and bool(date.fromisoformat(value))
    except ValueError:
        return False


def _compile(pattern: str) -> re.Pattern:
    flags = 0 if pattern.replace(".", "").isupper() else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){re.escape(pattern)}(?![\w-])", flags)


_TITLE_WORDS = frozenset(
    "president minister prime secretary spokesman spokeswoman spokesperson ambassador envoy commander "
    "leader chief director deputy colonel brigadier major lieutenant captain king prince sheikh judge "
    "general admiral interim acting caretaker former foreign defence defense interior senior supreme state "
    "un u.n. us u.s.".split()
)
_PARTICLES = frozenset("abu umm bin ibn bint".split())


def _names(words: list[str]) -> list[str]:
    """The capitalised words of a mention that may be a name ("Miller"; not "The", "Ministry", "Mr")."""
    return [
        w
        for w in words
        if w[:1].isupper()
        and len(w) > 2
        and w.lower() not in _ORGAN_WORDS
        and w.lower() not in _TITLE_WORDS
        and w.lower() not in ("his", "her", "their")
    ]


def _name_key(words: list[str]) -> str | None:
    """The surname to look up earlier: the last name word, with its particle ("Abu Hassan")."""
    names = _names(words)
    if not names:
        return None
    key = names[-1]
    i = len(words) - 1 - words[::-1].index(key)
    if i > 0 and words[i - 1].lower() in _PARTICLES:
        key = f"{words[i - 1]} {key}"
    return key


def _is_bare_organ(entry: ActorEntry | None) -> bool:
    """A generic entry that is only an organ ("defence ministry"), not a qualifier ("caretaker")."""
    return (
        entry is not None and entry.kind == "generic" and set(entry.pattern.lower().split()) <= _ORGAN_WORDS
    )


def parse_table(text: str, origin: str, *, user: bool = False) -> list[ActorEntry]:
    """Parse an actors CSV; every bad row raises with its file and line."""
    lines = text.splitlines()
    entries, errors = [], []
    header_seen = False
    for lineno, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        row = next(csv.reader(io.StringIO(line)))
        if not header_seen:
            header_seen = True
            if [c.strip() for c in row] != list(COLUMNS):
                errors.append(f"{origin}:{lineno}: header must be {','.join(COLUMNS)}")
                break
            continue
        if len(row) != len(COLUMNS):
            errors.append(f"{origin}:{lineno}: expected {len(COLUMNS)} columns, got {len(row)}")
            continue
        pattern, actor, start, until, kind = (c.strip() for c in row)
        if not pattern or not actor:
            errors.append(f"{origin}:{lineno}: empty pattern or actor")
            continue
        if kind not in KIND_RANK:
            errors.append(f"{origin}:{lineno}: unknown kind {kind!r} (one of {', '.join(KIND_RANK)})")
            continue
        for value in (start, until):
            if value and not _valid_day(value):
                errors.append(f"{origin}:{lineno}: date {value!r} is not a YYYY-MM-DD day")
        entries.append(
            ActorEntry(
                pattern,
                actor,
                start or None,
                until or None,
                kind,
                _compile(pattern),
                f"{origin}:{lineno}",
                user,
            )
        )
    if errors:
        raise ActorsError("\n".join(errors))
    return entries


class ActorTable:
    """Speaker mention → (actor, reason), by the ranked pattern table."""

    def __init__(self, entries: list[ActorEntry]):
        self.entries = entries
        # patterns that name the post-fall authorities only ("caretaker", "new authorities"): a speaker
        # described so did not speak before the fall, whatever date the sentence mentions
        windows: dict[str, list[ActorEntry]] = {}
        for e in entries:
            windows.setdefault(e.pattern.lower(), []).append(e)
        self._post_fall_only = frozenset(
            p
            for p, es in windows.items()
            if all(e.valid_from is not None and e.valid_from > HISTORICAL_DAY for e in es)
        )
        self._folded = [e.pattern.casefold() for e in entries]  # a cheap test before the regex
        self._mention_cache: dict[int, tuple[str, list[tuple[int, int, int]]]] = {}

    @classmethod
    def load(cls, extra: list[str | Path] = (), *, replace: bool = False) -> ActorTable:
        """The bundled table, with ``extra`` tables in front (or instead, if ``replace``)."""
        entries: list[ActorEntry] = []
        for path in extra:
            path = Path(path)
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ActorsError(f"{path}: cannot read actors table: {exc}") from exc
            entries.extend(parse_table(text, str(path), user=True))
        if not replace:
            bundled = resources.files("stance").joinpath("data/actors.csv").read_text("utf-8")
            entries.extend(parse_table(bundled, "actors.csv"))
        return cls(entries)

    @property
    def actors(self) -> list[str]:
        return sorted({e.actor for e in self.entries})

    def _matches(self, speaker: str, day: str | None, historical: bool = False):
        """(order, entry, match) for every entry that names the speaker's side on ``day``."""
        out = []
        folded = speaker.casefold()
        for order, entry in enumerate(self.entries):
            if self._folded[order] not in folded or not entry.applies_on(day):
                continue
            if historical and entry.kind == "office" and entry.pattern.lower() in _FORMER:
                continue  # "former" describes today; the statement is from the days in office
            for m in entry.regex.finditer(speaker):
                if entry.kind in ("nationality", "place", "institution") and _DESTINATION.search(
                    speaker[: m.start()]
                ):
                    continue  # "envoy for Syria": where the envoy is sent
                out.append((order, entry, m))
                break
        return out

    def best_entry(self, speaker: str | None, day: str | None = None, *, historical: bool = False):
        """The highest-ranked entry matching ``speaker`` on ``day``, if any.

        A match inside a longer one gives way to it ("Assad" in "Assad's government"); then the
        highest kind wins, then, among people and countries, the first named ("Devlet Bahceli, an
        ally of President Erdogan"; "Iraq, Iran and Syria": GUIDELINES §1), then the longest pattern.
        A place or country in a relative clause describes the speaker, it is not a side ("a man who
        fled Aleppo"). ``historical``: the statement was made before the article's day, in office
        then; entries such as "former" that describe the present do not apply.
        """
        if not speaker:
            return None
        matches = self._matches(speaker, day, historical)
        spans = [(m.start(), m.end()) for _, _, m in matches]
        matches = [
            (order, entry, m)
            for order, entry, m in matches
            if not any(a < m.end() and m.start() < b and b - a > m.end() - m.start() for a, b in spans)
        ]
        matches = [  # "Syrian Kurdish": the first adjective qualifies the second, it names no side
            (order, entry, m)
            for order, entry, m in matches
            if not (
                entry.kind == "nationality"
                and any(
                    e.kind == "nationality"
                    and n.start() > m.end()
                    and not speaker[m.end() : n.start()].strip()
                    for _, e, n in matches
                )
            )
        ]
        at_un = _STATE_AT_UN.search(speaker) and any(
            e.kind == "nationality" and e.actor != "un" for _, e, _m in matches
        )
        best, best_key = None, None
        for order, entry, m in matches:
            if at_un and entry.actor == "un" and not entry.user and entry.kind == "institution":
                continue  # "Turkey's UN envoy" speaks for Turkey; the nationality decides
            if entry.kind in ("place", "nationality") and _RELATIVE.search(speaker[: m.start()]):
                continue  # "Mahmoud, who fled Aleppo": a place in a description, not a side
            first = -m.start() if entry.kind in ("person", "nationality", "place") else 0
            qualifier = entry.kind == "generic" and not _is_bare_organ(entry)  # "caretaker" > "ministry"
            key = (entry.user, KIND_RANK[entry.kind], qualifier, first, len(entry.pattern), -order)
            if best_key is None or key > best_key:
                best, best_key = entry, key
        return best

    def resolve(self, speaker: str | None, day: str | None = None) -> tuple[str, str]:
        """The actor of ``speaker`` on ``day`` and the entry that decided it."""
        if not speaker:
            return UNMATCHED, "no speaker"
        best = self.best_entry(speaker, day)
        if best is None:
            return UNMATCHED, "no entry matched"
        return best.actor, best.describe()

    # -- the day of the statement ----------------------------------------------------------------------

    def _masked(self, st, text: str, *, own: bool = True) -> str:
        """The article with quotations, the dateline and (``own``) the statement's words blanked out."""
        masked = _QUOTED.sub(lambda m: " " * len(m.group()), text)
        lead = _DATELINE_LEAD.search(masked[:400])
        if lead:
            masked = _blank(masked, lead.start(), lead.end())
        return _blank(masked, st.start, st.end) if own else masked

    def _statement_day(self, st, text: str, day: str) -> date | None:
        """The day of the speech act when the article dates it, else None."""
        try:
            today = date.fromisoformat(day[:10])
        except ValueError:
            return None
        masked = self._masked(st, text)
        if st.speaker_start is not None and st.speaker_end is not None:
            masked = _blank(masked, st.speaker_start, st.speaker_end)  # "a colonel who defected in 2012"
        lo, hi = _statement_extent(st, text)
        left, right = _sentence_bounds(text, lo, hi)
        days = _cue_days(masked, left, right, today)
        if days:
            return max(d for _, d in days)  # "Assad, in power since 2000, said in July": the latest
        para_start = text.rfind("\n", 0, lo) + 1
        days = _cue_days(masked, para_start, left, today, years=False)
        if days:
            return days[-1][1]  # "Hama fell on December 5. The military said ..."
        para_end = text.find("\n", hi)
        para_end = len(text) if para_end < 0 else para_end
        if _ANAPHORIC_TIME.search(masked, para_start, para_end):  # "that evening", "the next day"
            days = _cue_days(masked, 0, para_start, today)
            if days:
                return days[-1][1]
        return None

    def _historical(self, st, text: str, day: str) -> bool:
        """Whether the statement was made before the article's day (and before the fall)."""
        if day[:10] <= HISTORICAL_DAY:
            return False
        if any(
            e.regex.search(st.speaker or "")
            for e in self.entries
            if e.pattern.lower() in self._post_fall_only
        ):
            return False  # "the caretaker government" spoke after the fall
        lo, hi = _statement_extent(st, text)
        left, right = _sentence_bounds(text, lo, hi)
        frame = self._masked(st, text)[left:right]
        if _THEN.search(st.speaker or "") or _THEN.search(frame):
            return True
        spoken = self._statement_day(st, text, day)
        return spoken is not None and spoken.isoformat() <= HISTORICAL_DAY

    # -- context ---------------------------------------------------------------------------------------

    def home(self, text: str, day: str | None) -> ActorEntry | None:
        """The side of an article's dateline city ("MOSCOW, Dec 9 (Wire) -"), if it has one."""
        match = _DATELINE.match(text[:200])
        if not match:
            return None
        city = match.group(1).strip().title()
        for entry in self.entries:
            if entry.kind == "place" and entry.applies_on(day) and entry.pattern.lower() == city.lower():
                return entry
        return None

    def _state_seat(self, text: str, day: str | None) -> ActorEntry | None:
        """The side of the dateline ("MOSCOW, Dec 9 -", "DOHA -", "GAZIANTEP, Türkiye -"), if it has one.

        Beirut and Amman, the bureaus that cover Syria, say where the reporter files from, not whose
        organ "the army" is; of two cities ("NEW YORK/WASHINGTON") a state's seat wins.
        """
        match = _DATELINE_CITIES.match(text[:200])
        if not match:
            return None
        country = re.match(r"\s*,\s*([A-Z][\w’'-]+(?: [A-Z][\w’'-]+)?)\s*,", text[match.end() - 1 : 200])
        if country:  # "GAZIANTEP, Türkiye, Dec 7 -": the country, where the city says nothing
            entry = self.best_entry(country.group(1), day)
            if entry is not None and entry.kind == "nationality" and entry.actor in _STATES - _SYRIA:
                return entry  # (in Syria the table's organs default to its government already)
        found = []
        for city in match.group(1).split("/"):
            city = city.strip().lower()
            for entry in self.entries:
                if entry.kind == "place" and entry.applies_on(day) and entry.pattern.lower() == city:
                    if city not in _BUREAUS:
                        found.append(entry)
                    break
        states = [e for e in found if e.actor in _STATES]  # "NEW YORK/WASHINGTON": Washington
        found = states or found
        return found[0] if len(found) == 1 else None

    def _mentions(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, entry index) of every table match in ``text`` (cached per article)."""
        key = id(text)
        cached = self._mention_cache.get(key)
        if cached is not None and cached[0] is text:
            return cached[1]
        out = []
        folded = text.casefold()
        for i, entry in enumerate(self.entries):
            if self._folded[i] not in folded:
                continue
            for m in entry.regex.finditer(text):
                out.append((m.start(), m.end(), i))
        out.sort()
        if len(self._mention_cache) > 64:
            self._mention_cache.clear()
        self._mention_cache[key] = (text, out)
        return out

    def _nearest(
        self, text, masked, start, end, day, kinds, actors=None, first=False, historical=False, locative=False
    ):
        """The side of the mention nearest ``end`` (or the first after ``start``) in ``text[start:end]``.

        Only mentions of ``kinds`` (and of ``actors``, if given) that are not blanked in ``masked``.
        """
        candidates = []
        for s, e, i in self._mentions(text):
            if s < start or e > end or not masked[s:e].strip() or masked[s:e] != text[s:e]:
                continue
            entry = self.entries[i]
            if not entry.applies_on(day) or entry.kind not in kinds or _is_bare_organ(entry):
                continue
            if historical and entry.kind == "office" and entry.pattern.lower() in _FORMER:
                continue
            if entry.kind in ("nationality", "place", "institution") and _DESTINATION.search(
                text[max(0, s - 60) : s]
            ):
                continue
            if locative and not _LOCATIVE.search(text[max(0, s - 30) : s]):
                continue
            candidates.append((s, e, entry))
        if not candidates:
            return None
        s0, e0, _ = min(candidates, key=lambda c: c[0]) if first else max(candidates, key=lambda c: c[1])
        group = [c for c in candidates if c[0] < e0 and s0 < c[1]]  # "Syria's caretaker": one mention
        s, e, entry = max(group, key=lambda c: (KIND_RANK[c[2].kind], len(c[2].pattern)))
        if actors is not None and entry.actor not in actors:
            return None
        end = max(c[1] for c in group)
        return entry, text[min(c[0] for c in group) : end], end

    def _earlier_mention(self, speaker: str, text: str, before: int, day: str | None) -> str | None:
        """A fuller earlier mention of the same name or head noun.

        "Miller" -> "State Department spokesman Matthew Miller"; "the ministry" -> the
        nearest earlier "Russia's foreign ministry".
        """
        words = re.findall(r"[\w’'-]+", speaker)
        names = _names(words)
        named = self.best_entry(_name_key(words)) if names else None
        if named is not None and named.kind in ("place", "nationality"):
            return None  # "a diplomat in Moscow", "Syrian officials": a place or people, not a name
        heads: list[str] = []
        if names:
            key = _name_key(words)
            matches = list(re.finditer(rf"(?<![\w-]){re.escape(key)}(?![\w-])", text[:before]))
        elif 0 < len(words) <= 4:  # "the ministry", "a ministry official"; not "a source close to the group"
            heads = [w.lower() for w in words if w.lower() in _ORGAN_HEADS] or [words[-1].lower()]
            heads = [h for h in heads if h not in ("the", "a", "an", "its")] or heads
            key = heads[-1]
            matches = list(re.finditer(rf"(?<![\w-]){re.escape(key)}(?![\w-])", text[:before], re.IGNORECASE))
            matches.reverse()  # the nearest description first
        else:
            return None
        masked = _QUOTED.sub(lambda m: " " * len(m.group()), text)
        lead = _DATELINE_LEAD.search(masked[:400])
        if lead:
            masked = _blank(masked, lead.start(), lead.end())
        for match in matches:
            window = masked[max(0, match.start() - 80) : match.end()]
            window = re.split(r"[.;:!?\"“”«»\n]|, | and |\s{2,}", window)[-1].strip()
            if not names:
                if not all(re.search(rf"\b{h}\b", window, re.IGNORECASE) for h in heads):
                    continue  # "the army general command" is not "the rebels' operations command"
                # the mention nearest the head: "Biden welcomed the fall of Assad's government"
                window = self._qualifier(window, masked[match.end() : match.end() + 40], day)
                if window is None:
                    continue
            elif len(window) <= len(speaker):
                continue
            entry = self.best_entry(window, day)
            if entry is not None and not _is_bare_organ(entry) and (names or entry.kind != "place"):
                if entry.kind == "generic" and names:
                    continue
                return window
        return None

    def _qualifier(self, window: str, after: str, day: str | None) -> str | None:
        """The table mention nearest the end of ``window`` (an organ's head), or just after it in an
        "of" phrase ("the interior ministry of the caretaker government"); bare organs do not count."""
        tail = re.match(r"\s+of (?:the )?[\w’'-]+(?: [\w’'-]+)?", after)
        text = window + (tail.group() if tail else "")
        best = None
        for _order, entry, m in self._matches(text, day):
            if _is_bare_organ(entry):
                continue
            dist = len(window) - m.end() if m.end() <= len(window) else m.start() - len(window)
            if best is None or dist < best[0] or (dist == best[0] and m.start() < best[1]):
                best = (max(dist, 0), m.start(), m.end())
        if best is None:
            return None
        _, start, end = best
        return text[start:] if end > len(window) else text[start : len(window)]

    def _organ_context(self, st, text: str, day: str | None, historical: bool):
        """(entry, reason) for an organ that does not say whose it is, from its context; else None."""
        speaker = st.speaker or ""
        masked = self._masked(st, text)
        at = st.speaker_start if st.speaker_start is not None else st.start
        if st.speaker_start is not None and st.speaker_end is not None:
            masked = _blank(masked, st.speaker_start, st.speaker_end)
        left, _right = _sentence_bounds(text, at, at + len(speaker))
        para_start = text.rfind("\n", 0, at) + 1
        prev_para = text.rfind("\n", 0, max(0, para_start - 1))
        prev_para = text.rfind("\n", 0, max(0, prev_para)) + 1 if prev_para >= 0 else 0
        if _POSSESSIVE.match(speaker) or _GROUP.search(speaker):
            if _GROUP.search(speaker):
                kinds: tuple[str, ...] = ("institution",)
            elif re.match(r"\s*(?:his|her)\b", speaker, re.IGNORECASE):
                kinds = ("person", "office")
            else:
                kinds = ("institution", "nationality", "place", "generic")
            found = None
            if st.speaker_start is not None and st.end <= st.speaker_start and st.start >= left:
                # "Russia has asked for a meeting, its deputy ambassador said": the subject of the clause
                own = self._masked(st, text, own=False)
                found = self._nearest(
                    text, own, st.start, st.end, day, kinds, first=True, historical=historical
                )
            if found is None:  # the subject: the first mention in this sentence, else in the one before
                found = self._nearest(text, masked, left, at, day, kinds, first=True, historical=historical)
            if found is None and left > para_start:
                before, _ = _sentence_bounds(text, left - 2, left - 1)
                found = self._nearest(
                    text, masked, before, left, day, kinds, first=True, historical=historical
                )
            if found is None:  # "the group": the group last named, however far back
                start = 0 if _GROUP.search(speaker) else prev_para
                found = self._nearest(text, masked, start, at, day, kinds, historical=historical)
            if found is not None:
                return found[0], f"antecedent '{found[1]}': {found[0].describe()}"
            return None
        # "In Damascus, the foreign ministry said": a place or country before it in the sentence
        found = self._nearest(text, masked, left, at, day, ("nationality", "place"), locative=True)
        if found is not None and text[found[2] : at].strip(" ,") not in ("", "the"):
            found = None  # "In Damascus, the ministry"; not "fighting in Syria, as the ministry"
        if found is None:  # "The Assad government's response, issued by the army command"
            found = self._nearest(text, masked, left, at, day, ("institution",), actors=_STATES - {"hts"})
        if found is not None:
            return found[0], f"same sentence '{found[1]}': {found[0].describe()}"
        earlier = self._earlier_mention(speaker, text, at, day)
        fuller = self.best_entry(earlier, day, historical=historical) if earlier else None
        if fuller is not None and not _is_bare_organ(fuller):
            return fuller, f"earlier mention '{earlier}': {fuller.describe()}"
        # a country named earlier in the paragraph, or the one before
        for start in (para_start, prev_para):
            found = self._nearest(
                text, masked, start, at, day, ("nationality", "place", "institution", "generic")
            )
            if found is None or _is_bare_organ(found[0]):
                continue
            entry = found[0]
            if entry.kind == "generic" and entry.pattern.lower() not in self._post_fall_only:
                continue  # only the post-fall qualifiers ("the caretaker government")
            if entry.kind == "institution" and entry.actor not in _STATES - {"hts"}:
                continue  # a state's organ (the Kremlin, CENTCOM), not a group or agency
            if entry.kind in ("nationality", "place", "institution") and not _ORGAN_AFTER.match(
                text, found[2]
            ):
                continue  # "Turkey's defence ministry", "Syrian officials", "the Kremlin said"; not "Syria"
            return entry, f"nearby mention '{found[1]}': {entry.describe()}"
        seat = None if historical else self._state_seat(text, day)  # where the reporter is today
        if seat is not None:
            return seat, f"dateline: {seat.describe()}"
        return None

    def attribute(self, statements, article=None):
        """Set ``actor`` and ``actor_reason`` on statements in place; return them.

        With the ``article``, a mention the table cannot place by itself looks for a fuller
        earlier mention of the same name, then (for state organs: "the foreign ministry")
        for its side in the context (see the module docstring).
        """
        for st in statements:
            entry, st.actor_reason = self.resolve_statement(st, article)
            st.actor = entry.actor if entry else UNMATCHED
        return statements

    def resolve_statement(self, st, article=None) -> tuple[ActorEntry | None, str]:
        """The entry that decides a statement's actor (None: nothing matched) and why."""
        text = article.text if article is not None else ""
        day = st.metadata.get("date") or (article.date if article is not None else None)
        historical = bool(text and day and self._historical(st, text, day))
        if historical:
            day = HISTORICAL_DAY  # "then-Foreign Minister ...", "in 2023 Assad said ...": office on that day
        entry = self.best_entry(st.speaker, day, historical=historical)
        reason = entry.describe() if entry else "no entry matched"
        if historical and entry is not None:
            reason += f" (spoken by {HISTORICAL_DAY})"
        weak = entry is None or KIND_RANK[entry.kind] < KIND_RANK["source"]
        if not (weak and text and st.speaker):
            return entry, reason
        named = bool(_names(re.findall(r"[\w’'-]+", st.speaker)))
        at = st.speaker_start if st.speaker_start is not None else st.start
        if named:
            earlier = self._earlier_mention(st.speaker, text, at, day)
            fuller = self.best_entry(earlier, day, historical=historical) if earlier else None
            if fuller is not None and (entry is None or KIND_RANK[fuller.kind] > KIND_RANK[entry.kind]):
                return fuller, f"earlier mention '{earlier}': {fuller.describe()}"
        organ = entry is None or _is_bare_organ(entry)
        if organ and (
            _POSSESSIVE.match(st.speaker)
            or _GROUP.search(st.speaker)
            or (_STATE_ORGANS.search(st.speaker) and not _CLOSE_TO.search(st.speaker))
        ):
            found = self._organ_context(st, text, day, historical)
            if found is not None:
                return found
        elif not named and entry is None:  # "the agency": the nearest earlier description with the same head
            earlier = self._earlier_mention(st.speaker, text, at, day)
            fuller = self.best_entry(earlier, day, historical=historical) if earlier else None
            if fuller is not None and (entry is None or KIND_RANK[fuller.kind] > KIND_RANK[entry.kind]):
                return fuller, f"earlier mention '{earlier}': {fuller.describe()}"
        return entry, reason


def is_confident(entry: ActorEntry | None) -> bool:
    """Whether a table entry names the side on its own (a person, office, institution, source)."""
    return entry is not None and KIND_RANK[entry.kind] >= KIND_RANK["source"]
