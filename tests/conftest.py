"""Shared fixtures: a tiny labelled corpus, written for these tests, and a tiny model trained on it once.

The articles below are invented wire-style paragraphs (no outlet's sentences); each label's span is found
in its article by ``str.index`` so that offsets can never drift from the text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

ROOT = Path(__file__).resolve().parents[1]
STANCE = ROOT / ".venv" / "bin" / "stance"
TARGETS = ("assad_government", "armed_opposition", "political_solution", "foreign_involvement")
CODES = {"ag": "assad_government", "ao": "armed_opposition", "ps": "political_solution",
         "fi": "foreign_involvement", "ha": "humanitarian_access"}

# doc_id -> (date, text, [(kind, speaker, actor, stances, span)])
TRAIN_DOCS = {
    "tiny-a": ("2024-11-30", (
        "ALEPPO, Nov 30 (Test Wire) - Syrian army commanders vowed on Saturday to drive rebel fighters "
        "out of Aleppo's western districts.\n\n"
        "\"We will crush the terrorists wherever they are,\" Defence Minister Ali Abbas said in a televised "
        "address.\n\n"
        "Kremlin spokesman Dmitry Peskov said Moscow would keep backing the Syrian authorities against the "
        "offensive.\n\n"
        "The Turkish foreign ministry said the fighting showed the need for a negotiated settlement between "
        "Damascus and its opponents.\n"), [
        ("direct", "Defence Minister Ali Abbas", "syrian_government", "ag=favor ao=against",
         "We will crush the terrorists wherever they are"),
        ("indirect", "Kremlin spokesman Dmitry Peskov", "russia", "ag=favor ao=against fi=favor",
         "Moscow would keep backing the Syrian authorities against the offensive"),
        ("indirect", "The Turkish foreign ministry", "turkey", "ps=favor",
         "the fighting showed the need for a negotiated settlement between Damascus and its opponents"),
    ]),
    "tiny-b": ("2024-12-08", (
        "DAMASCUS, Dec 8 (Test Wire) - Rebel commanders declared the capital free on Sunday.\n\n"
        "\"Damascus is liberated and the tyrant has fled,\" HTS leader Ahmed al-Sharaa told a crowd at the "
        "Umayyad Mosque.\n\n"
        "UN envoy Geir Pedersen said all Syrians should now join an orderly and inclusive political "
        "transition.\n\n"
        "Iranian Foreign Minister Abbas Araghchi said Tehran had never sought to keep its forces in "
        "Syria.\n\n"
        "\"Outside powers must stop bombing Syrian soil,\" said a spokesman for the rebel operations "
        "command.\n"), [
        ("direct", "HTS leader Ahmed al-Sharaa", "hts", "ag=against ao=favor",
         "Damascus is liberated and the tyrant has fled"),
        ("indirect", "UN envoy Geir Pedersen", "un", "ps=favor",
         "all Syrians should now join an orderly and inclusive political transition"),
        ("indirect", "Iranian Foreign Minister Abbas Araghchi", "iran", "-",
         "Tehran had never sought to keep its forces in Syria"),
        ("direct", "a spokesman for the rebel operations command", "hts", "fi=against",
         "Outside powers must stop bombing Syrian soil"),
    ]),
    "tiny-c": ("2024-12-10", (
        "WASHINGTON, Dec 10 (Test Wire) - The United States said it would judge the new authorities in "
        "Damascus by their actions.\n\n"
        "Secretary of State Antony Blinken said Washington would keep its troops in eastern Syria to prevent "
        "an Islamic State comeback.\n\n"
        "\"The fall of Assad is a historic chance for the Syrian people,\" Blinken told reporters.\n\n"
        "A resident of Homs said bread prices had tripled in a week.\n"), [
        ("indirect", "The United States", "us", "-",
         "it would judge the new authorities in Damascus by their actions"),
        ("indirect", "Secretary of State Antony Blinken", "us", "fi=favor",
         "Washington would keep its troops in eastern Syria to prevent an Islamic State comeback"),
        ("direct", "Blinken", "us", "ag=against",
         "The fall of Assad is a historic chance for the Syrian people"),
        ("indirect", "A resident of Homs", "other", "-", "bread prices had tripled in a week"),
    ]),
    "tiny-d": ("2024-12-02", (
        "ANKARA, Dec 2 (Test Wire) - Turkish President Recep Tayyip Erdogan said Damascus had ignored every "
        "call for dialogue with its opponents.\n\n"
        "\"The regime must now sit down at the table,\" Erdogan told members of his party.\n\n"
        "The Syrian foreign ministry said Turkey was arming the militants and violating Syrian "
        "sovereignty.\n\n"
        "Russian Foreign Minister Sergei Lavrov said the attackers were terrorists and would be "
        "defeated.\n"), [
        ("indirect", "Turkish President Recep Tayyip Erdogan", "turkey", "ag=against ps=favor",
         "Damascus had ignored every call for dialogue with its opponents"),
        ("direct", "Erdogan", "turkey", "ps=favor", "The regime must now sit down at the table"),
        ("indirect", "The Syrian foreign ministry", "syrian_government", "ao=against fi=against",
         "Turkey was arming the militants and violating Syrian sovereignty"),
        ("indirect", "Russian Foreign Minister Sergei Lavrov", "russia", "ao=against",
         "the attackers were terrorists and would be defeated"),
    ]),
}
DEV_DOCS = {
    "tiny-e": ("2024-12-05", (
        "HAMA, Dec 5 (Test Wire) - Rebel fighters entered Hama on Thursday after days of clashes.\n\n"
        "\"Our forces have withdrawn from the city to protect civilians,\" the Syrian army command said in a "
        "statement.\n\n"
        "HTS commander Hassan Abdul Ghani said the fighters would press on towards Homs.\n\n"
        "Iranian state television said Tehran would send military advisers to help Damascus.\n\n"
        "Qatar's foreign ministry said only a political solution could end the war.\n\n"
        "\"This offensive is a dangerous escalation,\" a UN spokesman said.\n\n"
        "The Russian defence ministry said its jets had struck militant positions in Idlib.\n"), [
        ("direct", "the Syrian army command", "syrian_government", "-",
         "Our forces have withdrawn from the city to protect civilians"),
        ("indirect", "HTS commander Hassan Abdul Ghani", "hts", "ao=favor",
         "the fighters would press on towards Homs"),
        ("indirect", "Iranian state television", "iran", "ag=favor fi=favor",
         "Tehran would send military advisers to help Damascus"),
        ("indirect", "Qatar's foreign ministry", "other", "ps=favor",
         "only a political solution could end the war"),
        ("direct", "a UN spokesman", "un", "ao=against", "This offensive is a dangerous escalation"),
        ("indirect", "The Russian defence ministry", "russia", "ao=against fi=favor",
         "its jets had struck militant positions in Idlib"),
    ]),
}
# labels for a target the tiny model does not know, and no actor: retraining must add it and keep the rest
NEW_TARGET_DOCS = {
    "tiny-f": ("2024-12-12", (
        "GENEVA, Dec 12 (Test Wire) - Aid agencies warned that convoys were still held up at the northern "
        "crossings.\n\n"
        "OCHA chief Tom Fletcher said the crossings from Turkey must stay open for aid convoys.\n\n"
        "\"We need unhindered access to every part of the country,\" a WFP spokeswoman said.\n\n"
        "A faction commander near Manbij said no convoy would pass until the Kurdish fighters withdrew.\n"), [
        ("indirect", "OCHA chief Tom Fletcher", None, "ha=favor",
         "the crossings from Turkey must stay open for aid convoys"),
        ("direct", "a WFP spokeswoman", None, "ha=favor",
         "We need unhindered access to every part of the country"),
        ("indirect", "A faction commander near Manbij", None, "ha=against",
         "no convoy would pass until the Kurdish fighters withdrew"),
    ]),
    "tiny-g": ("2024-12-14", (
        "IDLIB, Dec 14 (Test Wire) - Relief groups said winter was setting in across the camps.\n\n"
        "The caretaker government said aid trucks could now reach every area it controls.\n\n"
        "\"Nobody will block food from reaching our people,\" a spokesman for the new authorities said.\n\n"
        "A local council official said the checkpoint guards had turned back two medical convoys.\n"), [
        ("indirect", "The caretaker government", None, "ha=favor",
         "aid trucks could now reach every area it controls"),
        ("direct", "a spokesman for the new authorities", None, "ha=favor",
         "Nobody will block food from reaching our people"),
        ("indirect", "A local council official", None, "ha=none",
         "the checkpoint guards had turned back two medical convoys"),
    ]),
}


def stances(codes: str, targets=TARGETS) -> dict[str, str]:
    """``"ag=favor ps=against"`` → a stance mapping; targets not named are ``none``."""
    named = dict(item.split("=") for item in codes.split()) if codes != "-" else {}
    named = {CODES[k]: v for k, v in named.items()}
    return {t: named.get(t, "none") for t in targets}


def records(docs: dict, targets=TARGETS) -> tuple[list[dict], list[dict]]:
    """(article records, label records) for ``docs``."""
    articles, labels = [], []
    for doc_id, (date, text, statements) in docs.items():
        articles.append({"doc_id": doc_id, "text": text, "title": f"Test article {doc_id}", "date": date,
                         "source": "Test Wire"})
        for kind, speaker, actor, codes, span in statements:
            start = text.index(span)
            label = {"doc_id": doc_id, "text": span, "start": start, "end": start + len(span), "kind": kind,
                     "speaker": speaker, "stance": stances(codes, targets)}
            if actor is not None:
                label["actor"] = actor
            labels.append(label)
    return articles, labels


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def write_label_files(folder: Path, name: str, docs: dict, targets=TARGETS) -> Path:
    """``name.labels.jsonl`` with its sibling ``name.articles.jsonl``; returns the labels path."""
    folder.mkdir(parents=True, exist_ok=True)
    articles, labels = records(docs, targets)
    write_jsonl(folder / f"{name}.articles.jsonl", articles)
    return write_jsonl(folder / f"{name}.labels.jsonl", labels)


@dataclass
class Tiny:
    """The tiny model and the files it was trained from."""

    model: Path
    train_labels: Path
    dev_labels: Path
    new_target_labels: Path
    articles: Path  # all train articles, as a collection to score
    seconds: float


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> Tiny:
    """A model trained end to end once (1 epoch) on the hand-written statements above."""
    import time

    from stance.labels import attach_cues, read_labels
    from stance.train import train

    folder = tmp_path_factory.mktemp("tiny")
    train_labels = write_label_files(folder, "train", TRAIN_DOCS)
    dev_labels = write_label_files(folder, "dev", DEV_DOCS)
    new_labels = write_label_files(folder, "aid", NEW_TARGET_DOCS, targets=("humanitarian_access",))
    started = time.perf_counter()
    dev = attach_cues(read_labels([dev_labels]))
    train(attach_cues(read_labels([train_labels])), folder / "model", dev=dev, epochs=1, seed=7, batch_size=8,
          progress=False, name="tiny")
    return Tiny(folder / "model", train_labels, dev_labels, new_labels, folder / "train.articles.jsonl",
                time.perf_counter() - started)


def run_stance(*args, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    """Run the ``stance`` command line; returns the completed process (text output)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error", "PYTHONHASHSEED": "0"}
    env.update(kw.pop("env", {}))
    return subprocess.run([str(STANCE), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          env=env, **kw)


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr[-3000:]


@pytest.fixture(scope="session")
def python() -> str:
    return sys.executable
