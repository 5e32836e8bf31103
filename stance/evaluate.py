"""Score predicted statements against gold ones (GUIDELINES §1 matching rule).

A prediction matches a gold statement of the same document when their spans
overlap by at least half of the shorter span; matching is one-to-one, best
overlap first. Stance is scored as in SemEval-2016: F_avg is the mean of
F1(favor) and F1(against) for a target.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from .labels import is_statement_record
from .records import KINDS


class EvaluationError(ValueError):
    """A gold or prediction file that cannot be scored."""


def read_records(path: str | Path) -> list[dict]:
    """Read statement records from a JSONL file; errors name the file and line."""
    path = Path(path)
    records = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"{path}: cannot read: {exc}") from exc
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvaluationError(f"{path}:{lineno}: invalid JSON: {exc.msg}") from exc
        if not isinstance(record, dict) or not is_statement_record(record):
            continue  # an article record mixed into a label file
        for key in ("doc_id", "start", "end"):
            if key not in record:
                raise EvaluationError(f"{path}:{lineno}: missing {key!r}")
        if not isinstance(record["start"], int) or not isinstance(record["end"], int):
            raise EvaluationError(f"{path}:{lineno}: start/end must be integers")
        records.append(record)
    return records


def stance_of(record: dict, target: str) -> str:
    """A record's stance label for ``target``, from a nested or a flat results row."""
    nested = record.get("stance")
    if isinstance(nested, dict) and target in nested:
        return nested[target]
    return record.get(f"stance_{target}") or "none"


def match(gold: list[dict], pred: list[dict]) -> list[tuple[int, int]]:
    """One-to-one (gold index, pred index) pairs, best overlap first."""
    by_doc: dict[str, list[int]] = defaultdict(list)
    for j, p in enumerate(pred):
        by_doc[str(p["doc_id"])].append(j)
    candidates = []
    for i, g in enumerate(gold):
        for j in by_doc.get(str(g["doc_id"]), ()):
            p = pred[j]
            overlap = min(g["end"], p["end"]) - max(g["start"], p["start"])
            shorter = min(g["end"] - g["start"], p["end"] - p["start"])
            if overlap > 0 and overlap >= 0.5 * shorter:
                union = max(g["end"], p["end"]) - min(g["start"], p["start"])
                candidates.append((overlap / max(1, union), overlap, i, j))
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2], c[3]))
    used_g, used_p, pairs = set(), set(), []
    for _, _, i, j in candidates:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def _f1(tp: int, n_pred: int, n_gold: int) -> float:
    if tp == 0:
        return 0.0
    p, r = tp / n_pred, tp / n_gold
    return 2 * p * r / (p + r)


def f_avg(gold_labels: list[str], pred_labels: list[str]) -> float:
    """SemEval-2016 F_avg: mean of F1(favor) and F1(against)."""
    scores = []
    for label in ("favor", "against"):
        tp = sum(g == label and p == label for g, p in zip(gold_labels, pred_labels, strict=True))
        scores.append(_f1(tp, pred_labels.count(label), gold_labels.count(label)))
    return sum(scores) / 2


def macro_f1(gold_labels: list[str], pred_labels: list[str]) -> float:
    labels = sorted(set(gold_labels))
    if not labels:
        return 0.0
    scores = []
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold_labels, pred_labels, strict=True))
        scores.append(_f1(tp, pred_labels.count(label), gold_labels.count(label)))
    return sum(scores) / len(scores)


def evaluate(gold: list[dict], pred: list[dict], targets: list[str] | None = None) -> dict:
    """Statement P/R/F1, recall per kind, actor accuracy/macro-F1 and stance F_avg."""
    pairs = match(gold, pred)
    tp = len(pairs)
    precision = tp / len(pred) if pred else 0.0
    recall = tp / len(gold) if gold else 0.0
    result: dict = {
        "statements": {
            "gold": len(gold),
            "pred": len(pred),
            "matched": tp,
            "precision": precision,
            "recall": recall,
            "f1": _f1(tp, len(pred), len(gold)),
        },
        "recall_by_kind": {},
    }
    matched_gold = {i for i, _ in pairs}
    for kind in KINDS:
        idx = [i for i, g in enumerate(gold) if g.get("kind") == kind]
        if idx:
            result["recall_by_kind"][kind] = sum(i in matched_gold for i in idx) / len(idx)
    with_actor = [(gold[i], pred[j]) for i, j in pairs if gold[i].get("actor")]
    if with_actor:
        g_act = [g["actor"] for g, _ in with_actor]
        p_act = [str(p.get("actor")) for _, p in with_actor]
        result["actor"] = {
            "n": len(with_actor),
            "accuracy": sum(a == b for a, b in zip(g_act, p_act, strict=True)) / len(with_actor),
            "macro_f1": macro_f1(g_act, p_act),
        }
    if targets is None:
        targets = sorted({t for g in gold if isinstance(g.get("stance"), dict) for t in g["stance"]})
    if (
        targets
        and pairs
        and any(f"stance_{t}" in pred[j] or "stance" in pred[j] for _, j in pairs for t in targets)
    ):
        per_target = {}
        for target in targets:
            g_lab = [stance_of(gold[i], target) for i, _ in pairs]
            p_lab = [stance_of(pred[j], target) for _, j in pairs]
            per_target[target] = f_avg(g_lab, p_lab)
        result["stance"] = {"f_avg": per_target, "mean_f_avg": sum(per_target.values()) / len(per_target)}
    return result


def format_report(result: dict) -> str:
    """A short plain-text rendering of ``evaluate``'s result."""
    s = result["statements"]
    lines = [
        f"statements  gold {s['gold']}  pred {s['pred']}  matched {s['matched']}",
        f"            precision {s['precision']:.3f}  recall {s['recall']:.3f}  F1 {s['f1']:.3f}",
        "recall by kind  " + "  ".join(f"{k} {v:.3f}" for k, v in result["recall_by_kind"].items()),
    ]
    if "actor" in result:
        a = result["actor"]
        lines.append(f"actor       accuracy {a['accuracy']:.3f}  macro-F1 {a['macro_f1']:.3f}  (n={a['n']})")
    if "stance" in result:
        st = result["stance"]
        lines.append("stance F_avg  " + "  ".join(f"{t} {v:.3f}" for t, v in st["f_avg"].items()))
        lines.append(f"             mean {st['mean_f_avg']:.3f}")
    return "\n".join(lines)
