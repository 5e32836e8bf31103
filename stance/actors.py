"""Resolve a speaker mention to the actor it speaks for (GUIDELINES §2).

The table lives in ``stance/data/actors.csv``: phrase patterns with an actor,
an optional date window (an office held on the day) and a kind that ranks
them. Users put their own tables in front with ``--actors FILE`` (same
columns) or replace the bundled one.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
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
_DATELINE = re.compile(r"\s*([A-Z][A-Z .'’-]{2,30}?)\s*(?:,|\(|—|–|-)")
_STATE_ORGANS = re.compile(
    r"\b(?:ministry|minister|spokes\w+|army|military|armed forces|government|presidency|state media|"
    r"state television|state tv|news agency|official|officials|diplomat|embassy|source)\b",
    re.IGNORECASE,
)
COLUMNS = ("pattern", "actor", "from", "until", "kind")
UNMATCHED = "other"
_STATE_AT_UN = re.compile(
    r"\b(?:UN|U\.N\.|United Nations)\s+(?:envoy|ambassador|representative|mission)\b|"
    r"\b(?:envoy|ambassador|representative|mission) to the (?:UN|U\.N\.|United Nations)\b"
)
HISTORICAL_DAY = "2024-12-08"  # the last day of Assad's government
_THEN = re.compile(
    r"\b(?:then[- ]|at the time\b|under Assad\b|before (?:the|his|its) (?:fall|ouster|collapse)\b|"
    r"years? (?:ago|earlier)\b|during the war\b)",
    re.IGNORECASE,
)


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

    def best_entry(self, speaker: str | None, day: str | None = None) -> ActorEntry | None:
        """The highest-ranked entry matching ``speaker`` on ``day``, if any."""
        if not speaker:
            return None
        best, best_key = None, None
        at_un = _STATE_AT_UN.search(speaker) and any(
            e.kind == "nationality" and e.actor != "un" and e.regex.search(speaker) for e in self.entries
        )
        for order, entry in enumerate(self.entries):
            if not entry.applies_on(day) or not entry.regex.search(speaker):
                continue
            if at_un and entry.actor == "un" and not entry.user and entry.kind == "institution":
                continue  # "Turkey's UN envoy" speaks for Turkey; the nationality decides
            key = (entry.user, KIND_RANK[entry.kind], len(entry.pattern), -order)
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

    def _historical(self, st, text: str, day: str) -> bool:
        """Whether the statement was made before the article's day (and before the fall)."""
        if day[:10] <= HISTORICAL_DAY:
            return False
        lo = min(x for x in (st.start, st.speaker_start) if x is not None)
        hi = max(x for x in (st.end, st.speaker_end) if x is not None)
        sentence = _sentence_around(text, lo, hi)
        if _THEN.search(st.speaker or "") or _THEN.search(sentence):
            return True
        years = [int(y) for y in re.findall(r"\b(?:in|since|of|during) ((?:19|20)\d\d)\b", sentence)]
        return any(y < int(day[:4]) for y in years)

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

    def _earlier_mention(self, speaker: str, text: str, before: int, day: str | None) -> str | None:
        """A fuller earlier mention of the same name or head noun.

        "Miller" -> "State Department spokesman Matthew Miller"; "the ministry" -> the
        nearest earlier "Russia's foreign ministry".
        """
        words = re.findall(r"[\w’'-]+", speaker)
        names = [w for w in words[1:] + words[:1] if w[:1].isupper() and len(w) > 2 and w.lower() != "the"]
        named = self.best_entry(names[-1]) if names else None
        if named is not None and named.kind == "place":
            return None  # "a diplomat in Moscow": a place, not a name to look up
        if names:
            key, matches = names[-1], []
            matches = list(re.finditer(rf"(?<![\w-]){re.escape(key)}(?![\w-])", text[:before]))
        elif 0 < len(words) <= 3:  # "the ministry", "its defence ministry"; not "a source close to the group"
            key = words[-1].lower()
            matches = list(re.finditer(rf"(?<![\w-]){re.escape(key)}(?![\w-])", text[:before], re.IGNORECASE))
            matches.reverse()  # the nearest description first
        else:
            return None
        for match in matches:
            window = text[max(0, match.start() - 80) : match.end()]
            window = re.split(r"[.;:!?\"“”«»\n]|, | and ", window)[-1]
            if len(window) <= len(speaker):
                continue
            entry = self.best_entry(window, day)
            if entry is not None and entry.kind != "generic" and (names or entry.kind != "place"):
                return window
        return None

    def attribute(self, statements, article=None):
        """Set ``actor`` and ``actor_reason`` on statements in place; return them.

        With the ``article``, a mention the table cannot place by itself looks for a fuller
        earlier mention of the same name, then (for state organs: "the foreign ministry")
        for the side of the dateline city.
        """
        for st in statements:
            entry, st.actor_reason = self.resolve_statement(st, article)
            st.actor = entry.actor if entry else UNMATCHED
        return statements

    def resolve_statement(self, st, article=None) -> tuple[ActorEntry | None, str]:
        """The entry that decides a statement's actor (None: nothing matched) and why."""
        text = article.text if article is not None else ""
        day = st.metadata.get("date") or (article.date if article is not None else None)
        if text and day and self._historical(st, text, day):
            day = HISTORICAL_DAY  # "then-Foreign Minister ...", "in 2023 Assad said ...": office on that day
        entry = self.best_entry(st.speaker, day)
        reason = entry.describe() if entry else "no entry matched"
        weak = entry is None or KIND_RANK[entry.kind] < KIND_RANK["source"]
        mention = st.speaker
        if weak and text and st.speaker:
            before = st.speaker_start if st.speaker_start is not None else st.start
            earlier = self._earlier_mention(st.speaker, text, before, day)
            fuller = self.best_entry(earlier, day) if earlier else None
            if fuller is not None and (entry is None or KIND_RANK[fuller.kind] > KIND_RANK[entry.kind]):
                entry, reason, mention = fuller, f"earlier mention '{earlier}': {fuller.describe()}", earlier
            elif earlier:
                mention = earlier
        if (entry is None or entry.kind == "generic") and text and mention and _STATE_ORGANS.search(mention):
            home = self.home(text, day)
            if home is not None:
                entry, reason = home, f"dateline: {home.describe()}"
        return entry, reason


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start))
    right = min((i for i in (text.find(". ", end), text.find("\n", end)) if i >= 0), default=len(text))
    return text[left + 1 : right]


def is_confident(entry: ActorEntry | None) -> bool:
    """Whether a table entry names the side on its own (a person, office, institution, source)."""
    return entry is not None and KIND_RANK[entry.kind] >= KIND_RANK["source"]
