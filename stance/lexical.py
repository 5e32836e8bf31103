"""The classifier's wide part: word n-grams and a logistic regression per stance target,
blended with the encoder's calibrated probabilities.

A fine-tuned MiniLM and a bag of n-grams make different mistakes: the encoder
reads paraphrase and negation, the n-grams remember the exact words a side uses
("terrorists", "legitimate authorities"). Their blend, ``w * encoder + (1 - w) *
lexical`` with ``w`` picked on dev, beats either alone on dev, on the frozen test
split and on the held-out articles (``benchmarks/classifier.py``). ``w = 1``
switches the wide part off.

It is stored beside the encoder in the model folder: ``lexical.json`` (the
vocabulary, idf and blend weights) and ``lexical.safetensors`` (a [3, V] weight
matrix and a [3] bias per target, rows in ``STANCE_LABELS`` order). No pickle:
the vectoriser is rebuilt from its vocabulary and idf.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

STANCE_LABELS = ("favor", "against", "none")  # the order of the encoder's stance heads
LEXICAL_META = "lexical.json"
LEXICAL_WEIGHTS = "lexical.safetensors"
NGRAMS = (1, 2)
MIN_DF = 2  # an n-gram seen in one statement only is noise, and it doubles the vocabulary
C = 10.0  # inverse L2 strength; 3-30 score within 0.01 of each other on dev
ENCODER_WEIGHTS = tuple(round(0.1 * k, 1) for k in range(11))
MIN_DEV_LABELS = 30  # fewer dev labels for a target than this: its weight would be fitted to noise
PRIOR_WEIGHT = 0.5  # then: the weight the default model picked on 292 dev statements


def lexical_input(speaker: str | None, cue: str | None, text: str) -> str:
    """The text the n-grams are taken from: speaker, cue and statement."""
    return f"{speaker or '-'} ; {cue or '-'} ; {text}"


def _vectorizer(vocabulary: dict[str, int] | None = None):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        ngram_range=NGRAMS, sublinear_tf=True, min_df=1 if vocabulary else MIN_DF, vocabulary=vocabulary
    )


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@dataclass
class LexicalModel:
    """TF-IDF features and a favor/against/none logistic regression per target."""

    vocabulary: list[str]
    idf: np.ndarray
    coef: dict[str, np.ndarray] = field(default_factory=dict)  # target -> [3, V]
    intercept: dict[str, np.ndarray] = field(default_factory=dict)  # target -> [3]
    encoder_weight: dict[str, float] = field(default_factory=dict)  # target -> w of the blend

    def __post_init__(self):
        self._vec = _vectorizer({term: i for i, term in enumerate(self.vocabulary)})
        self._vec.idf_ = np.asarray(self.idf, dtype=np.float64)

    def features(self, inputs: list[str]):
        """Sparse TF-IDF rows, one per input."""
        return self._vec.transform(inputs)

    def probabilities(self, inputs: list[str], target: str) -> np.ndarray:
        """[N, 3] favor/against/none probabilities for ``target``."""
        return self._probabilities(self.features(inputs), target)

    def _probabilities(self, x, target: str) -> np.ndarray:
        return _softmax(np.asarray(x @ self.coef[target].T) + self.intercept[target])

    def blend(self, stance: np.ndarray, inputs: list[str], targets: list[str]) -> np.ndarray:
        """The encoder's [N, T, 3] probabilities blended with the wide part's, target by target."""
        out = stance.copy()
        x = None
        for k, target in enumerate(targets):
            w = self.encoder_weight.get(target, 1.0)
            if w >= 1.0 or target not in self.coef:
                continue
            x = self.features(inputs) if x is None else x
            out[:, k] = w * stance[:, k] + (1.0 - w) * self._probabilities(x, target)
        return out

    def save(self, folder: Path) -> None:
        from safetensors.numpy import save_file

        folder = Path(folder)
        tensors = {}
        for target in self.coef:
            tensors[f"{target}.weight"] = self.coef[target].astype(np.float32)
            tensors[f"{target}.bias"] = self.intercept[target].astype(np.float32)
        save_file(tensors, str(folder / LEXICAL_WEIGHTS))
        meta = {
            "ngram_range": list(NGRAMS),
            "sublinear_tf": True,
            "labels": list(STANCE_LABELS),
            "encoder_weight": self.encoder_weight,
            "vocabulary": self.vocabulary,
            "idf": [round(float(v), 6) for v in self.idf],
        }
        (folder / LEXICAL_META).write_text(json.dumps(meta, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: str | Path) -> LexicalModel | None:
        """The folder's wide part, or None when it has none."""
        from safetensors.numpy import load_file

        folder = Path(folder)
        if not (folder / LEXICAL_META).exists():
            return None
        try:
            meta = json.loads((folder / LEXICAL_META).read_text(encoding="utf-8"))
            tensors = load_file(str(folder / LEXICAL_WEIGHTS))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{folder}: cannot read the lexical part: {exc}") from exc
        targets = sorted({name.rsplit(".", 1)[0] for name in tensors})
        return cls(
            vocabulary=list(meta["vocabulary"]),
            idf=np.asarray(meta["idf"], dtype=np.float64),
            coef={t: tensors[f"{t}.weight"] for t in targets},
            intercept={t: tensors[f"{t}.bias"] for t in targets},
            encoder_weight={t: float(w) for t, w in meta.get("encoder_weight", {}).items()},
        )


