"""Write scored rows to a results file, resumably, and the skipped inputs beside it.

While a run is going, rows go to ``<out>.partial`` (JSONL) and skipped inputs
to ``<out>.errors.partial``; ``<out>.progress`` records, after every batch, how
many inputs are done and the byte length of both files. Killed at any moment
(SIGKILL included) and started again with the same command, the run cuts both
files back to the last record, skips the inputs already done and goes on, so
the result equals an uninterrupted run's. Only a finished run produces
``<out>`` (in the format its extension names) and ``<out>.errors.jsonl``,
each written to a temporary name and renamed.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .records import Article, ReadError
from .results import result_columns

FORMATS = {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet"}


class OutputError(OSError):
    """The results file cannot be written."""


@dataclass
class Summary:
    articles: int = 0
    skipped: int = 0
    statements: int = 0
    seconds: float = 0.0
    resumed_from: int = 0
    reasons: Counter = field(default_factory=Counter)
    out: Path | None = None
    errors_out: Path | None = None
    classifier: str = ""  # which model and path scored the statements, for the summary


def errors_path(out: Path) -> Path:
    return out.with_name(out.name.rsplit(".", 1)[0] + ".errors.jsonl")


def _line(row: dict) -> bytes:
    return (json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


class _Progress:
    """The ``.progress`` journal: a header, then one record per committed batch."""

    def __init__(self, path: Path, header: dict):
        self.path, self.header = path, header

    def resume_point(self) -> tuple[int, int, int]:
        """(inputs done, results bytes, errors bytes) of the last complete record."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return 0, 0, 0
        if not lines:
            return 0, 0, 0
        try:
            if json.loads(lines[0]) != self.header:
                return 0, 0, 0  # another input, model or format: start again
        except json.JSONDecodeError:
            return 0, 0, 0
        last = (0, 0, 0)
        for line in lines[1:]:
            try:
                rec = json.loads(line)
                last = (rec["done"], rec["rows_bytes"], rec["errors_bytes"])
            except (json.JSONDecodeError, KeyError):
                break  # a record cut by the kill
        return last

    def start(self, point: tuple[int, int, int]) -> None:
        with open(self.path, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(self.header) + "\n")
            fh.write(json.dumps(dict(zip(("done", "rows_bytes", "errors_bytes"), point, strict=True))) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def commit(self, done: int, rows_bytes: int, errors_bytes: int) -> None:
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(
                json.dumps({"done": done, "rows_bytes": rows_bytes, "errors_bytes": errors_bytes}) + "\n"
            )
            fh.flush()
            os.fsync(fh.fileno())


def score_to_file(
    pipeline, units, out: str | Path, *, inputs_key: list[str], total: int | None = None, progress=None
) -> Summary:
    """Score ``units`` (from ``read_articles``) into ``out``; resumable. Returns a summary."""
    out = Path(out)
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise OutputError(f"{out}: unknown results format (use .jsonl, .csv or .parquet)")
    if not out.parent.exists():
        raise OutputError(f"{out.parent}: no such directory")
    if not os.access(out.parent, os.W_OK):
        raise OutputError(f"{out.parent}: not writable")
    clf = pipeline.classifier
    header = {
        "inputs": inputs_key,
        "model_hash": clf.hash,
        "precision": clf.precision,
        "actor_policy": pipeline.actor_policy,
        "format": 1,
    }
    partial, errors_partial = Path(f"{out}.partial"), Path(f"{out}.errors.partial")
    journal = _Progress(Path(f"{out}.progress"), header)
    done, rows_bytes, errors_bytes = journal.resume_point()
    if done and (not partial.exists() or partial.stat().st_size < rows_bytes):
        done, rows_bytes, errors_bytes = 0, 0, 0
    summary = Summary(resumed_from=done)
    started = time.time()
    try:
        rows_fh = open(partial, "r+b" if partial.exists() and done else "w+b")
    except OSError as exc:
        raise OutputError(f"{out}: cannot write: {exc.strerror or exc}") from exc
    try:
        errors_fh = open(errors_partial, "r+b" if errors_partial.exists() and done else "w+b")
    except OSError as exc:
        _close_quietly(rows_fh)
        raise OutputError(f"{out}: cannot write: {exc.strerror or exc}") from exc
    keep = f"finished rows are kept in {partial}; run the same command again to resume"
    try:
        for fh, size in ((rows_fh, rows_bytes), (errors_fh, errors_bytes)):
            fh.truncate(size)
            fh.seek(size)
        journal.start((done, rows_bytes, errors_bytes))
        count_done = 0

        def skip_done():
            nonlocal count_done
            for unit in units:
                count_done += 1
                if count_done > done:
                    yield unit
                elif progress is not None:
                    progress(0, 0, skipped=True)

        index = done
        batches = (
            pipeline.score_batches(skip_done())
            if hasattr(pipeline, "score_batches")  # the Ray engine yields units one by one
            else ([item] for item in pipeline.score_units(skip_done()))
        )
        for batch in batches:
            for unit, result in batch:
                index += 1
                if isinstance(result, list):
                    summary.articles += 1
                    summary.statements += len(result)
                    rows_fh.write(b"".join(_line(r) for r in result))
                    if progress is not None:
                        progress(1, len(result))
                else:
                    origin = unit.origin if isinstance(unit, ReadError) else (unit.origin or unit.doc_id)
                    summary.skipped += 1
                    summary.reasons[str(result).split(" (")[0].split(":")[0]] += 1
                    record = {"origin": origin, "reason": str(result)}
                    if isinstance(unit, Article):
                        record["doc_id"] = unit.doc_id
                    errors_fh.write(_line(record))
                    if progress is not None:
                        progress(0, 0, error=True)
            _commit(journal, index, rows_fh, errors_fh)  # at batch boundaries only: see score_batches
        _commit(journal, index, rows_fh, errors_fh)
        rows_fh.close()
        errors_fh.close()
    except OSError as exc:
        raise OutputError(f"{out}: cannot write: {exc.strerror or exc} ({keep})") from exc
    finally:
        # After a failed write, closing flushes the rest of the buffer and fails again (disk full):
        # that second error must not replace the first. What was not committed is cut on resume.
        _close_quietly(rows_fh)
        _close_quietly(errors_fh)
    errors_out = errors_path(out)
    finished = False
    try:
        _finish(partial, out, fmt, pipeline.classifier.targets)  # removes its temporary file if it fails
        finished = True
        os.replace(errors_partial, errors_out)
    except OSError as exc:
        if finished:
            out.unlink(missing_ok=True)  # no results file without its errors file beside it
        raise OutputError(f"{out}: cannot write: {exc.strerror or exc} ({keep})") from exc
    with contextlib.suppress(OSError):  # done: what is left here would only be finished again
        partial.unlink()
        Path(f"{out}.progress").unlink()
    for stale in out.parent.glob(f".{glob.escape(out.name)}.tmp-*"):  # a run killed while it finished
        with contextlib.suppress(OSError):
            stale.unlink()
    summary.seconds = time.time() - started
    summary.out, summary.errors_out = out, errors_out
    return summary


def _close_quietly(fh) -> None:
    try:
        fh.close()
    except OSError:
        pass


def _commit(journal: _Progress, done: int, rows_fh, errors_fh) -> None:
    for fh in (rows_fh, errors_fh):
        fh.flush()
        os.fsync(fh.fileno())
    journal.commit(done, rows_fh.tell(), errors_fh.tell())


def _finish(partial: Path, out: Path, fmt: str, targets: list[str]) -> None:
    """Turn the finished JSONL rows into ``out`` atomically."""
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        if fmt == "jsonl":
            with open(partial, "rb") as src, open(tmp, "wb") as dst:
                for line in src:
                    row = json.loads(line)
                    row["stance"] = {t: row[f"stance_{t}"] for t in targets}
                    dst.write(_line(row))
        else:
            _write_table(partial, tmp, fmt, targets)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_table(partial: Path, tmp: Path, fmt: str, targets: list[str]) -> None:
    import pyarrow as pa

    columns = result_columns(targets)
    schema = arrow_schema(targets)
    writer = None
    try:
        with open(partial, "rb") as src:
            while True:
                chunk = [json.loads(line) for _, line in zip(range(20000), src, strict=False)]
                if not chunk and writer is not None:
                    break
                table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in chunk], schema=schema)
                if writer is None:
                    if fmt == "parquet":
                        import pyarrow.parquet as pq

                        writer = pq.ParquetWriter(str(tmp), schema)
                    else:
                        import pyarrow.csv as pcsv

                        writer = pcsv.CSVWriter(str(tmp), schema)
                writer.write_table(table)
                if not chunk:
                    break
    finally:
        if writer is not None:
            writer.close()


def arrow_schema(targets: list[str]):
    """The stable Parquet/CSV schema of a results table."""
    import pyarrow as pa

    types = {
        "start": pa.int64(),
        "end": pa.int64(),
        "speaker_start": pa.int64(),
        "speaker_end": pa.int64(),
        "actor_prob": pa.float64(),
        "schema_version": pa.int64(),
    }
    for target in targets:
        for label in ("favor", "against", "none"):
            types[f"p_{target}_{label}"] = pa.float64()
    return pa.schema([(c, types.get(c, pa.string())) for c in result_columns(targets)])
