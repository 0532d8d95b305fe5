"""Property-based fuzzing (hypothesis) of every layer's input handling and of the data file readers.

Contract: any input ends in a correct result or a clear error (ValueError/TypeError naming the layer or the file),
never another exception, a hang or a silent wrong answer. Finite moderate inputs give finite outputs.
The default profile keeps the suite fast; `HYPOTHESIS_PROFILE=long pytest tests/test_fuzz.py` runs 2,000 examples each.
"""
from __future__ import annotations

import gzip
import io
import math
import os
import pickle

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import deepcomplex.nn as cnn
from deepcomplex.data import DataFormatError, parse_idx, write_idx

settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# (name, factory, channel count it expects at dimension 1 or None) for layers taking (N, C, *) complex input
LAYERS = {
    "ComplexConv1d": (lambda: cnn.ComplexConv1d(3, 2, 3, padding=1), 3),
    "ComplexConv2d": (lambda: cnn.ComplexConv2d(3, 2, 3, padding=1), 3),
    "ComplexConv3d": (lambda: cnn.ComplexConv3d(3, 2, 1), 3),
    "ComplexConvTranspose2d": (lambda: cnn.ComplexConvTranspose2d(3, 2, 2, stride=2), 3),
    "ComplexLinear": (lambda: cnn.ComplexLinear(3, 2), None),
    "ComplexBatchNorm1d": (lambda: cnn.ComplexBatchNorm1d(3), 3),
    "ComplexBatchNorm2d": (lambda: cnn.ComplexBatchNorm2d(3), 3),
    "ComplexBatchNorm3d": (lambda: cnn.ComplexBatchNorm3d(3), 3),
    "NaiveComplexBatchNorm2d": (lambda: cnn.NaiveComplexBatchNorm2d(3), 3),
    "ComplexLayerNorm": (lambda: cnn.ComplexLayerNorm(3), None),
    "ComplexGroupNorm": (lambda: cnn.ComplexGroupNorm(1, 3), 3),
    "CReLU": (lambda: cnn.CReLU(), None),
    "ZReLU": (lambda: cnn.ZReLU(), None),
    "CardioidReLU": (lambda: cnn.CardioidReLU(), None),
    "ModReLU": (lambda: cnn.ModReLU(3), 3),
    "ComplexAvgPool2d": (lambda: cnn.ComplexAvgPool2d(2), None),
    "ComplexMaxPool2d": (lambda: cnn.ComplexMaxPool2d(2), None),
    "ComplexAdaptiveAvgPool2d": (lambda: cnn.ComplexAdaptiveAvgPool2d(2), None),
    "ComplexDropout": (lambda: cnn.ComplexDropout(0.5), None),
    "SplitDCFConv2d": (lambda: cnn.SplitDCFConv2d(3, 2, 3), 3),
}
DTYPES = [torch.complex64, torch.complex128, torch.float32, torch.float64, torch.int64, torch.bool]
SPECIALS = [0.0, 1.0, -1.0, 1e-30, 1e30, math.inf, -math.inf, math.nan]


@st.composite
def inputs(draw, channels):
    rank = draw(st.integers(0, 5))
    shape = [draw(st.integers(0, 4)) for _ in range(rank)]
    if channels is not None and rank >= 2 and draw(st.booleans()):
        shape[1] = channels  # often the right channel count, so the math itself gets exercised
    if rank >= 1 and draw(st.booleans()):
        shape[-1] = max(shape[-1], 3)
    dtype = draw(st.sampled_from(DTYPES))
    kind = draw(st.sampled_from(["normal", "special", "moderate"]))
    n = math.prod(shape)
    g = torch.Generator().manual_seed(draw(st.integers(0, 2 ** 16)))
    if kind == "special":
        values = torch.tensor([draw(st.sampled_from(SPECIALS)) for _ in range(min(n, 8))] or [0.0], dtype=torch.float64)
        re = values.repeat(n // len(values) + 1)[:n]
        im = re.flip(0)
    else:
        scale = 1e3 if kind == "moderate" else 1.0
        re, im = (torch.randn(n, generator=g, dtype=torch.float64) * scale for _ in range(2))
    x = torch.complex(re, im).reshape(shape)
    if dtype.is_complex:
        x = x.to(dtype)
    elif dtype.is_floating_point:
        x = x.real.to(dtype)
    else:
        x = x.real.nan_to_num(0.0, 0.0, 0.0).clamp(-100, 100).to(dtype)
    return x, kind


@pytest.mark.parametrize("name", sorted(LAYERS))
@given(data=st.data())
def test_layer_gives_a_result_or_a_clear_error(name, data):
    factory, channels = LAYERS[name]
    torch.manual_seed(0)
    layer = factory()
    x, kind = data.draw(inputs(channels))
    training = data.draw(st.booleans())
    layer.train(training)
    try:
        y = layer(x)
    except (ValueError, TypeError) as err:
        assert name in str(err) or type(layer).__name__ in str(err), f"{name}: unclear error {err!r} for {x.dtype} " \
                                                                     f"{tuple(x.shape)}"
        return
    assert x.is_complex(), f"{name} accepted a {x.dtype} input"
    assert y.is_complex() and y.dtype == x.dtype, (name, y.dtype)
    if kind != "special" and x.numel() and y.numel() and torch.isfinite(torch.view_as_real(x)).all():
        assert torch.isfinite(torch.view_as_real(y)).all(), f"{name}: non-finite output for finite input " \
                                                            f"{tuple(x.shape)} {x.dtype}"
        y.real.sum().backward() if x.requires_grad else None


def _valid_idx(rng: np.random.Generator) -> bytes:
    arr = rng.integers(0, 255, size=tuple(rng.integers(1, 4, size=rng.integers(1, 4))), dtype=np.uint8)
    buf = io.BytesIO()
    path = "/tmp/deepcomplex-fuzz.idx"
    write_idx(path, arr)
    with open(path, "rb") as f:
        buf.write(f.read())
    return buf.getvalue()


@given(st.binary(max_size=64))
def test_idx_parser_on_random_bytes(data):
    try:
        parse_idx(data, "fuzz")
    except DataFormatError as err:
        assert "fuzz" in str(err)


@given(seed=st.integers(0, 2 ** 16), cut=st.integers(0, 64), flips=st.lists(st.integers(0, 63), max_size=4))
def test_idx_parser_on_damaged_files(seed, cut, flips):
    data = bytearray(_valid_idx(np.random.default_rng(seed)))
    for i in flips:
        if i < len(data):
            data[i] ^= 0xFF
    data = bytes(data[:cut]) if cut < len(data) else bytes(data)
    try:
        arr = parse_idx(data, "fuzz")
    except DataFormatError as err:
        assert "fuzz" in str(err)
        return
    assert arr.size == math.prod(arr.shape)  # a parse that succeeds is self-consistent


@given(st.binary(max_size=200))
def test_gzip_idx_reader_on_random_bytes(tmp_path_factory, data):
    from deepcomplex.data import read_idx

    path = tmp_path_factory.mktemp("gz") / "f-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(data) if data[:1] == b"\x00" else data)
    try:
        read_idx(path)
    except DataFormatError as err:
        assert str(path) in str(err)


@given(st.binary(max_size=300), st.sampled_from([0, 2, 4]))
def test_cifar_reader_on_random_and_truncated_pickles(tmp_path_factory, noise, protocol):
    from deepcomplex.data import load_cifar

    d = tmp_path_factory.mktemp("cifar") / "cifar-10-batches-py"
    d.mkdir()
    good = pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [1, 2]}, protocol=protocol)
    for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        (d / name).write_bytes(good[: len(noise) % (len(good) + 1)] + noise if i == 0 else good)
    try:
        x, y = load_cifar("cifar10", "train", d.parent)
    except DataFormatError as err:
        assert "cifar10" in str(err) and "data_batch_1" in str(err)
        return
    assert x.shape[1:] == (3, 32, 32) and len(x) == len(y)


