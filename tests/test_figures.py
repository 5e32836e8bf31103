"""Figures and their aggregates, checked against counts made by hand from tests/data/results_small.jsonl."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from stance import figures as F
from stance.results import read_results
from stance.style import actor_name, target_name

RESULTS = Path(__file__).parent / "data" / "results_small.jsonl"
TARGETS = ["assad_government", "armed_opposition", "political_solution", "foreign_involvement"]
ORDER = ["syrian_government", "hts", "russia", "iran", "turkey", "us", "un", "other"]  # display order
PAYLOADS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<b>bold</b>", '<a href="http://x">')


@pytest.fixture(scope="module")
def frame():
    return read_results(RESULTS)


@pytest.fixture(scope="module")
def rows():
    return [json.loads(line) for line in RESULTS.read_text("utf-8").splitlines()]


def hand_counts(rows, actor, target, keep=lambda r: True):
    counts = Counter(r[f"stance_{target}"] for r in rows if r["actor"] == actor and keep(r))
    n = sum(counts.values())
    return n, counts["favor"], counts["against"], (counts["favor"] - counts["against"]) / n if n else math.nan


def strings(obj):
    """Every string inside a plotly figure's JSON."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from strings(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            yield from strings(value)


def test_targets_and_actors_come_from_the_data(frame):
    assert F.targets(frame) == TARGETS
    assert F.actors(frame) == ORDER


def test_net_stance_table_matches_hand_counts(frame, rows):
    table = F.net_stance_table(frame, min_n=5)
    assert list(table["actor"]) == [a for a in ORDER for _ in TARGETS]
    assert list(table["target"]) == TARGETS * len(ORDER)
    for r in table.itertuples():
        n, favor, against, net = hand_counts(rows, r.actor, r.target)
        assert (r.n, r.n_favor, r.n_against) == (n, favor, against)
        assert r.net == pytest.approx(net)
        assert r.favor + r.none + r.against == pytest.approx(1.0)
        assert r.masked == (n < 5)
        assert r.ci_low - 1e-9 <= r.net <= r.ci_high + 1e-9
    russia = table[(table.actor == "russia") & (table.target == "assad_government")].iloc[0]
    assert (russia.n, russia.n_favor, russia.n_against, russia.net) == (7, 3, 0, pytest.approx(3 / 7))
    masked = set(table.loc[table["masked"], "actor"])
    assert masked == {"iran", "us", "un", "other"}  # n = 2, 4, 3, 1


def test_min_n_moves_the_mask(frame):
    table = F.net_stance_table(frame, min_n=4)
    assert set(table.loc[table["masked"], "actor"]) == {"iran", "un", "other"}


def test_bootstrap_interval_is_seeded_and_sane():
    assert F.bootstrap_interval(3, 4, 0) == F.bootstrap_interval(3, 4, 0)
    assert F.bootstrap_interval(5, 0, 0) == (1.0, 1.0)
    low, high = F.bootstrap_interval(30, 40, 30)
    assert -0.3 < low < 0 < high < 0.3
    assert all(math.isnan(x) for x in F.bootstrap_interval(0, 0, 0))


def test_position_map_draws_net_stance_and_masks_thin_cells(frame, rows):
    fig = F.position_map(frame, min_n=5)
    mask, heat = fig.data
    assert list(heat.y) == [actor_name(a) for a in ORDER]
    assert list(heat.x) == [target_name(t) for t in TARGETS]
    for i, actor in enumerate(ORDER):
        for j, target in enumerate(TARGETS):
            n, _, _, net = hand_counts(rows, actor, target)
            if n < 5:
                assert heat.z[i][j] is None and mask.z[i][j] == 0
                assert f"only {n} statements" in mask.hovertext[i][j]
            else:
                assert heat.z[i][j] == pytest.approx(net)
                assert mask.z[i][j] is None
                assert f"n={n}" in heat.hovertext[i][j] and "95% CI" in heat.hovertext[i][j]
            assert list(heat.customdata[i][j]) == [actor, target]
    assert (heat.zmin, heat.zmax) == (-1, 1)


