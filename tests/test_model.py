"""The model folder (stance.model): what is loaded, what is refused, and the heads taken from config."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import warnings
from pathlib import Path

import pytest
import torch

from stance.model import (
    STANCE_LABELS,
    ModelError,
    UnverifiedModelWarning,
    _card_hashes,
    check_folder,
    encode,
    input_text,
    load_model,
    new_model,
    sha256,
)
from stance.records import ACTORS, TARGETS


def copy_model(src: Path, dst: Path, *, copy_weights: bool = False) -> Path:
    """A copy of a model folder; the weights are a symlink unless they are to be changed."""
    dst.mkdir(parents=True)
    for f in src.iterdir():
        if f.name == "model.safetensors" and not copy_weights:
            (dst / f.name).symlink_to(f)
        else:
            shutil.copy2(f, dst / f.name)
    return dst


class _Boom:
    """Unpickling this creates ``marker``: proof that a pickle file was executed."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_tiny_model_folder_has_the_documented_files(tiny):
    names = {p.name for p in tiny.model.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "README.md"} <= names
    assert not any(n.endswith((".bin", ".pt", ".pth", ".ckpt", ".pkl")) for n in names)
    config = json.loads((tiny.model / "config.json").read_text())
    assert config["actors"] == list(ACTORS)  # every actor the labels use, in GUIDELINES order
    assert config["targets"] == list(TARGETS)
    assert config["stance_labels"] == list(STANCE_LABELS)


def test_model_card_lists_every_file_with_its_sha256(tiny):
    hashes = _card_hashes(tiny.model)
    files = {p.name for p in tiny.model.iterdir() if p.name != "README.md"}
    assert set(hashes) == files
    for name, digest in hashes.items():
        assert sha256(tiny.model / name) == digest, name
    card = (tiny.model / "README.md").read_text()
    assert "data sha256" in card and "seed: 7" in card and "statements: train 15, dev 6" in card


def test_load_model_gives_fp32_heads_from_config(tiny):
    model, tokenizer = load_model(tiny.model)
    assert not model.training
    assert model.actor_head.weight.dtype == torch.float32  # stored as fp16, used as fp32
    assert model.actor_head.out_features == len(ACTORS)
    assert sorted(model.stance_heads) == sorted(TARGETS)
    assert all(h.out_features == 3 for h in model.stance_heads.values())
    enc = encode(tokenizer, [input_text("Sergei Lavrov", "said")], ["the rebels were terrorists"])
    with torch.inference_mode():
        out = model(**enc)
    assert out["actor_logits"].shape == (1, len(ACTORS))
    assert out["stance_logits"].shape == (1, len(TARGETS), 3)


def test_input_text_marks_speaker_and_cue():
    assert input_text("Sergei Lavrov", "said") == "speaker: Sergei Lavrov ; cue: said"
    assert input_text(None, None) == "speaker: - ; cue: -"


def test_encode_truncates_only_the_statement(tiny):
    _, tokenizer = load_model(tiny.model)
    context = input_text("UN envoy Geir Pedersen", "told")
    enc = encode(tokenizer, [context], ["word " * 2000], max_length=64)
    ids = enc["input_ids"][0].tolist()
    assert len(ids) == 64
    decoded = tokenizer.decode(ids)
    assert "speaker : un envoy geir pedersen ; cue : told" in decoded  # the context survives in full


def test_heads_come_from_config_not_code():
    actors, targets = ["hts", "un", "kurdish_forces"], ["humanitarian_access", "sanctions"]
    model = new_model(actors, targets)
    assert model.actor_head.out_features == 3
    assert sorted(model.stance_heads) == sorted(targets)
    assert model.config.id2label == {0: "hts", 1: "un", 2: "kurdish_forces"}


def test_extend_keeps_old_rows_and_heads_bit_identical():
    model = new_model(["hts", "un"], ["assad_government"])
    actor_w = model.actor_head.weight.detach().clone()
    head = {k: v.detach().clone() for k, v in model.stance_heads["assad_government"].state_dict().items()}
    model.extend(actors=["un", "kurdish_forces"], targets=["assad_government", "humanitarian_access"])
    assert model.actors == ["hts", "un", "kurdish_forces"]
    assert model.targets == ["assad_government", "humanitarian_access"]
    assert torch.equal(model.actor_head.weight[:2], actor_w)
    for k, v in model.stance_heads["assad_government"].state_dict().items():
        assert torch.equal(v, head[k])
    assert model.config.label2id["kurdish_forces"] == 2


