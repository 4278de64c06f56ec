"""The fitted answer models, stored as JSON data and applied with numpy.

`qa_bot/data/answer_model.json` holds three models, each over a list of named
features: a logistic regression (the mean and scale that standardise the
features, coefficients and an intercept) or gradient-boosted trees (`TreeModel`):

- `sentence`: how likely a sentence of the top passages holds the answer;
- `span`: how likely a candidate span of the chosen sentence holds it;
- `confidence`: how likely the chosen answer is right, for abstention (`threshold`, and
  `thresholds` per language: each at the same false-abstain bound on that language's questions).

They are fitted on training questions by `qa_bot.evaluation.fit` (scikit-learn and
LightGBM, the `[fit]` extra); the product needs neither, and never unpickles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, cached_property

import numpy as np

from ..datafiles import read_json

__all__ = ["AnswerModels", "LinearModel", "TreeModel", "answer_models"]

MODEL_FILE = "answer_model.json"


@dataclass(frozen=True)
class LinearModel:
    """A standardised logistic regression over named features."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    @classmethod
    def from_dict(cls, data: dict) -> LinearModel:
        """The model recorded in `data` (see the module docstring)."""
        n = len(data["features"])
        arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
        if any(a.shape != (n,) for a in arrays):
            raise ValueError(f"a model of {n} features needs {n} means, scales and coefficients")
        return cls(tuple(data["features"]), *arrays, float(data["intercept"]))

    def to_dict(self) -> dict:
        """The JSON form."""
        return {"features": list(self.features), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": self.intercept}

    def matrix(self, rows: list[dict[str, float]]) -> np.ndarray:
        """The rows' features in this model's order (a missing feature is 0)."""
        return _matrix(self.features, rows)

    def logit(self, rows: list[dict[str, float]]) -> np.ndarray:
        """W · standardised(x) + b for each row."""
        if not rows:
            return np.zeros(0)
        return ((self.matrix(rows) - self.mean) / self.scale) @ self.coef + self.intercept

    def probability(self, rows: list[dict[str, float]]) -> np.ndarray:
        """The logistic of `logit`."""
        return 1.0 / (1.0 + np.exp(-self.logit(rows)))


def _matrix(features: tuple[str, ...], rows: list[dict[str, float]]) -> np.ndarray:
    """The rows' `features` in order (a missing feature is 0)."""
    return np.array([[row.get(name, 0.0) for name in features] for row in rows], dtype=np.float64)


@dataclass(frozen=True)
class TreeModel:
    """Gradient-boosted regression trees over named features, their scores summed.

    Every tree is stored as arrays over its split nodes: the feature each splits on,
    the threshold (a row goes left when its value is ≤ it), and the left and right
    children, a child ≥ 0 being a split node and ~i the tree's leaf i, leaves numbered
    left to right; `leaves` holds each tree's leaf values. Trees of fewer nodes or
    leaves are padded.
    """

    features: tuple[str, ...]
    split_feature: np.ndarray  # (trees, nodes) int
    threshold: np.ndarray  # (trees, nodes) float
    left: np.ndarray  # (trees, nodes) int
    right: np.ndarray  # (trees, nodes) int
    leaves: np.ndarray  # (trees, leaves) float

    @classmethod
    def from_dict(cls, data: dict) -> TreeModel:
        """The model recorded in `data` (see the class docstring)."""
        arrays = {k: np.asarray(data[k], dtype=np.float64 if k in ("threshold", "leaves") else np.int64)
                  for k in ("split_feature", "threshold", "left", "right", "leaves")}
        shape = arrays["split_feature"].shape
        if len(shape) != 2 or any(arrays[k].shape != shape for k in ("threshold", "left", "right")):
            raise ValueError("a tree model needs split, threshold and children arrays of one (trees, nodes) shape")
        if len(arrays["leaves"]) != shape[0] or arrays["split_feature"].max(initial=0) >= len(data["features"]):
            raise ValueError("a tree model's leaves or split features do not match its trees and features")
        model = cls(tuple(data["features"]), **arrays)
        model._exits  # noqa: B018 (checks the trees now rather than at the first question)
        return model

    def to_dict(self) -> dict:
        """The JSON form."""
        return {"type": "trees", "features": list(self.features), "split_feature": self.split_feature.tolist(),
                "threshold": self.threshold.tolist(), "left": self.left.tolist(), "right": self.right.tolist(),
                "leaves": self.leaves.tolist()}

    @cached_property
    def _exits(self) -> np.ndarray:
        """(trees, nodes) bitmasks of the leaves a row can still reach after it goes right at a node:
        every leaf but those of the node's left subtree (all of them at padding nodes). ANDed over
        the nodes a row goes right at, they leave its exit leaf as the lowest bit (QuickScorer).
        """
        count = self.leaves.shape[1]
        if count > 64:
            raise ValueError(f"a tree model of {count} leaves a tree: at most 64")
        every = (1 << count) - 1
        exits = np.full(self.split_feature.shape, every, dtype=np.uint64)
        for tree, (left, right) in enumerate(zip(self.left.tolist(), self.right.tolist(), strict=True)):
            order: list[int] = []

            def leaves_under(node: int, tree: int = tree, left: list = left, right: list = right,
                             order: list = order) -> int:
                if node < 0:
                    order.append(~node)
                    return 1 << ~node
                below_left = leaves_under(left[node])
                if left[node] != right[node]:
                    exits[tree, node] = every & ~below_left
                    return below_left | leaves_under(right[node])
                return below_left

            leaves_under(0)
            if order != sorted(order):
                raise ValueError(f"tree {tree} of the model does not number its leaves left to right")
        return exits

    @cached_property
    def _node_major(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The split features and thresholds flattened node by node (node 0 of every tree, then
        node 1 …), and the exit bitmasks as (nodes, trees): the order `logit` reads them in.
        """
        return self.split_feature.T.ravel(), self.threshold.T.ravel(), np.ascontiguousarray(self._exits.T)

    def logit(self, rows: list[dict[str, float]]) -> np.ndarray:
        """The sum of the trees' leaf values for each row: every node's test for every row at once,
        then each tree's exit leaf from the bitmasks of the nodes the row goes right at.
        """
        if not rows:
            return np.zeros(0)
        x = _matrix(self.features, rows)
        trees, nodes = self.split_feature.shape
        split_feature, threshold, exits = self._node_major
        goes_left = (x[:, split_feature] <= threshold).reshape(len(x), nodes, trees)
        every = np.uint64((1 << self.leaves.shape[1]) - 1)
        alive = np.full((len(x), trees), every, dtype=np.uint64)
        for node in range(nodes):
            alive &= np.where(goes_left[:, node], every, exits[node])
        lowest = alive & (~alive + np.uint64(1))
        leaf = np.log2(lowest.astype(np.float64)).astype(np.int64)
        return self.leaves[np.arange(trees), leaf].sum(axis=1)


Model = LinearModel | TreeModel


def model_from_dict(data: dict) -> Model:
    """A linear or tree model, as `data` records it."""
    return TreeModel.from_dict(data) if data.get("type") == "trees" else LinearModel.from_dict(data)


@dataclass(frozen=True)
class AnswerModels:
    """The three answer models and the confidence below which the product abstains."""

    sentence: Model
    span: Model
    confidence: LinearModel
    threshold: float
    about: dict
    thresholds: dict[str, float] = field(default_factory=dict)  # per language ("vi", "vi-noaccent", "en")

    @classmethod
    def from_dict(cls, data: dict) -> AnswerModels:
        """The models recorded in `data`."""
        thresholds = {language: float(t) for language, t in data.get("thresholds", {}).items()}
        return cls(model_from_dict(data["sentence"]), model_from_dict(data["span"]),
                   LinearModel.from_dict(data["confidence"]), float(data["threshold"]), data.get("about", {}),
                   thresholds)

    def to_dict(self) -> dict:
        """The JSON form (what `answer_model.json` holds)."""
        return {"about": self.about, "threshold": self.threshold, "thresholds": self.thresholds,
                "sentence": self.sentence.to_dict(), "span": self.span.to_dict(),
                "confidence": self.confidence.to_dict()}

    def threshold_for(self, language: str) -> float:
        """The confidence below which a question in `language` is not answered."""
        return self.thresholds.get(language, self.threshold)


@cache
def answer_models() -> AnswerModels:
    """The package's fitted answer models."""
    return AnswerModels.from_dict(read_json(MODEL_FILE))
