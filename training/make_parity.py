"""Step 6: parity fixtures for the Rust runtime -> tests/fixtures/model_parity.jsonl

One line per text: raw `text`, `preprocessed` (after warden_common.preprocess),
`input_ids`/`attention_mask` from the `tokenizers` library loading the SHIPPED
models/warden-minilm/tokenizer.json (padding disabled, truncation at 128), and `probs` /
`token_probs` from python onnxruntime running the SHIPPED model.onnx on that single
text (batch of 1, no padding). Rust must reproduce the ids exactly. Its outputs are compared
within 1e-4 with Python onnxruntime run at test time on the same machine
(tests/model_reference.py), and within 0.05 with the outputs written here: ONNX Runtime's
float kernels differ by CPU (AVX2 and AVX-512 outputs differ by up to ~0.015, where a value
next to a rounding step of the per-token quantization moves one integer).

Usage: python make_parity.py
"""

from __future__ import annotations

import json
import pickle

import numpy as np
import onnxruntime as ort

import warden_common as W

HANDWRITTEN = [
    "ok",
    "",
    "   ",
    "You are a complete idiot.",
    "I will find where you live and hurt you",
    "u r such a f*cking l0ser lol",
    "sh!t happens, b1tch",
    "Y O U  A R E  T R A S H",
    "you're an id10t 🤡🤡🤡",
    "Go back to your country 🙄",
    "Café crème brûlée, naïve résumé — très bien!",
    "Ça suffit, espèce d'imbécile !",
    "日本語のテキストです。ありがとう",
    "这是一个测试句子",
    "한국어 문장도 있어요",
    "Привет, как дела?",
    "مرحبا بالعالم",
    "Zero\u200bwidth\u200bspace and non\u00a0breaking space",
    "emoji only 😀😃😄😁🔥💯",
    "@SomeUser_42 check this out https://example.com/a?b=c&amp;d=e",
    "&lt;b&gt;bold&lt;/b&gt; &amp;amp; &quot;quoted&quot; &#39;single&#39; &#x1F600; &notit; &copy",
    "RT @mayasolovely: As a woman you shouldn't complain about cleaning up your house. &amp; as a man...",
    "Email me at someone@example.com or visit http://t.co/xyz",
    "TAB\tand\nnewline\r\nseparated",
    "I'm not racist but those people should leave",
    "What a beautiful day at the beach!",
]

LONG = [
    ("This comment keeps going and going because the author really wanted to explain "
     "every single detail of the city council meeting, including the parking rules, "
     "the budget for the new library, and the complaints about the noise from the "
     "construction site near the school. ") * 4,
    ("You are a pathetic moron and a liar. " * 30).strip(),
    " ".join(f"word{i}" for i in range(300)),
]


def pick(data, source, n, seed):
    rng = np.random.default_rng(seed)
    pool = [e for e in data if e["source"] == source and e["split"] == "val"]
    return [pool[i]["text"] for i in rng.choice(len(pool), n, replace=False)]


def main():
    data = pickle.load(open(W.CACHE / "dataset.pkl", "rb"))
    benign = [l.strip() for l in open(W.TRAINING / "benign_identity.txt", encoding="utf-8") if l.strip()]
    texts = (HANDWRITTEN + LONG + pick(data, "olid", 14, 1) + pick(data, "civil", 14, 2)
             + pick(data, "hateval", 4, 3) + pick(data, "davidson", 4, 4) + benign[:15])

    tok = W.load_tokenizer(W.MODEL_DIR / "tokenizer.json")
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    sess = ort.InferenceSession(str(W.MODEL_DIR / "model.onnx"), so, providers=["CPUExecutionProvider"])
    out = W.REPO / "tests" / "fixtures" / "model_parity.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    n_trunc = 0
    with open(out, "w", encoding="utf-8") as f:
        for t in texts:
            pp = W.preprocess(t)
            enc = tok.encode(pp)
            ids = np.array([enc.ids], np.int64)
            am = np.array([enc.attention_mask], np.int64)
            probs, tp = sess.run(["probs", "token_probs"], {"input_ids": ids, "attention_mask": am})
            n_trunc += len(enc.ids) == W.MAX_LENGTH
            f.write(json.dumps({"text": t, "preprocessed": pp, "input_ids": enc.ids,
                                "attention_mask": enc.attention_mask,
                                "probs": [float(x) for x in probs[0]],
                                "token_probs": [float(x) for x in tp[0]]}, ensure_ascii=False) + "\n")
    print(f"wrote {len(texts)} fixtures ({n_trunc} truncated at {W.MAX_LENGTH}) to {out}")


if __name__ == "__main__":
    main()
