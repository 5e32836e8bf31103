"""Position shifts and alignments on synthetic results tables with known truth."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from stance.results import result_columns
from stance.shifts import (
    Alignment,
    Shift,
    alignment_figure,
    alignments,
    find_shifts,
    format_shifts,
    net_stance_series,
    report_sections,
    shift_figure,
    thin_series,
)

TARGETS = ("assad_government", "armed_opposition", "political_solution", "foreign_involvement")
ACTORS = ("syrian_government", "hts", "russia", "iran", "turkey", "us", "un", "other")
LABELS = np.array(["favor", "against", "none"])
SEEDS = range(5)
SPLIT = np.datetime64("2024-12-08")
RUSSIA_TURN = {("russia", "armed_opposition"): ((0.1, 0.7, 0.2), (0.6, 0.1, 0.3))}


def make_results(seed=0, *, changes=None, fixed=None, days=24, per_day=12.0, start="2024-11-27",
                 change_date=SPLIT, actors=ACTORS, targets=TARGETS, text=None, counts=None):
    """A results table like ``stance score`` writes, with labels drawn per actor, target and day.

    Every actor x target gets a random (favor, against, none) mix that stays the same over time,
    except ``changes``: {(actor, target): (mix before, mix from change_date)}; ``fixed`` sets a
    stationary mix; ``counts`` {actor: statements per day} overrides the Poisson(per_day) volume.
    """
    rng = np.random.default_rng(seed)
    first = np.datetime64(start)
    day_list = first + np.arange(days)
    rows = {}
    for actor in actors:
        per = (np.full(days, counts[actor]) if counts and actor in counts else rng.poisson(per_day, days))
        dates = np.repeat(day_list, per)
        rows.setdefault("actor", []).append(np.full(len(dates), actor, dtype=object))
        rows.setdefault("date", []).append(dates)
        for target in targets:
            mix = rng.dirichlet(np.ones(3))
            before = after = (fixed or {}).get((actor, target), mix)
            before, after = (changes or {}).get((actor, target), (before, after))
            late = dates >= change_date
            u = rng.random(len(dates))
            cum = np.where(late[:, None], np.cumsum(after), np.cumsum(before))
            rows.setdefault(target, []).append(LABELS[np.minimum((u[:, None] > cum).sum(1), 2)])
    size = sum(len(a) for a in rows["actor"])
    frame = pd.DataFrame({c: None for c in result_columns(targets)}, index=range(size))
    frame["actor"] = np.concatenate(rows["actor"])
    frame["date"] = np.datetime_as_string(np.concatenate(rows["date"]))
    frame["doc_id"] = [f"d{i}" for i in range(size)]
    frame["start"], frame["end"] = 0, 10
    frame["text"] = text if text is not None else [f"statement {i}" for i in range(size)]
    frame["speaker"], frame["source"], frame["kind"] = "a speaker", "a source", "direct"
    frame["schema_version"] = 1
    for target in targets:
        label = np.concatenate(rows[target])
        frame[f"stance_{target}"] = label
        top = rng.uniform(0.4, 1.0, size)
        for name in LABELS:
            frame[f"p_{target}_{name}"] = np.where(label == name, top, (1 - top) / 2)
    return frame


def _days_apart(a: str, b) -> int:
    return abs(int((np.datetime64(a) - np.datetime64(b)) / np.timedelta64(1, "D")))


@pytest.mark.parametrize("seed", SEEDS)
def test_planted_shift_is_found_at_its_date_and_nothing_else(seed):
    frame = make_results(seed, changes=RUSSIA_TURN)
    shifts = find_shifts(frame, by="day")
    assert [(s.actor, s.target) for s in shifts] == [("russia", "armed_opposition")]
    s = shifts[0]
    assert _days_apart(s.date, SPLIT) <= 1
    assert s.before < -0.3 and s.after > 0.2 and s.size == pytest.approx(s.after - s.before)
    assert s.p_value < 0.01 and s.n_before >= 5 and s.n_after >= 5
    assert 2 <= len(s.evidence_before) <= 3 and 2 <= len(s.evidence_after) <= 3
    assert {e["stance"] for e in s.evidence_before} == {"against"}
    assert {e["stance"] for e in s.evidence_after} == {"favor"}
    for e in s.evidence_before + s.evidence_after:
        assert {"doc_id", "text", "speaker", "date", "source", "stance", "prob"} <= set(e)
    probs = [e["prob"] for e in s.evidence_before]
    assert probs == sorted(probs, reverse=True)
    assert all(e["date"] < s.date for e in s.evidence_before)
    assert all(e["date"] >= s.date for e in s.evidence_after)


@pytest.mark.parametrize("seed", SEEDS)
def test_planted_shift_by_week(seed):
    frame = make_results(seed, changes=RUSSIA_TURN, days=56, per_day=3, start="2024-11-11")
    shifts = find_shifts(frame, by="week")
    assert [(s.actor, s.target) for s in shifts] == [("russia", "armed_opposition")]
    assert pd.Timestamp(shifts[0].date).day_of_week == 0  # periods start on Monday
    assert _days_apart(shifts[0].date, SPLIT) <= 7


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("by", ["day", "week"])
def test_no_shift_in_noise(seed, by):
    assert find_shifts(make_results(100 + seed, days=40), by=by) == []


def test_two_shifts_are_both_found():
    changes = {("iran", "political_solution"): ((0.1, 0.1, 0.8), (0.8, 0.1, 0.1))}
    frame = make_results(7, changes=changes, days=40, start="2024-11-18")
    back = frame["date"] >= "2024-12-18"
    mask = (frame["actor"] == "iran") & back
    frame.loc[mask, "stance_political_solution"] = "against"
    shifts = find_shifts(frame)
    dates = [s.date for s in shifts if (s.actor, s.target) == ("iran", "political_solution")]
    assert len(dates) == 2
    assert _days_apart(dates[0], SPLIT) <= 1 and _days_apart(dates[1], "2024-12-18") <= 1
    assert len(shifts) == 2


def test_thin_series_are_never_tested_and_are_reported():
    frame = make_results(3, changes=RUSSIA_TURN, counts={"russia": 0})
    extra = make_results(3, actors=("russia",), days=2, start="2024-12-07", counts={"russia": 2})
    frame = pd.concat([frame, extra], ignore_index=True)  # russia: 2 statements each side of the turn
    assert not [s for s in find_shifts(frame) if s.actor == "russia"]
    thin = thin_series(frame)
    assert set(thin.loc[thin["actor"] == "russia", "target"]) == set(TARGETS)
    assert (thin["n"] == 4).all()
    moved = report_sections(frame, by="day")[0]
    assert "Too few dated statements" in moved.html and "Russia" in moved.html


def test_min_n_applies_to_both_sides():
    frame = make_results(4, changes=RUSSIA_TURN)
    n_after = int(((frame["actor"] == "russia") & (frame["date"] >= "2024-12-08")).sum())
    assert find_shifts(frame, min_n=n_after + 1) == []
    thin = thin_series(frame, min_n=n_after + 1)
    assert ((thin["actor"] == "russia") & (thin["target"] == "armed_opposition")).any()


def test_net_stance_series_counts():
    frame = make_results(1, days=3)
    series = net_stance_series(frame, by="day")
    assert list(series.columns) == ["actor", "target", "period", "n", "favor", "against", "net"]
    one = series[(series["actor"] == "un") & (series["target"] == "armed_opposition")
                 & (series["period"] == "2024-11-28")].iloc[0]
    rows = frame[(frame["actor"] == "un") & (frame["date"] == "2024-11-28")]
    labels = rows["stance_armed_opposition"]
    assert one["n"] == len(rows)
    assert one["net"] == pytest.approx(((labels == "favor").sum() - (labels == "against").sum()) / len(rows))
    weeks = net_stance_series(frame, by="week")
    assert set(weeks["period"]) == {"2024-11-25"}
    keys = ["actor", "target"]
    assert weeks.groupby(keys)["n"].sum().equals(series.groupby(keys)["n"].sum())


def test_targets_come_from_columns():
    turn = {("hts", "ceasefire"): ((0.8, 0.1, 0.1), (0.1, 0.8, 0.1))}
    frame = make_results(2, targets=("ceasefire",), changes=turn)
    shifts = find_shifts(frame)
    assert [(s.actor, s.target) for s in shifts] == [("hts", "ceasefire")]
    assert alignments(frame).targets == ["ceasefire"]


def test_alignment_identical_profiles_are_most_similar_and_a_flip_shows():
    mix = {"assad_government": (0.7, 0.1, 0.2), "armed_opposition": (0.1, 0.7, 0.2),
           "political_solution": (0.3, 0.2, 0.5), "foreign_involvement": (0.6, 0.1, 0.3)}
    fixed = {(a, t): m for a in ("russia", "iran") for t, m in mix.items()}
    flip = {("turkey", t): (m, (m[1], m[0], m[2])) for t, m in mix.items()}
    frame = make_results(5, fixed=fixed, changes=flip, per_day=20)
    al = alignments(frame, split_date="2024-12-08")
    assert isinstance(al, Alignment) and al.actors[:3] == ["syrian_government", "hts", "russia"]
    others = al.overall.loc["russia"].drop("russia")
    assert others.idxmax() == "iran" and others.max() > 0.95
    assert al.before.at["russia", "turkey"] > 0.9
    assert al.after.at["russia", "turkey"] < -0.9
    assert al.n.at["russia", "before"] + al.n.at["russia", "after"] == al.n.at["russia", "overall"]
    assert np.allclose(al.overall.to_numpy(), al.overall.to_numpy().T, equal_nan=True)
    fig = alignment_figure(al)
    assert [t.type for t in fig.data] == ["heatmap", "heatmap"]
    order = list(fig.data[0].y)
    assert abs(order.index("Russia") - order.index("Iran")) == 1  # clustering keeps them together
    sides = report_sections(frame, by="day")[1]
    assert sides.title == "Who sides with whom"
    assert "<strong>Russia</strong> and <strong>Iran</strong> side together" in sides.html
    assert "<strong>Russia</strong> and <strong>Turkey</strong> drew apart" in sides.html


def test_alignment_thin_actor_is_not_compared():
    frame = make_results(6, counts={"un": 0})
    frame = pd.concat([frame, make_results(6, actors=("un",), days=1, per_day=3)], ignore_index=True)
    al = alignments(frame, min_n=5)
    assert al.overall.loc["un"].isna().all() and al.n.at["un", "overall"] < 5
    assert np.isfinite(al.overall.at["russia", "iran"])


def test_report_escapes_untrusted_text():
    evil = '<script>alert("x")</script> & <img src=x onerror=1>'
    frame = make_results(0, changes=RUSSIA_TURN, text=evil)
    frame["speaker"] = "<b>Lavrov</b>"
    frame["source"] = "<i>TASS</i>"
    sections = report_sections(frame, by="day")
    assert [s.title for s in sections] == ["Who moved", "Who sides with whom"]
    moved = sections[0]
    assert "Russia</strong> moved on <strong>Armed opposition" in moved.html
    for section in sections:
        for dumped in [section.html] + [fig.to_json() for fig in section.figures]:
            assert "<script" not in dumped and "<img" not in dumped and "<b>Lavrov" not in dumped
    assert "&lt;script&gt;" in moved.html and "&amp;" in moved.html
    hover = next(t for t in moved.figures[0].data if t.name == "shift").hovertext[0]
    assert "&lt;script&gt;" in hover and "&lt;b&gt;Lavrov" in hover


def test_shift_figure_traces():
    frame = make_results(1, changes=RUSSIA_TURN)
    shifts = find_shifts(frame)
    fig = shift_figure(frame, shifts, by="day")
    lines = [t for t in fig.data if t.name != "shift"]
    assert len(lines) == len(ACTORS) * len(TARGETS)
    assert sum(t.showlegend for t in lines) == len(ACTORS)
    stars = [t for t in fig.data if t.name == "shift"]
    assert len(stars) == 1 and list(stars[0].x) == [shifts[0].date]
    assert "Russia" in stars[0].hovertext[0]
    russia = next(t for t in lines if t.name == "Russia")
    assert russia.line.color == "#2c3e90"


def test_format_shifts():
    assert format_shifts([]) == "No shifts found."
    s = Shift("russia", "armed_opposition", "2024-12-08", -0.6, 0.5, 1.1, 1e-9, 40, 30, [], [])
    text = format_shifts([s])
    head, row = text.splitlines()
    assert head.split()[:3] == ["date", "actor", "target"]
    assert "2024-12-08" in row and "Russia" in row and "+1.10" in row and "40" in row


def test_degenerate_inputs():
    frame = make_results(0, days=2)
    assert find_shifts(frame.iloc[:0]) == []
    assert net_stance_series(frame.iloc[:0]).empty
    undated = frame.drop(columns=["date"])
    assert find_shifts(undated) == []
    assert len(thin_series(undated)) == len(ACTORS) * len(TARGETS)
    assert np.isfinite(alignments(undated).overall.to_numpy()).any()
    assert len(report_sections(undated)) == 2
    with pytest.raises(ValueError):
        find_shifts(frame, by="month")


def test_no_model_imports():
    code = "import sys, stance.shifts; bad = {'torch', 'transformers'} & set(sys.modules); assert not bad"
    subprocess.run([sys.executable, "-c", code], check=True)
