"""Complex U-Net and its real twin (deepcomplex.models.unet): parameter counts from the layer formulas, the real twin
within 2 % of the complex model, shapes for any H and W, the residual and padding rules, Re/Im channel layout of the
twin, complex128 gradcheck, batch-norm modes, state dicts, input errors, torch.compile and ONNX export."""
from __future__ import annotations

import itertools
import logging

import numpy as np
import pytest
import torch

import deepcomplex.nn as cnn
from deepcomplex.models import count_parameters, create_model, example_input, list_models, model_arguments
from deepcomplex.models.unet import ComplexUNet, real_unet_widths, unet_parameter_count

from conftest import crandn

NAMES = ("complex_unet", "complex_unet_real")
OPTIONS = dict(norm=("naive", "whitening", "instance", "none"), activation=("crelu", "modrelu"), down=("maxpool", "stride"),
               up=("upsample", "transpose"))


def _cx(*shape) -> torch.Tensor:
    return crandn(*shape, dtype=torch.complex64)


def _hand_count(widths, cin=1, cout=1, norm="instance", activation="crelu", down="maxpool", up="upsample",
                is_complex=True) -> int:
    """Counted layer by layer: every conv, norm and activation of the U-Net listed with its own formula."""
    layers = []  # (kind, k, in, out, bias) for convs, (kind, channels) for the others
    blocks = [(cin if is_complex else 2 * cin, widths[0])] + [(widths[i - 1], widths[i]) for i in range(1, len(widths))]
    blocks += [(2 * w, w) for w in widths[:-1]]
    for i, o in blocks:
        for j in range(2):
            layers.append(("conv", 3, i if j == 0 else o, o, norm == "none"))
            if norm != "none":
                layers.append((norm, o))
            layers.append((activation, o))
    for w in widths[:-1]:
        if down == "stride":
            layers.append(("conv", 3, w, w, True))
    for lo, hi in zip(widths[:-1], widths[1:]):
        layers.append(("conv", 2 if up == "transpose" else 1, hi, lo, True))
    layers.append(("conv", 1, widths[0], cout if is_complex else 2 * cout, True))
    total = 0
    for layer in layers:
        if layer[0] == "conv":
            _, k, i, o, bias = layer
            reals = k * k * i * o + (o if bias else 0)
            total += 2 * reals if is_complex else reals  # a complex weight is two reals
        elif is_complex:  # naive BN: gamma, beta for Re and Im; whitening: 3 (symmetric 2x2 gamma) + 2 (beta)
            total += {"naive": 4, "whitening": 5, "instance": 5, "modrelu": 1, "crelu": 0}[layer[0]] * layer[1]
        else:  # BatchNorm2d gamma, beta for either norm; ReLU for either activation
            total += {"naive": 2, "whitening": 2, "instance": 2, "modrelu": 0, "crelu": 0}[layer[0]] * layer[1]
    return total


def _random_head(model):
    """``model`` with its last convolution drawn as a fresh layer's (a residual net's starts at zero: the identity)."""
    model.head.reset_parameters()
    return model


def test_registered_with_the_same_arguments():
    assert set(NAMES) <= set(list_models())
    complex_args = model_arguments("complex_unet")
    assert complex_args == ["in_channels", "out_channels", "base_channels", "depth", "norm", "activation", "down",
                            "up", "residual"]
    assert model_arguments("complex_unet_real") == complex_args + ["widths"]


