"""The Python API (stance.pipeline): the seed article scored with the tiny model, row contents, actor
policies, failure isolation and determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import stance
from stance.extract import Extractor, extract_statements
from stance.model import ModelError
from stance.pipeline import Pipeline
from stance.records import Article, ReadError
from stance.results import SCHEMA_VERSION, result_columns

SEED = Path(stance.__file__).parent / "data" / "seed.txt"
META = {"title": "Where is Assad?", "date": "2024-12-08", "source": "Test Wire", "url": "https://example.org/s"}
LABELS = ("favor", "against", "none")


@pytest.fixture(scope="module")
def pipe(tiny) -> Pipeline:
    return Pipeline.load(tiny.model, precision="fp32")


@pytest.fixture(scope="module")
def seed_rows(pipe) -> list[dict]:
    return pipe.score_text(SEED.read_text(encoding="utf-8"), doc_id="seed", **META)


def test_public_api_exposes_the_pipeline():
    assert stance.Pipeline is Pipeline


def test_seed_article_gives_one_row_per_extracted_statement(seed_rows):
    text = SEED.read_text(encoding="utf-8")
    statements = extract_statements(Article("seed", text, **META))
    assert len(seed_rows) == len(statements) >= 30
    for row, st in zip(seed_rows, statements, strict=True):
        assert (row["start"], row["end"], row["text"], row["kind"]) == (st.start, st.end, st.text, st.kind)
        assert (row["speaker"], row["speaker_start"], row["cue"]) == (st.speaker, st.speaker_start, st.cue)
        assert {k: row[k] for k in META} == META
        assert row["doc_id"] == "seed"


def test_rows_have_exactly_the_results_columns(pipe, seed_rows):
    columns = set(result_columns(pipe.classifier.targets))
    for row in seed_rows:
        assert set(row) == columns
        assert row["schema_version"] == SCHEMA_VERSION
        assert (row["model_name"], row["model_hash"]) == ("tiny", pipe.classifier.hash)


def test_stance_labels_are_the_most_probable(pipe, seed_rows):
    for row in seed_rows:
        for target in pipe.classifier.targets:
            probs = [row[f"p_{target}_{label}"] for label in LABELS]
            assert abs(sum(probs) - 1) < 5e-5
            assert row[f"stance_{target}"] == LABELS[int(np.argmax(probs))]


def test_actor_comes_with_probability_source_and_reason(pipe, seed_rows):
    actors = pipe.classifier.actors
    assert {r["actor_source"] for r in seed_rows} <= {"table", "model"}
    for row in seed_rows:
        assert row["actor"] in actors
        assert 0 <= row["actor_prob"] <= 1


def test_every_row_says_why_it_has_its_actor(seed_rows):
    missing = [(r["speaker"], r["actor_source"]) for r in seed_rows if not r["actor_reason"]]
    assert missing == []


@pytest.mark.parametrize("policy", ["table", "model"])
def test_actor_policy_decides_the_source(pipe, seed_rows, policy):
    one_policy = Pipeline(pipe.classifier, actors=pipe.actors, actor_policy=policy)
    rows = one_policy.score_text(SEED.read_text(encoding="utf-8"), doc_id="seed", **META)
    assert {r["actor_source"] for r in rows} == {policy}
    clf = pipe.classifier
    pred = clf.predict([r["speaker"] for r in rows], [r["cue"] for r in rows], [r["text"] for r in rows])
    for row, probs in zip(rows, pred.actor, strict=True):
        assert row["actor_prob"] == pytest.approx(probs[clf.actors.index(row["actor"])], abs=2e-5)
        if policy == "model":
            assert row["actor"] == clf.actors[int(probs.argmax())]
    same = [a["actor"] == b["actor"] for a, b in zip(rows, seed_rows, strict=True)
            if b["actor_source"] == policy]
    assert all(same)  # combined (the default) takes each actor from one of the two


def test_unknown_policy_and_bad_model_are_refused(tiny, tmp_path):
    with pytest.raises(ValueError, match="actor_policy must be one of"):
        Pipeline.load(tiny.model, actor_policy="vote")
    with pytest.raises(ModelError, match="no such model folder"):
        Pipeline.load(tmp_path / "missing")


def test_scoring_is_deterministic(tiny, pipe, seed_rows):
    text = SEED.read_text(encoding="utf-8")
    assert pipe.score_text(text, doc_id="seed", **META) == seed_rows
    other = Pipeline.load(tiny.model, precision="fp32")
    assert other.score_text(text, doc_id="seed", **META) == seed_rows


def test_batching_across_articles_changes_nothing(tiny, pipe):
    text = SEED.read_text(encoding="utf-8")
    articles = [Article(f"s{i}", text[: 1000 + 1200 * i], date="2024-12-08") for i in range(3)]
    together = list(pipe.score(articles))
    small = Pipeline(pipe.classifier, actors=pipe.actors, batch_statements=3)
    apart = [row for a in articles for row in small.score([a])]
    assert len(together) == len(apart) > 0
    for a, b in zip(together, apart, strict=True):
        assert {k: v for k, v in a.items() if not k.startswith("p_") and k != "actor_prob"} == \
               {k: v for k, v in b.items() if not k.startswith("p_") and k != "actor_prob"}
        for key in a:
            if key.startswith("p_") or key == "actor_prob":
                assert a[key] == pytest.approx(b[key], abs=2e-5)


class _Fragile(Extractor):
    def extract(self, article):
        if article.doc_id == "boom":
            raise RuntimeError("an odd article")
        return super().extract(article)


def test_one_failing_article_does_not_stop_the_batch(pipe):
    text = SEED.read_text(encoding="utf-8")[:2500]
    fragile = Pipeline(pipe.classifier, actors=pipe.actors, extractor=_Fragile())
    units = [Article("a", text), ReadError("feed.jsonl:3", "invalid JSON"), Article("boom", text),
             Article("b", text)]
    results = list(fragile.score_units(units))
    order = [u.doc_id if isinstance(u, Article) else u.origin for u, _ in results]
    assert order == ["a", "feed.jsonl:3", "boom", "b"]
    assert results[1][1] == "invalid JSON"
    assert results[2][1] == "extraction failed: RuntimeError: an odd article"
    assert isinstance(results[0][1], list) and results[0][1] and results[3][1]
    doc_ids = [r["doc_id"] for r in fragile.score(units)]
    assert doc_ids == ["a"] * len(results[0][1]) + ["b"] * len(results[3][1])


def test_article_without_statements_gives_no_rows(pipe):
    assert pipe.score_text("Rain fell over Damascus on Tuesday. Markets were quiet.") == []


def test_to_dataframe_holds_every_row_and_column(pipe, seed_rows):
    frame = Pipeline.to_dataframe(seed_rows)
    assert len(frame) == len(seed_rows)
    assert set(frame.columns) == set(result_columns(pipe.classifier.targets))
    assert frame["text"].tolist() == [r["text"] for r in seed_rows]
    assert frame["p_political_solution_none"].tolist() == [r["p_political_solution_none"] for r in seed_rows]
