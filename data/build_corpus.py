"""Compile the hand-written corpus sources into GUIDELINES §4 JSONL records.

    python data/build_corpus.py            # all of data/corpus/src -> split files
    python data/build_corpus.py --check F  # validate some source files only

See data/corpus/FORMAT.md for the source format.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent / "corpus"
ACTORS = {"syrian_government", "hts", "russia", "iran", "turkey", "us", "un", "other"}
TARGET_CODES = {
    "ag": "assad_government",
    "ao": "armed_opposition",
    "ps": "political_solution",
    "fi": "foreign_involvement",
}
STANCE_VALUES = {"favor", "against"}
KINDS = {"direct", "partial", "indirect"}
MARKER = "=== statements ==="
# closing mark -> the marks that open it
QUOTE_FAMILIES = {'"': '"', "\u201d": "\u201c", "\u00bb": "\u00ab", "\u2019": "\u2018"}
OPENERS = set(QUOTE_FAMILIES.values())
FROZEN_TEST = ROOT / "test_ids.txt"


class SourceError(Exception):
    pass


def _hash(doc_id: str) -> str:
    return hashlib.sha256(doc_id.encode()).hexdigest()


def assign_splits(doc_ids: list[str], frozen_test: set[str] | None) -> dict[str, str]:
    """80/10/10 by article, in the order of a hash of the doc_id; a frozen test split stays as it is."""
    ranked = sorted(doc_ids, key=_hash)
    n_hold = max(1, round(len(ranked) * 0.1))
    if frozen_test is None:
        frozen_test = set(ranked[:n_hold])
    rest = [d for d in ranked if d not in frozen_test]
    dev = set(rest[:n_hold])
    return {d: "test" if d in frozen_test else "dev" if d in dev else "train" for d in doc_ids}


def quoted_parts(text: str, start: int, end: int) -> str | None:
    """For a direct span that an attribution interrupts, its quoted parts joined."""
    close = text[end] if end < len(text) else ""
    if close not in QUOTE_FAMILIES:
        return None
    marks = {close, QUOTE_FAMILIES[close]}
    span = text[start:end]
    if not any(m in span for m in marks):
        return None
    parts, inside, buf = [], True, []
    for ch in span:
        if ch in marks:
            if inside and "".join(buf).rstrip(" ").endswith("\n"):
                continue  # a paragraph of a multi-paragraph quote reopens it
            if inside:
                parts.append("".join(buf).strip())
            buf, inside = [], not inside
        elif inside:
            buf.append(ch)
    if inside:
        parts.append("".join(buf).strip())
    return " ".join(p for p in parts if p)


def parse_source(path: Path) -> tuple[dict, list[dict]]:
    """Read one source file; return (article record, statement records)."""
    raw = path.read_text(encoding="utf-8")
    lines = raw.split("\n")
    header: dict[str, str] = {}
    i = 0
    while i < len(lines) and lines[i].strip():
        key, sep, value = lines[i].partition(":")
        if not sep:
            raise SourceError(f"{path}:{i + 1}: header line without 'key: value'")
        header[key.strip()] = value.strip()
        i += 1
    for key in ("doc_id", "title", "date", "source"):
        if not header.get(key):
            raise SourceError(f"{path}: header lacks {key}")
    body_lines, j = [], i + 1
    while j < len(lines) and lines[j].strip() != MARKER:
        body_lines.append(lines[j])
        j += 1
    if j == len(lines):
        raise SourceError(f"{path}: no '{MARKER}' line")
    text = "\n".join(body_lines).strip("\n")
    article = {"doc_id": header["doc_id"], "text": text}
    for key in ("title", "date", "source", "url"):
        if header.get(key):
            article[key] = header[key]

    errors, statements, taken = [], [], {}
    for lineno in range(j + 2, len(lines) + 1):
        line = lines[lineno - 1]
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        fields = [f.strip() for f in line.split(" | ", 4)]
        if len(fields) != 5:
            errors.append(f"{where}: expected 5 fields split by ' | '")
            continue
        kind, speaker, actor, stances, span = fields
        span = span.replace("\\n", "\n")  # a multi-paragraph span writes its breaks as \n
        if kind not in KINDS:
            errors.append(f"{where}: unknown kind {kind!r}")
        if actor not in ACTORS:
            errors.append(f"{where}: unknown actor {actor!r}")
        stance = {t: "none" for t in TARGET_CODES.values()}
        if stances != "-":
            for item in stances.split():
                code, _, value = item.partition("=")
                if code not in TARGET_CODES or value not in STANCE_VALUES:
                    errors.append(f"{where}: bad stance item {item!r}")
                    continue
                stance[TARGET_CODES[code]] = value
        if speaker not in text:
            errors.append(f"{where}: speaker {speaker!r} not found in the article")
        start = text.find(span, taken.get(span, 0))
        if start < 0:
            start = text.find(span)
            if start < 0:
                errors.append(f"{where}: span not found in the article: {span[:60]!r}")
                continue
        taken[span] = start + 1
        end = start + len(span)
        record_text = span
        if kind == "direct":
            if start == 0 or text[start - 1] not in OPENERS:
                errors.append(f"{where}: direct span does not start right after a quotation mark")
            joined = quoted_parts(text, start, end)
            if joined is not None:
                record_text = joined
        statements.append(
            {
                "doc_id": article["doc_id"],
                "text": record_text,
                "start": start,
                "end": end,
                "kind": kind,
                "speaker": speaker,
                "actor": actor,
                "stance": stance,
            }
        )
    if errors:
        raise SourceError("\n".join(errors))
    return article, statements


def write_jsonl(path: Path, records: list[dict]) -> None:
    """One JSON record per line, UTF-8 as is."""
    with path.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", nargs="*", type=Path, help="validate these files only")
    args = parser.parse_args(argv)
    paths = args.check if args.check else sorted((ROOT / "src").glob("*.txt"))
    failed = 0
    parsed = []
    ids: set[str] = set()
    for path in paths:
        try:
            article, statements = parse_source(path)
        except SourceError as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        if article["doc_id"] in ids:
            print(f"{path}: duplicate doc_id {article['doc_id']}", file=sys.stderr)
            failed += 1
        ids.add(article["doc_id"])
        parsed.append((article, statements))
        if args.check:
            print(f"{path}: ok, {len(statements)} statements")
    if failed:
        print(f"{failed} file(s) with errors", file=sys.stderr)
        return 1
    if args.check:
        return 0
    frozen = set(FROZEN_TEST.read_text().split()) if FROZEN_TEST.exists() else None
    assigned = assign_splits([a["doc_id"] for a, _ in parsed], frozen)
    splits: dict[str, tuple[list, list]] = {s: ([], []) for s in ("train", "dev", "test")}
    for article, statements in parsed:
        split = assigned[article["doc_id"]]
        splits[split][0].append(article)
        splits[split][1].extend(statements)
    if frozen is None:
        FROZEN_TEST.write_text("".join(sorted(a["doc_id"] + "\n" for a in splits["test"][0])))
    for split, (articles, statements) in splits.items():
        write_jsonl(ROOT / f"{split}.articles.jsonl", articles)
        write_jsonl(ROOT / f"{split}.labels.jsonl", statements)
        print(f"{split}: {len(articles)} articles, {len(statements)} statements")
    return 0


if __name__ == "__main__":
    sys.exit(main())
