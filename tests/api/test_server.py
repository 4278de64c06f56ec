"""The HTTP API (FastAPI's TestClient over the real app, a fake embedder): answers as `ask --jsonl`,
documents, facts, uploads with the admin token, a new generation without restart, bad requests."""

import io
import json

import pytest
from helpers import compare_corpus

pytest.importorskip("fastapi", reason="the [api] extra is not installed")
from fastapi.testclient import TestClient  # noqa: E402

from qa_bot.api.lines import answer_line  # noqa: E402
from qa_bot.api.server import create_app  # noqa: E402
from qa_bot.api.service import Service  # noqa: E402
from qa_bot.index.build import build_index  # noqa: E402
from qa_bot.pipeline import QA  # noqa: E402
from qa_bot.retrieval.faiss import FaissBackend  # noqa: E402

QUESTION = "Tỉnh nào có nhiều TTHC mức độ 4 nhất?"


def _serve(folder, embedder):
    corpus = compare_corpus(folder / "corpus")
    index = build_index(corpus, folder / "index", embedder)
    service = Service(QA(index, embedder, FaissBackend(index)), corpus, FaissBackend)
    return TestClient(create_app(service)), service, corpus, folder / "index"


@pytest.fixture(scope="module")
def served(compare_qa):
    """(client, service, corpus, index dir) over the session's comparison index, for tests that change nothing."""
    service = Service(compare_qa, None, FaissBackend)
    return TestClient(create_app(service)), service, None, compare_qa.index.path


@pytest.fixture
def private(tmp_path, fake_embedder, monkeypatch):
    """The same over a private copy, with an admin token, for tests that add or remove documents."""
    monkeypatch.setenv("QA_BOT_ADMIN_TOKEN", "s3cret")
    return _serve(tmp_path, fake_embedder)


def _without_latency(record):
    return {k: v for k, v in record.items() if k != "latency_ms"}


def test_ask_answers_exactly_as_a_line_of_ask_jsonl(served):
    client, service, _, _ = served
    for line in ({"id": 7, "question": QUESTION}, {"id": "x", "question": "Ai chủ trì hội nghị ở Hà Giang?"}):
        reply = client.post("/ask", json=line)
        assert reply.status_code == 200
        assert _without_latency(reply.json()) == _without_latency(answer_line(service.qa, json.dumps(line)))
    assert reply.json()["id"] == "x"


def test_batch_answers_in_order(served):
    client, _, _, _ = served
    reply = client.post("/ask/batch", json=[{"id": 1, "question": QUESTION}, {"id": 2, "question": "PCI là gì?"}])
    assert reply.status_code == 200 and [r["id"] for r in reply.json()] == [1, 2]
    assert reply.json()[0]["table"]["rows"][0]["place"] == "Hà Giang"


def test_documents_their_text_facts_and_health(served):
    client, service, _, _ = served
    documents = client.get("/documents").json()
    assert {d["source"] for d in documents} == set(service.qa.index.documents)
    text = client.get("/documents/004_39ce35e93a8fb1a9.txt/text", params={"start": 3413, "end": 3418})
    assert text.status_code == 200 and text.text == "1.565"
    facts = client.get("/facts", params={"province": "ha giang", "measure": "TTHC mức độ 4"}).json()
    assert {f["value_text"] for f in facts if f["kind"] == "count"} == {"1.565", "1.584"}
    assert {f["measure_key"] for f in facts} == {"TTHC mức độ 4"}
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["facts"] > 40 and health["documents"] == 10
    assert "/ask" in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(("body", "status", "words"), [
    (b"{not json", 400, "not JSON"),
    (b"\xff\xfe\x00q", 400, "not UTF-8"),
    (json.dumps({"question": "a" * 100_000}).encode(), 413, "100,000 characters"),
    (b"[1, 2]", 422, "JSON object"),
    (json.dumps({"id": 1}).encode(), 422, "no 'question'"),
    (b" " * 10_000_001, 413, "over 10,000,000 bytes"),
])
def test_bad_requests_get_a_4xx_with_a_message(served, body, status, words):
    client, _, _, _ = served
    reply = client.post("/ask", content=body, headers={"content-type": "application/json"})
    assert reply.status_code == status and words in reply.json()["detail"]


@pytest.mark.parametrize(("source", "status"), [
    ("%2E%2E/%2E%2E/etc/passwd", 400), ("%2Fetc%2Fpasswd", 400), ("no-such-file.txt", 404), ("../../etc/passwd", 404)])
def test_a_document_outside_the_corpus_is_refused(served, source, status):
    """('../..' written plainly is folded away by the client: the path then names no route.)"""
    client, _, _, _ = served
    reply = client.get(f"/documents/{source}/text")
    assert reply.status_code == status and reply.json()["detail"]


def test_a_range_outside_the_text_is_refused(served):
    client, _, _, _ = served
    reply = client.get("/documents/004_39ce35e93a8fb1a9.txt/text", params={"start": 10, "end": 10**9})
    assert reply.status_code == 400 and "range" in reply.json()["detail"]


def test_uploads_need_the_admin_token_and_are_answered_at_once(private):
    client, _, corpus, _ = private
    file = ("dien-bien.txt", io.BytesIO("Năm 2021, tỉnh Điện Biên có 777 TTHC được cung cấp dịch vụ công trực "
                                        "tuyến mức độ 4.".encode()), "text/plain")
    assert client.post("/documents", files={"files": file}).status_code == 401
    bad = client.post("/documents", files={"files": file}, headers={"Authorization": "Bearer wrong"})
    assert bad.status_code == 401
    file[1].seek(0)
    ok = client.post("/documents", files={"files": file}, headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200 and ok.json()["indexed"] == ["uploads/dien-bien.txt"]
    rows = client.post("/ask", json={"question": QUESTION}).json()["table"]["rows"]
    assert ("Điện Biên", "777") in {(r["place"], r["span"]) for r in rows}
    assert client.delete("/documents/004_39ce35e93a8fb1a9.txt",
                         headers={"Authorization": "Bearer s3cret"}).status_code == 403
    assert (corpus / "004_39ce35e93a8fb1a9.txt").is_file(), "a file the user put in the corpus is never deleted"
    gone = client.delete("/documents/uploads/dien-bien.txt", headers={"Authorization": "Bearer s3cret"})
    assert gone.status_code == 200 and not (corpus / "uploads" / "dien-bien.txt").exists()


def test_uploads_are_off_without_a_token(served, monkeypatch):
    client, _, _, _ = served
    monkeypatch.delenv("QA_BOT_ADMIN_TOKEN", raising=False)
    reply = client.post("/documents", files={"files": ("a.txt", b"x", "text/plain")})
    assert reply.status_code == 403 and "QA_BOT_ADMIN_TOKEN" in reply.json()["detail"]


def test_a_generation_built_by_another_process_is_picked_up_without_restart(private, fake_embedder):
    client, service, corpus, index_dir = private
    before = client.get("/health").json()["generation"]
    (corpus / "t07.txt").write_text("Năm 2021, tỉnh Lai Châu có 555 TTHC được cung cấp dịch vụ công trực tuyến "
                                    "mức độ 4.", encoding="utf-8")
    build_index(corpus, index_dir, fake_embedder)  # as `qa-bot build` would, beside the server
    after = client.get("/health").json()["generation"]
    assert after != before and service.qa.index.manifest.generation == after
    assert any(f["place"] == "Lai Châu" for f in client.get("/facts", params={"measure": "mức độ 4"}).json())
