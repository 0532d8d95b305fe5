"""Complex (Conv)LSTM vs an independent step-by-step complex128 NumPy reference; gradcheck, errors, training."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy.lib.stride_tricks import sliding_window_view
from torch.func import functional_call

import deepcomplex.functional as CF
import deepcomplex.nn as cnn
from conftest import assert_matches, crandn, to_numpy

C128 = torch.complex128


# ------------------------------------------------------------------------------------------------ NumPy reference
def np_split_sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z.real)) + 1j / (1.0 + np.exp(-z.imag))


def np_split_tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z.real) + 1j * np.tanh(z.imag)


def np_step(gates: np.ndarray, c: np.ndarray, hidden: int) -> tuple[np.ndarray, np.ndarray]:
    """LSTM update with gate order i, f, g, o on axis 1 (complex products)."""
    i, f, g, o = (gates[:, k * hidden:(k + 1) * hidden] for k in range(4))
    c = np_split_sigmoid(f) * c + np_split_sigmoid(i) * np_split_tanh(g)
    return np_split_sigmoid(o) * np_split_tanh(c), c


def np_xcorr_same(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """'same' zero-padded cross-correlation of x (N, C, *S) with w (O, C, *K), odd K."""
    nd = w.ndim - 2
    pad = [(0, 0), (0, 0)] + [(k // 2, k // 2) for k in w.shape[2:]]
    win = sliding_window_view(np.pad(x, pad), w.shape[2:], axis=tuple(range(2, 2 + nd)))  # (N, C, *S, *K)
    if nd == 1:
        return np.einsum("ncsk,ock->nos", win, w)
    return np.einsum("nchwij,ocij->nohw", win, w)


def np_unroll(x, h0, c0, layers):
    """The layers over x (L, N, ...): ``layers`` holds (hidden size, gates(x_t, h)) per layer; h0, c0 (layers, N, ...)."""
    hs, cs = [], []
    for k, (hidden, gates) in enumerate(layers):
        h, c = h0[k], c0[k]
        outs = []
        for t in range(x.shape[0]):
            h, c = np_step(gates(x[t], h), c, hidden)
            outs.append(h)
        x = np.stack(outs)
        hs.append(h)
        cs.append(c)
    return x, np.stack(hs), np.stack(cs)


def np_lstm(x, params, h0, c0):
    """x (L, N, H_in); params [(w_ih, w_hh, b_ih, b_hh)]; h0, c0 (layers, N, H)."""
    def gates(w_ih, w_hh, b_ih, b_hh):
        return lambda xt, h: xt @ w_ih.T + h @ w_hh.T + (0 if b_ih is None else b_ih + b_hh)

    return np_unroll(x, h0, c0, [(w_hh.shape[1], gates(w_ih, w_hh, b_ih, b_hh)) for w_ih, w_hh, b_ih, b_hh in params])


def np_conv_lstm(x, params, h0, c0):
    """x (L, N, C, *S); params [(w_ih, w_hh, b)]; h0, c0 (layers, N, C_h, *S)."""
    def gates(w_ih, w_hh, b):
        bias = 0 if b is None else b.reshape((1, -1) + (1,) * (w_ih.ndim - 2))
        return lambda xt, h: np_xcorr_same(xt, w_ih) + np_xcorr_same(h, w_hh) + bias

    return np_unroll(x, h0, c0, [(w_hh.shape[1], gates(w_ih, w_hh, b)) for w_ih, w_hh, b in params])


def randomize_(module: torch.nn.Module) -> None:
    """Nonzero biases too, so every term of the equations is exercised."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(0.5 * crandn(*p.shape, dtype=p.dtype))


def lstm_params(m: cnn.ComplexLSTM) -> list:
    return [tuple(None if p is None else to_numpy(p) for p in m._layer(k)) for k in range(m.num_layers)]


def conv_params(m) -> list:
    return [(to_numpy(c.weight_ih), to_numpy(c.weight_hh), None if c.bias is None else to_numpy(c.bias))
            for c in m.cells]


