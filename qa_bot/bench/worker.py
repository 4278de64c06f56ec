"""The measurements of `qa-bot bench`, one phase per process (so that each phase's peak
memory is its own): `python -m qa_bot.bench.worker CONFIG.json` writes CONFIG's "out".

Phases: build (a generated index of one size, and the dense index types compared),
serve (that index loaded; query latencies), peer (the LangChain stack over the same
chunks), dev (recall@5 of both stacks on the dev questions over the bundled corpus).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import faiss
import numpy as np

from ..index.dense import (
    EXACT_MAX_CHUNKS,
    RescoredIndex,
    build_dense,
    choose_spec,
    exact_index,
    save_dense,
)
from .memory import mapped_by_file, peak_rss_mb, reset_peak, rss_now
from .synth import (
    Composition,
    SentencePool,
    bm25_from_pool,
    chunk_texts,
    compose,
    noisy_vectors,
)

if TYPE_CHECKING:
    from langchain_classic.retrievers import EnsembleRetriever

    from ..pipeline import QA

__all__ = ["latency", "load_pool", "run_phase", "save_pool"]

DEPTH = 100
_T = TypeVar("_T")


def latency(call: Callable[[_T], object], items: Iterable[_T]) -> dict:
    """p50/p95 milliseconds and queries/s of `call(item)` over `items`, one at a time."""
    times = []
    for item in items:
        started = time.perf_counter()
        call(item)
        times.append((time.perf_counter() - started) * 1000)
    ordered = sorted(times)
    return {"p50_ms": statistics.median(times), "p95_ms": ordered[round(0.95 * (len(ordered) - 1))],
            "qps": 1000 * len(times) / sum(times) if sum(times) else 0.0, "n": len(times)}


def save_pool(pool: SentencePool, folder: Path) -> None:
    """Write a sentence pool for the worker processes."""
    (folder / "pool.json").write_text(json.dumps({"sentences": pool.sentences, "words": pool.words, "real": pool.real},
                                                 ensure_ascii=False), encoding="utf-8")
    np.savez(folder / "pool.npz", token_ids=pool.token_ids, token_offsets=pool.token_offsets)


def load_pool(folder: Path) -> SentencePool:
    """The sentence pool written by `save_pool`."""
    data = json.loads((folder / "pool.json").read_text(encoding="utf-8"))
    arrays = np.load(folder / "pool.npz", allow_pickle=False)
    vocabulary = {w: i for i, w in enumerate(data["words"])}
    return SentencePool(data["sentences"], arrays["token_ids"], arrays["token_offsets"], vocabulary, data["real"])


def _generated(config: dict) -> tuple[SentencePool, Composition, list[str], np.ndarray]:
    work = Path(config["work"])
    pool = load_pool(work)
    comp = compose(pool, config["size"], seed=config["seed"])
    texts = chunk_texts(pool, comp)
    vectors = noisy_vectors(np.load(work / "bases.npy"), config["size"], seed=config["seed"])
    return pool, comp, texts, vectors


def _questions(config: dict) -> list[str]:
    """The dev questions, cycled to `queries` of them."""
    questions = config["questions"]
    return [questions[i % len(questions)] for i in range(config["queries"])]


# ---------------------------------------------------------------- build


PER_DOC = 100  # generated chunks a document


def _provinces_34() -> list[str]:
    """The 34 provinces and cities after the 2025 merger (the generated documents' provinces)."""
    from ..ingest.provinces import load_provinces

    return [p["name"] for p in load_provinces() if p.get("after_2025")]


def _write_records(folder: Path, texts: list[str], pool: SentencePool, comp: Composition) -> None:
    """chunks.arrow, documents.arrow and tokens/ of the generated chunks, `PER_DOC` chunks a
    document, each document in one of the 34 provinces (in turn) and dated 2015–2025.
    """
    from ..index.chunkstore import ChunkWriter, DocumentFacets, write_documents
    from ..index.tokens import TOKENS
    from ..schema import Document
    from .synth import _gather

    lengths = np.asarray([len(s) + 1 for s in pool.sentences], np.int64)
    provinces = _provinces_34()
    documents, facets, firsts, counts = [], [], [], []
    with ChunkWriter(folder) as writer:
        for first in range(0, len(texts), PER_DOC):
            last = min(first + PER_DOC, len(texts))
            rows = np.arange(first, last)
            sentence_ids = comp.sentence_ids[comp.offsets[first]:comp.offsets[last]]
            per_chunk = np.diff(comp.offsets[first:last + 1])
            chunk_chars = np.asarray([len(texts[c]) + 1 for c in rows], np.int64)
            char_start = np.concatenate([[0], np.cumsum(chunk_chars)[:-1]])
            # each sentence starts after the sentences before it in its chunk (joined by one space)
            sentence_len = lengths[sentence_ids]
            chunk_of = np.repeat(np.arange(len(rows)), per_chunk)
            before = np.cumsum(sentence_len) - sentence_len
            starts = char_start[chunk_of] + before - before[np.concatenate([[0], np.cumsum(per_chunk)[:-1]])][chunk_of]
            bounds = np.stack([starts, starts + sentence_len - 1], axis=1).ravel()
            writer.write(np.full(len(rows), len(documents)), char_start, char_start + chunk_chars - 1,
                         texts[first:last], np.concatenate([[0], np.cumsum(2 * per_chunk)]), bounds)
            text = "\n".join(texts[first:last])
            province = provinces[len(documents) % len(provinces)]
            date = f"{2015 + len(documents) % 11}-06-01"
            source = f"gen/{len(documents):06d}.txt"
            documents.append(Document(source, text, {"generated": True, "province": province, "date": date}))
            facets.append(DocumentFacets(source, date, province, (province,), frozenset(_years(text))))
            firsts.append(first)
            counts.append(last - first)
    write_documents(folder, documents, firsts, counts, facets)
    del documents

    # tokens/ as tokens.save_tokens writes it: each chunk's token ids (its sentences' put together)
    rows = comp.sentence_ids
    ids, per_sentence = _gather(pool.token_ids, pool.token_offsets, rows)
    ends = np.concatenate([[0], np.cumsum(per_sentence)])
    out = Path(folder) / TOKENS
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "ids.npy", ids.astype(np.int32), allow_pickle=False)
    np.save(out / "offsets.npy", ends[comp.offsets].astype(np.int64), allow_pickle=False)
    (out / "vocab.json").write_text(json.dumps(pool.words, ensure_ascii=False), encoding="utf-8")


