"""Complex resampling (interpolate / ComplexUpsample, split and polar; pixel (un)shuffle) against float64 NumPy
references built from torch's documented source-coordinate rules, Keys' cubic kernel and Itoh's path unwrapping."""
from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from torch.autograd import gradcheck

import deepcomplex.functional as CF
from deepcomplex.nn import ComplexPixelShuffle, ComplexPixelUnshuffle, ComplexUpsample
from conftest import DTYPES, assert_matches, crandn, to_numpy

# ----------------------------------------------------------------------------------------------------------------
# NumPy references
# ----------------------------------------------------------------------------------------------------------------

A = -0.75  # torch's bicubic: Keys' cubic convolution kernel with a = -0.75


def _keys(x):
    x = abs(x)
    if x <= 1:
        return ((A + 2) * x - (A + 3)) * x * x + 1
    if x < 2:
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
    return 0.0


def interp_matrix(n_in, n_out, mode, align_corners, sf=None):
    """(n_out, n_in) weights of one axis; ``sf`` the scale factor torch uses for the coordinates (None: from sizes)."""
    m = np.zeros((n_out, n_in))
    if mode in ("nearest", "nearest-exact"):
        scale = np.float32(1.0 / sf) if sf else np.float32(n_in) / np.float32(n_out)
        for d in range(n_out):
            if mode == "nearest":
                src = d if n_out == n_in else (d >> 1 if n_out == 2 * n_in else int(np.floor(np.float32(d) * scale)))
            else:
                src = int(np.floor((d + 0.5) * np.float64(scale)))
            m[d, min(src, n_in - 1)] = 1.0
        return m
    if mode == "area":
        for d in range(n_out):
            s, e = (d * n_in) // n_out, -(-((d + 1) * n_in) // n_out)
            m[d, s:e] = 1.0 / (e - s)
        return m
    cubic = mode == "bicubic"
    if align_corners:
        scale = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    else:
        scale = 1.0 / sf if sf else n_in / n_out
    for d in range(n_out):
        src = scale * d if align_corners else scale * (d + 0.5) - 0.5
        if not cubic:
            src = max(src, 0.0)
            i0 = int(np.floor(src))
            i1 = min(i0 + 1, n_in - 1)
            lam = src - i0
            m[d, i0] += 1 - lam
            m[d, i1] += lam
        else:
            i0 = int(np.floor(src))
            t = src - i0
            for k, x in zip(range(-1, 3), (t + 1, t, 1 - t, 2 - t)):
                m[d, min(max(i0 + k, 0), n_in - 1)] += _keys(x)
    return m


def np_interpolate(x, out_size, mode, align_corners=False, sf=None):
    """Separable interpolation of the last len(out_size) axes of x (complex or real) by the per-axis matrices."""
    nd = len(out_size)
    y = x
    for i, n_out in enumerate(out_size):
        axis = x.ndim - nd + i
        f = sf[i] if isinstance(sf, (tuple, list)) else sf
        m = interp_matrix(x.shape[axis], n_out, mode, align_corners, f)
        y = np.moveaxis(np.tensordot(m, np.moveaxis(y, axis, 0), axes=(1, 0)), 0, axis)
    return y


def _wrap(d):
    return d - 2 * np.pi * np.round(d / (2 * np.pi))


def np_itoh_unwrap(p, nd):
    """Itoh's path over the last nd axes by explicit loops: each sample from its predecessor on the path (the last
    axis with a non-zero index, decremented), adding the wrapped difference."""
    u = np.empty_like(p)
    spatial = p.shape[-nd:]
    for lead in np.ndindex(*p.shape[:-nd]):
        for idx in np.ndindex(*spatial):
            nz = [j for j, i in enumerate(idx) if i > 0]
            if not nz:
                u[lead + idx] = p[lead + idx]
                continue
            prev = list(idx)
            prev[nz[-1]] -= 1
            prev = lead + tuple(prev)
            u[lead + idx] = u[prev] + _wrap(p[lead + idx] - p[prev])
    return u


def np_polar_interpolate(x, out_size, mode, align_corners=False, sf=None):
    nd = len(out_size)
    r = np_interpolate(np.abs(x), out_size, mode, align_corners, sf)
    phi = np_interpolate(np_itoh_unwrap(np.angle(x), nd), out_size, mode, align_corners, sf)
    return r * np.exp(1j * phi)


# ----------------------------------------------------------------------------------------------------------------
# interpolate / ComplexUpsample
# ----------------------------------------------------------------------------------------------------------------

