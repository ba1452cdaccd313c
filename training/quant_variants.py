"""Auxiliary (not part of make_model.sh): compare dynamic-quantization settings.

For each variant, quantize runs/<name>/model_fused.onnx and measure, on 600 validation
texts run one at a time (no padding effects), the mean/max |int8 - fp32| of probs and
token_probs. Used once to choose export.py's settings; results in runs/quant_variants.json.

Usage: python quant_variants.py --name exp1
"""
import argparse, json, pickle, time
import numpy as np, onnx
from onnxruntime.quantization import QuantType, quantize_dynamic
import warden_common as W
from evaluate import run_batches, session

ap = argparse.ArgumentParser(); ap.add_argument("--name", required=True); ap.add_argument("--only", default="")
args = ap.parse_args()
run = W.RUNS / args.name
data = pickle.load(open(W.CACHE / "dataset.pkl", "rb"))
rng = np.random.default_rng(0)
val = [e for e in data if e["split"] == "val"]
texts = [val[i]["text"] for i in rng.choice(len(val), 600, replace=False)]
tok = W.load_tokenizer(W.base_model_dir() / "tokenizer.json")
ref_p, ref_t, _ = run_batches(session(run / "model_fp32.onnx", 1), tok, texts, batch=1)
m = onnx.load(str(run / "model_fused.onnx"))
head_nodes = [n.name for n in m.graph.node if n.op_type in ("Gemm", "MatMul") and "heads" in n.name]
print("head nodes", head_nodes)
variants = {
    "default": {},
    "per_channel": {"per_channel": True},
    "per_channel_reduce_range": {"per_channel": True, "reduce_range": True},
    "default_heads_fp32": {"nodes_to_exclude": head_nodes},
    "per_channel_heads_fp32": {"per_channel": True, "nodes_to_exclude": head_nodes},
    "per_channel_gather_fp32": {"per_channel": True, "op_types_to_quantize": ["MatMul", "Attention"]},
    "per_channel_attention_fp32": {"per_channel": True, "op_types_to_quantize": ["MatMul", "Gather"]},
}
if args.only:
    variants = {k: variants[k] for k in args.only.split(",")}
res = {}
for name, kw in variants.items():
    out = run / f"q_{name}.onnx"
    quantize_dynamic(str(run / "model_fused.onnx"), str(out), weight_type=QuantType.QInt8,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT}, **kw)
    t0 = time.time()
    p, t, _ = run_batches(session(out, 1), tok, texts, batch=1)
    dt = np.concatenate([a - b for a, b in zip(t, ref_t)])
    res[name] = {"mb": round(out.stat().st_size / 1e6, 2), "probs_mean": float(np.abs(p - ref_p).mean()),
                 "probs_max": float(np.abs(p - ref_p).max()), "tok_mean": float(np.abs(dt).mean()),
                 "tok_max": float(np.abs(dt).max()), "s": round(time.time() - t0, 1)}
    print(name, res[name], flush=True)
json.dump(res, open(W.RUNS / "quant_variants.json", "w"), indent=1)
