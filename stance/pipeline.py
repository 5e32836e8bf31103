"""The whole job: articles in, one scored row per statement out.

ingest → extract → actors table → classifier → rows. Rows follow
``stance.results``; the CLI's ``stance score`` and ``stance demo`` are thin
layers over ``Pipeline`` and ``stance.output.score_to_file``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from .actors import UNMATCHED, ActorTable, is_confident
from .extract import Extractor
from .records import Article, ReadError, Statement
from .results import SCHEMA_VERSION

DEFAULT_MODEL_NAME = "stance-minilm"
ACTOR_POLICIES = ("table", "combined", "model")
# The actor users see. benchmarks/classifier.py measures all three on the frozen test split;
# the table alone was best there, so it is the default (the model's probability is still reported).
DEFAULT_ACTOR_POLICY = "table"


def default_model_path() -> Path:
    """``$STANCE_MODEL``, else the model shipped in the repository's ``models/`` folder."""
    env = os.environ.get("STANCE_MODEL")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "models" / DEFAULT_MODEL_NAME


class Pipeline:
    """Extraction, actor resolution and classification with one loaded model.

    >>> pipe = Pipeline.load()                     # doctest: +SKIP
    >>> rows = pipe.score_text("Lavrov said the rebels were terrorists.", date="2024-12-07")
    """

    def __init__(
        self,
        classifier,
        *,
        actors: ActorTable | None = None,
        extractor: Extractor | None = None,
        actor_policy: str = DEFAULT_ACTOR_POLICY,
        batch_statements: int = 512,
    ):
        if actor_policy not in ACTOR_POLICIES:
            raise ValueError(f"actor_policy must be one of {', '.join(ACTOR_POLICIES)}")
        self.classifier = classifier
        self.actors = actors or ActorTable.load()
        self.extractor = extractor or Extractor()
        self.actor_policy = actor_policy
        self.batch_statements = batch_statements

    @classmethod
    def load(
        cls,
        model: str | Path | None = None,
        *,
        actors: Iterable[str | Path] = (),
        replace_actors: bool = False,
        precision: str = "auto",
        allow_pickle: bool = False,
        actor_policy: str = DEFAULT_ACTOR_POLICY,
    ) -> Pipeline:
        """A pipeline with the model folder ``model`` (default: the bundled model)."""
        from .classify import Classifier

        classifier = Classifier(model or default_model_path(), precision=precision, allow_pickle=allow_pickle)
        table = ActorTable.load(list(actors), replace=replace_actors)
        return cls(classifier, actors=table, actor_policy=actor_policy)

    # -- scoring ----------------------------------------------------------------
    def score_units(
        self, units: Iterable[Article | ReadError]
    ) -> Iterator[tuple[Article | ReadError, object]]:
        """For each input unit, in order: (article, rows) or (unit, error message).

        Statements of several articles are classified together in length-sorted
        batches; one article that fails is reported and the others go on.
        """
        for batch in self.score_batches(units):
            yield from batch

    def score_batches(
        self, units: Iterable[Article | ReadError]
    ) -> Iterator[list[tuple[Article | ReadError, object]]]:
        """``score_units`` grouped by classification batch.

        A batch closes once it holds ``batch_statements`` statements, so batches depend only on
        the units from the previous batch boundary on: a run resumed at a boundary classifies
        every statement with the same neighbours, hence the same numbers, as an uninterrupted run.
        """
        pending: list[tuple[Article | ReadError, object]] = []
        n_statements = 0
        for unit in units:
            if isinstance(unit, ReadError):
                pending.append((unit, unit.reason))
                continue
            try:
                statements = self.extractor.extract(unit)
                entries = []
                for st in statements:
                    entry, st.actor_reason = self.actors.resolve_statement(st, unit)
                    st.actor = entry.actor if entry is not None else UNMATCHED
                    entries.append(entry)
            except Exception as exc:  # a bug on one odd article must not stop the batch
                pending.append((unit, f"extraction failed: {type(exc).__name__}: {exc}"))
                continue
            pending.append((unit, (statements, entries)))
            n_statements += len(statements)
            if n_statements >= self.batch_statements:
                yield list(self._classify(pending))
                pending, n_statements = [], 0
        if pending:
            yield list(self._classify(pending))

    def score(self, articles: Iterable[Article]) -> Iterator[dict]:
        """Rows for every statement of ``articles``; articles that fail are skipped."""
        for _unit, result in self.score_units(articles):
            if isinstance(result, list):
                yield from result

    def score_text(
        self,
        text: str,
        *,
        doc_id: str = "text",
        title: str | None = None,
        date: str | None = None,
        source: str | None = None,
        url: str | None = None,
    ) -> list[dict]:
        """Rows for one article given as a string."""
        return list(
            self.score([Article(doc_id=doc_id, text=text, title=title, date=date, source=source, url=url)])
        )

    @staticmethod
    def to_dataframe(rows: Iterable[dict]):
        """Rows as a pandas DataFrame with the results columns."""
        import pandas as pd

        return pd.DataFrame(list(rows))

    def _classify(self, pending):
        flat: list[tuple[Statement, object]] = []
        for _unit, result in pending:
            if isinstance(result, tuple):
                flat.extend(zip(*result, strict=True))
        preds = self.classifier.predict(
            [st.speaker for st, _ in flat], [st.cue for st, _ in flat], [st.text for st, _ in flat]
        )
        k = 0
        for unit, result in pending:
            if not isinstance(result, tuple):
                yield unit, result
                continue
            rows = []
            for st, entry in zip(*result, strict=True):
                rows.append(self._row(st, entry, preds.actor[k], preds.stance[k]))
                k += 1
            yield unit, rows

    def _row(self, st: Statement, entry, actor_probs, stance_probs) -> dict:
        clf = self.classifier
        model_actor = clf.actors[int(actor_probs.argmax())]
        table_actor = entry.actor if entry is not None else None
        if self.actor_policy == "table" or (self.actor_policy == "combined" and is_confident(entry)):
            actor, source = table_actor or "other", "table"
        else:
            actor, source = model_actor, "model"
        reason = st.actor_reason if source == "table" else f"model (table: {st.actor_reason})"
        prob = float(actor_probs[clf.actors.index(actor)]) if actor in clf.actors else None
        row = st.to_row()
        row.update(actor=actor, actor_prob=_round(prob), actor_reason=reason, actor_source=source)
        for t, target in enumerate(clf.targets):
            favor, against, none = (float(x) for x in stance_probs[t])
            label = ("favor", "against", "none")[int(stance_probs[t].argmax())]
            row[f"stance_{target}"] = label
            row[f"p_{target}_favor"] = _round(favor)
            row[f"p_{target}_against"] = _round(against)
            row[f"p_{target}_none"] = _round(none)
        row.update(
            model_name=clf.name, model_version=clf.version, model_hash=clf.hash, schema_version=SCHEMA_VERSION
        )
        return row


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 5)
