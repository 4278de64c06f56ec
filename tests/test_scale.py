"""What makes a large corpus usable: filters inside the search (a full top-k from a small part),
identical text embedded once and its folder not rebuilt on every question."""

from __future__ import annotations

import json

from helpers import HashEmbedder

from qa_bot.index.build import build_index, ensure_index
from qa_bot.pipeline import QA
from qa_bot.question.filters import Filters
from qa_bot.retrieval.faiss import FaissBackend


def _corpus(folder, documents: int = 40):
    """`documents` documents about Hà Giang and one about Cao Bằng (metadata.jsonl sets the provinces)."""
    folder.mkdir()
    meta = []
    for n in range(documents):
        name = f"hg{n:02d}.txt"
        (folder / name).write_text(" ".join(f"Tỉnh Hà Giang báo cáo thủ tục hành chính số {n * 10 + k}."
                                             for k in range(40)), encoding="utf-8")
        meta.append({"file": name, "province": "Hà Giang", "date": "2024-05-01"})
    (folder / "cb.txt").write_text(" ".join(f"Cao Bằng có {k} điểm tiếp nhận hồ sơ một cửa." for k in range(150)),
                                   encoding="utf-8")
    meta.append({"file": "cb.txt", "province": "Cao Bằng", "date": "2023-02-01"})
    (folder / "metadata.jsonl").write_text("\n".join(json.dumps(m, ensure_ascii=False) for m in meta),
                                           encoding="utf-8")
    return folder


def test_a_filtered_question_gets_a_full_top_k_from_a_small_part(tmp_path):
    embedder = HashEmbedder()
    index = build_index(_corpus(tmp_path / "corpus"), tmp_path / "idx", embedder)
    qa = QA(index, embedder, FaissBackend(index))
    small = sum(c.source == "cb.txt" for c in index.chunks)
    assert 10 <= small < len(index.chunks) / 10
    result = qa.ask("thủ tục hành chính Hà Giang", k=10, filters=Filters(provinces=("Cao Bằng",)))
    assert len(result.hits) == 10 and {h.chunk.source for h in result.hits} == {"cb.txt"}
    assert {h.chunk.source for h in qa.ask("thủ tục hành chính", k=10, filters=Filters(years=("2024",))).hits} \
        <= {f"hg{n:02d}.txt" for n in range(40)}
    assert qa.ask("thủ tục", filters=Filters(provinces=("Lai Châu",))).hits == []


def test_repeated_text_is_embedded_once_and_its_folder_is_not_rebuilt_on_every_question(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    sentence = "Ủy ban nhân dân tỉnh thông báo kết quả cải cách hành chính năm 2024, tỷ lệ đúng hạn đạt 98,5%. "
    (folder / "legacy.txt").write_text(sentence * 2000, encoding="utf-8")  # one line, ~190 kB
    embedder, texts = HashEmbedder(), []
    original = embedder.encode
    embedder.encode = lambda batch, **kw: texts.extend(batch) or original(batch, **kw)
    index, built = ensure_index(folder, tmp_path / "idx", embedder)
    assert built and len(index.chunks) > 300 and len(texts) == len(set(texts)) <= 5  # chunk and sentence texts
    report = index.report
    assert report.embedded + report.sentences_embedded == len(texts) and report.sentences_embedded <= 2
    assert report.reused == len(index.chunks) - report.embedded
    _, again = ensure_index(folder, tmp_path / "idx", embedder)
    assert not again
    qa = QA(index, embedder, FaissBackend(index))
    hits = qa.ask("tỷ lệ đúng hạn", k=10).hits
    assert len({" ".join(h.chunk.text.split()) for h in hits}) == len(hits)  # one text does not fill the top
