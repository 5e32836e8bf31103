"""Read and validate labelled statements for training (GUIDELINES §4 records).

Label files are JSONL statement records (articles may sit in the same file or
in a sibling ``X.articles.jsonl`` for ``X.labels.jsonl``), or a Label Studio
JSON export of the tasks written by ``stance suggest``. Validation reports
every problem with its file and line, and nothing is trained while any remain.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .records import STANCES


class LabelError(ValueError):
    """Label files with problems; ``problems`` lists one message each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class LabelSet:
    """Validated training examples and the label inventory they use."""

    records: list[dict] = field(default_factory=list)  # each with "origin": "file:line"
    articles: dict[str, dict] = field(default_factory=dict)

    @property
    def targets(self) -> list[str]:
        seen: dict[str, None] = {}
        for r in self.records:
            for t in r.get("stance", {}):
                seen.setdefault(t, None)
        return list(seen)

    @property
    def actors(self) -> list[str]:
        return sorted({r["actor"] for r in self.records if r.get("actor")})


# Fields that only a statement record has: a record with any of them (or with "start") is a statement,
# and one of them missing is reported; an article record (doc_id and text, perhaps title/date/source/url)
# has none of them and is read as the article that label offsets point into.
STATEMENT_FIELDS: tuple[str, ...] = (
    "start", "end", "kind", "speaker", "speaker_start", "speaker_end", "cue", "actor", "stance",
)


def is_statement_record(record: dict) -> bool:
    """Whether a JSONL record is a statement (label, gold or prediction) rather than an article."""
    return any(key in record for key in STATEMENT_FIELDS) or any(
        key.startswith(("stance_", "p_")) for key in record
    )


def _read_jsonl(path: Path, problems: list[str]) -> list[tuple[str, dict]]:
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot read: {exc}")
        return out
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{lineno}: invalid JSON ({exc.msg})")
            continue
        if not isinstance(record, dict):
            problems.append(f"{path}:{lineno}: expected a JSON object")
            continue
        out.append((f"{path}:{lineno}", record))
    return out


def _from_label_studio(path: Path, problems: list[str]) -> list[tuple[str, dict]]:
    """Records from a Label Studio export of ``stance suggest`` tasks."""
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{path}: not a Label Studio JSON export: {exc}")
        return []
    if not isinstance(tasks, list):
        problems.append(f"{path}: a Label Studio export is a JSON list of tasks")
        return []
    out = []
    for n, task in enumerate(tasks, 1):
        where = f"{path}:task {n}"
        data = task.get("data", {}) if isinstance(task, dict) else {}
        annotations = [a for a in task.get("annotations", []) if not a.get("was_cancelled")] if data else []
        if not annotations:
            continue  # not labelled yet
        record = {k: data.get(k) for k in ("doc_id", "text", "start", "end", "kind", "speaker")}
        record["stance"] = {}
        for item in annotations[-1].get("result", []):
            choices = item.get("value", {}).get("choices") or []
            name = item.get("from_name", "")
            if not choices:
                continue
            if name == "actor":
                record["actor"] = choices[0]
            elif name.startswith("stance_"):
                record["stance"][name[len("stance_") :]] = choices[0]
        out.append((where, record))
    return out


def _span_matches(span: str, text: str, kind: str | None) -> bool:
    if span == text:
        return True
    # an interrupted or multi-paragraph direct quote: its text is the quoted parts joined
    words = re.findall(r"\w+", text)
    return kind == "direct" and bool(words) and set(words) <= set(re.findall(r"\w+", span))


def read_labels(paths, *, actors=None, targets=None) -> LabelSet:
    """Read and validate label files; raise ``LabelError`` listing every problem.

    ``actors``/``targets``: the allowed inventories (default: those of GUIDELINES
    plus any new target a file introduces — a new *actor* must be declared).
    """
    from .records import ACTORS, TARGETS

    allowed_actors = set(actors or ACTORS)
    problems: list[str] = []
    items: list[tuple[str, dict]] = []
    articles: dict[str, dict] = {}
    for path in map(Path, paths):
        if path.suffix == ".json":
            items.extend(_from_label_studio(path, problems))
            continue
        for where, record in _read_jsonl(path, problems):
            if not is_statement_record(record) and "text" in record and "doc_id" in record:
                articles[str(record["doc_id"])] = record
            else:
                items.append((where, record))
        sibling = path.with_name(path.name.replace(".labels.jsonl", ".articles.jsonl"))
        if sibling != path and sibling.exists():
            for _, record in _read_jsonl(sibling, problems):
                articles[str(record.get("doc_id"))] = record
    known_targets = set(targets or TARGETS)
    seen: dict[tuple, str] = {}
    records = []
    for where, r in items:
        bad = False
        for key in ("doc_id", "text", "start", "end"):
            if key not in r or r[key] is None:
                problems.append(f"{where}: missing {key!r}")
                bad = True
        if bad:
            continue
        if not isinstance(r["start"], int) or not isinstance(r["end"], int) or not 0 <= r["start"] < r["end"]:
            problems.append(f"{where}: start/end must be integers with 0 <= start < end")
            continue
        actor = r.get("actor")
        if actor is not None and actor not in allowed_actors:
            problems.append(f"{where}: unknown actor {actor!r} (known: {', '.join(sorted(allowed_actors))})")
        stance = r.get("stance", {})
        if not isinstance(stance, dict):
            problems.append(f"{where}: 'stance' must be an object of target -> label")
            continue
        for target, label in stance.items():
            if targets is not None and target not in known_targets:
                problems.append(f"{where}: unknown target {target!r}")
            if label not in STANCES:
                problems.append(f"{where}: unknown stance {label!r} for {target} (use favor, against, none)")
        if actor is None and not stance:
            problems.append(f"{where}: no actor and no stance: nothing to learn")
        article = articles.get(str(r["doc_id"]))
        if article is not None:
            text = article.get("text", "")
            if r["end"] > len(text):
                problems.append(
                    f"{where}: span {r['start']}-{r['end']} is beyond the article's end ({len(text)})"
                )
            elif not _span_matches(text[r["start"] : r["end"]], r["text"], r.get("kind")):
                problems.append(f"{where}: span {r['start']}-{r['end']} does not match its text")
        key = (str(r["doc_id"]), r["start"], r["end"])
        if key in seen:
            problems.append(f"{where}: duplicate of {seen[key]} (same doc_id and span)")
        else:
            seen[key] = where
        records.append({**r, "origin": where})
    if problems:
        raise LabelError(problems)
    if not records:
        raise LabelError(["no labelled statements in " + ", ".join(map(str, paths))])
    return LabelSet(records=records, articles=articles)


def attach_cues(labels: LabelSet) -> LabelSet:
    """Give labelled statements without a cue the cue the extractor finds at their span.

    The model reads "speaker ; cue" before the statement; label files written by
    hand rarely carry the cue, so it is recovered from the article when present.
    """
    from .evaluate import match
    from .extract import extract_statements
    from .records import Article

    by_doc: dict[str, list[dict]] = {}
    for r in labels.records:
        if not r.get("cue"):
            by_doc.setdefault(str(r["doc_id"]), []).append(r)
    for doc_id, records in by_doc.items():
        article = labels.articles.get(doc_id)
        if not article or not isinstance(article.get("text"), str):
            continue
        found = [s.to_row() for s in extract_statements(Article(doc_id=doc_id, text=article["text"]))]
        for i, j in match(records, found):
            records[i]["cue"] = found[j]["cue"]
    return labels
