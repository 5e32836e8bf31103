"""Bad input through every command: one clear message per bad input (file, line, reason), no traceback,
and the good part of the batch completes.

Small bad files are committed in ``tests/data/bad/``; big, binary and badly encoded ones are written at
test time by ``write_generated``. ``tests/RELIABILITY.md`` records what was tried and what still fails.
"""

from __future__ import annotations

import codecs
import json
import random
import shutil
from pathlib import Path

import pytest
from conftest import no_traceback, run_stance
from typer.testing import CliRunner

from stance.cli import app
from stance.extract import extract_statements
from stance.records import Article

BAD = Path(__file__).parent / "data" / "bad"
SEED = Path(__file__).resolve().parents[1] / "stance" / "data" / "seed.txt"
GOOD_SENTENCE = "The Syrian Observatory for Human Rights said 20 civilians were killed in Idlib on Monday.\n"
NOISE = ("Loading weights", "Writing model shards")

# committed article inputs: file -> [(line or None, reason the input is skipped)]
ARTICLE_SKIPS = {
    "empty.txt": [(None, "empty article (no text)")],
    "whitespace.txt": [(None, "empty article (no text)")],
    "scripts-only.html": [(None, "no article text found in the HTML")],
    "empty-body.html": [(None, "no article text found in the HTML")],
    "broken-lines.jsonl": [(2, "invalid JSON (Unterminated string"), (3, "invalid JSON (Expecting value"),
                           (4, "expected a JSON object, got list"), (5, "expected a JSON object, got str"),
                           (7, "invalid JSON (Expecting property name")],
    "wrong-types.jsonl": [(1, "'text' is an int, not a string"), (2, "'text' is missing"),
                          (3, "'doc_id' is a list, not a string"), (4, "'title' is a dict, not a string"),
                          (5, "'text' is a list, not a string")],
    "duplicate-ids.jsonl": [(2, "duplicate doc_id 'dup-1' (first at ")],
    "no-text-column.csv": [(1, "no 'text' column (columns: doc_id, title, body)")],
    "embedded-newlines.csv": [(5, "more fields than the header names"), (6, "empty article (no text)")],
}
# committed article inputs that are odd but readable: file -> doc_ids read from it
ARTICLE_READ = {
    "only-quotes.txt": ["only-quotes"],
    "script-and-text.html": ["script-and-text"],
    "broken-lines.jsonl": ["bl-good-1", "bl-good-2"],
    "wrong-types.jsonl": ["wt-good"],
    "duplicate-ids.jsonl": ["dup-1", "dup-2"],
    "embedded-newlines.csv": ["csv-multi"],
    "crlf.txt": ["crlf"],
    "bom-utf8.jsonl": ["bom-1"],
}


