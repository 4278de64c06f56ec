"""The HTTP API of `qa-bot serve` (FastAPI; OpenAPI at /docs).

    POST   /ask                         one line of `ask --jsonl` in, its answer out
    POST   /ask/batch                   a JSON array of such lines, an array of answers
    GET    /documents                   the indexed documents
    GET    /documents/{source}/text     the text `qa-bot show` prints (?start=&end=)
    GET    /facts                       the facts table (?province=&measure=&limit=)
    GET    /health                      the index generation and its counts
    POST   /documents                   upload files (admin token)
    DELETE /documents/{source}          remove an uploaded file (admin token)

A bad request gets a 4xx status and a JSON `{"detail": message}`, never a traceback:
a body that is not JSON or not UTF-8, a body over 10 MB, a question over 20,000
characters, a document outside the corpus. Uploads and removals need the bearer
token of QA_BOT_ADMIN_TOKEN (and are refused when it is not set).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
from typing import Any

from fastapi import Depends, FastAPI, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from ..errors import BuildLocked, IndexUnusable, QaBotError
from ..index.fact_store import facts_of
from .lines import answer_record
from .service import Service

__all__ = ["MAX_BATCH", "MAX_BODY_BYTES", "MAX_QUESTION_CHARS", "create_app"]

MAX_BODY_BYTES = 10_000_000
MAX_UPLOAD_BYTES = 50_000_000
MAX_QUESTION_CHARS = 20_000
MAX_BATCH = 1000
ADMIN_TOKEN = "QA_BOT_ADMIN_TOKEN"
_LINE = {"type": "object", "properties": {"id": {}, "question": {"type": "string"}}, "required": ["question"],
         "example": {"id": "q1", "question": "Hà Giang có bao nhiêu thủ tục hành chính đạt mức độ 4?"}}
log = logging.getLogger("qa_bot.api")


async def _body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refused (413) past `limit` bytes, whether or not it says its length."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"request body over {limit:,} bytes")
    body = bytearray()
    async for piece in request.stream():
        body += piece
        if len(body) > limit:
            raise HTTPException(413, f"request body over {limit:,} bytes")
    return bytes(body)


async def _json_body(request: Request) -> Any:
    raw = await _body(request)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(400, "the request body is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise HTTPException(400, f"the request body is not JSON: {err}") from None


def _checked_line(record: Any, where: str = "the body") -> dict:
    """A line of `ask --jsonl` as a request gives it: an object with a string question of a sane length."""
    if not isinstance(record, dict):
        raise HTTPException(422, f"{where} must be a JSON object with a 'question'")
    question = record.get("question")
    if not isinstance(question, str):
        raise HTTPException(422, f"{where} has no 'question' string")
    if len(question) > MAX_QUESTION_CHARS:
        raise HTTPException(413, f"the question of {where} is {len(question):,} characters long: "
                                 f"at most {MAX_QUESTION_CHARS:,} are read")
    return record


def _admin(request: Request) -> None:
    """Let the request through only with the bearer token of QA_BOT_ADMIN_TOKEN."""
    token = os.environ.get(ADMIN_TOKEN, "")
    if not token:
        raise HTTPException(403, f"uploads and removals are off: set {ADMIN_TOKEN} on the server to allow them")
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise HTTPException(401, "uploads and removals need 'Authorization: Bearer <QA_BOT_ADMIN_TOKEN>'")


def _source(service: Service, source: str) -> str:
    """A document's source as the index names it; 400 for a path outside the corpus, 404 for none."""
    parts = source.replace("\\", "/").split("/")
    if source.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        raise HTTPException(400, f"{source!r} is outside the corpus: give a source as GET /documents lists it")
    if source not in service.current().index.documents:
        raise HTTPException(404, f"no document {source!r} in the index (GET /documents lists them)")
    return source


def _document_record(doc: Any, chunks: int) -> dict:
    meta = {k: doc.meta[k] for k in ("title", "province", "date", "outlet", "author") if doc.meta.get(k)}
    return {"source": doc.source, **meta, "characters": len(doc.text), "chunks": chunks,
            "pages": len(doc.meta.get("pages", []))}


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BuildLocked)
    async def _locked(_: Request, err: BuildLocked) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=409)

    @app.exception_handler(IndexUnusable)
    async def _unusable(_: Request, err: IndexUnusable) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=503)

    @app.exception_handler(QaBotError)
    async def _qa_bot(_: Request, err: QaBotError) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=400)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, err: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse({"detail": f"internal error: {type(err).__name__}"}, status_code=500)


