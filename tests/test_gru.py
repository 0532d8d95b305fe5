"""Complex GRU and the bidirectional complex LSTM/GRU vs an independent step-by-step complex128 NumPy reference; the
shared stacking loop vs torch.nn.GRU / torch.nn.LSTM themselves on real tensors; gradcheck, errors, compile, export."""
from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from torch.func import functional_call

import deepcomplex.functional as CF
import deepcomplex.nn as cnn
from conftest import assert_matches, crandn, to_numpy
from deepcomplex.functional.gru import unroll_gru
from deepcomplex.functional.recurrent import unroll_lstm

C128 = torch.complex128


# ------------------------------------------------------------------------------------------------ NumPy reference
def np_sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z.real)) + 1j / (1.0 + np.exp(-z.imag))


def np_tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z.real) + 1j * np.tanh(z.imag)


def np_gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    """torch.nn.GRUCell's equations, written out gate by gate (order r, z, n), complex products."""
    H = w_hh.shape[1]
    gi = x @ w_ih.T + (0 if b_ih is None else b_ih)
    gh = h @ w_hh.T + (0 if b_hh is None else b_hh)
    r = np_sigmoid(gi[:, :H] + gh[:, :H])
    z = np_sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
    n = np_tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
    return (1 - z) * n + z * h


def np_lstm_cell(x, state, w_ih, w_hh, b_ih, b_hh):
    h, c = state
    H = w_hh.shape[1]
    g = x @ w_ih.T + h @ w_hh.T + (0 if b_ih is None else b_ih + b_hh)
    i, f, gg, o = (g[:, k * H:(k + 1) * H] for k in range(4))
    c = np_sigmoid(f) * c + np_sigmoid(i) * np_tanh(gg)
    return np_sigmoid(o) * np_tanh(c), c


