r"""Fit the answer models (`answer/model.py`) on training questions: a development tool.

    python -m qa_bot.evaluation.fit --corpus DIR --index DIR --questions A.jsonl B.jsonl \\
        [--unaccented] [--negatives] [--cv 5] [--out qa_bot/data/answer_model.json]

For each question the product retrieves its passages as `ask` does; every candidate
sentence becomes a row labelled by whether it holds a gold answer (the sentence
model), every candidate span of the sentences that do becomes a row labelled by
whether it holds one in at most 120 characters (the span model). Then each
question's answer, chosen by rankers fitted without its fold of questions, becomes a
row labelled by whether it is right (the confidence model); unanswerable questions,
and with `--negatives` each question asked again without the passages of its gold
source, are its negatives.

The sentence ranker is linear, fitted listwise (scipy); the span ranker is
gradient-boosted trees (LightGBM's lambdarank); `--sentence-model trees` and
`--span-model linear` swap them. The confidence model is a logistic regression on
standardised features (scikit-learn). These libraries are the `[fit]` extra; the
models are written as JSON and the product applies them with numpy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..answer.model import AnswerModels, LinearModel, Model, TreeModel
from ..answer.select import SentenceCandidate, choose, confidence_features, sentence_candidates, span_candidates
from ..answer.terms import weights_of
from ..answer.typed import Asked
from ..datafiles import DATA
from ..pipeline import QA
from ..question.analysis import Query, analyze
from ..question.facets import place_names, split_by_facets
from ..schema import Hit
from ..text import fold
from .metrics import load_questions, normalize_for_scoring, span_correct

__all__ = ["Example", "Fold", "RankerRows", "add_input_arguments", "examples", "fit_confidence", "fit_linear",
           "fit_models", "fit_ranker", "fit_tree_ranker", "load_examples", "main", "out_of_fold",
           "read_retrieval_cache", "thresholds", "trees_from_lightgbm", "write_retrieval_cache"]

C = 1.0  # inverse L2 strength of every linear model
TREE_PARAMS = {"n_estimators": 300, "learning_rate": 0.05, "num_leaves": 15, "min_child_samples": 20,
               "lambdarank_truncation_level": 5, "deterministic": True, "force_row_wise": True, "n_jobs": 1,
               "random_state": 0, "verbose": -1}
CONFIDENCE_FOLDS = 5
# how much each kind of row weighs in the confidence model's fit: a question written to have no answer
# in the documents (a near miss: the indicator for another year, the director for the deputy) is the
# case that matters, the same question asked without its gold source is a rough stand-in for it
# (chosen leave-one-set-out on the three synthetic sets' unanswerable questions, docs/quality.md)
UNANSWERABLE_WEIGHT = 10.0
WITHOUT_SOURCE_WEIGHT = 0.3
MIN_LANGUAGE_ROWS = 100  # answerable questions a language needs for a threshold of its own
Ranker = Callable[[list[dict[str, float]], list[int], list[int]], Model]


@dataclass
class Example:
    """One training question with what retrieval found for it."""

    item: dict
    query: Query
    vector: np.ndarray
    hits: list[Hit]
    gold: list[str] = field(default_factory=list)

    @property
    def answerable(self) -> bool:
        """Whether the question has gold answers."""
        return bool(self.gold)


def _contains(text: str, gold: list[str]) -> bool:
    text = normalize_for_scoring(text)
    return any(normalize_for_scoring(g) in text for g in gold)


def examples(qa: QA, items: list[dict], unaccented: bool = False, cache: dict | None = None) -> Iterator[Example]:
    """Each question (and its copy without diacritics) with its retrieved, facet-filtered hits.

    `cache` (question → its vector and hits, as JSON data) spares the retrieval when it is rerun
    over the same index; it is filled as questions are retrieved.
    """
    cache = {} if cache is None else cache
    for item in items:
        variants = [item["question"]]
        if unaccented and item.get("lang", "vi") == "vi" and fold(item["question"]) != item["question"]:
            variants.append(fold(item["question"]).lower())
        for question in variants:
            query = analyze(question, qa.index.vocabulary)
            if question not in cache:
                hits, vector = qa.retrieve(query)
                cache[question] = {"vector": vector.tolist(),
                                   "hits": [[h.chunk.id, h.score, h.ranks, h.dense_score] for h in hits]}
            record = cache[question]
            vector = np.asarray(record["vector"], dtype=np.float32)
            hits = [Hit(qa.index.chunks[i], score, ranks, cosine) for i, score, ranks, cosine in record["hits"]]
            answerable, _ = split_by_facets(hits, query.facets, qa.index.documents)
            gold = [] if item.get("kind") == "unanswerable" else list(item.get("answers") or [])
            yield Example(item, query, vector, answerable, gold)


def _candidates(qa: QA, ex: Example, hits: list[Hit] | None = None) -> tuple[Asked, list[SentenceCandidate]]:
    asked = Asked.of(ex.query, weights_of(qa.index.vocabulary), place_names())
    found = sentence_candidates(asked, ex.hits if hits is None else hits, qa.index.documents, qa.index.sentences,
                                ex.vector, qa.index.chunks)
    return asked, found


def _standardised(rows: list[dict[str, float]]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    names = sorted({name for row in rows for name in row})
    x = np.array([[row.get(n, 0.0) for n in names] for row in rows], dtype=np.float64)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    return names, (x - mean) / scale, mean, scale


def fit_linear(rows: list[dict[str, float]], labels: list[int], c: float = C,
               weights: list[float] | None = None) -> LinearModel:
    """A logistic regression on standardised features (each row weighing `weights`, 1 by default),
    as a LinearModel.
    """
    from sklearn.linear_model import LogisticRegression

    names, x, mean, scale = _standardised(rows)
    model = LogisticRegression(C=c, max_iter=2000).fit(x, np.asarray(labels), sample_weight=weights)
    return LinearModel(tuple(names), mean, scale, model.coef_[0], float(model.intercept_[0]))


def fit_ranker(rows: list[dict[str, float]], labels: list[int], groups: list[int], c: float = C) -> LinearModel:
    """A linear ranker fitted listwise: in each group (one question's candidates) the softmax of
    the scores puts its mass on the right candidates (conditional logit, L2 penalty 1/(2c)).
    Groups without a right candidate, or with only right ones, teach nothing and are left out.
    """
    from scipy.optimize import minimize

    names, x, mean, scale = _standardised(rows)
    y, g = np.asarray(labels, dtype=bool), np.asarray(groups)
    order = np.argsort(g, kind="stable")
    x, y, g = x[order], y[order], g[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    right_count = np.add.reduceat(y.astype(int), starts)
    sizes = np.diff(np.r_[starts, len(g)])
    keep = np.repeat((right_count > 0) & (right_count < sizes), sizes)
    x, y, g = x[keep], y[keep], g[keep]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    member = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(g)]))

    def log_sum(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
        masked = np.where(mask, scores, -np.inf)
        top = np.maximum.reduceat(masked, starts)
        return top + np.log(np.add.reduceat(np.where(mask, np.exp(masked - top[member]), 0.0), starts))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        scores = x @ w
        every, right = log_sum(scores, np.ones_like(y)), log_sum(scores, y)
        p_every = np.exp(scores - every[member])
        p_right = np.where(y, np.exp(scores - right[member]), 0.0)
        return float(np.sum(every - right) + 0.5 * w @ w / c), (p_every - p_right) @ x + w / c

    w = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x
    return LinearModel(tuple(names), mean, scale, w, 0.0)


def fit_tree_ranker(rows: list[dict[str, float]], labels: list[int], groups: list[int]) -> TreeModel:
    """Gradient-boosted trees ranking each group's candidates (LightGBM lambdarank, TREE_PARAMS)."""
    import lightgbm

    names = sorted({name for row in rows for name in row})
    order = np.argsort(np.asarray(groups), kind="stable")
    x = np.array([[rows[i].get(n, 0.0) for n in names] for i in order], dtype=np.float64)
    g = np.asarray(groups)[order]
    sizes = np.diff(np.r_[np.flatnonzero(np.r_[True, g[1:] != g[:-1]]), len(g)])
    ranker = lightgbm.LGBMRanker(objective="lambdarank", **TREE_PARAMS)
    ranker.fit(x, np.asarray(labels)[order], group=sizes)
    return trees_from_lightgbm(ranker.booster_.dump_model(), names)


def _tree_arrays(structure: dict) -> tuple[list[int], list[float], list[int], list[int], list[float]]:
    """One LightGBM tree (`dump_model`'s nested `tree_structure`) as TreeModel's node arrays."""
    split, threshold, left, right, leaves = [], [], [], [], []

    def visit(node: dict) -> int:
        if "split_feature" not in node:
            leaves.append(float(node["leaf_value"]))
            return ~(len(leaves) - 1)
        if node["decision_type"] != "<=" or node.get("missing_type", "None") not in ("None", "NaN"):
            raise ValueError(f"a split TreeModel cannot apply: {node['decision_type']}, {node.get('missing_type')}")
        at = len(split)
        split.append(int(node["split_feature"]))
        threshold.append(float(node["threshold"]))
        left.append(0)
        right.append(0)
        left[at], right[at] = visit(node["left_child"]), visit(node["right_child"])
        return at

    root = visit(structure)
    if root < 0:  # a single leaf: one split that leads to it either way
        return [0], [0.0], [root], [root], leaves
    return split, threshold, left, right, leaves


def trees_from_lightgbm(dump: dict, names: list[str]) -> TreeModel:
    """The TreeModel of a LightGBM booster's `dump_model()` over the features `names`."""
    if dump.get("feature_names") and len(dump["feature_names"]) != len(names):
        raise ValueError("the booster was trained on other features")
    trees = [_tree_arrays(info["tree_structure"]) for info in dump["tree_info"]]
    nodes, leaves = max(len(t[0]) for t in trees), max(len(t[4]) for t in trees)

    def pad(values: list, size: int) -> list:  # padding nodes are never reached
        return values + [0] * (size - len(values))

    return TreeModel(tuple(names), np.array([pad(t[0], nodes) for t in trees], dtype=np.int64),
                     np.array([pad(t[1], nodes) for t in trees], dtype=np.float64),
                     np.array([pad(t[2], nodes) for t in trees], dtype=np.int64),
                     np.array([pad(t[3], nodes) for t in trees], dtype=np.int64),
                     np.array([pad(t[4], leaves) for t in trees], dtype=np.float64))


def _sentence_and_span_rows(qa: QA, data: list[Example]) -> tuple[list, list, list, list, list, list]:
    sentence_rows, sentence_labels, span_rows, span_labels, groups, span_groups = [], [], [], [], [], []
    for number, ex in enumerate(data):
        if not ex.answerable:
            continue
        asked, found = _candidates(qa, ex)
        for c in found:
            label = _contains(c.text.text, ex.gold)
            sentence_rows.append(c.features)
            sentence_labels.append(int(label))
            groups.append(number)
            if label:
                for s in span_candidates(asked, c):
                    span_rows.append(s.features)
                    span_labels.append(int(span_correct({"span": c.text.text[s.span[0]:s.span[1]]}, ex.gold)))
                    span_groups.append(len(sentence_rows))
    return sentence_rows, sentence_labels, span_rows, span_labels, groups, span_groups


def _confidence_rows(qa: QA, data: list[Example], models: AnswerModels,
                     negatives: bool) -> tuple[list, list, list, list]:
    """One row per question: the chosen answer's confidence features, labelled by whether the
    documents retrieved hold the answer (abstaining on an answerable question is a miss even
    when the answer found is wrong), its weight and the question's language. With `negatives`,
    each answerable question is asked again over its hits without the gold source, a negative
    when none of them holds a gold answer.
    """
    rows, labels, weights, languages = [], [], [], []
    for ex in data:
        runs = [(ex.hits, ex.answerable, 1.0 if ex.answerable else UNANSWERABLE_WEIGHT)]
        if negatives and ex.answerable:
            source = ex.item.get("source")
            others = [h for h in ex.hits if h.chunk.source != source]
            if not any(_contains(h.chunk.text, ex.gold) for h in others):
                runs.append((others, False, WITHOUT_SOURCE_WEIGHT))
        for hits, holds_answer, weight in runs:
            choice = choose(ex.query, hits, qa.index.documents, qa.index.vocabulary, place_names(),
                            qa.index.sentences, ex.vector, models=models, threshold=-1.0, chunks=qa.index.chunks)
            if choice.answer is None:
                continue
            ranked = sorted(choice.sentences, key=lambda c: -c.logit)
            span = max(choice.spans, key=lambda s: s.logit)
            rows.append(confidence_features(ex.query, ranked, span))
            labels.append(int(holds_answer))
            weights.append(weight)
            languages.append(ex.query.language)
    return rows, labels, weights, languages


def _threshold(probabilities: np.ndarray, answerable: list[bool], max_false_abstain: float) -> float:
    """The highest threshold that abstains on at most `max_false_abstain` of the answerable questions."""
    held = np.sort(probabilities[np.asarray(answerable, dtype=bool)])
    if len(held) == 0:
        return 0.5
    return float(held[int(np.floor(max_false_abstain * len(held)))])


def thresholds(probabilities: np.ndarray, answerable: list[bool], languages: list[str],
               max_false_abstain: float) -> tuple[float, dict[str, float]]:
    """The threshold over all questions and one per language with at least MIN_LANGUAGE_ROWS
    answerable questions, each abstaining on at most `max_false_abstain` of them.
    """
    held, spoken = np.asarray(answerable, dtype=bool), np.asarray(languages)
    by_language = {}
    for language in sorted(set(languages)):
        mine = spoken == language
        if held[mine].sum() >= MIN_LANGUAGE_ROWS:
            by_language[language] = _threshold(probabilities[mine], list(held[mine]), max_false_abstain)
    return _threshold(probabilities, answerable, max_false_abstain), by_language


def _question_stem(item: dict) -> str:
    """The question an item asks, whatever its language: 'd01-en' and 'd01-na' are 'd01'."""
    return re.sub(r"-(?:en|na)$", "", str(item.get("id") or item.get("question", "")))


def _fold(stem: str, folds: int) -> int:
    """The fold of the question `stem`: every form of a question lands in the same one."""
    return int(hashlib.sha1(stem.encode()).hexdigest(), 16) % folds


def _cv_top1(rows: list, labels: list, groups: list, folds: int, ranker: Ranker | None = None,
             stems: list[str] | None = None) -> float:
    """Share of groups whose top-scored candidate is right, each fold's groups scored by a ranker
    fitted on the other folds (groups with no right candidate count as misses). `stems` (one per
    row) keeps every form of a question (translated, without diacritics) in one fold: a fold
    that has seen one form scores another far too well.
    """
    ranker = ranker or _linear(C)
    groups_arr, labels_arr = np.asarray(groups), np.asarray(labels)
    stems = stems or [str(g) for g in groups]
    fold_of = {g: _fold(stem, folds) for g, stem in zip(groups, stems, strict=True)}
    right = 0
    for fold_number in range(folds):
        test = {g for g, f in fold_of.items() if f == fold_number}
        train = [i for i, g in enumerate(groups) if g not in test]
        model = ranker([rows[i] for i in train], [labels[i] for i in train], [groups[i] for i in train])
        for g in test:
            idx = np.flatnonzero(groups_arr == g)
            scores = model.logit([rows[i] for i in idx])
            right += int(labels_arr[idx[int(np.argmax(scores))]])
    return right / len(fold_of)


def _linear(c: float) -> Ranker:
    """The linear listwise ranker at regularisation `c`."""
    return lambda rows, labels, groups: fit_ranker(rows, labels, groups, c)


def _ranker(kind: str, c: float) -> Ranker:
    """The ranker `kind` names: "trees" or "linear" (at regularisation `c`)."""
    return fit_tree_ranker if kind == "trees" else _linear(c)


@dataclass
class RankerRows:
    """The rows both rankers are fitted on: every candidate sentence of the answerable questions
    (`groups`: the question's number in the data), every candidate span of the sentences that hold
    an answer (`span_groups`: one more than the sentence's row).
    """

    sentence_rows: list[dict[str, float]]
    sentence_labels: list[int]
    span_rows: list[dict[str, float]]
    span_labels: list[int]
    groups: list[int]
    span_groups: list[int]

    @classmethod
    def of(cls, qa: QA, data: list[Example]) -> RankerRows:
        """The rows of `data`'s questions over the index of `qa`."""
        return cls(*_sentence_and_span_rows(qa, data))

    def fitted_without(self, left_out: set[int], sentence_model: str = "linear",
                       span_model: str = "trees") -> AnswerModels:
        """Both rankers fitted without the questions `left_out` (a placeholder confidence)."""
        sentences = [i for i, g in enumerate(self.groups) if g not in left_out]
        spans = [i for i, row in enumerate(self.span_groups) if self.groups[row - 1] not in left_out]
        placeholder = LinearModel(("sentence_logit",), np.zeros(1), np.ones(1), np.ones(1), 0.0)
        return AnswerModels(
            _ranker(sentence_model, C)(*([v[i] for i in sentences]
                                         for v in (self.sentence_rows, self.sentence_labels, self.groups))),
            _ranker(span_model, C)(*([v[i] for i in spans] for v in (self.span_rows, self.span_labels,
                                                                      self.span_groups))),
            placeholder, 0.0, {})


@dataclass
class Fold:
    """One fold of the questions: which ones, the rankers fitted without them, and the confidence
    rows (features, labels, weights, languages) of the answers those rankers choose for them.
    """

    questions: list[int]
    rankers: AnswerModels
    confidence: tuple[list, list, list, list]


def fit_confidence(folds: list[Fold], max_false_abstain: float) -> tuple[LinearModel, float, dict[str, float]]:
    """The confidence model fitted on the pooled confidence rows of `folds`, with its threshold over
    all questions and per language.
    """
    rows, labels, weights, languages = ([row for fold in folds for row in fold.confidence[i]] for i in range(4))
    confidence = fit_linear(rows, labels, weights=weights)
    return confidence, *thresholds(confidence.probability(rows), [bool(x) for x in labels], languages,
                                   max_false_abstain)


def out_of_fold(qa: QA, data: list[Example], ranked: RankerRows, negatives: bool, sentence_model: str = "linear",
                span_model: str = "trees") -> list[Fold]:
    """CONFIDENCE_FOLDS folds by question (every form of a question in one), each answered by
    rankers fitted on the others.
    """
    fold_of = [_fold(_question_stem(ex.item), CONFIDENCE_FOLDS) for ex in data]
    folds = []
    for number in range(CONFIDENCE_FOLDS):
        questions = [n for n, f in enumerate(fold_of) if f == number]
        rankers = ranked.fitted_without(set(questions), sentence_model, span_model)
        folds.append(Fold(questions, rankers, _confidence_rows(qa, [data[n] for n in questions], rankers, negatives)))
    return folds


def fit_models(qa: QA, data: list[Example], negatives: bool = False, max_false_abstain: float = 0.02,
               cv: int = 0, cv_c: list[float] | None = None, sentence_model: str = "linear",
               span_model: str = "trees", rankers: AnswerModels | None = None) -> AnswerModels:
    """The three answer models fitted on `data` (see the module docstring); `cv` folds report the
    cross-validated top-1 of both rankers first. Each ranker is "trees" or "linear". With `rankers`,
    their sentence and span models are kept and only the confidence model is fitted (on the answers
    of rankers fitted without each fold, as always).
    """
    ranked = RankerRows.of(qa, data)
    print(f"{len(ranked.sentence_rows)} sentences ({sum(ranked.sentence_labels)} hold an answer), "
          f"{len(ranked.span_rows)} spans ({sum(ranked.span_labels)} right)")
    sentence_stems = [_question_stem(data[g].item) for g in ranked.groups]
    span_stems = [sentence_stems[row - 1] for row in ranked.span_groups]
    for c in (cv_c or [C]) if cv else []:
        sentences = _cv_top1(ranked.sentence_rows, ranked.sentence_labels, ranked.groups, cv,
                             _ranker(sentence_model, c), sentence_stems)
        spans = _cv_top1(ranked.span_rows, ranked.span_labels, ranked.span_groups, cv, _ranker(span_model, c),
                         span_stems)
        print(f"cross-validated top-1 ({sentence_model} / {span_model}, C={c}): sentence {sentences:.3f}, "
              f"span in the right sentence {spans:.3f}")

    # the confidence model learns from answers chosen by rankers that never saw their question
    # (in-sample rankers, trees above all, look surer of their answers than they will be)
    folds = out_of_fold(qa, data, ranked, negatives, sentence_model, span_model)
    final = rankers or ranked.fitted_without(set(), sentence_model, span_model)
    confidence, threshold, by_language = fit_confidence(folds, max_false_abstain)
    about = {"fitted": time.strftime("%Y-%m-%d"), "examples": len(data), "sentence_rows": len(ranked.sentence_rows),
             "span_rows": len(ranked.span_rows), "confidence_rows": sum(len(f.confidence[0]) for f in folds),
             "negatives": negatives,
             "max_false_abstain": max_false_abstain, "c": C, "confidence_folds": CONFIDENCE_FOLDS,
             "confidence_weights": {"unanswerable": UNANSWERABLE_WEIGHT, "without_source": WITHOUT_SOURCE_WEIGHT},
             "sentence_model": sentence_model,
             "span_model": span_model, "trees": TREE_PARAMS}
    if rankers is not None:
        about["rankers_fitted"] = rankers.about.get("rankers_fitted", rankers.about.get("fitted"))
    return AnswerModels(final.sentence, final.span, confidence, threshold, about, by_language)


def read_retrieval_cache(path: Path | None, generation: str) -> dict:
    """The questions' retrievals cached at `path`, or none when the file was written over another
    index generation (its hits name chunks by number, and a rebuild renumbers them).
    """
    if path is None or not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("generation") != generation:
        print(f"{path}: written over another index generation; retrieving again")
        return {}
    return data["questions"]


def write_retrieval_cache(path: Path, generation: str, cache: dict) -> None:
    """Keep the questions' retrievals at `path`, stamped with the index generation they were made over."""
    path.write_text(json.dumps({"generation": generation, "questions": cache}), encoding="utf-8")


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments that say what to fit on: the index, the question files, which forms and negatives."""
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, nargs="+", required=True)
    parser.add_argument("--unaccented", action="store_true", help="also each Vietnamese question without diacritics")
    parser.add_argument("--negatives", action="store_true", help="also each question without its gold source")
    parser.add_argument("--max-false-abstain", type=float, default=0.02)
    parser.add_argument("--retrieval-cache", type=Path, default=None,
                        help="JSON file of each question's retrieval, reused while the index generation is the same")


def load_examples(args: argparse.Namespace) -> tuple[QA, list[Example]]:
    """The index `args` name and their questions with what retrieval finds for each (each item
    keeps the name of its file as `_file`).
    """
    from ..retrieval.faiss import FaissBackend

    qa = QA.open(args.corpus, args.index, backend=FaissBackend)
    items = [dict(q, _file=path.stem) for path in args.questions for q in load_questions(path)]
    started = time.perf_counter()
    cache = read_retrieval_cache(args.retrieval_cache, qa.index.manifest.generation)
    data = list(examples(qa, items, args.unaccented, cache))
    if args.retrieval_cache:
        write_retrieval_cache(args.retrieval_cache, qa.index.manifest.generation, cache)
    print(f"{len(data)} questions retrieved in {time.perf_counter() - started:.0f} s")
    return qa, data


def main(argv: list[str] | None = None) -> None:
    """Fit the three answer models and write them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_input_arguments(parser)
    parser.add_argument("--cv", type=int, default=0, help="report the cross-validated top-1 of both rankers")
    parser.add_argument("--cv-c", type=float, nargs="*", default=None, help="regularisation values to compare")
    for ranked, default in (("sentence", "linear"), ("span", "trees")):
        parser.add_argument(f"--{ranked}-model", choices=("trees", "linear"), default=default,
                            help=f"gradient-boosted trees (LightGBM) or a linear ranker for the {ranked}s")
    parser.add_argument("--out", type=Path, default=DATA / "answer_model.json")
    parser.add_argument("--keep-rankers", type=Path, default=None, metavar="MODEL_FILE",
                        help="keep this model file's sentence and span rankers: fit only the confidence model")
    args = parser.parse_args(argv)
    qa, data = load_examples(args)
    rankers = AnswerModels.from_dict(json.loads(args.keep_rankers.read_text(encoding="utf-8"))) \
        if args.keep_rankers else None
    models = fit_models(qa, data, args.negatives, args.max_false_abstain, args.cv, args.cv_c,
                        args.sentence_model, args.span_model, rankers)
    about = {**models.about, "questions": [p.name for p in args.questions], "unaccented": args.unaccented}
    result = replace(models, about=about)
    args.out.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    per_language = ", ".join(f"{language} {t:.3f}" for language, t in models.thresholds.items())
    print(f"threshold {models.threshold:.3f} ({per_language}); written to {args.out}")


if __name__ == "__main__":
    main()