def test_default_counts_by_hand():
    # complex, widths 16/32/64/128, instance norm (ComplexGroupNorm: symmetric 2x2 gamma, complex beta: 5 reals per
    # channel), CReLU, max pooling, bilinear up + 1x1 conv:
    enc = (2 * 9 * 1 * 16 + 2 * 9 * 16 * 16 + 2 * 5 * 16) + (2 * 9 * 16 * 32 + 2 * 9 * 32 * 32 + 2 * 5 * 32) \
        + (2 * 9 * 32 * 64 + 2 * 9 * 64 * 64 + 2 * 5 * 64)
    bottleneck = 2 * 9 * 64 * 128 + 2 * 9 * 128 * 128 + 2 * 5 * 128
    ups = 2 * (128 * 64 + 64) + 2 * (64 * 32 + 32) + 2 * (32 * 16 + 16)
    dec = (2 * 9 * 128 * 64 + 2 * 9 * 64 * 64 + 2 * 5 * 64) + (2 * 9 * 64 * 32 + 2 * 9 * 32 * 32 + 2 * 5 * 32) \
        + (2 * 9 * 32 * 16 + 2 * 9 * 16 * 16 + 2 * 5 * 16)
    head = 2 * (16 * 1 + 1)
    assert count_parameters(create_model("complex_unet")) == enc + bottleneck + ups + dec + head == 901_090
    real = create_model("complex_unet_real")
    assert real.widths == (22, 45, 91, 181)
    assert count_parameters(real) == _hand_count((22, 45, 91, 181), is_complex=False) == 901_437


@pytest.mark.parametrize("norm,activation,down,up", list(itertools.product(*OPTIONS.values())))
def test_counts_match_the_formulas_for_every_option(norm, activation, down, up):
    opts = dict(norm=norm, activation=activation, down=down, up=up)
    for kw in (dict(base_channels=3, depth=2), dict(in_channels=2, out_channels=3, residual=False,
                                                       base_channels=2, depth=3)):
        b, d = kw["base_channels"], kw["depth"]
        io = dict(cin=kw.get("in_channels", 1), cout=kw.get("out_channels", 1))
        c = create_model("complex_unet", **kw, **opts)
        assert count_parameters(c) == _hand_count([b * 2 ** i for i in range(d + 1)], **io, **opts)
        r = create_model("complex_unet_real", **kw, **opts)
        assert count_parameters(r) == _hand_count(r.widths, **io, **opts, is_complex=False)
        assert unet_parameter_count(r.widths, io["cin"], io["cout"], **opts, is_complex=False) == count_parameters(r)


@pytest.mark.parametrize("kw", [dict(), dict(depth=2), dict(depth=4), dict(base_channels=8), dict(base_channels=32),
                                dict(base_channels=5, depth=2), dict(base_channels=2, depth=3),
                                dict(norm="whitening"), dict(norm="none"), dict(activation="modrelu"),
                                dict(down="stride"), dict(up="transpose"), dict(in_channels=2, out_channels=2),
                                dict(base_channels=12, depth=5, norm="none", up="transpose", down="stride")])
def test_real_twin_within_two_percent(kw):
    c = count_parameters(create_model("complex_unet", **kw))
    r = create_model("complex_unet_real", **kw)
    assert abs(count_parameters(r) - c) / c <= 0.02, (r.widths, count_parameters(r), c)
    assert len(r.widths) == kw.get("depth", 3) + 1


def test_real_twin_widths_grid_and_explicit_widths():
    # integer bases b (widths b * 2**l) straddle the default's count (22: -5.5 %, 23: +3.2 %), so the finer search
    # picks widths next to b * 2**l for b a multiple of 1/8
    assert [unet_parameter_count([b * 2 ** i for i in range(4)], is_complex=False) for b in (22, 23)] == \
        [850_500, 929_455]
    w = real_unet_widths()
    assert all(abs(w[i] - w[-1] / 2 ** (len(w) - 1 - i)) <= 1 for i in range(len(w)))  # about b * 2**level
    assert real_unet_widths(base_channels=8, depth=3) == real_unet_widths(1, 1, 8, 3)  # deterministic
    m = create_model("complex_unet_real", widths=(3, 5, 7), depth=2)
    assert m.widths == (3, 5, 7) and count_parameters(m) == _hand_count((3, 5, 7), is_complex=False)
    assert create_model("complex_unet_real", base_channels=None).widths == w  # None: the default complex width
    with pytest.raises(ValueError, match=r"complex_unet_real: widths needs depth \+ 1 = 4 entries"):
        create_model("complex_unet_real", widths=(3, 5))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(2, 1, 16, 16), (3, 1, 15, 21), (1, 1, 1, 1), (2, 1, 9, 4)])