def _years(text: str) -> set[str]:
    import re

    return set(re.findall(r"(?=(19\d\d|20\d\d))", text))


def _file_bytes(index: object) -> int:
    with tempfile.NamedTemporaryFile(suffix=".faiss") as tmp:
        faiss.write_index(index, tmp.name)
        return Path(tmp.name).stat().st_size


def _recall_at_10(index: faiss.Index | RescoredIndex, truth: np.ndarray, queries: np.ndarray) -> float:
    _, found = index.search(queries, 10)
    return float(np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=False)]))


def _single_query_ms(index: faiss.Index | RescoredIndex, queries: np.ndarray) -> dict:
    return latency(lambda q: index.search(q[None, :], 10), queries)


def _compare_dense(vectors: np.ndarray, queries: np.ndarray,
                   with_hnsw: bool) -> tuple[list[dict], faiss.Index | RescoredIndex]:
    """Exact, IVF-SQ8 (bare and re-scored, several nprobe) and HNSW: build s, bytes,
    latency, recall@10 against exact search. Returns the rows and the chosen index.
    """
    started = time.perf_counter()
    exact = exact_index(vectors)
    rows = [{"type": "flat (exact)", "build_s": time.perf_counter() - started, "bytes": vectors.nbytes,
             "recall@10": 1.0, **_single_query_ms(exact, queries)}]
    _, truth = exact.search(queries, 10)
    nlist = max(1, int(2 * np.sqrt(len(vectors))))  # as choose_spec does above the threshold
    spec = {**choose_spec(EXACT_MAX_CHUNKS + 1), "nlist": nlist, "train_size": min(len(vectors), 40 * nlist)}
    started = time.perf_counter()
    rescored = build_dense(vectors, spec)
    ivf_s = time.perf_counter() - started
    ivf_bytes = _file_bytes(rescored.ann)
    for nprobe in (8, 16, 32, 64):
        rescored.ann.nprobe = nprobe
        for name, index, size in (("ivf_sq8", rescored.ann, ivf_bytes),
                                  ("ivf_sq8_rescored", rescored, ivf_bytes + vectors.nbytes)):
            rows.append({"type": f"{name} nlist={spec['nlist']} nprobe={nprobe}", "build_s": ivf_s, "bytes": size,
                         "recall@10": _recall_at_10(index, truth, queries), **_single_query_ms(index, queries)})
    rescored.ann.nprobe = spec["nprobe"]
    if with_hnsw:
        started = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = 40
        hnsw.add(vectors)
        hnsw_s = time.perf_counter() - started
        for ef in (64, 128):
            hnsw.hnsw.efSearch = ef
            rows.append({"type": f"hnsw_flat M=32 efSearch={ef}", "build_s": hnsw_s, "bytes": _file_bytes(hnsw),
                         "recall@10": _recall_at_10(hnsw, truth, queries), **_single_query_ms(hnsw, queries)})
    chosen = exact if choose_spec(len(vectors))["type"] == "flat" else rescored
    return rows, chosen


