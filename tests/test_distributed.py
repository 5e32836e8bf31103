"""``--engine ray`` on a local Ray instance with 2 CPUs: its files equal the local engine's, byte for byte."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from conftest import ROOT, no_traceback, run_stance

ray = pytest.importorskip("ray")
pytestmark = [pytest.mark.ray, pytest.mark.slow]

CORPUS = ROOT / "data" / "corpus"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[Path]:
    """Two splits of our corpus (over 512 statements: several classifier groups) and bad inputs."""
    bad = tmp_path_factory.mktemp("bad")
    (bad / "empty.txt").write_text("", encoding="utf-8")
    (bad / "binary.txt").write_bytes(b"MZ\x00\x01\x02")
    (bad / "broken.jsonl").write_text('{"doc_id": "x", "text": ""}\nnot json\n', encoding="utf-8")
    return [CORPUS / "dev.articles.jsonl", bad, CORPUS / "test.articles.jsonl"]


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, object_store_memory=200 * 1024 * 1024, include_dashboard=False,
             logging_level=logging.WARNING, log_to_driver=False)
    yield
    ray.shutdown()


def _local(inputs, out: Path, model: Path, precision: str):
    from stance.ingest import read_articles
    from stance.output import score_to_file
    from stance.pipeline import Pipeline

    pipe = Pipeline.load(model, precision=precision)
    key = sorted(str(p.resolve()) for p in inputs) + ["max_chars=1000000"]
    return score_to_file(pipe, read_articles(inputs), out, inputs_key=key), pipe.batch_statements


def _errors(out: Path) -> Path:
    return out.with_name(out.name.rsplit(".", 1)[0] + ".errors.jsonl")


@pytest.mark.parametrize("precision,suffix,window", [("int8", ".jsonl", 7), ("fp32", ".parquet", 5000)])
def test_ray_output_equals_local(tiny, inputs, local_ray, tmp_path, precision, suffix, window):
    from stance.distributed import score_with_ray

    local_out, ray_out = tmp_path / f"local{suffix}", tmp_path / f"ray{suffix}"
    expected, group = _local(inputs, local_out, tiny.model, precision)
    assert expected.statements > group  # more than one classifier group, so the grouping is exercised
    assert expected.skipped == 4
    # window=7 cuts the collection into pieces mid-group: the groups must still match the local engine's
    got = score_with_ray(inputs, ray_out, model=tiny.model, precision=precision, window=window)
    assert ray.is_initialized()  # a Ray it did not start is left running
    for field in ("articles", "skipped", "statements", "reasons"):
        assert getattr(got, field) == getattr(expected, field), field
    assert ray_out.read_bytes() == local_out.read_bytes()
    assert _errors(ray_out).read_bytes() == _errors(local_out).read_bytes()
    assert not list(tmp_path.glob("ray*.partial")) and not list(tmp_path.glob("*.progress"))


def test_cli_engine_ray_equals_local_engine(tiny, inputs, tmp_path):
    local_out, ray_out = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    base = ["score", *inputs, "--model", tiny.model, "--precision", "fp32"]
    local = run_stance(*base, "-o", local_out)
    no_traceback(local)
    assert local.returncode == 0, local.stderr[-2000:]
    proc = run_stance(*base, "-o", ray_out, "--engine", "ray", timeout=600)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert ray_out.read_bytes() == local_out.read_bytes()
    errors = [json.loads(line) for line in _errors(ray_out).read_text(encoding="utf-8").splitlines()]
    assert _errors(ray_out).read_bytes() == _errors(local_out).read_bytes()
    assert {e["reason"].split(" (")[0] for e in errors} >= {"empty article", "invalid JSON"}
    assert _summary_line(proc.stderr) == _summary_line(local.stderr)


def _summary_line(stderr: str) -> str:
    """'52 articles scored, 602 statements, 4 inputs skipped' from the CLI's summary, without the seconds."""
    line = next(x for x in stderr.splitlines() if "articles scored" in x)
    return re.sub(r", [\d.]+ s$", "", line)


def test_bad_model_folder_is_refused_before_ray_starts(inputs, tmp_path):
    from stance.distributed import score_with_ray
    from stance.model import ModelError

    running = ray.is_initialized()
    with pytest.raises(ModelError, match="no such model folder"):
        score_with_ray(inputs, tmp_path / "out.jsonl", model=tmp_path / "missing")
    assert ray.is_initialized() == running
    assert not (tmp_path / "out.jsonl").exists()


def test_model_is_shipped_to_nodes_that_lack_its_folder(tiny, local_ray, tmp_path):
    from stance.actors import ActorTable
    from stance.distributed import _model_files, _model_info, _Setup

    info = _model_info(tiny.model, "fp32", False)
    shipped = [ray.put({"actors": ActorTable.load([]), "model": _model_files(info.folder)})]
    assert _Setup(info, [], shipped).model_folder() == info.folder  # a node that has the folder uses it
    info.folder = tmp_path / "elsewhere" / tiny.model.name  # as seen from a node without it
    folder = _Setup(info, [], shipped).model_folder()
    assert folder.name == tiny.model.name and folder != info.folder
    for path in tiny.model.iterdir():
        if path.is_file():
            assert (folder / path.name).read_bytes() == path.read_bytes()
    assert len(_Setup(info, [], shipped).actor_table().entries) == len(ActorTable.load([]).entries)
