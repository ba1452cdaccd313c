"""Step 4: export the full model (frozen bottom + fine-tuned top + heads) to ONNX.

  1. fp32 ONNX via the TorchScript exporter (opset 17, dynamic batch/seq), verified
     against torch on padded batches: max |diff| must be < 1e-4 on real positions.
  2. onnxruntime BERT graph fusion (model_type bert, 12 heads, hidden 384), verified
     against the fp32 graph; skipped (with a message) if it fails or drifts.
  3. Dynamic int8 quantization (QInt8 weights, per-channel scales) -> models/warden-minilm/model.onnx,
     checked to keep the input/output names.
Intermediate graphs go to training/runs/<name>/ (git-ignored).

Usage: python export.py --name final
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

import warden_common as W

IN_NAMES = ["input_ids", "attention_mask"]
OUT_NAMES = ["probs", "token_probs"]

PROBE_TEXTS = [
    "ok", "You are a complete idiot and everyone knows it",
    "@user I love this! &amp; thanks for sharing URL",
    "Immigrants make our country stronger", "I will find you and hurt you",
    "Schöne Grüße aus München 🙂 日本語のテキスト", "what the f*** is wrong with u",
    "This is a long comment that goes on and on " * 20,
]


def session(path, threads=2):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def padded_batch(texts):
    tok = W.load_tokenizer()
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    enc = tok.encode_batch([W.preprocess(t) for t in texts])
    ids = np.array([e.ids for e in enc], np.int64)
    am = np.array([e.attention_mask for e in enc], np.int64)
    return ids, am


def compare(a, b, am):
    """Max abs diff of (probs, token_probs at real positions)."""
    return (float(np.abs(a[0] - b[0]).max()),
            float(np.abs(a[1] - b[1])[am.astype(bool)].max()))


def io_names(path):
    m = onnx.load(str(path), load_external_data=False)
    return [i.name for i in m.graph.input], [o.name for o in m.graph.output]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--no-fusion", action="store_true")
    args = ap.parse_args()
    W.set_threads()
    run = W.RUNS / args.name
    W.MODEL_DIR.mkdir(parents=True, exist_ok=True)
    report = {}

    model = W.WardenModel()
    model.load_state_dict(torch.load(run / "best.pt", map_location="cpu"))
    wrapper = W.ExportWrapper(model).eval()

    ids, am = padded_batch(PROBE_TEXTS)
    with torch.no_grad():
        ref = [t.numpy() for t in wrapper(torch.from_numpy(ids), torch.from_numpy(am))]

    # 1. fp32 export -------------------------------------------------------------
    fp32 = run / "model_fp32.onnx"
    t0 = time.time()
    dyn = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
           "probs": {0: "batch"}, "token_probs": {0: "batch", 1: "seq"}}
    torch.onnx.export(wrapper, (torch.from_numpy(ids[:2, :12]), torch.from_numpy(am[:2, :12])),
                      str(fp32), input_names=IN_NAMES, output_names=OUT_NAMES,
                      dynamic_axes=dyn, opset_version=17, do_constant_folding=True,
                      dynamo=False)
    onnx.checker.check_model(str(fp32))
    out = session(fp32).run(OUT_NAMES, {"input_ids": ids, "attention_mask": am})
    d = compare(ref, out, am)
    report["fp32_vs_torch_max_abs_diff"] = {"probs": d[0], "token_probs": d[1]}
    print(f"fp32 export {time.time() - t0:.1f}s, max |onnx - torch| probs {d[0]:.2e} tokens {d[1]:.2e}")
    assert max(d) < 1e-4, "fp32 ONNX does not match torch"
    # Batch-of-1 must agree with the padded batch (no padding leakage).
    for i, t in enumerate(PROBE_TEXTS):
        n = int(am[i].sum())
        o1 = session(fp32).run(OUT_NAMES, {"input_ids": ids[i:i + 1, :n], "attention_mask": am[i:i + 1, :n]})
        assert np.abs(o1[0] - out[0][i]).max() < 1e-4 and np.abs(o1[1][0] - out[1][i, :n]).max() < 1e-4

    # 2. BERT fusion ---------------------------------------------------------------
    src = fp32
    report["fusion"] = "skipped (--no-fusion)"
    if not args.no_fusion:
        try:
            from onnxruntime.transformers import optimizer
            fused_path = run / "model_fused.onnx"
            opt = optimizer.optimize_model(str(fp32), model_type="bert", num_heads=12,
                                           hidden_size=384, opt_level=1)
            opt.save_model_to_file(str(fused_path))
            ops = {}
            for n in opt.model.graph.node:
                ops[n.op_type] = ops.get(n.op_type, 0) + 1
            fo = session(fused_path).run(OUT_NAMES, {"input_ids": ids, "attention_mask": am})
            fd = compare(out, fo, am)
            names_ok = io_names(fused_path) == (IN_NAMES, OUT_NAMES)
            print("fused op counts", ops, "max |fused - fp32|", fd, "names ok", names_ok)
            if max(fd) < 1e-4 and names_ok:
                src = fused_path
                report["fusion"] = {"applied": True, "op_counts": ops,
                                    "max_abs_diff_vs_fp32": {"probs": fd[0], "token_probs": fd[1]}}
            else:
                report["fusion"] = {"applied": False, "reason": f"diff {fd} names_ok {names_ok}"}
        except Exception as ex:  # fusion is an optimisation only
            report["fusion"] = {"applied": False, "reason": repr(ex)}
            print("fusion failed, continuing without:", repr(ex))

    # 3. Dynamic int8 quantization --------------------------------------------------
    from onnxruntime.quantization import QuantType, quantize_dynamic
    final = W.MODEL_DIR / "model.onnx"
    t0 = time.time()
    # Shape inference cannot type the outputs of com.microsoft fused ops; they are fp32.
    # per_channel: one weight scale per output column halves the int8-vs-fp32 error
    # versus per-tensor scales at the same size (quant_variants.py, runs/quant_variants.json).
    quantize_dynamic(str(src), str(final), weight_type=QuantType.QInt8, per_channel=True,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    assert io_names(final) == (IN_NAMES, OUT_NAMES), io_names(final)
    q = session(final).run(OUT_NAMES, {"input_ids": ids, "attention_mask": am})
    qd = compare(out, q, am)
    report["int8_vs_fp32_max_abs_diff_probe"] = {"probs": qd[0], "token_probs": qd[1]}
    report["int8_bytes"] = final.stat().st_size
    report["fp32_bytes"] = fp32.stat().st_size
    print(f"int8 {final.stat().st_size / 1e6:.1f} MB ({time.time() - t0:.1f}s), "
          f"max |int8 - fp32| probs {qd[0]:.3f} tokens {qd[1]:.3f}")

    shutil.copyfile(W.base_model_dir() / "tokenizer.json", W.MODEL_DIR / "tokenizer.json")
    json.dump(report, open(run / "export.json", "w"), indent=1)


if __name__ == "__main__":
    main()