def test_position_map_follows_the_target_columns(frame):
    two = frame.drop(columns=[c for c in frame.columns if any(t in c for t in TARGETS[2:])])
    assert list(F.position_map(two).data[1].x) == ["Assad government", "Armed opposition"]
    extra = frame.assign(stance_ceasefire="favor", p_ceasefire_favor=0.9, p_ceasefire_against=0.05,
                         p_ceasefire_none=0.05)
    fig = F.position_map(extra)
    assert list(fig.data[1].x)[-1] == "Ceasefire"
    assert fig.data[1].z[ORDER.index("russia")][-1] == pytest.approx(1.0)


def test_stance_bars_show_shares_per_actor_and_target(frame, rows):
    fig = F.stance_bars(frame, min_n=5)
    assert len(fig.data) == 4 * len(TARGETS)
    for trace in fig.data:
        target, stance = trace.meta
        assert list(trace.y) == [actor_name(a) for a in ORDER]
        for actor, x in zip(ORDER, trace.x, strict=True):
            counts = Counter(r[f"stance_{target}"] for r in rows if r["actor"] == actor)
            share = counts[stance] / sum(counts.values())
            expected = {"favor": share, "against": -share}.get(stance, math.copysign(share / 2, x))
            assert x == pytest.approx(expected)
    favor = [t for t in fig.data if t.meta == ("assad_government", "favor")][0]
    assert favor.x[ORDER.index("syrian_government")] == pytest.approx(5 / 6)


def test_timeline_table_by_day_and_week(frame, rows):
    week = F.timeline_table(frame, by="week")
    russia = week[(week.actor == "russia") & (week.target == "assad_government")]
    # Dec 1 (week of 25 Nov): favor; Dec 2, 3, 5: favor, favor, none; Dec 9, 10, 11: none x3
    assert [str(p.date()) for p in russia["period"]] == ["2024-11-25", "2024-12-02", "2024-12-09"]
    assert list(russia["n"]) == [1, 3, 3]
    assert list(russia["net"]) == pytest.approx([1.0, 2 / 3, 0.0])
    day = F.timeline_table(frame, by="day")
    dated = [r for r in rows if r["date"]]
    assert day.groupby("target")["n"].sum().to_dict() == dict.fromkeys(TARGETS, len(dated))
    assert "other" not in set(day["actor"])  # its only statement is undated
    with pytest.raises(ValueError):
        F.timeline_table(frame, by="month")


def test_timeline_figure_plots_the_table(frame):
    fig = F.timeline(frame, by="week")
    lines = {t.meta: t for t in fig.data if t.meta[2] == "net"}
    line = lines[("russia", "assad_government", "net")]
    assert list(line.y) == pytest.approx([1.0, 2 / 3, 0.0])
    assert "n=3" in line.hovertext[1] and "Sergei Lavrov" not in line.hovertext[1]
    marks = [t for t in fig.data if t.meta == ("russia", "assad_government", "statements")][0]
    assert len(marks.x) == 7  # one marker per dated statement
    assert line.line.color == marks.marker.color == "#2c3e90"
    counts = [t for t in fig.data if t.meta[2] == "count" and t.meta[0] == "russia"][0]
    assert list(counts.y) == [1, 3, 3]


def test_share_of_voice_and_net_by_source(frame, rows):
    voice = F.share_of_voice(frame)
    by_source = Counter((r["source"] or "Unknown source") for r in rows)
    assert list(voice["source"].unique()) == sorted(by_source, key=lambda s: (-by_source[s], s))
    assert voice.groupby("source")["share"].sum().to_numpy() == pytest.approx(1.0)
    afp_russia = voice[(voice.source == "AFP") & (voice.actor == "russia")].iloc[0]
    assert afp_russia.n == 3 and afp_russia.share == pytest.approx(3 / by_source["AFP"])
    nets = F.net_by_source(frame, min_n=2)
    tass = nets.set_index(["source", "actor", "target"]).loc[("TASS", "russia", "assad_government")]
    n, _, _, net = hand_counts(rows, "russia", "assad_government", lambda r: r["source"] == "TASS")
    assert (tass.n, tass.net, tass.masked) == (n, pytest.approx(net), n < 2)
    fig = F.sources(frame, min_n=2)
    bar = [t for t in fig.data if t.meta == ("russia", "voice")][0]
    assert list(bar.x) == pytest.approx(list(voice[voice.actor == "russia"]["share"]))


