"""Charts that compare actors, drawn from a results table (``stance.results.read_results``).

Each figure function takes the results DataFrame and returns a ``plotly.graph_objects.Figure``;
the aggregate helpers beside them return the DataFrames the figures draw, so tests can check
the numbers. Actors keep the names, colours and order of ``stance.style``; targets come from
the ``stance_*`` columns. Every piece of data text shown by plotly goes through ``esc`` so that
statements and speakers show as text and never as plotly's hover markup (``<b>``, ``<a href>``).
"""

from __future__ import annotations

import html
import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from stance.results import targets_of
from stance.style import actor_color, actor_name, actor_order, stance_color, stance_name, target_name

STANCES = ("favor", "none", "against")
_SCORE = {"favor": 1.0, "none": 0.0, "against": -1.0}
LOW_CONFIDENCE = 0.6  # a stance or actor probability under this is "low confidence"
N_BOOT = 1000  # bootstrap resamples for the 95% interval of net stance
SEED = 0
MASKED_COLOR = "#e4e4e4"
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13}


# --- small helpers -------------------------------------------------------------------------------


def esc(value) -> str:
    """Data text as plotly shows it literally: ``< > &`` escaped, a missing value as ''."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=False)


def wrap(value, width: int = 80, max_chars: int = 600) -> str:
    """Long data text escaped and wrapped with plotly's ``<br>`` line breaks."""
    text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    if len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    return "<br>".join(esc(line) for line in textwrap.wrap(text, width) or [""])


def targets(frame: pd.DataFrame) -> list[str]:
    """The stance targets of a results table, in column order."""
    return targets_of(frame.columns)


def actors(frame: pd.DataFrame) -> list[str]:
    """Actors present in a results table, in the fixed display order."""
    present = set(frame["actor"].dropna()) if "actor" in frame else set()
    return [a for a in actor_order(present) if a in present]


def _actor_label(code: str) -> str:
    return esc(actor_name(code))


def _colored_actor(code: str) -> str:
    return f"<span style='color:{actor_color(code)}'>■</span> {_actor_label(code)}"


def _tint(color: str, alpha: float = 0.12) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _signed(x: float) -> str:
    return "–" if pd.isna(x) else f"{x:+.2f}"


def _pct(x: float) -> str:
    return "–" if pd.isna(x) else f"{100 * x:.0f}%"


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"},
        template="plotly_white",
        font=FONT,
        height=height,
        margin={"l": 10, "r": 10, "t": 90, "b": 40},
        hoverlabel={"align": "left"},
    )
    return fig


def periods(frame: pd.DataFrame, by: str = "day") -> pd.Series:
    """The day (or Monday of the week) of each statement's article date; NaT where missing."""
    if by not in ("day", "week"):
        raise ValueError(f"by must be 'day' or 'week', not {by!r}")
    dates = pd.to_datetime(frame["date"], errors="coerce") if "date" in frame else pd.Series(
        pd.NaT, index=frame.index, dtype="datetime64[ns]"
    )
    return dates.dt.normalize() if by == "day" else dates.dt.to_period("W-SUN").dt.start_time


def _labels(frame: pd.DataFrame, target: str) -> pd.Series:
    labels = frame[f"stance_{target}"]
    return labels.where(labels.isin(STANCES))


_COUNTS = ["n", "n_favor", "n_none", "n_against", "favor", "none", "against", "net"]


