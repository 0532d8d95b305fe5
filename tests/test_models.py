"""Model registry, parameter counting (complex = 2 reals) and the real ResNet-18 baseline."""
import pytest
import torch
from torch import nn

import deepcomplex.nn as cnn
from deepcomplex.models import count_parameters, create_model, example_input, list_models, register_model

from conftest import small_registry_model


def _resnet18_count(in_channels: int, classes: int) -> int:
    """ResNet-18 parameters from the layer formulas (conv k*k*cin*cout, BN 2*c, linear (in + 1) * out)."""
    conv = lambda k, i, o: k * k * i * o  # noqa: E731
    bn = lambda c: 2 * c  # noqa: E731
    total = conv(7, in_channels, 64) + bn(64)
    cin = 64
    for planes in (64, 128, 256, 512):
        for b in range(2):
            total += conv(3, cin, planes) + bn(planes) + conv(3, planes, planes) + bn(planes)
            if b == 0 and cin != planes:
                total += conv(1, cin, planes) + bn(planes)
            cin = planes
    return total + (512 + 1) * classes


def test_registry_lists_and_creates():
    assert "resnet18" in list_models()
    assert list_models() == sorted(list_models())
    model = create_model("resnet18", num_classes=7)
    assert model(torch.randn(2, 1, 28, 28)).shape == (2, 7)


def test_unknown_and_duplicate_names():
    with pytest.raises(ValueError, match="unknown model 'nope'.*resnet18"):
        create_model("nope")

    def resnet18():  # same name as a registered factory
        return nn.Linear(1, 1)

    with pytest.raises(ValueError, match="already registered"):
        register_model(resnet18)


def test_count_parameters_counts_complex_twice():
    model = nn.Sequential(cnn.ComplexLinear(3, 4), nn.Linear(8, 2))
    assert count_parameters(model) == 2 * (3 * 4 + 4) + (8 * 2 + 2)
    model[1].weight.requires_grad_(False)
    assert count_parameters(model, trainable_only=True) == 2 * (3 * 4 + 4) + 2


@pytest.mark.parametrize("in_channels", [1, 3])
def test_resnet18_parameter_count(in_channels):
    model = create_model("resnet18", in_channels=in_channels)
    assert count_parameters(model) == _resnet18_count(in_channels, 10)
    assert count_parameters(create_model("resnet18")) == 11_175_370


