"""Python onnxruntime's outputs for the parity test (tests/model.rs), on this machine.

Reads JSON lines {"input_ids": [...]} on stdin and writes one JSON line per input:
{"probs": [...], "token_probs": [...]}, running models/warden-minilm/model.onnx on each
text alone (a batch of one, no padding), as training/make_parity.py did for the fixtures.

Why at test time: ONNX Runtime picks its float kernels by CPU (AVX2, AVX-512, ...); their
last bits differ, and where a value lies next to a rounding step of the per-token int8
quantization one integer moves, so outputs made on one kind of machine differ from another's
by up to ~0.015. Parity means Rust and Python agree on the same machine, so the reference is
computed where the test runs. `make setup` installs what this needs: the onnxruntime wheel
Rust loads its library from, and numpy (both into .tools/).
"""

import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

MODEL = Path(__file__).resolve().parent.parent / "models" / "warden-minilm" / "model.onnx"


def main():
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(str(MODEL), options, providers=["CPUExecutionProvider"])
    for line in sys.stdin:
        ids = np.array([json.loads(line)["input_ids"]], np.int64)
        probs, token_probs = session.run(
            ["probs", "token_probs"], {"input_ids": ids, "attention_mask": np.ones_like(ids)})
        print(json.dumps({"probs": probs[0].tolist(), "token_probs": token_probs[0].tolist()}))


if __name__ == "__main__":
    main()
