"""Layers with compiled CPU kernels take their PyTorch path for tensors off the CPU (CUDA on a GPU machine).

The kernels have no implementation but the CPU's, so a kernel called with a tensor on another device raises. The meta
device stands in for CUDA here: a forward and backward of every kernel-backed layer on meta tensors must run, with the
shapes the CPU gives, which only the PyTorch path can do. (tests marked for CUDA run the same layers on a GPU when
one is present.)
"""
from __future__ import annotations

import pytest
import torch

import deepcomplex.functional as CF
import deepcomplex.nn as cnn

META = torch.device("meta")


def _leaf(*shape, dtype=torch.complex64, device=META):
    return torch.empty(*shape, dtype=dtype, device=device).requires_grad_()


CASES = {
    "layer norm": lambda x, d: CF.complex_layer_norm(x, 6, _leaf(6, 3, dtype=torch.float32, device=d), _leaf(6, device=d)),
    "group norm": lambda x, d: CF.complex_group_norm(x, 2, _leaf(4, 3, dtype=torch.float32, device=d), _leaf(4, device=d)),
    "instance norm (U-Net)": lambda x, d: cnn.ComplexGroupNorm(4, 4, device=d)(x),
    "batch norm": lambda x, d: cnn.ComplexBatchNorm2d(4, device=d)(x),
    "naive batch norm": lambda x, d: cnn.NaiveComplexBatchNorm2d(4, device=d)(x),
    "zReLU": lambda x, d: CF.zrelu(x),
    "modReLU": lambda x, d: CF.modrelu(x, _leaf(4, dtype=torch.float32, device=d)),
    "avg pool 2x2": lambda x, d: CF.avg_pool2d(x, 2),
    "avg pool 3, stride 1": lambda x, d: CF.avg_pool2d(x, 3, 1),
    "conv2d": lambda x, d: cnn.ComplexConv2d(4, 8, 3, device=d)(x),
    "linear": lambda x, d: cnn.ComplexLinear(6, 5, device=d)(x),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_kernel_backed_layers_fall_back_off_the_cpu(name):
    fn = CASES[name]
    cpu = fn(torch.randn(2, 4, 6, 6, dtype=torch.complex64), torch.device("cpu"))
    x = _leaf(2, 4, 6, 6)
    y = fn(x, META)
    assert y.device == META and y.shape == cpu.shape and y.dtype == cpu.dtype
    y.backward(torch.empty_like(y))
    assert x.grad is not None and x.grad.shape == x.shape and x.grad.device == META
