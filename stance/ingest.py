"""Read article collections: .txt/.md, .html/.htm, .jsonl and .csv, files or folders.

``read_articles`` streams ``Article`` records and, for every input it cannot
use, a ``ReadError`` naming the file (and line) and the reason — it never
raises on bad data, so one bad article never stops a batch.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from .records import METADATA_FIELDS, Article, ReadError

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
TABLE_SUFFIXES = {".jsonl", ".csv"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | TABLE_SUFFIXES
MAX_CHARS = 1_000_000  # longer "articles" are almost always a dump, not news
MAX_FILE_BYTES = 2_000_000_000

_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y", "%Y/%m/%d", "%d/%m/%Y")


def stable_id(text: str) -> str:
    """A doc_id for an article that has none: a hash of its text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def normalise_date(value) -> str | None:
    """An ISO day ("2024-12-08") from common date spellings, else the value as given."""
    if value is None or value == "":
        return None
    value = str(value).strip()
    if re.match(r"\d{4}-\d{2}-\d{2}", value):
        return value[:10]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return value


def decode(data: bytes, origin: str) -> str | ReadError:
    """UTF-8 (or UTF-16/UTF-8 with a BOM) text, or why the bytes are not text."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            return ReadError(origin, f"invalid UTF-16 at byte {exc.start}")
    if b"\x00" in data[:8192]:
        return ReadError(origin, "binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return ReadError(
            f"{origin}:{line}", f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        )


def _check_text(text: str, origin: str, max_chars: int) -> ReadError | None:
    if not text.strip():
        return ReadError(origin, "empty article (no text)")
    if len(text) > max_chars:
        return ReadError(
            origin, f"article is {len(text):,} characters, over the limit of {max_chars:,} (--max-chars)"
        )
    return None


def _a_type(value) -> str:
    """The type of a JSON value with its article: "an int", "a list"."""
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _make(fields: dict, origin: str, max_chars: int) -> Article | ReadError:
    text = fields.get("text")
    if not isinstance(text, str):
        kind = "missing" if text is None else f"{_a_type(text)}, not a string"
        return ReadError(origin, f"'text' is {kind}")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    problem = _check_text(text, origin, max_chars)
    if problem:
        return problem
    doc_id = fields.get("doc_id")
    if doc_id is None or doc_id == "":
        doc_id = stable_id(text)
    elif not isinstance(doc_id, (str, int)):
        return ReadError(origin, f"'doc_id' is {_a_type(doc_id)}, not a string")
    meta = {}
    for name in METADATA_FIELDS:
        value = fields.get(name)
        if value is not None and not isinstance(value, (str, int, float)):
            return ReadError(origin, f"'{name}' is {_a_type(value)}, not a string")
        meta[name] = None if value in (None, "") else str(value)
    meta["date"] = normalise_date(meta["date"])
    return Article(doc_id=str(doc_id), text=text, origin=origin, **meta)


def _read_text_file(path: Path, text: str, max_chars: int) -> Iterator[Article | ReadError]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    yield _make({"doc_id": path.stem, "text": text}, str(path), max_chars)


def _read_html(path: Path, html: str, max_chars: int) -> Iterator[Article | ReadError]:
    import trafilatura  # imported here: only HTML inputs pay for it

    try:
        doc = trafilatura.bare_extraction(html, with_metadata=True)
    except Exception as exc:  # trafilatura raises assorted parser errors
        yield ReadError(str(path), f"cannot parse HTML: {exc}")
        return
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        yield ReadError(str(path), "no article text found in the HTML")
        return
    fields = {
        "doc_id": path.stem,
        "text": text,
        "title": getattr(doc, "title", None),
        "date": getattr(doc, "date", None),
        "source": getattr(doc, "sitename", None),
        "url": getattr(doc, "url", None),
    }
    yield _make(fields, str(path), max_chars)


def _read_jsonl(path: Path, text: str, max_chars: int) -> Iterator[Article | ReadError]:
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        origin = f"{path}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ReadError(origin, f"invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(record, dict):
            yield ReadError(origin, f"expected a JSON object, got {type(record).__name__}")
            continue
        yield _make(record, origin, max_chars)


def _read_csv(path: Path, text: str, max_chars: int) -> Iterator[Article | ReadError]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.DictReader(text.splitlines(keepends=True))
    try:
        columns = reader.fieldnames or []
    except csv.Error as exc:
        yield ReadError(f"{path}:1", f"cannot read CSV header: {exc}")
        return
    if "text" not in columns:
        yield ReadError(f"{path}:1", f"no 'text' column (columns: {', '.join(columns) or 'none'})")
        return
    try:
        for row in reader:
            origin = f"{path}:{reader.line_num}"
            if None in row:
                yield ReadError(origin, "more fields than the header names")
                continue
            yield _make(row, origin, max_chars)
    except csv.Error as exc:
        yield ReadError(f"{path}:{reader.line_num}", f"broken CSV: {exc}")


def read_file(path: Path, *, max_chars: int = MAX_CHARS) -> Iterator[Article | ReadError]:
    """Articles (or errors) from one file, by its suffix."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        yield ReadError(
            str(path), f"unsupported file type {suffix or '(none)'} (use {', '.join(sorted(SUFFIXES))})"
        )
        return
    try:
        size = path.stat().st_size
        if suffix not in TABLE_SUFFIXES and size > 4 * max_chars + 1024:
            yield ReadError(
                str(path), f"file is {size:,} bytes, over the article limit of {max_chars:,} characters"
            )
            return
        data = path.read_bytes()
    except OSError as exc:
        yield ReadError(str(path), f"cannot read: {exc.strerror or exc}")
        return
    text = decode(data, str(path))
    if isinstance(text, ReadError):
        yield text
        return
    if suffix in TEXT_SUFFIXES:
        yield from _read_text_file(path, text, max_chars)
    elif suffix in HTML_SUFFIXES:
        yield from _read_html(path, text, max_chars)
    elif suffix == ".jsonl":
        yield from _read_jsonl(path, text, max_chars)
    else:
        yield from _read_csv(path, text, max_chars)


def _expand(inputs: Iterable[str | Path]) -> Iterator[Path | ReadError]:
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if child.name.startswith(".") or child.suffix.lower() not in SUFFIXES:
                    continue
                yield child
        elif path.exists():
            yield path
        else:
            yield ReadError(str(path), "no such file or directory")


def read_articles(
    inputs: Iterable[str | Path], *, max_chars: int = MAX_CHARS
) -> Iterator[Article | ReadError]:
    """Stream articles from files and folders (recursed); bad inputs come as ``ReadError``.

    A doc_id seen before is reported as an error for the later article.
    """
    seen: dict[str, str] = {}
    for path in _expand(inputs):
        if isinstance(path, ReadError):
            yield path
            continue
        for item in read_file(path, max_chars=max_chars):
            if isinstance(item, Article):
                first = seen.get(item.doc_id)
                if first is not None:
                    yield ReadError(
                        item.origin or str(path), f"duplicate doc_id {item.doc_id!r} (first at {first})"
                    )
                    continue
                seen[item.doc_id] = item.origin or str(path)
            yield item
