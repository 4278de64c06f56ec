"""Answer quality on text the answer layer was not fitted on, through `qa-bot build` + `qa-bot ask --jsonl`.

    python benchmarks/quality.py [--shared ../shared] [--work /tmp/qa-bot-quality] [--sets external,blind,blind2,dev]
                                 [--out benchmarks/results/quality.json] [--fit-files DIR]

- external: the two public MIT sets of ../shared/external (uit-regulation-qa, alqac-vilqa-mrc) pooled
  with corpus/ into one corpus; questions split by a fixed rule, sha1(id) starting with 0-7 for fitting
  and 8-f for measuring: only the measuring half is asked. Evidence is the gold answer's sentence in its
  passage (a window of at most ~150 characters around the answer), so recall@k means "a top-k passage
  holds the gold answer's sentence".
- blind: tests/data/blind_realdocs.jsonl and blind_corpus.jsonl, questions written by someone who read
  only the documents, over corpus/ plus ../shared/realdocs (copied into the work folder as realdocs/).
- blind2: tests/data/blind2.jsonl, a second such set by another writer (30 Nov), over the same documents.
- dev: tests/data/dev.jsonl and heldout.jsonl over corpus/.

Prints the metrics per set, language and kind (with SQuAD-style span F1 and exact match), and the
reliability of the answer confidence per language, and how many right spans also name their value
(the figure, name or date the app shows first) and how many of those values are right; writes
everything as JSON. `--fit-files DIR`
also writes the fitting halves of the external sets there (the input of qa_bot.evaluation.fit).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa_bot.evaluation.metrics import (  # noqa: E402
    format_table,
    normalize_for_scoring,
    score,
    score_by_kind,
    span_correct,
)

EXTERNAL = {"uit": "uit-regulation-qa", "alqac": "alqac-vilqa-mrc"}
TABLE_METRICS = ("recall@1", "recall@5", "sentence_accuracy", "span_accuracy", "span_f1", "span_em",
                 "abstain_accuracy", "false_abstain_rate", "latency_p50_ms")


def read_jsonl(path: Path) -> list[dict]:
    with Path(path).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def write_jsonl(path: Path, records: list[dict]) -> None:
    with Path(path).open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def half(question_id: str) -> str:
    """'fit' for sha1(id) starting with 0-7, else 'measure': the fixed split of the external sets."""
    return "fit" if hashlib.sha1(question_id.encode()).hexdigest()[0] in "01234567" else "measure"


def _document_text(passage: dict) -> str:
    text, title = passage["text"], passage.get("title") or ""
    return text if not title or text.lstrip().startswith(title) else f"{title}\n\n{text}"


def evidence(context: str, start: int, answer: str, pad: int = 70) -> str:
    """The answer's sentence around it (at most `pad` characters each side, whole words)."""
    line_start = context.rfind("\n", 0, start) + 1
    line_end = context.find("\n", start + len(answer))
    line_end = len(context) if line_end < 0 else line_end
    for match in re.finditer(r"[.!?;]\s", context[line_start:start]):
        line_start = line_start + match.end()
    match = re.search(r"[.!?;](\s|$)", context[start + len(answer):line_end])
    if match:
        line_end = start + len(answer) + match.start() + 1
    a, b = max(line_start, start - pad), min(line_end, start + len(answer) + pad)
    while a > line_start and not context[a - 1].isspace():
        a += 1
    while b < line_end and not context[b].isspace():
        b -= 1
    return context[max(a, line_start):max(b, start + len(answer))].strip()


def external_corpus(shared: Path, folder: Path) -> dict[str, dict[str, list[dict]]]:
    """corpus/ plus both external sets' passages in `folder`; their questions split into halves."""
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(ROOT / "corpus", folder, ignore=shutil.ignore_patterns("README.md", "examples.json"))
    metadata = read_jsonl(folder / "metadata.jsonl")
    halves: dict[str, dict[str, list[dict]]] = {}
    for short, name in EXTERNAL.items():
        (folder / short).mkdir()
        for passage in read_jsonl(shared / "external" / name / "passages.jsonl"):
            (folder / short / f"{passage['passage_id']}.txt").write_text(_document_text(passage), encoding="utf-8")
            metadata.append({"file": f"{short}/{passage['passage_id']}.txt", "title": passage["title"]})
        halves[short] = {"fit": [], "measure": []}
        for q in read_jsonl(shared / "external" / name / "questions.jsonl"):
            answers, starts = list(dict.fromkeys(q["answers"])), q.get("answer_start") or []
            if not answers or not starts or q["context"][starts[0]:starts[0] + len(answers[0])] != answers[0]:
                continue  # the gold answer is not a span of its passage
            halves[short][half(q["id"])].append({
                "id": q["id"], "lang": "vi", "question": q["question"].strip(), "kind": "", "answers": answers,
                "evidence": unicodedata.normalize("NFC", evidence(q["context"], starts[0], answers[0])),
                "source": f"{short}/{q['passage_id']}.txt"})
    write_jsonl(folder / "metadata.jsonl", metadata)
    return halves


def blind_corpus(shared: Path, folder: Path) -> None:
    """corpus/ plus ../shared/realdocs as realdocs/ in `folder`."""
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(ROOT / "corpus", folder, ignore=shutil.ignore_patterns("README.md", "examples.json"))
    shutil.copytree(shared / "realdocs", folder / "realdocs", ignore=shutil.ignore_patterns("*.md"))


