"""stance: who said what about the Syrian war, for which side, for or against what.

The public API; heavy parts (torch, plotly, dash) load only when first used::

    import stance
    articles = stance.read_articles(["news/"])
    statements = stance.extract_statements(article)
    pipe = stance.Pipeline.load()           # extraction + actors + classifier
    rows = list(pipe.score(articles))
"""

from __future__ import annotations

import importlib

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
    "evaluate": "evaluate",
    "read_results": "results",
    "Pipeline": "pipeline",
    "train": "train",
    "write_report": "report",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'stance' has no attribute {name!r}")
    return getattr(importlib.import_module(f"stance.{module}"), name)