def _damage(data: bytes, cut: int, flips: list[int]) -> bytes:
    out = bytearray(data)
    for i in flips:
        if i < len(out):
            out[i] ^= 0xFF
    return bytes(out[:cut]) if cut < len(out) else bytes(out)


@given(st.binary(max_size=200))
def test_sphere_parser_on_random_bytes(data):
    from deepcomplex.data.timit import parse_sphere

    try:
        parse_sphere(b"NIST_1A\n   1024\n" + data if data[:1] == b"\x00" else data, "fuzz")
    except DataFormatError as err:
        assert "fuzz" in str(err)


@given(seed=st.integers(0, 2 ** 16), cut=st.integers(0, 1200), flips=st.lists(st.integers(0, 1100), max_size=4))
def test_sphere_reader_on_damaged_files(tmp_path_factory, seed, cut, flips):
    """TIMIT's SPHERE .WAV files cut short or with flipped header/sample bytes."""
    from deepcomplex.data.timit import parse_sphere, write_sphere

    path = tmp_path_factory.mktemp("sph") / "SA1.WAV"
    write_sphere(path, np.random.default_rng(seed).integers(-3000, 3000, 40).astype(np.int16), 16000)
    try:
        samples, rate, header = parse_sphere(_damage(path.read_bytes(), cut, flips), "fuzz")
    except DataFormatError as err:
        assert "fuzz" in str(err)
        return
    assert samples.dtype == np.int16 and len(samples) == header["sample_count"] and rate > 0


@given(seed=st.integers(0, 2 ** 16), cut=st.integers(0, 120), flips=st.lists(st.integers(0, 100), max_size=4),
       fmt=st.sampled_from(["pcm16", "float32"]))
def test_wav_reader_on_damaged_files(tmp_path_factory, seed, cut, flips, fmt):
    """MusicNet's .wav files cut short or with flipped bytes."""
    from deepcomplex.data.musicnet import read_wav, write_wav

    path = tmp_path_factory.mktemp("wav") / "1727.wav"
    write_wav(path, np.random.default_rng(seed).uniform(-0.5, 0.5, 20).astype(np.float32), 44100, fmt)
    path.write_bytes(_damage(path.read_bytes(), cut, flips))
    try:
        audio, rate = read_wav(path)
    except DataFormatError as err:
        assert str(path) in str(err)
        return
    assert audio.dtype == np.float32 and audio.ndim == 1 and rate > 0


@given(st.lists(st.lists(st.sampled_from(["0", "12", "-3", "88200", "60", "21", "105", "1.5", "x", "", "1e3"]),
                         min_size=0, max_size=8), max_size=5), st.booleans())
def test_musicnet_label_csv_on_random_rows(tmp_path_factory, rows, header):
    """MusicNet label csv files with wrong columns, non-integers, notes outside MIDI 21..104 or end before start."""
    from deepcomplex.data.musicnet import CSV_COLUMNS, read_labels_csv

    path = tmp_path_factory.mktemp("csv") / "1727.csv"
    lines = ([",".join(CSV_COLUMNS)] if header else []) + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    try:
        notes = read_labels_csv(path)
    except DataFormatError as err:
        assert str(path) in str(err)
        return
    assert notes.shape[1:] == (3,) and ((notes[:, 2] >= 21) & (notes[:, 2] <= 104)).all()
    assert (notes[:, 1] > notes[:, 0]).all() or len(notes) == 0