def qa_bot(*args: str, stdin: str | None = None) -> str:
    """Run the qa-bot command; its standard output."""
    exe = Path(sys.executable).parent / "qa-bot"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "qa_bot.cli"]
    done = subprocess.run(command + list(args), input=stdin, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"qa-bot {args[0]} failed: {done.stderr[-2000:]}")
    return done.stdout


def ask(corpus: Path, index: Path, questions: list[dict]) -> list[dict]:
    """`qa-bot ask --jsonl` over the questions (the index built first)."""
    qa_bot("build", "--corpus", str(corpus), "--index", str(index))
    stdin = "".join(json.dumps({"id": q["id"], "question": q["question"]}, ensure_ascii=False) + "\n"
                    for q in questions)
    return [json.loads(line) for line in qa_bot("ask", "--corpus", str(corpus), "--index", str(index), "--jsonl",
                                                stdin=stdin).splitlines()]


def reliability(questions: list[dict], answers: list[dict], bins: int = 5) -> dict:
    """Per language and confidence bin (abstentions included: `confidence` is given either way):
    questions, share answerable, share answered rightly."""
    table: dict = {}
    for q, a in zip(questions, answers, strict=True):
        confidence = a.get("confidence")
        if confidence is None:
            continue
        cell = table.setdefault(q.get("lang", "?"), {}).setdefault(min(int(confidence * bins), bins - 1),
                                                                   [0, 0, 0])
        cell[0] += 1
        cell[1] += q.get("kind") != "unanswerable"
        cell[2] += q.get("kind") != "unanswerable" and span_correct(a["answer"], q["answers"])
    return {lang: {f"{b / bins:.1f}-{(b + 1) / bins:.1f}": {"questions": n, "answerable": h / n, "right": r / n}
                   for b, (n, h, r) in sorted(bins_.items())} for lang, bins_ in table.items()}


def _value_right(value: str, answers: list[str]) -> bool:
    """The value is a gold answer, holds one, or is a whole part of one (`1.565` of `1.565 TTHC`)."""
    value = normalize_for_scoring(value)
    golds = [normalize_for_scoring(a) for a in answers]
    return any(g in value or f" {value} " in f" {g} " for g in golds if g)


def values(questions: list[dict], answers: list[dict]) -> dict:
    """Of the answered questions whose span holds the answer, how many the answer also names as a
    value (the figure, name or date the app shows first), and how many of those values are right."""
    held = [(q, a["answer"]) for q, a in zip(questions, answers, strict=True)
            if q.get("kind") != "unanswerable" and span_correct(a["answer"], q["answers"])]
    named = [(q, a) for q, a in held if a.get("value")]
    right = sum(_value_right(a["value"], q["answers"]) for q, a in named)
    return {"right_spans": len(held), "with_value": len(named), "value_right": right}


def measure(name: str, questions: list[dict], answers: list[dict]) -> dict:
    report = {"metrics": score(questions, answers), "by_kind": score_by_kind(questions, answers),
              "reliability": reliability(questions, answers), "values": values(questions, answers)}
    print(f"\n## {name} ({len(questions)} questions)\n{format_table(report['metrics'], TABLE_METRICS)}")
    print("values named in right spans: {with_value} of {right_spans}, right {value_right}".format(**report["values"]))
    if len(report["by_kind"]) > 1:
        print(f"\nper kind\n{format_table(report['by_kind'], TABLE_METRICS)}")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--work", type=Path, default=Path("/tmp/qa-bot-quality"))
    parser.add_argument("--sets", default="external,blind,blind2,dev")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "quality.json")
    parser.add_argument("--fit-files", type=Path, default=None, help="also write the fitting halves here")
    args = parser.parse_args()
    sets, report = args.sets.split(","), {}
    args.work.mkdir(parents=True, exist_ok=True)
    if "external" in sets:
        corpus = args.work / "external"
        halves = external_corpus(args.shared, corpus)
        for short, parts in halves.items():
            if args.fit_files:
                args.fit_files.mkdir(parents=True, exist_ok=True)
                write_jsonl(args.fit_files / f"{short}-fit.jsonl", parts["fit"])
            report[short] = measure(f"{EXTERNAL[short]}, measuring half", parts["measure"],
                                    ask(corpus, args.work / "external-index", parts["measure"]))
    blind_sets = [(name, files) for name, files in (("blind", ("blind_realdocs", "blind_corpus")),
                                                     ("blind2", ("blind2",))) if name in sets]
    corpus = args.work / "blind"
    if blind_sets:
        blind_corpus(args.shared, corpus)
    for name, files in blind_sets:
        questions = [q for file in files for q in read_jsonl(ROOT / f"tests/data/{file}.jsonl")]
        report[name] = measure(f"{name} set", questions, ask(corpus, args.work / "blind-index", questions))
    if "dev" in sets:
        for name in ("dev", "heldout"):
            questions = read_jsonl(ROOT / f"tests/data/{name}.jsonl")
            report[name] = measure(name, questions, ask(ROOT / "corpus", args.work / "dev-index", questions))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nsaved {args.out}")


if __name__ == "__main__":
    main()