def _write_index(folder: Path, texts: list[str], pool: SentencePool, comp: Composition, vectors: np.ndarray,
                 dense_index: faiss.Index | RescoredIndex, config: dict) -> dict:
    """A real index folder (the layout load_index reads) of the generated chunks; timings."""
    from ..index.manifest import FORMAT_VERSION, PIPELINE_VERSIONS, Manifest, now
    from ..index.store import new_generation, publish
    from ..index.vocabulary import build_vocabulary

    timings = {}
    started = time.perf_counter()
    bm25 = bm25_from_pool(pool, comp)
    timings["bm25_build_s"] = time.perf_counter() - started
    started = time.perf_counter()
    generation, tmp = new_generation(folder)
    _write_records(tmp, texts, pool, comp)
    save_dense(tmp, vectors, dense_index)
    bm25.save(str(tmp / "bm25"), show_progress=False)
    vocabulary = build_vocabulary(pool.sentences)
    (tmp / "vocabulary.json").write_text(json.dumps(vocabulary.to_dict(), ensure_ascii=False), encoding="utf-8")
    embedder = config["embedder"]
    manifest = Manifest(format_version=FORMAT_VERSION, generation=generation, created=now(), embedder=embedder["name"],
                        dim=int(embedder["dim"]), equivalent_to=tuple(embedder.get("equivalent_to", ())),
                        pipeline=PIPELINE_VERSIONS, dense=choose_spec(len(texts)), corpus_path="(generated)",
                        chunks=len(texts), extra={"generated": config["description"]})
    publish(folder, tmp, generation, manifest.to_dict())
    timings["write_s"] = time.perf_counter() - started
    return timings


def phase_build(config: dict) -> dict:
    """Generate one size, compare the dense index types, write the index folder."""
    started = time.perf_counter()
    pool, comp, texts, vectors = _generated(config)
    result = {"generate_s": time.perf_counter() - started, "chunks": len(texts),
              "mean_chunk_chars": float(np.mean([len(t) for t in texts]))}
    queries = noisy_vectors(np.load(Path(config["work"]) / "bases.npy"), config["dense_queries"],
                            seed=config["seed"] + 7)
    result["dense_types"], dense_index = _compare_dense(vectors, queries, with_hnsw=len(texts) <= config["hnsw_max"])
    spec = choose_spec(len(texts))
    chosen = [r for r in result["dense_types"]
              if r["type"].startswith("flat" if spec["type"] == "flat" else
                                      f"ivf_sq8_rescored nlist={spec['nlist']} nprobe={spec['nprobe']}")]
    result["dense_spec"], result["dense_build_s"] = spec, chosen[0]["build_s"]
    result["dense_recall@10"] = chosen[0]["recall@10"]
    result.update(_write_index(Path(config["index"]), texts, pool, comp, vectors, dense_index, config))
    data = Path(config["index"])
    result["disk_bytes"] = {p.name: p.stat().st_size for p in next(data.glob("gen-*")).iterdir() if p.is_file()}
    result["disk_bytes"]["bm25/"] = sum(p.stat().st_size for p in data.glob("gen-*/bm25/*"))
    result["peak_rss_mb"] = peak_rss_mb()
    return result


