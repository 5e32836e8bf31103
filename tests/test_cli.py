"""The command line (stance.cli): each command's exit status and messages, with the tiny model.

Exit statuses (stance/cli.py): 0 done; 1 nothing could be read; 2 wrong usage; 3 bad data (labels,
results file, model folder, actors table); 4 the output cannot be written.
"""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stance.cli import app
from stance.results import read_results

DATA = Path(__file__).parent / "data"
RESULTS_SMALL = DATA / "results_small.jsonl"
SEED_ARTICLE = Path(__file__).resolve().parents[1] / "stance" / "data" / "seed.txt"


NOISE = ("Loading weights", "Writing model shards")  # transformers' own progress bars


def cli(*args, raw: bool = False) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of one in-process run; an uncaught exception fails the test."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback from stance {' '.join(map(str, args))}") from result.exception
    err = result.stderr
    if not raw:
        err = "".join(line for line in err.splitlines(keepends=True) if not line.startswith(NOISE))
    return result.exit_code, result.stdout, err


@pytest.fixture(scope="module")
def scored(tiny, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "results.jsonl"
    code, _, err = cli("score", tiny.articles, SEED_ARTICLE, "--model", tiny.model, "--precision", "fp32",
                       "-o", out)
    assert code == 0, err
    return out


# -- usage ----------------------------------------------------------------------------------------------


def test_wrong_usage_exits_2():
    assert cli("frobnicate")[0] == 2
    assert cli("score", SEED_ARTICLE)[0] == 2  # no -o
    code, _, err = cli("extract", SEED_ARTICLE, "--format", "xml")
    assert code == 2 and "error: --format must be jsonl or csv, not 'xml'" in err


# -- extract --------------------------------------------------------------------------------------------


def test_extract_writes_statements_and_a_summary():
    code, out, err = cli("extract", SEED_ARTICLE)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) >= 30
    assert err.strip().splitlines()[-1] == f"1 articles read, 0 skipped, {len(rows)} statements"
    assert all(row["doc_id"] == "seed" and row["actor"] for row in rows)


def test_extract_csv_file(tmp_path):
    out = tmp_path / "statements.csv"
    code, _, _ = cli("extract", SEED_ARTICLE, "-o", out)
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert code == 0 and header[:4] == ["doc_id", "start", "end", "text"]