def _tally(keys: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """Counts and shares of each label per combination of the key columns (rows with a NaN dropped)."""
    cols = list(keys.columns)
    data = keys.assign(_label=labels).dropna()
    counts = data.groupby([*cols, "_label"], sort=False).size().unstack("_label", fill_value=0)
    counts = counts.reindex(columns=list(STANCES), fill_value=0).astype(int)
    counts.columns = [f"n_{s}" for s in STANCES]
    counts["n"] = counts.sum(axis=1)
    for s in STANCES:
        counts[s] = counts[f"n_{s}"] / counts["n"]
    counts["net"] = counts["favor"] - counts["against"]
    return counts.reset_index()[[*cols, *_COUNTS]]


def _rank(items) -> dict:
    return {x: i for i, x in enumerate(items)}


def _actor_rank(frame: pd.DataFrame) -> dict[str, int]:
    return _rank(actors(frame))


# --- aggregates ----------------------------------------------------------------------------------


def bootstrap_interval(n_favor: int, n_none: int, n_against: int, *, n_boot: int = N_BOOT,
                       seed: int = SEED, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of net stance; resampling n labels is a multinomial draw."""
    n = n_favor + n_none + n_against
    if n == 0:
        return (np.nan, np.nan)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, [n_favor / n, n_none / n, n_against / n], size=n_boot)
    nets = (draws[:, 0] - draws[:, 2]) / n
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(nets, [tail, 100 - tail])
    return (float(low), float(high))


def net_stance_table(frame: pd.DataFrame, min_n: int = 5, *, n_boot: int = N_BOOT,
                     seed: int = SEED) -> pd.DataFrame:
    """Per actor × target (display order): n, counts and shares of favor/none/against, net stance,
    its 95% bootstrap interval, and ``masked`` where n < min_n."""
    parts = []
    for target in targets(frame):
        tally = _tally(frame[["actor"]], _labels(frame, target)).set_index("actor")
        tally = tally.reindex(actors(frame)).reset_index()
        tally.insert(1, "target", target)
        parts.append(tally)
    columns = ["actor", "target", *_COUNTS, "ci_low", "ci_high", "masked"]
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, ignore_index=True)
    for col in ("n", "n_favor", "n_none", "n_against"):
        table[col] = table[col].fillna(0).astype(int)
    rank, t_rank = _actor_rank(frame), _rank(targets(frame))
    table = table.sort_values(["actor", "target"], key=lambda s: s.map(rank if s.name == "actor" else t_rank))
    ci = [bootstrap_interval(f, m, a, n_boot=n_boot, seed=seed)
          for f, m, a in zip(table["n_favor"], table["n_none"], table["n_against"], strict=True)]
    table["ci_low"] = [c[0] for c in ci]
    table["ci_high"] = [c[1] for c in ci]
    table["masked"] = table["n"] < min_n
    return table.reset_index(drop=True)[columns]


def timeline_table(frame: pd.DataFrame, by: str = "day") -> pd.DataFrame:
    """Per actor × target × period (day, or Monday of the week) with statements: counts, shares, net."""
    keys = pd.DataFrame({"actor": frame["actor"], "period": periods(frame, by)})
    parts = [_tally(keys, _labels(frame, t)).assign(target=t) for t in targets(frame)]
    columns = ["actor", "target", "period", *_COUNTS]
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, ignore_index=True)
    rank, t_rank = _actor_rank(frame), _rank(targets(frame))
    order = {"actor": rank, "target": t_rank}
    table = table.sort_values(["actor", "target", "period"],
                              key=lambda s: s.map(order[s.name]) if s.name in order else s)
    return table.reset_index(drop=True)[columns]


def source_labels(frame: pd.DataFrame) -> pd.Series:
    """Each statement's outlet, "Unknown source" where missing."""
    if "source" not in frame:
        return pd.Series("Unknown source", index=frame.index)
    return frame["source"].fillna("Unknown source").astype(str).replace("", "Unknown source")


def share_of_voice(frame: pd.DataFrame) -> pd.DataFrame:
    """Per outlet × actor: statements and their share of the outlet's statements.

    Outlets are ordered by their number of statements (most first, then by name), actors in
    display order; every outlet × actor pair is listed, with n = 0 where the outlet has none.
    """
    source = source_labels(frame)
    totals = source.value_counts()
    order = sorted(totals.index, key=lambda s: (-totals[s], s))
    counts = pd.crosstab(source, frame["actor"]).reindex(index=order, columns=actors(frame), fill_value=0)
    table = counts.stack().rename("n").reset_index()
    table.columns = ["source", "actor", "n"]
    table["n"] = table["n"].astype(int)
    table["share"] = table["n"] / table["source"].map(totals)
    return table


def net_by_source(frame: pd.DataFrame, min_n: int = 5) -> pd.DataFrame:
    """Per outlet × actor × target with any statement: n, net stance and whether n < min_n."""
    keys = pd.DataFrame({"source": source_labels(frame), "actor": frame["actor"]})
    parts = [_tally(keys, _labels(frame, t)).assign(target=t) for t in targets(frame)]
    columns = ["source", "actor", "target", "n", "net", "masked"]
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, ignore_index=True)
    voice = share_of_voice(frame)
    s_rank = {s: i for i, s in enumerate(voice["source"].unique())}
    order = {"source": s_rank, "actor": _actor_rank(frame), "target": _rank(targets(frame))}
    table = table.sort_values(["source", "actor", "target"], key=lambda s: s.map(order[s.name]))
    table["masked"] = table["n"] < min_n
    return table.reset_index(drop=True)[columns]


def stance_confidence(frame: pd.DataFrame, target: str) -> pd.Series:
    """The model's confidence in each statement's stance toward a target: its highest probability."""
    cols = [f"p_{target}_{s}" for s in STANCES]
    if not set(cols) <= set(frame.columns):
        return pd.Series(np.nan, index=frame.index)
    return frame[cols].apply(pd.to_numeric, errors="coerce").max(axis=1)


def statement_confidence(frame: pd.DataFrame) -> pd.Series:
    """One confidence per statement: the weakest of its actor probability and stance confidences."""
    parts = [stance_confidence(frame, t) for t in targets(frame)]
    if "actor_prob" in frame:
        parts.append(pd.to_numeric(frame["actor_prob"], errors="coerce"))
    if not parts:
        return pd.Series(np.nan, index=frame.index)
    return pd.concat(parts, axis=1).min(axis=1)


def confidence_table(frame: pd.DataFrame, threshold: float = LOW_CONFIDENCE) -> pd.DataFrame:
    """Per actor × target (and ``actor`` for the attribution): n scored, n and share below threshold."""
    scores = {t: stance_confidence(frame, t) for t in targets(frame)}
    scores["actor"] = pd.to_numeric(frame.get("actor_prob", pd.Series(np.nan, index=frame.index)),
                                    errors="coerce")
    rows = []
    for actor in actors(frame):
        mask = frame["actor"] == actor
        for target, score in scores.items():
            values = score[mask].dropna()
            n_low = int((values < threshold).sum())
            rows.append({"actor": actor, "target": target, "n": len(values), "n_low": n_low,
                         "low_share": n_low / len(values) if len(values) else np.nan})
    return pd.DataFrame(rows, columns=["actor", "target", "n", "n_low", "low_share"])


# --- figures -------------------------------------------------------------------------------------


def position_map(frame: pd.DataFrame, min_n: int = 5) -> go.Figure:
    """Actor × target heatmap of net stance; n and 95% bootstrap interval on hover; thin cells masked."""
    table = net_stance_table(frame, min_n)
    acts, tgts = actors(frame), targets(frame)
    cell = {(r.actor, r.target): r for r in table.itertuples()}
    z, z_mask, text, mask_text, hover, custom = [], [], [], [], [], []
    for actor in acts:
        z_row, mask_row, text_row, mask_text_row, hover_row, custom_row = [], [], [], [], [], []
        for target in tgts:
            r = cell[(actor, target)]
            head = f"<b>{_actor_label(actor)}</b> on <b>{esc(target_name(target))}</b><br>"
            counts = f"{r.n_favor} favor · {r.n_none} none · {r.n_against} against"
            if r.masked:
                z_row.append(None)
                mask_row.append(0)
                text_row.append("")
                mask_text_row.append(f"n={r.n}<br>too few")
                hover_row.append(f"{head}only {r.n} statements (minimum {min_n}): not shown<br>{counts}")
            else:
                z_row.append(r.net)
                mask_row.append(None)
                text_row.append(f"{_signed(r.net)}<br>n={r.n}")
                mask_text_row.append("")
                hover_row.append(f"{head}net stance {_signed(r.net)} "
                                 f"(95% CI {_signed(r.ci_low)} to {_signed(r.ci_high)})<br>n={r.n}: {counts}")
            custom_row.append([actor, target])
        for row, out in ((z_row, z), (mask_row, z_mask), (text_row, text), (mask_text_row, mask_text),
                         (hover_row, hover), (custom_row, custom)):
            out.append(row)
    x = [esc(target_name(t)) for t in tgts]
    y = [_actor_label(a) for a in acts]
    fig = go.Figure()
    fig.add_trace(go.Heatmap(
        z=z_mask, x=x, y=y, colorscale=[[0, MASKED_COLOR], [1, MASKED_COLOR]], showscale=False,
        hoverongaps=False, text=mask_text, texttemplate="%{text}", textfont={"color": "#777", "size": 11},
        hovertext=hover, hoverinfo="text", customdata=custom, name="too few", xgap=2, ygap=2,
    ))
    fig.add_trace(go.Heatmap(
        z=z, x=x, y=y, zmin=-1, zmax=1, hoverongaps=False, text=text,
        colorscale=[[0, stance_color("against")], [0.5, "#f7f7f7"], [1, stance_color("favor")]],
        texttemplate="%{text}", hovertext=hover, hoverinfo="text", customdata=custom, name="net stance",
        xgap=2, ygap=2, colorbar={"title": {"text": "net stance<br>favor − against"}, "len": 0.8},
    ))
    fig.update_yaxes(autorange="reversed", ticktext=[_colored_actor(a) for a in acts], tickvals=y)
    fig.update_xaxes(side="top")
    return _layout(fig, f"Where each actor stands: net stance (cells with n < {min_n} masked)",
                   160 + 48 * len(acts))


def stance_bars(frame: pd.DataFrame, min_n: int = 5) -> go.Figure:
    """Diverging stacked bars of favor / none / against shares per actor, one panel per target."""
    table = net_stance_table(frame, min_n, n_boot=1)
    acts, tgts = actors(frame), targets(frame)
    fig = make_subplots(rows=1, cols=max(len(tgts), 1), shared_yaxes=True, horizontal_spacing=0.02,
                        subplot_titles=[esc(target_name(t)) for t in tgts])
    y = [_actor_label(a) for a in acts]
    for col, target in enumerate(tgts, start=1):
        sub = table[table["target"] == target].set_index("actor").loc[acts]
        opacity = [0.35 if m else 1.0 for m in sub["masked"]]
        parts = (("none", -0.5, True), ("none", 0.5, False), ("against", -1, True), ("favor", 1, True))
        for stance, sign, legend in parts:
            hover = [
                f"<b>{_actor_label(a)}</b> on {esc(target_name(target))}<br>{stance_name(stance)}: "
                f"{_pct(r[stance])} ({r['n_' + stance]} of {r['n']})"
                + (f"<br>fewer than {min_n} statements" if r["masked"] else "")
                for a, r in sub.iterrows()
            ]
            fig.add_trace(go.Bar(
                x=(sub[stance] * sign).tolist(), y=y, orientation="h",
                name=stance_name(stance), legendgroup=stance, showlegend=legend and col == 1,
                marker={"color": stance_color(stance), "opacity": opacity, "line": {"width": 0}},
                hovertext=hover, hoverinfo="text", meta=[target, stance],
            ), row=1, col=col)
    legend = {"orientation": "h", "y": -0.06, "yanchor": "top", "x": 0.5, "xanchor": "center"}
    fig.update_layout(barmode="relative", bargap=0.25, legend=legend)
    fig.update_xaxes(range=[-1.02, 1.02], tickvals=[-0.5, 0, 0.5], ticktext=["50%", "0", "50%"],
                     zeroline=True, zerolinecolor="#444")
    fig.update_yaxes(autorange="reversed", ticktext=[_colored_actor(a) for a in acts], tickvals=y, col=1)
    return _layout(fig, "Shares of favor, none and against per actor (against left, favor right)",
                   170 + 40 * len(acts))


def _line(speaker, text) -> str:
    return f"• {esc(speaker) or 'unnamed'}: {wrap(text, 70, 160)}"


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame else pd.Series(None, index=frame.index, dtype=object)


def timeline(frame: pd.DataFrame, by: str = "day", min_n: int = 1, max_markers: int = 250) -> go.Figure:
    """Net stance per actor over time (one panel per target), with counts and statement markers.

    Each point's hover gives n and its three most confident statements; up to ``max_markers``
    single statements per actor (most confident first) are drawn as faint markers at +1/0/−1.
    """
    table = timeline_table(frame, by)
    table = table[table["n"] >= min_n]
    tgts, acts = targets(frame), actors(frame)
    s = pd.DataFrame({"actor": frame["actor"], "period": periods(frame, by), "day": periods(frame, "day"),
                      "conf": statement_confidence(frame)})
    s = s[s["period"].notna() & s["actor"].notna()].sort_values("conf", ascending=False, kind="stable")
    size = s.groupby(["actor", "period"], sort=False).size()
    s = pd.concat([s.groupby(["actor", "period"], sort=False).head(3), s.groupby("actor").head(max_markers)])
    s = s[~s.index.duplicated()].sort_values("conf", ascending=False, kind="stable")  # only what is shown
    speakers, texts = _column(frame, "speaker")[s.index], frame.loc[s.index, "text"]
    s["line"] = [_line(sp, tx) for sp, tx in zip(speakers, texts, strict=True)]
    s["where"] = [f"{esc(d)} · {esc(src)}" for d, src in zip(_column(frame, "date")[s.index],
                                                              _column(frame, "source")[s.index], strict=True)]
    top = s.groupby(["actor", "period"], sort=False)["line"].agg(lambda x: list(x[:3]))
    rows = len(tgts) + 1
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.04,
                        row_heights=[1.0] * len(tgts) + [0.6],
                        subplot_titles=[esc(target_name(t)) for t in tgts] + ["Statements per " + by])
    for a_index, actor in enumerate(acts):
        color, label = actor_color(actor), _actor_label(actor)
        mine = s[s["actor"] == actor]
        marks = mine.head(max_markers)
        jitter = ((np.arange(len(marks)) % 7) - 3) * 0.025 + (a_index - len(acts) / 2) * 0.01
        for t_index, target in enumerate(tgts, start=1):
            points = table[(table["actor"] == actor) & (table["target"] == target)]
            hover = []
            for p in points.itertuples():
                more = size[(actor, p.period)] - 3
                hover.append(
                    f"<b>{label}</b> on {esc(target_name(target))}, {by} of {p.period:%d %b %Y}<br>"
                    f"net stance {_signed(p.net)}; n={p.n}: {p.n_favor} favor · {p.n_none} none · "
                    f"{p.n_against} against<br>" + "<br>".join(top[(actor, p.period)])
                    + (f"<br>… and {more} more" if more > 0 else "")
                )
            fig.add_trace(go.Scatter(
                x=points["period"], y=points["net"], mode="lines+markers", name=label, legendgroup=actor,
                showlegend=t_index == 1, line={"color": color, "width": 2},
                marker={"color": color, "size": (6 + 3 * np.sqrt(points["n"])).tolist()},
                hovertext=hover, hoverinfo="text", meta=[actor, target, "net"],
            ), row=t_index, col=1)
            labels = frame.loc[marks.index, f"stance_{target}"]
            value = np.array([_SCORE.get(v, np.nan) for v in labels], dtype=float)
            fig.add_trace(go.Scatter(
                x=marks["day"], y=value + jitter, mode="markers", legendgroup=actor, showlegend=False,
                name=label, marker={"color": color, "size": 6, "opacity": 0.35, "symbol": "diamond"},
                hovertext=[f"<b>{label}</b> · {_label_cell(v) or '–'} on {esc(target_name(target))}<br>"
                           f"{where}<br>{line}"
                           for v, where, line in zip(labels, marks["where"], marks["line"], strict=True)],
                hoverinfo="text", meta=[actor, target, "statements"],
            ), row=t_index, col=1)
        counts = size[size.index.get_level_values("actor") == actor].droplevel("actor").sort_index()
        fig.add_trace(go.Bar(
            x=counts.index, y=counts.values, name=label, legendgroup=actor, showlegend=False,
            marker={"color": color}, hovertext=[f"{label}: {c} statements" for c in counts.values],
            hoverinfo="text", meta=[actor, None, "count"],
        ), row=rows, col=1)
    fig.update_layout(barmode="stack", legend={"title": {"text": "Actor"}})
    for t_index in range(1, len(tgts) + 1):
        fig.update_yaxes(range=[-1.15, 1.15], tickvals=[-1, 0, 1], ticktext=["against", "0", "favor"],
                         zeroline=True, row=t_index, col=1)
    return _layout(fig, f"Net stance over time, per {by} (statement markers: favor +1, none 0, against −1)",
                   140 + 210 * len(tgts) + 130)