# ---------------------------------------------------------------- serve


def phase_serve(config: dict) -> dict:
    """Load the generated index like `ask` does and time BM25, dense and hybrid queries."""
    import cProfile
    import pstats

    from ..embedders import get_embedder
    from ..index.load import load_index
    from ..pipeline import QA
    from ..question.analysis import analyze
    from ..retrieval.faiss import FaissBackend, bm25_ranking, dense_ranking
    from ..retrieval.fusion import rrf

    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    index = load_index(Path(config["index"]))
    profile.disable()
    result = {"load_s": time.perf_counter() - started, "rss_loaded_mb": peak_rss_mb()}
    stats = pstats.Stats(profile).sort_stats("cumulative").stats
    result["load_profile"] = sorted(((f"{Path(f).name}:{line}({name})", round(v[3], 3))
                                     for (f, line, name), v in stats.items()), key=lambda r: -r[1])[:15]
    started = time.perf_counter()
    backend = FaissBackend(index)  # the BM25 loop compiled or loaded from numba's cache
    result["backend_s"] = time.perf_counter() - started
    embedder = get_embedder(config["embedder_engine"])
    questions = _questions(config)
    result["serving"] = _serving(QA(index, embedder, backend), questions)
    reset_peak()  # from here on, the diagnostics: what a serving process never runs
    analyze("khởi động", index.vocabulary)
    result["analyze"] = latency(lambda q: analyze(q, index.vocabulary), questions)
    analysed = {q: analyze(q, index.vocabulary) for q in questions}
    result["encode"] = latency(lambda q: embedder.encode([analysed[q].dense_text], is_query=True), questions)
    vectors = {q: embedder.encode([analysed[q].dense_text], is_query=True)[0] for q in questions}

    def bm25(q: str) -> list[int]:
        return bm25_ranking(index, analysed[q].tokens, DEPTH)

    def dense(q: str) -> list[int]:
        return dense_ranking(index, vectors[q], DEPTH)[0]

    def hybrid(q: str) -> list[tuple[int, float, dict[str, int]]]:
        return rrf({"dense": dense(q), "bm25": bm25(q)})

    def full(q: str, mode: str) -> list[tuple[int, float, dict[str, int]]]:
        """The whole query path from the question: analysis, encoder, ranking(s), fusion."""
        query = analyze(q, index.vocabulary)
        rankings = {}
        if mode != "bm25":
            rankings["dense"] = dense_ranking(index, embedder.encode([query.dense_text], is_query=True)[0], DEPTH)[0]
        if mode != "dense":
            rankings["bm25"] = bm25_ranking(index, query.tokens, DEPTH)
        return rrf(rankings)

    # where BM25's time goes: bm25s's own scoring (numpy), every column added by the compiled loop,
    # and the ranking used (MaxScore over the common terms)
    result["bm25_where"] = {
        "bm25s_get_scores": latency(lambda q: index.bm25.get_scores(analysed[q].tokens), questions),
        "all_columns_added": latency(lambda q: index.lexical.scores(analysed[q].tokens), questions),
        "top_100": latency(lambda q: index.lexical.top(analysed[q].tokens, DEPTH), questions),
        "query_terms": statistics.median(len(index.lexical.terms(analysed[q].tokens)[0]) for q in questions),
        "query_tokens": statistics.median(len(analysed[q].tokens) for q in questions)}
    result["filtered"] = _filtered(index, embedder, questions)
    result["retrieval"] = {"bm25": latency(bm25, questions), "dense": latency(dense, questions),
                           "hybrid": latency(hybrid, questions)}
    result["with_encoder"] = {mode: latency(lambda q, m=mode: full(q, m), questions)
                              for mode in ("bm25", "dense", "hybrid")}
    result["diagnostics"] = {"peak_rss_mb": peak_rss_mb(), "rss_now_mb": rss_now(),
                             "mapped_mb_by_file": mapped_by_file(index.data)}
    return result


