"""stance: who said what about the Syrian war, for which side, for or against what.

The public API; heavy parts (torch, plotly, dash) load only when first used::

    import stance
    articles = stance.read_articles(["news/"])
    statements = stance.extract_statements(article)
    pipe = stance.Pipeline.load()           # extraction + actors + classifier
    rows = list(pipe.score(articles))
    stance.train_model(stance.read_labels(["labels.jsonl"]), "models/mine")
"""

from __future__ import annotations

import importlib

from .evaluate import evaluate as evaluate  # eager (light): the name stays the function, not the module

__version__ = "0.1.0"

_EXPORTS = {
    "Article": "records",
    "Statement": "records",
    "ReadError": "records",
    "ACTORS": "records",
    "TARGETS": "records",
    "read_articles": "ingest",
    "extract_statements": "extract",
    "Extractor": "extract",
    "ActorTable": "actors",
    "read_results": "results",
    "Pipeline": "pipeline",
    "read_labels": "labels",
    "train_model": ("train", "train"),
    "write_report": "report",
}

__all__ = sorted([*_EXPORTS, "evaluate"])


def __getattr__(name: str):
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'stance' has no attribute {name!r}")
    module, attr = target if isinstance(target, tuple) else (target, name)
    return getattr(importlib.import_module(f"stance.{module}"), attr)
