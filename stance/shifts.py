"""Position shifts and alignments: when an actor moved, and who sides with whom.

Input is the results table of ``stance score`` (:mod:`stance.results`). Toward each
target a statement scores +1 (favor), 0 (none) or -1 (against); the *net stance* of
a set of statements is their mean score = share favor - share against. Targets come
from the ``stance_*`` columns. Rows without an actor are ignored; rows without a
parseable ``date`` count only in the overall alignment.
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform
from scipy.stats import norm

from stance.results import targets_of
from stance.style import actor_color, actor_name, actor_order, target_name

ALPHA = 0.01  # family-wise error over all candidate splits of all series tested
MIN_SIZE = 0.2  # smallest change in net stance that counts as a shift
MAX_CLAIMS = 6  # per kind of alignment claim in the report
_SCORES = {"favor": 1.0, "none": 0.0, "against": -1.0}
_FIELDS = ("doc_id", "start", "text", "speaker", "source")


@dataclass
class Shift:
    """A change in one actor's net stance toward one target.

    ``date``: ISO day that starts the first period after the change; ``before``/``after``:
    net stance of the neighbouring segments (up to the previous / next shift), with their
    statement counts ``n_before``/``n_after``; ``p_value``: the corrected p of find_shifts.
    Evidence dicts: doc_id, start, text, speaker, source, date, stance (label), prob.
    """

    actor: str
    target: str
    date: str
    before: float
    after: float
    size: float
    p_value: float
    n_before: int
    n_after: int
    evidence_before: list[dict] = field(default_factory=list)
    evidence_after: list[dict] = field(default_factory=list)


@dataclass
class Alignment:
    """Actor x actor cosine similarity of stance profiles, overall and before/after ``split_date``."""

    actors: list[str]
    targets: list[str]
    split_date: str
    min_n: int
    overall: pd.DataFrame  # actor x actor; NaN where an actor has < min_n statements or no stance
    before: pd.DataFrame
    after: pd.DataFrame
    profiles: dict[str, pd.DataFrame]  # "overall"/"before"/"after" -> actor x target net stance
    n: pd.DataFrame  # actor x ("overall", "before", "after") statement counts


@dataclass
class Section:
    """A report section; ``html`` is escaped already and safe to insert."""

    title: str
    html: str
    figures: list[go.Figure]


def _days(values: pd.Series) -> np.ndarray:
    day = pd.to_datetime(values.astype("string").str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    bad = day.isna() & values.notna()
    if bad.any():  # not ISO: let pandas guess, value by value
        guess = pd.to_datetime(values[bad].astype(str), format="mixed", errors="coerce", utc=True)
        day = day.where(~bad, guess.dt.tz_convert(None).dt.normalize())
    return day.to_numpy("datetime64[D]")


class _Prep:
    """The columns this module needs, read once from the results frame into numpy arrays."""

    def __init__(self, frame: pd.DataFrame, by: str = "day"):
        if by not in ("day", "week"):
            raise ValueError(f"by must be 'day' or 'week', not {by!r}")
        self.frame, self.by, self.targets = frame, by, targets_of(frame.columns)
        actor = frame["actor"] if "actor" in frame.columns else pd.Series(None, frame.index, object)
        codes, uniques = pd.factorize(actor)
        self.actors = [a for a in actor_order(uniques) if a in set(uniques)]
        self.code = np.array([self.actors.index(a) for a in uniques] + [-1], dtype=np.int64)[codes]
        no_date = np.full(len(frame), np.datetime64("NaT"), "datetime64[D]")
        self.day = _days(frame["date"]) if "date" in frame.columns else no_date
        days = self.day.astype(np.int64)
        self.dated = ~np.isnat(self.day) & (self.code >= 0)
        self.period = days - (days + 3) % 7 if by == "week" else days  # weeks start on Monday
        self.score = {t: frame[f"stance_{t}"].map(_SCORES).to_numpy(float) for t in self.targets}
        self._counts = None

    def counts(self):
        """Sorted periods (int days) and per target the (actor x period) n, favor and against counts."""
        if self._counts is None:
            periods, pcode = np.unique(self.period[self.dated], return_inverse=True)
            shape = (len(self.actors), len(periods))
            key = self.code[self.dated] * len(periods) + pcode
            out = {}
            for t in self.targets:
                s = self.score[t][self.dated]
                out[t] = [np.bincount(key, w, shape[0] * shape[1]).reshape(shape)
                          for w in (~np.isnan(s), s == 1, s == -1)]
            self._counts = periods, out
        return self._counts


def net_stance_series(frame: pd.DataFrame, *, by: str = "day") -> pd.DataFrame:
    """Net stance per actor, target and period (the ISO day that starts it), with its counts."""
    return _series(_Prep(frame, by))


def _series(prep: _Prep) -> pd.DataFrame:
    periods, counts = prep.counts()
    parts = [pd.DataFrame(columns=["actor", "target", "period", "n", "favor", "against"], dtype=object)]
    for t, (n, fav, ag) in counts.items():
        a, p = np.nonzero(n)
        parts.append(pd.DataFrame({
            "actor": np.array(prep.actors, dtype=object)[a], "target": t,
            "period": np.datetime_as_string(periods[p].astype("datetime64[D]")),
            "n": n[a, p].astype(int), "favor": fav[a, p].astype(int), "against": ag[a, p].astype(int)}))
    out = pd.concat(parts[1:], ignore_index=True) if len(parts) > 1 else parts[0]
    return out.assign(net=(out["favor"] - out["against"]) / out["n"])


def _scan(f, g, n, lo, hi, min_n, families):
    """Every split of periods [lo, hi) with >= min_n statements on both sides, with its test."""
    cf, cg, cn = (np.concatenate([[0.0], np.cumsum(x[lo:hi])]) for x in (f, g, n))
    k = np.arange(1, hi - lo)
    k = k[(cn[k] >= min_n) & (cn[-1] - cn[k] >= min_n)]
    nb, na, total = cn[k], cn[-1] - cn[k], cn[-1]
    before, after = (cf[k] - cg[k]) / nb, (cf[-1] - cf[k] - cg[-1] + cg[k]) / na
    mean = (cf[-1] - cg[-1]) / max(total, 1)  # pooled variance of the score, as under permutation
    var = ((cf[-1] + cg[-1]) / max(total, 1) - mean**2) * total / max(total - 1, 1)
    z = (after - before) / np.sqrt(var * (1 / nb + 1 / na)) if var > 1e-12 else np.zeros(len(k))
    p = np.minimum(1.0, 2 * norm.sf(np.abs(z)) * len(k) * families)
    return k + lo, before, after, nb, na, p


def _segment(f, g, n, min_n, alpha, min_size, families):
    """Binary segmentation, then cuts that fail between their neighbouring cuts are pruned."""
    cuts, stack = set(), [(0, len(n))]
    while stack:
        lo, hi = stack.pop()
        k, before, after, _, _, p = _scan(f, g, n, lo, hi, min_n, families)
        i = np.argmin(p + (np.abs(after - before) < min_size)) if len(k) else None
        if i is not None and p[i] < alpha and abs(after[i] - before[i]) >= min_size:
            cuts.add(int(k[i]))
            stack += [(lo, int(k[i])), (int(k[i]), hi)]
    cuts = sorted(cuts)
    while True:
        bounds, tests = [0, *cuts, len(n)], []
        for j, cut in enumerate(cuts):
            k, before, after, nb, na, p = _scan(f, g, n, bounds[j], bounds[j + 2], min_n, families)
            i = np.flatnonzero(k == cut)[0]
            ok = p[i] < alpha and abs(after[i] - before[i]) >= min_size
            p_i = p[i] if ok else np.inf
            tests.append((bounds[j], cut, bounds[j + 2], p_i, before[i], after[i], nb[i], na[i]))
        if all(np.isfinite(t[3]) for t in tests):
            return tests
        cuts.pop(max(range(len(tests)), key=lambda j: tests[j][3]))


def _evidence(prep: _Prep, actor: str, target: str, lo, hi, net: float, k: int = 3) -> list[dict]:
    """Up to k statements of the actor in periods [lo, hi) with the side's label, most confident first."""
    label = "favor" if net > 0 else "against" if net < 0 else "none"
    rows = np.flatnonzero(prep.dated & (prep.code == prep.actors.index(actor)) & (prep.period >= lo)
                          & (prep.period < hi) & (prep.score[target] == _SCORES[label]))
    col = f"p_{target}_{label}"
    prob = prep.frame[col].to_numpy(float)[rows] if col in prep.frame.columns else np.full(len(rows), np.nan)
    out = []
    for j in np.lexsort((prep.day[rows], -np.nan_to_num(prob, nan=-1.0)))[:k]:
        rec = {c: _plain(prep.frame[c].iat[rows[j]]) if c in prep.frame.columns else None for c in _FIELDS}
        p = None if np.isnan(prob[j]) else float(prob[j])
        out.append({**rec, "date": str(prep.day[rows[j]]), "stance": label, "prob": p})
    return out


