"""Complex ViTs: patch embedding and class token against NumPy, the registered complex_vit_tiny, its real twin and
coshvit_tiny (parameter counts from the layer formulas, the twin within 2 %), training through `deepcomplex train`."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch.autograd import gradcheck

import deepcomplex.nn as cnn
from deepcomplex.cli import main as cli
from deepcomplex.models import count_parameters, create_model
from conftest import assert_matches, crandn, to_numpy, write_band_idx

VITS = ["complex_vit_tiny", "complex_vit_tiny_real", "coshvit_tiny"]


def np_patch_embed(x, w, b, p):
    """Tokens t[n, u * (W / p) + v] = sum_{c,i,j} w[:, c, i, j] x[n, c, u p + i, v p + j] + b, by explicit patches."""
    n, c, h, wd = x.shape
    out = []
    for u in range(h // p):
        for v in range(wd // p):
            patch = x[:, :, u * p:(u + 1) * p, v * p:(v + 1) * p].reshape(n, -1)
            out.append(patch @ w.reshape(w.shape[0], -1).T + b)
    return np.stack(out, 1)


@pytest.mark.parametrize("patch", [2, 4])
def test_patch_embed_matches_numpy_and_gradcheck(patch):
    m = cnn.ComplexPatchEmbed(img_size=8, patch_size=patch, in_chans=3, embed_dim=5, dtype=torch.complex128)
    with torch.no_grad():
        m.proj.bias.normal_()
    x = crandn(2, 3, 8, 8)
    want = np_patch_embed(to_numpy(x), to_numpy(m.proj.weight), to_numpy(m.proj.bias), patch)
    assert_matches(m(x), want)
    assert m.num_patches == (8 // patch) ** 2
    grid = cnn.ComplexPatchEmbed(patch_size=patch, in_chans=3, embed_dim=5, flatten=False, dtype=torch.complex128)
    grid.load_state_dict(m.state_dict())
    assert_matches(grid(x).flatten(2).transpose(1, 2), want)
    small = cnn.ComplexPatchEmbed(patch_size=2, in_chans=1, embed_dim=2, dtype=torch.complex128)
    assert gradcheck(small, (crandn(1, 1, 4, 4, requires_grad=True),))


def test_patch_embed_bad_input():
    m = cnn.ComplexPatchEmbed(img_size=8, patch_size=4, in_chans=2, embed_dim=4)
    with pytest.raises(TypeError, match="ComplexPatchEmbed expects a complex tensor"):
        m(torch.zeros(1, 2, 8, 8))
    with pytest.raises(ValueError, match=r"ComplexPatchEmbed expects a \(N, 2, H, W\) input"):
        m(torch.zeros(1, 3, 8, 8, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"expects images of size \(8, 8\), got \(12, 12\)"):
        m(torch.zeros(1, 2, 12, 12, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"image size \(6, 8\) is not divisible by patch_size \(4, 4\)"):
        cnn.ComplexPatchEmbed(patch_size=4, in_chans=2, embed_dim=4)(torch.zeros(1, 2, 6, 8, dtype=torch.complex64))
    with pytest.raises(ValueError, match="img_size .* is not divisible by patch_size"):
        cnn.ComplexPatchEmbed(img_size=10, patch_size=4)


def test_class_token_prepends_one_learned_token():
    m = cnn.ComplexClassToken(6, dtype=torch.complex128)
    x = crandn(3, 4, 6)
    y = m(x)
    assert y.shape == (3, 5, 6) and torch.equal(y[:, 1:], x)
    assert all(torch.equal(y[i, 0], m.cls_token[0, 0]) for i in range(3))
    y.abs().sum().backward()
    assert m.cls_token.grad is not None and m.cls_token.grad.abs().sum() > 0
    other = cnn.ComplexClassToken(6, dtype=torch.complex128)
    other.load_state_dict(m.state_dict())
    assert torch.equal(other(x), y.detach())
    with pytest.raises(ValueError, match=r"ComplexClassToken expects a \(N, L, 6\) input"):
        m(crandn(4, 6))


def _vit_count(e, depth, ff, tokens, in_chans, patch, classes, is_complex):
    """Parameters from the layer formulas. Complex (2 reals per complex number): patch conv, class token and
    position embedding, per layer packed q/k/v and output projections with biases, two linear maps, two complex
    layer norms (3 real gammas + 1 complex beta per feature = 5 reals); a final norm; real head on [Re | Im].
    Real: the same with 1 real per number and torch's LayerNorm (2 per feature)."""
    k = 2 if is_complex else 1
    norm = 5 * e if is_complex else 2 * e
    layer = k * (4 * e * e + 4 * e) + k * (2 * e * ff + ff + e) + 2 * norm
    total = k * (in_chans * patch * patch * e + e) + k * e + k * (tokens + 1) * e + depth * layer + norm
    return total + (k * e + 1) * classes