def fit_lexical(records: list[dict], targets: list[str], *, base: LexicalModel | None = None) -> LexicalModel:
    """Fit the wide part on labelled statements (GUIDELINES §4 records).

    With ``base``, its vocabulary is kept and only the targets these records label are refit,
    so that extending a model leaves the other targets' wide part as it was."""
    from sklearn.linear_model import LogisticRegression

    inputs = [lexical_input(r.get("speaker"), r.get("cue"), r["text"]) for r in records]
    if base is None:
        vec = _vectorizer()
        try:
            vec.fit(inputs)
        except ValueError:  # a handful of statements: no n-gram is seen twice, so keep them all
            vec = _vectorizer()
            vec.min_df = 1
            vec.fit(inputs)
        vocabulary = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
        model = LexicalModel(vocabulary, vec.idf_)
    else:
        model = LexicalModel(
            base.vocabulary, base.idf, dict(base.coef), dict(base.intercept), dict(base.encoder_weight)
        )
    x = model.features(inputs)
    for target in targets:
        rows = [i for i, r in enumerate(records) if target in r.get("stance", {})]
        labels = [records[i]["stance"][target] for i in rows]
        if len(set(labels)) < 2:
            continue  # nothing to separate: the encoder alone speaks for this target
        lr = LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(x[rows], labels)
        coef = np.zeros((3, x.shape[1]), dtype=np.float32)
        bias = np.full(3, -30.0, dtype=np.float32)  # a label never seen in training stays improbable
        if len(lr.classes_) == 2:  # binary LR: one row, the second class against the first
            rows_lr = np.vstack([-lr.coef_[0] / 2, lr.coef_[0] / 2])
            bias_lr = np.array([-lr.intercept_[0] / 2, lr.intercept_[0] / 2])
        else:
            rows_lr, bias_lr = lr.coef_, lr.intercept_
        for j, label in enumerate(lr.classes_):
            coef[STANCE_LABELS.index(label)] = rows_lr[j]
            bias[STANCE_LABELS.index(label)] = bias_lr[j]
        model.coef[target], model.intercept[target] = coef, bias
        model.encoder_weight.pop(target, None)
    return model


def pick_encoder_weight(
    model: LexicalModel, encoder_probs: np.ndarray, records: list[dict], targets: list[str],
    *, only: list[str] | None = None,
) -> dict[str, float]:
    """Set (and return) the blend weight that maximises the mean dev F_avg over ``only`` (default:
    every target with dev labels). One weight is shared by those targets: a weight per target
    would fit a few dozen dev statements each. Ties keep more of the encoder. A target with
    fewer than ``MIN_DEV_LABELS`` dev labels takes the weight the model's other targets have,
    or ``PRIOR_WEIGHT``."""
    from .evaluate import f_avg

    inputs = [lexical_input(r.get("speaker"), r.get("cue"), r["text"]) for r in records]
    chosen = [t for t in (only or targets) if t in model.coef]
    few = [t for t in chosen if sum(t in r.get("stance", {}) for r in records) < MIN_DEV_LABELS]
    if few:
        others = [w for t, w in model.encoder_weight.items() if t not in chosen]
        prior = float(np.mean(others)) if others else PRIOR_WEIGHT
        for t in few:
            model.encoder_weight[t] = prior
        chosen = [t for t in chosen if t not in few]
        if not chosen:
            return {t: prior for t in few}
    x = model.features(inputs)
    labelled = {t: [i for i, r in enumerate(records) if t in r.get("stance", {})] for t in chosen}
    parts = {  # (gold labels, encoder probabilities, n-gram probabilities) of the labelled rows
        t: ([records[i]["stance"][t] for i in rows], encoder_probs[rows, targets.index(t)],
            model._probabilities(x[rows], t))
        for t, rows in labelled.items() if rows
    }
    scored = {}
    for w in ENCODER_WEIGHTS if parts else ():
        scored[w] = float(np.mean([
            f_avg(gold, [STANCE_LABELS[j] for j in (w * enc + (1 - w) * wide).argmax(-1)])
            for gold, enc, wide in parts.values()
        ]))
    best = max(scored, key=lambda w: (round(scored[w], 6), w)) if scored else 1.0
    for t in chosen:
        model.encoder_weight[t] = best
    return {t: model.encoder_weight[t] for t in (*few, *chosen)}