def sources(frame: pd.DataFrame, min_n: int = 5) -> go.Figure:
    """Share of voice per actor by outlet, and net stance per actor by outlet for each target."""
    voice = share_of_voice(frame)
    nets = net_by_source(frame, min_n)
    tgts, acts = targets(frame), actors(frame)
    outlets = list(voice["source"].unique())
    cols = max(len(tgts), 1)
    fig = make_subplots(
        rows=2, cols=cols, specs=[[{"colspan": cols}] + [None] * (cols - 1), [{}] * cols],
        shared_yaxes=False, horizontal_spacing=0.03, vertical_spacing=0.14, row_heights=[0.45, 0.55],
        subplot_titles=["Share of voice: which actors each outlet quotes"]
        + [esc(target_name(t)) for t in tgts],
    )
    y = [esc(s) for s in outlets]
    for actor in acts:
        sub = voice[voice["actor"] == actor].set_index("source").loc[outlets]
        label = _actor_label(actor)
        fig.add_trace(go.Bar(
            x=sub["share"].tolist(), y=y, orientation="h", name=label, legendgroup=actor,
            marker={"color": actor_color(actor)}, meta=[actor, "voice"],
            hovertext=[f"{esc(s)}: {label} {_pct(r.share)} ({r.n} statements)" for s, r in sub.iterrows()],
            hoverinfo="text",
        ), row=1, col=1)
        for col, target in enumerate(tgts, start=1):
            pts = nets[(nets["actor"] == actor) & (nets["target"] == target)]
            fig.add_trace(go.Scatter(
                x=pts["net"].tolist(), y=[esc(s) for s in pts["source"]], mode="markers", name=label,
                legendgroup=actor, showlegend=False, meta=[actor, target],
                marker={"color": actor_color(actor), "size": [8 + 2 * np.sqrt(n) for n in pts["n"]],
                        "symbol": ["circle-open" if m else "circle" for m in pts["masked"]],
                        "line": {"width": 2, "color": actor_color(actor)}},
                hovertext=[f"{esc(r.source)} · <b>{label}</b> on {esc(target_name(target))}<br>net "
                           f"{_signed(r.net)}, n={r.n}" + (f" (fewer than {min_n}: open marker)" if r.masked
                                                            else "") for r in pts.itertuples()],
                hoverinfo="text",
            ), row=2, col=col)
    fig.update_layout(barmode="stack", legend={"title": {"text": "Actor"}})
    fig.update_xaxes(tickformat=".0%", range=[0, 1], row=1, col=1)
    for col in range(1, cols + 1):
        fig.update_xaxes(range=[-1.15, 1.15], tickvals=[-1, 0, 1], zeroline=True, zerolinecolor="#999",
                         row=2, col=col)
        fig.update_yaxes(categoryorder="array", categoryarray=y[::-1], showticklabels=col == 1,
                         row=2, col=col)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    height = 220 + 2 * 34 * max(len(outlets), 2)
    return _layout(fig, "Outlets: share of voice, and net stance per actor by outlet (open markers: "
                   f"fewer than {min_n} statements)", height)


