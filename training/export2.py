"""Classifier 2.0, step 3: export to ONNX with batch-independent int8 weights.

  1. The shipped interface is unchanged (inputs input_ids/attention_mask; outputs probs
     [batch, 5] in labels.json category order and token_probs [batch, seq]): the 2.0
     internal heads map onto it inside the graph. `toxicity` = sigmoid of the MEAN of the
     three per-definition toxicity logits (tox_civil, tox_olid, tox_tweet); insult,
     profanity, identity_attack and threat are their own heads.
  2. fp32 ONNX (TorchScript exporter, opset 17), verified against torch (< 1e-4).
  3. onnxruntime BERT fusion WITHOUT the fused Attention op (LayerNorm, Gelu, bias and
     skip fusions only): the attention projections stay plain MatMuls, so step 4 can
     quantize every weight matrix.
  4. Deterministic int8, per token (quant_token.py): every MatMul with a constant weight
     becomes an exact integer product (MatMulIntegerToFloat) of a uint8 activation row,
     quantized with its OWN scale (max|x|/127 over the hidden dimension), and 7-bit int8
     weights with one scale per output column (7 bits: AVX2's uint8 x int8 kernel cannot
     saturate); the embedding tables become int8 Gathers. Nothing depends on other rows of
     the batch, so a text scores the same alone or in any batch (checked below to 1e-4, and
     in the Rust tests). 1.0 used dynamic quantization, whose scale is computed over the
     whole batch tensor (a text's scores moved by up to 0.12 with its batch partners).
     2.0.0 shipped weight-only MatMulNBits (also batch-independent) whose 8-bit kernel
     dequantizes each weight matrix per call: 39 ms for one short text.
     quant_static.py and compare_speed.py measure the alternatives side by side.
Intermediate graphs go to training/runs/<name>/ (git-ignored).

Usage: python export2.py --name v2 [--base]  (--base: untrained
heads, for timing the graph shape only)
"""

from __future__ import annotations

import argparse
import json
import shutil
import time

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn

import warden_common as W
from export import IN_NAMES, OUT_NAMES, PROBE_TEXTS, compare, io_names, padded_batch, session
from train2 import Model2


class Export2(nn.Module):
    def __init__(self, model: Model2):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        logits, tok = self.model(input_ids, attention_mask)
        tox = logits[:, 0:3].mean(dim=1, keepdim=True)
        # CATEGORIES order: toxicity, insult, profanity, identity_attack, threat.
        out = torch.cat([tox, logits[:, 3:7]], dim=1)
        return torch.sigmoid(out), torch.sigmoid(tok)


def batch_independence(path, texts):
    """Max |score alone - score in a padded batch| over probs and real-token probs."""
    tok = W.load_tokenizer()
    s = session(path)
    ids, am = padded_batch(texts)
    batch = s.run(OUT_NAMES, {"input_ids": ids, "attention_mask": am})
    worst = 0.0
    for i in range(len(texts)):
        n = int(am[i].sum())
        one = s.run(OUT_NAMES, {"input_ids": ids[i:i + 1, :n], "attention_mask": am[i:i + 1, :n]})
        worst = max(worst, float(np.abs(one[0][0] - batch[0][i]).max()),
                    float(np.abs(one[1][0] - batch[1][i, :n]).max()))
    del tok
    return worst


