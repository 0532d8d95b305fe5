"""Export through real-layout internals: a model's exported graph re-run with every complex tensor held as a real
(..., 2) tensor [Re, Im], so that formats without a complex type (ONNX) can take any deepcomplex model.

``real_layout(model, example_inputs)`` captures the model with ``torch.export`` (core ATen ops), then returns a module
that interprets that graph with complex values lowered to real arithmetic (complex products, matrix products, FFTs as
DFT matrix products, shape ops on the leading dimensions). ``to_onnx`` exports that module with torch's ONNX exporter.
Complex inputs and outputs of the model become real (..., 2) tensors; real ones stay as they are.
"""
from . import _lowering_resampling  # noqa: F401  (adds the pooling lowerings to the table)
from ._lowering import UnsupportedComplexOp
from .program import RealLayoutProgram, real_inputs, real_layout, to_onnx

__all__ = ["real_layout", "to_onnx", "RealLayoutProgram", "UnsupportedComplexOp"]
