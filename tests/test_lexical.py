"""The classifier's wide part (stance.lexical): n-gram logistic regressions, their blend with the
encoder, and their place in a model folder."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import ROOT, TARGETS

from stance.classify import Classifier
from stance.evaluate import f_avg
from stance.labels import attach_cues, read_labels
from stance.lexical import (
    ENCODER_WEIGHTS,
    LEXICAL_META,
    LEXICAL_WEIGHTS,
    STANCE_LABELS,
    LexicalModel,
    fit_lexical,
    lexical_input,
    pick_encoder_weight,
)

CORPUS = ROOT / "data" / "corpus"


def _inputs(records: list[dict]) -> list[str]:
    return [lexical_input(r.get("speaker"), r.get("cue"), r["text"]) for r in records]


@pytest.fixture(scope="module")
def corpus() -> tuple[list[dict], list[dict]]:
    """Real corpus statements: 900 of the train split, and the dev split."""
    train = attach_cues(read_labels([CORPUS / "train.labels.jsonl"])).records[:900]
    dev = attach_cues(read_labels([CORPUS / "dev.labels.jsonl"])).records
    return train, dev


@pytest.fixture(scope="module")
def fitted(corpus) -> LexicalModel:
    return fit_lexical(corpus[0], list(TARGETS))


def test_wide_part_learns_stance_from_words_on_unseen_articles(fitted, corpus):
    _, dev = corpus
    for target in TARGETS:
        probs = fitted.probabilities(_inputs(dev), target)
        assert probs.shape == (len(dev), 3) and np.allclose(probs.sum(1), 1)
        pred = [STANCE_LABELS[i] for i in probs.argmax(1)]
        # far above the majority class (F_avg 0) on articles it never saw
        assert f_avg([r["stance"][target] for r in dev], pred) > 0.3, target


def test_blend_is_the_weighted_mean_of_encoder_and_wide_part(fitted, corpus):
    dev = corpus[1][:40]
    rng = np.random.default_rng(0)
    encoder = rng.dirichlet(np.ones(3), size=(len(dev), len(TARGETS))).astype(np.float32)
    targets = list(TARGETS)
    wide = np.stack([fitted.probabilities(_inputs(dev), t) for t in targets], axis=1)
    for w in (0.0, 0.3, 1.0):
        fitted.encoder_weight = {t: w for t in targets}
        blended = fitted.blend(encoder, _inputs(dev), targets)
        assert np.allclose(blended, w * encoder + (1 - w) * wide, atol=1e-6)
    fitted.encoder_weight = {}
    assert np.array_equal(fitted.blend(encoder, _inputs(dev), targets), encoder)  # no weight: encoder alone


def test_saved_wide_part_loads_back_to_the_same_probabilities(fitted, corpus, tmp_path):
    fitted.encoder_weight = {t: 0.5 for t in TARGETS}
    fitted.save(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {LEXICAL_META, LEXICAL_WEIGHTS}  # no pickle
    meta = json.loads((tmp_path / LEXICAL_META).read_text())
    assert meta["labels"] == list(STANCE_LABELS) and len(meta["vocabulary"]) == len(fitted.vocabulary)
    again = LexicalModel.load(tmp_path)
    inputs = _inputs(corpus[1])
    for t in TARGETS:
        assert np.allclose(again.probabilities(inputs, t), fitted.probabilities(inputs, t), atol=1e-5)
    assert again.encoder_weight == fitted.encoder_weight
    assert LexicalModel.load(tmp_path / "nothing-here") is None


def test_a_target_labelled_with_two_classes_keeps_the_third_improbable(corpus):
    train = [r for r in corpus[0] if r["stance"]["assad_government"] != "against"][:300]
    lex = fit_lexical(train, ["assad_government"])
    probs = lex.probabilities(_inputs(corpus[1]), "assad_government")
    assert probs[:, STANCE_LABELS.index("against")].max() < 1e-6
    favor = [i for i, r in enumerate(corpus[1]) if r["stance"]["assad_government"] == "favor"]
    assert probs[favor, 0].mean() > probs[:, 0].mean()  # favor statements look like favor


def test_extending_keeps_vocabulary_and_the_other_targets(fitted, corpus):
    fitted.encoder_weight = {t: 0.5 for t in TARGETS}
    new = [{**r, "stance": {"humanitarian_access": "favor" if "aid" in r["text"] else "none"}}
           for r in corpus[0][:200]]
    extended = fit_lexical(new, ["humanitarian_access"], base=fitted)
    assert extended.vocabulary == fitted.vocabulary
    for t in TARGETS:
        assert np.array_equal(extended.coef[t], fitted.coef[t]) and extended.encoder_weight[t] == 0.5
    assert "humanitarian_access" in extended.coef and "humanitarian_access" not in fitted.coef


def test_weight_is_picked_on_dev_and_never_worse_than_the_encoder_alone(fitted, corpus):
    _, dev = corpus
    targets = list(TARGETS)
    rng = np.random.default_rng(1)
    # a weak encoder: the gold label with probability 0.5 plus noise
    gold = np.array([[STANCE_LABELS.index(r["stance"][t]) for t in targets] for r in dev])
    encoder = rng.dirichlet(np.ones(3), size=(len(dev), len(targets)))
    rows, heads = np.arange(len(dev))[:, None], np.arange(len(targets))[None, :]
    encoder[rows, heads, gold] += rng.random(gold.shape) * 0.6
    encoder /= encoder.sum(-1, keepdims=True)

    def mean_f_avg(probs):
        return np.mean([
            f_avg([r["stance"][t] for r in dev], [STANCE_LABELS[i] for i in probs[:, k].argmax(1)])
            for k, t in enumerate(targets)
        ])

    chosen = pick_encoder_weight(fitted, encoder, dev, targets)
    assert set(chosen) == set(targets) and len(set(chosen.values())) == 1
    assert chosen[targets[0]] in ENCODER_WEIGHTS
    assert mean_f_avg(fitted.blend(encoder, _inputs(dev), targets)) >= mean_f_avg(encoder)


def test_adding_the_wide_part_to_a_model_without_one(tiny, corpus, tmp_path):
    from stance.labels import LabelSet
    from stance.model import check_folder
    from stance.train import add_lexical, model_card

    folder = tmp_path / "model"
    folder.mkdir()
    for f in tiny.model.iterdir():
        if not f.name.startswith("lexical"):
            (folder / f.name).write_bytes(f.read_bytes())
    info = json.loads((folder / "config.json").read_text())["stance_info"]
    (folder / "README.md").write_text(model_card(folder, info))  # a card from before the wide part
    weights_before = (folder / "model.safetensors").read_bytes()
    assert Classifier(folder, precision="fp32").lexical is None
    train, dev = corpus
    metrics = add_lexical(folder, LabelSet(records=train[:300]), LabelSet(records=dev))
    check_folder(folder)  # the card's hashes cover the new files
    assert (folder / "model.safetensors").read_bytes() == weights_before  # the encoder is untouched
    assert Classifier(folder, precision="fp32").lexical is not None
    assert metrics["mean_f_avg"] >= metrics["encoder_mean_f_avg"]
    assert "encoder alone" in (folder / "README.md").read_text()


def test_too_few_dev_labels_take_the_other_targets_weight_or_the_prior(fitted, corpus):
    from stance.lexical import MIN_DEV_LABELS, PRIOR_WEIGHT

    dev = corpus[1][: MIN_DEV_LABELS - 1]
    targets = list(TARGETS)
    encoder = np.full((len(dev), len(targets), 3), 1 / 3)
    fitted.encoder_weight = {}
    assert pick_encoder_weight(fitted, encoder, dev, targets) == {t: PRIOR_WEIGHT for t in targets}
    new = [{**r, "stance": {"humanitarian_access": "favor" if "aid" in r["text"] else "none"}}
           for r in corpus[0][:200]]
    fitted.encoder_weight = {t: 0.3 for t in targets}
    extended = fit_lexical(new, ["humanitarian_access"], base=fitted)
    few = [{**r, "stance": {"humanitarian_access": "none"}} for r in dev]
    uniform = np.full((len(few), 5, 3), 1 / 3)
    chosen = pick_encoder_weight(extended, uniform, few, [*targets, "humanitarian_access"],
                                 only=["humanitarian_access"])
    assert chosen == {"humanitarian_access": 0.3}
    assert extended.encoder_weight == {**{t: 0.3 for t in targets}, "humanitarian_access": 0.3}


def test_a_handful_of_statements_still_fits(corpus):
    lex = fit_lexical(corpus[0][:3], list(TARGETS))  # no n-gram twice: every n-gram is kept
    assert len(lex.vocabulary) > 10


def test_trained_model_folder_carries_the_wide_part_and_blends_it(tiny):
    assert (tiny.model / LEXICAL_META).exists() and (tiny.model / LEXICAL_WEIGHTS).exists()
    both = Classifier(tiny.model, precision="fp32")
    encoder = Classifier(tiny.model, precision="fp32", lexical=False)
    statements = (["Russian Foreign Minister Sergei Lavrov"], ["said"],
                  ["the legitimate government must be backed"])
    assert both.lexical is not None and encoder.lexical is None
    inputs = [lexical_input("Russian Foreign Minister Sergei Lavrov", "said", statements[2][0])]
    expected = both.lexical.blend(encoder.predict(*statements).stance, inputs, both.targets)
    assert np.allclose(both.predict(*statements).stance, expected, atol=1e-6)
    assert np.array_equal(both.predict(*statements).actor, encoder.predict(*statements).actor)


def test_a_broken_wide_part_is_a_model_error_naming_the_folder(tiny, tmp_path):
    from stance.model import ModelError

    folder = tmp_path / "model"
    folder.mkdir()
    for f in tiny.model.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    (folder / LEXICAL_WEIGHTS).unlink()
    with pytest.raises(ModelError, match="lexical.safetensors is listed in the model card but missing"):
        Classifier(folder, precision="fp32")
    (folder / LEXICAL_WEIGHTS).write_bytes((tiny.model / LEXICAL_WEIGHTS).read_bytes())
    (folder / LEXICAL_META).write_text("{not json")
    with pytest.raises(ModelError, match="does not match the sha256"):
        Classifier(folder, precision="fp32")
    (folder / "README.md").unlink()  # no card to check against: the reader itself must refuse
    with pytest.warns(UserWarning), pytest.raises(ModelError, match="cannot read the lexical part"):
        Classifier(folder, precision="fp32")