CASES = [  # (input spatial shape, kwargs, torch's coordinate scale factor or None)
    ((7,), dict(size=12, mode="linear"), None),
    ((7,), dict(scale_factor=2, mode="linear", align_corners=True), None),
    ((5,), dict(scale_factor=1.7, mode="linear"), 1.7),
    ((5,), dict(scale_factor=1.7, mode="linear", recompute_scale_factor=True), None),
    ((6,), dict(size=4, mode="linear"), None),  # downsampling
    ((5,), dict(scale_factor=3, mode="nearest"), 3),
    ((4, 5), dict(size=(7, 10), mode="nearest"), None),
    ((4, 5), dict(scale_factor=2, mode="nearest"), 2),
    ((4, 5), dict(size=(7, 9), mode="nearest-exact"), None),
    ((4, 5), dict(scale_factor=2, mode="bilinear"), 2),
    ((4, 5), dict(size=(9, 6), mode="bilinear", align_corners=True), None),
    ((4, 5), dict(scale_factor=(1.5, 2.5), mode="bilinear"), (1.5, 2.5)),
    ((4, 5), dict(scale_factor=2, mode="bicubic"), 2),
    ((5, 4), dict(size=(8, 11), mode="bicubic", align_corners=True), None),
    ((6, 7), dict(size=(3, 4), mode="area"), None),
    ((3, 4, 2), dict(scale_factor=2, mode="trilinear"), 2),
    ((3, 4, 2), dict(size=(5, 6, 4), mode="trilinear", align_corners=True), None),
    ((2, 3, 2), dict(scale_factor=2, mode="nearest"), 2),
]


def _out_size(spatial, kw):
    if "size" in kw:
        s = kw["size"]
        return tuple(s) if isinstance(s, tuple) else (s,) * len(spatial)
    f = kw["scale_factor"]
    f = f if isinstance(f, tuple) else (f,) * len(spatial)
    return tuple(int(np.floor(n * g)) for n, g in zip(spatial, f))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("spatial,kw,sf", CASES, ids=str)
def test_interpolate_matches_float64_reference(dtype, spatial, kw, sf):
    x = crandn(2, 3, *spatial, dtype=dtype)
    out_size = _out_size(spatial, kw)
    expected = np_interpolate(to_numpy(x), out_size, kw["mode"], kw.get("align_corners", False), sf)
    out = CF.interpolate(x, **kw)
    assert out.dtype == dtype and out.shape == (2, 3, *out_size)
    assert_matches(out, expected)
    assert_matches(ComplexUpsample(**kw)(x), expected)
    # and torch's own real interpolation of each part, to rounding
    want = torch.complex(TF.interpolate(x.real, **kw), TF.interpolate(x.imag, **kw))
    assert_matches(out, to_numpy(want))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("spatial,kw,sf", [c for c in CASES if c[1]["mode"] != "area"], ids=str)
def test_polar_interpolate_matches_float64_reference(dtype, spatial, kw, sf):
    x = crandn(2, 3, *spatial, dtype=dtype)
    out_size = _out_size(spatial, kw)
    expected = np_polar_interpolate(to_numpy(x), out_size, kw["mode"], kw.get("align_corners", False), sf)
    out = CF.interpolate(x, polar=True, **kw)
    assert out.dtype == dtype
    if dtype == torch.complex64:  # angle and cos/sin of float32: relative 1e-5 of the phase range (a few radians)
        np.testing.assert_allclose(to_numpy(out), expected, atol=2e-5 * max(1.0, np.abs(expected).max()))
    else:
        assert_matches(out, expected)
    assert_matches(ComplexUpsample(polar=True, **kw)(x), to_numpy(out))


def test_polar_follows_a_phase_ramp_across_the_branch_cut():
    """z = exp(i (a w + b h)) with steps under pi wraps past +-pi many times; bilinear polar upsampling with aligned
    corners lands exactly on the ramp at the half-steps, where Re/Im interpolation shrinks the modulus."""
    a, b = 2.5, -1.9
    h, w = np.meshgrid(np.arange(5), np.arange(6), indexing="ij")
    x = torch.from_numpy(1.5 * np.exp(1j * (a * w + b * h)))[None, None]
    out = CF.interpolate(x, size=(9, 11), mode="bilinear", align_corners=True, polar=True)
    h2, w2 = np.meshgrid(np.arange(9) / 2, np.arange(11) / 2, indexing="ij")
    assert_matches(out, 1.5 * np.exp(1j * (a * w2 + b * h2))[None, None])
    split = CF.interpolate(x, size=(9, 11), mode="bilinear", align_corners=True)
    assert split.abs().min() < 0.5  # the chord between distant phases: split interpolation loses the modulus


@pytest.mark.parametrize("dtype", DTYPES)
def test_nearest_polar_equals_split_and_antialias_matches_torch(dtype):
    x = crandn(2, 3, 4, 5, dtype=dtype)
    assert torch.equal(CF.interpolate(x, scale_factor=3, polar=True), CF.interpolate(x, scale_factor=3))
    kw = dict(size=(3, 2), mode="bicubic", antialias=True)
    want = torch.complex(TF.interpolate(x.real, **kw), TF.interpolate(x.imag, **kw))
    assert_matches(CF.interpolate(x, **kw), to_numpy(want))


