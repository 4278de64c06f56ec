"""The fitted answer models: logistic regressions stored as JSON data, applied with numpy.

`qa_bot/data/answer_model.json` holds three models, each a list of feature names
with the mean and scale that standardise them, coefficients and an intercept:

- `sentence`: how likely a sentence of the top passages holds the answer;
- `span`: how likely a candidate span of the chosen sentence holds it;
- `confidence`: how likely the chosen answer is right, for abstention (`threshold`).

They are fitted on training questions by `qa_bot.evaluation.fit` (scikit-learn,
the `[fit]` extra); the product never needs scikit-learn, and never unpickles.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from ..datafiles import read_json

__all__ = ["AnswerModels", "LinearModel", "answer_models"]

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
        return np.array([[row.get(name, 0.0) for name in self.features] for row in rows], dtype=np.float64)

    def logit(self, rows: list[dict[str, float]]) -> np.ndarray:
        """W · standardised(x) + b for each row."""
        if not rows:
            return np.zeros(0)
        return ((self.matrix(rows) - self.mean) / self.scale) @ self.coef + self.intercept

    def probability(self, rows: list[dict[str, float]]) -> np.ndarray:
        """The logistic of `logit`."""
        return 1.0 / (1.0 + np.exp(-self.logit(rows)))


@dataclass(frozen=True)
class AnswerModels:
    """The three answer models and the confidence below which the product abstains."""

    sentence: LinearModel
    span: LinearModel
    confidence: LinearModel
    threshold: float
    about: dict

    @classmethod
    def from_dict(cls, data: dict) -> AnswerModels:
        """The models recorded in `data`."""
        return cls(LinearModel.from_dict(data["sentence"]), LinearModel.from_dict(data["span"]),
                   LinearModel.from_dict(data["confidence"]), float(data["threshold"]), data.get("about", {}))

    def to_dict(self) -> dict:
        """The JSON form (what `answer_model.json` holds)."""
        return {"about": self.about, "threshold": self.threshold, "sentence": self.sentence.to_dict(),
                "span": self.span.to_dict(), "confidence": self.confidence.to_dict()}


@cache
def answer_models() -> AnswerModels:
    """The package's fitted answer models."""
    return AnswerModels.from_dict(read_json(MODEL_FILE))
