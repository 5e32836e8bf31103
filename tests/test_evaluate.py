"""Scoring (stance.evaluate): the matching rule, recall per kind, actor scores and stance F_avg, by hand."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from stance.evaluate import EvaluationError, evaluate, f_avg, format_report, macro_f1, match, read_records

ROOT = Path(__file__).resolve().parents[1]
SEED_SOURCE = ROOT / "data" / "corpus" / "src" / "000_a909801c9f83239d.txt"
TARGETS = ("assad_government", "armed_opposition", "political_solution", "foreign_involvement")

sys.path.insert(0, str(ROOT / "data"))
from build_corpus import parse_source  # noqa: E402


def rec(doc: str, start: int, end: int, kind: str = "indirect", actor: str | None = None, **stance) -> dict:
    record = {"doc_id": doc, "start": start, "end": end, "kind": kind}
    if actor is not None:
        record["actor"] = actor
    if stance:
        record["stance"] = {t: stance.get(t, "none") for t in TARGETS}
    return record


# -- the matching rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gold", "pred", "matched"),
    [
        ((0, 100), (50, 150), True),  # overlap 50 = half of the shorter (100)
        ((0, 100), (51, 151), False),  # 49 < 50
        ((0, 100), (90, 110), True),  # overlap 10 = half of the shorter (20)
        ((0, 100), (91, 111), False),  # 9 < 10
        ((0, 100), (100, 150), False),  # touching is no overlap
        ((10, 20), (0, 100), True),  # contained
        ((0, 100), (0, 100), True),
    ],
)
def test_overlap_of_at_least_half_the_shorter_span(gold, pred, matched):
    pairs = match([rec("d", *gold)], [rec("d", *pred)])
    assert pairs == ([(0, 0)] if matched else [])


def test_same_span_in_another_document_does_not_match():
    assert match([rec("a", 0, 50)], [rec("b", 0, 50)]) == []


def test_doc_ids_compare_as_strings():
    assert match([rec(7, 0, 50)], [rec("7", 0, 50)]) == [(0, 0)]


def test_matching_is_one_to_one():
    gold = [rec("d", 0, 100)]
    pred = [rec("d", 0, 100), rec("d", 10, 90)]
    assert match(gold, pred) == [(0, 0)]
    assert match(pred, gold) == [(0, 0)]


def test_best_overlap_is_matched_first():
    gold = [rec("d", 0, 100), rec("d", 80, 120)]
    # pred 0 overlaps gold 0 by 30/50 and gold 1 by 40/40: it goes to gold 1; pred 1 then takes gold 0
    pred = [rec("d", 70, 120), rec("d", 0, 60)]
    assert match(gold, pred) == [(0, 1), (1, 0)]


def test_ties_on_ratio_go_to_the_larger_overlap():
    gold = [rec("d", 0, 100)]
    pred = [rec("d", 0, 50), rec("d", 10, 90)]  # both cover their whole span; the second overlaps more
    assert match(gold, pred) == [(0, 1)]


# -- a hand-computed example --------------------------------------------------------------------------------

GOLD = [
    rec("d1", 0, 100, "direct", "russia", assad_government="favor", political_solution="favor"),
    rec("d1", 200, 260, "partial", "us", assad_government="against", political_solution="favor"),
    rec("d1", 300, 340, "indirect", "un"),
    rec("d2", 0, 50, "indirect", "hts"),
]
GOLD[2]["stance"] = dict.fromkeys(TARGETS, "none")
GOLD[3]["stance"] = dict.fromkeys(TARGETS, "none")
PRED = [
    rec("d1", 10, 90, "direct", "russia", assad_government="favor", political_solution="favor"),
    rec("d1", 230, 330, "partial", "un", assad_government="against", political_solution="favor"),
    rec("d1", 250, 262, "partial", "russia", assad_government="none"),
    rec("d1", 0, 50, "direct", "russia", assad_government="favor"),
    rec("d3", 0, 50, "indirect", "hts"),
]
# candidates: g0-p0 1.0 (80), g0-p3 1.0 (50), g1-p2 10/12, g2-p1 30/40, g1-p1 30/60
# pairs: g0-p0, g1-p2, g2-p1; g3 (d2) and p3, p4 unmatched


def test_hand_example_pairs():
    assert match(GOLD, PRED) == [(0, 0), (1, 2), (2, 1)]


def test_hand_example_statement_scores():
    s = evaluate(GOLD, PRED)["statements"]
    assert (s["gold"], s["pred"], s["matched"]) == (4, 5, 3)
    assert s["precision"] == pytest.approx(3 / 5)
    assert s["recall"] == pytest.approx(3 / 4)
    assert s["f1"] == pytest.approx(2 * 0.6 * 0.75 / 1.35)


def test_hand_example_recall_per_kind():
    assert evaluate(GOLD, PRED)["recall_by_kind"] == pytest.approx(
        {"direct": 1.0, "partial": 1.0, "indirect": 0.5}
    )


def test_hand_example_actor_scores():
    a = evaluate(GOLD, PRED)["actor"]
    assert a["n"] == 3
    assert a["accuracy"] == pytest.approx(2 / 3)
    # russia: P 1/2, R 1/1 -> 2/3; un: 1; us: 0 -> macro 5/9
    assert a["macro_f1"] == pytest.approx((2 / 3 + 1 + 0) / 3)


def test_hand_example_stance_f_avg():
    st = evaluate(GOLD, PRED, targets=["assad_government", "political_solution"])["stance"]
    # assad_government: gold favor/against/none vs pred favor/none/against -> F1 favor 1, against 0
    # political_solution: gold favor/favor/none vs pred favor/none/favor -> F1 favor 1/2, against 0
    assert st["f_avg"] == pytest.approx({"assad_government": 0.5, "political_solution": 0.25})
    assert st["mean_f_avg"] == pytest.approx(0.375)


def test_targets_default_to_those_in_the_gold():
    st = evaluate(GOLD, PRED)["stance"]
    assert set(st["f_avg"]) == set(TARGETS)
    assert st["f_avg"]["armed_opposition"] == 0.0  # no favor or against anywhere
    assert st["mean_f_avg"] == pytest.approx((0.5 + 0.0 + 0.25 + 0.0) / 4)


def test_flat_stance_columns_in_predictions():
    flat = []
    for p in PRED:
        row = {k: v for k, v in p.items() if k != "stance"}
        for target, label in p.get("stance", {}).items():
            row[f"stance_{target}"] = label
        flat.append(row)
    assert evaluate(GOLD, flat)["stance"] == evaluate(GOLD, PRED)["stance"]


def test_no_stance_scores_without_predicted_stance():
    bare = [{k: v for k, v in p.items() if k != "stance"} for p in PRED]
    assert "stance" not in evaluate(GOLD, bare)


def test_no_actor_scores_without_gold_actors():
    gold = [{k: v for k, v in g.items() if k != "actor"} for g in GOLD]
    assert "actor" not in evaluate(gold, PRED)


def test_empty_sides():
    assert evaluate(GOLD, [])["statements"]["f1"] == 0.0
    assert evaluate([], PRED)["statements"] == {
        "gold": 0,
        "pred": 5,
        "matched": 0,
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
    }


# -- the helpers -----------------------------------------------------------------------------------------


def test_f_avg_by_hand():
    gold = ["favor", "favor", "against", "none", "against"]
    pred = ["favor", "against", "against", "favor", "none"]
    # favor: tp 1, P 1/2, R 1/2 -> 1/2; against: tp 1, P 1/2, R 1/2 -> 1/2
    assert f_avg(gold, pred) == pytest.approx(0.5)
    assert f_avg(["none"] * 3, ["none"] * 3) == 0.0


def test_macro_f1_over_gold_labels():
    assert macro_f1(["a", "a", "b"], ["a", "b", "b"]) == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert macro_f1([], []) == 0.0


def test_seed_gold_against_itself_is_perfect():
    _, gold = parse_source(SEED_SOURCE)
    result = evaluate(gold, gold)
    assert result["statements"]["f1"] == 1.0
    assert result["actor"]["accuracy"] == 1.0 and result["actor"]["macro_f1"] == 1.0
    assert set(result["recall_by_kind"].values()) == {1.0}


def test_format_report_mentions_every_score():
    report = format_report(evaluate(GOLD, PRED))
    assert "precision 0.600" in report and "recall 0.750" in report and "F1 0.667" in report
    assert "indirect 0.500" in report
    assert "accuracy 0.667" in report
    assert "mean 0.188" in report


# -- reading label files ---------------------------------------------------------------------------------


def test_read_records_skips_article_records(tmp_path):
    path = tmp_path / "labels.jsonl"
    lines = [json.dumps({"doc_id": "d1", "text": "an article record"}), "", *map(json.dumps, GOLD)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert read_records(path) == GOLD


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ('{"doc_id": "d", "start": 0, "end": 5}\n{broken\n', 2, "invalid JSON"),
        ('{"doc_id": "d", "start": 0}\n', 1, "'end'"),
        ('{"start": 0, "end": 5}\n', 1, "'doc_id'"),
        ('{"doc_id": "d", "start": "0", "end": 5}\n', 1, "integers"),
    ],
)
def test_read_records_errors_name_file_and_line(tmp_path, body, line, words):
    path = tmp_path / "pred.jsonl"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(EvaluationError) as err:
        read_records(path)
    assert str(err.value).startswith(f"{path}:{line}:")
    assert words in str(err.value)


def test_read_records_unreadable_file(tmp_path):
    with pytest.raises(EvaluationError, match="cannot read"):
        read_records(tmp_path / "missing.jsonl")