def test_interpolate_on_channels_last_and_strided_input():
    x = crandn(2, 3, 6, 5)
    expected = np_interpolate(to_numpy(x), (9, 7), "bilinear")
    assert_matches(CF.interpolate(x.contiguous(memory_format=torch.channels_last), size=(9, 7), mode="bilinear"),
                   expected)
    xt = x.transpose(-1, -2)
    assert_matches(CF.interpolate(xt, scale_factor=2, mode="bicubic"),
                   np_interpolate(to_numpy(xt), (10, 12), "bicubic", sf=2))


def test_gradcheck_interpolate():
    x1 = crandn(1, 2, 4, requires_grad=True)
    assert gradcheck(lambda t: CF.interpolate(t, size=7, mode="linear"), (x1,))
    assert gradcheck(lambda t: CF.interpolate(t, scale_factor=2, mode="linear", polar=True, align_corners=True), (x1,))
    x2 = crandn(2, 2, 3, 4, requires_grad=True)
    assert gradcheck(ComplexUpsample(scale_factor=2, mode="bilinear"), (x2,))
    assert gradcheck(lambda t: CF.interpolate(t, size=(5, 6), mode="bicubic", align_corners=True), (x2,))
    assert gradcheck(ComplexUpsample(size=(5, 7), mode="bicubic", polar=True), (x2,))
    assert gradcheck(lambda t: CF.interpolate(t, scale_factor=2), (x2,))
    x3 = crandn(1, 1, 2, 3, 2, requires_grad=True)
    assert gradcheck(ComplexUpsample(scale_factor=2, mode="trilinear", polar=True), (x3,))


@pytest.mark.parametrize("kw,match", [
    (dict(scale_factor=2, mode="bilinear"), r"^ComplexUpsample expects a 4D input \(N, C, \*spatial\) for mode "
                                            r"'bilinear', got 3D"),
    (dict(scale_factor=2, size=4), r"^ComplexUpsample expects exactly one of size and scale_factor"),
    (dict(), r"^ComplexUpsample expects exactly one of size and scale_factor"),
    (dict(scale_factor=2, mode="cubic"), r"^ComplexUpsample: mode must be one of"),
    (dict(scale_factor=2, align_corners=True), r"^ComplexUpsample: align_corners only applies"),
    (dict(size=(4, 4), mode="linear"), r"^ComplexUpsample: size must have 1 entries"),
    (dict(scale_factor=-1.0, mode="linear"), r"^ComplexUpsample: scale_factor must be positive"),
])
def test_upsample_bad_arguments_name_the_layer(kw, match):
    with pytest.raises(ValueError, match=match):
        ComplexUpsample(**kw)(crandn(1, 2, 4))