def test_extract_reports_each_skipped_input_and_goes_on(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    code, out, err = cli("extract", tmp_path / "empty.txt", tmp_path / "missing.txt", SEED_ARTICLE)
    assert code == 0 and out
    assert f"skipped {tmp_path / 'empty.txt'}: empty article (no text)" in err
    assert f"skipped {tmp_path / 'missing.txt'}: no such file or directory" in err
    assert "1 articles read, 2 skipped" in err


def test_extract_with_nothing_readable_exits_1(tmp_path):
    (tmp_path / "empty.txt").write_text("  \n")
    code, out, err = cli("extract", tmp_path / "empty.txt")
    assert (code, out) == (1, "") and "0 articles read, 1 skipped, 0 statements" in err


def test_extract_bad_actors_table_exits_3(tmp_path):
    table = tmp_path / "actors.csv"
    table.write_text("pattern,actor\nLavrov,kremlin_faction,,,person\n")
    code, _, err = cli("extract", SEED_ARTICLE, "--actors", table)
    assert code == 3 and err.startswith(f"error: {table}")


def test_extract_unwritable_output_exits_4(tmp_path):
    code, _, err = cli("extract", SEED_ARTICLE, "-o", tmp_path / "no" / "such" / "dir.jsonl")
    assert code == 4 and "cannot write" in err


# -- score -------------------------------------------------------------------------------------------------


def test_score_writes_results_and_a_summary(scored, tiny):
    frame = read_results(scored)
    assert set(frame["doc_id"]) == {"tiny-a", "tiny-b", "tiny-c", "tiny-d", "seed"}
    assert (frame["model_name"] == "tiny").all()
    errors = scored.with_name("results.errors.jsonl")
    assert errors.exists() and errors.read_text() == ""


def test_score_is_quiet_in_pipes(tiny, tmp_path):
    code, _, err = cli("score", SEED_ARTICLE, "--model", tiny.model, "-o", tmp_path / "r.jsonl", raw=True)
    assert code == 0
    assert not any(line.startswith(NOISE) for line in err.splitlines()), err


def test_score_summary_names_skipped_inputs(tiny, tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"doc_id": "x", "text": 5}\nnot json\n')
    out = tmp_path / "results.jsonl"
    code, _, err = cli("score", SEED_ARTICLE, tmp_path / "bad.jsonl", "--model", tiny.model, "-o", out)
    assert code == 0, err
    lines = err.strip().splitlines()
    assert lines[0].startswith("1 articles scored, ") and ", 2 inputs skipped, " in lines[0]
    assert lines[1] == "classifier: tiny, fp32"  # the tiny model has no fast-path record: auto is fp32
    assert f"results: {out}" in lines
    assert f"skipped inputs and reasons: {out.with_name('results.errors.jsonl')}" in lines
    errors = [json.loads(x) for x in out.with_name("results.errors.jsonl").read_text().splitlines()]
    assert [e["origin"] for e in errors] == [f"{tmp_path / 'bad.jsonl'}:1", f"{tmp_path / 'bad.jsonl'}:2"]


def test_score_summary_says_when_the_fast_path_scored_and_how_often_it_fell_back(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("STANCE_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "results.jsonl"
    code, _, err = cli("score", SEED_ARTICLE, "--model", tiny.model, "--precision", "int8", "-o", out)
    assert code == 0, err
    line = err.strip().splitlines()[1]
    assert line.startswith("classifier: tiny, int8 fast path; ") and "fallback margin 0.1)" in line
    rescored = int(line.split("; ")[1].split()[0])
    assert 0 <= rescored <= len(out.read_text().splitlines())


def test_score_with_nothing_readable_exits_1(tiny, tmp_path):
    (tmp_path / "empty.txt").write_text("")
    code, _, err = cli("score", tmp_path / "empty.txt", "--model", tiny.model, "-o", tmp_path / "r.jsonl")
    assert code == 1 and "0 articles scored" in err


def test_score_refuses_bad_model_folders_with_3(tiny, tmp_path):
    code, _, err = cli("score", SEED_ARTICLE, "--model", tmp_path / "nope", "-o", tmp_path / "r.jsonl")
    assert code == 3 and err.strip() == f"error: {tmp_path / 'nope'}: no such model folder"
    folder = tmp_path / "pickled"
    shutil.copytree(tiny.model, folder)
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps({"weights": 1}))
    code, _, err = cli("score", SEED_ARTICLE, "--model", folder, "-o", tmp_path / "r.jsonl")
    assert code == 3 and "holds pickle weights (pytorch_model.bin)" in err
    code, _, err = cli("score", SEED_ARTICLE, "--model", folder, "--allow-pickle", "-o", tmp_path / "r.jsonl")
    assert code == 0, err


def test_score_unwritable_output_exits_4(tiny, tmp_path):
    code, _, err = cli("score", SEED_ARTICLE, "--model", tiny.model, "-o", tmp_path / "no" / "r.jsonl")
    assert code == 4 and err.strip() == f"error: {tmp_path / 'no'}: no such directory"
    code, _, err = cli("score", SEED_ARTICLE, "--model", tiny.model, "-o", tmp_path / "r.xlsx")
    assert code == 4 and "unknown results format" in err


# -- evaluate ----------------------------------------------------------------------------------------------


def test_evaluate_prints_scores(tiny, scored):
    code, out, _ = cli("evaluate", "--gold", tiny.train_labels, "--pred", scored)
    assert code == 0 and out.startswith("statements  gold 15  pred ")
    code, out, _ = cli("evaluate", "--gold", tiny.train_labels, "--pred", scored, "--json")
    metrics = json.loads(out)
    assert code == 0 and metrics["statements"]["gold"] == 15 and 0 < metrics["statements"]["recall"] <= 1
    assert set(metrics["stance"]["f_avg"]) == {"assad_government", "armed_opposition", "political_solution",
                                               "foreign_involvement"}


def test_evaluate_bad_file_exits_3_with_file_and_line(tmp_path, tiny):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"doc_id": "a", "start": 0, "end": 5}\n{"doc_id": "a", "start": 0,\n')
    code, _, err = cli("evaluate", "--gold", gold, "--pred", tiny.train_labels)
    assert code == 3 and err.startswith(f"error: {gold}:2: invalid JSON")


# -- train -------------------------------------------------------------------------------------------------


def test_train_extends_a_model_with_a_new_target(tiny, tmp_path):
    out = tmp_path / "aid-model"
    code, _, err = cli("train", "--data", tiny.new_target_labels, "--init-from", tiny.model, "--out", out,
                       "--epochs", "1")
    assert code == 0, err
    assert err.strip().splitlines()[-1] == f"model: {out}"
    assert json.loads((out / "config.json").read_text())["targets"][-1] == "humanitarian_access"


def test_train_from_a_missing_model_exits_3(tiny, tmp_path):
    code, _, err = cli("train", "--data", tiny.new_target_labels, "--init-from", tmp_path / "nope",
                       "--out", tmp_path / "m")
    assert code == 3 and err.startswith(f"error: {tmp_path / 'nope'}: cannot read model config")
    assert not (tmp_path / "m").exists()


# -- report, suggest, shifts -------------------------------------------------------------------------------


def test_report_writes_html(scored, tmp_path):
    out = tmp_path / "report.html"
    code, _, err = cli("report", scored, "-o", out)
    assert code == 0 and err.strip() == f"report: {out}"
    assert out.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html>")


def test_suggest_writes_records_and_label_studio_tasks(scored, tmp_path):
    out = tmp_path / "to_label.jsonl"
    code, _, err = cli("suggest", scored, "-n", "5", "-o", out)
    tasks = tmp_path / "to_label.labelstudio.json"
    assert code == 0 and err.strip().splitlines() == [f"records: {out}", f"Label Studio tasks: {tasks}"]
    assert len(out.read_text().splitlines()) == 5 and len(json.loads(tasks.read_text())) == 5


def test_shifts_finds_a_planted_turn(tmp_path):
    template = json.loads(RESULTS_SMALL.read_text().splitlines()[0])
    rows = []
    for i in range(12):  # Russia against the armed opposition for six statements, then for it
        label = "against" if i < 6 else "favor"
        rows.append({**template, "doc_id": f"s{i}", "date": "2024-12-01" if i < 6 else "2024-12-10",
                     "stance_armed_opposition": label, "p_armed_opposition_favor": 0.9 if i >= 6 else 0.05,
                     "p_armed_opposition_against": 0.05 if i >= 6 else 0.9,
                     "stance": {**template["stance"], "armed_opposition": label}})
    path = tmp_path / "results.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, out, _ = cli("shifts", path, "--min-n", "3")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 2, out
    assert lines[1].split()[:3] == ["2024-12-10", "Russia", "Armed"] and "-1.00   +1.00" in lines[1]
    code, out, _ = cli("shifts", RESULTS_SMALL, "--min-n", "2")
    assert code == 0 and out.strip() == "No shifts found."


@pytest.mark.parametrize("command", ["report", "suggest", "shifts"])
def test_results_commands_refuse_a_file_that_is_not_results(command, tiny, tmp_path):
    extra = ["-o", tmp_path / "out.x"] if command != "shifts" else []
    code, _, err = cli(command, tiny.train_labels, *extra)
    assert code == 3 and err.startswith(f"error: {tiny.train_labels}: not a stance results file")
    code, _, err = cli(command, tmp_path / "missing.jsonl", *extra)
    assert code == 3 and err.strip() == f"error: {tmp_path / 'missing.jsonl'}: no such results file"


def test_report_unwritable_output_exits_4(tmp_path):
    (tmp_path / "file").write_text("")
    code, _, err = cli("report", RESULTS_SMALL, "-o", tmp_path / "file" / "report.html")
    assert code == 4 and err.startswith(f"error: {tmp_path / 'file' / 'report.html'}: cannot write")


def test_warnings_are_one_plain_line(capsys, monkeypatch):
    import warnings

    from stance import cli

    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    def warn_once():
        warnings.warn("model files not verified", UserWarning, stacklevel=1)

    monkeypatch.setattr(cli, "app", warn_once)
    cli.main()
    err = capsys.readouterr().err
    assert err == "warning: model files not verified\n"
