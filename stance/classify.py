"""Run the classifier over many statements, fast: length-sorted batches, all cores,
and (where it was shown to agree with fp32) an int8 ONNX Runtime path.

``precision``: ``fp32`` (torch, exact), ``int8`` (the fast path), or ``auto``:
the fast path only when the model folder's ``fast_path.json`` records that it
agreed with fp32 on ≥ 99% of labels, lost ≤ 0.01 F_avg on the frozen test
split and ran faster than fp32.

The fast path is a cascade: every statement goes through an int8 ONNX Runtime
copy of the model (dynamic per-channel quantisation, exported once into a
cache folder); a statement whose top-two margin (calibrated, and blended with
the wide part where the model has one) is below ``fallback_margin`` on any head
is scored again by the fp32 ONNX copy that the int8 one was quantised from
(same labels as torch, and faster on a CPU). Quantisation noise only flips
labels that are close calls, so this keeps almost all of int8's speed and
almost none of its disagreements. ``fallback_margin=0`` is pure int8.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .lexical import LexicalModel, lexical_input
from .model import ModelError, input_text, load_model, sha256

FAST_PATH_FILE = "fast_path.json"
MIN_AGREEMENT = 0.99
MAX_F_AVG_LOSS = 0.01
DEFAULT_FALLBACK_MARGIN = 0.1


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def margins(actor: np.ndarray, stance: np.ndarray) -> np.ndarray:
    """Each statement's smallest gap between its top two probabilities, over all heads."""

    def gap(p: np.ndarray) -> np.ndarray:
        top = np.sort(p, axis=-1)
        return top[..., -1] - top[..., -2]

    return np.minimum(gap(actor), gap(stance).min(axis=-1))


@dataclass
class Predictions:
    """Calibrated probabilities: ``actor`` [N, A]; ``stance`` [N, T, 3] (favor, against, none)."""

    actor: np.ndarray
    stance: np.ndarray


