"""``stance serve``: a Dash app to explore one results file.

Filters (actor, target, date range, outlet, minimum confidence) drive the position map, a
table of the statements (exportable as CSV), the other charts and a Shifts tab. Clicking a
position-map cell lists its statements with their article. Data text is only ever shown as
text: Dash components and the DataTable render strings, figures escape their hover text, and
the shifts sections' HTML is shown in a sandboxed frame that runs no script.
"""

from __future__ import annotations

import html as _html
import re
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from dash import Dash, Input, Output, State, dash_table, dcc, html, no_update

from stance import figures as F
from stance.results import read_results
from stance.style import actor_color, actor_name, stance_name, target_name

PAGE_SIZE = 25
MAX_LISTED = 200  # statements listed for one clicked cell
_TEXT_COLUMNS = ("date", "source", "speaker", "text", "title", "url")


# --- pure helpers (tested without a browser) -------------------------------------------------------


def filter_frame(frame: pd.DataFrame, *, actors=None, targets=None, start=None, end=None, sources=None,
                 min_confidence: float = 0.0) -> pd.DataFrame:
    """Statements matching the filters; ``None`` (or an empty source list) means no filter.

    Unselected targets lose their columns. Undated statements are kept unless the date range is
    narrowed. Confidence is ``figures.statement_confidence`` over the kept targets; a statement
    without probabilities passes only a minimum of 0.
    """
    keep = pd.Series(True, index=frame.index)
    if actors is not None:
        keep &= frame["actor"].isin(list(actors))
    if sources:
        keep &= F.source_labels(frame).isin(list(sources))
    if start or end:
        day = F.periods(frame, "day")
        in_range = pd.Series(True, index=frame.index)
        if start:
            in_range &= day >= pd.Timestamp(start)
        if end:
            in_range &= day <= pd.Timestamp(end)
        narrowed = bool(start and day.min() < pd.Timestamp(start))
        narrowed |= bool(end and day.max() > pd.Timestamp(end))
        keep &= in_range | (day.isna() & (not narrowed))
    out = frame[keep]
    if targets is not None:
        drop = [c for t in F.targets(frame) if t not in targets for c in out.columns
                if c == f"stance_{t}" or c.startswith(f"p_{t}_")]
        out = out.drop(columns=drop)
    if min_confidence and min_confidence > 0:
        out = out[F.statement_confidence(out) >= min_confidence]
    return out


