"""The Dash explorer without a browser: filters, table, clicked cells and callbacks over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dash import Dash

from stance import explorer as E
from stance.results import read_results

RESULTS = Path(__file__).parent / "data" / "results_small.jsonl"
TARGETS = ["assad_government", "armed_opposition", "political_solution", "foreign_involvement"]


@pytest.fixture(scope="module")
def frame():
    return read_results(RESULTS)


@pytest.fixture(scope="module")
def app():
    return E.create_app(RESULTS)


def find(component, component_id):
    """The component with this id in a Dash layout tree."""
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = find(child, component_id)
            if found is not None:
                return found
    return None


def call(app, output: str, values: dict, changed: str):
    """Run one callback through Dash's HTTP endpoint, as the browser does."""
    client = app.server.test_client()
    deps = {d["output"]: d for d in client.get("/_dash-dependencies").get_json()}
    dep = next(d for key, d in deps.items() if output in key)
    outputs = [dict(zip(("id", "property"), o.split("."), strict=True))
               for o in dep["output"].strip(".").split("...")]
    if not dep["output"].startswith(".."):  # a single output
        outputs = outputs[0]
    body = {"output": dep["output"], "outputs": outputs, "changedPropIds": [changed],
            "inputs": [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in dep["inputs"]],
            "state": [{**s, "value": values.get(f"{s['id']}.{s['property']}")} for s in dep.get("state", [])]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:500]
    return response.get_json()["response"]


def all_filters(frame, **changes):
    values = {"f-actor.value": sorted(set(frame["actor"])), "f-target.value": TARGETS,
              "f-dates.start_date": "2024-12-01", "f-dates.end_date": "2024-12-12", "f-source.value": [],
              "f-conf.value": 0}
    values.update(changes)
    return values


def test_layout_has_the_filters_views_and_csv_export(app):
    assert isinstance(app, Dash)
    for component_id in ("f-actor", "f-target", "f-dates", "f-source", "f-conf", "position-map",
                         "cell-statements", "row-count", "shifts-table", "shift-sections"):
        assert find(app.layout, component_id) is not None, component_id
    table = find(app.layout, "statements-table")
    assert table.export_format == "csv"
    assert [o["label"] for o in find(app.layout, "f-actor").options][:3] == \
        ["Syrian government (Assad)", "HTS / caretaker govt", "Russia"]
    tabs = [t.label for t in find(app.layout, "tabs").children]
    assert tabs == ["Positions", "Statements", "Charts", "Shifts"]


def test_filter_frame(frame):
    assert len(E.filter_frame(frame)) == len(frame)
    assert set(E.filter_frame(frame, actors=["russia"])["actor"]) == {"russia"}
    assert len(E.filter_frame(frame, actors=[])) == 0
    assert set(E.filter_frame(frame, sources=["TASS"])["source"]) == {"TASS"}
    assert len(E.filter_frame(frame, sources=[])) == len(frame)  # no outlet chosen: all of them
    full = E.filter_frame(frame, start="2024-12-01", end="2024-12-12")
    assert len(full) == len(frame)  # the undated statement stays while the range is not narrowed
    week = E.filter_frame(frame, start="2024-12-02", end="2024-12-08")
    assert week["date"].between("2024-12-02", "2024-12-08").all()
    dates = [d for d in frame["date"] if isinstance(d, str)]
    assert len(week) == sum("2024-12-02" <= d <= "2024-12-08" for d in dates)
    two = E.filter_frame(frame, targets=["assad_government", "political_solution"])
    assert [c for c in two.columns if c.startswith("stance_")] == ["stance_assad_government",
                                                                    "stance_political_solution"]
    assert not any(c.startswith("p_armed_opposition") for c in two.columns)
    sure = E.filter_frame(frame, min_confidence=0.8)
    assert 0 < len(sure) < len(frame)
    assert ((sure["actor_prob"] >= 0.8) & (sure["p_assad_government_favor"].notna())).all()


