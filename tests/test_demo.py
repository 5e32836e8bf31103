"""The README's main command end to end: `stance demo` with the bundled model on the
seed article and the bundled sample collection, then its report in a real browser
(figures, shifts and alignment sections all rendered)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from stance.pipeline import default_model_path
from stance.results import read_results, targets_of

pytestmark = pytest.mark.slow

SEED_ID = "000_a909801c9f83239d"


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    if not (default_model_path() / "model.safetensors").exists():
        pytest.skip("the default model is not in models/ (train it: see README)")
    out = tmp_path_factory.mktemp("demo")
    proc = subprocess.run([sys.executable, "-m", "stance.cli", "demo", "-o", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "report:" in proc.stderr and "articles scored" in proc.stderr
    return out


def test_demo_scores_the_seed_and_the_sample(demo_dir):
    frame = read_results(demo_dir / "results.jsonl")
    assert frame["doc_id"].nunique() == 259  # the seed article + 258 sample articles
    seed = frame[frame["doc_id"] == SEED_ID]
    assert 30 <= len(seed) <= 50  # about 40 statements in the seed article
    assert set(targets_of(frame.columns)) == {
        "assad_government", "armed_opposition", "political_solution", "foreign_involvement"}
    lavrov = seed[seed["speaker"].str.contains("Lavrov", na=False)]
    assert len(lavrov) == 1 and lavrov["actor"].iloc[0] == "russia"
    probs = frame[[c for c in frame.columns if c.startswith("p_")]].to_numpy()
    assert ((probs >= 0) & (probs <= 1)).all()
    first = json.loads((demo_dir / "results.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert set(first["stance"]) == set(targets_of(frame.columns))
    assert (demo_dir / "results.errors.jsonl").read_text(encoding="utf-8") == ""


def test_demo_report_renders_in_a_browser(demo_dir, page):  # noqa: F811 (the fixture imported below)
    from test_browser import ARTIFACTS, _rendered

    report = demo_dir / "report.html"
    html = report.read_text(encoding="utf-8")
    assert "Who moved" in html and "Who sides with whom" in html
    assert not re.search(r"<script[^>]+src=[\"']?https?:", html)  # offline: nothing loaded from a CDN
    assert html.count("Plotly.newPlot") >= 6
    page.goto(report.as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 8",
                           timeout=60_000)
    total, drawn = _rendered(page)
    assert total == drawn and total >= 8
    assert page.problems == []
    page.screenshot(path=str(ARTIFACTS / "demo_report.png"), full_page=True)


from test_browser import browser, page  # noqa: E402,F401  (the real-browser fixtures)