def _plain(value):
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _find(prep: _Prep, min_n: int, alpha: float, min_size: float):
    periods, counts = prep.counts()
    tested, thin = [], []
    for ai, actor in enumerate(prep.actors):
        for t, (n, fav, ag) in counts.items():
            keep = n[ai] > 0
            c = np.cumsum(n[ai][keep])[:-1]
            if ((c >= min_n) & (n[ai].sum() - c >= min_n)).any():
                tested.append((actor, t, n[ai][keep], fav[ai][keep], ag[ai][keep], periods[keep]))
            else:
                thin.append({"actor": actor, "target": t, "n": int(n[ai].sum())})
    shifts = []
    for actor, t, nn, f, g, per in tested:
        ends = np.append(per, per[-1] + 1)
        for lo, k, hi, p, before, after, nb, na in _segment(f, g, nn, min_n, alpha, min_size, len(tested)):
            shifts.append(Shift(
                actor, t, str(np.datetime64(int(per[k]), "D")), float(before), float(after),
                float(after - before), float(p), int(nb), int(na),
                _evidence(prep, actor, t, ends[lo], ends[k], before),
                _evidence(prep, actor, t, ends[k], ends[hi], after)))
    shifts.sort(key=lambda s: (s.date, prep.actors.index(s.actor), prep.targets.index(s.target)))
    return shifts, pd.DataFrame(thin, columns=["actor", "target", "n"])