def table_records(frame: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    """DataTable columns and rows of the statements: readable names, rounded confidence."""
    tgts = F.targets(frame)
    columns = [{"name": "Date", "id": "date"}, {"name": "Outlet", "id": "source"},
               {"name": "Speaker", "id": "speaker"}, {"name": "Actor", "id": "actor"}]
    columns += [{"name": target_name(t), "id": f"stance_{t}"} for t in tgts]
    columns += [{"name": "Confidence", "id": "confidence", "type": "numeric"},
                {"name": "Statement", "id": "text"}, {"name": "Article", "id": "title"},
                {"name": "URL", "id": "url"}]
    out = pd.DataFrame(index=frame.index)
    for col in _TEXT_COLUMNS:
        out[col] = frame[col].astype(object).where(frame[col].notna(), "") if col in frame else ""
    out["actor"] = [actor_name(a) if isinstance(a, str) else "" for a in frame["actor"]]
    for t in tgts:
        out[f"stance_{t}"] = [stance_name(v) if v in F.STANCES else "" for v in frame[f"stance_{t}"]]
    out["confidence"] = F.statement_confidence(frame).round(3).astype(object)
    out["confidence"] = out["confidence"].where(out["confidence"].notna(), None)
    return columns, out.to_dict("records")


def _clicked_cell(point: dict, actors, targets) -> tuple[str | None, str | None]:
    """The (actor, target) codes of a clicked position-map cell, from its customdata or its labels."""
    if isinstance(point.get("customdata"), list | tuple) and len(point["customdata"]) == 2:
        return tuple(point["customdata"])
    by_label = {F.esc(actor_name(a)): a for a in actors}
    by_target = {F.esc(target_name(t)): t for t in targets}
    return by_label.get(point.get("y")), by_target.get(point.get("x"))


def _safe_url(url) -> str | None:
    return url if isinstance(url, str) and url.lower().startswith(("http://", "https://")) else None


def cell_statements(frame: pd.DataFrame, actor: str, target: str) -> pd.DataFrame:
    """An actor's statements with their label toward a target: favor, then against, then none;
    most confident first within each."""
    rows = frame[frame["actor"] == actor]
    if f"stance_{target}" not in rows:
        return rows.iloc[0:0]
    order = {"favor": 0, "against": 1, "none": 2}
    key = rows[f"stance_{target}"].map(lambda v: order.get(v, 3)).astype(int)
    conf = F.stance_confidence(rows, target).fillna(0)
    return rows.assign(_k=key, _c=-conf).sort_values(["_k", "_c"], kind="stable").drop(columns=["_k", "_c"])


# --- components ----------------------------------------------------------------------------------


def _empty(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=_html.escape(message, quote=False), showarrow=False, font={"size": 16})
    fig.update_layout(template="plotly_white", height=240, xaxis={"visible": False}, yaxis={"visible": False})
    return fig


def _statement_card(row: pd.Series, target: str) -> html.Div:
    label = row.get(f"stance_{target}")
    url = _safe_url(row.get("url"))
    article = [html.Span(str(row.get("title") or "untitled article"), className="title"), " · ",
               str(row.get("source") or "unknown outlet"), " · ", str(row.get("date") or "undated")]
    if url:
        article += [" · ", html.A("open article", href=url, target="_blank", rel="noopener noreferrer")]
    conf = F.stance_confidence(row.to_frame().T, target).iloc[0]
    return html.Div(className=f"card stance-{label}", children=[
        html.Div([html.B(stance_name(label) if label in F.STANCES else "–"),
                  f" on {target_name(target)}" + (f" · confidence {conf:.2f}" if pd.notna(conf) else "")]),
        html.Blockquote(str(row.get("text") or "")),
        html.Div(["— ", html.B(str(row.get("speaker") or "unnamed speaker")),
                  f" ({actor_name(row['actor'])})"]),
        html.Div(article, className="article"),
    ])


def _shift_rows(shifts) -> list[dict]:
    return [{"id": i, "date": s.date, "actor": actor_name(s.actor), "target": target_name(s.target),
             "before": round(s.before, 2), "after": round(s.after, 2), "size": round(s.size, 2),
             "p_value": float(f"{s.p_value:.3g}"), "n_before": s.n_before, "n_after": s.n_after}
            for i, s in enumerate(shifts)]


def _evidence(items: list[dict]) -> html.Ul:
    def item(e: dict) -> html.Li:
        fields = (("speaker", "unnamed"), ("source", "unknown outlet"), ("date", "undated"))
        where = ", ".join(str(e.get(k) or default) for k, default in fields)
        return html.Li([html.Q(str(e.get("text") or "")), f" — {where} ({e.get('stance', '')})"])

    return html.Ul([item(e) for e in items] or [html.Li("no statement")])


_CELL = {"textAlign": "left", "fontFamily": "system-ui, sans-serif", "fontSize": "13px"}
_FRAME = {"width": "100%", "border": "1px solid #ddd"}


def _frame_height(markup: str) -> int:
    """A rough height in pixels for a frame showing this HTML (it scrolls beyond 700)."""
    blocks = len(re.findall(r"<(?:p|li|tr|h\d)\b", markup))
    chars = len(re.sub(r"<[^>]*>", "", markup))
    return int(min(700, 40 + 30 * blocks + 22 * chars / 150))
_FRAME_CSS = ("body{font-family:system-ui,sans-serif;font-size:14px;color:#222;margin:8px}"
              "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}")

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#fafafa;color:#222}
#app{max-width:1400px;margin:0 auto;padding:1rem 1.5rem;background:#fff}
.filters{display:grid;grid-template-columns:1.3fr 1fr 1fr;gap:.8rem 1.5rem;margin:.6rem 0 1rem}
.filters label.head{font-weight:600;display:block;margin-bottom:.2rem}
.filters .dash-checklist label, .filters label{margin-right:.8rem}
#row-count{font-weight:600;margin:.4rem 0}
.card{border-left:4px solid #ccc;padding:.3rem .7rem;margin:.5rem 0;background:#fbfbfb}
.card.stance-favor{border-color:#1a9850}.card.stance-against{border-color:#d73027}
.card blockquote{margin:.3rem 0;font-size:1.02rem}.card .article{color:#666;font-size:.85rem}
"""


def create_app(results_path, *, min_n: int = 5) -> Dash:
    """A Dash app exploring one results file (read once, never written)."""
    results_path = Path(results_path)
    frame = read_results(results_path).reset_index(drop=True)
    app = Dash(__name__, title=f"stance explorer: {results_path.name}", suppress_callback_exceptions=True)
    app.index_string = app.index_string.replace("{%css%}", "{%css%}<style>" + _CSS + "</style>")
    if frame.empty:
        app.layout = html.Div(id="app", children=[html.H1("stance explorer"),
                                                  html.P(f"{results_path.name} holds no statements.")])
        return app

    all_actors, all_targets = F.actors(frame), F.targets(frame)
    outlets = sorted(F.source_labels(frame).unique())
    days = F.periods(frame, "day").dropna()
    first = days.min().date().isoformat() if len(days) else None
    last = days.max().date().isoformat() if len(days) else None
    filters = [Input("f-actor", "value"), Input("f-target", "value"), Input("f-dates", "start_date"),
               Input("f-dates", "end_date"), Input("f-source", "value"), Input("f-conf", "value")]

    def current(actors, targets, start, end, sources, conf):
        return filter_frame(frame, actors=actors or [], targets=targets or [], start=start, end=end,
                            sources=sources, min_confidence=conf or 0)

    def graph(graph_id, **kw):
        return dcc.Graph(id=graph_id, config={"displaylogo": False}, **kw)

    app.layout = html.Div(id="app", children=[
        html.H1("stance explorer"),
        html.P(f"{results_path.name}: {len(frame)} statements, {frame['doc_id'].nunique()} articles, "
               f"{len(outlets)} outlets" + (f", {first} to {last}" if first else "")),
        html.Div(className="filters", children=[
            html.Div([html.Label("Actors", className="head"), dcc.Checklist(
                id="f-actor", value=all_actors, inline=True,
                options=[{"label": actor_name(a), "value": a} for a in all_actors])]),
            html.Div([html.Label("Targets", className="head"), dcc.Checklist(
                id="f-target", value=all_targets, inline=True,
                options=[{"label": target_name(t), "value": t} for t in all_targets])]),
            html.Div([html.Label("Dates", className="head"), dcc.DatePickerRange(
                id="f-dates", start_date=first, end_date=last, min_date_allowed=first,
                max_date_allowed=last, display_format="D MMM YYYY")]),
            html.Div([html.Label("Outlets", className="head"), dcc.Dropdown(
                id="f-source", options=[{"label": s, "value": s} for s in outlets], value=[], multi=True,
                placeholder="All outlets")]),
            html.Div([html.Label("Minimum confidence", className="head"), dcc.Slider(
                id="f-conf", min=0, max=1, step=0.05, value=0,
                marks={v / 10: f"{v / 10:g}" for v in range(0, 11, 2)})]),
        ]),
        html.Div(id="row-count"),
        dcc.Tabs(id="tabs", value="positions", children=[
            dcc.Tab(label="Positions", value="positions", children=[
                graph("position-map"),
                html.Div(id="cell-statements",
                         children=html.P("Click a cell of the map to list its statements.")),
            ]),
            dcc.Tab(label="Statements", value="statements", children=[
                dash_table.DataTable(
                    id="statements-table", page_size=PAGE_SIZE, sort_action="native",
                    filter_action="native", export_format="csv", export_headers="display",
                    style_table={"overflowX": "auto"},
                    style_cell={**_CELL, "whiteSpace": "normal", "height": "auto", "maxWidth": "420px"},
                    style_cell_conditional=[{"if": {"column_id": "text"}, "minWidth": "320px"},
                                            {"if": {"column_id": "date"}, "minWidth": "90px"}],
                    style_header={"fontWeight": "600", "backgroundColor": "#f4f4f4"},
                    style_data_conditional=[
                        {"if": {"filter_query": f'{{actor}} = "{actor_name(a)}"', "column_id": "actor"},
                         "borderLeft": f"4px solid {actor_color(a)}"} for a in all_actors],
                ),
            ]),
            dcc.Tab(label="Charts", value="charts", children=[
                graph("stance-bars"), graph("timeline"), graph("sources"), graph("confidence")]),
            dcc.Tab(label="Shifts", value="shifts", children=[
                html.Div([html.Label("Time bins ", className="head"), dcc.RadioItems(
                    id="shift-by", options=["day", "week"], value="week", inline=True)]),
                html.H3("Shifts found"),
                dash_table.DataTable(
                    id="shifts-table", row_selectable="single", page_size=15, sort_action="native",
                    columns=[{"name": n, "id": i} for n, i in (
                        ("Date", "date"), ("Actor", "actor"), ("Target", "target"), ("Before", "before"),
                        ("After", "after"), ("Change", "size"), ("p", "p_value"), ("n before", "n_before"),
                        ("n after", "n_after"))],
                    style_cell=_CELL),
                html.Div(id="shift-evidence", children=html.P("Select a shift to see its statements.")),
                html.Div(id="shift-sections"),
            ]),
        ]),
    ])

    @app.callback(Output("position-map", "figure"), Output("statements-table", "columns"),
                  Output("statements-table", "data"), Output("row-count", "children"), *filters)
    def update(*values):
        sub = current(*values)
        columns, records = table_records(sub)
        count = f"{len(sub)} of {len(frame)} statements"
        if sub.empty or not F.targets(sub):
            return _empty("No statements match the filters."), columns, records, count
        return F.position_map(sub, min_n), columns, records, count

    @app.callback(Output("stance-bars", "figure"), Output("timeline", "figure"), Output("sources", "figure"),
                  Output("confidence", "figure"), *filters)
    def update_charts(*values):
        sub = current(*values)
        if sub.empty or not F.targets(sub):
            return [_empty("No statements match the filters.")] * 4
        return F.stance_bars(sub, min_n), F.timeline(sub, by="day"), F.sources(sub, min_n), F.confidence(sub)

    @app.callback(Output("cell-statements", "children"), Input("position-map", "clickData"), *[
        State(i.component_id, i.component_property) for i in filters])
    def show_cell(click, *values):
        if not click or not click.get("points"):
            return no_update
        actor, target = _clicked_cell(click["points"][0], all_actors, all_targets)
        if actor is None:
            return no_update
        rows = cell_statements(current(*values), actor, target)
        head = html.H3(f"{actor_name(actor)} on {target_name(target)}: {len(rows)} statements"
                       + (f" (first {MAX_LISTED} shown)" if len(rows) > MAX_LISTED else ""))
        return [head, *[_statement_card(r, target) for _, r in rows.head(MAX_LISTED).iterrows()]]

    @app.callback(Output("shifts-table", "data"), Output("shifts-table", "selected_rows"),
                  Output("shift-sections", "children"), Input("shift-by", "value"), *filters)
    def update_shifts(by, *values):
        from stance.shifts import report_sections

        sub = current(*values)
        if sub.empty or not F.targets(sub):
            return [], [], html.P("No statements match the filters.")
        children = []
        for section in report_sections(sub, by=by, min_n=min_n):
            page = f"<!DOCTYPE html><html><head><style>{_FRAME_CSS}</style></head><body>{section.html}</body>"
            children += [html.H3(section.title), html.Iframe(
                srcDoc=page, sandbox="", className="section-html",
                style={**_FRAME, "height": f"{_frame_height(section.html)}px"})]
            children += [dcc.Graph(figure=fig, config={"displaylogo": False}) for fig in section.figures]
        return _shift_rows(_shifts(sub, by)), [], children

    def _shifts(sub, by):
        from stance.shifts import find_shifts

        return find_shifts(sub, by=by, min_n=min_n)

    @app.callback(Output("shift-evidence", "children"), Input("shifts-table", "selected_rows"),
                  State("shift-by", "value"), *[State(i.component_id, i.component_property) for i in filters])
    def show_shift(selected, by, *values):
        if not selected:
            return html.P("Select a shift to see its statements.")
        shifts = _shifts(current(*values), by)
        if selected[0] >= len(shifts):
            return no_update
        s = shifts[selected[0]]
        return [html.H4(f"{actor_name(s.actor)} on {target_name(s.target)} from {s.date}: "
                        f"{s.before:+.2f} → {s.after:+.2f}"),
                html.B(f"Before (n={s.n_before})"), _evidence(s.evidence_before),
                html.B(f"After (n={s.n_after})"), _evidence(s.evidence_after)]

    return app


def serve(results_path, host: str = "127.0.0.1", port: int = 8050) -> None:
    """Run the explorer on host:port (127.0.0.1 unless a host is given) until interrupted."""
    create_app(results_path).run(host=host, port=port, debug=False)
