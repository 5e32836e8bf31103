"""Speed of shifts and alignments on 100,000 synthetic scored statements, pinned to 2 cores.

    .venv/bin/python benchmarks/shifts_speed.py            # measure and record in RESULTS.md
    .venv/bin/python benchmarks/shifts_speed.py --no-record

Times find_shifts (by day), alignments and report_sections (by week, figures included),
each the median of 3 runs, and writes the "## Shifts and alignments" section of
benchmarks/RESULTS.md (other sections are left as they are). Bar: the three together
under 10 s on 2 cores.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from results_md import replace_section  # noqa: E402

from stance.results import result_columns  # noqa: E402
from stance.shifts import alignments, find_shifts, report_sections  # noqa: E402

ROWS = 100_000
TARGETS = ("assad_government", "armed_opposition", "political_solution", "foreign_involvement")
ACTORS = ("syrian_government", "hts", "russia", "iran", "turkey", "us", "un", "other")
LABELS = np.array(["favor", "against", "none"])
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADING = "## Shifts and alignments"


def synthetic(rows: int = ROWS, days: int = 60, seed: int = 0) -> pd.DataFrame:
    """A results table: random actors and days, stationary label mixes plus two planted turns."""
    rng = np.random.default_rng(seed)
    actor = rng.choice(np.array(ACTORS, dtype=object), rows, p=[.1, .15, .1, .1, .1, .1, .1, .25])
    day = np.datetime64("2024-11-15") + rng.integers(0, days, rows)
    late = day >= np.datetime64("2024-12-08")
    frame = pd.DataFrame({c: None for c in result_columns(TARGETS)}, index=range(rows))
    frame["doc_id"] = [f"doc{i // 6}" for i in range(rows)]
    frame["start"], frame["end"], frame["kind"] = 0, 120, "direct"
    frame["text"] = [f"Statement {i}: the city remains tense, a spokesman said." for i in range(rows)]
    frame["speaker"], frame["source"], frame["actor"] = "a spokesman", "Levant Wire", actor
    frame["date"] = np.datetime_as_string(day)
    frame["schema_version"] = 1
    for target in TARGETS:
        mixes = {a: rng.dirichlet(np.ones(3)) for a in ACTORS}
        cum = np.cumsum(np.stack([mixes[a] for a in actor]), axis=1)
        if target == "armed_opposition":  # Russia turns on 8 December
            turn = (actor == "russia") & late
            cum[turn] = np.cumsum([0.6, 0.1, 0.3])
            cum[(actor == "russia") & ~late] = np.cumsum([0.1, 0.7, 0.2])
        label = LABELS[np.minimum((rng.random(rows)[:, None] > cum).sum(1), 2)]
        top = rng.uniform(0.4, 1.0, rows)
        frame[f"stance_{target}"] = label
        for name in LABELS:
            frame[f"p_{target}_{name}"] = np.where(label == name, top, (1 - top) / 2)
    return frame


def median_time(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-record", action="store_true", help="print only, do not write RESULTS.md")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:2])
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    frame = synthetic()
    shifts = find_shifts(frame)
    timings = {
        "find_shifts (by day)": median_time(lambda: find_shifts(frame, by="day")),
        "alignments": median_time(lambda: alignments(frame)),
        "report_sections (by week, with figures)": median_time(lambda: report_sections(frame, by="week")),
    }
    total = sum(timings.values())
    lines = [f"| {name} | {sec:.2f} |" for name, sec in timings.items()]
    section = "\n".join([
        HEADING, "",
        f"{len(frame):,} synthetic scored statements (8 actors, 4 targets, 60 days, Russia's planted turn "
        f"on armed_opposition), {cores} cores, Python {platform.python_version()}, pandas {pd.__version__}, "
        f"numpy {np.__version__}; {len(shifts)} shift(s) found. Median of 3 runs.", "",
        "| step | seconds |", "|---|---|", *lines, f"| **total** | **{total:.2f}** (bar: < 10) |", "",
        "Rerun: `.venv/bin/python benchmarks/shifts_speed.py`", ""])
    print(section)
    if not args.no_record:
        replace_section(RESULTS, HEADING, section)
        print(f"recorded in {RESULTS}")


if __name__ == "__main__":
    main()
