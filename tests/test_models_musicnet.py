"""deepcomplex.models.musicnet: DCN's four MusicNet models: parameter counts from a formula, shapes, output bias,
input checks, torch.compile, a few training steps, state_dict round trip, and a short run on generated MusicNet."""
from __future__ import annotations

import io

import pytest
import torch
from torch import nn

import deepcomplex.models.musicnet as mm  # noqa: F401  (registers the models)
from deepcomplex.models import count_parameters, create_model, list_models, model_arguments

NAMES = ("musicnet_shallow_real", "musicnet_shallow", "musicnet_deep", "musicnet_deep_real")


def conv_len(n, k, s):
    return (n - k) // s + 1


def expected_count(name: str, window: int = 4096, notes: int = 84) -> int:
    """Real parameters from the layer sizes (a complex weight counts as two reals)."""
    head = lambda features: features * 2048 + 2048 + 2048 * notes + notes  # noqa: E731  dense 2048 + output
    if name == "musicnet_shallow_real":
        n = conv_len(conv_len(window, 512, 16), 4, 2)
        return 512 * 64 + 64 + head(64 * n)
    if name == "musicnet_shallow":
        n = conv_len(conv_len(window, 512, 16), 4, 2)
        return 2 * (512 * 32 + 32) + 2 * (32 * n * 2048 + 2048) + 2 * (2048 * notes + notes)
    filters = (16, 32, 64, 64, 128, 128) if name == "musicnet_deep" else (64, 64, 128, 128, 256, 256)
    kernels = (6, 3, 3, 3, 3, 3) if name == "musicnet_deep" else (7, 3, 3, 3, 3, 3)
    strides = (2, 2, 1, 1, 1, 1) if name == "musicnet_deep" else (3, 2, 1, 1, 1, 1)
    per = 2 if name == "musicnet_deep" else 1  # reals per weight
    bn = 5 if name == "musicnet_deep" else 2  # complex BN: 3 gammas + complex beta; real BN: gamma + beta
    total, cin, n = 0, 1, window
    for layer, (c, k, s) in enumerate(zip(filters, kernels, strides)):
        total += per * (cin * c * k + c)
        n = -(-n // s) if name == "musicnet_deep" else conv_len(n, k, s)  # 'same' vs 'valid'
        if layer != 4:
            total += bn * c
            n //= 2
        cin = c
    return total + head(per * cin * n)


def test_registered_with_window_and_num_notes():
    assert set(NAMES) <= set(list_models())
    for name in NAMES:
        assert model_arguments(name) == ["window", "num_notes"]


@pytest.mark.parametrize("name, count", [("musicnet_shallow_real", 14_755_988), ("musicnet_shallow", 14_930_152),
                                         ("musicnet_deep", 17_141_348), ("musicnet_deep_real", 9_994_900)])
def test_parameter_counts(name, count):
    model = create_model(name)
    assert count_parameters(model) == expected_count(name) == count
    if name == "musicnet_deep":  # the paper's 17.14M; Keras's count also includes the BNs' running statistics
        assert round(count / 1e6, 2) == 17.14
        running = sum(b.numel() * (2 if b.is_complex() else 1) for n, b in model.named_buffers() if "running" in n)
        assert running == 1520
    if name == "musicnet_deep_real":  # the paper's 10.0M
        assert round(count / 1e6, 1) == 10.0
    small = create_model(name, window=2048, num_notes=12)
    assert count_parameters(small) == expected_count(name, 2048, 12)


@pytest.mark.parametrize("name", NAMES)
def test_shapes_and_output_bias(name):
    model = create_model(name, window=2048, num_notes=10).eval()
    out = model(torch.randn(3, 1, 2048))
    assert out.shape == (3, 10) and out.dtype == torch.float32 and torch.isfinite(out).all()
    last = [m for m in model.modules() if isinstance(m, (nn.Linear,)) or type(m).__name__ == "ComplexLinear"][-1]
    assert torch.all(last.bias.real == -5.0)
    # with zero input the logits are the bias (the shallow models: zero conv output; deep: zero spectrum, after BN)
    if "shallow" in name:
        assert torch.allclose(model(torch.zeros(2, 1, 2048)), torch.full((2, 10), -5.0))


@pytest.mark.parametrize("name", NAMES)
def test_bad_input_names_the_model(name):
    model = create_model(name, window=1024)
    for bad in (torch.randn(2, 1, 1000), torch.randn(2, 1024), torch.randn(2, 2, 1024),
                torch.randn(2, 1, 1024, dtype=torch.complex64), torch.ones(2, 1, 1024, dtype=torch.int64)):
        with pytest.raises(ValueError, match=rf"{name}: expected real float waveform windows of shape \(N, 1, 1024\)"):
            model(bad)
    with pytest.raises(ValueError, match=f"{name}: window 100 is too short"):
        create_model(name, window=100)
    with pytest.raises(ValueError, match="num_notes must be a positive integer"):
        create_model(name, num_notes=0)


@pytest.mark.parametrize("name", ("musicnet_shallow_real", "musicnet_shallow", "musicnet_deep_real"))
def test_torch_compile_aot_eager(name):
    torch.manual_seed(0)
    model = create_model(name, window=1024, num_notes=8).eval()
    x = torch.randn(2, 1, 1024)
    compiled = torch.compile(model, backend="aot_eager", dynamic=False)
    torch.testing.assert_close(compiled(x), model(x))


@pytest.mark.parametrize("name", NAMES)
def test_training_steps_reduce_the_loss_and_state_dict_round_trip(name):
    torch.manual_seed(0)
    window = 1024
    model = create_model(name, window=window, num_notes=12)
    t = torch.arange(window) / 11000.0
    notes = torch.rand(16, 12) < 0.25  # each active note k adds a sinusoid at 300 * 1.3**k Hz
    freqs = 300.0 * 1.3 ** torch.arange(12)
    x = (notes.float() @ torch.sin(2 * torch.pi * freqs[:, None] * t)).unsqueeze(1) + 0.01 * torch.randn(16, 1, window)
    y = notes.float()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for _ in range(8):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0], losses
    model.eval()
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    fresh = create_model(name, window=window, num_notes=12).eval()
    fresh.load_state_dict(torch.load(buf))
    torch.testing.assert_close(fresh(x), model(x), rtol=0, atol=0)


