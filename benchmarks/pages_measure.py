"""Measurements of issue 14: page highlights on real PDFs, OCR accuracy, time to remove a document.

    python benchmarks/pages_measure.py highlights FOLDER [--questions N] [--out results.json]
    python benchmarks/pages_measure.py ocr FOLDER/file.pdf --page 1
    python benchmarks/pages_measure.py remove --chunks 10000

`highlights` indexes FOLDER (its PDFs) with the default model, asks questions made from
its sentences (a number replaced by "bao nhiêu", or the sentence's first words), and
for each answer from a PDF compares the text under its highlight boxes (the page's
glyphs whose centre lies in a box) with the span and the sentence: covered when every
word of the span is under the boxes. It also checks every sentence of every PDF.
`ocr` renders one page of a PDF with a text layer to an image, OCRs the image, and
compares the result with the text layer (character accuracy, 1 − edit distance / length).
`remove` builds a generated corpus of about N chunks with a fake embedder and times
`remove_documents` of one document.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "ingest"))

from qa_bot.ingest.highlight import PdfPages, _folded  # noqa: E402


def words(text: str) -> Counter:
    return Counter(_folded(w)[0] for w in re.findall(r"\w+", text))


def under_text(pages: PdfPages, start: int, end: int) -> str:
    """The text under the highlight boxes of [start, end)."""
    return " ".join(pages.text_under(b.page, b.boxes) for b in pages.boxes(start, end))


def covers(pages: PdfPages, start: int, end: int) -> tuple[bool, float]:
    """(every word of [start, end) is under its highlight, share of the words under it that belong to it)."""
    under = under_text(pages, start, end)
    want, got = words(pages.document.text[start:end]), words(under)
    flat = _folded(under)[0]
    missing = want - got  # a word the text layer runs into its neighbour ("vịsự") is found inside the text
    ok = all(len(w) >= 3 and w in flat for w in missing)
    common = sum((want & got).values())
    return ok, common / max(1, sum(got.values()))


def questions_from(text: str, count: int, rng: random.Random) -> list[str]:
    from qa_bot.ingest.chunking import split_sentences

    made = []
    for start, end in split_sentences(text):
        sentence = " ".join(text[start:end].split())
        if not 40 <= len(sentence) <= 300:
            continue
        number = re.search(r"(?<![\d/.,])\d[\d.,]*(?![\d/])", sentence)
        if number:
            made.append(sentence[:number.start()] + "bao nhiêu" + sentence[number.end():].rstrip(".") + "?")
        else:
            made.append(" ".join(sentence.split()[:12]) + "?")
    rng.shuffle(made)
    return made[:count]


def highlights(folder: Path, count: int, out: Path | None) -> dict:
    from qa_bot.embedders import DEFAULT_EMBEDDER
    from qa_bot.pipeline import QA
    from qa_bot.retrieval.faiss import FaissBackend

    tmp = Path(tempfile.mkdtemp())
    corpus = tmp / "corpus"
    corpus.mkdir()
    for path in sorted(folder.glob("*.pdf")):  # read at measurement time, copied to a temporary folder only
        shutil.copy(path, corpus / path.name)
    qa = QA.open(corpus, tmp / "index", backend=FaissBackend, embedder=DEFAULT_EMBEDDER)
    pdfs = {s: PdfPages(corpus / s, d) for s, d in qa.index.documents.items()}
    rng = random.Random(14)
    per_doc = max(1, count // max(1, len(pdfs)))
    asked = [q for d in qa.index.documents.values() for q in questions_from(d.text, per_doc, rng)]
    span_ok = sentence_ok = answers = 0
    precision, misses = [], []
    started = time.perf_counter()
    for question in asked:
        answer = qa.ask(question).answer
        if answer is None or answer.source not in pdfs:
            continue
        answers += 1
        ok, share = covers(pdfs[answer.source], answer.span_start, answer.span_end)
        span_ok += ok
        if not ok:
            misses.append({"question": question, "span": answer.span, "source": answer.source,
                           "under": under_text(pdfs[answer.source], answer.span_start, answer.span_end)})
        precision.append(share)
        sentence_ok += covers(pdfs[answer.source], answer.sentence_start, answer.sentence_end)[0]
    elapsed = time.perf_counter() - started
    from qa_bot.ingest.chunking import split_sentences

    every = [covers(pages, s, e)[0] for pages in pdfs.values() for s, e in split_sentences(pages.document.text)
             if len(pages.document.text[s:e].strip()) >= 3]
    report = {
        "pdfs": len(pdfs), "pages": sum(len(p) for p in pdfs.values()), "questions": len(asked),
        "answers_from_pdfs": answers, "span_covered": span_ok, "span_covered_share": span_ok / max(1, answers),
        "sentence_covered": sentence_ok, "sentence_covered_share": sentence_ok / max(1, answers),
        "span_precision_mean": sum(precision) / max(1, len(precision)),
        "all_sentences": len(every), "all_sentences_covered": sum(every),
        "all_sentences_covered_share": sum(every) / max(1, len(every)), "seconds": round(elapsed, 1),
        "misses": misses,
    }
    shutil.rmtree(tmp, ignore_errors=True)
    if out:
        out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


def accuracy(truth: str, read: str) -> float:
    from test_ocr import character_accuracy

    return character_accuracy(truth, read)


def ocr_real(path: Path, page: int) -> dict:
    import pypdfium2

    from qa_bot.ingest.ocr import OCR_DPI, ocr_page

    pdf = pypdfium2.PdfDocument(str(path))
    truth = pdf[page - 1].get_textpage().get_text_range()
    image = pdf[page - 1].render(scale=OCR_DPI / 72).to_pil().convert("L")
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=OCR_DPI)  # the page as a scan: an image, no text layer
    scan = pypdfium2.PdfDocument(out.getvalue())
    started = time.perf_counter()
    read = ocr_page(scan, 0).text
    return {"file": path.name, "page": page, "characters": len(" ".join(truth.split())),
            "character_accuracy": round(accuracy(truth, read), 4), "seconds": round(time.perf_counter() - started, 1)}


def ocr_test_page() -> dict:
    import pypdfium2
    from pdf_samples import SCANNED, scanned_page

    from qa_bot.ingest.ocr import ocr_page

    started = time.perf_counter()
    read = ocr_page(pypdfium2.PdfDocument(scanned_page()[0]), 0).text
    return {"file": "tests/pdf_samples.scanned_page()", "characters": len(" ".join(" ".join(SCANNED).split())),
            "character_accuracy": round(accuracy("\n".join(SCANNED), read), 4),
            "seconds": round(time.perf_counter() - started, 1)}


def remove_timing(chunks: int) -> dict:
    from helpers import HashEmbedder

    from qa_bot.index.build import build_index
    from qa_bot.index.remove import remove_documents

    tmp = Path(tempfile.mkdtemp())
    corpus = tmp / "corpus"
    corpus.mkdir()
    rng = random.Random(14)
    syllables = ("thủ tục hành chính cải cách tỉnh huyện xã hồ sơ trực tuyến dịch vụ công một cửa "
                 "chuyển đổi số kế hoạch báo cáo kết quả năm quý sở nội vụ ủy ban nhân dân").split()
    files = max(1, chunks // 20)
    for number in range(files):  # about 20 chunks a file: 20 paragraphs of ~550 characters
        paragraphs = []
        for _ in range(20):
            sentences = [" ".join(rng.choice(syllables) for _ in range(12)).capitalize() + f" {rng.randint(1, 9999)}."
                         for _ in range(9)]
            paragraphs.append(" ".join(sentences))
        (corpus / f"doc-{number:05d}.txt").write_text("\n".join(paragraphs) + "\n", encoding="utf-8")
    started = time.perf_counter()
    index = build_index(corpus, tmp / "index", HashEmbedder())
    built = time.perf_counter() - started
    shutil.copytree(tmp / "index", tmp / "index-built")
    shutil.copytree(corpus, tmp / "corpus-built")
    walls, cpus = [], []
    for _ in range(3):  # the same removal three times, from the same index
        started, cpu = time.perf_counter(), time.process_time()
        after = remove_documents(corpus, tmp / "index", ["doc-00007.txt"])
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        for name in ("index", "corpus"):
            shutil.rmtree(tmp / name)
            shutil.copytree(tmp / f"{name}-built", tmp / name)
    report = {"chunks": len(index.chunks), "documents": len(index.documents), "build_s": round(built, 1),
              "remove_wall_s": [round(t, 2) for t in walls], "remove_cpu_s": [round(t, 2) for t in cpus],
              "chunks_removed": after.report.chunks, "chunks_left": after.report.chunks_left}
    shutil.rmtree(tmp, ignore_errors=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["highlights", "ocr", "remove"])
    parser.add_argument("path", nargs="?", type=Path)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--page", type=int, default=1)
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.what == "highlights":
        report = highlights(args.path, args.questions, args.out)
    elif args.what == "ocr":
        report = {"test_page": ocr_test_page(), **({"real": ocr_real(args.path, args.page)} if args.path else {})}
    else:
        report = remove_timing(args.chunks)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
