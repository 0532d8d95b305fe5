"""deepcomplex.layers: the building blocks models share (Keras-style same padding, the real ConvLSTM twin)."""
from __future__ import annotations

import pytest
import torch

from deepcomplex.layers import ConvLSTM1d, ConvLSTMCell1d, KerasSamePad1d, same_length, valid_length


def conv_len(n, k, s):
    return (n - k) // s + 1


def test_keras_same_padding_lengths():
    for n in (4096, 1024, 1023, 7):
        for k, s in ((6, 2), (3, 2), (3, 1)):
            pad = KerasSamePad1d(k, s)(torch.ones(1, 1, n, dtype=torch.complex64))
            assert conv_len(pad.shape[-1], k, s) == -(-n // s)
    padded = KerasSamePad1d(3, 2)(torch.ones(1, 1, 1024))
    assert padded.shape[-1] == 1025 and padded[0, 0, 0] == 1 and padded[0, 0, -1] == 0  # odd sample on the right


def test_real_convlstm_equals_torch_lstm_at_kernel_1_width_1():
    """A ConvLSTM with a 1-wide kernel on a 1-wide input is an LSTM: compare with torch.nn.LSTM (gates i, f, g, o)."""
    torch.manual_seed(0)
    conv = ConvLSTM1d(3, 4, 1, num_layers=2, batch_first=True).double()
    lstm = torch.nn.LSTM(3, 4, num_layers=2, batch_first=True).double()
    with torch.no_grad():
        for k, cell in enumerate(conv.cells):
            getattr(lstm, f"weight_ih_l{k}").copy_(cell.conv_ih.weight[:, :, 0])
            getattr(lstm, f"weight_hh_l{k}").copy_(cell.conv_hh.weight[:, :, 0])
            getattr(lstm, f"bias_ih_l{k}").copy_(cell.conv_ih.bias)
            getattr(lstm, f"bias_hh_l{k}").zero_()
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    h0, c0 = torch.randn(2, 2, 4, dtype=torch.float64), torch.randn(2, 2, 4, dtype=torch.float64)
    out, (h, c) = conv(x.unsqueeze(-1), (h0.unsqueeze(-1), c0.unsqueeze(-1)))
    ref, (h_ref, c_ref) = lstm(x, (h0, c0))
    torch.testing.assert_close(out.squeeze(-1), ref)
    torch.testing.assert_close(h.squeeze(-1), h_ref)
    torch.testing.assert_close(c.squeeze(-1), c_ref)
    # time-major layout gives the same
    conv.batch_first = False
    out_t, _ = conv(x.unsqueeze(-1).transpose(0, 1), (h0.unsqueeze(-1), c0.unsqueeze(-1)))
    torch.testing.assert_close(out_t.transpose(0, 1), out)
    # initial forget-gate bias 1, other biases 0
    fresh = ConvLSTM1d(2, 3, 3)
    assert fresh.cells[0].conv_ih.bias.tolist() == [0.0] * 3 + [1.0] * 3 + [0.0] * 6
    with pytest.raises(ValueError, match="ConvLSTM1d expects 2 input channels, got 3"):
        fresh(torch.zeros(1, 2, 3, 5))
    with pytest.raises(ValueError, match="ConvLSTM1d expects a 4D input"):
        fresh(torch.zeros(2, 3, 5))


def test_output_lengths():
    assert [same_length(n, 2) for n in (4096, 1023, 7, 1)] == [2048, 512, 4, 1]
    assert [valid_length(n, 3, 2) for n in (4096, 7, 3, 2)] == [conv_len(4096, 3, 2), 3, 1, 0]


def test_real_convlstm_cell_is_one_step_of_the_layer():
    torch.manual_seed(0)
    rnn = ConvLSTM1d(2, 3, 3, num_layers=1).double()
    x = torch.randn(4, 1, 2, 7, dtype=torch.float64)
    h0, c0 = torch.randn(1, 4, 3, 7, dtype=torch.float64), torch.randn(1, 4, 3, 7, dtype=torch.float64)
    _, (h, c) = rnn(x, (h0, c0))
    h1, c1 = rnn.cells[0](x[:, 0], (h0[0], c0[0]))
    torch.testing.assert_close(h1, h[0], rtol=0, atol=0)
    torch.testing.assert_close(c1, c[0], rtol=0, atol=0)
    assert isinstance(rnn.cells[0], ConvLSTMCell1d)
    h_zero, _ = rnn.cells[0](x[:, 0])
    _, (h_ref, _) = rnn(x)
    torch.testing.assert_close(h_zero, h_ref[0], rtol=0, atol=0)
