"""Prepare what the answer models are fitted on, then print the fitting command.

    python benchmarks/fit_inputs.py [--shared ../shared] [--work /tmp/qa-bot-fit]

Writes into `--work`:
- `pooled/`: corpus/, both external sets' passages (as benchmarks/quality.py pools them) and the
  documents of the fitting sets tests/data/fit_domain, fit_domain2, fit_domain3 as fitdomain*/;
- the question files: the fitting halves of both external sets (`sha1(id)` starting with 0-7),
  their English forms (tests/data/fit_external_en.jsonl: the question in English, the rest of
  the record joined from ../shared), tests/data/dev.jsonl, extra.jsonl and those three sets.
Only the fitting halves are written; the measuring halves stay for benchmarks/quality.py.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from quality import external_corpus, read_jsonl, write_jsonl  # noqa: E402

DATA = ROOT / "tests" / "data"
# fit_domain4 is left out: fitted on, it made the blind sets' answers worse (docs/quality.md, "1 Dec, third session");
# it stays as a development set of long documents
DOMAIN_SETS = {"fit_domain": "domain-fit", "fit_domain2": "domain2", "fit_domain3": "domain3"}


def english_forms(fitting: list[dict]) -> list[dict]:
    """The fitting questions translated in fit_external_en.jsonl, as full records in English."""
    by_id = {q["id"]: q for q in fitting}
    english = []
    for row in read_jsonl(DATA / "fit_external_en.jsonl"):
        original = by_id.get(row["id"].removesuffix("-en"))
        if original is None:
            raise SystemExit(f"fit_external_en.jsonl: {row['id']} is not a fitting question of ../shared/external")
        english.append({**original, "id": row["id"], "lang": "en", "question": row["question"]})
    return english


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--work", type=Path, default=Path("/tmp/qa-bot-fit"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    pooled = args.work / "pooled"
    halves = external_corpus(args.shared, pooled)
    files = []
    for short in ("uit", "alqac"):
        files.append(args.work / f"{short}-fit.jsonl")
        write_jsonl(files[-1], halves[short]["fit"])
    for name in ("dev", "extra"):
        files.append(args.work / f"{name}.jsonl")
        shutil.copyfile(DATA / f"{name}.jsonl", files[-1])
    files.append(args.work / "en-fit.jsonl")
    write_jsonl(files[-1], english_forms(halves["uit"]["fit"] + halves["alqac"]["fit"]))
    for folder, name in DOMAIN_SETS.items():
        shutil.copytree(DATA / folder / "docs", pooled / folder.replace("fit_domain", "fitdomain"))
        files.append(args.work / f"{name}.jsonl")
        shutil.copyfile(DATA / folder / "questions.jsonl", files[-1])
    print(f"pooled corpus: {pooled}\nquestions: {sum(len(read_jsonl(f)) for f in files)} in {len(files)} files\n")
    print(f"qa-bot build --corpus {pooled} --index {args.work / 'index'}")
    print(f"python -m qa_bot.evaluation.fit --corpus {pooled} --index {args.work / 'index'} --questions "
          + " ".join(str(f) for f in files) + f" --unaccented --negatives --retrieval-cache {args.work / 'cache.json'}")


if __name__ == "__main__":
    main()
