r"""Out-of-fold measures of the answer layer on its fitting questions: a development tool.

    python -m qa_bot.evaluation.oof --corpus DIR --index DIR --questions A.jsonl B.jsonl \\
        [--unaccented] [--negatives] [--retrieval-cache FILE] [--misses FILE] [--answers FILE] [--out FILE]

Five folds by question (every form of a question, translated or without diacritics, in one).
For each fold the sentence and span rankers are fitted on the other folds and each question of
the fold is answered end to end, as `ask` does (the lead-in, whole words, the full stop); then the
confidence model is fitted on the other folds' answers (weighted as `fit` weighs them), its
threshold set at the same false-abstain bound on them, and applied to the fold's. Printed per
question file (its questions without diacritics apart): sentence and span accuracy of the
answerable questions, false abstain, and the share of unanswerable questions abstained on. A
change to the answer layer is judged on these before the measuring sets. The input is what
`qa_bot.evaluation.fit` takes (`benchmarks/fit_inputs.py` writes it).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..answer.model import AnswerModels, LinearModel
from ..answer.select import choose
from ..pipeline import QA
from ..question.facets import place_names
from .fit import (
    Example,
    Fold,
    RankerRows,
    _contains,
    add_input_arguments,
    fit_confidence,
    load_examples,
    out_of_fold,
    thresholds,
)
from .metrics import span_correct

__all__ = ["Outcome", "outcomes", "main", "tally", "tradeoff"]


@dataclass
class Outcome:
    """One question answered out of fold: the file it came from, and what came of it."""

    name: str  # the question file, with "/unaccented" for a copy typed without diacritics
    question_id: str
    answerable: bool
    sentence_right: bool
    span_right: bool
    abstained: bool
    span: str = ""
    sentence: str = ""
    confidence: float = 0.0
    language: str = ""
    abstained_at: dict[float, bool] = field(default_factory=dict)  # at each other false-abstain bound asked


def _answer(qa: QA, ex: Example, models: AnswerModels) -> tuple[float, bool, bool, str, str]:
    """The confidence of the answer `models` choose (never abstaining; 0 when nothing is found),
    whether it is in the right sentence and span, its span and its sentence.
    """
    choice = choose(ex.query, ex.hits, qa.index.documents, qa.index.vocabulary, place_names(), qa.index.sentences,
                    ex.vector, models=models, threshold=-1.0, chunks=qa.index.chunks)
    answer = choice.answer
    if answer is None:
        return 0.0, False, False, "", ""
    if not ex.answerable:
        return choice.confidence, False, False, answer.span, answer.sentence
    return (choice.confidence, _contains(answer.sentence, ex.gold), span_correct({"span": answer.span}, ex.gold),
            answer.span, answer.sentence)


def outcomes(qa: QA, data: list[Example], names: list[str], negatives: bool = True,
             max_false_abstain: float = 0.02, bounds: tuple[float, ...] = ()) -> Iterator[Outcome]:
    """Each question of `data` (from the file `names` says) answered by models fitted without its fold;
    each also says whether it would be abstained on at the other false-abstain `bounds`.
    """
    folds = out_of_fold(qa, data, RankerRows.of(qa, data), negatives)
    for fold in folds:
        others = [other for other in folds if other is not fold]
        confidence, threshold, by_language = fit_confidence(others, max_false_abstain)
        models = AnswerModels(fold.rankers.sentence, fold.rankers.span, confidence, threshold, {}, by_language)
        at_bounds = {bound: replace(models, threshold=overall, thresholds=by_language)
                     for bound, (overall, by_language) in _thresholds_at(confidence, others, bounds).items()}
        for n in fold.questions:
            score, sentence_right, span_right, span, sentence = _answer(qa, data[n], models)
            language = data[n].query.language
            abstained_at = {bound: score < at.threshold_for(language) for bound, at in at_bounds.items()}
            yield Outcome(names[n], str(data[n].item.get("id", "")), data[n].answerable, sentence_right,
                          span_right, score < models.threshold_for(language), span, sentence, score, language,
                          abstained_at)


def _thresholds_at(confidence: LinearModel, folds: list[Fold],
                   bounds: tuple[float, ...]) -> dict[float, tuple[float, dict[str, float]]]:
    """For each false-abstain bound, the thresholds at it on the confidence rows of `folds`: over
    all languages and per language (the rows scored once for every bound).
    """
    if not bounds:
        return {}
    rows, labels, _, languages = ([row for fold in folds for row in fold.confidence[i]] for i in range(4))
    probabilities, answerable = confidence.probability(rows), [bool(x) for x in labels]
    return {bound: thresholds(probabilities, answerable, languages, bound) for bound in bounds}


def tradeoff(found: list[Outcome]) -> dict[float, dict[str, dict[str, float]]]:
    """At each false-abstain bound the outcomes were judged at (`Outcome.abstained_at`), per
    language and over all: the share of answerable questions abstained on, and of unanswerable ones.
    """
    table: dict[float, dict[str, dict[str, float]]] = {}
    for bound in sorted({b for o in found for b in o.abstained_at}):
        table[bound] = {}
        for language in sorted({o.language for o in found}) + ["all"]:
            mine = [o for o in found if language in ("all", o.language) and bound in o.abstained_at]
            answerable = [o.abstained_at[bound] for o in mine if o.answerable]
            unanswerable = [o.abstained_at[bound] for o in mine if not o.answerable]
            table[bound][language] = {
                "false_abstain": sum(answerable) / len(answerable) if answerable else float("nan"),
                "abstain": sum(unanswerable) / len(unanswerable) if unanswerable else float("nan"),
                "unanswerable": len(unanswerable)}
    return table


def tally(found: list[Outcome]) -> dict[str, dict[str, float]]:
    """Per file and overall: answerable questions, sentence and span accuracy (an abstention is a
    miss), false abstain, unanswerable questions and the share abstained on.
    """
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in found:
        groups[outcome.name].append(outcome)
        groups["all"].append(outcome)
    table = {}
    for name, group in groups.items():
        answerable = [o for o in group if o.answerable]
        unanswerable = [o for o in group if not o.answerable]
        kept = [o for o in answerable if not o.abstained]
        table[name] = {
            "answerable": len(answerable),
            "sentence": sum(o.sentence_right for o in kept) / max(1, len(answerable)),
            "span": sum(o.span_right for o in kept) / max(1, len(answerable)),
            "false_abstain": (len(answerable) - len(kept)) / max(1, len(answerable)),
            "unanswerable": len(unanswerable),
            "abstain": sum(o.abstained for o in unanswerable) / len(unanswerable) if unanswerable else float("nan"),
        }
    return table


def main(argv: list[str] | None = None) -> None:
    """Answer every fitting question out of fold and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_input_arguments(parser)
    parser.add_argument("--misses", type=Path, default=None, help="write each missed question here (JSONL)")
    parser.add_argument("--answers", type=Path, default=None,
                        help="write every question's answer here (JSONL), right or not")
    parser.add_argument("--out", type=Path, default=None, help="write the table here (JSON)")
    parser.add_argument("--bounds", type=float, nargs="*", default=(),
                        help="also print the abstentions at these other false-abstain bounds, per language")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    qa, data = load_examples(args)
    names = [ex.item["_file"] + ("/unaccented" if ex.query.question != ex.item["question"] else "") for ex in data]
    found = list(outcomes(qa, data, names, args.negatives, args.max_false_abstain, tuple(args.bounds)))
    table = tally(found)
    print(f"{len(data)} questions answered out of fold in {time.perf_counter() - started:.0f} s\n")
    print(f"{'file':28s} {'answerable':>10s} {'sentence':>8s} {'span':>6s} {'false abst':>10s} "
          f"{'unanswerable':>12s} {'abstain':>7s}")
    for name in sorted(table, key=lambda n: (n == "all", n)):
        row = table[name]
        print(f"{name:28s} {row['answerable']:10d} {row['sentence']:8.3f} {row['span']:6.3f} "
              f"{row['false_abstain']:10.3f} {row['unanswerable']:12d} {row['abstain']:7.3f}")
    for bound, languages in tradeoff(found).items():
        cells = ", ".join(f"{language} {row['false_abstain']:.3f} / {row['abstain']:.3f} ({row['unanswerable']})"
                          for language, row in languages.items())
        print(f"bound {bound:.3f}: false abstain / abstain (unanswerable): {cells}")
    if args.out:
        args.out.write_text(json.dumps(table, indent=1), encoding="utf-8")
    for path, wanted in ((args.misses, _missed), (args.answers, lambda o: True)):
        if path:
            path.write_text("".join(_record(o) + "\n" for o in found if wanted(o)), encoding="utf-8")


def _missed(outcome: Outcome) -> bool:
    """Whether the question was missed: a wrong span or "not found" on an answerable question, an
    answer to an unanswerable one.
    """
    return not outcome.span_right if outcome.answerable else not outcome.abstained


def _record(outcome: Outcome) -> str:
    """One answered question as a JSON line (what `--misses` and `--answers` write)."""
    return json.dumps({"file": outcome.name, "id": outcome.question_id, "answerable": outcome.answerable,
                       "sentence_right": outcome.sentence_right,
                       "span_right": outcome.span_right, "abstained": outcome.abstained, "span": outcome.span,
                       "sentence": outcome.sentence, "confidence": round(outcome.confidence, 4),
                       "language": outcome.language}, ensure_ascii=False)


if __name__ == "__main__":
    main()