# -- refused folders ------------------------------------------------------------------------------------


def test_missing_folder_and_missing_files_are_refused(tiny, tmp_path):
    with pytest.raises(ModelError, match="no such model folder"):
        check_folder(tmp_path / "nope")
    for name in ("model.safetensors", "config.json", "tokenizer.json"):
        folder = copy_model(tiny.model, tmp_path / name)
        (folder / name).unlink()
        with pytest.raises(ModelError, match=f"missing {name}"):
            load_model(folder)


def test_file_listed_in_card_but_missing_is_refused(tiny, tmp_path):
    folder = copy_model(tiny.model, tmp_path / "m")
    (folder / "tokenizer_config.json").unlink()
    with pytest.raises(ModelError, match="tokenizer_config.json is listed in the model card but missing"):
        load_model(folder)


@pytest.mark.parametrize("name", ["model.safetensors", "tokenizer.json", "config.json"])
def test_corrupted_file_fails_its_card_hash(tiny, tmp_path, name):
    folder = copy_model(tiny.model, tmp_path / "m", copy_weights=True)
    path = folder / name
    data = bytearray(path.read_bytes())
    if name == "model.safetensors":
        data[len(data) // 2] ^= 0x01  # one bit of one weight
    else:
        data.insert(data.index(b"{") + 1, ord(" "))  # still valid JSON, but not the file the card names
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match=rf"{name}: content does not match the sha256 in the model card"):
        load_model(folder)
    load_model(folder, verify=False)  # the changed file itself loads: only the hash check refuses it


def test_folder_without_card_loads_with_a_warning_that_it_is_unverified(tiny, tmp_path, recwarn):
    load_model(tiny.model)
    assert not [w for w in recwarn if issubclass(w.category, UnverifiedModelWarning)]  # the card verifies it
    for card in (None, "# my model\n\nA README without file hashes.\n"):
        folder = copy_model(tiny.model, tmp_path / f"m{card is None}")
        (folder / "README.md").unlink()
        if card is not None:
            (folder / "README.md").write_text(card)
        with pytest.warns(UnverifiedModelWarning, match=r"no model card with file hashes.*not be verified"):
            model, _ = load_model(folder)
        assert model.targets == list(TARGETS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(folder, verify=False)  # asked not to verify: nothing to warn about


def test_truncated_weights_without_card_give_a_model_error(tiny, tmp_path):
    folder = copy_model(tiny.model, tmp_path / "m", copy_weights=True)
    (folder / "README.md").unlink()
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(ModelError, match="cannot load model"):
        load_model(folder)


def test_broken_config_is_refused(tiny, tmp_path):
    folder = copy_model(tiny.model, tmp_path / "m")
    (folder / "README.md").unlink()
    (folder / "config.json").write_text("{not json")
    with pytest.raises(ModelError, match="config.json: not valid JSON"):
        check_folder(folder)
    (folder / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ModelError, match="lacks 'actors' and 'targets'"):
        check_folder(folder)


@pytest.mark.parametrize("pickle_name", ["pytorch_model.bin", "weights.pt", "extra.ckpt"])
def test_pickle_weights_are_refused_without_the_flag(tiny, tmp_path, pickle_name):
    folder = copy_model(tiny.model, tmp_path / "m")
    marker = tmp_path / "pwned"
    (folder / pickle_name).write_bytes(pickle.dumps(_Boom(str(marker))))
    with pytest.raises(ModelError, match=rf"pickle weights \({pickle_name}\).*--allow-pickle"):
        load_model(folder)
    assert not marker.exists()


def test_allow_pickle_loads_safetensors_and_never_unpickles(tiny, tmp_path, monkeypatch):
    folder = copy_model(tiny.model, tmp_path / "m")
    marker = tmp_path / "pwned"
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps(_Boom(str(marker))))
    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get("weights_only"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    model, _ = load_model(folder, allow_pickle=True)
    assert model.actor_head.out_features == len(ACTORS)
    assert not marker.exists(), "the pickle file was executed"
    assert all(w is True for w in calls), calls  # nothing read with weights_only=False


def test_pickle_only_folder_is_refused_even_with_the_flag(tiny, tmp_path):
    folder = copy_model(tiny.model, tmp_path / "m")
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps({"x": 1}))
    with pytest.raises(ModelError, match="missing model.safetensors"):
        load_model(folder, allow_pickle=True)
