"""What a push decides before it talks to Milvus (no Milvus needed)."""

from qa_bot.retrieval.milvus_push import PushReport, _drift


def test_rows_are_rewritten_when_avgdl_moves_beyond_the_tolerance_or_a_rewrite_was_interrupted():
    assert _drift([240.0, 240.0], 240.0 * 1.049) == ""
    assert _drift([240.0, 240.0], 240.0 * 0.951) == ""
    assert _drift([240.0, 240.0], 240.0 * 1.06) == "avgdl moved 6.0%"
    assert _drift([240.0, 250.0], 245.0) == "an earlier push was interrupted while rewriting them"
    assert _drift([0.0, 0.0], 0.0) == "" and _drift([0.0, 0.0], 12.0) == "avgdl moved 100.0%"


def test_the_build_says_what_a_push_sent():
    where = "collection 'qa_bot' at m.db"
    assert PushReport(17, 2, 56).line(73, where, 0.42) == \
        "pushed 73 chunks to collection 'qa_bot' at m.db: 17 rows upserted, 2 deleted, 56 kept in 0.4 s"
    assert PushReport(73, 0, 0, "a new collection").line(73, where, 1.2).endswith(
        "in 1.2 s (every row written: a new collection)")
    assert PushReport(0, 0, 73).line(73, where, 0.0) == f"{where} already holds this index: 73 rows kept, nothing sent"
