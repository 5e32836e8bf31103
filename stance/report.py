"""``stance report``: one self-contained HTML file of figures, headline, shifts and methods.

The file needs no network: plotly.js is embedded once in the head and every figure is
written without it. All data text is escaped (``html.escape``) before it reaches the HTML,
and figures escape their own hover text (``stance.figures.esc``).
"""

from __future__ import annotations

import hashlib
import html
import os
import tempfile
from pathlib import Path

import pandas as pd
import plotly.io as pio
import plotly.offline

from stance import figures as F
from stance.results import read_results
from stance.style import actor_color, actor_name, stance_name, target_name

CONFIG = {"displaylogo": False, "responsive": True}
QUOTE_ROWS = 3000  # statements listed in the report's quote table (all of them in the explorer)

SECTIONS = (  # (anchor, title, explanation)
    ("position-map", "Position map",
     "Net stance is the share of an actor's statements in favour of a target minus the share against it "
     "(+1: all in favour, −1: all against). Hover a cell for n and a 95% bootstrap interval; grey cells "
     "have too few statements to show."),
    ("stance-bars", "Favor, none and against",
     "The same statements as shares: against to the left of zero, favor to the right, statements taking no "
     "position split around zero. Faded bars rest on fewer than the minimum number of statements."),
    ("timeline", "Over time",
     "Net stance per actor and period; a marker's size grows with its number of statements. The small "
     "diamonds are the single statements behind each point (favor +1, none 0, against −1); hover them "
     "for their words."),
    ("sources", "Outlets",
     "Which actors each outlet quotes (share of voice), and the net stance of each actor as each outlet "
     "reports it."),
    ("quotes", "Quotes",
     "Every statement by date and actor; hover a marker for its words, or scroll the table."),
    ("confidence", "Model confidence",
     "How sure the model is of its labels: the highest stance probability per statement and target, and "
     "the actor probability. The heatmap shows how many labels of each actor fall below the threshold."),
)


def _e(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else html.escape(str(value))


def _dates(frame: pd.DataFrame) -> pd.Series:
    if "date" not in frame:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame["date"], errors="coerce")


def _figure_html(fig, div_id: str) -> str:
    height = f"{int(fig.layout.height or 450)}px"
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, config=CONFIG, div_id=div_id,
                       default_height=height, default_width="100%")


def _quote(frame: pd.DataFrame, actor: str, target: str, label: str) -> str:
    """The most confident statement of an actor with a given label toward a target, as HTML."""
    rows = frame[(frame["actor"] == actor) & (frame[f"stance_{target}"] == label)]
    if rows.empty:
        return ""
    best = rows.loc[F.stance_confidence(rows, target).fillna(0).idxmax()]
    return (f'<blockquote>“{_e(best.get("text"))}” — {_e(best.get("speaker")) or "unnamed"}'
            f'{", " + _e(best.get("source")) if _e(best.get("source")) else ""}'
            f'{", " + _e(best.get("date")) if _e(best.get("date")) else ""}</blockquote>')


def _actor_span(actor: str) -> str:
    return f'<span class="actor" style="--c:{actor_color(actor)}">{_e(actor_name(actor))}</span>'


def _extreme(frame, cells: pd.DataFrame, target: str, label: str) -> str:
    if cells.empty:
        return '<td class="none">–</td>'
    best = cells["net"].max() if label == "favor" else cells["net"].min()
    if (label == "favor" and best <= 0) or (label == "against" and best >= 0):
        side = "in favour" if label == "favor" else "against"
        return f'<td class="none">no actor is on balance {side}</td>'
    top = cells[cells["net"] == best]
    claims = "".join(
        f"<p>{_actor_span(r.actor)} net {r.net:+.2f} (n={r.n}; {r.n_favor} favor, {r.n_against} against; "
        f"95% CI {r.ci_low:+.2f} to {r.ci_high:+.2f})</p>{_quote(frame, r.actor, target, label)}"
        for r in top.itertuples()
    )
    return f"<td>{claims}</td>"