def test_parameter_counts():
    c = count_parameters(create_model("complex_vit_tiny"))
    r = count_parameters(create_model("complex_vit_tiny_real"))
    s = count_parameters(create_model("coshvit_tiny"))
    assert c == _vit_count(64, 4, 128, 49, 1, 4, 10, True) == 278_602
    assert r == _vit_count(92, 4, 180, 49, 1, 4, 10, False)
    assert abs(r - c) / c <= 0.02
    assert s == _vit_count(32, 4, 64, 64, 20, 4, 10, True) <= 100_000
    assert not any(p.requires_grad for p in create_model("coshvit_tiny").frontend.parameters())


def test_models_layout():
    torch.manual_seed(0)
    vit = create_model("complex_vit_tiny")
    assert vit.patch_embed.num_patches == 49 and len(vit.body.encoder.layers) == 4
    layer = vit.body.encoder.layers[0]
    assert layer.norm_first and layer.batch_first and layer.self_attn.num_heads == 4
    assert not torch.equal(layer.linear1.weight, vit.body.encoder.layers[1].linear1.weight)
    x = torch.rand(3, 1, 28, 28)
    assert vit(x).shape == (3, 10) and vit(x).dtype == torch.float32
    twin = create_model("complex_vit_tiny_real")
    assert twin(x).shape == (3, 10) and twin.encoder.layers[0].norm_first
    cosh = create_model("coshvit_tiny")
    assert cosh.patch_embed.in_chans == 20 and cosh.patch_embed.num_patches == 64
    assert cosh(x).shape == (3, 10)
    with torch.no_grad():  # the class token reads every patch: changing one corner changes the logits
        y = x.clone()
        y[..., :4, :4] += 1
        assert not torch.allclose(vit.eval()(x), vit(y)) and not torch.allclose(cosh.eval()(x), cosh(y))


@pytest.mark.parametrize("name", VITS)
def test_a_few_steps_reduce_the_loss(name):
    torch.manual_seed(0)
    model = create_model(name)
    x, y = torch.rand(16, 1, 28, 28), torch.randint(0, 10, (16,))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    losses = []
    for _ in range(4):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]


@pytest.fixture(scope="module")
def idx_dir(tmp_path_factory):
    return write_band_idx(tmp_path_factory.mktemp("idx"), sizes=(("train", 64), ("t10k", 100)))


@pytest.mark.parametrize("name", VITS)
def test_deepcomplex_train_runs_each_model(name, idx_dir, tmp_path, capsys):
    out = tmp_path / name
    rc = cli(["train", "--model", name, "--dataset", "mnist", "--data-dir", str(idx_dir), "--epochs", "1",
              "--batch-size", "32", "--limit-train", "64", "--out", str(out), "--no-progress"])
    assert rc == 0, capsys.readouterr().err
    result = json.loads((out / "result.json").read_text())
    assert result["model"] == name and result["train_images"] == 64 and result["test_images"] == 100
    assert np.isfinite(result["history"][0]["train_loss"]) and np.isfinite(result["test_loss"])
    assert result["parameters"] == count_parameters(create_model(name))