def find_shifts(frame: pd.DataFrame, *, by: str = "day", min_n: int = 5,
                alpha: float = ALPHA, min_size: float = MIN_SIZE) -> list[Shift]:
    """Shifts in each actor x target net-stance series, by day or by week (starting Monday).

    Test: each split between two periods with >= ``min_n`` statements on both sides is a
    candidate. The change in net stance (after - before) is tested against the pooled
    variance of the per-statement score, i.e. the normal approximation to the permutation
    test (a Cochran-Armitage trend test on the favor/none/against counts). ``p_value`` is
    that two-sided p times the number of candidate splits times the number of series tested
    (Bonferroni, so ``alpha`` bounds the chance of any false shift in the whole table). The
    best split moving net stance by >= ``min_size`` is kept if p_value < ``alpha``, and the
    segments on both sides are searched again (binary segmentation); at the end each cut is
    re-tested between its neighbouring cuts and the weakest failing one dropped until all
    pass. Series with no split having ``min_n`` on both sides are not tested: thin_series.
    """
    return _find(_Prep(frame, by), min_n, alpha, min_size)[0]


def thin_series(frame: pd.DataFrame, *, by: str = "day", min_n: int = 5) -> pd.DataFrame:
    """Actor x target series too thin to test (no split with min_n dated statements on both sides)."""
    return _find(_Prep(frame, by), min_n, 0.0, np.inf)[1]


def alignments(frame: pd.DataFrame, *, split_date: str = "2024-12-08", min_n: int = 5) -> Alignment:
    """Who sides with whom: similarity of actors' stance profiles, overall and before/after a date.

    An actor's profile is its vector of net stance per target; the similarity of two actors
    is the cosine of their profiles, from -1 (opposite sides) to +1 (same side). "before" is
    dated statements before ``split_date``, "after" those from it on. An actor with fewer than
    ``min_n`` statements in a period (or no stance at all there) gets NaN in that period.
    """
    return _align(_Prep(frame), split_date, min_n)