def test_shapes_any_size_complex64(name, shape):
    # batch norm (in eval) takes a 1 x 1 bottleneck; instance norm needs > 1 value per sample and channel
    model = create_model(name, base_channels=4, depth=2, norm="naive").eval()
    with torch.no_grad():
        y = model(_cx(*shape))
    assert y.shape == shape and y.dtype == torch.complex64
    if shape[0] * shape[2] * shape[3] > 16:  # training needs > 1 value per bottleneck channel
        assert model.train()(_cx(*shape)).shape == shape
    multi = create_model(name, in_channels=3, out_channels=2, base_channels=4, depth=2, residual=False)
    assert multi(_cx(2, 3, 7, 11)).shape == (2, 2, 7, 11)


@pytest.mark.parametrize("name", NAMES)
def test_example_input(name):
    x = example_input(name, 5)
    assert x.shape == (5, 1, 32, 32) and x.dtype == torch.complex64
    assert example_input(name, 2, in_channels=3).shape == (2, 3, 32, 32)


@pytest.mark.parametrize("name", NAMES)
def test_residual_is_the_identity_when_the_head_is_zero(name):
    model = create_model(name, base_channels=4, depth=2)
    x = _cx(2, 1, 10, 13)
    assert torch.equal(model(x), x)  # the head starts at zero: an untrained residual net returns its input
    assert not torch.equal(_random_head(model)(x), x)
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.zero_()
    assert torch.equal(model(x), x)
    assert create_model(name, base_channels=4, depth=2, residual=False).head.weight.abs().sum() > 0
    plain = create_model(name, base_channels=4, depth=2, residual=False)
    plain.load_state_dict(model.state_dict())
    assert torch.equal(plain(x), torch.zeros_like(x))


def test_real_twin_reads_re_then_im_and_returns_them_in_order():
    model = create_model("complex_unet_real", in_channels=2, out_channels=2, base_channels=3, depth=1)
    seen = []
    model.encoder[0][0].register_forward_hook(lambda m, i, o: seen.append(i[0]))
    x = _cx(2, 2, 6, 6)
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.copy_(torch.tensor([1.0, 2.0, 3.0, 4.0]))  # Re of out 0, Re of out 1, Im of out 0, Im 1
        y = model(x)
    assert torch.equal(seen[0], torch.cat([x.real, x.imag], 1))
    assert torch.allclose(y - x, torch.tensor([1 + 3j, 2 + 4j], dtype=torch.complex64).view(1, 2, 1, 1).expand_as(x))


@pytest.mark.parametrize("name", NAMES)
def test_padding_is_zeros_bottom_right_then_cropped(name):
    """On a 2**depth-indivisible size the model is the model of the zero-padded input, cropped."""
    model = _random_head(create_model(name, base_channels=3, depth=2)).eval()
    x = _cx(2, 1, 10, 7)
    padded = torch.nn.functional.pad(x, (0, 1, 0, 2))  # 12 x 8
    with torch.no_grad():
        torch.testing.assert_close(model(x), model(padded)[..., :10, :7], rtol=1e-5, atol=1e-6)
        other = torch.cat([padded[..., :10, :], _cx(2, 1, 2, 8)], -2)  # junk instead of zeros: another output
        assert not torch.allclose(model(x), model(other)[..., :10, :7], atol=1e-4)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("opts", [dict(), dict(norm="whitening", activation="modrelu", down="stride", up="transpose")])
