"""qa-bot in the browser: `streamlit run app.py`.

Answers are never generated: each one is a span of a source document,
shown highlighted inside its sentence and passage, with where it comes from.
The corpus and index folders are `corpus/` and `index/` next to this file,
or QA_BOT_CORPUS / QA_BOT_INDEX (and QA_BOT_EMBEDDER) from the environment.
Uploaded documents are kept in the corpus folder's `uploads/`; 👍/👎 feedback
goes to QA_BOT_FEEDBACK (default `feedback/feedback.jsonl` next to this file).
"""

from __future__ import annotations

import json
import math
import os
import threading
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from qa_bot.app.render import (
    CSS,
    answer_card,
    document_html,
    escape_markdown,
    escape_text,
    parse_range,
    passage_block,
)
from qa_bot.app.ui_text import text_for
from qa_bot.datafiles import DATA
from qa_bot.embedders.base import DEFAULT_EMBEDDER

# What the question box needs is imported above; the rest of qa_bot (search, index, PDF pages:
# about a second of imports) only once the box is on the page, below ("# the rest of qa_bot").

HERE = Path(__file__).resolve().parent
CORPUS = Path(os.environ.get("QA_BOT_CORPUS") or HERE / "corpus")
INDEX = Path(os.environ.get("QA_BOT_INDEX") or HERE / "index")
EMBEDDER = os.environ.get("QA_BOT_EMBEDDER") or DEFAULT_EMBEDDER
FEEDBACK = Path(os.environ.get("QA_BOT_FEEDBACK") or HERE / "feedback" / "feedback.jsonl")
EXAMPLES = DATA / "examples.json"  # general examples; a corpus may bring its own examples.json
UPLOAD_TYPES = ["txt", "html", "htm", "pdf", "docx"]

LANG = "en" if st.session_state.get("english") else "vi"
T = text_for(LANG)

st.set_page_config(page_title=T["page_title"], page_icon="📄", layout="centered")
st.markdown(CSS, unsafe_allow_html=True)


class Loader:
    """Opens the QA in a background thread (building the index on first use), so the
    page can show a progress bar while it works without calling Streamlit from the
    cached function."""

    def __init__(self, corpus: Path, index_dir: Path, embedder: str) -> None:
        self.corpus, self.index_dir, self.embedder = corpus, index_dir, embedder
        self.stage, self.done, self.total = "", 0, 0
        self.qa: QA | None = None
        self.error: Exception | None = None
        self.finished = threading.Event()
        threading.Thread(target=self._run, name="qa-bot-loader", daemon=True).start()

    def _progress(self, stage: str, done: int, total: int) -> None:
        self.stage, self.done, self.total = stage, done, total

    def _run(self) -> None:
        try:
            corpus = self.corpus if self.corpus.is_dir() else None
            self.qa = QA.open(corpus, self.index_dir, backend=FaissBackend, embedder=self.embedder,
                              progress=self._progress)
        except Exception as err:  # noqa: BLE001 - shown on the page
            self.error = err
        finally:
            self.finished.set()


@st.cache_resource(show_spinner=False)
def loader(corpus: str, index_dir: str, embedder: str) -> Loader:
    """The one loader of this corpus and index, shared by all sessions."""
    return Loader(Path(corpus), Path(index_dir), embedder)


def open_qa() -> QA:
    """The QA, waiting for it with a progress bar while the index is being built."""
    job = loader(str(CORPUS), str(INDEX), EMBEDDER)
    if not job.finished.is_set():
        slot = st.empty()
        while not job.finished.wait(0.25):
            label = T.get(f"stage_{job.stage}", T["building"] if job.total else T["loading"])
            slot.progress(job.done / job.total if job.total else 0.0,
                          text=label.format(done=job.done, total=job.total))
        slot.empty()
    if job.qa is None:
        loader.clear()  # try again on the next run
        label = T["index_error"] if isinstance(job.error, IndexUnusable) else T["load_error"]
        st.error(f"{label}: {job.error}")
        st.stop()
    if job.qa.index.updating:  # another build was running: answer from the index as it is
        current = load_manifest(INDEX)
        if current is not None and current.generation != job.qa.index.manifest.generation:
            loader.clear()  # that build has finished: open its index
            return open_qa()
        st.info(T["updating"])
    return job.qa


