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
from importlib import resources
from pathlib import Path

KIND_RANK = {"office": 5, "person": 4, "source": 3, "institution": 2, "nationality": 1, "generic": 0}
COLUMNS = ("pattern", "actor", "from", "until", "kind")
UNMATCHED = "other"


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


def _compile(pattern: str) -> re.Pattern:
    flags = 0 if pattern.replace(".", "").isupper() else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){re.escape(pattern)}(?![\w-])", flags)


def parse_table(text: str, origin: str) -> list[ActorEntry]:
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
            if value and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                errors.append(f"{origin}:{lineno}: date {value!r} is not YYYY-MM-DD")
        entries.append(
            ActorEntry(pattern, actor, start or None, until or None, kind, _compile(pattern), f"{origin}:{lineno}")
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
            entries.extend(parse_table(text, str(path)))
        if not replace:
            bundled = resources.files("stance").joinpath("data/actors.csv").read_text("utf-8")
            entries.extend(parse_table(bundled, "actors.csv"))
        return cls(entries)

    @property
    def actors(self) -> list[str]:
        return sorted({e.actor for e in self.entries})

    def resolve(self, speaker: str | None, day: str | None = None) -> tuple[str, str]:
        """The actor of ``speaker`` on ``day`` and the entry that decided it."""
        if not speaker:
            return UNMATCHED, "no speaker"
        best, best_key = None, None
        for order, entry in enumerate(self.entries):
            if not entry.applies_on(day) or not entry.regex.search(speaker):
                continue
            key = (KIND_RANK[entry.kind], len(entry.pattern), -order)
            if best_key is None or key > best_key:
                best, best_key = entry, key
        if best is None:
            return UNMATCHED, "no entry matched"
        return best.actor, best.describe()

    def attribute(self, statements, day: str | None = None):
        """Set ``actor`` and ``actor_reason`` on statements in place; return them."""
        for st in statements:
            st.actor, st.actor_reason = self.resolve(st.speaker, day or st.metadata.get("date"))
        return statements