def _serving(qa: QA, questions: list[str]) -> dict:
    """The serving path alone, first in a fresh process: `QA.ask` on every question, unfiltered
    and then filtered to one province of 34, as `qa-bot ask` and the app run them. Its peak and
    current resident memory, and the index pages one question maps (the largest of the
    questions, per file: each question is retrieved and answered, its pages read, then let go of).
    """
    from ..index.mapped import release_all
    from ..question.analysis import analyze
    from ..question.filters import Filters

    filters = Filters(provinces=(_provinces_34()[5],))
    filled: list[bool] = []
    result = {"ask": latency(qa.ask, questions),
              "ask_filtered": latency(lambda q: filled.append(len(qa.ask(q, filters=filters).hits) >= 10),
                                      questions)}
    result["ask_filtered"]["full_top10"] = all(filled)
    result.update(peak_rss_mb=peak_rss_mb(), rss_now_mb=rss_now())
    largest: dict[str, float] = {}
    for question in questions:
        for chosen in (None, filters):
            query = analyze(question, qa.index.vocabulary)
            hits, vector = qa.retrieve(query, 20, "hybrid", chosen)
            qa.answer_from(query, hits, 10, None, chosen, vector)
            pages = mapped_by_file(qa.index.data)
            largest = {k: max(largest.get(k, 0.0), pages.get(k, 0.0)) for k in {*largest, *pages}}
            largest["(all files)"] = max(largest.get("(all files)", 0.0), sum(pages.values()))
            release_all()
    result["question_pages_mb"] = dict(sorted(largest.items(), key=lambda kv: -kv[1]))
    return result


def _filtered(index: object, embedder: object, questions: list[str]) -> dict:
    """Whole questions (analysis, encoder, both rankings, fusion) filtered to one province of 34:
    latency, and whether every one got a full top 10 from that province only.
    """
    from ..question.analysis import analyze
    from ..question.filters import Filters
    from ..retrieval.faiss import bm25_ranking, dense_ranking
    from ..retrieval.fusion import rrf

    filters = Filters(provinces=(_provinces_34()[5],))
    started = time.perf_counter()
    subset = index.subset(filters.allows_facets)
    subset_s = time.perf_counter() - started
    found: list[list[int]] = []

    def ask(q: str) -> None:
        query = analyze(q, index.vocabulary)
        vector = embedder.encode([query.dense_text], is_query=True)[0]
        fused = rrf({"dense": dense_ranking(index, vector, DEPTH, subset)[0],
                     "bm25": bm25_ranking(index, query.tokens, DEPTH, subset)})[:10]
        found.append([i for i, _, _ in fused])

    timing = latency(ask, questions)
    allowed = set(subset.ids.tolist())
    return {**timing, "province": filters.provinces[0], "allowed_chunks": len(subset), "subset_s": subset_s,
            "full_top10": all(len(f) == 10 for f in found), "only_allowed": all(set(f) <= allowed for f in found)}


# ---------------------------------------------------------------- peer


def _peer_latencies(retriever: EnsembleRetriever, questions: list[str]) -> dict:
    bm25, dense = retriever.retrievers
    return {"bm25": latency(bm25.invoke, questions), "dense": latency(dense.invoke, questions),
            "hybrid": latency(retriever.invoke, questions)}


def phase_peer(config: dict) -> dict:
    """Build the LangChain stack over the same generated chunks and vectors; time queries."""
    from ..embedders import get_embedder
    from ..text import lexical_tokens
    from .peer import PeerEmbeddings, peer_retriever
    from .synth import chunk_tokens

    pool, comp, texts, vectors = _generated(config)
    tokens_of = {t: chunk_tokens(pool, comp, c) for c, t in enumerate(texts)}
    questions = _questions(config)
    embedder = get_embedder(config["embedder_engine"])
    cache = {q: embedder.encode([q], is_query=True)[0] for q in questions}
    query_tokens = {q: lexical_tokens(q) for q in questions}
    live = {"cached": False}

    def tokens(text: str) -> list[str]:
        if text in tokens_of:
            return tokens_of[text]
        return query_tokens[text] if live["cached"] and text in query_tokens else lexical_tokens(text)

    rss_before = peak_rss_mb()
    started = time.perf_counter()
    embeddings = PeerEmbeddings(embedder, cache)
    retriever = peer_retriever(texts, vectors, tokens, embeddings, DEPTH)
    result = {"build_s": time.perf_counter() - started, "rss_before_build_mb": rss_before}
    live["cached"] = True
    result["retrieval"] = _peer_latencies(retriever, questions)
    live["cached"] = False
    cache.clear()
    result["with_encoder"] = _peer_latencies(retriever, questions)
    result["peak_rss_mb"] = peak_rss_mb()
    return result