# ---------------------------------------------------------------- document view


def document_view(qa: QA) -> None:
    """`?doc=…`: the whole document, its passage, sentence and span marked and scrolled into view."""
    params = st.query_params
    doc = qa.index.documents.get(params.get("doc", ""))
    st.markdown(f'<a href="./" target="_self">{escape_text(T["back"])}</a>', unsafe_allow_html=True)
    if doc is None:
        st.error(f"{T['document_missing']}: {params.get('doc', '')}")
        return
    passage, sentence, span = (parse_range(params.get(key)) for key in ("p", "s", "a"))
    st.subheader(doc.title)
    facts = [str(doc.meta[k]) for k in ("province", "date", "outlet") if doc.meta.get(k)]
    st.caption(" · ".join([*facts, doc.source]))
    quoted = sentence or passage
    if quoted is not None and quoted[1] <= len(doc.text):
        text = " ".join(doc.text[quoted[0]:quoted[1]].split())
        st.caption(T["document_quote"])
        st.code(f"“{text}” — {citation(doc, doc.source, *quoted)}", language=None, wrap_lines=True)
    if is_pdf(doc, CORPUS) and not st.toggle(T["extracted_view"], key="extracted_view"):
        if indexed_version(qa, doc):
            pdf_page_view(qa, doc, passage, sentence, span)
            return
        st.warning(T["file_changed"])
    components.html(document_html(doc, passage, sentence, span), height=620, scrolling=True)


@st.cache_data(show_spinner=False, max_entries=256)
def file_is_indexed(path: str, stamp: float, generation: str, _qa, _doc) -> bool:
    """Whether the PDF on disk is the version the index read (worked out once per file version)."""
    return is_indexed_version(_doc, CORPUS, _qa.index.manifest.files.get(_doc.source))


def indexed_version(qa: QA, doc) -> bool:
    path = CORPUS / doc.source
    return file_is_indexed(str(path), path.stat().st_mtime, qa.index.manifest.generation, qa, doc)


@st.cache_data(show_spinner=False, max_entries=32)
def pdf_page_html(path: str, stamp: float, generation: str, _doc, ranges: tuple, shown: tuple | None,
                  lang: str) -> str:
    """The page view's HTML, made once per file version, index generation, ranges and pages."""
    images = page_images(Path(path), _doc, dict(ranges), list(shown) if shown else None)
    words = text_for(lang)
    return page_view_html(images, words["page"], words["ocr_text"], ocr_pages(_doc))


def pdf_page_view(qa: QA, doc, passage, sentence, span) -> None:
    """The original PDF page(s) of the passage, the sentence and span highlighted and scrolled into view;
    another page can be chosen."""
    path = CORPUS / doc.source
    count = len(doc.meta.get("pages") or [])
    ranges = (("passage", passage), ("sentence", sentence), ("span", span))
    first = pages_of(doc, *(sentence or passage)) if (sentence or passage) else (1,)
    chosen = st.selectbox(T["page"], range(1, count + 1), index=(first[0] - 1) if first else 0, key="pdf_page")
    shown = None if first and chosen == first[0] else (chosen,)
    st.caption(T["page_view_caption"])
    html = pdf_page_html(str(path), path.stat().st_mtime, qa.index.manifest.generation, doc, ranges, shown, LANG)
    components.html(html, height=900, scrolling=True)


# ---------------------------------------------------------------- sidebar


@st.cache_resource(show_spinner=False, max_entries=4)
def options_of(index_dir: str, generation: str, _documents) -> FilterOptions:
    """The filter choices of one index generation, worked out once (not on every rerun)."""
    return filter_options(_documents)


def index_options(qa: QA) -> FilterOptions:
    return options_of(str(qa.index.path), qa.index.manifest.generation, qa.index.documents)


def current_filters() -> Filters:
    """The filters as the sidebar holds them."""
    state = st.session_state
    return Filters(tuple(state.get("f_provinces", [])), tuple(state.get("f_years", [])),
                   tuple(state.get("f_sources", [])))


