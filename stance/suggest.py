"""Pick the statements to label next: the least certain ones, spread over actors and targets.

Certainty is the margin between the two most probable labels of a head; each
(actor, target) pair takes its turn so that one busy actor cannot fill the
list. Output: GUIDELINES records (``to_label.jsonl``) and the same statements
as Label Studio tasks with the model's ``predictions`` (``to_label.labelstudio.json``).
"""

from __future__ import annotations

import json
from itertools import cycle
from pathlib import Path

from .results import read_results, targets_of


def margins(frame, target: str):
    """Top-1 minus top-2 probability of a target's stance head, per row."""
    import numpy as np

    probs = frame[[f"p_{target}_{s}" for s in ("favor", "against", "none")]].to_numpy(dtype=float)
    top = np.sort(probs, axis=1)
    return top[:, -1] - top[:, -2]


def pick(frame, n: int) -> list[tuple[int, str]]:
    """(row index, target) of the ``n`` least certain statements, round-robin over actor × target."""
    targets = targets_of(frame.columns)
    queues = {}
    for target in targets:
        m = margins(frame, target)
        for actor, group in frame.groupby("actor", sort=True):
            idx = sorted(group.index, key=lambda i: (m[frame.index.get_loc(i)], i))
            queues[(actor, target)] = iter(idx)
    chosen, seen = [], set()
    live = list(queues)
    for key in cycle(list(queues)):
        if len(chosen) >= n or not live:
            break
        if key not in live:
            continue
        for i in queues[key]:
            if i not in seen:
                seen.add(i)
                chosen.append((i, key[1]))
                break
        else:
            live.remove(key)
    return chosen


def _record(row, targets) -> dict:
    keys = ("doc_id", "text", "start", "end", "kind", "speaker", "cue", "title", "date", "source", "url")
    record = {k: (None if row.get(k) != row.get(k) else row.get(k)) for k in keys}
    record["actor"] = row["actor"]
    record["stance"] = {t: row[f"stance_{t}"] for t in targets}
    return record


def label_studio_task(record: dict, row, targets, model_version: str) -> dict:
    """A Label Studio task with the model's labels as a prediction."""
    result = [
        {"from_name": "actor", "to_name": "text", "type": "choices", "value": {"choices": [record["actor"]]}}
    ]
    for t in targets:
        result.append(
            {
                "from_name": f"stance_{t}",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": [record["stance"][t]]},
            }
        )
    score = float(min(row[f"p_{t}_{record['stance'][t]}"] for t in targets))
    return {
        "data": record,
        "predictions": [{"model_version": model_version, "score": score, "result": result}],
    }


def suggest(results: str | Path, n: int, out: str | Path) -> tuple[Path, Path]:
    """Write the ``n`` least certain statements of ``results``; return both paths."""
    frame = read_results(results).reset_index(drop=True)
    targets = targets_of(frame.columns)
    out = Path(out)
    tasks_path = out.with_name(out.name.rsplit(".", 1)[0] + ".labelstudio.json")
    rows = [frame.loc[i] for i, _ in pick(frame, n)] if len(frame) else []
    records = [_record(r, targets) for r in rows]
    version = str(frame["model_name"].iloc[0]) + "@" + str(frame["model_hash"].iloc[0]) if len(frame) else ""
    with open(out, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False, default=_plain) + "\n")
    tasks = [label_studio_task(rec, row, targets, version) for rec, row in zip(records, rows, strict=True)]
    tasks_path.write_text(json.dumps(tasks, ensure_ascii=False, indent=1, default=_plain), encoding="utf-8")
    return out, tasks_path


def _plain(value):
    return value.item() if hasattr(value, "item") else str(value)
