"""The results table of ``stance score``: its columns, and reading it back.

One row per statement, flat columns in every format (JSONL, CSV, Parquet):

- the statement: ``doc_id start end text kind speaker speaker_start speaker_end cue``
- the article: ``title date source url``
- the actor: ``actor actor_prob actor_reason actor_source``
- per target T: ``stance_T`` (favor/against/none) and ``p_T_favor p_T_against p_T_none``
- the model: ``model_name model_version model_hash``
- ``schema_version``

JSONL rows also carry a nested ``stance`` mapping so that they are GUIDELINES §4
records. Targets are read from the ``stance_*`` columns, never assumed.
"""

from __future__ import annotations

from pathlib import Path

SCHEMA_VERSION = 1
STATEMENT_COLUMNS = (
    "doc_id",
    "start",
    "end",
    "text",
    "kind",
    "speaker",
    "speaker_start",
    "speaker_end",
    "cue",
)
ARTICLE_COLUMNS = ("title", "date", "source", "url")
ACTOR_COLUMNS = ("actor", "actor_prob", "actor_reason", "actor_source")
MODEL_COLUMNS = ("model_name", "model_version", "model_hash")


class ResultsError(ValueError):
    """A results file that cannot be read as stance results."""


def stance_columns(target: str) -> tuple[str, ...]:
    return (f"stance_{target}", f"p_{target}_favor", f"p_{target}_against", f"p_{target}_none")


def result_columns(targets) -> list[str]:
    cols = [*STATEMENT_COLUMNS, *ARTICLE_COLUMNS, *ACTOR_COLUMNS]
    for target in targets:
        cols.extend(stance_columns(target))
    return [*cols, *MODEL_COLUMNS, "schema_version"]


def targets_of(columns) -> list[str]:
    """The stance targets present in a results table, in column order."""
    return [c[len("stance_") :] for c in columns if c.startswith("stance_")]


def _read_csv(path: Path):
    """A CSV results file with the results schema's types: text columns stay text (a doc_id "00042"
    is not the number 42), numeric columns are parsed as numbers, and empty cells are missing values.
    Columns outside the schema are inferred."""
    import csv

    import pyarrow.csv as pcsv

    from .output import arrow_schema

    with open(path, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh), [])
    schema = arrow_schema(targets_of(header))
    types = {name: schema.field(name).type for name in header if schema.get_field_index(name) >= 0}
    table = pcsv.read_csv(
        path,
        convert_options=pcsv.ConvertOptions(
            column_types=types, null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True
        ),
    )
    return table.to_pandas()


def _bad_json_line(path: Path) -> tuple[int, str] | None:
    """The first line of a JSONL file that is not a JSON object, as (line number, reason); None when
    every line is one or the file is not text (then the file as a whole is the problem)."""
    import json

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            return number, f"invalid JSON: {exc.msg} (column {exc.colno})"
        if not isinstance(value, dict):
            return number, f"not a JSON object (a {type(value).__name__})"
    return None


def read_results(path: str | Path):
    """Read a results file (.jsonl, .csv or .parquet) into a pandas DataFrame."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise ResultsError(f"{path}: no such results file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix == ".csv":
            frame = _read_csv(path)
        elif suffix in (".jsonl", ".json"):
            frame = pd.read_json(path, lines=True, dtype=False)
        else:
            raise ResultsError(f"{path}: unknown results format {suffix!r} (use .jsonl, .csv or .parquet)")
    except ResultsError:
        raise
    except Exception as exc:  # pandas raises many types for a corrupt file
        bad = _bad_json_line(path) if suffix in (".jsonl", ".json") else None
        if bad is not None:
            raise ResultsError(f"{path}:{bad[0]}: cannot read results: {bad[1]}") from exc
        raise ResultsError(f"{path}: cannot read results: {exc}") from exc
    if frame.empty:
        return frame
    missing = [c for c in ("doc_id", "text", "actor") if c not in frame.columns]
    if missing or not targets_of(frame.columns):
        raise ResultsError(
            f"{path}: not a stance results file (missing {', '.join(missing) or 'stance_* columns'})"
        )
    version = frame["schema_version"].iloc[0] if "schema_version" in frame.columns else None
    if version is not None and int(version) != SCHEMA_VERSION:
        raise ResultsError(
            f"{path}: results schema version {version}, this stance reads {SCHEMA_VERSION}; "
            "re-run stance score"
        )
    if "stance" in frame.columns:
        frame = frame.drop(columns=["stance"])
    return frame