def cache_dir() -> Path:
    root = os.environ.get("STANCE_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "stance")
    return Path(root)


def fast_path_record(folder: Path) -> dict:
    """The model folder's recorded fast-path check, or {} when there is none."""
    try:
        record = json.loads((Path(folder) / FAST_PATH_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return record if isinstance(record, dict) else {}


def fast_path_allowed(folder: Path) -> bool:
    """Whether the recorded agreement check lets ``auto`` use the fast path."""
    record = fast_path_record(folder)
    return (
        record.get("agreement", 0) >= MIN_AGREEMENT
        and record.get("f_avg_loss", 1) <= MAX_F_AVG_LOSS
        and record.get("speedup", 2.0) > 1.0  # a fast path that is not faster is no use by default
    )


class Classifier:
    """Actor and stance probabilities for (speaker, cue, text) statements."""

    def __init__(
        self,
        folder: str | Path,
        *,
        precision: str = "auto",
        allow_pickle: bool = False,
        batch_size: int = 64,
        threads: int | None = None,
        fallback_margin: float | None = None,
        lexical: bool = True,
    ):
        import torch

        if precision not in ("auto", "fp32", "int8"):
            raise ValueError(f"precision must be auto, fp32 or int8, not {precision!r}")
        self.folder = Path(folder)
        self.threads = threads or max(1, os.cpu_count() or 1)
        torch.set_num_threads(self.threads)
        self.model, self.tokenizer = load_model(self.folder, allow_pickle=allow_pickle)
        config = self.model.config
        self.actors: list[str] = list(config.actors)
        self.targets: list[str] = list(config.targets)
        self.actor_temperature = float(getattr(config, "actor_temperature", 1.0))
        temps = getattr(config, "stance_temperature", {}) or {}
        self.stance_temperature = np.array([float(temps.get(t, 1.0)) for t in self.targets])
        self.max_length = int(getattr(config, "stance_max_length", 128))
        self.batch_size = batch_size
        self.name = (getattr(config, "stance_info", {}) or {}).get("name") or self.folder.name
        self.version = (getattr(config, "stance_info", {}) or {}).get("data_sha256", "")[:12]
        self.hash = sha256(self.folder / "model.safetensors")[:16]
        # the wide part (n-grams) blended into the stance probabilities; lexical=False: encoder alone
        try:
            self.lexical = LexicalModel.load(self.folder) if lexical else None
        except ValueError as exc:
            raise ModelError(str(exc)) from exc
        if precision == "auto":
            precision = "int8" if fast_path_allowed(self.folder) else "fp32"
        self.precision = precision
        if fallback_margin is None:
            recorded = fast_path_record(self.folder).get("fallback_margin", DEFAULT_FALLBACK_MARGIN)
            fallback_margin = float(recorded)
        self.fallback_margin = fallback_margin
        self.fallbacks = 0  # statements the fast path sent back to fp32
        self._session = self._exact_session = None
        if precision == "int8":
            fp32_path, int8_path = self.export_onnx()
            self._session = self._onnx_session(int8_path)
            self._exact_session = self._onnx_session(fp32_path)

    # -- int8 path ------------------------------------------------------------
    def _onnx_session(self, path: Path):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def export_onnx(self) -> tuple[Path, Path]:
        """Export the model to ONNX (fp32) and quantise it to int8, once per model file (cached).

        Returns the paths of the fp32 and the int8 file.
        """
        folder = cache_dir() / f"onnx-v3-{self.hash}"
        fp32, int8 = folder / "model.fp32.onnx", folder / "model.int8.onnx"
        if not (fp32.exists() and int8.exists()):
            folder.mkdir(parents=True, exist_ok=True)
            self._export(fp32, int8)
        return fp32, int8

    def _export(self, fp32_target: Path, int8_target: Path) -> None:
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic

        folder = fp32_target.parent
        fp32 = folder / f"model.fp32.{os.getpid()}.onnx"
        sample = self.tokenizer(["speaker: a ; cue: said"], ["a statement"], return_tensors="pt")

        class _Logits(torch.nn.Module):
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask, token_type_ids):
                out = self.inner(
                    input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
                )
                return out["actor_logits"], out["stance_logits"]

        dynamic = {0: "batch", 1: "tokens"}
        partial = folder / f"model.int8.{os.getpid()}.onnx"
        # the exporter's tracer warnings and the quantiser's advice are about its internals, not the
        # user's data; keep them off the user's terminal
        quiet = logging.getLogger()
        level = quiet.level
        # eager attention exports to plain MatMul/Softmax: ~5% faster in ONNX Runtime than the
        # masking ops of torch's SDPA path, int8 and fp32 alike
        attention = self.model.config._attn_implementation
        self.model.set_attn_implementation("eager")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quiet.setLevel(logging.ERROR)
            try:
                torch.onnx.export(
                    _Logits(self.model).eval(),
                    (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
                    str(fp32),
                    input_names=["input_ids", "attention_mask", "token_type_ids"],
                    output_names=["actor_logits", "stance_logits"],
                    dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "token_type_ids": dynamic},
                    opset_version=17,
                    dynamo=False,
                )
                quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8, per_channel=True)
            finally:
                quiet.setLevel(level)
                self.model.set_attn_implementation(attention)
        os.replace(fp32, fp32_target)
        os.replace(partial, int8_target)

    # -- prediction -------------------------------------------------------------
    def _encode(self, contexts: list[str], texts: list[str], tensors: str):
        return self.tokenizer(
            contexts, texts, truncation="only_second", max_length=self.max_length, padding=True,
            return_tensors=tensors,
        )

    def _fp32_logits(self, contexts: list[str], texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        import torch

        with torch.inference_mode():
            out = self.model(**self._encode(contexts, texts, "pt"))
        return out["actor_logits"].numpy(), out["stance_logits"].numpy()

    def _probabilities(self, actor_logits, stance_logits, inputs: list[str]):
        """Calibrated actor probabilities and stance probabilities (blended with the wide part)."""
        actor = _softmax(actor_logits / self.actor_temperature)
        stance = _softmax(stance_logits / self.stance_temperature[None, :, None])
        if self.lexical is not None:
            stance = self.lexical.blend(stance, inputs, self.targets)
        return actor, stance

    def _batch(self, contexts: list[str], texts: list[str], inputs: list[str]):
        if self._session is None:
            return self._probabilities(*self._fp32_logits(contexts, texts), inputs)
        enc = self._encode(contexts, texts, "np")
        feeds = {k: enc[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
        actor, stance = self._probabilities(*self._session.run(None, feeds), inputs)
        if self.fallback_margin > 0:
            # close calls are judged on the final probabilities, the ones whose labels users get
            close = np.flatnonzero(margins(actor, stance) < self.fallback_margin)
            if len(close):
                self.fallbacks += len(close)
                exact = self._exact_session.run(None, {k: v[close] for k, v in feeds.items()})
                actor[close], stance[close] = self._probabilities(*exact, [inputs[i] for i in close])
        return actor, stance

    def predict(self, speakers, cues, texts) -> Predictions:
        """Probabilities for each statement, computed in length-sorted batches (stance: blended with
        the model's wide part, where it has one)."""
        speakers, cues, texts = list(speakers), list(cues), list(texts)
        contexts = [input_text(s, c) for s, c in zip(speakers, cues, strict=True)]
        n = len(texts)
        actor = np.zeros((n, len(self.actors)), dtype=np.float32)
        stance = np.zeros((n, len(self.targets), 3), dtype=np.float32)
        if n == 0:
            return Predictions(actor, stance)
        order = sorted(range(n), key=lambda i: (len(texts[i]) + len(contexts[i]), i))
        inputs = [lexical_input(sp, c, t) for sp, c, t in zip(speakers, cues, texts, strict=True)]
        for k in range(0, n, self.batch_size):
            idx = order[k : k + self.batch_size]
            actor[idx], stance[idx] = self._batch(
                [contexts[i] for i in idx], [texts[i] for i in idx], [inputs[i] for i in idx]
            )
        return Predictions(actor, stance)
