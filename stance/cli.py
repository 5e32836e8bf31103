"""The ``stance`` command line: a thin layer over the public API.

Exit statuses: 0 done; 1 nothing could be read (every input was skipped);
2 wrong usage; 3 bad data (labels, results file, model folder, actors table);
4 the output cannot be written.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Who said what in news about the Syrian war, for which side, for or against what.",
)

EXIT_NOTHING_READ, EXIT_BAD_DATA, EXIT_OUTPUT = 1, 3, 4


class Precision(str, Enum):
    auto = "auto"
    fp32 = "fp32"
    int8 = "int8"


class Engine(str, Enum):
    local = "local"
    ray = "ray"


class Period(str, Enum):
    day = "day"
    week = "week"


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _fail(message: str, code: int):
    _err(f"error: {message}")
    raise typer.Exit(code)


@app.command()
def extract(
    inputs: list[Path] = typer.Argument(..., help="Files or folders: .txt .md .html .jsonl .csv"),
    out: str = typer.Option("-", "-o", "--out", help="Output file, or - for stdout"),
    fmt: str = typer.Option(None, "--format", help="jsonl or csv (default: from the output's extension)"),
    actors: list[Path] = typer.Option(
        [], "--actors", help="Extra actors table(s), CSV, put before the bundled one"
    ),
    replace_actors: bool = typer.Option(False, help="Use only the --actors tables"),
    max_chars: int = typer.Option(1_000_000, help="Skip articles longer than this"),
):
    """Find every statement with its speaker and actor (no model needed)."""
    import contextlib
    import csv

    from .actors import ActorsError, ActorTable
    from .extract import Extractor
    from .ingest import read_articles
    from .records import ReadError, Statement

    fmt = fmt or ("csv" if out.endswith(".csv") else "jsonl")
    if fmt not in ("jsonl", "csv"):
        _fail(f"--format must be jsonl or csv, not {fmt!r}", 2)
    try:
        table = ActorTable.load(actors, replace=replace_actors)
    except ActorsError as exc:
        _fail(str(exc), EXIT_BAD_DATA)
    extractor = Extractor()
    try:
        sink = sys.stdout if out == "-" else open(out, "w", encoding="utf-8", newline="")
    except OSError as exc:
        _fail(f"{out}: cannot write: {exc.strerror}", EXIT_OUTPUT)
    read = skipped = n = 0
    columns = [*Statement.__dataclass_fields__.keys()][:-1] + ["title", "date", "source", "url"]
    writer = csv.DictWriter(sink, fieldnames=columns) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    with sink if out != "-" else contextlib.nullcontext():
        for item in read_articles(inputs, max_chars=max_chars):
            if isinstance(item, ReadError):
                skipped += 1
                _err(f"skipped {item}")
                continue
            try:
                statements = table.attribute(extractor.extract(item), item)
            except Exception as exc:  # one odd article must not stop the batch
                skipped += 1
                _err(f"skipped {item.origin or item.doc_id}: extraction failed: {exc}")
                continue
            read += 1
            for st in statements:
                row = st.to_row()
                n += 1
                if writer:
                    writer.writerow(row)
                else:
                    sink.write(json.dumps(row, ensure_ascii=False) + "\n")
    _err(f"{read} articles read, {skipped} skipped, {n} statements")
    if read == 0:
        raise typer.Exit(EXIT_NOTHING_READ)


def _count_units(inputs: list[Path]) -> int | None:
    from .ingest import SUFFIXES

    total = 0
    for path in inputs:
        files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
        for f in files:
            if f.suffix.lower() not in SUFFIXES or f.name.startswith("."):
                continue
            if f.suffix.lower() == ".jsonl":
                try:
                    with open(f, "rb") as fh:
                        total += sum(1 for line in fh if line.strip())
                except OSError:
                    total += 1
            else:
                total += 1
    return total or None


@app.command()
def score(
    inputs: list[Path] = typer.Argument(..., help="Files or folders of articles"),
    out: Path = typer.Option(..., "-o", "--out", help="results.jsonl, results.csv or results.parquet"),
    model: Path = typer.Option(None, "--model", help="Model folder (default: the bundled model)"),
    precision: Precision = typer.Option(
        Precision.auto, help="auto: int8 where it was shown to agree with fp32"
    ),
    actors: list[Path] = typer.Option([], "--actors", help="Extra actors table(s)"),
    engine: Engine = typer.Option(Engine.local, help="local, or ray for Ray Data"),
    ray_address: str = typer.Option(None, "--ray-address", help="Ray cluster address (default: a local Ray)"),
    allow_pickle: bool = typer.Option(False, help="Accept a model folder that also holds pickle files"),
    max_chars: int = typer.Option(1_000_000, help="Skip articles longer than this"),
):
    """Score a collection: one row per statement with actor and stance probabilities."""
    from .actors import ActorsError
    from .model import ModelError
    from .output import OutputError

    try:
        if engine == Engine.ray:
            from .distributed import score_with_ray

            summary = score_with_ray(
                inputs,
                out,
                model=model,
                precision=precision.value,
                actors=actors,
                address=ray_address,
                max_chars=max_chars,
            )
        else:
            summary = _score_local(inputs, out, model, precision.value, actors, allow_pickle, max_chars)
    except (ModelError, ActorsError) as exc:
        _fail(str(exc), EXIT_BAD_DATA)
    except OutputError as exc:
        _fail(str(exc), EXIT_OUTPUT)
    _print_summary(summary)
    if summary.articles == 0 and not summary.resumed_from:  # a rerun of a finished run is no failure
        raise typer.Exit(EXIT_NOTHING_READ)


def _score_local(inputs, out, model, precision, actors, allow_pickle, max_chars):
    from .ingest import read_articles
    from .output import score_to_file
    from .pipeline import Pipeline

    pipe = Pipeline.load(model, actors=actors, precision=precision, allow_pickle=allow_pickle)
    total = _count_units(inputs)
    key = sorted(str(p.resolve()) for p in inputs) + [f"max_chars={max_chars}"]
    units = read_articles(inputs, max_chars=max_chars)
    if sys.stderr.isatty():
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        columns = [
            TextColumn("scoring"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} inputs"),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
        ]
        with Progress(*columns, transient=True) as bar:
            task = bar.add_task("score", total=total, rate="")
            state = {"start": None, "articles": 0, "statements": 0}

            def tick(articles, statements, skipped=False, error=False):
                import time

                state["start"] = state["start"] or time.time()
                state["articles"] += articles
                state["statements"] += statements
                secs = max(1e-6, time.time() - state["start"])
                a_rate, s_rate = state["articles"] / secs, state["statements"] / secs
                rate = f"{a_rate:.1f} articles/s, {s_rate:.0f} statements/s"
                bar.update(task, advance=1, rate=rate)

            summary = score_to_file(pipe, units, out, inputs_key=key, total=total, progress=tick)
    else:
        summary = score_to_file(pipe, units, out, inputs_key=key, total=total)
    summary.classifier = _describe_classifier(pipe.classifier)
    return summary


def _describe_classifier(clf) -> str:
    if clf.precision != "int8":
        return f"classifier: {clf.name}, fp32"
    return (
        f"classifier: {clf.name}, int8 fast path; {clf.fallbacks} close call(s) scored again in fp32 "
        f"(fallback margin {clf.fallback_margin:g})"
    )


def _print_summary(summary) -> None:
    lines = [
        f"{summary.articles} articles scored, {summary.statements} statements, "
        f"{summary.skipped} inputs skipped, {summary.seconds:.1f} s"
    ]
    if summary.classifier:
        lines.append(summary.classifier)
    if summary.resumed_from:
        lines.append(f"resumed after {summary.resumed_from} inputs done by an earlier run")
    for reason, count in summary.reasons.most_common():
        lines.append(f"  skipped {count}: {reason}")
    if summary.out:
        lines.append(f"results: {summary.out}")
    if summary.skipped and summary.errors_out:
        lines.append(f"skipped inputs and reasons: {summary.errors_out}")
    _err("\n".join(lines))


@app.command()
def evaluate(
    gold: Path = typer.Option(..., "--gold", help="Gold statements (JSONL)"),
    pred: Path = typer.Option(..., "--pred", help="Predicted statements or results (JSONL)"),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON"),
):
    """Statement P/R/F1, recall per kind, actor accuracy and macro-F1, stance F_avg."""
    from .evaluate import EvaluationError, format_report, read_records
    from .evaluate import evaluate as run

    try:
        result = run(read_records(gold), read_records(pred))
    except EvaluationError as exc:
        _fail(str(exc), EXIT_BAD_DATA)
    typer.echo(json.dumps(result, indent=2) if as_json else format_report(result))


def _num(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


@app.command()
def train(
    data: list[Path] = typer.Option(
        ..., "--data", help="Label files (JSONL records or a Label Studio export)"
    ),
    out: Path = typer.Option(
        ..., "--out", help="Model folder to write (replaced only when training succeeds)"
    ),
    dev: list[Path] = typer.Option([], "--dev", help="Dev label files (default: 10% of --data by article)"),
    init_from: Path = typer.Option(None, "--init-from", help="Extend this model instead of starting afresh"),
    epochs: int = typer.Option(5, help="At most this many epochs (early stopping on dev F_avg)"),
    seed: int = typer.Option(13, help="Random seed"),
    actors: list[str] = typer.Option([], "--actor", help="Allow a new actor label (repeat)"),
):
    """Fine-tune the classifier on labelled statements."""
    from .labels import LabelError, attach_cues, read_labels
    from .model import ModelError
    from .records import ACTORS

    try:
        allowed = [*ACTORS, *actors]
        if init_from:
            allowed += json.loads((init_from / "config.json").read_text()).get("actors", [])
        labels = attach_cues(read_labels(data, actors=allowed))
        dev_labels = attach_cues(read_labels(dev, actors=allowed)) if dev else None
    except LabelError as exc:
        for problem in exc.problems:
            _err(problem)
        _fail(f"{len(exc.problems)} problem(s) in the labels; nothing was trained", EXIT_BAD_DATA)
    except (OSError, json.JSONDecodeError) as exc:
        _fail(f"{init_from}: cannot read model config: {exc}", EXIT_BAD_DATA)
    from .train import train as run

    try:
        result = run(
            labels,
            out,
            dev=dev_labels,
            init_from=init_from,
            epochs=epochs,
            seed=seed,
            progress=sys.stderr.isatty(),
        )
    except ModelError as exc:
        _fail(str(exc), EXIT_BAD_DATA)
    except OSError as exc:
        _fail(f"{out}: cannot write the model: {exc}", EXIT_OUTPUT)
    metrics = result.dev_metrics
    _err(
        f"trained on {result.n_train} statements in {result.seconds:.0f} s; dev actor accuracy "
        f"{_num(metrics['actor_accuracy'])}, mean stance F_avg {_num(metrics['mean_f_avg'])} "
        f"(encoder alone {_num(metrics.get('encoder_mean_f_avg'))})"
    )
    _err(f"model: {result.out}")


@app.command()
def suggest(
    results: Path = typer.Argument(..., help="A results file of stance score"),
    n: int = typer.Option(100, "-n", help="How many statements to suggest"),
    out: Path = typer.Option(..., "-o", "--out", help="to_label.jsonl (Label Studio tasks go beside it)"),
):
    """The statements the model is least sure of, to label next."""
    from .results import ResultsError
    from .suggest import suggest as run

    try:
        records_path, tasks_path = run(results, n, out)
    except ResultsError as exc:
        _fail(str(exc), EXIT_BAD_DATA)
    except OSError as exc:
        _fail(f"{out}: cannot write: {exc}", EXIT_OUTPUT)
    _err(f"records: {records_path}\nLabel Studio tasks: {tasks_path}")


@app.command()
def report(
    results: Path = typer.Argument(..., help="A results file of stance score"),
    out: Path = typer.Option(Path("report.html"), "-o", "--out", help="The HTML file to write"),
    min_n: int = typer.Option(5, help="Mask cells with fewer statements"),
    split_date: str = typer.Option("2024-12-08", help="Before/after date for alignments"),
    by: Period = typer.Option(Period.week, help="Time step of timelines and shifts"),
):
    """One self-contained HTML report (works offline)."""
    from .report import write_report
    from .results import ResultsError

    try:
        path = write_report(results, out, min_n=min_n, split_date=split_date, by=by.value)
    except ResultsError as exc:
        _fail(str(exc), EXIT_BAD_DATA)
    except OSError as exc:
        _fail(f"{out}: cannot write: {exc}", EXIT_OUTPUT)
    _err(f"report: {path}")


@app.command()
def serve(
    results: Path = typer.Argument(..., help="A results file of stance score"),
    port: int = typer.Option(8050, "--port"),
    host: str = typer.Option("127.0.0.1", "--host", help="Bind address (default: this machine only)"),
):
    """The interactive explorer (Dash)."""
    from .explorer import serve as run
    from .results import ResultsError

    try:
        run(results, host=host, port=port)
    except ResultsError as exc:
        _fail(str(exc), EXIT_BAD_DATA)


@app.command()
def shifts(
    results: Path = typer.Argument(..., help="A results file of stance score"),
    by: Period = typer.Option(Period.day, "--by"),
    min_n: int = typer.Option(5, "--min-n", help="Smallest n on each side of a shift"),
):
    """Where an actor's net stance on a target changed, with the statements that show it."""
    from .results import ResultsError, read_results
    from .shifts import find_shifts, format_shifts

    try:
        frame = read_results(results)
    except ResultsError as exc:
        _fail(str(exc), EXIT_BAD_DATA)
    typer.echo(format_shifts(find_shifts(frame, by=by.value, min_n=min_n)))


@app.command()
def demo(
    out_dir: Path = typer.Option(
        Path("stance-demo"), "-o", "--out", help="Folder for the results and report"
    ),
    precision: Precision = typer.Option(Precision.auto),
):
    """Score the seed article and the bundled sample collection, then write the report."""
    from importlib import resources

    from .report import write_report

    out_dir.mkdir(parents=True, exist_ok=True)
    data = resources.files("stance").joinpath("data")
    inputs = [Path(str(data.joinpath("sample")))]  # the seed article (000_seed.jsonl) and our own sample
    results = out_dir / "results.jsonl"
    summary = _score_local(inputs, results, None, precision.value, [], False, 1_000_000)
    _print_summary(summary)
    report_path = write_report(results, out_dir / "report.html")
    _err(f"report: {report_path}\nopen it in a browser, or explore: stance serve {results}")


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    _err(f"warning: {message}")


def main() -> None:
    import warnings

    warnings.showwarning = _show_warning  # one "warning: ..." line, not Python's file:line format
    app()


if __name__ == "__main__":
    main()