def _label_cell(value) -> str:
    return stance_name(value) if isinstance(value, str) and value in STANCES else ""


def quote_table(frame: pd.DataFrame, max_rows: int | None = None) -> go.Figure:
    """Every statement on a date × actor strip (hover shows the text) above a table of them all."""
    tgts, acts = targets(frame), actors(frame)
    conf = statement_confidence(frame)
    day = periods(frame, "day")
    rows = frame.assign(_c=conf, _d=day).sort_values(["_d", "actor"], na_position="last", kind="stable")
    if max_rows is not None:
        rows = rows.head(max_rows)
    fig = make_subplots(rows=2, cols=1, vertical_spacing=0.08, row_heights=[0.35, 0.65],
                        specs=[[{"type": "xy"}], [{"type": "table"}]])
    for a_index, actor in enumerate(acts):
        sub = rows[(rows["actor"] == actor) & rows["_d"].notna()]
        label = _actor_label(actor)
        jitter = ((np.arange(len(sub)) % 5) - 2) * 0.08
        hover = []
        for _, r in sub.iterrows():
            labels = " · ".join(f"{esc(target_name(t))}: {_label_cell(r[f'stance_{t}']) or '–'}"
                                for t in tgts)
            sure = f"<br>confidence {r['_c']:.2f}" if pd.notna(r["_c"]) else ""
            hover.append(f"<b>{esc(r.get('speaker')) or 'unnamed'}</b> ({label}), {esc(r.get('date'))}, "
                         f"{esc(r.get('source'))}<br>{wrap(r.get('text'))}<br>{labels}{sure}")
        fig.add_trace(go.Scatter(
            x=sub["_d"], y=a_index + jitter, mode="markers", name=label, legendgroup=actor,
            marker={"color": actor_color(actor), "size": 9, "opacity": 0.8}, hovertext=hover,
            hoverinfo="text", meta=[actor],
        ), row=1, col=1)
    header = ["Date", "Source", "Speaker", "Actor", *map(target_name, tgts), "Confidence", "Statement"]
    cells = [
        *[[esc(v) for v in rows[c]] if c in rows else [""] * len(rows)
          for c in ("date", "source", "speaker")],
        [_actor_label(a) if isinstance(a, str) else "" for a in rows["actor"]],
        *[[_label_cell(v) for v in rows[f"stance_{t}"]] for t in tgts],
        [f"{c:.2f}" if pd.notna(c) else "" for c in rows["_c"]],
        [esc(v) for v in rows["text"]],
    ]
    fill = [[_tint(actor_color(a)) if isinstance(a, str) else "white" for a in rows["actor"]]] * len(header)
    fig.add_trace(go.Table(
        columnwidth=[125, 95, 130, 130, *[95] * len(tgts), 115, 420],
        header={"values": [f"<b>{esc(h)}</b>" for h in header], "fill": {"color": "#f0f0f0"},
                "align": "left"},
        cells={"values": cells, "align": "left", "fill": {"color": fill}, "height": 24},
    ), row=2, col=1)
    fig.update_yaxes(tickvals=list(range(len(acts))), ticktext=[_colored_actor(a) for a in acts],
                     autorange="reversed", row=1, col=1)
    fig.update_layout(showlegend=False)
    shown = f"{len(rows)} of {len(frame)}" if len(rows) < len(frame) else f"all {len(frame)}"
    return _layout(fig, f"Quote explorer: {shown} statements (hover a marker for its words)",
                   420 + 60 * len(acts))


