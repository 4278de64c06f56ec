"""Fitting the answer models: the rankers, the logistic regression, and the whole fit on a small set."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import DATA

from qa_bot.answer.model import AnswerModels, answer_models
from qa_bot.evaluation import fit


def test_the_listwise_ranker_puts_each_group_s_right_candidate_first():
    rng = np.random.default_rng(0)
    rows, labels, groups = [], [], []
    for group in range(60):
        right = int(rng.integers(4))
        for i in range(4):
            rows.append({"signal": float(i == right) + 0.3 * rng.standard_normal(), "noise": rng.standard_normal()})
            labels.append(int(i == right))
            groups.append(group)
    model = fit.fit_ranker(rows, labels, groups)
    weights = dict(zip(model.features, model.coef, strict=True))
    assert weights["signal"] > 5 * abs(weights["noise"])
    assert fit._cv_top1(rows, labels, groups, folds=3) > 0.9


def test_the_tree_ranker_ships_as_arrays_that_score_as_lightgbm_does():
    lightgbm = pytest.importorskip("lightgbm")
    rng = np.random.default_rng(2)
    rows = [{"a": float(rng.normal()), "b": float(rng.integers(0, 3)), "c": float(rng.random() < 0.3)}
            for _ in range(600)]
    labels = [int(r["a"] + r["b"] - r["c"] > 1.5) for r in rows]
    groups = [i // 10 for i in range(600)]
    model = fit.fit_tree_ranker(rows, labels, groups)
    x = np.array([[r[name] for name in model.features] for r in rows])
    reference = lightgbm.LGBMRanker(objective="lambdarank", **fit.TREE_PARAMS).fit(x, labels, group=[10] * 60)
    assert len(model.split_feature) > 10
    assert np.allclose(model.logit(rows), reference.predict(x), atol=1e-9)
    assert fit._cv_top1(rows, labels, groups, folds=3, ranker=fit.fit_tree_ranker) > 0.8


def test_cross_validation_keeps_every_form_of_a_question_in_one_fold():
    """Each question twice (as if accented and without diacritics) with identical candidates whose
    right one only an identifier-like feature tells: a fold that saw the other form scores it
    perfectly, folds by question stem cannot."""
    rng = np.random.default_rng(1)
    rows, labels, groups, stems = [], [], [], []
    for question in range(40):
        right = int(rng.integers(4))
        keys = rng.standard_normal(4)
        for form in ("", "-na"):
            group = len({g for g in groups})
            for i in range(4):
                rows.append({f"key{question}_{i}": 1.0, "shared": keys[i]})
                labels.append(int(i == right))
                groups.append(group)
                stems.append(f"q{question}{form}")
    plain = fit._cv_top1(rows, labels, groups, folds=4)
    by_stem = fit._cv_top1(rows, labels, groups, folds=4, stems=[fit._question_stem({"id": s}) for s in stems])
    assert plain > 0.65 > 0.45 > by_stem  # ~0.8 (seen forms) against ~0.25 (chance among four)
    assert fit._question_stem({"id": "d01-en"}) == fit._question_stem({"id": "d01-na"}) == "d01"


def test_the_logistic_regression_separates_its_labels():
    rows = [{"x": float(v)} for v in range(20)]
    model = fit.fit_linear(rows, [int(v >= 10) for v in range(20)])
    low, high = model.probability([{"x": 2.0}, {"x": 17.0}])
    assert low < 0.5 < high


def test_weighted_rows_pull_the_logistic_regression_towards_their_label():
    rows = [{"x": 0.0}] * 10 + [{"x": 1.0}] * 10
    labels = [0] * 5 + [1] * 5 + [0] * 5 + [1] * 5  # x says nothing: both halves are half negatives
    even = fit.fit_linear(rows, labels).probability([{"x": 1.0}])[0]
    weights = [1.0] * 15 + [10.0] * 5  # the positives at x = 1 weigh ten times more
    weighted = fit.fit_linear(rows, labels, weights=weights).probability([{"x": 1.0}])[0]
    assert abs(even - 0.5) < 0.05 and weighted > 0.75


def test_the_threshold_keeps_false_abstentions_under_the_bound():
    probabilities = np.linspace(0.01, 0.99, 100)
    threshold = fit._threshold(probabilities, [True] * 100, max_false_abstain=0.05)
    assert np.mean(probabilities < threshold) <= 0.05 < np.mean(probabilities <= threshold + 0.02)


def test_each_language_with_enough_questions_gets_a_threshold_at_the_same_bound():
    rng = np.random.default_rng(0)
    probabilities = np.r_[rng.uniform(0.3, 1.0, 200), rng.uniform(0.0, 0.7, 200), rng.uniform(0.0, 1.0, 20)]
    languages = ["vi"] * 200 + ["en"] * 200 + ["vi-noaccent"] * 20
    overall, by_language = fit.thresholds(probabilities, [True] * 420, languages, max_false_abstain=0.05)
    assert set(by_language) == {"vi", "en"}, "20 questions are too few for a threshold of their own"
    assert by_language["vi"] > overall > by_language["en"]
    for language, threshold in by_language.items():
        mine = probabilities[[lang == language for lang in languages]]
        assert np.mean(mine < threshold) <= 0.05
    models = AnswerModels.from_dict({**answer_models().to_dict(), "threshold": overall, "thresholds": by_language})
    assert models.threshold_for("en") == by_language["en"] and models.threshold_for("vi-noaccent") == overall


@pytest.mark.slow  # ~40 s: every dev question's candidates, two rankers and a confidence model, twice
def test_a_fit_over_the_bundled_corpus_gives_models_the_product_reads(fake_qa):
    pytest.importorskip("sklearn")
    items = [json.loads(line) for line in (DATA / "dev.jsonl").read_text(encoding="utf-8").splitlines()]
    data = list(fit.examples(fake_qa, items))
    models = AnswerModels.from_dict(fit.fit_models(fake_qa, data, negatives=True).to_dict())
    assert models.about["examples"] == 37 and models.about["sentence_rows"] > 100
    assert 0.0 < models.threshold < 1.0 and len(models.span.features) > 20
    answer = fake_qa.answer_from(data[0].query, data[0].hits, threshold=0.0)
    assert answer.answer is not None
    kept = fit.fit_models(fake_qa, data, negatives=True, rankers=models)  # only the confidence refitted
    assert kept.sentence is models.sentence and kept.span is models.span
    assert kept.about["rankers_fitted"] == models.about["fitted"]
    assert kept.confidence.features == models.confidence.features  # fitted again on the same rows' features


def test_the_retrieval_cache_is_kept_for_its_index_generation_only(tmp_path, capsys):
    path = tmp_path / "cache.json"
    retrieved = {"Hà Giang có bao nhiêu TTHC?": {"vector": [0.5], "hits": [[3, 0.9, [1, 2], 0.8]]}}
    fit.write_retrieval_cache(path, "gen-a", retrieved)
    assert fit.read_retrieval_cache(path, "gen-a") == retrieved
    assert fit.read_retrieval_cache(path, "gen-b") == {}  # a rebuild renumbers chunks: its hits are stale
    assert "another index generation" in capsys.readouterr().out
    assert fit.read_retrieval_cache(tmp_path / "none.json", "gen-a") == {}
    assert fit.read_retrieval_cache(None, "gen-a") == {}
