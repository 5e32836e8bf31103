"""Training (stance.train, stance.labels): tiny model end to end, retraining on a new target, label
validation, Label Studio round trip and the atomic save."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import NEW_TARGET_DOCS, STANCE, TARGETS, TRAIN_DOCS, records, write_jsonl, write_label_files

from stance import train as T
from stance.classify import Classifier
from stance.labels import LabelError, attach_cues, read_labels
from stance.model import load_model, sha256
from stance.suggest import suggest

RESULTS_SMALL = Path(__file__).parent / "data" / "results_small.jsonl"


def folder_hashes(folder: Path) -> dict[str, str]:
    return {p.name: sha256(p) for p in sorted(folder.iterdir())}


def labelled(path: Path) -> tuple[list, list, list]:
    """(speakers, cues, texts) of a label file, as the model reads them."""
    recs = attach_cues(read_labels([path])).records
    return [r.get("speaker") for r in recs], [r.get("cue") for r in recs], [r["text"] for r in recs]


# -- train tiny → save → load → predict -------------------------------------------------------------------


def test_tiny_model_trains_saves_loads_and_predicts(tiny):
    info = json.loads((tiny.model / "config.json").read_text())["stance_info"]
    assert (info["n_train"], info["n_dev"], info["seed"], info["epochs_run"]) == (15, 6, 7, 1.0)
    assert info["data_sha256"] == T._data_hash(read_labels([tiny.train_labels]).records
                                               + read_labels([tiny.dev_labels]).records)
    clf = Classifier(tiny.model, precision="fp32")
    speakers, cues, texts = labelled(tiny.train_labels)
    pred = clf.predict(speakers, cues, texts)
    assert pred.actor.shape == (15, 8) and pred.stance.shape == (15, 4, 3)
    assert np.allclose(pred.actor.sum(-1), 1, atol=1e-5) and np.allclose(pred.stance.sum(-1), 1, atol=1e-5)
    again = Classifier(tiny.model, precision="fp32").predict(speakers, cues, texts)
    assert np.array_equal(pred.actor, again.actor) and np.array_equal(pred.stance, again.stance)


def test_training_moves_the_encoder_but_not_the_word_embeddings(tiny):
    from transformers import BertModel

    model, _ = load_model(tiny.model)
    base = BertModel.from_pretrained(T.base_encoder_path()).half().float()  # stored as fp16 too
    assert torch.equal(model.bert.embeddings.word_embeddings.weight, base.embeddings.word_embeddings.weight)
    query = "encoder.layer.0.attention.self.query.weight"
    assert not torch.equal(model.bert.state_dict()[query], base.state_dict()[query])


def test_temperatures_are_fitted_on_dev(tiny):
    model, _ = load_model(tiny.model)
    temps = model.config.stance_temperature
    assert set(temps) == set(TARGETS) and all(0.05 <= t <= 20 for t in temps.values())
    assert any(abs(t - 1.0) > 1e-3 for t in [*temps.values(), model.config.actor_temperature])


def test_recorded_dev_metrics_are_what_the_saved_model_scores_on_dev(tiny):
    from stance.evaluate import f_avg
    from stance.model import STANCE_LABELS

    dev = json.loads((tiny.model / "config.json").read_text())["stance_info"]["dev"]
    records = attach_cues(read_labels([tiny.dev_labels])).records
    for lexical, key in ((True, "stance_f_avg"), (False, "encoder_stance_f_avg")):
        clf = Classifier(tiny.model, precision="fp32", lexical=lexical)
        probs = clf.predict(*labelled(tiny.dev_labels)).stance
        for k, t in enumerate(clf.targets):
            pred = [STANCE_LABELS[i] for i in probs[:, k].argmax(-1)]
            gold = [r["stance"][t] for r in records]
            assert f_avg(gold, pred) == pytest.approx(dev[key][t], abs=1e-6), (key, t)
            if lexical:  # the calibration error pairs each statement's probabilities with its label
                labels = np.array([STANCE_LABELS.index(g) for g in gold])
                ece = T.expected_calibration_error(probs[:, k], labels)
                assert ece == pytest.approx(dev["stance_ece"][t], abs=1e-4), t


def test_fit_temperature_recovers_a_known_temperature():
    rng = np.random.default_rng(0)
    true_logits = rng.normal(size=(4000, 3)) * 2
    probs = np.exp(true_logits) / np.exp(true_logits).sum(1, keepdims=True)
    labels = (rng.random((4000, 1)) > probs.cumsum(1)).sum(1)  # drawn from the true probabilities
    assert T.fit_temperature(true_logits * 3.0, labels) == pytest.approx(3.0, rel=0.1)  # overconfident
    assert T.fit_temperature(true_logits * 0.5, labels) == pytest.approx(0.5, rel=0.1)  # underconfident
    assert T.fit_temperature(true_logits[:3], labels[:3]) == 1.0  # too few to fit


def test_split_dev_holds_out_whole_documents():
    recs = [{"doc_id": f"d{i // 3}", "start": i, "end": i + 1} for i in range(30)]
    train, dev = T.split_dev(recs, 0.2, seed=1)
    assert {r["doc_id"] for r in train}.isdisjoint({r["doc_id"] for r in dev})
    assert len({r["doc_id"] for r in dev}) == 2 and len(train) + len(dev) == 30
    assert T.split_dev(recs, 0.2, seed=1) == (train, dev)


# -- retraining with --init-from on a new target ----------------------------------------------------------


@pytest.fixture(scope="module")
def extended(tiny, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("extended") / "model"
    T.train(attach_cues(read_labels([tiny.new_target_labels])), out, init_from=tiny.model, epochs=1, seed=7,
            batch_size=4, progress=False)
    return out


def test_retrain_adds_the_new_target_to_config(extended):
    config = json.loads((extended / "config.json").read_text())
    assert config["targets"] == [*TARGETS, "humanitarian_access"]
    assert config["stance_info"]["frozen_heads"] == list(TARGETS)
    clf = Classifier(extended, precision="fp32")
    assert clf.targets[-1] == "humanitarian_access"
    pred = clf.predict(["OCHA chief Tom Fletcher"], ["said"], ["the crossings must stay open for convoys"])
    assert pred.stance.shape == (1, 5, 3)


def test_retrain_keeps_encoder_actor_head_and_old_heads_bit_identical(tiny, extended):
    old = load_model(tiny.model)[0].state_dict()
    new = load_model(extended)[0].state_dict()
    head = "stance_heads.humanitarian_access"
    assert set(new) - set(old) == {f"{head}.weight", f"{head}.bias"}
    changed = [k for k in old if not torch.equal(old[k], new[k])]
    assert changed == []


def test_retrain_keeps_old_targets_probabilities(tiny, extended):
    speakers, cues, texts = labelled(tiny.dev_labels)
    before = Classifier(tiny.model, precision="fp32").predict(speakers, cues, texts)
    after = Classifier(extended, precision="fp32").predict(speakers, cues, texts)
    assert np.allclose(before.stance, after.stance[:, :4], atol=1e-6)
    assert np.allclose(before.actor, after.actor, atol=1e-6)
    old, new = (json.loads((folder / "config.json").read_text()) for folder in (tiny.model, extended))
    assert new["actor_temperature"] == old["actor_temperature"]
    assert {t: new["stance_temperature"][t] for t in TARGETS} == old["stance_temperature"]


def test_retrain_learns_the_new_target_only_from_its_labels(tiny, extended):
    config = json.loads((extended / "config.json").read_text())
    assert config["stance_info"]["init_from"] == str(tiny.model)
    assert config["stance_info"]["n_train"] + config["stance_info"]["n_dev"] == 6
    assert set(config["stance_info"]["dev"]["stance_f_avg"]) == {"humanitarian_access"}


# -- label validation ---------------------------------------------------------------------------------------


def bad_label_files(folder: Path) -> tuple[Path, list[str]]:
    """A label file with one problem on each line 2..9 (line 1 is good); the expected messages."""
    articles, labels = records(TRAIN_DOCS)
    write_jsonl(folder / "bad.articles.jsonl", articles)
    good = labels[0]
    lines = [
        good,
        {**labels[1], "actor": "kremlin"},
        {**labels[2], "stance": {**labels[2]["stance"], "political_solution": "pro"}},
        {**labels[3], "start": labels[3]["start"] + 7, "end": labels[3]["end"] + 7},
        {**labels[4], "end": 10_000},
        dict(good),
        {**labels[5], "end": labels[5]["start"]},
        {**labels[6], "stance": ["favor"]},
        {**labels[7], "start": "12"},
    ]
    path = folder / "bad.labels.jsonl"
    write_jsonl(path, lines)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"doc_id": "tiny-a", "text": \n')
    expected = [
        f"{path}:2: unknown actor 'kremlin'",
        f"{path}:3: unknown stance 'pro' for political_solution",
        f"{path}:4: span {labels[3]['start'] + 7}-{labels[3]['end'] + 7} does not match its text",
        f"{path}:5: span {labels[4]['start']}-10000 is beyond the article's end",
        f"{path}:6: duplicate of {path}:1",
        f"{path}:7: start/end must be integers with 0 <= start < end",
        f"{path}:8: 'stance' must be an object",
        f"{path}:9: start/end must be integers",
        f"{path}:10: invalid JSON",
    ]
    return path, expected


def test_label_validation_reports_each_problem_once_with_file_and_line(tmp_path):
    path, expected = bad_label_files(tmp_path)
    with pytest.raises(LabelError) as err:
        read_labels([path])
    problems = err.value.problems
    assert len(problems) == len(expected), problems
    for want in expected:
        assert sum(p.startswith(want) for p in problems) == 1, (want, problems)


def test_label_without_start_is_reported(tmp_path):
    articles, labels = records(TRAIN_DOCS)
    write_jsonl(tmp_path / "x.articles.jsonl", articles)
    no_start = {k: v for k, v in labels[1].items() if k != "start"}
    path = write_jsonl(tmp_path / "x.labels.jsonl", [labels[0], no_start])
    with pytest.raises(LabelError) as err:
        read_labels([path])
    assert err.value.problems == [f"{path}:2: missing 'start'"]


def test_unknown_target_is_reported_when_targets_are_fixed(tiny):
    with pytest.raises(LabelError) as err:
        read_labels([tiny.new_target_labels], targets=TARGETS)
    assert len(err.value.problems) == 6
    assert all(": unknown target 'humanitarian_access'" in p for p in err.value.problems)
    assert read_labels([tiny.new_target_labels]).targets == ["humanitarian_access"]  # allowed by default


def test_cli_trains_nothing_when_labels_have_problems(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from stance.cli import app

    path, expected = bad_label_files(tmp_path)
    monkeypatch.setattr(T, "train", lambda *a, **k: pytest.fail("training started despite bad labels"))
    result = CliRunner().invoke(app, ["train", "--data", str(path), "--out", str(tmp_path / "model")])
    assert result.exit_code == 3, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == f"error: {len(expected)} problem(s) in the labels; nothing was trained"
    assert len(lines) == len(expected) + 1
    assert not (tmp_path / "model").exists()


# -- Label Studio round trip --------------------------------------------------------------------------------


def test_label_studio_export_reads_back(tmp_path):
    records_path, tasks_path = suggest(RESULTS_SMALL, 4, tmp_path / "to_label.jsonl")
    tasks = json.loads(tasks_path.read_text())
    assert len(tasks) == 4 and all(t["predictions"][0]["model_version"] for t in tasks)
    export = []
    for i, task in enumerate(tasks):  # what Label Studio exports after a person has labelled the tasks
        result = json.loads(json.dumps(task["predictions"][0]["result"]))
        if i == 0:
            result[0]["value"]["choices"] = ["un"]
            result[1]["value"]["choices"] = ["against"]
        annotations = [{"id": i, "was_cancelled": i == 3, "result": result}] if i != 2 else []
        export.append({"id": 100 + i, "data": task["data"], "annotations": annotations,
                       "predictions": task["predictions"]})
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    labels = read_labels([path])
    assert len(labels.records) == 2  # one unlabelled, one cancelled
    first, second = labels.records
    assert first["actor"] == "un" and first["stance"][TARGETS[0]] == "against"
    assert first["origin"] == f"{path}:task 1"
    data = tasks[0]["data"]
    assert (first["doc_id"], first["start"], first["end"]) == (data["doc_id"], data["start"], data["end"])
    assert second["stance"] == tasks[1]["data"]["stance"] and second["actor"] == tasks[1]["data"]["actor"]


def test_label_studio_export_with_bad_choices_names_the_task(tmp_path):
    _, tasks_path = suggest(RESULTS_SMALL, 2, tmp_path / "to_label.jsonl")
    tasks = json.loads(tasks_path.read_text())
    result = tasks[1]["predictions"][0]["result"]
    result[0]["value"]["choices"] = ["martians"]
    export = [{"data": t["data"], "annotations": [{"result": t["predictions"][0]["result"]}]} for t in tasks]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    with pytest.raises(LabelError) as err:
        read_labels([path])
    assert len(err.value.problems) == 1
    assert err.value.problems[0].startswith(f"{path}:task 2: unknown actor 'martians'")
    path.write_text(json.dumps({"not": "a list"}))
    with pytest.raises(LabelError, match="a Label Studio export is a JSON list of tasks"):
        read_labels([path])


# -- atomic save ---------------------------------------------------------------------------------------------


@pytest.fixture()
def old_model(tiny, tmp_path) -> Path:
    folder = tmp_path / "models" / "current"
    shutil.copytree(tiny.model, folder)
    return folder


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p != folder)


def test_training_that_fails_midway_leaves_the_old_model(tiny, old_model, monkeypatch):
    before = folder_hashes(old_model)
    calls = {"n": 0}
    real = T._Collator.__call__

    def second_batch_fails(self, batch):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("simulated crash in the second batch")
        return real(self, batch)

    monkeypatch.setattr(T._Collator, "__call__", second_batch_fails)
    with pytest.raises(RuntimeError, match="simulated crash"):
        T.train(read_labels([tiny.train_labels]), old_model, epochs=1, batch_size=4, progress=False)
    assert folder_hashes(old_model) == before
    assert leftovers(old_model) == []
    load_model(old_model)


def test_save_that_fails_midway_leaves_the_old_model(old_model, monkeypatch):
    before = folder_hashes(old_model)
    model, tokenizer = load_model(old_model)

    def broken_card(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(T, "model_card", broken_card)
    with pytest.raises(OSError, match="No space left"):
        T.save_model(model, tokenizer, old_model, {"name": "x"})
    assert folder_hashes(old_model) == before
    assert leftovers(old_model) == []
    load_model(old_model)


def test_save_replaces_the_old_model_and_cleans_up(old_model):
    model, tokenizer = load_model(old_model)
    with torch.no_grad():
        model.actor_head.bias += 1.0
    T.save_model(model, tokenizer, old_model, {"name": "replaced"})
    assert leftovers(old_model) == []
    again, _ = load_model(old_model)
    assert torch.allclose(again.actor_head.bias, model.actor_head.bias.half().float())
    assert again.config.stance_info["name"] == "replaced"


def test_save_interrupted_between_the_two_renames_keeps_a_model(old_model, monkeypatch):
    model, tokenizer = load_model(old_model)
    real = Path.rename

    def rename(self, target):
        if ".tmp-" in self.name:
            raise KeyboardInterrupt  # the user presses Ctrl-C at the worst moment
        return real(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    before = folder_hashes(old_model)
    with pytest.raises(KeyboardInterrupt):
        T.save_model(model, tokenizer, old_model, {"name": "x"})
    monkeypatch.undo()
    assert folder_hashes(old_model) == before and leftovers(old_model) == []
    load_model(old_model)


def test_save_killed_between_the_two_renames_is_recovered_on_load(old_model):
    """SIGKILL between the renames leaves the old model only at <out>.old-PID: loading puts it back."""
    before = folder_hashes(old_model)
    old_model.rename(old_model.with_name(f"{old_model.name}.old-4242"))
    with pytest.warns(UserWarning, match="a save of this model was interrupted"):
        load_model(old_model)
    assert folder_hashes(old_model) == before and leftovers(old_model) == []
    model, tokenizer = load_model(old_model)
    old_model.rename(old_model.with_name(f"{old_model.name}.old-4243"))  # and so does the next save
    with pytest.warns(UserWarning, match="a save of this model was interrupted"):
        T.save_model(model, tokenizer, old_model, {"name": "next"})
    assert leftovers(old_model) == []
    assert load_model(old_model)[0].config.stance_info["name"] == "next"


@pytest.mark.slow
def test_stance_train_killed_midway_leaves_the_old_model(tiny, old_model):
    """A real ``stance train`` killed with SIGKILL while it trains, then while it writes the new folder."""
    before = folder_hashes(old_model)
    aid = write_label_files(old_model.parent.parent / "aid", "aid", NEW_TARGET_DOCS,
                            targets=("humanitarian_access",))
    scratch = old_model.parent.parent / "scratch"  # the run's own TMPDIR: its workdir shows it is training
    scratch.mkdir()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error", "TMPDIR": str(scratch)}
    for moment in ("training", "saving"):
        proc = subprocess.Popen(
            [str(STANCE), "train", "--data", str(aid), "--init-from", str(tiny.model),
             "--out", str(old_model), "--epochs", "50"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
        )
        deadline = time.time() + 240
        while time.time() < deadline and proc.poll() is None:
            saving = any(".tmp-" in p.name for p in old_model.parent.iterdir())
            training = any(p.name.startswith("stance-train-") for p in scratch.iterdir())
            if (moment == "saving" and saving) or (moment == "training" and training and not saving):
                break
            time.sleep(0.02)
        if moment == "training":
            time.sleep(1.0)  # let it run a few steps
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, f"{moment}: finished before the kill"
        assert folder_hashes(old_model) == before, moment
        load_model(old_model)