def headline_html(frame: pd.DataFrame, min_n: int) -> str:
    """Per target: which actors are most for and most against (among those with n ≥ min_n)."""
    table = F.net_stance_table(frame, min_n)
    rows = []
    for target in F.targets(frame):
        cells = table[(table["target"] == target) & ~table["masked"]]
        thin = table[(table["target"] == target) & table["masked"] & (table["n"] > 0)]
        thin_text = ", ".join(f"{_e(actor_name(r.actor))} (n={r.n})" for r in thin.itertuples()) or "–"
        rows.append(f"<tr><th>{_e(target_name(target))}</th>{_extreme(frame, cells, target, 'favor')}"
                    f"{_extreme(frame, cells, target, 'against')}<td class=\"thin\">{thin_text}</td></tr>")
    return ('<table class="headline"><thead><tr><th>Target</th><th>Most in favour</th><th>Most against</th>'
            f"<th>Too few statements (n &lt; {min_n})</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def methods_html(frame: pd.DataFrame, results_path: Path, *, min_n: int, split_date: str, by: str) -> str:
    """Model, data, thresholds and date range behind the report."""
    models = []
    cols = [c for c in ("model_name", "model_version", "model_hash") if c in frame]
    if cols:
        for key, group in frame.groupby(cols, dropna=False, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            parts = dict(zip(cols, key, strict=True))
            models.append(f"<li>{_e(parts.get('model_name')) or 'unnamed model'}, version "
                          f"{_e(parts.get('model_version')) or '–'}, hash "
                          f"<code>{_e(parts.get('model_hash')) or '–'}</code> ({len(group)} statements)</li>")
    dates = _dates(frame)
    span = (f"{dates.min():%d %B %Y} to {dates.max():%d %B %Y}" if dates.notna().any() else "no dates")
    undated = int(dates.isna().sum())
    n_sources = frame["source"].dropna().nunique() if "source" in frame else 0
    digest = hashlib.sha256(results_path.read_bytes()).hexdigest()[:16]
    stances = ", ".join(stance_name(s) for s in F.STANCES)
    return f"""
<ul>
<li><b>Model</b>: <ul>{''.join(models) or '<li>not recorded in the results file</li>'}</ul></li>
<li><b>Data</b>: {len(frame)} statements from {frame['doc_id'].nunique()} articles in {n_sources} outlets,
dated {span}{f' ({undated} undated)' if undated else ''}; {len(F.actors(frame))} actors,
{len(F.targets(frame))} targets; results file <code>{_e(results_path.name)}</code> (sha256 {digest}…).</li>
<li><b>Net stance</b>: share favor − share against over an actor's statements toward a target
(labels: {stances}). Its 95% interval is a percentile bootstrap of {F.N_BOOT} resamples (seed {F.SEED}).</li>
<li><b>Thresholds</b>: cells, bars and outlet points with fewer than {min_n} statements are masked or faded
and no shift is called with fewer than {min_n} statements on a side; a label is low-confidence when its
probability is below {F.LOW_CONFIDENCE:g}. Time series are binned by {_e(by)}; alignments compare before and
from {_e(split_date)}.</li>
<li><b>Caveats</b>: labels are model predictions, not annotations; outlets choose whom they quote, so
counts describe coverage as much as positions.</li>
</ul>"""


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1280px;margin:0 auto;padding:1.5rem 2rem 4rem;background:#fff}
h1{margin:.2rem 0 .4rem}h2{margin-top:2.4rem;border-bottom:2px solid #eee;padding-bottom:.3rem}
.lead{color:#555}nav a{margin-right:1rem;color:#2c3e90}
table{border-collapse:collapse;width:100%;margin:.8rem 0;font-size:.92rem}
th,td{border:1px solid #e2e2e2;padding:.45rem .6rem;text-align:left;vertical-align:top}
thead th{background:#f4f4f4}td.none,td.thin{color:#777}
blockquote{margin:.3rem 0 .6rem;padding:.2rem .6rem;border-left:3px solid #ccc;color:#444;font-size:.88rem}
.actor{font-weight:600;border-left:.7em solid var(--c);padding-left:.35em}
.figure{margin:.6rem 0 1.4rem}ul.evidence{font-size:.9rem}code{font-size:.85rem}
"""


def _page(title: str, body: str) -> str:
    js = plotly.offline.get_plotlyjs()
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{title}</title>\n'
            f"<style>{_CSS}</style>\n<script>window.PlotlyConfig = {{MathJaxConfig: 'local'}};</script>\n"
            f'<script type="text/javascript">{js}</script>\n</head>\n<body>\n<main>\n{body}\n</main>\n'
            "</body>\n</html>\n")


def render_report(frame: pd.DataFrame, results_path: Path, *, min_n: int = 5, split_date: str = "2024-12-08",
                  by: str = "week") -> str:
    """The report as an HTML string."""
    title = f"Stance report: {_e(results_path.name)}"
    if frame.empty:
        return _page(title, f"<h1>{title}</h1><p>The results file holds no statements.</p>")
    from stance.shifts import report_sections

    figures = {
        "position-map": F.position_map(frame, min_n),
        "stance-bars": F.stance_bars(frame, min_n),
        "timeline": F.timeline(frame, by=by),
        "sources": F.sources(frame, min_n),
        "quotes": F.quote_table(frame, max_rows=QUOTE_ROWS),
        "confidence": F.confidence(frame),
    }
    sections = report_sections(frame, by=by, min_n=min_n, split_date=split_date)
    nav = [(anchor, name) for anchor, name, _ in SECTIONS]
    nav += [(f"shifts-{i}", s.title) for i, s in enumerate(sections)] + [("methods", "Methods")]
    dates = _dates(frame)
    span = f", {dates.min():%d %b %Y} – {dates.max():%d %b %Y}" if dates.notna().any() else ""
    body = [
        f"<h1>Who stands where: {len(F.actors(frame))} actors on {len(F.targets(frame))} targets</h1>",
        f'<p class="lead">{len(frame)} statements from {frame["doc_id"].nunique()} articles{span}. '
        f"Results file <code>{_e(results_path.name)}</code>.</p>",
        "<nav>" + "".join(f'<a href="#{a}">{_e(n)}</a>' for a, n in [("summary", "Headline"), *nav])
        + "</nav>",
        f'<section id="summary"><h2>Headline</h2><p>For each target, the actors with the highest and lowest '
        f"net stance among those with at least {min_n} statements, each with its most confident statement."
        f"</p>{headline_html(frame, min_n)}</section>",
    ]
    for anchor, name, explanation in SECTIONS:
        body.append(f'<section id="{anchor}"><h2>{_e(name)}</h2><p>{_e(explanation)}</p><div class="figure">'
                    f"{_figure_html(figures[anchor], f'fig-{anchor}')}</div></section>")
    for i, section in enumerate(sections):
        figs = "".join(f'<div class="figure">{_figure_html(fig, f"fig-shifts-{i}-{j}")}</div>'
                       for j, fig in enumerate(section.figures))
        body.append(f'<section id="shifts-{i}"><h2>{_e(section.title)}</h2>{section.html}{figs}</section>')
    body.append(f'<section id="methods"><h2>Methods</h2>'
                f"{methods_html(frame, results_path, min_n=min_n, split_date=split_date, by=by)}</section>")
    return _page(title, "\n".join(body))


def write_report(results_path, out_path, *, min_n=5, split_date="2024-12-08", by="week") -> Path:
    """Write the self-contained HTML report of a results file; returns its path."""
    results_path, out_path = Path(results_path), Path(out_path)
    page = render_report(read_results(results_path), results_path, min_n=min_n, split_date=split_date, by=by)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(page)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out_path