def test_short_run_on_generated_musicnet(tmp_path):
    """The reader, a model and the metric together: windows from a generated MusicNet, a few steps, AP in (0, 1]."""
    from deepcomplex.data.musicnet import load_musicnet, write_synthetic_musicnet
    from deepcomplex.train.metrics import average_precision_micro
    root = write_synthetic_musicnet(tmp_path, "csv", seconds=2.0, n_train=2, n_validation=0)
    x, y = load_musicnet(root, "train", stride=256)
    xt, yt = load_musicnet(root, "test", max_windows=20)
    torch.manual_seed(0)
    model = create_model("musicnet_shallow_real")
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    for _ in range(3):
        idx = torch.randint(len(x), (8,))
        opt.zero_grad()
        nn.functional.binary_cross_entropy_with_logits(model(x[idx]), y[idx]).backward()
        opt.step()
    with torch.no_grad():
        scores = torch.cat([model(xt[i:i + 30]) for i in range(0, len(xt), 30)])
    assert scores.shape == yt.shape
    assert 0.0 < average_precision_micro(scores, yt[:]) <= 1.0


@pytest.mark.parametrize("name, shortest", [("musicnet_deep", 123), ("musicnet_deep_real", 730)])
def test_the_shortest_window_named_in_the_error_is_the_shortest_that_works(name, shortest):
    """The deep models' minimum window follows from their strides, kernels and pools; the error states it exactly."""
    model = create_model(name, window=shortest)
    with torch.no_grad():
        assert model.eval()(torch.randn(2, 1, shortest)).shape == (2, 84)
    with pytest.raises(ValueError, match=f"{name}: window {shortest - 1} is too short .* at least {shortest} samples"):
        create_model(name, window=shortest - 1)
