"""The export group of benchmarks/bench_layers.py: CoShNet inference in onnxruntime, from the ONNX file that
``deepcomplex.export.to_onnx`` writes, against the same model in torch eager (eval mode, no gradients), one row per
model. ``ours`` is onnxruntime and ``native`` torch eager, so native/ours > 1 means the exported model runs faster.
onnxruntime gets as many intra-op threads as torch and does not spin-wait between calls (its idle threads would
otherwise take the CPU from the eager contender that runs next)."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from benchmarks.harness import InferenceContender

MODELS = ("coshnet_tiny", "coshnet_base")


def export_group(batch: int, models: tuple[str, ...] = MODELS) -> tuple[list[dict], dict[str, InferenceContender]]:
    """(rows, contenders): each model exported at batch 2 (dynamic batch), then run on ``batch`` images both ways."""
    try:
        import onnxruntime as ort
    except ImportError:
        print("  export: skipped (onnxruntime is not installed: pip install -e .[test])", file=sys.stderr)
        return [], {}
    from deepcomplex.export import to_onnx
    from deepcomplex.models import create_model, example_input

    threads = torch.get_num_threads()
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    contenders, rows = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        for name in models:
            torch.manual_seed(0)
            model = create_model(name).eval()
            x = example_input(name, batch)
            path = to_onnx(model, x[:2], Path(tmp) / f"{name}.onnx")
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            feed = {"input_0": x.numpy()}

            def eager(model=model, x=x):
                with torch.inference_mode():
                    return model(x)

            got, want = session.run(None, feed)[0], eager().numpy()
            if not np.allclose(got, want, rtol=1e-4, atol=1e-5 * max(1.0, float(np.abs(want).max()))):
                raise RuntimeError(f"{name}: onnxruntime and eager disagree (max abs error "
                                   f"{np.abs(got - want).max():.3e})")
            contenders[f"{name}-onnx"] = InferenceContender(lambda s=session, f=feed: s.run(None, f))
            contenders[f"{name}-eager"] = InferenceContender(eager)
            rows.append({"layer": f"{name} inference", "variant": "onnxruntime",
                         "shape": f"N={batch} {'x'.join(map(str, x.shape[1:]))}", "ours": f"{name}-onnx",
                         "native": f"{name}-eager", "real": None})
    return rows, contenders
