"""Complex multi-head attention with the arguments of torch.nn.MultiheadAttention (Eilers & Jiang, ICASSP 2023)."""
from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from .. import functional as CF
from .. import init as cinit
from .._validation import check_complex, check_positive_ints
from .linear import ComplexLinear
from .module import KindPreservingModule, complex_dtype

_SOFTMAX = ("real", "abs", "split")


def _same_inputs(query, key, value, fn):
    """``fn`` of each input, keeping ``query is key is value`` (self-attention takes one packed projection)."""
    if query is key and key is value:
        query = key = value = fn(query)
        return query, key, value
    if key is value:
        key = value = fn(key)
        return fn(query), key, value
    return fn(query), fn(key), fn(value)


class ComplexMultiheadAttention(KindPreservingModule):
    r"""Applies complex multi-head attention, with the arguments and masks of ``torch.nn.MultiheadAttention``.

    .. math::
        \operatorname{MultiHead}(Q, K, V) = [h_1, \dots, h_H] W_O^{T} + b_O, \qquad
        h_j = \operatorname{softmax}\Big(\frac{\operatorname{Re}(Q_j K_j^{H})}{\sqrt{d}} + M\Big) V_j

    with complex projections :math:`Q_j = Q W_{Q,j}^T + b_{Q,j}` (likewise :math:`K_j, V_j`), :math:`d = E / H` the
    complex head dimension and :math:`M` the additive mask: multi-head attention (Vaswani et al., 2017, "Attention
    is all you need", NeurIPS, Sec. 3.2.2) with the complex score of Eilers & Jiang, 2023, "Building blocks for a
    complex-valued transformer architecture", ICASSP, Eq. 8 (torchcvnn's ``MultiheadAttention`` too). With
    ``need_weights=False`` the attention is one fused call of torch's real ``scaled_dot_product_attention`` on real
    views (head dimension :math:`2d`; see :func:`deepcomplex.functional.scaled_dot_product_attention`), so it costs
    what a real ``nn.MultiheadAttention(2E, H)`` costs and keeps no :math:`L \times S` matrix; ``need_weights=True``
    materialises the weights to return them (as torch, pass ``need_weights=False`` for speed). ``is_causal`` with no
    ``attn_mask`` applies the causal mask (torch raises there); with one, it is torch's hint that the mask is causal.

    Args:
        embed_dim (int): model dimension :math:`E` (complex features).
        num_heads (int): number of heads :math:`H`; must divide ``embed_dim``.
        dropout (float): dropout probability on the attention weights (training only). Default: 0.0.
        bias (bool): add complex biases to the input and output projections. Default: ``True``.
        add_bias_kv (bool): append a learned complex key and value to the keys and values. Default: ``False``.
        add_zero_attn (bool): append a zero key and value. Default: ``False``.
        kdim (int, optional): features of the key. Default: ``embed_dim``.
        vdim (int, optional): features of the value. Default: ``embed_dim``.
        batch_first (bool): inputs and output are :math:`(N, L, E)` rather than :math:`(L, N, E)`. Default: ``False``.
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``. Default: the complex counterpart
            of torch's default dtype.
        softmax (str): the score convention (keyword only): ``"real"`` (above), ``"abs"`` or ``"split"`` (see
            :func:`deepcomplex.functional.scaled_dot_product_attention`; these two materialise the scores).
            Default: ``"real"``.

    Forward arguments: ``query``, ``key``, ``value``; ``key_padding_mask`` :math:`(N, S)` (or :math:`(S)` unbatched),
    bool (``True`` = ignore that key) or float (added); ``need_weights`` (default ``True``); ``attn_mask``
    :math:`(L, S)` or :math:`(N H, L, S)`, bool (``True`` = not allowed) or float (added); ``average_attn_weights``
    (default ``True``); ``is_causal`` (default ``False``). Returns ``(output, weights or None)``.

    Shape:
        - query: :math:`(L, N, E)`, :math:`(N, L, E)` with ``batch_first`` or :math:`(L, E)` unbatched, complex.
        - key: :math:`(S, N, E_k)`, value: :math:`(S, N, E_v)` (batched like the query), complex of its dtype.
        - Output: the query's shape, complex; weights :math:`(N, L, S)` (averaged) or :math:`(N, H, L, S)`, real
          (complex for ``softmax="split"``), without :math:`N` for unbatched input.

    Attributes:
        in_proj_weight (Tensor): complex :math:`(3E, E)` packed query/key/value projections (``None`` when ``kdim``
            or ``vdim`` differ from ``embed_dim``: then ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight``),
            each block drawn with the complex Glorot criterion (Trabelsi et al., 2018, "Deep Complex Networks",
            ICLR, Sec. 3.6: :math:`\operatorname{Var}(\operatorname{Re} W) = \operatorname{Var}(\operatorname{Im} W)
            = 1 / (2E)`).
        in_proj_bias (Tensor): complex :math:`(3E)`, zeros.
        out_proj (ComplexLinear): the output projection :math:`E \to E`, complex Glorot weight, zero bias.

    Example::

        >>> mha = nn.ComplexMultiheadAttention(64, 8, batch_first=True)
        >>> x = torch.randn(2, 10, 64, dtype=torch.cfloat)
        >>> out, weights = mha(x, x, x)
        >>> out.shape, weights.shape, weights.dtype
        (torch.Size([2, 10, 64]), torch.Size([2, 10, 10]), torch.float32)
        >>> mha(x, x, x, need_weights=False, is_causal=True)[0].shape
        torch.Size([2, 10, 64])
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: Optional[int] = None,
                 vdim: Optional[int] = None, batch_first: bool = False, device=None, dtype=None, *,
                 softmax: str = "real") -> None:
        super().__init__()
        name = type(self).__name__
        check_positive_ints(name, embed_dim=embed_dim, num_heads=num_heads)
        kdim = embed_dim if kdim is None else kdim
        vdim = embed_dim if vdim is None else vdim
        check_positive_ints(name, kdim=kdim, vdim=vdim)
        if embed_dim % num_heads:
            raise ValueError(f"{name}: embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout must be in [0, 1], got {dropout}")
        if softmax not in _SOFTMAX:
            raise ValueError(f"{name}: softmax must be one of {_SOFTMAX}, got {softmax!r}")
        dtype = complex_dtype(name, dtype)
        kw = {"device": device, "dtype": dtype}
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.kdim, self.vdim, self.dropout, self.batch_first = kdim, vdim, dropout, batch_first
        self.add_zero_attn, self.softmax = add_zero_attn, softmax
        self._qkv_same_embed_dim = kdim == embed_dim and vdim == embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim, **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = nn.Parameter(torch.empty(embed_dim, embed_dim, **kw))
            self.k_proj_weight = nn.Parameter(torch.empty(embed_dim, kdim, **kw))
            self.v_proj_weight = nn.Parameter(torch.empty(embed_dim, vdim, **kw))
        if bias:
            self.in_proj_bias = nn.Parameter(torch.empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = ComplexLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = nn.Parameter(torch.empty(1, 1, embed_dim, **kw))
            self.bias_v = nn.Parameter(torch.empty(1, 1, embed_dim, **kw))
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            for block in self.in_proj_weight.data.chunk(3):
                cinit.complex_rayleigh_(block, "glorot")
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                cinit.complex_rayleigh_(w, "glorot")
        cinit.complex_rayleigh_(self.out_proj.weight, "glorot")
        for b in (self.in_proj_bias, self.out_proj.bias):
            if b is not None:
                nn.init.zeros_(b)
        for b in (self.bias_k, self.bias_v):
            if b is not None:  # torch draws them with xavier_normal_; complex Glorot here
                cinit.complex_rayleigh_(b.data.view(1, -1), "glorot")

    def forward(self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                key_padding_mask: Optional[torch.Tensor] = None, need_weights: bool = True,
                attn_mask: Optional[torch.Tensor] = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[torch.Tensor, Optional[torch.Tensor]]:
        batched = self._check(query, key, value, key_padding_mask, attn_mask)
        if not batched:
            query, key, value = _same_inputs(query, key, value, lambda t: t.unsqueeze(1))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = _same_inputs(query, key, value, lambda t: t.transpose(0, 1))
        out, weights = CF.multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias, self.bias_k,
            self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
            training=self.training, key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal, softmax=self.softmax)
        if not batched:
            return out.squeeze(1), None if weights is None else weights.squeeze(0)
        return (out.transpose(0, 1) if self.batch_first else out), weights

    def _check(self, query, key, value, key_padding_mask, attn_mask) -> bool:
        """Check the inputs and masks; True when batched."""
        name = type(self).__name__
        dtype = (self.in_proj_weight if self._qkv_same_embed_dim else self.q_proj_weight).dtype
        for what, t in (("query", query), ("key", key), ("value", value)):
            check_complex(f"{name} ({what})", t, dtype)
        if query.dim() not in (2, 3):
            raise ValueError(f"{name} expects a 2D (unbatched) or 3D query, got shape {tuple(query.shape)}")
        if key.dim() != query.dim() or value.dim() != query.dim():
            raise ValueError(f"{name} expects query, key and value of one rank, got shapes {tuple(query.shape)}, "
                             f"{tuple(key.shape)} and {tuple(value.shape)}")
        batched = query.dim() == 3
        for what, t, want in (("query", query, self.embed_dim), ("key", key, self.kdim), ("value", value, self.vdim)):
            if t.shape[-1] != want:
                dim = {"query": "embed_dim", "key": "kdim", "value": "vdim"}[what]
                raise ValueError(f"{name} expects {what} with {want} features ({dim}), got shape {tuple(t.shape)}")
        seq = 1 if batched and self.batch_first else 0
        if key.shape[seq] != value.shape[seq]:
            raise ValueError(f"{name} expects key and value of the same length, got shapes {tuple(key.shape)} and "
                             f"{tuple(value.shape)}")
        n = query.shape[1 - seq] if batched else None
        if batched and (key.shape[1 - seq] != n or value.shape[1 - seq] != n):
            raise ValueError(f"{name} expects query, key and value of one batch size, got shapes "
                             f"{tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}")
        length, source = query.shape[seq], key.shape[seq]
        for what, mask, shapes in (
                ("key_padding_mask", key_padding_mask, [(n, source)] if batched else [(source,)]),
                ("attn_mask", attn_mask, [(length, source), ((n if batched else 1) * self.num_heads, length, source)])):
            if mask is None:
                continue
            if not isinstance(mask, torch.Tensor) or not (mask.dtype == torch.bool or mask.is_floating_point()):
                got = mask.dtype if isinstance(mask, torch.Tensor) else type(mask).__name__
                raise TypeError(f"{name} expects {what} to be a bool or real floating tensor, got {got}")
            if tuple(mask.shape) not in shapes:
                raise ValueError(f"{name} expects {what} of shape {' or '.join(map(str, shapes))}, got "
                                 f"{tuple(mask.shape)}")
        return batched

    def extra_repr(self) -> str:
        extra = "" if self._qkv_same_embed_dim else f", kdim={self.kdim}, vdim={self.vdim}"
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}, "
                f"batch_first={self.batch_first}, softmax={self.softmax!r}{extra}")
