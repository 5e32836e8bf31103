"""Batch classification (stance.classify): calibrated probabilities, batching that changes nothing, the
precision switch and the int8 path's cache."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from stance.classify import FAST_PATH_FILE, Classifier, fast_path_allowed
from stance.labels import attach_cues, read_labels
from stance.model import encode, input_text, sha256


@pytest.fixture(scope="module")
def clf(tiny) -> Classifier:
    return Classifier(tiny.model, precision="fp32")


@pytest.fixture(scope="module")
def statements(tiny) -> tuple[list, list, list]:
    recs = attach_cues(read_labels([tiny.train_labels, tiny.dev_labels])).records
    return [r.get("speaker") for r in recs], [r.get("cue") for r in recs], [r["text"] for r in recs]


def test_identity_of_the_model(clf, tiny):
    assert clf.name == "tiny"
    assert clf.hash == sha256(tiny.model / "model.safetensors")[:16]
    config = json.loads((tiny.model / "config.json").read_text())
    assert clf.version == config["stance_info"]["data_sha256"][:12]
    assert clf.actors == config["actors"] and clf.targets == config["targets"]
    assert clf.precision == "fp32"


def test_probabilities_are_temperature_scaled_softmax(clf):
    speaker, cue, text = "Kremlin spokesman Dmitry Peskov", "said", "Moscow would keep backing Damascus"
    clf = Classifier(clf.folder, precision="fp32", lexical=False)  # encoder alone; the blend: test_lexical
    pred = clf.predict([speaker], [cue], [text])
    enc = encode(clf.tokenizer, [input_text(speaker, cue)], [text], clf.max_length)
    with torch.inference_mode():
        out = clf.model(**enc)
    actor = torch.softmax(out["actor_logits"][0] / clf.actor_temperature, -1).numpy()
    temps = torch.tensor(clf.stance_temperature, dtype=torch.float32)[:, None]
    stance = torch.softmax(out["stance_logits"][0] / temps, -1).numpy()
    assert np.allclose(pred.actor[0], actor, atol=1e-6)
    assert np.allclose(pred.stance[0], stance, atol=1e-6)


def test_probabilities_are_distributions(clf, statements):
    pred = clf.predict(*statements)
    n = len(statements[2])
    assert pred.actor.shape == (n, len(clf.actors)) and pred.stance.shape == (n, len(clf.targets), 3)
    assert (pred.actor >= 0).all() and (pred.stance >= 0).all()
    assert np.allclose(pred.actor.sum(-1), 1, atol=1e-5) and np.allclose(pred.stance.sum(-1), 1, atol=1e-5)


def test_order_and_batch_size_change_nothing(tiny, clf, statements):
    speakers, cues, texts = statements
    base = clf.predict(speakers, cues, texts)
    order = list(range(len(texts)))[::-1]
    shuffled = clf.predict([speakers[i] for i in order], [cues[i] for i in order], [texts[i] for i in order])
    assert np.allclose(shuffled.actor[order], base.actor, atol=1e-5)
    assert np.allclose(shuffled.stance[order], base.stance, atol=1e-5)
    one_by_one = _one_by_one(clf, statements)
    assert np.allclose(one_by_one.actor, base.actor, atol=1e-5)
    assert np.allclose(one_by_one.stance, base.stance, atol=1e-5)


def _one_by_one(clf, statements):
    size = clf.batch_size
    clf.batch_size = 1
    try:
        return clf.predict(*statements)
    finally:
        clf.batch_size = size


def test_speaker_context_reaches_the_model(clf):
    text = ["the attackers were terrorists and would be defeated"]
    a = clf.predict(["Russian Foreign Minister Sergei Lavrov"], ["said"], text)
    b = clf.predict(["HTS leader Ahmed al-Sharaa"], ["said"], text)
    assert not np.allclose(a.actor, b.actor)


def test_empty_and_long_inputs(clf):
    empty = clf.predict([], [], [])
    assert empty.actor.shape == (0, len(clf.actors)) and empty.stance.shape == (0, len(clf.targets), 3)
    long = clf.predict([None], [None], ["a very long statement " * 3000])
    assert np.allclose(long.stance.sum(-1), 1, atol=1e-5)
    with pytest.raises(ValueError):
        clf.predict(["one speaker"], [], ["one text"])


def test_precision_must_be_known(tiny):
    with pytest.raises(ValueError, match="precision must be auto, fp32 or int8"):
        Classifier(tiny.model, precision="fp16")


@pytest.mark.parametrize(
    ("record", "allowed"),
    [
        ({"agreement": 0.995, "f_avg_loss": 0.004}, True),
        ({"agreement": 0.99, "f_avg_loss": 0.01}, True),
        ({"agreement": 0.985, "f_avg_loss": 0.0}, False),
        ({"agreement": 1.0, "f_avg_loss": 0.02}, False),
        ({"agreement": 1.0}, False),
        ({"agreement": 0.995, "f_avg_loss": 0.0, "speedup": 0.97}, False),
        ({"agreement": 0.995, "f_avg_loss": 0.0, "speedup": 1.3}, True),
        (None, False),
        ("{broken", False),
    ],
)
def test_auto_uses_int8_only_where_it_was_shown_to_agree(tmp_path, record, allowed):
    if record is not None:
        text = record if isinstance(record, str) else json.dumps(record)
        (tmp_path / FAST_PATH_FILE).write_text(text)
    assert fast_path_allowed(tmp_path) is allowed


def test_auto_without_a_record_is_fp32(tiny):
    assert Classifier(tiny.model, precision="auto").precision == "fp32"


def test_int8_path_is_exported_once_and_close_to_fp32(tiny, clf, statements, tmp_path, monkeypatch):
    monkeypatch.setenv("STANCE_CACHE", str(tmp_path))
    q = Classifier(tiny.model, precision="int8", fallback_margin=0.0)
    exported = tmp_path / f"onnx-v3-{clf.hash}" / "model.int8.onnx"
    assert exported.exists()
    # the fp32 copy stays for the cascade's close calls; no partial files are left
    assert sorted(p.name for p in exported.parent.iterdir()) == ["model.fp32.onnx", "model.int8.onnx"]
    assert q.model.config._attn_implementation == clf.model.config._attn_implementation  # restored
    stamp = exported.stat().st_mtime_ns
    again = Classifier(tiny.model, precision="int8", fallback_margin=0.0)
    assert exported.stat().st_mtime_ns == stamp  # reused, not exported again
    fp32, int8 = clf.predict(*statements), q.predict(*statements)
    assert np.allclose(int8.stance.sum(-1), 1, atol=1e-5)
    assert np.abs(fp32.actor - int8.actor).max() < 0.05
    assert np.abs(fp32.stance - int8.stance).max() < 0.15
    assert np.array_equal(again.predict(*statements).stance, int8.stance)


def test_cascade_sends_close_calls_back_to_fp32(tiny, clf, statements, tmp_path, monkeypatch):
    monkeypatch.setenv("STANCE_CACHE", str(tmp_path))
    exact = clf.predict(*statements)
    alone = Classifier(tiny.model, precision="int8", fallback_margin=0.0)
    assert alone.predict(*statements) is not None and alone.fallbacks == 0
    everything = Classifier(tiny.model, precision="int8", fallback_margin=1.01)  # every margin is below 1.01
    out = everything.predict(*statements)
    assert everything.fallbacks == len(statements[2])
    assert np.allclose(out.stance, exact.stance, atol=1e-4) and np.allclose(out.actor, exact.actor, atol=1e-4)
    quick = alone.predict(*statements)
    margins = np.minimum(np.diff(np.sort(quick.actor, -1)[:, -2:], axis=-1)[:, 0],
                         np.diff(np.sort(quick.stance, -1)[..., -2:], axis=-1)[..., 0].min(-1))
    cut = float(np.median(margins))
    some = Classifier(tiny.model, precision="int8", fallback_margin=cut)
    mixed = some.predict(*statements)
    close = margins < cut
    assert some.fallbacks == close.sum() and 0 < close.sum() < len(margins)
    assert np.allclose(mixed.stance[close], exact.stance[close], atol=1e-4)  # close calls: fp32's answer
    assert np.array_equal(mixed.stance[~close], quick.stance[~close])  # the rest: int8's


def test_the_fallback_margin_comes_from_the_fast_path_record(tiny, tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    for f in tiny.model.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    record = {"agreement": 0.995, "f_avg_loss": 0.0, "fallback_margin": 0.07}
    (folder / FAST_PATH_FILE).write_text(json.dumps(record))
    assert Classifier(folder, precision="fp32").fallback_margin == 0.07
    (folder / FAST_PATH_FILE).unlink()
    assert Classifier(folder, precision="fp32").fallback_margin == 0.1