def confidence(frame: pd.DataFrame, threshold: float = LOW_CONFIDENCE) -> go.Figure:
    """Distribution of model confidence, and the share of low-confidence labels per actor and target."""
    tgts, acts = targets(frame), actors(frame)
    table = confidence_table(frame, threshold)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.45, 0.55], horizontal_spacing=0.16,
                        subplot_titles=["Confidence of stance and actor labels",
                                        f"Share of labels with confidence < {threshold:g}"])
    stance_scores = pd.concat([stance_confidence(frame, t) for t in tgts], ignore_index=True).dropna()
    actor_scores = pd.to_numeric(frame.get("actor_prob", pd.Series(dtype=float)), errors="coerce").dropna()
    edges = np.linspace(0, 1, 21)
    for scores, name, color, kind in ((stance_scores, "stance (max probability)", "#4c72b0", "stance"),
                                      (actor_scores, "actor (actor_prob)", "#dd8452", "actor")):
        counts, _ = np.histogram(np.clip(scores, 0, 1), bins=edges)
        fig.add_trace(go.Bar(
            x=(edges[:-1] + 0.025).tolist(), y=counts.tolist(), width=0.05, name=name, opacity=0.7,
            marker={"color": color, "line": {"width": 0}}, meta=[kind],
            hovertext=[f"{name}: {c} labels in {lo:.2f}–{lo + 0.05:.2f}" for c, lo in zip(counts, edges[:-1],
                                                                                          strict=True)],
            hoverinfo="text"), row=1, col=1)
    fig.add_vline(x=threshold, line={"dash": "dash", "color": "#555"}, row=1, col=1)
    columns = [*tgts, "actor"]
    x = [esc(target_name(t)) for t in tgts] + ["Actor attribution"]
    cell = {(r.actor, r.target): r for r in table.itertuples()}
    z = [[cell[(a, t)].low_share for t in columns] for a in acts]
    text = [[f"{_pct(cell[(a, t)].low_share)}<br>{cell[(a, t)].n_low}/{cell[(a, t)].n}" for t in columns]
            for a in acts]
    hover = [[f"<b>{_actor_label(a)}</b> · {x[j]}<br>{cell[(a, t)].n_low} of {cell[(a, t)].n} labels below "
              f"{threshold:g}" for j, t in enumerate(columns)] for a in acts]
    fig.add_trace(go.Heatmap(
        z=z, x=x, y=[_actor_label(a) for a in acts], zmin=0, zmax=1, colorscale="Oranges", text=text,
        texttemplate="%{text}", hovertext=hover, hoverinfo="text", xgap=2, ygap=2,
        colorbar={"title": {"text": "low share"}, "x": 1.0, "len": 0.8},
    ), row=1, col=2)
    fig.update_layout(barmode="overlay", legend={"x": 0.01, "y": 0.98, "bgcolor": "rgba(255,255,255,0.8)"})
    fig.update_xaxes(title_text="probability", range=[0, 1], row=1, col=1)
    fig.update_yaxes(title_text="labels", row=1, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    return _layout(fig, "How sure the model is", 200 + 40 * max(len(acts), 6))


FIGURES = {
    "position_map": position_map,
    "stance_bars": stance_bars,
    "timeline": timeline,
    "sources": sources,
    "quote_table": quote_table,
    "confidence": confidence,
}