def test_gradcheck_complex128(name, opts):
    torch.manual_seed(1)
    model = create_model(name, base_channels=2, depth=1, **opts).to(torch.complex128)
    assert all((p.dtype == torch.complex128) if p.is_complex() else (p.dtype == torch.float64)
               for p in model.parameters())
    if name == "complex_unet":
        assert any(p.is_complex() for p in model.parameters())
    else:
        assert not any(p.is_complex() for p in model.parameters())
    x = crandn(2, 1, 5, 3, requires_grad=True)
    assert torch.autograd.gradcheck(model, (x,), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_train_and_eval_batch_norm(name):
    model = _random_head(create_model(name, base_channels=4, depth=2, norm="naive"))
    norms = [m for m in model.modules() if isinstance(m, (torch.nn.BatchNorm2d, cnn.NaiveComplexBatchNorm2d))]
    assert len(norms) == 2 * 5  # two per block: 2 encoder levels, the bottleneck, 2 decoder levels
    x = _cx(4, 1, 8, 8)
    before = norms[0].running_mean.clone()
    model.train()(x)
    assert not torch.equal(norms[0].running_mean, before)  # statistics tracked in training
    model.eval()
    with torch.no_grad():
        y = model(x)
        assert torch.equal(model(x), y)  # eval: running statistics, no update
        torch.testing.assert_close(model(x[:1]), y[:1], rtol=1e-5, atol=1e-6)  # a sample alone: the same output
        assert not torch.allclose(model.train()(x), y, atol=1e-4)


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip(name, tmp_path):
    model = _random_head(create_model(name, base_channels=3, depth=2, norm="whitening", activation="modrelu"))
    model(_cx(4, 1, 8, 8))  # running statistics away from their initial values
    torch.save(model.state_dict(), tmp_path / "w.pt")
    fresh = create_model(name, base_channels=3, depth=2, norm="whitening", activation="modrelu")
    fresh.load_state_dict(torch.load(tmp_path / "w.pt"))
    x = _cx(2, 1, 8, 8)
    with torch.no_grad():
        assert torch.equal(fresh.eval()(x), model.eval()(x))
    assert not torch.equal(_random_head(create_model(name, base_channels=3, depth=2)).eval()(x), model(x))


@pytest.mark.parametrize("name", NAMES)
def test_bad_input_errors(name):
    model = create_model(name, base_channels=2, depth=1)
    with pytest.raises(TypeError, match=rf"{name} expects a complex image tensor \(torch.complex64\), got "
                                        r"torch.float32"):
        model(torch.randn(1, 1, 8, 8))
    with pytest.raises(TypeError, match=rf"{name} expects torch.complex64 input .* got torch.complex128"):
        model(crandn(1, 1, 8, 8))
    with pytest.raises(ValueError, match=rf"{name} expects 1 input channels \(in_channels\), got 2"):
        model(_cx(1, 2, 8, 8))
    with pytest.raises(ValueError, match=rf"{name} expects a 4D input \(N, C, H, W\), got 3D"):
        model(_cx(1, 8, 8))
    with pytest.raises(ValueError, match=rf"{name} expects a non-empty input"):
        model(_cx(0, 1, 8, 8))
    with pytest.raises(TypeError, match=rf"{name} expects a complex tensor \(N, C, H, W\), got ndarray"):
        model(np.zeros((1, 1, 8, 8), np.complex64))


@pytest.mark.parametrize("name", NAMES)
def test_bad_arguments(name):
    with pytest.raises(ValueError, match=rf"{name}: unknown norm 'layer'; choose from 'naive', 'whitening', 'instance', 'none'"):
        create_model(name, norm="layer")
    with pytest.raises(ValueError, match=rf"{name}: unknown activation 'zrelu'"):
        create_model(name, activation="zrelu")
    with pytest.raises(ValueError, match=rf"{name}: unknown down 'avg'"):
        create_model(name, down="avg")
    with pytest.raises(ValueError, match=rf"{name}: unknown up 'pixelshuffle'"):
        create_model(name, up="pixelshuffle")
    with pytest.raises(ValueError, match=rf"{name}: depth must be a positive int, got 0"):
        create_model(name, depth=0)
    with pytest.raises(ValueError, match=rf"{name}: residual=True .* needs in_channels == out_channels, got 1 and 2"):
        create_model(name, out_channels=2)
    with pytest.raises(ValueError, match=rf"{name}: in_channels must be a positive int"):
        create_model(name, in_channels=0, residual=False)
    with pytest.raises(ValueError, match="complex_unet: base_channels must be a positive int, got 0"):
        create_model("complex_unet", base_channels=0)


def _compiled_and_eager(model, x):
    """Outputs and input gradients (of sum |y|) of the eager model and of torch.compile's (aot_eager) graph of it."""
    torch._dynamo.reset()
    results = []
    for f in (model, torch.compile(model, backend="aot_eager", dynamic=False)):
        xs = x.clone().requires_grad_()
        out = f(xs)
        results.append((out.detach(), torch.autograd.grad(out.abs().sum(), xs)[0]))
    return results


@pytest.mark.parametrize("name", NAMES)
def test_torch_compile_with_batch_norm(name):
    """torch.compile on the normalized models agrees with eager: outputs in training, outputs and input gradients in
    eval, and in complex128 in training too. (In float32 training, batch norm's backward couples a whole channel:
    rounding that crosses one CReLU kink moves every gradient, so training gradients are compared in double.)
    Whitening batch norm in training takes its traceable formula under compilation (its fused autograd Function's
    backward calls torch.autograd.grad, which dynamo cannot trace; the U-Net failed to compile before)."""
    opts = dict(base_channels=3, depth=2, activation="modrelu", down="stride", up="transpose")
    model = create_model(name, **opts)
    x = _cx(3, 1, 12, 10)
    (eager, _), (compiled, _) = _compiled_and_eager(model.train(), x)
    torch.testing.assert_close(compiled, eager, rtol=1e-4, atol=1e-4)
    whitening = create_model(name, **opts, norm="whitening")
    whitening(x)  # running statistics away from their initial values
    (eager, g_eager), (compiled, g_compiled) = _compiled_and_eager(whitening.eval(), x)
    torch.testing.assert_close(compiled, eager, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(g_compiled, g_eager, rtol=1e-4, atol=1e-4)
    for norm in ("instance", "whitening"):
        double = create_model(name, **opts, norm=norm).to(torch.complex128).train()
        (eager, g_eager), (compiled, g_compiled) = _compiled_and_eager(double, x.to(torch.complex128))
        torch.testing.assert_close(compiled, eager, rtol=1e-9, atol=1e-9)
        torch.testing.assert_close(g_compiled, g_eager, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("opts", [dict(), dict(norm="whitening", activation="modrelu", down="stride", up="transpose")])
def test_onnx_export(name, opts, tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    from deepcomplex.export import real_inputs, to_onnx

    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)  # torch's exporter logs every translation step
    try:
        torch._dynamo.reset()
        model = create_model(name, base_channels=3, depth=2, **opts)
        model(_cx(4, 1, 12, 12))  # running statistics away from their initial values
        model.eval()
        x = _cx(2, 1, 11, 12)
        path = to_onnx(model, x, tmp_path / f"{name}.onnx")
        options = ort.SessionOptions()
        options.log_severity_level = 3
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        x3 = _cx(3, 1, 11, 12)
        (got,) = session.run(None, {f"input_{i}": t.numpy() for i, t in enumerate(real_inputs((x3,)))})
    finally:
        logging.disable(previous)
    with torch.no_grad():
        want = torch.view_as_real(model(x3)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * max(1.0, np.abs(want).max()))


def test_complex_unet_class_direct():
    net = ComplexUNet(widths=(2, 4))
    assert net.depth == 1 and net(_cx(1, 1, 3, 3)).shape == (1, 1, 3, 3)
    with pytest.raises(ValueError, match=r"complex_unet: widths needs depth \+ 1 >= 2 entries, got \(4,\)"):
        ComplexUNet(widths=(4,))
    with pytest.raises(ValueError, match=r"complex_unet: widths\[1\] must be a positive int, got 0"):
        ComplexUNet(widths=(4, 0))