# ---------------------------------------------------------------- dev


def _recall_at_5(questions: list[dict], passages: list[list[str]]) -> float:
    from ..evaluation.metrics import score

    answers = [{"abstained": False, "answer": None, "passages": [{"text": t} for t in p]} for p in passages]
    return score(questions, answers)["overall"]["recall@5"]


def phase_dev(config: dict) -> dict:
    """Recall@5 and latency of both stacks on the dev questions over the bundled corpus."""
    from ..embedders import get_embedder
    from ..evaluation.metrics import load_questions
    from ..index.dense import load_vectors
    from ..index.load import load_index
    from ..pipeline import QA
    from ..question.analysis import analyze
    from ..retrieval.faiss import FaissBackend
    from ..retrieval.fusion import search
    from ..text import lexical_tokens
    from .peer import PeerEmbeddings, peer_retriever

    index = load_index(Path(config["bundled_index"]))
    embedder = get_embedder(config["embedder_engine"])
    backend = FaissBackend(index)
    qa = QA(index, embedder, backend)
    items = load_questions(Path(config["dev"]))
    questions = [q["question"] for q in items]

    def qa_bot_top5(q: str) -> list[str]:
        query = analyze(q, index.vocabulary)
        return [h.chunk.text
                for h in search(index, embedder, backend, query.dense_text, query.tokens, k=5, depth=DEPTH)]

    texts = [c.text for c in index.chunks]
    vectors = load_vectors(index.data)
    retriever = peer_retriever(texts, vectors, lexical_tokens, PeerEmbeddings(embedder), DEPTH)
    peer_top5 = {q: [d.page_content for d in retriever.invoke(q)[:5]] for q in questions}
    result = {
        "questions": len(items),
        "qa_bot_retrieval": {"recall@5": _recall_at_5(items, [qa_bot_top5(q) for q in questions]),
                             **latency(qa_bot_top5, questions)},
        "qa_bot_ask": {"recall@5": _recall_at_5(items, [[h.chunk.text for h in qa.ask(q).hits[:5]]
                                                        for q in questions]),
                       **latency(qa.ask, questions)},
        "peer": {"recall@5": _recall_at_5(items, [peer_top5[q] for q in questions]),
                 **latency(retriever.invoke, questions)},
    }
    return result


def phase_throughput(config: dict) -> dict:
    """Build throughput of real generated chunks per number of worker processes: tokenising
    (lexical_tokens) and embedding (the default engine, one thread per process), each text new.
    """
    from ..embedders import get_embedder
    from ..index.workers import embed, tokenize

    work = Path(config["work"])
    pool = load_pool(work)
    texts = chunk_texts(pool, compose(pool, config["chunks"], seed=123))
    embedder = get_embedder(config["embedder_engine"], threads=1)
    result = {"chunks": len(texts), "mean_chars": float(np.mean([len(t) for t in texts]))}
    for workers in config["workers"]:
        started = time.perf_counter()
        tokenize(texts, workers)
        tokenise_s = time.perf_counter() - started
        started = time.perf_counter()
        embed(texts, embedder, workers)
        embed_s = time.perf_counter() - started
        result[str(workers)] = {"tokenise_chunks_per_s": len(texts) / tokenise_s,
                                "embed_chunks_per_s": len(texts) / embed_s,
                                "both_chunks_per_s": len(texts) / (tokenise_s + embed_s)}
    return result


PHASES = {"build": phase_build, "serve": phase_serve, "peer": phase_peer, "dev": phase_dev,
          "throughput": phase_throughput}


def run_phase(config: dict) -> dict:
    """Run the phase named in `config` and return its figures."""
    return PHASES[config["phase"]](config)


if __name__ == "__main__":
    cfg = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    out = run_phase(cfg)
    Path(cfg["out"]).write_text(json.dumps(out, ensure_ascii=False, default=float), encoding="utf-8")
