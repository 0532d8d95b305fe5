"""Complex transformer decoder layers and stacks with the arguments of torch.nn.TransformerDecoderLayer (Vaswani et al.,
2017) and the complex attention of Eilers & Jiang (ICASSP 2023)."""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from .._validation import check_positive_ints
from .attention import ComplexMultiheadAttention
from .dropout import ComplexDropout
from .linear import ComplexLinear
from .module import KindPreservingModule, complex_dtype
from .normalization import ComplexLayerNorm
from .transformer import Activation, _check_tokens, _clones, _layer_arguments, _make_activation, _reset_children


class ComplexTransformerDecoderLayer(KindPreservingModule):
    r"""Applies one complex transformer decoder layer: self-attention, attention to the memory, a feed-forward block.

    .. math::
        \text{post-norm:}\quad a = \operatorname{LN}_1(x + \operatorname{SA}(x)), \;
        b = \operatorname{LN}_2(a + \operatorname{MHA}(a, m)), \; y = \operatorname{LN}_3(b + \operatorname{FF}(b))

    (pre-norm: :math:`a = x + \operatorname{SA}(\operatorname{LN}_1(x))` and likewise), the decoder layer of Vaswani
    et al., 2017, "Attention Is All You Need", NeurIPS, Sec. 3.1, in complex arithmetic: the attention of
    :class:`ComplexMultiheadAttention` (scores :math:`\operatorname{Re}(Q K^H)/\sqrt{d}`, Eilers and Jiang, 2023,
    "Building blocks for a complex-valued transformer architecture", ICASSP), :class:`ComplexLayerNorm` (Trabelsi et
    al., 2018, "Deep Complex Networks", ICLR, Eq. 11) and a complex feed-forward block
    :math:`\operatorname{FF}(x) = W_2 \sigma(W_1 x + b_1) + b_2`. The arguments and forward signature of
    ``torch.nn.TransformerDecoderLayer``.

    Args:
        d_model (int): number :math:`E` of complex features of each token.
        nhead (int): number of attention heads; must divide ``d_model``.
        dim_feedforward (int): width of the feed-forward block. Default: 2048
        dropout (float): dropout probability. Default: 0.1
        activation (str or callable): ``"crelu"``, ``"zrelu"``, ``"cardioid"``, ``"modrelu"``, a module or a callable
            on complex tensors. Default: ``"crelu"``
        layer_norm_eps (float): eps of the layer norms. Default: 1e-5
        batch_first (bool): if ``True``, inputs are :math:`(N, L, E)`, else :math:`(L, N, E)`. Default: ``False``
        norm_first (bool): if ``True``, the pre-norm layer, else the post-norm one. Default: ``False``
        bias (bool): if ``False``, the linear maps and the attention have no bias. Default: ``True``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``, the input dtype. Default: the
            complex counterpart of torch's default dtype.
        softmax (str, keyword-only): the attention convention, ``"real"``, ``"abs"`` or ``"split"``. Default:
            ``"real"``

    Shape:
        - tgt: :math:`(T, N, E)`, memory: :math:`(S, N, E)` (:math:`(N, \cdot, E)` with ``batch_first``, or
          unbatched); complex. tgt_mask :math:`(T, T)`, memory_mask :math:`(T, S)` (or with a leading
          :math:`N \cdot \text{nhead}`), bool (``True`` = not attended) or real float (added);
          tgt_key_padding_mask :math:`(N, T)`, memory_key_padding_mask :math:`(N, S)`.
        - Output: the same shape as ``tgt``.

    Example::

        >>> layer = nn.ComplexTransformerDecoderLayer(d_model=32, nhead=4, dim_feedforward=64, batch_first=True)
        >>> tgt, memory = torch.randn(2, 7, 32, dtype=torch.cfloat), torch.randn(2, 10, 32, dtype=torch.cfloat)
        >>> layer(tgt, memory, tgt_is_causal=True).shape
        torch.Size([2, 7, 32])
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Activation = "crelu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None, *,
                 softmax: str = "real") -> None:
        super().__init__()
        name = type(self).__name__
        _layer_arguments(name, d_model, nhead, dim_feedforward, dropout)
        dtype = complex_dtype(name, dtype)
        kw = {"device": device, "dtype": dtype}
        mha = dict(dropout=dropout, bias=bias, batch_first=batch_first, softmax=softmax, **kw)
        self.self_attn = ComplexMultiheadAttention(d_model, nhead, **mha)
        self.multihead_attn = ComplexMultiheadAttention(d_model, nhead, **mha)
        self.linear1 = ComplexLinear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = ComplexDropout(dropout)
        self.linear2 = ComplexLinear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first, self.batch_first, self.d_model = norm_first, batch_first, d_model
        self.norm1 = ComplexLayerNorm(d_model, eps=layer_norm_eps, **kw)
        self.norm2 = ComplexLayerNorm(d_model, eps=layer_norm_eps, **kw)
        self.norm3 = ComplexLayerNorm(d_model, eps=layer_norm_eps, **kw)
        self.dropout1 = ComplexDropout(dropout)
        self.dropout2 = ComplexDropout(dropout)
        self.dropout3 = ComplexDropout(dropout)
        self.activation = _make_activation(name, activation, dtype)

    def reset_parameters(self) -> None:
        """Re-draw the attention and linear weights, reset the norms (and a modReLU bias)."""
        _reset_children(self)

    def forward(self, tgt: torch.Tensor, memory: torch.Tensor, tgt_mask: Optional[torch.Tensor] = None,
                memory_mask: Optional[torch.Tensor] = None, tgt_key_padding_mask: Optional[torch.Tensor] = None,
                memory_key_padding_mask: Optional[torch.Tensor] = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> torch.Tensor:
        name = type(self).__name__
        dtype = self.linear1.weight.dtype
        _check_tokens(name, tgt, self.d_model, dtype, "tgt")
        _check_tokens(name, memory, self.d_model, dtype, "memory")
        if tgt.dim() != memory.dim():
            raise ValueError(f"{name} expects tgt and memory both batched or both unbatched, got shapes "
                             f"{tuple(tgt.shape)} and {tuple(memory.shape)}")
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=bool(is_causal))[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                need_weights=False, is_causal=bool(is_causal))[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class ComplexTransformerDecoder(KindPreservingModule):
    r"""Applies a stack of ``num_layers`` complex transformer decoder layers, then an optional norm.

    .. math::
        y = \operatorname{norm}(g_{N}(\dots g_1(x, m) \dots, m))

    the decoder of Vaswani et al., 2017, "Attention Is All You Need", NeurIPS, Sec. 3.1, made of copies of one
    :class:`ComplexTransformerDecoderLayer` (complex attention of Eilers and Jiang, 2023, "Building blocks for a
    complex-valued transformer architecture", ICASSP), every layer attending to the same memory :math:`m`. The
    arguments of ``torch.nn.TransformerDecoder``; the copies start with equal weights, as torch's.

    Args:
        decoder_layer (ComplexTransformerDecoderLayer): the layer to copy.
        num_layers (int): number of layers.
        norm (nn.Module, optional): applied to the output of the last layer. Default: ``None``

    Shape:
        - tgt, memory and the masks: as :class:`ComplexTransformerDecoderLayer`'s (``tgt_is_causal=None`` means
          ``False``).
        - Output: the same shape as ``tgt``.

    Example::

        >>> layer = nn.ComplexTransformerDecoderLayer(d_model=32, nhead=4, dim_feedforward=64)
        >>> decoder = nn.ComplexTransformerDecoder(layer, num_layers=2)
        >>> decoder(torch.randn(7, 2, 32, dtype=torch.cfloat), torch.randn(10, 2, 32, dtype=torch.cfloat)).shape
        torch.Size([7, 2, 32])
    """

    def __init__(self, decoder_layer: nn.Module, num_layers: int, norm: Optional[nn.Module] = None) -> None:
        super().__init__()
        name = type(self).__name__
        check_positive_ints(name, num_layers=num_layers)
        if not isinstance(decoder_layer, nn.Module):
            raise TypeError(f"{name} expects decoder_layer to be a module, got {type(decoder_layer).__name__}")
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm

    def forward(self, tgt: torch.Tensor, memory: torch.Tensor, tgt_mask: Optional[torch.Tensor] = None,
                memory_mask: Optional[torch.Tensor] = None, tgt_key_padding_mask: Optional[torch.Tensor] = None,
                memory_key_padding_mask: Optional[torch.Tensor] = None, tgt_is_causal: Optional[bool] = None,
                memory_is_causal: bool = False) -> torch.Tensor:
        out = tgt
        for layer in self.layers:
            out = layer(out, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                        tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                        tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        return self.norm(out) if self.norm is not None else out
