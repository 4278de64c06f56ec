"""The scorer of table answers: row recall, row precision, exact quotes, top place, missing places."""

from qa_bot.evaluation.tables import format_table_scores, is_table_set, score_tables
from qa_bot.schema import Document

DOCS = {"a.txt": Document("a.txt", "Hà Giang có 1.565 TTHC. Cao Bằng có 986 TTHC.")}


def _row(place, span, year, start, sentence=(0, 23)):
    text = DOCS["a.txt"].text
    return {"place": place, "span": span, "year": year, "source": "a.txt", "char_start": start,
            "char_end": start + len(span), "sentence": text[sentence[0]:sentence[1]], "sentence_start": sentence[0],
            "sentence_end": sentence[1]}


def test_rows_are_matched_on_place_value_and_year():
    question = {"lang": "vi", "kind": "rank", "rows": [{"place": "Hà Giang", "value": "1.565", "year": 2021},
                                                        {"place": "Cao Bằng", "value": "986", "year": 2021}],
                "top": "Hà Giang", "missing": []}
    answer = {"table": {"rows": [_row("Hà Giang", "1.565", 2021, 12), _row("Cao Bằng", "986", 2020, 36, (24, 45))],
                        "missing": []}}
    report = score_tables([question], [answer], DOCS)["overall"]
    assert report["row_recall"] == 0.5 and report["row_precision"] == 0.5
    assert report["quote_exact"] == 1.0 and report["top_accuracy"] == 1.0 and report["missing_accuracy"] == 1.0
    assert "row_recall" in format_table_scores(score_tables([question], [answer], DOCS))


def test_a_row_whose_quote_is_not_the_documents_text_is_counted():
    bad = _row("Hà Giang", "1.565", 2021, 11)
    report = score_tables([{"rows": [{"place": "Hà Giang", "value": "1.565", "year": 2021}]}],
                          [{"table": {"rows": [bad]}}], DOCS)["overall"]
    assert report["quote_exact"] == 0.0


def test_only_sets_with_rows_are_table_sets():
    assert is_table_set([{"question": "q", "rows": []}]) and not is_table_set([{"question": "q", "answers": []}])
