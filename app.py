"""qa-bot in the browser: `streamlit run app.py`.

Answers are never generated: each one is a span of a source document,
shown highlighted inside its sentence and passage, with where it comes from.
The corpus and index folders are `corpus/` and `index/` next to this file,
or QA_BOT_CORPUS / QA_BOT_INDEX (and QA_BOT_EMBEDDER) from the environment.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from pathlib import Path

import streamlit as st

from qa_bot.embed import DEFAULT_EMBEDDER
from qa_bot.index import IndexError_
from qa_bot.pipeline import QA
from qa_bot.render import CSS, answer_card, escape_markdown, escape_text, passage_block

HERE = Path(__file__).resolve().parent
CORPUS = Path(os.environ.get("QA_BOT_CORPUS") or HERE / "corpus")
INDEX = Path(os.environ.get("QA_BOT_INDEX") or HERE / "index")
EMBEDDER = os.environ.get("QA_BOT_EMBEDDER") or DEFAULT_EMBEDDER
ABSTAIN = "Không tìm thấy thông tin trong tài liệu."

st.set_page_config(page_title="Hỏi đáp cải cách hành chính", page_icon="📄", layout="centered")
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
            self.qa = QA.open(corpus, self.index_dir, self.embedder, progress=self._progress)
        except Exception as err:  # shown on the page
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
            if job.total:
                slot.progress(job.done / job.total, text=f"Đang xây dựng chỉ mục (lần đầu): {job.done}/{job.total} đoạn")
            else:
                slot.progress(0.0, text="Đang tải chỉ mục tài liệu… (lần chạy đầu tiên sẽ xây dựng chỉ mục)")
        slot.empty()
    if job.qa is None:
        loader.clear()  # try again on the next run
        if isinstance(job.error, IndexError_):
            st.error(f"Không mở được chỉ mục: {job.error}")
        else:
            st.error(f"Lỗi khi tải chỉ mục: {job.error!r}")
        st.stop()
    return job.qa


def sidebar(qa: QA) -> None:
    """The indexed documents: title, province, date, number of chunks."""
    chunks = Counter(c.source for c in qa.index.chunks)
    with st.sidebar:
        st.header("Tài liệu đã lập chỉ mục")
        st.caption(f"{len(qa.index.documents)} tài liệu · {len(qa.index.chunks)} đoạn · mô hình {qa.index.embedder_name}")
        for source, doc in sorted(qa.index.documents.items()):
            facts = [str(doc.meta[k]) for k in ("province", "date") if doc.meta.get(k)]
            facts.append(f"{chunks.get(source, 0)} đoạn")
            st.markdown(
                f'<div style="margin-bottom:.6rem"><b>{escape_text(doc.title)}</b><br>'
                f'<small>{escape_text(" · ".join(facts))}<br><code>{escape_text(source)}</code></small></div>',
                unsafe_allow_html=True,
            )


def show_passages(result, documents, skip_chunk=None, expanded: bool = False) -> None:
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
        label = f"{shown}. «{escape_markdown(preview)}» — {escape_markdown(title)} · điểm {hit.score:.3f}"
        with st.expander(label, expanded=expanded and shown == 1):
            st.markdown(passage_block(hit, doc), unsafe_allow_html=True)


def show_result(result, documents) -> None:
    """One answer: notes on how the question was read, the answer card, other passages."""
    if result.message:
        st.info(result.message)
    query = result.query
    if query is not None and query.restored:
        st.caption(f"Đã hiểu là: {escape_markdown(query.restored)}")
    if query is not None and query.expansions:
        shown = ", ".join(f"{a} = {b}" for a, b in query.expansions[:6])
        st.caption(f"Viết tắt: {escape_markdown(shown)}")
    facets = result.facets
    if facets is not None and (facets.provinces or facets.years):
        st.caption("Lọc theo: " + escape_markdown(", ".join([*facets.provinces, *map(str, facets.years)])))
    answer = result.answer
    if answer is not None:
        st.markdown(answer_card(answer, documents.get(answer.source)), unsafe_allow_html=True)
        if len(result.hits) > 1:
            st.markdown("**Các đoạn liên quan khác**")
            show_passages(result, documents, skip_chunk=answer.hit.chunk.id)
    elif query is not None:
        st.warning(ABSTAIN)
        if result.hits:
            st.markdown("**Các đoạn gần nhất** (có thể không chứa câu trả lời)")
            show_passages(result, documents)
    st.caption(f"Thời gian trả lời: {result.latency_ms:.0f} ms")


st.title("Hỏi đáp về cải cách hành chính")
st.caption(
    "Câu trả lời không được sinh ra: chúng được trích nguyên văn từ tài liệu và tô sáng ngay trong nguồn. "
    "Có thể hỏi có dấu hoặc không dấu, dùng viết tắt như CCHC, TTHC, DVC."
)

qa = open_qa()
sidebar(qa)
documents = qa.index.documents

if "history" not in st.session_state:
    st.session_state.history = []

question = st.chat_input("Nhập câu hỏi, có dấu hoặc không dấu…")
if question:
    st.session_state.history.append((question, qa.ask(question)))

for asked, result in st.session_state.history:
    with st.chat_message("user"):
        st.markdown(escape_markdown(asked))
    with st.chat_message("assistant"):
        show_result(result, documents)