def test_upsample_bad_input_names_the_layer():
    with pytest.raises(TypeError, match=r"^ComplexUpsample expects a complex tensor, got torch.float32"):
        ComplexUpsample(scale_factor=2)(torch.randn(1, 2, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z32 = torch.zeros(1, 2, 4, dtype=torch.complex32)
    with pytest.raises(TypeError, match="ComplexUpsample supports torch.complex64 and torch.complex128"):
        ComplexUpsample(scale_factor=2)(z32)
    with pytest.raises(ValueError, match=r"^ComplexUpsample expects non-empty channel and spatial"):
        ComplexUpsample(scale_factor=2, mode="bilinear")(torch.zeros(1, 2, 0, 4, dtype=torch.cfloat))
    with pytest.raises(ValueError, match=r"^interpolate expects a 3D or 4D or 5D input"):
        CF.interpolate(torch.zeros(2, 4, dtype=torch.cfloat), scale_factor=2)
    with pytest.raises(TypeError, match=r"^interpolate expects a complex tensor"):
        CF.interpolate(torch.zeros(1, 2, 4), scale_factor=2)


def test_resampling_modules_state_train_eval_and_repr():
    x = crandn(2, 3, 4, 4)
    for m in (ComplexUpsample(scale_factor=2, mode="bicubic", polar=True), ComplexPixelShuffle(2),
              ComplexPixelUnshuffle(2)):
        assert len(m.state_dict()) == 0 and not list(m.parameters())
        m.load_state_dict(m.state_dict())
        xin = x.repeat(1, 4, 1, 1) if isinstance(m, ComplexPixelShuffle) else x
        y_train = m.train()(xin)
        assert torch.equal(m.eval()(xin), y_train)
    assert "polar=True" in repr(ComplexUpsample(scale_factor=2, polar=True))
    assert "upscale_factor=3" in repr(ComplexPixelShuffle(3))
    assert ComplexUpsample(scale_factor=2).scale_factor == 2.0  # as torch.nn.Upsample: a float


# ----------------------------------------------------------------------------------------------------------------
# Pixel shuffle
# ----------------------------------------------------------------------------------------------------------------

def np_pixel_shuffle(x, r):
    *lead, c, h, w = x.shape
    y = np.zeros((*lead, c // (r * r), h * r, w * r), dtype=x.dtype)
    for ci in range(c // (r * r)):
        for i in range(r):
            for j in range(r):
                y[..., ci, i::r, j::r] = x[..., ci * r * r + i * r + j, :, :]
    return y


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,r", [((2, 12, 3, 4), 2), ((18, 2, 3), 3), ((2, 3, 4, 2, 2), 2), ((1, 5, 2, 2), 1)],
                         ids=str)
def test_pixel_shuffle_matches_reference_and_inverts(dtype, shape, r):
    x = crandn(*shape, dtype=dtype)
    expected = np_pixel_shuffle(to_numpy(x), r)
    out = CF.pixel_shuffle(x, r)
    assert out.dtype == dtype
    assert_matches(out, expected)
    assert_matches(ComplexPixelShuffle(r)(x), expected)
    assert torch.equal(CF.pixel_unshuffle(out, r), x)
    assert torch.equal(ComplexPixelUnshuffle(r)(out), x)


def test_gradcheck_pixel_shuffle():
    x = crandn(2, 8, 2, 3, requires_grad=True)
    assert gradcheck(ComplexPixelShuffle(2), (x,))
    y = crandn(1, 2, 4, 6, requires_grad=True)
    assert gradcheck(lambda t: CF.pixel_unshuffle(t, 2), (y,))


def test_pixel_shuffle_bad_input_names_the_layer():
    with pytest.raises(ValueError, match=r"^ComplexPixelShuffle expects a channel count divisible by "
                                         r"upscale_factor \*\* 2 = 4, got 6 channels"):
        ComplexPixelShuffle(2)(crandn(1, 6, 3, 3))
    with pytest.raises(ValueError, match=r"^ComplexPixelUnshuffle expects height and width divisible by "
                                         r"downscale_factor = 2, got input of shape \(1, 2, 3, 4\)"):
        ComplexPixelUnshuffle(2)(crandn(1, 2, 3, 4))
    with pytest.raises(ValueError, match=r"^ComplexPixelShuffle: upscale_factor must be a positive int, got 1.5"):
        ComplexPixelShuffle(1.5)(crandn(1, 4, 3, 3))
    with pytest.raises(ValueError, match=r"^pixel_unshuffle expects an input of at least 3 dimensions"):
        CF.pixel_unshuffle(crandn(4, 4), 2)
    with pytest.raises(TypeError, match=r"^ComplexPixelUnshuffle expects a complex tensor, got torch.float32"):
        ComplexPixelUnshuffle(2)(torch.zeros(1, 2, 4, 4))


# ----------------------------------------------------------------------------------------------------------------
# torch.compile and ONNX export
# ----------------------------------------------------------------------------------------------------------------

def test_resampling_compiles_to_the_eager_result():
    torch._dynamo.reset()
    up, shuffle = ComplexUpsample(scale_factor=2, mode="bilinear"), ComplexPixelShuffle(2)
    polar = ComplexUpsample(size=(5, 7), mode="bicubic", polar=True)

    def fn(z):
        return polar(shuffle(up(z)))

    x = crandn(2, 8, 3, 4, dtype=torch.complex64)
    compiled = torch.compile(fn, fullgraph=False)
    torch.testing.assert_close(compiled(x), fn(x), rtol=1e-4, atol=1e-4)


def test_resampling_exports_to_onnx(tmp_path):
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    from deepcomplex.export import real_inputs, to_onnx

    class Decoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.up = ComplexUpsample(scale_factor=2, mode="bilinear")
            self.polar = ComplexUpsample(size=(9, 11), mode="bicubic", align_corners=True, polar=True)
            self.shuffle, self.unshuffle = ComplexPixelShuffle(2), ComplexPixelUnshuffle(2)

        def forward(self, z):
            return self.polar(self.shuffle(self.unshuffle(self.up(z))))

    net = Decoder().eval()
    z = crandn(2, 3, 4, 5, dtype=torch.complex64)
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        path = to_onnx(net, z, tmp_path / "decoder.onnx")
    finally:
        logging.disable(previous)
    model = onnx.load(str(path))
    assert not {t.data_type for t in model.graph.initializer} & {onnx.TensorProto.COMPLEX64}
    z3 = crandn(3, 3, 4, 5, dtype=torch.complex64)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"input_0": real_inputs(z3)[0].numpy()})
    with torch.no_grad():
        want = torch.view_as_real(net(z3)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
