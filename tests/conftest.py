"""Shared test helpers: seeded randomness, complex random tensors, tolerance-aware comparison with NumPy references."""
from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

# Test tensors are tiny: one thread avoids pool overhead that dominates on a shared 2-core machine.
torch.set_num_threads(1)

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
DTYPES = (torch.complex64, torch.complex128)


@pytest.fixture
def require_kernels():
    """Skip where the compiled kernels are not built, except under CI, where a missing build fails: the fast path
    must be the tested one. Test files of the kernels use it for every test (``pytest.mark.usefixtures``)."""
    from deepcomplex import _extension

    if not _extension.available():
        if os.environ.get("CI"):
            pytest.fail("compiled kernels are not built: run `python -m deepcomplex build-ext`")
        pytest.skip("compiled kernels are not built (python -m deepcomplex build-ext)")


def memory_layout(x: torch.Tensor, layout: str) -> torch.Tensor:
    """``x`` stored as "contiguous", "channels_last", "sliced" (not dense: every other column of a wider tensor) or
    "permuted" (dense but neither NCHW nor channels-last: (N, H, C, W) in memory)."""
    if layout == "channels_last":
        return x.contiguous(memory_format=torch.channels_last if x.dim() == 4 else torch.channels_last_3d)
    if layout == "sliced":
        wide = torch.cat([x, x], -1).contiguous()
        return wide[..., ::2].copy_(x)
    if layout == "permuted":
        return x.permute(0, 2, 1, 3).contiguous().permute(0, 2, 1, 3)
    return x.contiguous()


ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def load_benchmark(module: str):
    """Import ``benchmarks.<module>``: benchmarks/ lives beside the package, not in it, so the repository root goes on
    sys.path first."""
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    return importlib.import_module(f"benchmarks.{module}")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    np.random.seed(0)


@pytest.fixture(autouse=True)
def _trace_layers_under_compile(monkeypatch):
    """The torch.compile tests of each layer family check that its layers trace (real-view graphs, no compiled
    kernels): the path of ``deepcomplex.backends.trace_layers = True`` and of torch.export. By default the layers run
    eagerly behind a graph break instead, which tests/test_compile_boundary.py checks (it sets the flag back)."""
    import deepcomplex.backends

    monkeypatch.setattr(deepcomplex.backends, "trace_layers", True)


def crandn(*shape, dtype=torch.complex128, device="cpu", requires_grad=False) -> torch.Tensor:
    """Complex normal tensor with independent standard-normal real and imaginary parts."""
    real = torch.float64 if dtype == torch.complex128 else torch.float32
    t = torch.complex(torch.randn(*shape, dtype=real, device=device), torch.randn(*shape, dtype=real, device=device))
    return t.requires_grad_(requires_grad)


def to_numpy(t: torch.Tensor) -> np.ndarray:
    """Detached float64/complex128 NumPy copy of a tensor."""
    t = t.detach().cpu()
    return t.to(torch.complex128).numpy() if t.is_complex() else t.to(torch.float64).numpy()


def assert_matches(actual: torch.Tensor, expected: np.ndarray, dtype: torch.dtype | None = None) -> None:
    """complex128/float64: abs error <= 1e-10; complex64/float32: error <= 1e-5 relative to the reference's scale."""
    dtype = dtype or actual.dtype
    a, e = to_numpy(actual), np.asarray(expected)
    assert a.shape == e.shape, f"shape {a.shape} != reference {e.shape}"
    err = np.max(np.abs(a - e)) if a.size else 0.0
    if dtype in (torch.complex128, torch.float64):
        assert err <= 1e-10, f"max abs error {err:.3e} > 1e-10"
    else:
        scale = max(1.0, float(np.max(np.abs(e)))) if e.size else 1.0
        assert err <= 1e-5 * scale, f"max abs error {err:.3e} > 1e-5 * {scale:.3g}"


def write_band_idx(directory, sizes=(("train", 300), ("t10k", 100)), seed: int = 0):
    """Write an MNIST-format IDX dataset whose classes are learnable: class k lights up a k-dependent horizontal band."""
    from deepcomplex.data import write_idx

    rng = np.random.default_rng(seed)
    for part, n in sizes:
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, k in enumerate(labels):
            images[i, 2 * k + 4: 2 * k + 7, 4:24] = 255
        write_idx(directory / f"{part}-images-idx3-ubyte.gz", images)
        write_idx(directory / f"{part}-labels-idx1-ubyte", labels)
    return directory


def small_registry_model(name: str, batch: int = 3) -> tuple[torch.nn.Module, torch.Tensor]:
    """The registered model and an input for it, except that the DCN ResNets come at their smallest depth (1 block per
    stage, 4 filters) and the recurrent ones small: the same layer types, since tracing the full 69-block complex
    networks takes minutes."""
    from deepcomplex.models import create_model, example_input

    if name.startswith("dcn_resnet"):
        from deepcomplex.models.dcn import DCNResNet

        return DCNResNet(4, 1, in_channels=1, is_complex=not name.endswith("_real")), torch.rand(batch, 1, 28, 28)
    kwargs = {}
    if name.startswith("timit_"):
        kwargs = dict(n_freq=12, hidden_channels=2, kernel_size=3, num_layers=1)
    elif name.startswith("musicnet_"):
        kwargs = dict(window=1024)
    elif name in ("complex_vit_tiny", "complex_vit_tiny_real", "coshvit_tiny"):
        kwargs = dict(depth=1)  # one encoder layer: the same layer types, a quarter of the tracing
    elif name in ("complex_unet", "complex_unet_real"):
        # two levels, 4 wide; no batch norm: in training mode its backward couples every element of a channel, so a
        # CReLU kink crossed by float32 rounding (eager kernels vs the traced graph) moves every input gradient past
        # the compile test's tolerance; tests/test_models_unet.py compiles and exports the normalized models
        kwargs = dict(base_channels=4, depth=2, norm="none")
    return create_model(name, **kwargs), example_input(name, batch, **kwargs)
