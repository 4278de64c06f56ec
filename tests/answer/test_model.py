"""The fitted answer models ship as JSON data and are applied with numpy."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qa_bot.answer.features import GENERATORS, KIND_GROUPS
from qa_bot.answer.model import AnswerModels, LinearModel, TreeModel, answer_models
from qa_bot.datafiles import DATA


def test_the_shipped_models_are_json_with_named_features_and_a_threshold():
    data = json.loads((DATA / "answer_model.json").read_text(encoding="utf-8"))
    models = AnswerModels.from_dict(data)
    assert models.to_dict()["sentence"] == data["sentence"] and models.to_dict()["span"] == data["span"]
    assert 0.0 < models.threshold < 1.0
    for model in (models.sentence, models.span, models.confidence):
        assert len(model.features) == len(set(model.features)) > 3
        if isinstance(model, LinearModel):
            assert len(model.coef) == len(model.features)
            assert np.all(np.isfinite(model.coef)) and np.all(model.scale > 0)
        else:
            assert len(model.split_feature) >= 50 and np.all(np.isfinite(model.leaves))
    assert {"coverage", "cosine", "rank_inverse", "typed"} <= set(models.sentence.features)
    assert {f"by_{g}" for g in GENERATORS} <= set(models.span.features)
    assert {f"kind_{k}" for k in KIND_GROUPS} & set(models.sentence.features)
    assert data["about"]["examples"] > 500, "fitted on hundreds of training questions"


def test_the_fitted_weights_point_the_sensible_way():
    """More of the question covered, a closer dense match, a better-ranked passage: more likely the
    answer. Features that move together in real sentences (coverage with and without the
    neighbours, cosine and its gap to the best) are moved together."""
    sentence = answer_models().sentence
    base = dict.fromkeys(sentence.features, 0.0)
    for group in (("coverage", "with_previous", "with_next", "coverage_gap"), ("cosine", "cosine_gap"),
                  ("rank_inverse",)):
        low, high = sentence.logit([base | dict.fromkeys(group, 0.1), base | dict.fromkeys(group, 0.9)])
        assert high > low, group


def test_a_linear_model_standardises_then_applies_the_logistic():
    model = LinearModel(("a", "b"), np.array([1.0, 0.0]), np.array([2.0, 1.0]), np.array([1.0, -1.0]), 0.5)
    assert model.logit([{"a": 3.0, "b": 1.0}]) == pytest.approx([1.0 - 1.0 + 0.5])
    assert model.probability([{"a": 1.0}]) == pytest.approx([1 / (1 + np.exp(-0.5))])
    assert LinearModel.from_dict(model.to_dict()).to_dict() == model.to_dict()


def test_a_model_whose_arrays_do_not_match_its_features_is_refused():
    with pytest.raises(ValueError, match="needs 2 means"):
        LinearModel.from_dict({"features": ["a", "b"], "mean": [0], "scale": [1, 1], "coef": [1, 1], "intercept": 0})


def _stump_and_pair() -> TreeModel:
    """Two trees over (a, b): a ≤ 1 → -1 else +1; and b ≤ 0 → (a ≤ 3 → 0.5 else 2) else -0.25."""
    return TreeModel(("a", "b"), split_feature=np.array([[0, 0], [1, 0]]), threshold=np.array([[1.0, 0.0], [0.0, 3.0]]),
                     left=np.array([[~0, 0], [1, ~0]]), right=np.array([[~1, 0], [~2, ~1]]),
                     leaves=np.array([[-1.0, 1.0, 0.0], [0.5, 2.0, -0.25]]))


def test_a_tree_model_sums_the_leaf_each_tree_sends_a_row_to():
    model = _stump_and_pair()
    rows = [{"a": 0.5, "b": -1.0}, {"a": 2.0, "b": -1.0}, {"a": 5.0, "b": -1.0}, {"a": 1.0, "b": 4.0}, {}]
    assert model.logit(rows) == pytest.approx([-1 + 0.5, 1 + 0.5, 1 + 2.0, -1 - 0.25, -1 + 0.5])
    assert TreeModel.from_dict(model.to_dict()).to_dict() == model.to_dict()
    assert AnswerModels.from_dict({**answer_models().to_dict(), "span": model.to_dict()}).span.logit(rows[:1]) == \
        pytest.approx([-0.5])


def test_a_tree_model_whose_arrays_do_not_match_is_refused():
    data = _stump_and_pair().to_dict()
    with pytest.raises(ValueError, match="one \\(trees, nodes\\) shape"):
        TreeModel.from_dict({**data, "threshold": [[1.0], [0.0]]})
    with pytest.raises(ValueError, match="do not match"):
        TreeModel.from_dict({**data, "features": ["a"], "split_feature": [[0, 0], [1, 0]]})
