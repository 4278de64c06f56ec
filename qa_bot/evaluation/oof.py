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
from dataclasses import dataclass
from pathlib import Path

from ..answer.model import AnswerModels
from ..answer.select import choose
from ..pipeline import QA
from ..question.facets import place_names
from .fit import (
    Example,
    RankerRows,
    _contains,
    add_input_arguments,
    fit_confidence,
    load_examples,
    out_of_fold,
)
from .metrics import span_correct

__all__ = ["Outcome", "outcomes", "main", "tally"]


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
             max_false_abstain: float = 0.02) -> Iterator[Outcome]:
    """Each question of `data` (from the file `names` says) answered by models fitted without its fold."""
    folds = out_of_fold(qa, data, RankerRows.of(qa, data), negatives)
    for fold in folds:
        confidence, threshold, by_language = fit_confidence([other for other in folds if other is not fold],
                                                            max_false_abstain)
        models = AnswerModels(fold.rankers.sentence, fold.rankers.span, confidence, threshold, {}, by_language)
        for n in fold.questions:
            score, sentence_right, span_right, span, sentence = _answer(qa, data[n], models)
            yield Outcome(names[n], str(data[n].item.get("id", "")), data[n].answerable, sentence_right,
                          span_right, score < models.threshold_for(data[n].query.language), span, sentence)


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
                        help="write every answerable question's answer here (JSONL), right or not")
    parser.add_argument("--out", type=Path, default=None, help="write the table here (JSON)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    qa, data = load_examples(args)
    names = [ex.item["_file"] + ("/unaccented" if ex.query.question != ex.item["question"] else "") for ex in data]
    found = list(outcomes(qa, data, names, args.negatives, args.max_false_abstain))
    table = tally(found)
    print(f"{len(data)} questions answered out of fold in {time.perf_counter() - started:.0f} s\n")
    print(f"{'file':28s} {'answerable':>10s} {'sentence':>8s} {'span':>6s} {'false abst':>10s} "
          f"{'unanswerable':>12s} {'abstain':>7s}")
    for name in sorted(table, key=lambda n: (n == "all", n)):
        row = table[name]
        print(f"{name:28s} {row['answerable']:10d} {row['sentence']:8.3f} {row['span']:6.3f} "
              f"{row['false_abstain']:10.3f} {row['unanswerable']:12d} {row['abstain']:7.3f}")
    if args.out:
        args.out.write_text(json.dumps(table, indent=1), encoding="utf-8")
    for path, wanted in ((args.misses, lambda o: not o.span_right), (args.answers, lambda o: True)):
        if path:
            path.write_text("".join(_record(o) + "\n" for o in found if o.answerable and wanted(o)), encoding="utf-8")


def _record(outcome: Outcome) -> str:
    """One answered question as a JSON line (what `--misses` and `--answers` write)."""
    return json.dumps({"file": outcome.name, "id": outcome.question_id, "sentence_right": outcome.sentence_right,
                       "span_right": outcome.span_right, "abstained": outcome.abstained, "span": outcome.span,
                       "sentence": outcome.sentence}, ensure_ascii=False)


if __name__ == "__main__":
    main()