def preset_filters(qa: QA, question: str) -> bool:
    """Set the province and year chips to what `question` names among the documents'
    provinces and years (kept when it names none). Returns False when it names a
    province no document is about: the question's own facets then decide."""
    facets = qa.facets_of(question)
    if not (facets.provinces or facets.years):
        return True
    preset = index_options(qa).preset(facets)
    st.session_state.f_provinces, st.session_state.f_years = list(preset.provinces), list(preset.years)
    return set(preset.provinces) == set(facets.provinces)


def refilter() -> None:
    """A filter changed: ask the last question again (the filters are now the user's)."""
    st.session_state.refilter = True


def clear_filters() -> None:
    for key in ("f_provinces", "f_years", "f_sources"):
        st.session_state[key] = []
    refilter()


def filters_sidebar(qa: QA) -> None:
    """Province, year and document filters, shown as removable chips."""
    options = index_options(qa)
    state = st.session_state
    documents = qa.index.documents
    st.subheader(T["filters"])
    choose = {"placeholder": T["choose"], "on_change": refilter}
    st.multiselect(T["provinces"], sorted({*options.provinces, *state.get("f_provinces", [])}),
                   key="f_provinces", **choose)
    st.multiselect(T["years"], sorted({*options.years, *state.get("f_years", [])}), key="f_years", **choose)
    st.multiselect(T["documents_filter"], list(options.sources), key="f_sources",
                   format_func=lambda s: documents[s].title if s in documents else s, **choose)
    if current_filters().active:
        st.button(T["clear_filters"], on_click=clear_filters)


@st.cache_resource(show_spinner=False)
def gate() -> Gate:
    """The admin check shared by every session (the wrong attempts of each client counted together)."""
    return Gate(os.environ.get(ADMIN_ENV), is_local_address(st.get_option("server.address")))


def client() -> str:
    """Who is asking, for the rate limit of wrong passwords."""
    return getattr(st.context, "ip_address", None) or "unknown"


def may_manage() -> bool:
    """True when this session may add, remove or replace documents."""
    return gate().open_to_all or bool(st.session_state.get("admin"))


def admin_sidebar() -> bool:
    """The admin login when a password is set (else a note that the app is read-only); True when this
    session may manage documents."""
    if may_manage():
        return True
    st.subheader(T["admin"])
    if not gate().needs_password:
        st.caption(T["read_only"])
        return False
    with st.form("admin-login", clear_on_submit=True):
        attempt = st.text_input(T["admin_password"], type="password")
        if st.form_submit_button(T["admin_login"]):
            wait = gate().wait_s(client())
            if wait:
                st.error(T["admin_wait"].format(seconds=math.ceil(wait)))
            elif gate().check(attempt, client()):
                st.session_state.admin = True
                st.rerun()
            else:
                st.error(T["admin_wrong"])
    return False


def swap_in(index) -> None:
    """Make `index` the one every session answers from (sessions mid-answer finish on the previous one)."""
    job = loader(str(CORPUS), str(INDEX), EMBEDDER)
    job.qa = QA(index, job.qa.embedder, FaissBackend(index))


def upload_sidebar(qa: QA) -> None:
    """Upload documents: saved into the corpus's uploads/ and indexed at once, incrementally."""
    st.subheader(T["add_documents"])
    state = st.session_state
    files = st.file_uploader(T["upload"], type=UPLOAD_TYPES, accept_multiple_files=True,
                             key=f"upload-{state.get('uploads', 0)}")
    if files:
        index_uploads(qa, files)
    for kind, message in state.get("upload_messages", []):
        (st.error if kind == "error" else st.success)(message)


def index_uploads(qa: QA, files) -> None:
    """Save `files`, rebuild the index incrementally with a progress bar, report unreadable files by name."""
    if not may_manage():  # the uploader is not shown then; refuse all the same
        st.session_state.upload_messages = [("error", T["admin_needed"])]
        return
    saved = {save_upload(CORPUS, f.name, f.getvalue()): f.name for f in files}
    bar = st.progress(0.0, text=T["indexing"])

    def progress(stage: str, done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"{T['indexing']}: {done}/{total}")

    try:
        index = build_index(CORPUS, INDEX, qa.embedder, progress=progress)
    except QaBotError as err:
        st.session_state.upload_messages = [("error", f"{T['index_error']}: {err}")]
    else:
        problems = {p.source: p.reason for p in index.problems}
        messages = []
        for source, name in saved.items():
            if source in problems:
                messages.append(("error", f"{T['unreadable']} {name}: {problems[source]}"))
                (CORPUS / source).unlink(missing_ok=True)  # the user still has it; the corpus stays readable
            else:
                messages.append(("success", f"{T['indexed_new']}: {name}"))
        if set(saved) & set(problems):
            index = build_index(CORPUS, INDEX, qa.embedder)  # the same index, without the unreadable files
        swap_in(index)
        st.session_state.upload_messages = messages
    st.session_state.uploads = st.session_state.get("uploads", 0) + 1  # a fresh, empty uploader
    st.rerun()


