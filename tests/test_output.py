"""Results files (stance.output): the three formats and their schema, resuming after a crash (in process
and a real ``stance score`` killed with SIGKILL), and output that cannot be written."""

from __future__ import annotations

import json
import math
import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from conftest import ROOT, no_traceback, run_stance

from stance.ingest import read_articles
from stance.output import OutputError, arrow_schema, errors_path, score_to_file
from stance.pipeline import Pipeline
from stance.results import read_results, result_columns

TRAIN_ARTICLES = ROOT / "data" / "corpus" / "train.articles.jsonl"
N_ARTICLES = 40
BAD_LINES = [
    '{"doc_id": "broken", "text": "cut off\n',
    '{"doc_id": "w-number", "text": 42}\n',
    "[1, 2]\n",
]


def make_collection(folder: Path, n_articles: int) -> Path:
    """Paragraphs of the training articles that report speech, as ``n_articles`` short articles in one
    JSONL file, with three bad lines (lines 4, 7 and 10) and a duplicate doc_id (the last line)."""
    chosen = []
    for line in TRAIN_ARTICLES.read_text(encoding="utf-8").splitlines():
        article = json.loads(line)
        for k, para in enumerate(article["text"].split("\n\n")):
            if len(para) > 80 and any(mark in para for mark in ("said", '"', "“")):
                meta = {key: article.get(key) for key in ("title", "date", "source", "url")}
                chosen.append(json.dumps({"doc_id": f"{article['doc_id']}-p{k}", "text": para, **meta},
                                         ensure_ascii=False) + "\n")
        if len(chosen) >= n_articles:
            break
    chosen = chosen[:n_articles]
    for k, bad in enumerate(BAD_LINES):
        chosen.insert(3 + 3 * k, bad)
    chosen.append(chosen[0])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "collection.jsonl"
    path.write_text("".join(chosen), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pipe(tiny) -> Pipeline:
    return Pipeline.load(tiny.model, precision="fp32")


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> Path:
    return make_collection(tmp_path_factory.mktemp("collection"), N_ARTICLES)


def score(pipe, inputs, out: Path, **kw):
    return score_to_file(pipe, read_articles([inputs]), out, inputs_key=[str(inputs)], **kw)


@pytest.fixture(scope="module")
def outputs(pipe, collection, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("formats")
    paths = {}
    for fmt in ("jsonl", "csv", "parquet"):
        paths[fmt] = folder / f"results.{fmt}"
        summary = score(pipe, collection, paths[fmt])
        assert (summary.articles, summary.skipped) == (N_ARTICLES, 4)
    return paths


# -- formats and schema --------------------------------------------------------------------------------------


def _plain(values) -> list:
    """Column values with missing ones as None and numbers as float, to compare across formats."""
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            out.append(round(float(v), 9))  # pandas' JSON reader is off in the last binary digit
        else:
            out.append(v)
    return out


def test_every_format_holds_the_same_rows(outputs):
    frames = {fmt: read_results(path) for fmt, path in outputs.items()}
    base = frames["parquet"]
    assert len(base) > 30
    for fmt, frame in frames.items():
        assert sorted(frame.columns) == sorted(base.columns), fmt
        for column in base.columns:
            assert _plain(frame[column].tolist()) == _plain(base[column].tolist()), (fmt, column)


def test_parquet_and_csv_have_the_stable_schema(pipe, outputs):
    targets = pipe.classifier.targets
    assert pq.read_schema(outputs["parquet"]).remove_metadata() == arrow_schema(targets)
    header = outputs["csv"].read_text(encoding="utf-8").splitlines()[0].replace('"', "").split(",")
    assert header == result_columns(targets)
    table = pcsv.read_csv(outputs["csv"])
    assert table.num_rows == pq.read_metadata(outputs["parquet"]).num_rows


def test_jsonl_rows_are_guidelines_records(pipe, outputs):
    targets = pipe.classifier.targets
    for line in outputs["jsonl"].read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        assert set(row) == {*result_columns(targets), "stance"}
        assert row["stance"] == {t: row[f"stance_{t}"] for t in targets}


def test_skipped_inputs_go_to_the_errors_file(outputs, collection):
    for path in outputs.values():
        errors = [json.loads(line) for line in errors_path(path).read_text(encoding="utf-8").splitlines()]
        assert [e["origin"].rsplit(":", 1)[-1] for e in errors] == ["4", "7", "10", str(N_ARTICLES + 4)]
        assert errors[0]["reason"].startswith("invalid JSON")
        assert errors[1]["reason"] == "'text' is an int, not a string"
        assert errors[2]["reason"] == "expected a JSON object, got list"
        assert errors[3]["reason"].startswith("duplicate doc_id")
        assert all(e["origin"].startswith(str(collection)) for e in errors)


def test_no_work_files_are_left(outputs):
    folder = next(iter(outputs.values())).parent
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([f"results.{f}" for f in ("jsonl", "csv", "parquet")]
                           + ["results.errors.jsonl"])


def test_unknown_format_and_missing_folder_are_refused(pipe, collection, tmp_path):
    with pytest.raises(OutputError, match="unknown results format"):
        score(pipe, collection, tmp_path / "results.xlsx")
    with pytest.raises(OutputError, match="no such directory"):
        score(pipe, collection, tmp_path / "nope" / "results.jsonl")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="cannot write"):
        score(pipe, collection, tmp_path / "file" / "results.jsonl")


# -- resuming ----------------------------------------------------------------------------------------------


class Crash(BaseException):
    """Stands in for a kill: nothing after it runs."""


def crashing(units, after: int):
    for i, unit in enumerate(units):
        if i == after:
            raise Crash
        yield unit


def _done(out: Path) -> int:
    return json.loads(Path(f"{out}.progress").read_text().splitlines()[-1])["done"]


class HashClassifier:
    """A stand-in classifier whose probabilities are a pure function of each statement: fast, and
    independent of batching, so that resuming can be held to the exact bytes."""

    actors = ["syrian_government", "hts", "other"]
    targets = ["assad_government", "armed_opposition"]
    name, version, hash, precision = "hash", "v0", "0123456789abcdef", "fp32"

    def predict(self, speakers, cues, texts):
        import hashlib

        from stance.classify import Predictions

        def probs(key: str, n: int) -> np.ndarray:
            raw = np.frombuffer(hashlib.sha256(key.encode()).digest()[:n], dtype=np.uint8) + 1.0
            return (raw / raw.sum()).astype(np.float32)

        actor = np.array([probs(f"{s}|{t}", 3) for s, t in zip(speakers, texts, strict=True)]).reshape(-1, 3)
        stance = np.array([[probs(f"{k}|{t}", 3) for k in range(2)] for t in texts]).reshape(-1, 2, 3)
        return Predictions(actor, stance)


def test_resume_after_crashes_gives_the_same_bytes(tmp_path):
    collection = make_collection(tmp_path / "in", 300)
    pipe = Pipeline(HashClassifier(), batch_statements=16)
    reference = tmp_path / "ref" / "results.csv"
    reference.parent.mkdir()
    score(pipe, collection, reference)
    out = tmp_path / "run" / "results.csv"
    out.parent.mkdir()
    done = []
    for after in (60, 250, 255, 290, 303):  # 255 is reached again while the resumed run skips what is done
        with pytest.raises(Crash):
            score_to_file(pipe, crashing(read_articles([collection]), after), out,
                          inputs_key=[str(collection)])
        assert not out.exists()
        done.append(_done(out))
    assert done == sorted(done) and done[-1] > 0  # committed work is never lost (commits at batch ends)
    summary = score(pipe, collection, out)
    assert summary.resumed_from == done[-1] > 0
    assert out.read_bytes() == reference.read_bytes()
    assert errors_path(out).read_bytes() == errors_path(reference).read_bytes()
    assert sorted(p.name for p in out.parent.iterdir()) == ["results.csv", "results.errors.jsonl"]


def test_text_columns_stay_text_in_every_format(tmp_path):
    articles = tmp_path / "a.jsonl"
    articles.write_text(json.dumps({"doc_id": "00042", "title": "1e5", "text": "UN envoy Geir Pedersen said "
                                    "all sides should return to talks in Geneva."}) + "\n")
    pipe = Pipeline(HashClassifier())
    for fmt in ("jsonl", "parquet", "csv"):
        out = tmp_path / fmt / f"results.{fmt}"
        out.parent.mkdir()
        score(pipe, articles, out)
        frame = read_results(out)
        assert frame["doc_id"].tolist() == ["00042"] and frame["title"].tolist() == ["1e5"], fmt


def test_torn_progress_record_resumes_from_the_last_whole_one(tmp_path):
    collection = make_collection(tmp_path / "in", 300)
    pipe = Pipeline(HashClassifier(), batch_statements=16)
    reference = tmp_path / "ref" / "results.jsonl"
    reference.parent.mkdir()
    score(pipe, collection, reference)
    out = tmp_path / "results.jsonl"
    with pytest.raises(Crash):
        score_to_file(pipe, crashing(read_articles([collection]), 280), out, inputs_key=[str(collection)])
    journal = Path(f"{out}.progress")
    lines = journal.read_text().splitlines()
    assert len(lines) >= 4  # header, start point, two commits
    journal.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][: len(lines[-1]) // 2])  # killed mid-write
    with open(f"{out}.partial", "ab") as fh:
        fh.write(b'{"doc_id": "half a row')  # and mid-row
    summary = score(pipe, collection, out)
    assert summary.resumed_from == json.loads(lines[-2])["done"]
    assert out.read_bytes() == reference.read_bytes()


def test_other_inputs_start_afresh(tmp_path):
    collection = make_collection(tmp_path / "in", 300)
    pipe = Pipeline(HashClassifier(), batch_statements=16)
    out = tmp_path / "results.jsonl"
    with pytest.raises(Crash):
        score_to_file(pipe, crashing(read_articles([collection]), 250), out, inputs_key=["another input"])
    assert _done(out) > 0
    summary = score(pipe, collection, out)
    assert summary.resumed_from == 0 and summary.articles == 300


# -- SIGKILL at random points --------------------------------------------------------------------------------


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


MODEL_FIELDS = ("actor", "actor_prob", "actor_reason", "stance")


def _committed_bytes(out: Path) -> int:
    journal = Path(f"{out}.progress")
    return json.loads(journal.read_text().splitlines()[-1])["rows_bytes"] if journal.exists() else 0


def _touched_since(path: Path, since_ns: int) -> bool:
    try:
        return path.stat().st_mtime_ns >= since_ns
    except FileNotFoundError:
        return False


# ``stance score`` itself, with classification batches of 24 statements instead of 512 so that a small
# collection has many batch boundaries, where a run commits its rows and can resume
_SMALL_BATCHES = (
    "import sys; import stance.pipeline as p; "
    "p.Pipeline.__init__.__kwdefaults__['batch_statements'] = int(sys.argv.pop(1)); "
    "sys.argv[0] = 'stance'; from stance.cli import main; main()"
)


@pytest.fixture(scope="module")
def killed(tiny, tmp_path_factory) -> dict:
    """``stance score`` run once without a break, and once killed with SIGKILL at 10 random points and run
    again after each kill. Every kill comes after the run has started scoring (it has written its progress
    journal): half at a random moment, half when the rows file reaches a random size."""
    folder = tmp_path_factory.mktemp("killed")
    collection = make_collection(folder / "in", 150)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"}

    def start(out: Path) -> tuple[subprocess.Popen, int, float]:
        """The process, and when its progress journal was first written (ns clock, perf seconds)."""
        begun = time.time_ns()
        command = [sys.executable, "-c", _SMALL_BATCHES, "24", "score", str(collection),
                   "--model", str(tiny.model), "--precision", "fp32", "-o", str(out)]
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        while proc.poll() is None and not _touched_since(Path(f"{out}.progress"), begun):
            time.sleep(0.01)
        return proc, begun, time.perf_counter()

    reference = folder / "ref" / "results.jsonl"
    reference.parent.mkdir()
    proc, _, scoring_from = start(reference)
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()[-2000:]
    scoring = time.perf_counter() - scoring_from
    out = folder / "run" / "results.jsonl"
    out.parent.mkdir()
    rnd = random.Random(int(os.environ.get("STANCE_KILL_SEED", "20241208")))
    kills, finished_early, log = 0, 0, []
    started = time.perf_counter()
    while kills < 10:
        by_size = kills % 2 == 1
        # each run may get up to a quarter of the work further than the last commit, so that the kill
        # points spread over the whole collection
        committed = _committed_bytes(out)
        target = committed + rnd.uniform(0.01, 0.25) * reference.stat().st_size
        delay = rnd.uniform(0.0, 0.25) * scoring
        proc, begun, scoring_from = start(out)
        partial = Path(f"{out}.partial")
        while proc.poll() is None:
            if by_size and _touched_since(partial, begun) and partial.stat().st_size >= target:
                break
            if not by_size and time.perf_counter() >= scoring_from + delay:
                break
            time.sleep(0.005)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
            done = _done(out) if Path(f"{out}.progress").exists() else "all"
            log.append(f"kill {kills} ({'size' if by_size else 'time'}): {done} inputs committed")
        else:  # it finished before its kill point: check it and start again from nothing
            assert proc.returncode == 0, proc.stderr.read().decode()[-2000:]
            finished_early += 1
            assert out.read_bytes() == reference.read_bytes()
            for path in out.parent.iterdir():
                path.unlink()
    final, _, _ = start(out)
    final.wait(timeout=300)
    final.stderr_text = final.stderr.read().decode()
    return {"reference": reference, "out": out, "final": final, "kills": kills, "log": log,
            "scoring": scoring, "finished_early": finished_early, "seconds": time.perf_counter() - started}


def _same_rows(got: list[dict], want: list[dict]) -> None:
    """Assert no row is lost, doubled or changed outside the model's outputs."""
    def keys(rows):
        return [(r["doc_id"], r["start"], r["end"]) for r in rows]

    assert keys(got) == keys(want)

    def plain(row):
        return {k: v for k, v in row.items() if not k.startswith(("p_", "stance")) and k not in MODEL_FIELDS}

    for a, b in zip(got, want, strict=True):
        assert plain(a) == plain(b)


@pytest.mark.slow
def test_stance_score_killed_at_random_points_gives_the_same_bytes(killed):
    final, out, reference = killed["final"], killed["out"], killed["reference"]
    assert final.returncode == 0, final.stderr_text[-2000:]
    assert "Traceback" not in final.stderr_text
    assert killed["kills"] == 10
    print(f"uninterrupted scoring {killed['scoring']:.0f} s; {killed['kills']} kills in "
          f"{killed['seconds']:.0f} s; {killed['finished_early']} runs finished before their kill point",
          *killed["log"], sep="\n")
    _same_rows(_rows(out), _rows(reference))  # no row lost or doubled
    assert out.read_bytes() == reference.read_bytes()
    assert errors_path(out).read_bytes() == errors_path(reference).read_bytes()
    assert sorted(p.name for p in out.parent.iterdir()) == ["results.errors.jsonl", "results.jsonl"]


# -- output that cannot be written -------------------------------------------------------------------------


def _file_size_limit(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.slow
def test_full_disk_while_scoring_leaves_no_complete_looking_file(tiny, collection, outputs, tmp_path):
    out = tmp_path / "results.jsonl"
    args = ["score", collection, "--model", tiny.model, "--precision", "fp32", "-o", out]
    proc = run_stance(*args, preexec_fn=_file_size_limit(20_000))
    assert proc.returncode != 0
    assert not out.exists() and not errors_path(out).exists()  # nothing that looks complete
    assert Path(f"{out}.partial").stat().st_size <= 20_000
    proc = run_stance(*args)
    assert proc.returncode == 0, proc.stderr
    _same_rows(_rows(out), _rows(outputs["jsonl"]))


@pytest.mark.slow
def test_full_disk_while_scoring_is_a_clear_error(tiny, collection, tmp_path):
    out = tmp_path / "results.jsonl"
    proc = run_stance("score", collection, "--model", tiny.model, "--precision", "fp32", "-o", out,
                      preexec_fn=_file_size_limit(20_000))
    no_traceback(proc)
    assert proc.returncode == 4, proc.stderr
    assert f"error: {out}: cannot write: File too large" in proc.stderr
    assert "run the same command again to resume" in proc.stderr


def test_full_disk_while_finishing_is_a_clear_error(tiny, collection, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import stance.output as O
    from stance.cli import app

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(O, "_write_table", no_space)
    out = tmp_path / "results.parquet"
    args = ["score", str(collection), "--model", str(tiny.model), "--precision", "fp32", "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert not out.exists()
    assert result.exit_code == 4 and "No space left on device" in result.stderr, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not errors_path(out).exists()
    assert Path(f"{out}.partial").exists() and Path(f"{out}.progress").exists()  # kept for the rerun
    monkeypatch.undo()
    result = CliRunner().invoke(app, args)  # resumes after every input: only the finishing step is left
    assert "resumed after 44 inputs done" in result.stdout + result.stderr, result.stderr
    assert result.exit_code == 0, result.stderr  # nothing left to read is no failure on a rerun
    assert out.exists() and errors_path(out).exists() and not Path(f"{out}.partial").exists()
    assert len(read_results(out)) > 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_a_clear_error(tiny, collection, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        proc = run_stance("score", collection, "--model", tiny.model, "-o", folder / "results.jsonl")
    finally:
        folder.chmod(0o700)
    assert proc.returncode == 4 and f"error: {folder}: not writable" in proc.stderr
    assert list(folder.iterdir()) == []


def test_a_run_killed_while_finishing_leaves_no_temporary_file_after_the_rerun(pipe, collection, tmp_path):
    out = tmp_path / "results.jsonl"
    stale = tmp_path / ".results.jsonl.tmp-999999"  # what a run killed inside _finish leaves behind
    stale.write_text('{"doc_id": "half a row', encoding="utf-8")
    other = tmp_path / ".other.jsonl.tmp-999999"  # another output's: not ours to remove
    other.write_text("", encoding="utf-8")
    score_to_file(pipe, read_articles([collection]), out, inputs_key=[str(collection)])
    assert not stale.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.jsonl.tmp-999999", "results.errors.jsonl",
                                                           "results.jsonl"]