def test_table_records_are_readable_and_raw_text(frame):
    columns, records = E.table_records(frame)
    assert len(records) == len(frame)
    names = [c["name"] for c in columns]
    assert names[:4] == ["Date", "Outlet", "Speaker", "Actor"] and "Assad government" in names
    first = records[0]
    assert first["actor"] == "Russia" and first["stance_assad_government"] == "Favor"
    assert first["confidence"] == pytest.approx(0.92)
    # the DataTable shows strings as text, so they are passed unescaped
    assert any(r["text"].startswith("<script>alert(1)</script>") for r in records)
    assert all(c.get("presentation") != "markdown" for c in columns)
    json.dumps(records)  # serialisable as the callback's response


def test_cell_statements_order(frame):
    rows = E.cell_statements(frame, "russia", "assad_government")
    assert list(rows["stance_assad_government"]) == ["favor"] * 3 + ["none"] * 4
    probs = list(rows["p_assad_government_favor"][:3])
    assert probs == sorted(probs, reverse=True)
    assert E._clicked_cell({"x": "Assad government", "y": "Russia"}, ["russia"], TARGETS) == \
        ("russia", "assad_government")
    assert E._clicked_cell({"customdata": ["hts", "armed_opposition"]}, [], []) == ("hts", "armed_opposition")


def test_filter_callback_updates_the_table(app, frame):
    response = call(app, "row-count.children", all_filters(frame), "f-actor.value")
    assert response["row-count"]["children"] == f"{len(frame)} of {len(frame)} statements"
    response = call(app, "row-count.children", all_filters(frame, **{"f-actor.value": ["russia", "hts"]}),
                    "f-actor.value")
    data = response["statements-table"]["data"]
    assert len(data) == 13 and {r["actor"] for r in data} == {"Russia", "HTS / caretaker govt"}
    assert response["row-count"]["children"] == "13 of 34 statements"
    heat = response["position-map"]["figure"]["data"][1]
    assert heat["y"] == ["HTS / caretaker govt", "Russia"]


def test_clicking_a_cell_lists_its_statements(app, frame):
    values = all_filters(frame, **{"position-map.clickData": {"points": [{"x": "Assad government",
                                                                          "y": "HTS / caretaker govt"}]}})
    response = call(app, "cell-statements.children", values, "position-map.clickData")
    text = json.dumps(response)
    assert "HTS / caretaker govt on Assad government: 6 statements" in text
    assert "<img src=x onerror=alert(1)> HTS commander" in text  # a string child: rendered as text
    assert "https://example.org/d14" in text


def test_shifts_tab_callback(app, frame):
    response = call(app, "shift-sections.children", {**all_filters(frame), "shift-by.value": "week"},
                    "shift-by.value")
    text = json.dumps(response["shift-sections"]["children"])
    assert "Who moved" in text and "Who sides with whom" in text
    assert '"sandbox": ""' in text  # the sections' HTML runs in a frame without scripts
    assert isinstance(response["shifts-table"]["data"], list)


def test_empty_filter_shows_a_message(app, frame):
    response = call(app, "row-count.children", all_filters(frame, **{"f-target.value": []}), "f-target.value")
    assert response["row-count"]["children"].startswith("34 of 34")
    assert "No statements match" in json.dumps(response["position-map"]["figure"])
    response = call(app, "row-count.children", all_filters(frame, **{"f-actor.value": []}), "f-actor.value")
    assert response["row-count"]["children"] == "0 of 34 statements"


def test_serve_binds_localhost(monkeypatch):
    calls = []
    monkeypatch.setattr(Dash, "run", lambda self, **kw: calls.append(kw))
    E.serve(RESULTS, port=8123)
    E.serve(RESULTS, host="0.0.0.0", port=8124)
    assert calls[0]["host"] == "127.0.0.1" and calls[0]["port"] == 8123
    assert calls[1]["host"] == "0.0.0.0"
    assert calls[0].get("debug") is False


def test_empty_results_file(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    app = E.create_app(empty)
    assert "holds no statements" in json.dumps(app.layout.to_plotly_json(), default=str)