def write_generated(folder: Path) -> tuple[dict, dict]:
    """Write the big, binary and badly encoded inputs; return (skips, reads) like the tables above."""
    folder.mkdir(parents=True, exist_ok=True)
    seed = SEED.read_text(encoding="utf-8")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (folder / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(500))
    broken = b"First line.\n" + GOOD_SENTENCE.encode() + b"\xff\xfe said \xc3\x28.\n"
    (folder / "invalid-utf8.txt").write_bytes(broken)
    (folder / "latin1.csv").write_bytes("doc_id,text\nl1,Le ministre a dit que la ville était tombée.\n"
                                        .encode("latin-1"))
    (folder / "nul.jsonl").write_bytes(b'{"doc_id": "n1", "text": "a\x00b said the source"}\n')
    (folder / "utf16-bom.txt").write_bytes(codecs.BOM_UTF16_LE + (
        '"We will not give up Aleppo," the Syrian army command said on Friday.\n').encode("utf-16-le"))
    (folder / "utf16.jsonl").write_bytes(codecs.BOM_UTF16_BE + (
        '{"doc_id": "u16", "text": "Kremlin spokesman Dmitry Peskov said the talks would go on in Doha."}\n'
    ).encode("utf-16-be"))
    big = (GOOD_SENTENCE * (20_000_000 // len(GOOD_SENTENCE) + 1))[:20_000_000]
    (folder / "big.txt").write_text(big, encoding="utf-8")
    (folder / "big.jsonl").write_text(json.dumps({"doc_id": "huge", "text": big}) + "\n"
                                      + json.dumps({"doc_id": "after-huge", "text": GOOD_SENTENCE}) + "\n")
    (folder / "one-long-line.txt").write_text(" ".join([seed.replace("\n", " ")] * 14), encoding="utf-8")
    rnd = random.Random(1)
    marks = "".join(rnd.choice(['"', "“", "”", "«", "»", "‘", "’", "'", " said ", " the ", ". "])
                    for _ in range(6000))
    (folder / "unbalanced-quotes.txt").write_text(marks + "\n\n" + GOOD_SENTENCE, encoding="utf-8")
    (folder / "nested-quotes.txt").write_text(
        "The minister said " + "“He said ‘she said «they said \"" * 300 + "enough" + "\"» ’ ”" * 300 + ".\n",
        encoding="utf-8")
    (folder / "report.pdf").write_bytes(b"%PDF-1.4 not an article")
    skips = {
        "binary.txt": [(None, "binary file (NUL bytes), not text")],
        "binary.html": [(None, "binary file (NUL bytes), not text")],
        "invalid-utf8.txt": [(3, "not valid UTF-8 (byte 0xff at offset")],
        "latin1.csv": [(2, "not valid UTF-8 (byte 0xe9 at offset")],
        "nul.jsonl": [(None, "binary file (NUL bytes), not text")],
        "big.txt": [(None, "file is 20,000,000 bytes, over the article limit of 1,000,000 characters")],
        "big.jsonl": [(1, "article is 20,000,000 characters, over the limit of 1,000,000 (--max-chars)")],
    }
    reads = {"utf16-bom.txt": ["utf16-bom"], "utf16.jsonl": ["u16"], "big.jsonl": ["after-huge"],
             "one-long-line.txt": ["one-long-line"], "unbalanced-quotes.txt": ["unbalanced-quotes"],
             "nested-quotes.txt": ["nested-quotes"]}
    return skips, reads


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict:
    """Every article input: paths to pass, the expected skip lines and the doc_ids that must be read."""
    gen = tmp_path_factory.mktemp("generated")
    gen_skips, gen_reads = write_generated(gen)
    articles = BAD / "articles"
    missing = gen.parent / "no-such-file.txt"
    expected = []
    for folder, table in ((articles, ARTICLE_SKIPS), (gen, gen_skips)):
        for name, items in table.items():
            expected += [f"{folder / name}{f':{line}' if line else ''}: {reason}" for line, reason in items]
    expected += [f"{gen / 'report.pdf'}: unsupported file type .pdf", f"{missing}: no such file or directory"]
    reads = [doc for table in (ARTICLE_READ, gen_reads) for docs in table.values() for doc in docs] + ["seed"]
    inputs = [articles, gen, gen / "report.pdf", missing, SEED]
    return {"inputs": inputs, "skips": expected, "reads": reads, "generated": gen}


def _match_skips(reported: list[str], expected: list[str]) -> None:
    """Each expected skip is reported exactly once, and nothing else is."""
    unmatched = list(reported)
    for want in expected:
        hits = [r for r in unmatched if r.startswith(want)]
        assert len(hits) == 1, (want, hits or reported)
        unmatched.remove(hits[0])
    assert unmatched == [], unmatched


def test_the_corpus_has_at_least_25_bad_inputs(corpus):
    bad_files = {s.split(":")[0] for s in corpus["skips"]}
    readable_odd = {*ARTICLE_READ, "utf16-bom.txt", "utf16.jsonl", "one-long-line.txt",
                    "unbalanced-quotes.txt", "nested-quotes.txt"}
    assert len(bad_files | readable_odd) >= 25


def test_extract_reports_each_bad_input_once_and_extracts_the_rest(corpus, tmp_path):
    out = tmp_path / "statements.jsonl"
    proc = run_stance("extract", *corpus["inputs"], "-o", out, timeout=240)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    lines = [x for x in proc.stderr.splitlines() if not x.startswith(NOISE)]
    _match_skips([x.removeprefix("skipped ") for x in lines if x.startswith("skipped ")], corpus["skips"])
    assert lines[-1].startswith(f"{len(corpus['reads'])} articles read, {len(corpus['skips'])} skipped, ")
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    seed_rows = [r for r in rows if r["doc_id"] == "seed"]
    assert len(seed_rows) == len(extract_statements(Article("seed", SEED.read_text(encoding="utf-8"))))
    by_doc = {r["doc_id"] for r in rows}
    assert {"utf16-bom", "u16", "crlf", "script-and-text", "one-long-line", "csv-multi", "bom-1"} <= by_doc
    texts = " ".join(r["text"] for r in rows)
    assert "Injected words" not in texts and "never negotiate" not in texts  # script content is not text
    assert "The Syrian people deserve a peaceful future" in texts


@pytest.mark.slow
def test_score_puts_each_bad_input_in_the_errors_file_and_scores_the_rest(tiny, corpus, tmp_path):
    out = tmp_path / "results.jsonl"
    proc = run_stance("score", *corpus["inputs"], "--model", tiny.model, "--precision", "fp32", "-o", out,
                      timeout=300)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    errors = [json.loads(x) for x in out.with_name("results.errors.jsonl").read_text().splitlines()]
    _match_skips([f"{e['origin']}: {e['reason']}" for e in errors], corpus["skips"])
    summary = proc.stderr.splitlines()
    assert any(x.startswith(f"{len(corpus['reads'])} articles scored, ") for x in summary)
    assert any(x.startswith(f"{len(corpus['skips'])} inputs skipped") or
               f", {len(corpus['skips'])} inputs skipped, " in x for x in summary)
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert {"seed", "utf16-bom", "crlf", "script-and-text"} <= {r["doc_id"] for r in rows}


# -- train: label files -------------------------------------------------------------------------------------

LABEL_PROBLEMS = {
    "unknown-labels.labels.jsonl": [(2, "unknown actor 'wagner_group'"),
                                    (3, "unknown stance 'strongly_against' for armed_opposition")],
    "span-mismatch.labels.jsonl": [(2, "span 278-348 does not match its text"),
                                   (3, "span 226-299 does not match its text"),
                                   (4, "span 347-99999 is beyond the article's end (500)")],
    "duplicates.labels.jsonl": [(3, "duplicate of {path}:1"), (4, "duplicate of {path}:2")],
    "broken.labels.jsonl": [(2, "invalid JSON"), (3, "missing 'doc_id'"), (3, "missing 'text'"),
                            (3, "missing 'start'"), (3, "missing 'end'")],
    "not-a-list.json": [(None, "a Label Studio export is a JSON list of tasks")],
    "empty.labels.jsonl": [(None, "no labelled statements in {path}")],
}


def _cli(*args) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback from stance {args[0]}") from result.exception
    err = "".join(x for x in result.stderr.splitlines(keepends=True) if not x.startswith(NOISE))
    return result.exit_code, result.stdout, err


@pytest.mark.parametrize("name", list(LABEL_PROBLEMS))
def test_train_lists_every_label_problem_and_trains_nothing(name, tmp_path):
    path = BAD / "labels" / name
    code, _, err = _cli("train", "--data", path, "--out", tmp_path / "model")
    assert code == 3
    lines = err.strip().splitlines()
    expected = [(f"{path}:{line}: " if line else ("" if "{path}" in reason else f"{path}: "))
                + reason.format(path=path) for line, reason in LABEL_PROBLEMS[name]]
    assert len(lines) == len(expected) + 1
    for got, want in zip(lines, expected, strict=False):
        assert got.startswith(want), (got, want)
    assert lines[-1] == f"error: {len(expected)} problem(s) in the labels; nothing was trained"
    assert not (tmp_path / "model").exists()


@pytest.mark.parametrize("encoding", ["binary", "utf-16"])
def test_train_refuses_unreadable_label_files(encoding, tmp_path):
    path = tmp_path / "x.labels.jsonl"
    line = '{"doc_id": "a", "text": "words here", "start": 0, "end": 10, "actor": "un"}\n'
    utf16 = codecs.BOM_UTF16_LE + line.encode("utf-16-le")
    path.write_bytes(b"\xff\xfe\x00\x01" * 50 if encoding == "binary" else utf16)
    code, _, err = _cli("train", "--data", path, "--out", tmp_path / "model")
    lines = err.strip().splitlines()
    assert code == 3 and len(lines) == 2 and lines[0].startswith(f"{path}: cannot read: ")


# -- evaluate ------------------------------------------------------------------------------------------------

GOOD_GOLD = BAD.parent / "results_small.jsonl"


@pytest.mark.parametrize(("name", "message"), [
    ("broken.jsonl", "2: invalid JSON: Expecting value"),
    ("string-offsets.jsonl", "2: start/end must be integers"),
])
@pytest.mark.parametrize("side", ["--gold", "--pred"])
def test_evaluate_names_file_and_line(name, message, side):
    path = BAD / "gold" / name
    other = "--pred" if side == "--gold" else "--gold"
    code, out, err = _cli("evaluate", side, path, other, GOOD_GOLD)
    assert (code, out) == (3, "") and err.strip() == f"error: {path}:{message}"


def test_evaluate_reports_a_record_without_start():
    path = BAD / "gold" / "missing-start.jsonl"
    code, _, err = _cli("evaluate", "--gold", path, "--pred", GOOD_GOLD)
    assert code == 3 and err.strip() == f"error: {path}:2: missing 'start'"


def test_evaluate_unreadable_files(tmp_path):
    binary = tmp_path / "gold.jsonl"
    binary.write_bytes(b"\xff\xfe\xfa" * 10)
    code, _, err = _cli("evaluate", "--gold", binary, "--pred", GOOD_GOLD)
    assert code == 3 and err.startswith(f"error: {binary}: cannot read: ")
    code, _, err = _cli("evaluate", "--gold", tmp_path / "none.jsonl", "--pred", GOOD_GOLD)
    assert code == 3 and err.startswith(f"error: {tmp_path / 'none.jsonl'}: cannot read: ")


# -- report, shifts and suggest: results files ---------------------------------------------------------------

RESULTS_PROBLEMS = {  # what follows the file's name: ": reason", or ":line: reason" for one broken line
    "schema-v0.jsonl": ": results schema version 0, this stance reads 1; re-run stance score",
    "not-results.jsonl": ": not a stance results file (missing actor)",
    "missing-columns.csv": ": not a stance results file (missing actor)",
    "broken.jsonl": ":2: cannot read results: invalid JSON: ",
}


def _results_command(command: str, path: Path, tmp_path: Path) -> tuple[int, str, str]:
    extra = {"report": ["-o", tmp_path / "report.html"], "suggest": ["-o", tmp_path / "to_label.jsonl"]}
    return _cli(command, path, *extra.get(command, []))


@pytest.mark.parametrize("command", ["report", "shifts", "suggest"])
@pytest.mark.parametrize("name", list(RESULTS_PROBLEMS))
def test_results_commands_refuse_bad_results_files(command, name, tmp_path):
    path = BAD / "results" / name
    code, out, err = _results_command(command, path, tmp_path)
    assert (code, out) == (3, "") and err.startswith(f"error: {path}{RESULTS_PROBLEMS[name]}"), err
    assert list(tmp_path.iterdir()) == []


def test_broken_results_line_is_named_by_line_number(tmp_path):
    path = BAD / "results" / "broken.jsonl"
    code, _, err = _results_command("report", path, tmp_path)
    assert code == 3 and err.startswith(f"error: {path}:2: ")


@pytest.mark.parametrize("command", ["report", "shifts", "suggest"])
def test_results_commands_refuse_binary_and_garbage(command, tmp_path):
    garbage = {"garbage.parquet": b"PAR1" + bytes(range(256)) * 4, "binary.jsonl": bytes(range(256)),
               "garbage.csv": b"\xff\xfe" * 100}
    for name, data in garbage.items():
        path = tmp_path / "in" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        code, out, err = _results_command(command, path, tmp_path)
        assert code == 3 and err.startswith(f"error: {path}: "), (name, err)


def test_empty_results_file_is_not_an_error(tmp_path):
    path = BAD / "results" / "empty.jsonl"
    for command in ("report", "shifts", "suggest"):
        code, _, _ = _results_command(command, path, tmp_path)
        assert code == 0, command


# -- model folders -------------------------------------------------------------------------------------------


def _broken_models(tiny, folder: Path) -> dict[str, tuple[Path, str]]:
    models = {}
    for kind in ("missing", "corrupted", "pickle", "bad-config"):
        target = folder / kind
        shutil.copytree(tiny.model, target)
        models[kind] = target
    (models["missing"] / "tokenizer.json").unlink()
    data = bytearray((models["corrupted"] / "model.safetensors").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (models["corrupted"] / "model.safetensors").write_bytes(bytes(data))
    (models["pickle"] / "pytorch_model.bin").write_bytes(b"\x80\x04K\x01.")
    (models["bad-config"] / "config.json").write_text("{")
    messages = {
        "missing": "{}: missing tokenizer.json; not a stance model folder",
        "corrupted": "{}/model.safetensors: content does not match the sha256 in the model card",
        "pickle": "{}: holds pickle weights (pytorch_model.bin)",
        "bad-config": "{}/config.json: not valid JSON",
    }
    return {kind: (models[kind], message.format(models[kind])) for kind, message in messages.items()}


def test_broken_model_folders_are_refused_with_one_message(tiny, tmp_path):
    for kind, (folder, message) in _broken_models(tiny, tmp_path / "models").items():
        out = tmp_path / f"{kind}.jsonl"
        code, _, err = _cli("score", SEED, "--model", folder, "-o", out)
        assert code == 3, (kind, err)
        assert err.strip().startswith(f"error: {message}") and len(err.strip().splitlines()) == 1, (kind, err)
        assert not out.exists()


# -- the explorer --------------------------------------------------------------------------------------------


def test_explorer_binds_to_this_machine_only_unless_told(monkeypatch):
    from dash import Dash

    calls = []
    monkeypatch.setattr(Dash, "run", lambda self, **kw: calls.append(kw))
    results = BAD.parent / "results_small.jsonl"
    assert _cli("serve", results)[0] == 0
    assert _cli("serve", results, "--host", "0.0.0.0", "--port", "9000")[0] == 0
    assert calls == [{"host": "127.0.0.1", "port": 8050, "debug": False},
                     {"host": "0.0.0.0", "port": 9000, "debug": False}]
    code, _, err = _cli("serve", BAD / "results" / "schema-v0.jsonl")
    assert code == 3 and "results schema version 0" in err and len(calls) == 2