def manage_sidebar(qa: QA) -> None:
    """Remove a document, or replace it by a new version of its file (the old one kept in .removed/)."""
    state = st.session_state
    st.subheader(T["manage"])
    documents = qa.index.documents
    source = st.selectbox(T["manage_pick"], sorted(documents), key="manage_source", index=None,
                          placeholder=T["choose"], format_func=lambda s: f"{documents[s].title} ({s})")
    if source is not None:
        st.button(T["remove"], key="remove_document", on_click=remove_document, args=(qa, source))
        key = f"replace-{state.get('replaced', 0)}"
        st.file_uploader(T["replace"], type=[Path(source).suffix.lstrip(".").lower()], key=key,
                         on_change=replace_document, args=(qa, source, key))
    for kind, message in state.get("manage_messages", []):
        (st.error if kind == "error" else st.success)(message)


def remove_document(qa: QA, source: str) -> None:
    """Take `source` out of the index and the corpus folder (into .removed/), for every session."""
    if not may_manage():
        st.session_state.manage_messages = [("error", T["admin_needed"])]
        return
    try:
        index = remove_documents(CORPUS, INDEX, [source], embedder_name=qa.embedder.name)
    except QaBotError as err:
        st.session_state.manage_messages = [("error", f"{T['index_error']}: {err}")]
    else:
        swap_in(index)
        st.session_state.manage_messages = [("success", f"{T['removed']}: {source}")]
        st.session_state.manage_source = None


def replace_document(qa: QA, source: str, key: str) -> None:
    """Put the file uploaded in `key` in place of `source` (the old file moved into .removed/) and
    index it; an unreadable new file is moved aside and the old one put back."""
    upload = st.session_state.get(key)
    if upload is None or not may_manage():
        return
    old = move_to_removed(CORPUS, source)
    (CORPUS / source).write_bytes(upload.getvalue())
    try:
        index = build_index(CORPUS, INDEX, qa.embedder)
        problem = next((p.reason for p in index.problems if p.source == source), None)
        if problem is not None:
            move_to_removed(CORPUS, source)
            os.replace(CORPUS / old, CORPUS / source)
            index = build_index(CORPUS, INDEX, qa.embedder)
            messages = [("error", f"{T['unreadable']} {source}: {problem}")]
        else:
            messages = [("success", f"{T['replaced']}: {source}")]
    except QaBotError as err:
        messages = [("error", f"{T['index_error']}: {err}")]
    else:
        swap_in(index)
    st.session_state.manage_messages = messages
    st.session_state.replaced = st.session_state.get("replaced", 0) + 1


def documents_sidebar(qa: QA) -> None:
    """The indexed documents: title, province, date, number of chunks."""
    chunks = qa.index.chunk_counts()
    st.subheader(T["documents"])
    st.caption(T["documents_count"].format(docs=len(qa.index.documents), chunks=len(qa.index.chunks),
                                           model=qa.index.embedder_name))
    for source, doc in sorted(qa.index.documents.items()):
        facts = [str(doc.meta[k]) for k in ("province", "date") if doc.meta.get(k)]
        if doc.meta.get("pages"):
            facts.append(f"{len(doc.meta['pages'])} {T['pages']}")
        facts.append(f"{chunks.get(source, 0)} {T['chunks']}")
        st.markdown(
            f'<div class="qa-doc" style="margin-bottom:.6rem"><b>{escape_text(doc.title)}</b><br>'
            f'<small>{escape_text(" · ".join(facts))}<br><code>{escape_text(source)}</code></small></div>',
            unsafe_allow_html=True,
        )


