"""Plain typed records passed between the stages of the pipeline.

Every span is a pair of character offsets ``start``/``end`` (end exclusive)
into ``Article.text``, from extraction to the results file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

ACTORS: tuple[str, ...] = (
    "syrian_government",
    "hts",
    "russia",
    "iran",
    "turkey",
    "us",
    "un",
    "other",
)
TARGETS: tuple[str, ...] = (
    "assad_government",
    "armed_opposition",
    "political_solution",
    "foreign_involvement",
)
STANCES: tuple[str, ...] = ("favor", "against", "none")
KINDS: tuple[str, ...] = ("direct", "partial", "indirect")
METADATA_FIELDS: tuple[str, ...] = ("title", "date", "source", "url")


@dataclass(frozen=True)
class Article:
    """One news article: its text and optional metadata."""

    doc_id: str
    text: str
    title: str | None = None
    date: str | None = None  # ISO 8601 day, "2024-12-08"
    source: str | None = None
    url: str | None = None
    origin: str | None = None  # "file.jsonl:12" — where it was read from

    def metadata(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in METADATA_FIELDS}


@dataclass(frozen=True)
class ReadError:
    """An input that could not be read as an article, and why."""

    origin: str  # "path" or "path:line"
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


@dataclass
class Statement:
    """A quoted or reported statement with its speaker (GUIDELINES §1–2)."""

    doc_id: str
    start: int
    end: int
    text: str
    kind: str
    speaker: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    cue: str | None = None
    actor: str | None = None
    actor_reason: str | None = None
    metadata: dict[str, str | None] = field(default_factory=dict)

    def to_row(self) -> dict:
        """Flat dict: statement fields followed by the article metadata."""
        row = asdict(self)
        meta = row.pop("metadata")
        for name in METADATA_FIELDS:
            row[name] = meta.get(name)
        return row
