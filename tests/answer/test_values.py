"""The value an answer names (answer/values.py): real question analysis, hand-made spans."""

from __future__ import annotations

from qa_bot.answer.select import SpanCandidate
from qa_bot.answer.values import answer_value
from qa_bot.question.analysis import analyze

HA_GIANG = "toàn tỉnh Hà Giang có 1.895 TTHC, trong đó 1.565 TTHC được cung cấp DVC mức độ 4, đạt 100%."
PENALTY = "thì bị phạt tù từ 02 năm đến 07 năm."


def value_span(text: str, value: str, logit: float) -> SpanCandidate:
    start = text.index(value)
    return SpanCandidate((start, start + len(value) + 5), {"typed"}, value=(start, start + len(value)), logit=logit)


def named(question: str, text: str, spans: list[SpanCandidate], chosen: SpanCandidate) -> str | None:
    value = answer_value(analyze(question), text, spans, chosen)
    return None if value is None else text[value[0]:value[1]]


def test_a_window_names_its_best_scored_value():
    spans = [value_span(HA_GIANG, "1.895", 0.2), value_span(HA_GIANG, "1.565", 0.9), value_span(HA_GIANG, "100%", 0.1)]
    window = SpanCandidate((HA_GIANG.index("TTHC,"), len(HA_GIANG)), {"clause"}, logit=3.0)
    assert named("Hà Giang có bao nhiêu TTHC đạt mức độ 4?", HA_GIANG, [window, *spans], window) == "1.565"
    assert named("ha giang bao nhieu thu tuc muc do 4", HA_GIANG, [window, *spans], window) == "1.565"
    assert named("Hà Giang có bao nhiêu TTHC?", HA_GIANG, [window, *spans], spans[0]) == "1.895"  # its own
    nothing = SpanCandidate((0, HA_GIANG.index("1.895")), {"clause"}, logit=3.0)
    assert named("Hà Giang có bao nhiêu TTHC?", HA_GIANG, [nothing, *spans], nothing) is None


def test_only_questions_that_ask_for_a_value_get_one():
    spans = [value_span(HA_GIANG, "1.565", 0.9)]
    assert named("Cơ quan nào chủ trì việc cung cấp dịch vụ công?", HA_GIANG, spans, spans[0]) is None


def test_a_range_gives_the_bound_asked_or_all_of_it():
    low, high = value_span(PENALTY, "02 năm", 0.8), value_span(PENALTY, "07 năm", 0.3)
    window = SpanCandidate((PENALTY.index("phạt"), len(PENALTY) - 1), {"clause"}, logit=2.0)
    spans = [window, low, high]
    assert named("Tội này bị phạt tù tối đa bao nhiêu năm?", PENALTY, spans, window) == "07 năm"
    assert named("toi nay bi phat tu toi thieu bao nhieu nam", PENALTY, spans, window) == "02 năm"
    assert named("What is the maximum prison term for this crime?", PENALTY, spans, window) == "07 năm"
    assert named("Tội này bị phạt tù bao nhiêu năm?", PENALTY, spans, window) == "02 năm đến 07 năm"
    # a span around one end alone names that end: the value never lies outside the span
    assert named("Tội này bị phạt tù tối đa bao nhiêu năm?", PENALTY, spans, low) == "02 năm"
