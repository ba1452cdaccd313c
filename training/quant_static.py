"""Auxiliary (not part of make_model.sh): static int8 (QDQ) variants of the 2.0 graph.

2.0 ships weight-only MatMulNBits (deterministic: nothing depends on other rows of the
batch), which is fast in batches but slow for one short text (39 ms: the 8-bit kernel
dequantizes each weight matrix per call). Static quantization fixes the activation scales
at calibration time, so it is batch-independent too, and runs on MLAS's integer GEMMs.
This script measures, for a few settings, on validation texts the fp32 graph never
trained on: |int8 - fp32| of probs, decisions that flip at 0.5, batch independence,
batched throughput and single-text latency. Results: runs/<name>/quant_static.json.

Calibration reads TRAINING texts only (cache/train2.pkl); the comparison reads val.

Usage: python quant_static.py --name v2 [--only minmax_pc] [--calib 512]
"""
from __future__ import annotations

import argparse
import json
import pickle
import time

import numpy as np
import onnx
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quantize_dynamic, quantize_static)

import warden_common as W
from evaluate import run_batches, session
from export2 import batch_independence
from export import OUT_NAMES, PROBE_TEXTS


class Reader(CalibrationDataReader):
    def __init__(self, tok, texts, batch=16):
        enc = tok.encode_batch([W.preprocess(t) for t in texts])
        enc.sort(key=lambda e: len(e.ids))
        self.feeds = []
        for b in range(0, len(enc), batch):
            rows = enc[b:b + batch]
            L = max(len(e.ids) for e in rows)
            ids = np.zeros((len(rows), L), np.int64)
            am = np.zeros((len(rows), L), np.int64)
            for r, e in enumerate(rows):
                ids[r, :len(e.ids)] = e.ids
                am[r, :len(e.ids)] = 1
            self.feeds.append({"input_ids": ids, "attention_mask": am})
        self.it = iter(self.feeds)

    def get_next(self):
        return next(self.it, None)

    def rewind(self):
        self.it = iter(self.feeds)


def single_latency_ms(path, texts, threads=2):
    tok = W.load_tokenizer()
    s = session(path, threads)
    times = []
    for t in texts:
        e = tok.encode(W.preprocess(t))
        ids = np.array([e.ids], np.int64)
        am = np.ones_like(ids)
        t0 = time.perf_counter()
        s.run(OUT_NAMES, {"input_ids": ids, "attention_mask": am})
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times[5:]))