# ------------------------------------------------------------------------------------------------------------ LSTM
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_lstm_matches_numpy(num_layers, batch_first, with_state):
    L, N, H_in, H = 4, 3, 5, 6
    m = cnn.ComplexLSTM(H_in, H, num_layers=num_layers, batch_first=batch_first, dtype=C128)
    randomize_(m)
    x = crandn(N, L, H_in) if batch_first else crandn(L, N, H_in)
    h0, c0 = crandn(num_layers, N, H), crandn(num_layers, N, H)
    out, (h_n, c_n) = m(x, (h0, c0) if with_state else None)
    xs = to_numpy(x).transpose(1, 0, 2) if batch_first else to_numpy(x)
    z = np.zeros((num_layers, N, H), complex)
    ref, rh, rc = np_lstm(xs, lstm_params(m), to_numpy(h0) if with_state else z, to_numpy(c0) if with_state else z)
    assert_matches(out, ref.transpose(1, 0, 2) if batch_first else ref)
    assert_matches(h_n, rh)
    assert_matches(c_n, rc)


def test_lstm_unbatched_no_bias_and_complex64():
    L, H_in, H = 5, 3, 4
    m = cnn.ComplexLSTM(H_in, H, num_layers=2, bias=False, batch_first=True, dtype=C128)  # batch_first ignored
    randomize_(m)
    x, h0, c0 = crandn(L, H_in), crandn(2, H), crandn(2, H)
    out, (h_n, c_n) = m(x, (h0, c0))
    ref, rh, rc = np_lstm(to_numpy(x)[:, None], lstm_params(m), to_numpy(h0)[:, None], to_numpy(c0)[:, None])
    assert_matches(out, ref[:, 0])
    assert_matches(h_n, rh[:, 0])
    assert_matches(c_n, rc[:, 0])
    m64 = cnn.ComplexLSTM(H_in, H, num_layers=2)
    assert m64.weight_ih_l0.dtype == torch.complex64
    x = crandn(L, 2, H_in, dtype=torch.complex64)
    out, (h_n, _) = m64(x)
    ref, rh, _ = np_lstm(to_numpy(x), lstm_params(m64), np.zeros((2, 2, H)), np.zeros((2, 2, H)))
    assert_matches(out, ref)
    assert_matches(h_n, rh)


