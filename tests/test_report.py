"""The offline HTML report: self-contained, complete, escaped, written atomically."""

from __future__ import annotations

import re
from pathlib import Path

import plotly.offline
import pytest

from stance import report as R
from stance.results import read_results
from stance.shifts import report_sections

RESULTS = Path(__file__).parent / "data" / "results_small.jsonl"
PAYLOADS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<b>bold</b>", '<a href="http://x">')


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert R.write_report(RESULTS, out) == out
    return out.read_text("utf-8")


def section(page: str, anchor: str) -> str:
    start = page.index(f'<section id="{anchor}">')
    return page[start:page.index("</section>", start)]


def test_plotly_js_is_embedded_once_and_nothing_is_fetched(page):
    js = plotly.offline.get_plotlyjs()
    assert page.count(js[:200]) == 1 and page.count(js) == 1
    rest = page.replace(js, "")
    assert not re.search(r"<script[^>]*\bsrc=", rest)
    assert "cdn.plot.ly" not in rest and "<link" not in rest
    assert not re.search(r"""(?:src|href)=["']?https?:""", rest)


def test_every_figure_and_section_is_there(page):
    frame = read_results(RESULTS)
    sections = report_sections(frame, by="week", min_n=5, split_date="2024-12-08")
    figures = len(R.SECTIONS) + sum(len(s.figures) for s in sections)
    assert page.count('class="plotly-graph-div"') == figures
    for anchor, *_ in R.SECTIONS:
        assert f'id="fig-{anchor}"' in page
    for s in sections:
        assert f"<h2>{s.title}</h2>" in page and s.html in page
    for anchor in ("summary", "methods"):
        assert f'<section id="{anchor}">' in page
    # the only scripts: plotly's config, plotly.js itself, one per figure
    assert page.count("<script") == 2 + figures


def test_headline_names_the_extremes_with_n(page):
    head = section(page, "summary")
    rows = dict(re.findall(r"<tr><th>([^<]+)</th>(.*?)</tr>", head, flags=re.S))
    assad = rows["Assad government"]
    favour, against, thin = re.findall(r"<td[^>]*>(.*?)</td>", assad, flags=re.S)
    assert "Syrian government (Assad)" in favour and "net +0.83 (n=6" in favour
    assert "HTS / caretaker govt" in against and "net -0.83 (n=6" in against
    assert "Iran (n=2)" in thin and "United States (n=4)" in thin
    assert "no actor is on balance against" in rows["Political solution"]
    assert "<blockquote>" in favour  # the claim's evidence


def test_methods_note(page):
    methods = section(page, "methods")
    for text in ("stance-minilm", "0.1.0", "abc123def456", "34 statements from 34 articles in 5 outlets",
                 "01 December 2024 to 12 December 2024", "(1 undated)", "fewer than 5 statements",
                 "1000 resamples", "results_small.jsonl"):
        assert text in methods, text


def test_statement_text_is_escaped(page):
    for payload in PAYLOADS:
        assert payload not in page, payload
    assert "&lt;script&gt;alert(1)" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    html_only = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    assert "<img" not in html_only and "<a " not in html_only.replace('<a href="#', "")


def test_thresholds_reach_the_figures(tmp_path):
    out = R.write_report(RESULTS, tmp_path / "r.html", min_n=2, by="day", split_date="2024-12-05")
    page = out.read_text("utf-8")
    assert "fewer than 2 statements" in section(page, "methods")
    assert "cells with n \\u003c 2 masked" in page  # the position map's title, inside its JSON
    assert "Iran (n=2)" not in section(page, "summary")
    assert "binned by day" in page and "2024-12-05" in section(page, "methods")


def test_written_atomically(tmp_path, monkeypatch):
    out = tmp_path / "sub" / "report.html"
    R.write_report(RESULTS, out)
    before = out.read_bytes()
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(R.os, "replace", boom)
    with pytest.raises(RuntimeError):
        R.write_report(RESULTS, out, min_n=3)
    assert out.read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]


def test_report_is_deterministic(tmp_path):
    a = R.write_report(RESULTS, tmp_path / "a.html").read_text("utf-8")
    b = R.write_report(RESULTS, tmp_path / "b.html").read_text("utf-8")
    assert a == b


def test_empty_results_file(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    page = R.write_report(empty, tmp_path / "r.html").read_text("utf-8")
    assert "holds no statements" in page