def throughput(path, texts, batch=32, threads=2):
    tok = W.load_tokenizer()
    s = session(path, threads)
    enc = tok.encode_batch([W.preprocess(t) for t in texts])
    order = np.argsort([len(e.ids) for e in enc], kind="stable")
    t0 = time.time()
    for b in range(0, len(order), batch):
        rows = [enc[i] for i in order[b:b + batch]]
        L = max(len(e.ids) for e in rows)
        ids = np.zeros((len(rows), L), np.int64); am = np.zeros((len(rows), L), np.int64)
        for r, e in enumerate(rows):
            ids[r, :len(e.ids)] = e.ids; am[r, :len(e.ids)] = 1
        s.run(OUT_NAMES, {"input_ids": ids, "attention_mask": am})
    return len(texts) / (time.time() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--base", action="store_true")
    ap.add_argument("--weights", default="final_short.pt", help="in runs/<name>/ (train2_short.py)")
    ap.add_argument("--out", default=str(W.MODEL_DIR / "model.onnx"))
    args = ap.parse_args()
    W.set_threads()
    run = W.RUNS / args.name
    run.mkdir(parents=True, exist_ok=True)
    report = {}
    model = Model2()
    if args.base:
        W.load_base_weights(model)
    else:
        model.load_state_dict(torch.load(run / args.weights, map_location="cpu"))
    wrapper = Export2(model).eval()
    ids, am = padded_batch(PROBE_TEXTS)
    with torch.no_grad():
        ref = [t.numpy() for t in wrapper(torch.from_numpy(ids), torch.from_numpy(am))]

    fp32 = run / "model2_fp32.onnx"
    dyn = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
           "probs": {0: "batch"}, "token_probs": {0: "batch", 1: "seq"}}
    torch.onnx.export(wrapper, (torch.from_numpy(ids[:2, :12]), torch.from_numpy(am[:2, :12])),
                      str(fp32), input_names=IN_NAMES, output_names=OUT_NAMES, dynamic_axes=dyn,
                      opset_version=17, do_constant_folding=True, dynamo=False)
    onnx.checker.check_model(str(fp32))
    out = session(fp32).run(OUT_NAMES, {"input_ids": ids, "attention_mask": am})
    d = compare(ref, out, am)
    report["fp32_vs_torch_max_abs_diff"] = {"probs": d[0], "token_probs": d[1]}
    assert max(d) < 1e-4, f"fp32 ONNX does not match torch: {d}"

    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions
    opts = FusionOptions("bert")
    opts.enable_attention = False  # keep Q/K/V as MatMuls: all of them get quantized
    fused = run / "model2_fused.onnx"
    opt = optimizer.optimize_model(str(fp32), model_type="bert", num_heads=12, hidden_size=384,
                                   optimization_options=opts, opt_level=1)
    opt.save_model_to_file(str(fused))
    fo = session(fused).run(OUT_NAMES, {"input_ids": ids, "attention_mask": am})
    fd = compare(out, fo, am)
    assert max(fd) < 1e-4 and io_names(fused) == (IN_NAMES, OUT_NAMES), fd
    ops = {}
    for n in opt.model.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    report["fusion"] = {"op_counts": ops, "max_abs_diff_vs_fp32": {"probs": fd[0], "token_probs": fd[1]}}

    from onnxruntime.quantization import QuantType, quantize_dynamic

    import quant_token
    per_token = run / "model2_per_token.onnx"
    rewrite = quant_token.rewrite(str(fused), str(per_token))
    final = run / "model2_int8.onnx"
    # Embedding tables: int8 Gather (a lookup dequantizes one row: no activation scale).
    quantize_dynamic(str(per_token), str(final), weight_type=QuantType.QInt8, op_types_to_quantize=["Gather"],
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    assert io_names(final) == (IN_NAMES, OUT_NAMES)
    qo = session(final).run(OUT_NAMES, {"input_ids": ids, "attention_mask": am})
    qd = compare(out, qo, am)
    qops = {}
    for n in onnx.load(str(final)).graph.node:
        qops[n.op_type] = qops.get(n.op_type, 0) + 1
    report["int8"] = {"op_counts": qops, "bytes": final.stat().st_size,
                      "max_abs_diff_vs_fp32_probe": {"probs": qd[0], "token_probs": qd[1]},
                      "per_token_rewrite": rewrite}
    texts = PROBE_TEXTS + ["you people are all the same", "Muslims are lovely neighbours",
                           "I will never forgive you", "fuck yes we won", "gay" * 3]
    report["int8"]["batch_independence_max_abs_diff"] = batch_independence(final, texts)
    olid = [r["text"] for r in W.read_jsonl(W.data_dir() / "train" / "olid.jsonl") if r.get("split") == "val"][:640]
    report["python_texts_per_s_batch32_2threads"] = {
        "fp32_fused": round(throughput(fused, olid), 1), "int8": round(throughput(final, olid), 1)}
    print(json.dumps(report, indent=1))
    assert report["int8"]["batch_independence_max_abs_diff"] < 1e-4, "scores depend on the batch"
    if not args.base:
        shutil.copyfile(final, args.out)
        shutil.copyfile(W.base_model_dir() / "tokenizer.json", W.MODEL_DIR / "tokenizer.json")
    json.dump(report, open(run / "export2.json", "w"), indent=1)


if __name__ == "__main__":
    main()