def _add_questions(app: FastAPI, service: Service) -> None:
    @app.post("/ask", tags=["questions"], openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _LINE}}}})
    async def ask(request: Request, k: int = Query(10, ge=1, le=100)) -> JSONResponse:
        """Answer one question: the body and the answer are one line of `qa-bot ask --jsonl`."""
        record = _checked_line(await _json_body(request))
        answer = await run_in_threadpool(service.ask, lambda qa: answer_record(qa, record, k))
        return JSONResponse(answer)

    @app.post("/ask/batch", tags=["questions"], openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"type": "array", "items": _LINE, "maxItems": MAX_BATCH}}}}})
    async def ask_batch(request: Request, k: int = Query(10, ge=1, le=100)) -> JSONResponse:
        """Answer a JSON array of `ask --jsonl` lines, in order."""
        records = await _json_body(request)
        if not isinstance(records, list):
            raise HTTPException(422, "the body must be a JSON array of objects with a 'question'")
        if len(records) > MAX_BATCH:
            raise HTTPException(413, f"{len(records)} questions: at most {MAX_BATCH} per batch")
        records = [_checked_line(r, f"item {i}") for i, r in enumerate(records)]
        answers = [await run_in_threadpool(service.ask, lambda qa, r=r: answer_record(qa, r, k)) for r in records]
        return JSONResponse(answers)


def _add_documents(app: FastAPI, service: Service) -> None:
    @app.get("/documents", tags=["documents"])
    def documents() -> list[dict]:
        """The indexed documents: source, title, province, date, outlet, characters, chunks, pages."""
        index = service.current().index
        counts = index.chunk_counts()
        return [_document_record(doc, counts.get(source, 0)) for source, doc in sorted(index.documents.items())]

    @app.get("/documents/{source:path}/text", tags=["documents"], response_class=PlainTextResponse)
    def document_text(source: str, start: int | None = Query(None, ge=0),
                      end: int | None = Query(None, ge=0)) -> PlainTextResponse:
        """The document's text as indexed (what `qa-bot show` prints); answers' offsets point into it."""
        text = service.current().index.documents[_source(service, source)].text
        start = 0 if start is None else start
        end = len(text) if end is None else end
        if not start <= end <= len(text):
            raise HTTPException(400, f"start={start}&end={end} is not a range of the text (0 to {len(text)})")
        return PlainTextResponse(text[start:end])

    @app.post("/documents", tags=["documents"], dependencies=[Depends(_admin)])
    async def upload(files: list[UploadFile] = File(...)) -> dict:  # noqa: B008 - FastAPI's way
        """Add documents (.txt, .html, .pdf, .docx) to the corpus's uploads/ and index them (admin token)."""
        contents = []
        for file in files:
            data = await file.read(MAX_UPLOAD_BYTES + 1)
            if len(data) > MAX_UPLOAD_BYTES:
                raise HTTPException(413, f"{file.filename}: over {MAX_UPLOAD_BYTES:,} bytes")
            contents.append((file.filename or "document.txt", data))
        return await run_in_threadpool(service.upload, contents)

    @app.delete("/documents/{source:path}", tags=["documents"], dependencies=[Depends(_admin)])
    def remove(source: str) -> dict:
        """Remove an uploaded document (under uploads/) and rebuild the index without it (admin token)."""
        try:
            return service.remove(_source(service, source))
        except PermissionError as err:
            raise HTTPException(403, str(err)) from None
        except FileNotFoundError as err:
            raise HTTPException(404, str(err)) from None


def _add_facts(app: FastAPI, service: Service) -> None:
    @app.get("/facts", tags=["facts"])
    def facts(province: str | None = None, measure: str | None = None,
              limit: int = Query(1000, ge=1, le=100_000)) -> list[dict]:
        """Facts read from the documents: place, measure, period, value and exact offsets."""
        found = facts_of(service.current().index).find(province, measure)
        return [f.to_dict() for f in found[:limit]]

    @app.get("/health", tags=["service"])
    def health() -> dict:
        """The index this process answers from."""
        qa = service.current()
        manifest = qa.index.manifest
        return {"status": "ok", "generation": manifest.generation, "embedder": manifest.embedder,
                "documents": len(qa.index.documents), "chunks": len(qa.index.chunks),
                "facts": facts_of(qa.index).count()}


def create_app(service: Service) -> FastAPI:
    """The FastAPI application over `service`."""
    app = FastAPI(title="qa-bot", summary="Answers retrieved and highlighted in Vietnamese documents on "
                  "administrative reform; figures compared across documents.", version="1")
    _add_error_handlers(app)
    _add_questions(app, service)
    _add_documents(app, service)
    _add_facts(app, service)
    return app
