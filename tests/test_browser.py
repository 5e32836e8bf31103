"""The report and the explorer in a real browser: Debian's chromium driven by Playwright.

Skipped when chromium or playwright is missing, unless STANCE_REQUIRE_BROWSER=1 (then they
fail). Playwright never downloads a browser here: it launches the chromium on PATH.
Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from stance.report import write_report
from stance.results import read_results
from stance.shifts import report_sections

pytestmark = pytest.mark.browser

RESULTS = Path(__file__).parent / "data" / "results_small.jsonl"
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _playwright():
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright, reason = None, "playwright is not installed"
    if shutil.which("chromium") is None:
        reason = "Debian's chromium is not on PATH"
    if reason:
        if os.environ.get("STANCE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"STANCE_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    return sync_playwright


@pytest.fixture(scope="module")
def browser():
    sync_playwright = _playwright()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                     args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A page that records console errors, page errors and any dialog (an alert would be a bug)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.type} {d.message}"), d.dismiss()))
    yield page
    context.close()


def _rendered(page, selector: str = ".js-plotly-plot") -> tuple[int, int]:
    """How many plotly figures match the selector, and how many of them drew an SVG."""
    return tuple(page.evaluate("""sel => {
        const divs = Array.from(document.querySelectorAll(sel));
        return [divs.length, divs.filter(d => d.querySelector('.main-svg')).length];
    }""", selector))


def _svg_text(page, selector: str) -> str:
    return page.evaluate("sel => Array.from(document.querySelectorAll(sel + ' text')).map(t => t.textContent)"
                         ".join('\\n')", selector)


def _hover_texts(page, div_id: str, needle: str) -> list[str]:
    """Hover (through plotly.js) every point whose hover text holds needle; return the labels shown."""
    points = page.evaluate("""([id, needle]) => {
        const points = [];
        document.getElementById(id).data.forEach((trace, i) => (trace.hovertext || []).forEach((text, j) => {
            if (typeof text === 'string' && text.includes(needle)) points.push([i, j]);
        }));
        return points;
    }""", [div_id, needle])
    shown = []
    for curve, point in points:
        page.wait_for_timeout(120)  # plotly throttles hover events
        shown.append(page.evaluate("""([id, i, j]) => {
            const gd = document.getElementById(id), trace = gd._fullData[i];
            Plotly.Fx.hover(gd, [{curveNumber: i, pointNumber: j}], trace.xaxis + trace.yaxis);
            return gd.querySelector('.hoverlayer').textContent;
        }""", [div_id, curve, point]))
    return shown


def test_report_renders_every_figure_and_runs_no_statement(tmp_path, page):
    out = write_report(RESULTS, tmp_path / "report.html")
    sections = report_sections(read_results(RESULTS), by="week", min_n=5, split_date="2024-12-08")
    expected = 6 + sum(len(s.figures) for s in sections)
    page.goto(out.as_uri())
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {expected}",
                           timeout=30_000)
    assert _rendered(page) == (expected, expected)
    assert page.locator("#summary table.headline tr").count() == 5  # header + one row per target
    # statement text shows as text: in the quote table's cells and in hover labels
    cells = "".join(_svg_text(page, "#fig-quotes").split())  # table cells wrap into lines
    for text in ("<script>alert(1)</script>Theterroristgroupswillberepelled.", "<b>bold</b>Wehope",
                 "<imgsrc=xonerror=alert(1)>HTScommander"):
        assert text in cells
    hovers = _hover_texts(page, "fig-quotes", "&lt;script&gt;")
    assert hovers and all("<script>alert(1)</script>" in h for h in hovers)
    hovers = _hover_texts(page, "fig-timeline", "&lt;img")
    assert hovers and all("<img src=x onerror=alert(1)>" in h for h in hovers)
    assert any("<b>bold</b>" in h for h in _hover_texts(page, "fig-quotes", "&lt;b&gt;bold"))
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("document.querySelectorAll('a[href^=\"http\"]').length") == 0
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    page.locator("#position-map").screenshot(path=str(ARTIFACTS / "report_position_map.png"))
    assert page.problems == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def explorer_url():
    port = _free_port()
    code = f"from stance.explorer import serve; serve({str(RESULTS)!r}, port={port})"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(150):
            if proc.poll() is not None:
                pytest.fail(f"explorer exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("explorer did not start in 30 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _settle(page) -> None:
    """Wait until Dash has no callback in flight."""
    page.wait_for_function("!document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=30_000)


def _open_tab(page, name: str) -> None:
    page.locator(".tab", has_text=re.compile(f"^{name}$")).click()


def _table_rows(page) -> int:
    return page.locator('#statements-table td[data-dash-column="text"]').count()


def test_explorer_figures_filters_and_safety(explorer_url, page):
    page.goto(explorer_url)
    page.wait_for_selector("#position-map .main-svg", timeout=30_000)
    page.wait_for_function("document.getElementById('row-count').textContent.includes('statements')")
    assert page.inner_text("#row-count") == "34 of 34 statements"
    assert _rendered(page) == (1, 1)

    # click Russia × Assad government: its statements are listed, the script one as plain text
    box = page.evaluate("""() => {
        const gd = document.querySelector('#position-map .js-plotly-plot');
        const r = gd.querySelector('.nsewdrag').getBoundingClientRect();
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        return [r.left + xa.l2p(xa.d2l('Assad government')), r.top + ya.l2p(ya.d2l('Russia'))];
    }""")
    page.mouse.click(*box)
    page.wait_for_function("document.getElementById('cell-statements').textContent.includes('Russia on')")
    listed = page.inner_text("#cell-statements")
    assert "Russia on Assad government: 7 statements" in listed
    assert "<script>alert(1)</script> The terrorist groups will be repelled." in listed
    page.screenshot(path=str(ARTIFACTS / "explorer.png"), full_page=True)

    # the table, then a filter that changes it
    _open_tab(page, "Statements")
    page.wait_for_selector('#statements-table td[data-dash-column="text"]')
    before = _table_rows(page)
    assert before == 25  # one full page
    assert page.locator("#statements-table button.export").count() == 1
    for name in ("Syrian government (Assad)", "HTS / caretaker govt", "Russia"):
        page.locator("#f-actor").get_by_label(name).uncheck()
    page.wait_for_function("document.getElementById('row-count').textContent.startsWith('15 of')")
    page.wait_for_function("document.querySelectorAll('#statements-table td[data-dash-column=\"text\"]')"
                           ".length === 15")
    assert _table_rows(page) == 15 < before
    actors = set(page.locator('#statements-table td[data-dash-column="actor"]').all_inner_texts())
    assert not actors & {"Russia", "HTS / caretaker govt", "Syrian government (Assad)"}
    assert any("<b>bold</b>" in t for t in page.locator('#statements-table td[data-dash-column="text"]')
               .all_inner_texts())
    page.screenshot(path=str(ARTIFACTS / "explorer_filtered.png"), full_page=True)

    _open_tab(page, "Charts")
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4",
                           timeout=30_000)
    # the charts follow the filter: Turkey is drawn, the unchecked actors are not
    page.wait_for_function("""() => {
        const t = Array.from(document.querySelectorAll('#stance-bars text'), e => e.textContent).join(' ');
        return t.includes('Turkey') && !t.includes('Russia') && !t.includes('HTS');
    }""", timeout=30_000)
    _settle(page)
    assert _rendered(page) == (4, 4)
    page.screenshot(path=str(ARTIFACTS / "explorer_charts.png"), full_page=True)

    _open_tab(page, "Shifts")
    page.wait_for_selector("#shift-sections iframe", timeout=30_000)
    page.wait_for_function("document.querySelectorAll('#shift-sections .main-svg').length >= 2",
                           timeout=30_000)
    assert page.evaluate("Array.from(document.querySelectorAll('#shift-sections iframe'))"
                         ".every(f => f.getAttribute('sandbox') === '')")
    _settle(page)
    assert "Who moved" in page.inner_text("#shift-sections")
    page.screenshot(path=str(ARTIFACTS / "explorer_shifts.png"))
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.problems == []