def test_lstm_cell_matches_numpy_and_sequence():
    H_in, H, N = 3, 4, 2
    cell = cnn.ComplexLSTMCell(H_in, H, dtype=C128)
    randomize_(cell)
    x, h, c = crandn(N, H_in), crandn(N, H), crandn(N, H)
    w = [to_numpy(p) for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]
    rh, rc = np_step(to_numpy(x) @ w[0].T + w[2] + to_numpy(h) @ w[1].T + w[3], to_numpy(c), H)
    h1, c1 = cell(x, (h, c))
    assert_matches(h1, rh)
    assert_matches(c1, rc)
    hu, cu = cell(x[0], (h[0], c[0]))  # unbatched
    assert_matches(hu, rh[0])
    assert_matches(cu, rc[0])
    # functional form, and the zero default state equals an explicit zero state
    h2, c2 = CF.complex_lstm_cell(x, None, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    h3, c3 = cell(x, (torch.zeros_like(h), torch.zeros_like(c)))
    torch.testing.assert_close(h2, h3)
    torch.testing.assert_close(c2, c3)
    # a one-layer ComplexLSTM with the cell's weights is the cell unrolled
    seq = cnn.ComplexLSTM(H_in, H, dtype=C128)
    seq.load_state_dict({f"{k}_l0": v for k, v in cell.state_dict().items()})
    xs = crandn(3, N, H_in)
    out, _ = seq(xs)
    hc = None
    for t in range(3):
        hc = cell(xs[t], hc)
        torch.testing.assert_close(out[t], hc[0], rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------------------------------- ConvLSTM
@pytest.mark.parametrize("nd", [1, 2])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_conv_lstm_matches_numpy(nd, num_layers, batch_first, with_state):
    L, N, C, Ch = 3, 2, 2, 3
    spatial, kernel = ((7,), 3) if nd == 1 else ((5, 4), (3, 5))
    cls = cnn.ComplexConvLSTM1d if nd == 1 else cnn.ComplexConvLSTM2d
    m = cls(C, Ch, kernel, num_layers=num_layers, batch_first=batch_first, dtype=C128)
    randomize_(m)
    x = crandn(N, L, C, *spatial) if batch_first else crandn(L, N, C, *spatial)
    h0, c0 = crandn(num_layers, N, Ch, *spatial), crandn(num_layers, N, Ch, *spatial)
    out, (h_n, c_n) = m(x, (h0, c0) if with_state else None)
    xs = to_numpy(x).swapaxes(0, 1) if batch_first else to_numpy(x)
    z = np.zeros((num_layers, N, Ch, *spatial), complex)
    ref, rh, rc = np_conv_lstm(xs, conv_params(m), to_numpy(h0) if with_state else z, to_numpy(c0) if with_state else z)
    assert_matches(out, ref.swapaxes(0, 1) if batch_first else ref)
    assert_matches(h_n, rh)
    assert_matches(c_n, rc)


def test_conv_lstm_unbatched_no_bias_and_cell():
    L, C, Ch, S = 3, 2, 2, (4, 5)
    m = cnn.ComplexConvLSTM2d(C, Ch, 3, num_layers=2, bias=False, dtype=C128)
    randomize_(m)
    x, h0, c0 = crandn(L, C, *S), crandn(2, Ch, *S), crandn(2, Ch, *S)
    out, (h_n, c_n) = m(x, (h0, c0))
    ref, rh, rc = np_conv_lstm(to_numpy(x)[:, None], conv_params(m), to_numpy(h0)[:, None], to_numpy(c0)[:, None])
    assert_matches(out, ref[:, 0])
    assert_matches(h_n, rh[:, 0])
    assert_matches(c_n, rc[:, 0])
    for cell_cls, S in ((cnn.ComplexConvLSTMCell2d, (4, 5)), (cnn.ComplexConvLSTMCell1d, (6,))):
        cell = cell_cls(C, Ch, 3, dtype=C128)
        randomize_(cell)
        x, h, c = crandn(2, C, *S), crandn(2, Ch, *S), crandn(2, Ch, *S)
        w_ih, w_hh, b = to_numpy(cell.weight_ih), to_numpy(cell.weight_hh), to_numpy(cell.bias)
        gates = np_xcorr_same(to_numpy(x), w_ih) + np_xcorr_same(to_numpy(h), w_hh) + b.reshape((1, -1) + (1,) * len(S))
        rh, rc = np_step(gates, to_numpy(c), Ch)
        h1, c1 = cell(x, (h, c))
        assert_matches(h1, rh)
        assert_matches(c1, rc)
        hu, cu = cell(x[1], (h[1], c[1]))
        assert_matches(hu, rh[1])
        assert_matches(cu, rc[1])
        h2, c2 = CF.complex_conv_lstm_cell(x, (h, c), cell.weight_ih, cell.weight_hh, cell.bias)
        torch.testing.assert_close(h2, h1)
        torch.testing.assert_close(c2, c1)


def test_np_xcorr_same_matches_explicit_loop():
    """The reference cross-correlation itself, against a plain loop."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 2, 4, 5)) + 1j * rng.standard_normal((1, 2, 4, 5))
    w = rng.standard_normal((3, 2, 3, 3)) + 1j * rng.standard_normal((3, 2, 3, 3))
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((1, 3, 4, 5), complex)
    for o in range(3):
        for y in range(4):
            for xx in range(5):
                out[0, o, y, xx] = np.sum(w[o] * xp[0, :, y:y + 3, xx:xx + 3])
    np.testing.assert_allclose(np_xcorr_same(x, w), out, atol=1e-12)


# ------------------------------------------------------------------------------------------------------- gradients
def test_gradcheck_cells():
    x, h, c = crandn(2, 3, requires_grad=True), crandn(2, 2, requires_grad=True), crandn(2, 2, requires_grad=True)
    w = [(0.5 * crandn(*s)).requires_grad_() for s in ((8, 3), (8, 2), (8,), (8,))]
    assert torch.autograd.gradcheck(lambda *a: CF.complex_lstm_cell(a[0], (a[1], a[2]), *a[3:]), (x, h, c, *w))
    x, h, c = (crandn(1, k, 4, requires_grad=True) for k in (2, 1, 1))
    w = [(0.5 * crandn(*s)).requires_grad_() for s in ((4, 2, 3), (4, 1, 3), (4,))]
    assert torch.autograd.gradcheck(lambda *a: CF.complex_conv_lstm_cell(a[0], (a[1], a[2]), *a[3:]), (x, h, c, *w))


@pytest.mark.parametrize("conv", [False, True])
def test_gradcheck_sequence_modules(conv):
    if conv:
        m = cnn.ComplexConvLSTM2d(1, 1, 3, num_layers=2, batch_first=True, dtype=C128)
        x, h0, c0 = crandn(1, 2, 1, 2, 2), crandn(2, 1, 1, 2, 2), crandn(2, 1, 1, 2, 2)
    else:
        m = cnn.ComplexLSTM(2, 2, num_layers=2, batch_first=True, dtype=C128)
        x, h0, c0 = crandn(2, 3, 2), crandn(2, 2, 2), crandn(2, 2, 2)
    randomize_(m)
    names = [n for n, _ in m.named_parameters()]
    params = [p.detach().clone().requires_grad_() for p in m.parameters()]

    def f(x, h0, c0, *ps):
        out, (h_n, c_n) = functional_call(m, dict(zip(names, ps)), (x, (h0, c0)))
        return out, h_n, c_n

    inputs = (x.requires_grad_(), h0.requires_grad_(), c0.requires_grad_(), *params)
    assert torch.autograd.gradcheck(f, inputs)


# --------------------------------------------------------------------------------------------------- module basics
@pytest.mark.parametrize("make", [
    lambda: cnn.ComplexLSTM(3, 4, num_layers=2),
    lambda: cnn.ComplexLSTMCell(3, 4),
    lambda: cnn.ComplexConvLSTM2d(2, 3, 3, num_layers=2),
    lambda: cnn.ComplexConvLSTMCell1d(2, 3, 5),
])
def test_state_dict_round_trip_and_init(make):
    a, b = make(), make()
    sd = a.state_dict()
    assert all(v.dtype == torch.complex64 for v in sd.values())
    b.load_state_dict(sd)
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and torch.equal(va, vb)
    for name, p in a.named_parameters():
        if "bias" in name:
            hidden = p.shape[0] // 4
            expected = torch.zeros_like(p)
            if "bias_hh" not in name:
                expected[hidden:2 * hidden] = 1.0  # Re of the forget-gate bias
            assert torch.equal(p.detach(), expected), name
        else:
            assert p.detach().abs().min() > 0 and p.detach().imag.abs().sum() > 0, name
    b.reset_parameters()
    assert not torch.equal(a.state_dict()[next(iter(sd))], b.state_dict()[next(iter(sd))])


def test_names_repr_and_double():
    m = cnn.ComplexLSTM(3, 4, num_layers=2, bias=False, batch_first=True)
    assert [n for n, _ in m.named_parameters()] == ["weight_ih_l0", "weight_hh_l0", "weight_ih_l1", "weight_hh_l1"]
    assert repr(m) == "ComplexLSTM(3, 4, num_layers=2, bias=False, batch_first=True, dtype=torch.complex64)"
    assert repr(cnn.ComplexLSTMCell(3, 4)) == "ComplexLSTMCell(3, 4, dtype=torch.complex64)"
    assert "ComplexConvLSTMCell2d(2, 3, kernel_size=(3, 5)" in repr(cnn.ComplexConvLSTM2d(2, 3, (3, 5)))
    m = cnn.ComplexConvLSTM1d(2, 3, 3).to(torch.float64)  # kind preserved: complex64 -> complex128
    assert all(p.dtype == C128 for p in m.parameters())
    assert m(crandn(2, 1, 2, 5))[0].dtype == C128
    cell = cnn.ComplexLSTMCell(3, 4)
    assert cell.weight_ih.shape == (16, 3) and cell.weight_hh.shape == (16, 4)


# ------------------------------------------------------------------------------------------------------ bad inputs
def test_bad_inputs_lstm():
    m = cnn.ComplexLSTM(3, 4, num_layers=2)
    x = crandn(5, 2, 3, dtype=torch.complex64)
    with pytest.raises(TypeError, match=r"ComplexLSTM expects a complex tensor, got torch.float32"):
        m(torch.randn(5, 2, 3))
    with pytest.raises(TypeError, match=r"ComplexLSTM expects input of dtype torch.complex64.*complex128"):
        m(crandn(5, 2, 3))
    with pytest.raises(ValueError, match=r"ComplexLSTM expects 3 input features.*got 4"):
        m(crandn(5, 2, 4, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"ComplexLSTM expects a 2D or 3D input.*got 4D"):
        m(crandn(5, 2, 1, 3, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"ComplexLSTM expects a non-empty sequence"):
        m(x[:0])
    with pytest.raises(ValueError, match=r"ComplexLSTM expects initial state h of shape \(2, 2, 4\), got \(1, 2, 4\)"):
        m(x, (crandn(1, 2, 4, dtype=torch.complex64), crandn(2, 2, 4, dtype=torch.complex64)))
    with pytest.raises(ValueError, match=r"ComplexLSTM expects initial state c of shape \(2, 4\)"):
        m(x[:, 0], (crandn(2, 4, dtype=torch.complex64), crandn(2, 2, 4, dtype=torch.complex64)))
    with pytest.raises(TypeError, match=r"ComplexLSTM initial state h expects input of dtype torch.complex64"):
        m(x, (crandn(2, 2, 4), crandn(2, 2, 4)))
    with pytest.raises(TypeError, match=r"ComplexLSTM expects the initial state as a tuple \(h, c\)"):
        m(x, crandn(2, 2, 4, dtype=torch.complex64))
    cell = cnn.ComplexLSTMCell(3, 4)
    with pytest.raises(ValueError, match=r"ComplexLSTMCell expects state h of shape \(2, 4\)"):
        cell(x[0], (crandn(2, 5, dtype=torch.complex64), crandn(2, 4, dtype=torch.complex64)))
    with pytest.raises(ValueError, match=r"ComplexLSTMCell expects a 1D or 2D input"):
        cell(x)
    with pytest.raises(ValueError, match=r"ComplexLSTM: hidden_size must be a positive int"):
        cnn.ComplexLSTM(3, 0)
    with pytest.raises(TypeError, match=r"ComplexLSTMCell parameters must be torch.complex64 or torch.complex128"):
        cnn.ComplexLSTMCell(3, 4, dtype=torch.float32)
    with pytest.raises(ValueError, match=r"complex_lstm_cell expects weight_ih of shape \(4H, \.\.\.\)"):
        CF.complex_lstm_cell(x[0], None, crandn(8, 3, dtype=torch.complex64), crandn(8, 4, dtype=torch.complex64))


def test_bad_inputs_conv_lstm():
    with pytest.raises(ValueError, match=r"ComplexConvLSTM2d needs an odd kernel_size"):
        cnn.ComplexConvLSTM2d(2, 3, (3, 4))
    with pytest.raises(ValueError, match=r"ComplexConvLSTMCell1d needs an odd kernel_size"):
        cnn.ComplexConvLSTMCell1d(2, 3, 2)
    with pytest.raises(ValueError, match=r"ComplexConvLSTM1d expects kernel_size as a positive int or a tuple of 1"):
        cnn.ComplexConvLSTM1d(2, 3, (3, 3))
    m = cnn.ComplexConvLSTM2d(2, 3, 3)
    x = crandn(4, 1, 2, 5, 5, dtype=torch.complex64)
    with pytest.raises(TypeError, match=r"ComplexConvLSTM2d expects a complex tensor"):
        m(x.real)
    with pytest.raises(TypeError, match=r"ComplexConvLSTM2d expects input of dtype torch.complex64"):
        m(x.to(C128))
    with pytest.raises(ValueError, match=r"ComplexConvLSTM2d expects 2 input channels, got 3"):
        m(crandn(4, 1, 3, 5, 5, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"ComplexConvLSTM2d expects a 4D or 5D input \(L, C, H, W\) or"):
        m(x[0, 0])
    with pytest.raises(ValueError, match=r"ComplexConvLSTM2d expects a non-empty sequence"):
        m(x[:0])
    with pytest.raises(ValueError, match=r"ComplexConvLSTM2d expects non-empty spatial dimensions"):
        m(x[..., :0])
    with pytest.raises(ValueError, match=r"ComplexConvLSTM2d expects initial state h of shape \(1, 1, 3, 5, 5\)"):
        m(x, (crandn(1, 1, 3, 5, 4, dtype=torch.complex64), crandn(1, 1, 3, 5, 5, dtype=torch.complex64)))
    cell = cnn.ComplexConvLSTMCell2d(2, 3, 3)
    with pytest.raises(ValueError, match=r"ComplexConvLSTMCell2d expects state c of shape \(1, 3, 5, 5\)"):
        cell(x[0], (crandn(1, 3, 5, 5, dtype=torch.complex64), crandn(1, 2, 5, 5, dtype=torch.complex64)))
    with pytest.raises(ValueError, match=r"complex_conv_lstm_cell needs odd kernel sizes"):
        CF.complex_conv_lstm_cell(x[0], None, crandn(12, 2, 2, 2), crandn(12, 3, 2, 2))


# -------------------------------------------------------------------------------------------------------- training
def test_training_loss_falls():
    """Toy sequence regression: predict the running mean of a complex input sequence from the LSTM's h."""
    torch.manual_seed(0)
    lstm, head = cnn.ComplexLSTM(1, 8, batch_first=True), cnn.ComplexLinear(8, 1)
    opt = torch.optim.Adam([*lstm.parameters(), *head.parameters()], lr=2e-2)
    x = 0.7 * crandn(32, 10, 1, dtype=torch.complex64)
    y = x.cumsum(1) / torch.arange(1, 11).view(1, 10, 1)
    losses = []
    for _ in range(80):
        opt.zero_grad()
        loss = (head(lstm(x)[0]) - y).abs().pow(2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0], (losses[0], losses[-1])
