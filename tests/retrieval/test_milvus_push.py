"""What a push decides before it talks to Milvus (no Milvus needed)."""

import numpy as np

from qa_bot.retrieval.milvus import MilvusTarget
from qa_bot.retrieval.milvus_push import PushReport, _drift
from qa_bot.retrieval.pushed_keys import FOLDER, forget_pushed, pushed_keys, record_pushed


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


def test_the_keys_of_a_push_are_recorded_per_collection_and_generation(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    here, there = MilvusTarget("milvus.db"), MilvusTarget(str(tmp_path / "milvus.db"), "other")
    record_pushed(tmp_path, here, "gen-1", np.array([3, 1, 2]))
    record_pushed(tmp_path, there, "gen-1", np.array([7]))
    keys, why = pushed_keys(tmp_path, MilvusTarget(str(tmp_path / "milvus.db")), "gen-1")
    assert keys.tolist() == [3, 1, 2] and keys.dtype == np.int64 and why == "", "a Lite file by its absolute path"
    record_pushed(tmp_path, here, "gen-2", np.array([4]))
    assert pushed_keys(tmp_path, here, "gen-1") == (None, "another index was pushed to it since this folder's "
                                                          "last push")
    assert pushed_keys(tmp_path, here, "gen-2")[0].tolist() == [4] and len(list((tmp_path / FOLDER).iterdir())) == 2
    forget_pushed(tmp_path, here)
    assert pushed_keys(tmp_path, here, "gen-2")[1] == f"{tmp_path / FOLDER} has no record of a push to it"
    assert pushed_keys(tmp_path, there, "gen-1")[0].tolist() == [7]