def test_resnet18_trains_a_step():
    torch.manual_seed(0)
    model = create_model("resnet18")
    x, y = torch.randn(8, 1, 28, 28), torch.randint(0, 10, (8,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    losses = []
    for _ in range(3):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_coshnet_base_layout_and_count():
    model = create_model("coshnet_base")
    # complex params count twice: conv 5x5 20->30 and 30->50, linear 1250->500 and 500->10 (all with complex bias),
    # then the real 20->10 head
    expected = 2 * (30 * 20 * 25 + 30) + 2 * (50 * 30 * 25 + 50) + 2 * (1250 * 500 + 500) + 2 * (500 * 10 + 10) + 210
    assert count_parameters(model) == expected == 1_366_390
    assert model(torch.rand(3, 1, 28, 28)).shape == (3, 10)
    assert not any(p.requires_grad for p in model.frontend.parameters())  # the front end is fixed (buffers only)
    assert model.frontend.kernel.shape == (20, 32, 32)


def test_coshnet_base_preprocess_normalizes_then_pads_and_init_is_glorot():
    from deepcomplex.models.coshnet import COSHNET_MEAN, COSHNET_STD

    model = create_model("coshnet_base")
    x = torch.rand(2, 1, 28, 28)
    z = model.preprocess(x)
    assert z.shape == (2, 1, 32, 32)
    assert torch.allclose(z[..., 2:30, 2:30], (x - COSHNET_MEAN) / COSHNET_STD)
    assert z[..., :2, :].abs().max() == 0 and z[..., :, 30:].abs().max() == 0  # zero padding after normalizing
    fc1 = model.classifier[1]
    var = fc1.weight.real.var().item()
    assert var == pytest.approx(1 / (1250 + 500), rel=0.05)  # Rayleigh / Glorot: Var(Re W) = 1 / (fan_in + fan_out)
    bound = 1 / 1250 ** 0.5
    assert fc1.bias.real.abs().max() <= bound and fc1.bias.imag.abs().max() <= bound and fc1.bias.real.std() > bound / 3


def test_coshnet_base_compatibility_filters_option():
    exact = create_model("coshnet_base")
    compat = create_model("coshnet_base", shear="coshrem")
    assert not torch.allclose(exact.frontend.kernel, compat.frontend.kernel)
    assert compat(torch.rand(1, 1, 28, 28)).shape == (1, 10)


def test_coshnet_tiny_layout_and_count():
    model = create_model("coshnet_tiny")
    # split DCF convs: 3 basis coefficients per (out, in) pair + bias, for Re and Im; split rank-8 TT fc1
    # (cores 50x1x8x20 and 25x8x1x25 + bias 500, for Re and Im); complex fc2 500->10; real head 20->10
    expected = 2 * (30 * 20 * 3 + 30) + 2 * (50 * 30 * 3 + 50) + 2 * (50 * 8 * 20 + 25 * 8 * 25 + 500) \
        + 2 * (500 * 10 + 10) + 210
    assert count_parameters(model) == expected == 49_990
    assert model(torch.rand(3, 1, 28, 28)).shape == (3, 10)
    assert isinstance(model.features[0], cnn.SplitDCFConv2d) and isinstance(model.classifier[1], cnn.SplitTTLinear)
    assert model.classifier[1].ranks == (1, 8, 1)


@pytest.mark.parametrize("name", ["coshnet_base", "coshnet_tiny"])
@pytest.mark.parametrize("shear", ["exact", "coshrem"])
def test_coshnet_fused_frontend_equals_frontend_then_conv(name, shear):
    """The fused path (one FFT filter per output of the first conv) is the same function as front end -> conv."""
    torch.manual_seed(0)
    model = create_model(name, shear=shear).to(torch.float64)
    with torch.no_grad():  # non-zero biases so that their folding is checked too
        for p in model.features[0].parameters():
            p.add_(0.1 * torch.randn_like(p))
    x = torch.rand(5, 1, 28, 28, dtype=torch.float64)
    model.fuse_frontend = True
    fused = model(x)
    gf = torch.autograd.grad(fused.square().sum(), list(model.features[0].parameters()))
    model.fuse_frontend = False
    plain = model(x)
    gp = torch.autograd.grad(plain.square().sum(), list(model.features[0].parameters()))
    assert torch.allclose(fused, plain, atol=1e-12, rtol=1e-10)
    for a, b in zip(gf, gp):
        assert torch.allclose(a, b, atol=1e-10, rtol=1e-8)
    unfused = create_model(name, shear=shear, fuse_frontend=False)
    assert not unfused.fuse_frontend


def test_create_model_rejects_unknown_arguments():
    with pytest.raises(ValueError, match="coshnet_tiny.*unexpected keyword argument 'bogus'"):
        create_model("coshnet_tiny", bogus=1)


# ----------------------------------------------------------------------------------------------------------------------
# Deep Complex Networks' vision ResNets
# ----------------------------------------------------------------------------------------------------------------------

DCN_COUNTS = {"dcn_resnet_ws": 1_680_292, "dcn_resnet_dn": 1_703_030, "dcn_resnet_ib": 1_689_783,
              "dcn_resnet_ws_real": 1_680_371, "dcn_resnet_dn_real": 1_736_796, "dcn_resnet_ib_real": 1_683_432}


def _dcn_count(filters: int, blocks: int, is_complex: bool, in_channels: int = 3, classes: int = 10) -> int:
    """DCN ResNet parameters from the layer formulas: a complex k x k conv has 2 k^2 cin cout reals, complex BN 5 per
    channel (3 for the symmetric gamma, 2 for the complex beta), real BN 2; the learned imaginary part has two BNs and
    two 1x1 convs on the input channels; projection blocks end twice as wide as they start."""
    conv = (lambda k, i, o: 2 * k * k * i * o) if is_complex else (lambda k, i, o: k * k * i * o)  # noqa: E731
    bn = (lambda c: 5 * c) if is_complex else (lambda c: 2 * c)  # noqa: E731
    total = 2 * (2 * in_channels) + 2 * in_channels * in_channels
    total += conv(3, in_channels if is_complex else 2 * in_channels, filters) + bn(filters)
    width = filters
    for stage in range(3):
        for b in range(blocks):
            total += bn(width) + conv(3, width, width) + bn(width) + conv(3, width, width)
            if stage > 0 and b == 0:
                total += conv(1, width, width)
                width *= 2
    return total + ((2 * width) if is_complex else width) * classes + classes


@pytest.mark.parametrize("name", sorted(DCN_COUNTS))
def test_dcn_resnet_counts(name):
    from deepcomplex.models.dcn import REAL_SIZES, SIZES

    size = name.split("_")[2]
    real = name.endswith("_real")
    filters, blocks = (REAL_SIZES if real else SIZES)[size]
    assert count_parameters(create_model(name)) == _dcn_count(filters, blocks, not real) == DCN_COUNTS[name]


@pytest.mark.parametrize("in_channels", [3, 1])
def test_dcn_real_twins_are_within_two_percent(in_channels):
    for size in ("ws", "dn", "ib"):
        c = count_parameters(create_model(f"dcn_resnet_{size}", in_channels=in_channels))
        r = count_parameters(create_model(f"dcn_resnet_{size}_real", in_channels=in_channels))
        assert abs(r - c) / c <= 0.02, size


def test_dcn_sizes_are_model_args():
    """filters= / blocks= pick other sizes, e.g. the paper's real models (2.6 % and 2.4 % under WS and DN here)."""
    from deepcomplex.models.dcn import PAPER_REAL_SIZES

    for size, (filters, blocks) in PAPER_REAL_SIZES.items():
        model = create_model(f"dcn_resnet_{size}_real", filters=filters, blocks=blocks)
        assert count_parameters(model) == _dcn_count(filters, blocks, False)
    assert count_parameters(create_model("dcn_resnet_ws_real", filters=18, blocks=14)) == 1_637_356
    assert count_parameters(create_model("dcn_resnet_ws", filters=4, blocks=2)) == _dcn_count(4, 2, True)


def _dcn_small(**kw):
    from deepcomplex.models.dcn import DCNResNet

    torch.manual_seed(0)
    return DCNResNet(filters=4, blocks=2, **kw)


def test_dcn_layout_projection_doubles_width_and_halves_resolution():
    m = _dcn_small(in_channels=3, num_classes=7)
    x = torch.rand(2, 3, 32, 32)
    h = m.stem(torch.complex(x, m.learn_imag(x)))
    shapes = []
    for stage in m.stages:
        h = stage(h)
        shapes.append((h.shape[1], h.shape[-1], h.dtype))
    assert shapes == [(4, 32, torch.complex64), (8, 16, torch.complex64), (16, 8, torch.complex64)]
    assert m(x).shape == (2, 7)
    real = _dcn_small(in_channels=1, num_classes=10, is_complex=False)
    assert real(torch.rand(2, 1, 28, 28)).shape == (2, 10)
    assert real.stem[0].in_channels == 2  # [x | learned imaginary part]


def test_dcn_projection_block_concatenates_projection_and_branch():
    from deepcomplex.models.dcn import ResidualBlock, _Builder

    torch.manual_seed(0)
    block = ResidualBlock(_Builder(True), 3, 5, projection=True).eval()
    x = torch.randn(2, 3, 8, 8, dtype=torch.complex64)
    out = block(x)
    assert out.shape == (2, 10, 4, 4)
    assert torch.allclose(out[:, :5], block.projection(x)) and torch.allclose(out[:, 5:], block.branch(x))
    regular = ResidualBlock(_Builder(True), 5, 5).eval()
    y = torch.randn(2, 5, 4, 4, dtype=torch.complex64)
    assert torch.allclose(regular(y), regular.branch(y) + y)
    with pytest.raises(ValueError, match="keeps its width"):
        ResidualBlock(_Builder(True), 3, 5)


@pytest.mark.parametrize("activation", ["crelu", "modrelu", "zrelu"])
@pytest.mark.parametrize("normalization", ["whitening", "naive"])
def test_dcn_ablation_options_build_and_train(activation, normalization):
    m = _dcn_small(activation=activation, normalization=normalization)
    kinds = {type(mod).__name__ for mod in m.modules()}
    assert {"crelu": "CReLU", "modrelu": "ModReLU", "zrelu": "ZReLU"}[activation] in kinds
    assert {"whitening": "ComplexBatchNorm2d", "naive": "NaiveComplexBatchNorm2d"}[normalization] in kinds
    opt = torch.optim.SGD(m.parameters(), lr=0.01)
    x, y = torch.rand(4, 3, 16, 16), torch.tensor([0, 1, 2, 3])
    loss = torch.nn.functional.cross_entropy(m(x), y)
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in m.parameters())
    opt.step()


def test_dcn_bad_options():
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        create_model("dcn_resnet_ws", activation="gelu")
    with pytest.raises(ValueError, match="unknown normalization 'layer'"):
        create_model("dcn_resnet_ib", normalization="layer")
    with pytest.raises(ValueError, match="model 'dcn_resnet_ws_real'"):
        create_model("dcn_resnet_ws_real", activation="crelu")


@pytest.mark.parametrize("name", list_models())
def test_every_registered_model_runs_under_torch_compile(name):
    """torch.compile (dynamo + AOT autograd, eager kernels) gives the eager model's outputs and input gradients; the
    compiled kernels of deepcomplex step aside under compilation, so the traced graph is plain PyTorch."""
    torch._dynamo.reset()  # each model traced afresh, not against guards and caches left by the previous ones
    torch.manual_seed(0)
    model, x = small_registry_model(name)
    model.train()
    x.requires_grad_()
    eager = model(x)
    (eager.abs() if eager.is_complex() else eager).sum().backward()
    gx = x.grad.clone()
    x.grad = None
    compiled = torch.compile(model, backend="aot_eager", dynamic=False)
    out = compiled(x)
    (out.abs() if out.is_complex() else out).sum().backward()
    torch.testing.assert_close(out, eager, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(x.grad, gx, rtol=1e-4, atol=1e-5)


def test_example_input_matches_what_each_model_takes():
    """Every registered model runs on its example input (the shapes export and the CLI rely on) and keeps the batch."""
    assert example_input("coshnet_tiny", 5).shape == (5, 1, 28, 28)
    assert example_input("dcn_resnet_ws", 2).shape == (2, 3, 28, 28)  # in_channels defaults to 3 there
    assert example_input("dcn_resnet_ws", 2, in_channels=1).shape == (2, 1, 28, 28)
    spectra = example_input("timit_convlstm", 4, n_freq=12)
    assert spectra.shape == (4, 8, 12) and spectra.dtype == torch.complex64
    for name in list_models():
        model, x = small_registry_model(name, batch=2)
        with torch.no_grad():
            assert model.eval()(x).shape[0] == 2, name
    with pytest.raises(ValueError, match="unknown model 'nope'"):
        example_input("nope")