# ---------------------------------------------------------------- answers


def show_passages(result, documents, skip_chunk=None) -> None:
    """The other top passages, each in an expander with its score."""
    shown = 0
    for hit in result.hits:
        if skip_chunk is not None and hit.chunk.id == skip_chunk:
            continue
        shown += 1
        doc = documents.get(hit.chunk.source)
        title = doc.title if doc is not None else hit.chunk.source
        preview = " ".join(hit.chunk.text.split())
        preview = preview if len(preview) <= 70 else preview[:70].rsplit(" ", 1)[0] + "…"
        title = title if len(title) <= 40 else title[:40].rsplit(" ", 1)[0] + "…"
        label = f"{shown}. «{escape_markdown(preview)}» — {escape_markdown(title)} · {T['score']} {hit.score:.3f}"
        with st.expander(label):
            st.markdown(passage_block(hit, doc, LANG), unsafe_allow_html=True)


def save_feedback(number: int) -> None:
    """Append the 👍/👎 just given on answer `number` to the feedback file."""
    turn = st.session_state.history[number]
    value = st.session_state.get(f"feedback-{turn['id']}")
    if value is None:
        return
    index = loader(str(CORPUS), str(INDEX), EMBEDDER).qa.index
    record = feedback_record(turn["result"], "up" if value == 1 else "down", turn["filters"],
                             index.manifest.generation)
    append_feedback(FEEDBACK, record)
    st.toast(T["feedback_saved"])


def how_it_was_read(turn: dict) -> None:
    """Notes on the question: restored diacritics, abbreviations, filters."""
    result = turn["result"]
    if result.message:
        st.info(result.message)
    query = result.query
    if query is not None and query.restored:
        st.caption(f"{T['read_as']}: {escape_markdown(query.restored)}")
    if query is not None and query.expansions:
        shown = ", ".join(f"{a} = {b}" for a, b in query.expansions[:6])
        st.caption(f"{T['abbreviations']}: {escape_markdown(shown)}")
    filters = turn["filters"]
    if filters.active:
        titles = [qa.index.documents[s].title if s in qa.index.documents else s for s in filters.sources]
        chips = escape_markdown(" · ".join([*filters.provinces, *filters.years, *titles]))
        st.caption(f"{T['filtered_by']}: {chips} ({T['remove_filter_hint']})")


def take_away(number: int, turn: dict, documents) -> None:
    """The quote to copy, the downloads and the 👍/👎 of one answer."""
    result = turn["result"]
    if result.answer is not None:
        st.caption(T["quote"])
        st.code(quote(result.answer, documents.get(result.answer.source)), language=None, wrap_lines=True)
    left, middle, right = st.columns([1, 1, 1])
    left.download_button(T["download_md"], answer_markdown(result, documents), file_name="qa-bot-answer.md",
                         mime="text/markdown", key=f"md-{turn['id']}", on_click="ignore")
    middle.download_button(T["download_json"], answer_json(result, documents), file_name="qa-bot-answer.json",
                           mime="application/json", key=f"json-{turn['id']}", on_click="ignore")
    with right:
        st.feedback("thumbs", key=f"feedback-{turn['id']}", on_change=save_feedback, args=(number,))


def show_table(table, documents) -> None:
    """A table answer (its rows and a chart linked to the sentences), or an answer's conflicting figures."""
    if table.kind == "conflict":
        st.markdown(conflict_html(table, documents, LANG), unsafe_allow_html=True)
        return
    st.markdown(f"**{T['table_title']}**")
    st.markdown(table_html(table, LANG), unsafe_allow_html=True)
    st.altair_chart(chart(table, LANG), width="stretch")
    st.caption(T["chart_caption"])


