"""Out-of-fold measures of the answer layer: the table, and a whole run on the dev set."""

from __future__ import annotations

import json
import math

import pytest
from helpers import DATA

from qa_bot.evaluation import fit, oof


def _outcome(name: str, answerable: bool, sentence: bool = False, span: bool = False,
             abstained: bool = False) -> oof.Outcome:
    return oof.Outcome(name, "q", answerable, sentence, span, abstained)


def test_the_table_counts_an_abstention_on_an_answerable_question_as_a_miss():
    found = [_outcome("uit", True, True, True), _outcome("uit", True, True, False),
             _outcome("uit", True, True, True, abstained=True), _outcome("uit", True),
             _outcome("domain", False, abstained=True), _outcome("domain", False), _outcome("domain", True, True, True)]
    table = oof.tally(found)
    assert table["uit"] == {"answerable": 4, "sentence": 0.5, "span": 0.25, "false_abstain": 0.25,
                            "unanswerable": 0, "abstain": table["uit"]["abstain"]}
    assert math.isnan(table["uit"]["abstain"])  # no unanswerable question to abstain on
    assert table["domain"]["abstain"] == 0.5 and table["domain"]["span"] == 1.0
    assert table["all"]["answerable"] == 5 and table["all"]["unanswerable"] == 2
    assert table["all"]["span"] == pytest.approx(2 / 5)  # the abstained right span counts as a miss


@pytest.mark.slow  # ~10 s: five folds of rankers and confidence models on the dev questions
def test_every_dev_question_is_answered_by_models_fitted_without_it(fake_qa):
    pytest.importorskip("sklearn")
    items = [json.loads(line) for line in (DATA / "dev.jsonl").read_text(encoding="utf-8").splitlines()]
    data = list(fit.examples(fake_qa, items))
    found = list(oof.outcomes(fake_qa, data, ["dev"] * len(data), bounds=(0.0, 0.5)))
    assert sorted(o.question_id for o in found) == sorted(str(q["id"]) for q in items)
    tradeoff = oof.tradeoff(found)
    assert tradeoff[0.0]["all"]["false_abstain"] <= tradeoff[0.5]["all"]["false_abstain"]
    assert tradeoff[0.0]["all"]["abstain"] <= tradeoff[0.5]["all"]["abstain"]
    table = oof.tally(found)
    assert table["dev"]["answerable"] == sum(1 for ex in data if ex.answerable) > 30
    assert 0.3 < table["dev"]["sentence"] <= 1.0 and table["dev"]["span"] <= table["dev"]["sentence"]


def test_a_recorded_answer_says_what_came_of_it():
    outcome = oof.Outcome("uit/unaccented", "q7", True, True, False, False, "từ điểm 5,0", "Đạt từ điểm 5,0 trở lên.",
                          0.81234, "vi-noaccent")
    record = json.loads(oof._record(outcome))
    assert record == {"file": "uit/unaccented", "id": "q7", "answerable": True, "sentence_right": True,
                      "span_right": False, "abstained": False, "span": "từ điểm 5,0",
                      "sentence": "Đạt từ điểm 5,0 trở lên.", "confidence": 0.8123, "language": "vi-noaccent"}


def test_a_miss_is_a_wrong_answer_or_an_answer_to_an_unanswerable_question():
    assert oof._missed(_outcome("uit", True, True, False)) and not oof._missed(_outcome("uit", True, True, True))
    assert oof._missed(_outcome("domain", False)) and not oof._missed(_outcome("domain", False, abstained=True))


def test_the_tradeoff_counts_abstentions_at_each_bound_per_language():
    def judged(language: str, answerable: bool, at_02: bool, at_05: bool) -> oof.Outcome:
        return oof.Outcome("f", "q", answerable, False, False, at_02, language=language,
                           abstained_at={0.02: at_02, 0.05: at_05})

    found = [judged("vi", True, False, False), judged("vi", True, False, True), judged("vi", False, False, True),
             judged("vi", False, True, True), judged("en", True, False, False), judged("en", False, False, False)]
    table = oof.tradeoff(found)
    assert table[0.02]["vi"] == {"false_abstain": 0.0, "abstain": 0.5, "unanswerable": 2}
    assert table[0.05]["vi"] == {"false_abstain": 0.5, "abstain": 1.0, "unanswerable": 2}
    assert table[0.05]["en"] == {"false_abstain": 0.0, "abstain": 0.0, "unanswerable": 1}
    assert table[0.05]["all"]["abstain"] == pytest.approx(2 / 3)
