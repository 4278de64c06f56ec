"""Which sentences of the top passages compete to be the answer."""

from __future__ import annotations

import re

from qa_bot.answer.select import sentence_candidates
from qa_bot.answer.typed import Asked
from qa_bot.question.analysis import analyze
from qa_bot.schema import Chunk, Document, Hit


def _hit(text: str) -> tuple[Hit, dict[str, Document]]:
    """One passage holding all of `text`, its sentences split after each '.' or '?'."""
    bounds = [(m.start(), m.end()) for m in re.finditer(r"\S[^.?]*[.?]", text)]
    chunk = Chunk(0, "faq.txt", 0, len(text), text, tuple(bounds))
    return Hit(chunk, 1.0, {"bm25": 1}, 0.8), {"faq.txt": Document("faq.txt", text)}


def test_a_question_in_the_text_is_no_answer_but_what_follows_it_is():
    text = ("Hỏi: Vì sao tỉnh chưa đẩy mạnh được thanh toán trực tuyến? "
            "Ông Trần Quốc Vinh: Vì phần lớn lệ phí ở cấp xã có giá trị rất nhỏ.")
    hit, documents = _hit(text)
    asked = Asked.of(analyze("Vì sao tỉnh chưa đẩy mạnh được thanh toán trực tuyến?"), lambda term: 1.0, ())
    texts = [c.text.text for c in sentence_candidates(asked, [hit], documents)]
    assert not any(t.endswith("?") for t in texts)
    assert any("phần lớn lệ phí" in t for t in texts)
    assert len(hit.chunk.sentences) == 2 and len(texts) == 1  # 'Hỏi: …?' stays in the passage, not a candidate