def show_result(number: int, turn: dict, documents) -> None:
    """One answer: how the question was read, the answer card, the quote, downloads,
    feedback and the other passages; or "not found" with the closest passages."""
    result = turn["result"]
    how_it_was_read(turn)
    answer = result.answer
    if answer is not None:
        st.markdown(answer_card(answer, documents.get(answer.source), LANG), unsafe_allow_html=True)
    if result.table is not None:
        show_table(result.table, documents)
    if answer is not None:
        used = abbreviations_in(answer.sentence)
        if used:
            st.caption(f"{T['abbreviations_answer']}: " + escape_markdown(", ".join(f"{a} = {b}" for a, b in used)))
        take_away(number, turn, documents)
        if len(result.hits) > 1:
            st.markdown(f"**{T['other_passages']}**")
            show_passages(result, documents, skip_chunk=answer.hit.chunk.id)
    elif result.query is not None:
        st.warning(T["not_found"] if result.hits or not turn["filters"].active else T["no_documents"])
        take_away(number, turn, documents)
        if result.hits:
            st.markdown(f"**{T['closest']}**")
            show_passages(result, documents)
    st.caption(f"{T['response_time']}: {result.latency_ms:.0f} ms")


def ask(qa: QA, question: str, filters: Filters | None) -> dict:
    """A new turn of the conversation: `question` asked with `filters` (None: the question's
    own provinces and years decide, as in the CLI)."""
    st.session_state.turns = st.session_state.get("turns", 0) + 1
    return {"id": st.session_state.turns, "question": question, "filters": filters or Filters(),
            "result": qa.ask(question, filters=filters)}


def choose_example(question: str) -> None:
    st.session_state.pending = question


def examples() -> None:
    """Example questions to click on the empty page."""
    data = json.loads(EXAMPLES.read_text(encoding="utf-8"))
    own = CORPUS / "examples.json"  # a corpus may bring its own
    if own.is_file():
        try:
            data = json.loads(own.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    st.markdown(f"**{T['examples']}**")
    for number, question in enumerate(data.get(LANG) or data.get("vi", [])):
        st.button(question, key=f"example-{number}", on_click=choose_example, args=(question,))


# ---------------------------------------------------------------- page

if "doc" not in st.query_params:
    if "history" not in st.session_state:
        st.session_state.history = []
    # the box comes first: a question can be typed while the model and the index load (a question sent
    # meanwhile restarts this run, which waits for them below and answers it)
    question = st.chat_input(T["input"], key="question") or st.session_state.pop("pending", None)

# the rest of qa_bot (see the imports above)
from qa_bot.app.admin import ADMIN_ENV, Gate, is_local_address  # noqa: E402
from qa_bot.app.export import answer_json, answer_markdown, citation, quote  # noqa: E402
from qa_bot.app.page_view import is_indexed_version, is_pdf, ocr_pages, page_images, page_view_html  # noqa: E402
from qa_bot.app.table_view import chart, conflict_html, table_html  # noqa: E402
from qa_bot.errors import IndexUnusable, QaBotError  # noqa: E402
from qa_bot.evaluation.feedback import append_feedback, feedback_record  # noqa: E402
from qa_bot.index.build import build_index  # noqa: E402
from qa_bot.index.manifest import load_manifest  # noqa: E402
from qa_bot.index.remove import move_to_removed, remove_documents  # noqa: E402
from qa_bot.ingest.pages import pages_of  # noqa: E402
from qa_bot.ingest.uploads import save_upload  # noqa: E402
from qa_bot.pipeline import QA  # noqa: E402
from qa_bot.question.analysis import abbreviations_in  # noqa: E402
from qa_bot.question.filters import FilterOptions, Filters, filter_options  # noqa: E402
from qa_bot.retrieval.faiss import FaissBackend  # noqa: E402

if "doc" in st.query_params:
    document_view(open_qa())
    st.stop()

qa = open_qa()
use_filters = preset_filters(qa, question) if question else True

with st.sidebar:
    st.toggle(T["english"], key="english")
    filters_sidebar(qa)
    if admin_sidebar():
        upload_sidebar(qa)
        manage_sidebar(qa)
    documents_sidebar(qa)

history = st.session_state.history
if question:
    filters = current_filters()
    history.append(ask(qa, question, filters if use_filters and filters.active else None))
elif st.session_state.pop("refilter", False) and history:
    history[-1] = ask(qa, history[-1]["question"], current_filters())  # the user's filters, even none

st.title(T["title"])
st.caption(T["intro"])
if not history:
    examples()

documents = qa.index.documents
for number, turn in enumerate(history):
    with st.chat_message("user"):
        st.markdown(escape_markdown(turn["question"]))
    with st.chat_message("assistant"):
        show_result(number, turn, documents)