def _align(prep: _Prep, split_date: str, min_n: int) -> Alignment:
    split = np.datetime64(str(split_date)[:10], "D")
    masks = {"overall": prep.code >= 0, "before": prep.dated & (prep.day < split),
             "after": prep.dated & (prep.day >= split)}
    sims, profiles, ns, size = {}, {}, {}, len(prep.actors)
    for name, mask in masks.items():
        codes, net = prep.code[mask], np.full((size, len(prep.targets)), np.nan)
        for j, t in enumerate(prep.targets):
            s = prep.score[t][mask]
            has = ~np.isnan(s)
            nt = np.bincount(codes[has], minlength=size)
            net[nt > 0, j] = np.bincount(codes[has], s[has], size)[nt > 0] / nt[nt > 0]
        ns[name] = np.bincount(codes, minlength=size)
        v = np.nan_to_num(net)
        length = np.linalg.norm(v, axis=1)
        ok = (ns[name] >= min_n) & (length > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            sim = np.where(np.outer(ok, ok), np.clip(v @ v.T / np.outer(length, length), -1, 1), np.nan)
        profiles[name] = pd.DataFrame(net, index=prep.actors, columns=prep.targets)
        sims[name] = pd.DataFrame(sim, index=prep.actors, columns=prep.actors)
    return Alignment(list(prep.actors), list(prep.targets), str(split), min_n, sims["overall"],
                     sims["before"], sims["after"], profiles, pd.DataFrame(ns, index=prep.actors))


def _cluster_order(sim: pd.DataFrame) -> list[str]:
    if len(sim) < 3:
        return list(sim.index)
    dist = np.nan_to_num(1 - sim.to_numpy(), nan=1.0)  # an actor not compared: neither near nor far
    np.fill_diagonal(dist, 0)
    tree = linkage(squareform((dist + dist.T) / 2, checks=False), "average", optimal_ordering=True)
    return [sim.index[i] for i in leaves_list(tree)]


def _hover(text, width: int = 70, limit: int = 220) -> str:
    """Untrusted text for plotly hover: shortened, ``& < >`` escaped, wrapped with <br>."""
    text = " ".join(str(text).split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return "<br>".join(html.escape(line, quote=False) for line in textwrap.wrap(text, width) or [""])


def _cite(e: dict) -> str:
    """Plain text: who said an evidence statement, where, when, and its label with probability."""
    prob = f" {e['prob']:.2f}" if e.get("prob") is not None else ""
    return (f"{e.get('speaker') or 'unknown speaker'}, {e.get('source') or 'unknown source'}, "
            f"{e.get('date')} ({e['stance']}{prob}; doc {e.get('doc_id')})")


def _shift_hover(s: Shift) -> str:
    lines = [f"<b>{_hover(actor_name(s.actor))} · {_hover(target_name(s.target))}</b>",
             f"from {s.date}: {s.before:+.2f} → {s.after:+.2f} ({s.size:+.2f}), p = {s.p_value:.2g}",
             f"n = {s.n_before} before, {s.n_after} after"]
    for side, evidence in (("Before", s.evidence_before), ("After", s.evidence_after)):
        lines.append(f"<b>{side}</b>")
        lines += [f"“{_hover(e.get('text') or '')}”<br>— {_hover(_cite(e))}" for e in evidence]
    return "<br>".join(lines)


def shift_figure(frame: pd.DataFrame, shifts: list[Shift], *, by: str = "day") -> go.Figure:
    """Net stance per actor over time, one panel per target; shifts starred, their quotes on hover."""
    return _shift_figure(_Prep(frame, by), shifts)


def _shift_figure(prep: _Prep, shifts: list[Shift]) -> go.Figure:
    series, targets = _series(prep), prep.targets or ["(no targets)"]
    fig = make_subplots(rows=len(targets), cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=[html.escape(target_name(t), quote=False) for t in targets])
    groups = dict(list(series.groupby(["actor", "target"], sort=False)))
    starred = False
    for row, t in enumerate(targets, start=1):
        for actor in prep.actors:
            if (actor, t) in groups:
                s, name = groups[actor, t], _hover(actor_name(actor))
                fig.add_trace(go.Scatter(  # marker area grows with n: thin periods look thin
                    x=s["period"], y=s["net"], customdata=s["n"], mode="lines+markers", name=name,
                    legendgroup=actor, showlegend=row == 1, line={"color": actor_color(actor), "width": 2},
                    marker={"size": np.clip(2 + np.sqrt(s["n"]), 4, 12)},
                    hovertemplate=f"<b>{name}</b> · {_hover(target_name(t))}<br>"
                    "%{x}: net %{y:+.2f} (n=%{customdata})<extra></extra>"), row=row, col=1)
        mine = [s for s in shifts if s.target == t]
        if mine:
            fig.add_trace(go.Scatter(
                x=[s.date for s in mine], y=[s.after for s in mine], mode="markers", name="shift",
                legendgroup="shift", showlegend=not starred, hovertext=[_shift_hover(x) for x in mine],
                hoverinfo="text", marker={"symbol": "star", "size": 16, "line": {"color": "#000", "width": 1},
                                          "color": [actor_color(x.actor) for x in mine]}), row=row, col=1)
            starred = True
        fig.update_yaxes(range=[-1.05, 1.05], zeroline=True, title_text="net", row=row, col=1)
    fig.update_layout(title=f"Net stance (favor − against) per {prep.by}; ★ = shift", hovermode="closest",
                      height=240 * len(targets) + 140, hoverlabel={"align": "left"}, template="plotly_white")
    return fig


def alignment_figure(alignment: Alignment) -> go.Figure:
    """Before/after heatmaps of actor similarity, actors ordered by clustering the overall matrix."""
    order, d = _cluster_order(alignment.overall), alignment.split_date
    names = [_hover(actor_name(a)) for a in order]
    fig = make_subplots(1, 2, horizontal_spacing=0.2, subplot_titles=[f"Before {d}", f"From {d} on"])
    for col, period in enumerate(("before", "after"), start=1):
        sim, n = getattr(alignment, period).loc[order, order], alignment.n[period]
        value = sim.to_numpy()
        text = [[f"{names[i]} – {names[j]}<br>" + ("not compared" if np.isnan(value[i, j]) else
                 f"similarity {value[i, j]:+.2f}") + f"<br>n = {n[a]} / {n[b]}" for j, b in enumerate(order)]
                for i, a in enumerate(order)]
        fig.add_trace(go.Heatmap(
            z=value, x=names, y=names, zmin=-1, zmax=1, colorscale="RdBu", showscale=col == 2,
            colorbar={"title": {"text": "cosine"}}, text=text, hovertemplate="%{text}<extra></extra>",
            texttemplate="%{z:.1f}"), row=1, col=col)
        fig.update_yaxes(autorange="reversed", row=1, col=col)
    fig.update_layout(title="Who sides with whom: cosine similarity of net-stance profiles",
                      height=160 + 44 * len(order), hoverlabel={"align": "left"}, template="plotly_white")
    return fig


def format_shifts(shifts: list[Shift]) -> str:
    """A plain-text table of shifts for the terminal."""
    if not shifts:
        return "No shifts found."
    head = ("date", "actor", "target", "before", "after", "size", "p", "n before", "n after")
    rows = [(s.date, actor_name(s.actor), target_name(s.target), f"{s.before:+.2f}", f"{s.after:+.2f}",
             f"{s.size:+.2f}", f"{s.p_value:.2g}", str(s.n_before), str(s.n_after)) for s in shifts]
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in (head, *rows))


def _esc(value) -> str:
    return html.escape(str(value))


def _quotes_html(evidence: list[dict]) -> str:
    items = [f'<li data-doc-id="{_esc(e.get("doc_id"))}" data-start="{_esc(e.get("start"))}">'
             f"<q>{_esc(e.get('text') or '')}</q> — {_esc(_cite(e))}</li>" for e in evidence]
    return f'<ul class="evidence">{"".join(items)}</ul>' if items else "<p>(no statement with that label)</p>"


def _moved_html(shifts: list[Shift], thin: pd.DataFrame, by: str, min_n: int) -> str:
    out = [f"<p>Net stance (share favor − share against) of each actor toward each target, by {_esc(by)}. "
           f"A shift is a change of at least {MIN_SIZE} in net stance between two periods, with at least "
           f"{min_n} statements on each side and p &lt; {ALPHA} (two-sample test, Bonferroni-corrected for "
           "every candidate split of every series).</p>"]
    items = [f'<li class="shift" id="shift-{_esc(s.actor)}-{_esc(s.target)}-{s.date}"><p><strong>'
             f"{_esc(actor_name(s.actor))}</strong> moved on <strong>{_esc(target_name(s.target))}</strong> "
             f"from {s.before:+.2f} to {s.after:+.2f} (change {s.size:+.2f}) from {s.date}; "
             f"p = {s.p_value:.2g}; n = {s.n_before} before, {s.n_after} after.</p><p>Before:</p>"
             f"{_quotes_html(s.evidence_before)}<p>After:</p>{_quotes_html(s.evidence_after)}</li>"
             for s in shifts]
    out.append(f'<ol class="shifts">{"".join(items)}</ol>' if items else "<p>No shift found.</p>")
    if len(thin):
        per_actor = [f"{_esc(actor_name(a))} ({', '.join(_esc(target_name(t)) for t in g['target'])}; "
                     f"n = {int(g['n'].max())})" for a, g in thin.groupby("actor", sort=False)]
        out.append(f'<p class="thin">Too few dated statements to test (no split with {min_n} on both '
                   f"sides): {'; '.join(per_actor)}.</p>")
    return "\n".join(out)


def _pair_claim(al: Alignment, a: str, b: str, verb: str) -> str:
    def at(period):
        v, n = getattr(al, period).at[a, b], al.n[period]
        return f"{v:+.2f} (n = {n[a]}, {n[b]})" if np.isfinite(v) else "not compared"

    d = _esc(al.split_date)
    return (f"<li><strong>{_esc(actor_name(a))}</strong> and <strong>{_esc(actor_name(b))}</strong> {verb}: "
            f"similarity {at('overall')}; before {d}: {at('before')}; from {d}: {at('after')}.</li>")


def _sides_html(al: Alignment) -> str:
    out = [f"<p>Similarity is the cosine of two actors' net-stance profiles over {len(al.targets)} targets "
           f"(+1 same side, −1 opposite sides); actors with fewer than {al.min_n} statements in a period "
           "are not compared in it.</p>"]
    pairs = [(a, b) for i, a in enumerate(al.actors) for b in al.actors[i + 1:]
             if np.isfinite(al.overall.at[a, b])]
    sim = {(a, b): al.overall.at[a, b] for a, b in pairs}
    change = {(a, b): al.after.at[a, b] - al.before.at[a, b] for a, b in pairs}
    claims = {
        "Side together": [(*p, "side together") for p in sorted(pairs, key=lambda p: -sim[p]) if sim[p] > .5],
        "Opposed": [(*p, "are opposed") for p in sorted(pairs, key=lambda p: sim[p]) if sim[p] < -.5],
        f"Changed around {_esc(al.split_date)}": [
            (*p, "drew together" if change[p] > 0 else "drew apart")
            for p in sorted(pairs, key=lambda p: -abs(np.nan_to_num(change[p]))) if abs(change[p]) >= 0.5]}
    for title, items in claims.items():
        if items:
            out.append(f'<h4>{title}</h4><ul class="claims">'
                       + "".join(_pair_claim(al, *c) for c in items[:MAX_CLAIMS]) + "</ul>")
    if not pairs:
        out.append("<p>No two actors have enough statements to compare.</p>")
    fmt = {k: p.map(lambda v: f"{v:+.2f}" if np.isfinite(v) else "–").assign(_n=al.n[k].astype(str))
           for k, p in al.profiles.items()}
    rows = "".join(f"<tr><th>{_esc(actor_name(a))}</th>" + "".join(
        f"<td>{fmt['overall'].at[a, c]} ({fmt['before'].at[a, c]} → {fmt['after'].at[a, c]})</td>"
        for c in ["_n", *al.targets]) + "</tr>" for a in al.actors)
    head = "".join(f"<th>{_esc(target_name(t))}</th>" for t in al.targets)
    out.append(f'<table class="profiles"><caption>Statements and net stance: all (before → from '
               f"{_esc(al.split_date)})</caption><tr><th>Actor</th><th>n</th>{head}</tr>{rows}</table>")
    return "\n".join(out)


def report_sections(frame: pd.DataFrame, *, by: str = "week", min_n: int = 5,
                    split_date: str = "2024-12-08") -> list[Section]:
    """The report's "Who moved" and "Who sides with whom" sections, each with its figure."""
    prep = _Prep(frame, by)
    shifts, thin = _find(prep, min_n, ALPHA, MIN_SIZE)
    al = _align(prep, split_date, min_n)
    return [Section("Who moved", _moved_html(shifts, thin, by, min_n), [_shift_figure(prep, shifts)]),
            Section("Who sides with whom", _sides_html(al), [alignment_figure(al)])]