def throughput(path, tok, texts):
    s = session(path, 2)
    t0 = time.time()
    run_batches(s, tok, texts, batch=32)
    return len(texts) / (time.time() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", default="v2")
    ap.add_argument("--only", default="")
    ap.add_argument("--calib", type=int, default=512)
    args = ap.parse_args()
    W.set_threads(2)
    run = W.RUNS / args.name
    fused = run / "model2_fused.onnx"
    tok = W.load_tokenizer()
    rng = np.random.default_rng(0)
    train = pickle.load(open(W.CACHE / "train2.pkl", "rb"))["examples"]
    calib = [train[i]["text"] for i in rng.choice(len(train), args.calib, replace=False)]
    val = [e for e in pickle.load(open(W.CACHE / "dataset.pkl", "rb")) if e["split"] == "val"]
    texts = [val[i]["text"] for i in rng.choice(len(val), 800, replace=False)]
    ref_p, ref_t, _ = run_batches(session(run / "model2_fp32.onnx", 2), tok, texts, batch=32)
    # Symbolic shape inference first: without tensor types the quantizer skips the
    # activations of most MatMuls, and onnxruntime then turns their lone weight
    # DequantizeLinear into the slow 8-bit MatMulNBits again.
    from onnxruntime.tools.symbolic_shape_infer import SymbolicShapeInference
    prep = run / "model2_fused_shapes.onnx"
    onnx.save(SymbolicShapeInference.infer_shapes(onnx.load(str(fused)), auto_merge=True), str(prep))
    m = onnx.load(str(prep))
    heads = [n.name for n in m.graph.node if n.op_type in ("Gemm", "MatMul") and "head" in n.name]
    common = {"MatMulConstBOnly": True}
    variants = {
        "minmax_pc": dict(calibrate_method=CalibrationMethod.MinMax, per_channel=True, extra=common),
        "minmax_pc_rr": dict(calibrate_method=CalibrationMethod.MinMax, per_channel=True, reduce_range=True,
                             extra=common),
        "pct_pc": dict(calibrate_method=CalibrationMethod.Percentile, per_channel=True,
                       extra={**common, "CalibPercentile": 99.999}),
        "minmax_pc_heads_fp32": dict(calibrate_method=CalibrationMethod.MinMax, per_channel=True, extra=common,
                                     nodes_to_exclude=heads),
    }
    if args.only:
        variants = {k: v for k, v in variants.items() if k in args.only.split(",")}
    res = {"calibration_texts": args.calib, "val_texts": len(texts)}
    def measure(out, t0):
        p, t, _ = run_batches(session(out, 2), tok, texts, batch=32)
        dp = np.abs(p - ref_p)
        dt = np.concatenate([np.abs(a - b) for a, b in zip(t, ref_t)])
        flips = ((p >= 0.5) != (ref_p >= 0.5)).sum(axis=0).tolist()
        return {"seconds_to_build": round(time.time() - t0, 1), "bytes": out.stat().st_size,
                "probs_mean_abs": float(dp.mean()), "probs_max_abs": float(dp.max()),
                "probs_p99_abs": float(np.quantile(dp, 0.99)),
                "token_mean_abs": float(dt.mean()), "token_max_abs": float(dt.max()),
                "flips_at_0.5_per_category": flips,
                "batch_independence": batch_independence(out, PROBE_TEXTS + texts[:20]),
                "texts_per_s_batch32": round(throughput(out, tok, texts), 1),
                "single_text_ms_p50": round(single_latency_ms(out, texts[:60]), 2)}

    def gather_int8(src, out):
        quantize_dynamic(str(src), str(out), weight_type=QuantType.QInt8, op_types_to_quantize=["Gather"],
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})

    if not args.only or "per_token" in args.only:
        import quant_token
        t0 = time.time()
        tmp = run / "qt_per_token_nogather.onnx"
        out = run / "qt_per_token.onnx"
        info = quant_token.rewrite(str(fused), str(tmp))
        gather_int8(tmp, out)
        res["per_token"] = {**info, **measure(out, t0)}
        print("per_token", json.dumps(res["per_token"]), flush=True)
    for name, kw in variants.items():
        out = run / f"qs_{name}.onnx"
        tmp = run / f"qs_{name}_nogather.onnx"
        t0 = time.time()
        quantize_static(str(prep), str(tmp), Reader(tok, calib), quant_format=QuantFormat.QDQ,
                        op_types_to_quantize=["MatMul"], activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, per_channel=kw.get("per_channel", False),
                        reduce_range=kw.get("reduce_range", False), calibrate_method=kw["calibrate_method"],
                        nodes_to_exclude=kw.get("nodes_to_exclude", []), extra_options=kw["extra"])
        gather_int8(tmp, out)
        res[name] = measure(out, t0)
        print(name, json.dumps(res[name]), flush=True)
    for ref_name, path in [("nbits_shipped", run / "model2_int8.onnx"), ("fp32_fused", fused)]:
        res[ref_name] = {"texts_per_s_batch32": round(throughput(path, tok, texts), 1),
                         "single_text_ms_p50": round(single_latency_ms(path, texts[:60]), 2)}
        print(ref_name, res[ref_name], flush=True)
    json.dump(res, open(run / "quant_static.json", "w"), indent=1)


if __name__ == "__main__":
    main()