def test_quote_table_lists_every_statement(frame, rows):
    fig = F.quote_table(frame)
    table = [t for t in fig.data if t.type == "table"][0]
    columns = table.cells.values
    assert len(columns[0]) == len(rows)
    assert [h.replace("<b>", "").replace("</b>", "") for h in table.header.values][:4] == \
        ["Date", "Source", "Speaker", "Actor"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; The terrorist groups will be repelled." in columns[-1]
    strip = [t for t in fig.data if t.type == "scatter"]
    assert sum(len(t.x) for t in strip) == len([r for r in rows if r["date"]])
    assert len(F.quote_table(frame, max_rows=5).data[-1].cells.values[0]) == 5


def test_confidence_table_counts_low_labels(frame, rows):
    table = F.confidence_table(frame, threshold=0.6)
    for r in table.itertuples():
        mine = [x for x in rows if x["actor"] == r.actor]
        if r.target == "actor":
            scores = [x["actor_prob"] for x in mine]
        else:
            scores = [max(x[f"p_{r.target}_{s}"] for s in ("favor", "against", "none")) for x in mine]
        assert (r.n, r.n_low) == (len(scores), sum(s < 0.6 for s in scores))
    conf = F.statement_confidence(frame)
    first = rows[0]
    expected = min([first["actor_prob"]] + [max(first[f"p_{t}_{s}"] for s in ("favor", "against", "none"))
                                            for t in TARGETS])
    assert conf.iloc[0] == pytest.approx(expected)
    fig = F.confidence(frame)
    assert sum(fig.data[0].y) == len(rows) * len(TARGETS) and sum(fig.data[1].y) == len(rows)


def test_colours_and_names_are_fixed_across_figures(frame):
    colour = {}
    for fig in (F.timeline(frame), F.sources(frame), F.quote_table(frame)):
        for trace in fig.data:
            if trace.type in ("scatter", "bar") and trace.meta and trace.meta[0] in ORDER:
                colour.setdefault(trace.meta[0], set()).add(trace.marker.color)
    assert all(len(c) == 1 for c in colour.values()) and len(colour) >= 7
    for fig in F.FIGURES.values():
        assert "Syrian government (Assad)" in " ".join(strings(fig(frame).to_plotly_json()))


@pytest.mark.parametrize("name", list(F.FIGURES))
def test_figures_escape_statement_text(frame, name):
    texts = list(strings(F.FIGURES[name](frame).to_plotly_json()))
    for payload in PAYLOADS:
        assert not any(payload in s for s in texts), payload


def test_hover_text_escapes_the_payloads(frame):
    joined = "\n".join([*strings(F.timeline(frame).to_plotly_json()),
                        *strings(F.quote_table(frame).to_plotly_json())])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in joined
    assert "&lt;img src=x onerror=alert(1)&gt;" in joined
    assert "&lt;b&gt;bold&lt;/b&gt;" in joined
    assert F.esc('<a href="http://x">x</a> & co') == '&lt;a href="http://x"&gt;x&lt;/a&gt; &amp; co'
    assert F.esc(None) == "" and F.esc(np.nan) == ""
    assert F.wrap("<b>" + "word " * 40).count("<br>") >= 2 and "<b>" not in F.wrap("<b>x</b>")


def test_figures_handle_a_single_actor(frame):
    one = frame[frame["actor"] == "russia"]
    for fig in F.FIGURES.values():
        assert fig(one).data


def test_chart_modules_load_no_model():
    code = ("import sys, stance.figures, stance.report, stance.explorer; "
            "bad = [m for m in ('torch', 'transformers') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