def np_stack(x, params, state0, cell, bidirectional):
    """x (L, N, H_in); params per layer and direction (torch's order); state0: tuple of (layers * D, N, H).
    The reverse direction runs t = L-1..0 and its outputs are stored at their time index."""
    D = 2 if bidirectional else 1
    finals = [[] for _ in state0]
    for k in range(len(params) // D):
        outs = []
        for d in range(D):
            p = params[k * D + d]
            state = tuple(s[k * D + d] for s in state0)
            out = [None] * x.shape[0]
            for t in (range(x.shape[0] - 1, -1, -1) if d else range(x.shape[0])):
                state = cell(x[t], state, *p)
                out[t] = state[0]
            outs.append(np.stack(out))
            for f, s in zip(finals, state):
                f.append(s)
        x = np.concatenate(outs, -1)
    return x, [np.stack(f) for f in finals]


def np_gru(x, params, h0, bidirectional):
    out, (h_n,) = np_stack(x, params, (h0,), lambda xt, s, *p: (np_gru_cell(xt, s[0], *p),), bidirectional)
    return out, h_n


def np_lstm(x, params, h0, c0, bidirectional):
    out, (h_n, c_n) = np_stack(x, params, (h0, c0), np_lstm_cell, bidirectional)
    return out, h_n, c_n


def randomize_(module: torch.nn.Module) -> None:
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(0.5 * crandn(*p.shape, dtype=p.dtype))


def params_of(m) -> list:
    D = 2 if m.bidirectional else 1
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    return [tuple(None if getattr(m, f"{n}_l{k}{s}") is None else to_numpy(getattr(m, f"{n}_l{k}{s}")) for n in names)
            for k in range(m.num_layers) for s in ("", "_reverse")[:D]]


# --------------------------------------------------------------------------------------------- GRU vs the reference
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_gru_matches_numpy(num_layers, bidirectional, batch_first, with_state):
    L, N, H_in, H = 4, 3, 5, 6
    D = 2 if bidirectional else 1
    m = cnn.ComplexGRU(H_in, H, num_layers, batch_first=batch_first, bidirectional=bidirectional, dtype=C128)
    randomize_(m)
    x = crandn(N, L, H_in) if batch_first else crandn(L, N, H_in)
    h0 = crandn(D * num_layers, N, H)
    out, h_n = m(x, h0 if with_state else None)
    xs = to_numpy(x).transpose(1, 0, 2) if batch_first else to_numpy(x)
    ref, rh = np_gru(xs, params_of(m), to_numpy(h0) if with_state else np.zeros((D * num_layers, N, H)), bidirectional)
    assert out.shape == ((N, L, D * H) if batch_first else (L, N, D * H)) and h_n.shape == (D * num_layers, N, H)
    assert_matches(out, ref.transpose(1, 0, 2) if batch_first else ref)
    assert_matches(h_n, rh)


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("with_state", [False, True])
def test_bidirectional_lstm_matches_numpy(num_layers, with_state):
    L, N, H_in, H = 4, 2, 3, 5
    m = cnn.ComplexLSTM(H_in, H, num_layers, bidirectional=True, dtype=C128)
    randomize_(m)
    x, h0, c0 = crandn(L, N, H_in), crandn(2 * num_layers, N, H), crandn(2 * num_layers, N, H)
    out, (h_n, c_n) = m(x, (h0, c0) if with_state else None)
    z = np.zeros((2 * num_layers, N, H), complex)
    ref, rh, rc = np_lstm(to_numpy(x), params_of(m), to_numpy(h0) if with_state else z,
                          to_numpy(c0) if with_state else z, True)
    assert out.shape == (L, N, 2 * H)
    assert_matches(out, ref)
    assert_matches(h_n, rh)
    assert_matches(c_n, rc)
    # the reverse direction's last state is the one after t = 0: the first step of the output's second half
    torch.testing.assert_close(out[0, :, H:], h_n[-1], rtol=0, atol=0)
    torch.testing.assert_close(out[-1, :, :H], h_n[-2], rtol=0, atol=0)


def test_gru_unbatched_no_bias_and_complex64():
    L, H_in, H = 5, 3, 4
    m = cnn.ComplexGRU(H_in, H, num_layers=2, bias=False, bidirectional=True, dtype=C128)
    randomize_(m)
    x, h0 = crandn(L, H_in), crandn(4, H)
    out, h_n = m(x, h0)
    ref, rh = np_gru(to_numpy(x)[:, None], params_of(m), to_numpy(h0)[:, None], True)
    assert_matches(out, ref[:, 0])
    assert_matches(h_n, rh[:, 0])
    m64 = cnn.ComplexGRU(H_in, H, num_layers=2)
    assert m64.weight_ih_l0.dtype == torch.complex64
    x = crandn(L, 2, H_in, dtype=torch.complex64)
    out, h_n = m64(x)
    ref, rh = np_gru(to_numpy(x), params_of(m64), np.zeros((2, 2, H)), False)
    assert_matches(out, ref)
    assert_matches(h_n, rh)


def test_gru_cell_matches_numpy_and_sequence():
    H_in, H, N = 3, 4, 2
    cell = cnn.ComplexGRUCell(H_in, H, dtype=C128)
    randomize_(cell)
    x, h = crandn(N, H_in), crandn(N, H)
    w = [to_numpy(p) for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]
    ref = np_gru_cell(to_numpy(x), to_numpy(h), *w)
    assert_matches(cell(x, h), ref)
    assert_matches(cell(x[1], h[1]), ref[1])  # unbatched
    assert_matches(CF.complex_gru_cell(x, h, *(cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)), ref)
    torch.testing.assert_close(cell(x), cell(x, torch.zeros_like(h)))
    seq = cnn.ComplexGRU(H_in, H, dtype=C128)  # a one-layer GRU with the cell's weights is the cell unrolled
    seq.load_state_dict({f"{k}_l0": v for k, v in cell.state_dict().items()})
    xs = crandn(3, N, H_in)
    out, _ = seq(xs)
    hc = None
    for t in range(3):
        hc = cell(xs[t], hc)
        torch.testing.assert_close(out[t], hc, rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------ the loop against torch's own RNNs
def _torch_maps(rnn: torch.nn.RNNBase) -> list:
    ps = rnn._flat_weights
    return [(lambda s, w=ps[4 * i], b=ps[4 * i + 2]: torch.nn.functional.linear(s, w, b),
             lambda h, w=ps[4 * i + 1], b=ps[4 * i + 3]: torch.nn.functional.linear(h, w, b))
            for i in range(len(ps) // 4)]


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_stacking_loop_on_real_tensors_is_torchs_gru_and_lstm(num_layers, bidirectional):
    """The same loop and gate code run on real tensors give torch.nn.GRU / LSTM: gate order, the reverse direction,
    the concatenation and the state layout are torch's."""
    D = 2 if bidirectional else 1
    x, h0, c0 = torch.randn(5, 2, 3).double(), torch.randn(D * num_layers, 2, 4).double(), None
    c0 = torch.randn_like(h0)
    gru = torch.nn.GRU(3, 4, num_layers, bidirectional=bidirectional).double()
    want, want_h = gru(x, h0)
    got, got_h = unroll_gru(x, h0, _torch_maps(gru), bidirectional=bidirectional)
    torch.testing.assert_close(got, want, rtol=0, atol=1e-14)
    torch.testing.assert_close(got_h, want_h, rtol=0, atol=1e-14)
    lstm = torch.nn.LSTM(3, 4, num_layers, bidirectional=bidirectional).double()
    want, (want_h, want_c) = lstm(x, (h0, c0))
    got, (got_h, got_c) = unroll_lstm(x, h0, c0, _torch_maps(lstm), -1, bidirectional=bidirectional)
    torch.testing.assert_close(got, want, rtol=0, atol=1e-14)
    torch.testing.assert_close((got_h, got_c), (want_h, want_c), rtol=0, atol=1e-14)


def test_real_data_does_not_reduce_to_torchs_gru():
    """Documented: with real weights and input the split gates are sigma(a) + 0.5i, not torch's real GRU."""
    gru = torch.nn.GRU(3, 4).double()
    m = cnn.ComplexGRU(3, 4, dtype=C128)
    m.load_state_dict({k: v.to(C128) for k, v in gru.state_dict().items()})
    x = torch.randn(4, 2, 3).double()
    out, _ = m(x.to(C128))
    want, _ = gru(x)
    assert out.imag.abs().max() > 0.1
    assert (out.real - want).abs().max() > 1e-3


# ------------------------------------------------------------------------------------------------------- gradients
def test_gradcheck_gru_cell():
    x, h = crandn(2, 3, requires_grad=True), crandn(2, 2, requires_grad=True)
    w = [(0.5 * crandn(*s)).requires_grad_() for s in ((6, 3), (6, 2), (6,), (6,))]
    assert torch.autograd.gradcheck(CF.complex_gru_cell, (x, h, *w))


@pytest.mark.parametrize("cls", [cnn.ComplexGRU, cnn.ComplexLSTM])
def test_gradcheck_bidirectional_modules(cls):
    m = cls(2, 2, num_layers=2, batch_first=True, bidirectional=True, dtype=C128)
    randomize_(m)
    names = [n for n, _ in m.named_parameters()]
    params = [p.detach().clone().requires_grad_() for p in m.parameters()]
    x, h0, c0 = crandn(2, 3, 2), crandn(4, 2, 2), crandn(4, 2, 2)

    def f(x, h0, c0, *ps):
        hx = h0 if cls is cnn.ComplexGRU else (h0, c0)
        out, state = functional_call(m, dict(zip(names, ps)), (x, hx))
        return (out, state) if cls is cnn.ComplexGRU else (out, *state)

    assert torch.autograd.gradcheck(f, (x.requires_grad_(), h0.requires_grad_(), c0.requires_grad_(), *params))


# --------------------------------------------------------------------------------------------------- module basics
def test_parameter_names_and_shapes_are_torchs():
    for cls, ref in ((cnn.ComplexGRU, torch.nn.GRU), (cnn.ComplexLSTM, torch.nn.LSTM)):
        for bias in (True, False):
            m, t = cls(3, 4, 2, bias=bias, bidirectional=True), ref(3, 4, 2, bias=bias, bidirectional=True)
            assert [(n, p.shape) for n, p in m.named_parameters()] == [(n, p.shape) for n, p in t.named_parameters()]
    assert repr(cnn.ComplexGRU(3, 4, 2, bidirectional=True)) == \
        "ComplexGRU(3, 4, num_layers=2, bidirectional=True, dtype=torch.complex64)"
    assert repr(cnn.ComplexGRUCell(3, 4, bias=False)) == "ComplexGRUCell(3, 4, bias=False, dtype=torch.complex64)"
    m = cnn.ComplexGRU(3, 4).to(torch.float64)  # kind preserved: complex64 -> complex128
    assert all(p.dtype == C128 for p in m.parameters())


@pytest.mark.parametrize("make", [lambda: cnn.ComplexGRU(3, 4, num_layers=2, bidirectional=True),
                                  lambda: cnn.ComplexGRUCell(3, 4),
                                  lambda: cnn.ComplexLSTM(3, 4, bidirectional=True)])
def test_state_dict_round_trip_init_and_train_eval(make):
    a, b = make(), make()
    b.load_state_dict(a.state_dict())
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and torch.equal(va, vb) and va.dtype == torch.complex64
    for name, p in a.named_parameters():
        if name.startswith("weight"):
            assert p.detach().abs().min() > 0 and p.detach().imag.abs().sum() > 0, name
        elif isinstance(a, (cnn.ComplexGRU, cnn.ComplexGRUCell)):
            assert not p.detach().abs().any(), name  # GRU biases start at 0
    x = crandn(2, 3, dtype=torch.complex64) if isinstance(a, cnn.ComplexGRUCell) else crandn(5, 2, 3,
                                                                                             dtype=torch.complex64)
    a.train()
    y_train = a(x)
    a.eval()  # no dropout: train and eval compute the same
    torch.testing.assert_close(a(x), y_train, rtol=0, atol=0)
    torch.testing.assert_close(b(x), y_train, rtol=0, atol=0)
    b.reset_parameters()
    assert not torch.equal(next(a.parameters()), next(b.parameters()))


# ------------------------------------------------------------------------------------------------------ bad inputs
def test_bad_inputs_gru():
    m = cnn.ComplexGRU(3, 4, num_layers=2, bidirectional=True)
    x = crandn(5, 2, 3, dtype=torch.complex64)
    with pytest.raises(TypeError, match=r"ComplexGRU expects a complex tensor, got torch.float32"):
        m(torch.randn(5, 2, 3))
    with pytest.raises(TypeError, match=r"ComplexGRU expects input of dtype torch.complex64.*complex128"):
        m(crandn(5, 2, 3))
    with pytest.raises(ValueError, match=r"ComplexGRU expects 3 input features.*got 4"):
        m(crandn(5, 2, 4, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"ComplexGRU expects a 2D or 3D input.*got 4D"):
        m(x[None])
    with pytest.raises(ValueError, match=r"ComplexGRU expects a non-empty sequence"):
        m(x[:0])
    with pytest.raises(ValueError, match=r"ComplexGRU expects initial state h of shape \(4, 2, 4\), got \(2, 2, 4\)"):
        m(x, crandn(2, 2, 4, dtype=torch.complex64))
    with pytest.raises(TypeError, match=r"ComplexGRU expects the initial state h as one complex tensor"):
        m(x, (crandn(4, 2, 4, dtype=torch.complex64),))
    with pytest.raises(TypeError, match=r"ComplexGRU initial state h expects input of dtype torch.complex64"):
        m(x, crandn(4, 2, 4))
    cell = cnn.ComplexGRUCell(3, 4)
    with pytest.raises(ValueError, match=r"ComplexGRUCell expects state h of shape \(2, 4\), got \(2, 5\)"):
        cell(x[0], crandn(2, 5, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"ComplexGRUCell expects a 1D or 2D input"):
        cell(x)
    with pytest.raises(ValueError, match=r"ComplexGRU: num_layers must be a positive int"):
        cnn.ComplexGRU(3, 4, num_layers=0)
    with pytest.raises(TypeError, match=r"ComplexGRUCell parameters must be torch.complex64 or torch.complex128"):
        cnn.ComplexGRUCell(3, 4, dtype=torch.float32)
    w = crandn(12, 3, dtype=torch.complex64)
    with pytest.raises(ValueError, match=r"complex_gru_cell expects weight_ih of shape \(3H, \.\.\.\)"):
        CF.complex_gru_cell(x[0], None, w, crandn(16, 4, dtype=torch.complex64))
    with pytest.raises(ValueError, match=r"complex_gru with bidirectional=True expects parameters for 2 directions"):
        CF.complex_gru(x, None, [(w, crandn(12, 4, dtype=torch.complex64), None, None)], bidirectional=True)
    layer = (w, crandn(12, 4, dtype=torch.complex64), None, None)
    with pytest.raises(ValueError, match=r"complex_gru: layer 1 expects 3 input features, layer 0 gives 8 \(2 dir"):
        CF.complex_gru(x, None, [layer, layer, layer, layer], bidirectional=True)
    with pytest.raises(ValueError, match=r"complex_lstm: layer 1 expects 3 input features, layer 0 gives 8"):
        CF.complex_lstm(x, None, [(crandn(16, 3, dtype=torch.complex64), crandn(16, 4, dtype=torch.complex64),
                                   None, None)] * 4, bidirectional=True)
    with pytest.raises(ValueError, match=r"ComplexLSTM expects initial state c of shape \(2, 2, 4\)"):
        cnn.ComplexLSTM(3, 4, bidirectional=True)(x, (crandn(2, 2, 4, dtype=torch.complex64),
                                                      crandn(1, 2, 4, dtype=torch.complex64)))


# ------------------------------------------------------------------------------------------- training and compile
def test_training_loss_falls():
    """Toy task that needs both directions: predict x_{t+1} - x_{t-1} at every step from a bidirectional GRU."""
    torch.manual_seed(0)
    gru, head = cnn.ComplexGRU(1, 8, batch_first=True, bidirectional=True), cnn.ComplexLinear(16, 1)
    opt = torch.optim.Adam([*gru.parameters(), *head.parameters()], lr=2e-2)
    x = 0.7 * crandn(32, 10, 1, dtype=torch.complex64)
    pad = torch.nn.functional.pad(torch.view_as_real(x), (0, 0, 0, 0, 1, 1))
    y = torch.view_as_complex((pad[:, 2:] - pad[:, :-2]).contiguous())
    losses = []
    for _ in range(80):
        opt.zero_grad()
        loss = (head(gru(x)[0]) - y).abs().pow(2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0], (losses[0], losses[-1])


def test_torch_compile_matches_eager():
    torch._dynamo.reset()
    m = cnn.ComplexGRU(3, 4, num_layers=2, bidirectional=True)
    x = crandn(3, 2, 3, dtype=torch.complex64)
    compiled = torch.compile(m, backend="aot_eager", fullgraph=True)
    want, got = m(x), compiled(x)
    torch.testing.assert_close(got[0], want[0], rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(got[1], want[1], rtol=1e-5, atol=1e-6)
    got[0].abs().sum().backward()
    assert m.weight_hh_l1_reverse.grad is not None and m.weight_hh_l1_reverse.grad.abs().sum() > 0


def test_onnx_export_matches_eager(tmp_path):
    """A bidirectional GRU through to_onnx, run by onnxruntime at another batch size (export unrolls every step, so
    the sequence is short)."""
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    from deepcomplex.export import real_inputs, to_onnx

    logging.disable(logging.WARNING)
    try:
        m = cnn.ComplexGRU(3, 4, batch_first=True, bidirectional=True).eval()
        path = to_onnx(m, crandn(2, 3, 3, dtype=torch.complex64), tmp_path / "gru.onnx")
    finally:
        logging.disable(logging.NOTSET)
    x = crandn(5, 3, 3, dtype=torch.complex64)
    with torch.no_grad():
        out, h_n = m(x)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {"input_0": real_inputs((x,))[0].numpy()})
    np.testing.assert_allclose(got[0], torch.view_as_real(out).numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got[1], torch.view_as_real(h_n).numpy(), rtol=1e-4, atol=1e-5)


def test_real_layout_of_bidirectional_lstm_matches_eager():
    """The bidirectional LSTM's exported graph lowers to real ops (the same loop as the GRU's ONNX export above)."""
    from deepcomplex.export import real_layout

    m = cnn.ComplexLSTM(3, 4, bidirectional=True).eval()
    x = crandn(2, 2, 3, dtype=torch.complex64)
    with torch.no_grad():
        out, (h_n, c_n) = m(x)
    got = real_layout(m, x, dynamic_batch=False)(torch.view_as_real(x))
    for g, want in zip(got, (out, h_n, c_n)):
        torch.testing.assert_close(torch.view_as_complex(g.contiguous()), want, rtol=1e-5, atol=1e-6)
