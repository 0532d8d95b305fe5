r"""Complex scaled dot-product attention and multi-head attention on native complex tensors.

The default score is the one of Eilers & Jiang, 2023, "Building blocks for a complex-valued transformer architecture",
ICASSP, Eq. 8 (also torchcvnn's): :math:`\operatorname{Re}(Q K^H) / \sqrt{d}`, a real softmax over the keys, and the
real weights times the complex values. Since :math:`\operatorname{Re}(q \bar k) = \operatorname{Re} q \cdot
\operatorname{Re} k + \operatorname{Im} q \cdot \operatorname{Im} k`, the scores are the real dot products of the
real views of the rows of :math:`Q` and :math:`K` (head dimension :math:`2d`), and the weights times the real view of
:math:`V` are the real view of the complex output: the whole attention is one call of torch's real
``scaled_dot_product_attention`` (fused, memory :math:`O(L)`), with ``scale`` :math:`1/\sqrt{d}` passed explicitly.
The real views are ``torch.view_as_real(x).flatten(-2)``, i.e. :math:`[\operatorname{Re} x_1, \operatorname{Im} x_1,
\operatorname{Re} x_2, \dots]`, a permutation of :math:`[\operatorname{Re} x \mid \operatorname{Im} x]` that leaves
every dot product as it is and costs no copy.
"""
from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F

from .._validation import check_complex

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

SOFTMAX_MODES = ("real", "abs", "split")


def _real_view(x: torch.Tensor) -> torch.Tensor:
    """(..., E) complex -> (..., 2E) real [Re x_1, Im x_1, Re x_2, ...]; a view when the last dim has stride 1."""
    return torch.view_as_real(x).flatten(-2)


def _complex_of(y: torch.Tensor) -> torch.Tensor:
    """(..., 2E) real [Re y_1, Im y_1, ...] -> (..., E) complex."""
    return torch.view_as_complex(y.unflatten(-1, (-1, 2)).contiguous())  # outputs of matmul/SDPA: no copy


def _imag_view(k: torch.Tensor) -> torch.Tensor:
    """The real view of i k: [-Im k_1, Re k_1, ...], so that Im(q conj(k)) = <real view of q, real view of i k>."""
    return torch.stack([-k.imag, k.real], -1).flatten(-2)


def _check_mask(name: str, mask: Optional[torch.Tensor], what: str) -> None:
    if mask is not None and (not isinstance(mask, torch.Tensor) or not (mask.dtype == torch.bool
                                                                        or mask.is_floating_point())):
        got = mask.dtype if isinstance(mask, torch.Tensor) else type(mask).__name__
        raise TypeError(f"{name} expects {what} to be a bool or real floating tensor, got {got}")


def _check_sdpa(name, query, key, value, attn_mask, dropout_p, is_causal, softmax) -> None:
    for what, t in (("query", query), ("key", key), ("value", value)):
        check_complex(f"{name} ({what})", t)
        if t.dim() < 2:
            raise ValueError(f"{name} expects {what} of shape (..., length, features), got shape {tuple(t.shape)}")
    if not query.dtype == key.dtype == value.dtype:
        raise TypeError(f"{name} expects query, key and value of one dtype, got {query.dtype}, {key.dtype} and "
                        f"{value.dtype}")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"{name} expects query and key with the same feature size, got {query.shape[-1]} and "
                         f"{key.shape[-1]}")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"{name} expects key and value of the same length, got {key.shape[-2]} and "
                         f"{value.shape[-2]}")
    if softmax not in SOFTMAX_MODES:
        raise ValueError(f"{name}: softmax must be one of {SOFTMAX_MODES}, got {softmax!r}")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{name}: dropout_p must be in [0, 1], got {dropout_p}")
    _check_mask(name, attn_mask, "attn_mask")
    if attn_mask is not None:
        if is_causal:
            raise ValueError(f"{name}: give either attn_mask or is_causal=True, not both (as torch)")
        want = (query.shape[-2], key.shape[-2])
        try:
            torch.broadcast_shapes(attn_mask.shape, (*torch.broadcast_shapes(query.shape[:-2], key.shape[:-2]), *want))
        except RuntimeError:
            raise ValueError(f"{name} expects attn_mask broadcastable to (..., L, S) = (..., {want[0]}, {want[1]}), "
                             f"got shape {tuple(attn_mask.shape)}") from None


def _additive(mask: Optional[torch.Tensor], is_causal: bool, length: int, source: int, dtype, device):
    """A bool mask (True = attend, as torch's scaled_dot_product_attention) or a float one as an additive real mask;
    the causal mask (top-left aligned, as torch) when ``is_causal``; None when there is no mask."""
    if is_causal:
        mask = torch.ones(length, source, dtype=torch.bool, device=device).tril()
    if mask is None:
        return None
    if mask.dtype == torch.bool:
        return torch.zeros(mask.shape, dtype=dtype, device=device).masked_fill(~mask, float("-inf"))
    return mask.to(dtype)


def _attention_weights(query: torch.Tensor, key: torch.Tensor, attn_mask=None, dropout_p: float = 0.0,
                      is_causal: bool = False, scale: Optional[float] = None, softmax: str = "real",
                      training: bool = True) -> torch.Tensor:
    """The materialised attention weights (..., L, S): real for "real" and "abs", complex for "split"; dropout (one
    mask for Re and Im) applied when ``dropout_p > 0`` and ``training``. No argument checks: callers make them."""
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    q = _real_view(query) * scale
    re = q @ _real_view(key).transpose(-2, -1)
    mask = _additive(attn_mask, is_causal, query.shape[-2], key.shape[-2], re.dtype, re.device)
    if softmax == "real":
        weights = torch.softmax(re if mask is None else re + mask, -1)
    else:
        im = q @ _imag_view(key).transpose(-2, -1)
        if softmax == "abs":
            s = torch.complex(re, im).abs()  # complex abs: a zero subgradient at 0, where hypot's is NaN
            weights = torch.softmax(s if mask is None else s + mask, -1)
        else:
            if mask is not None:
                re, im = re + mask, im + mask
            weights = torch.complex(torch.softmax(re, -1), torch.softmax(im, -1))
    if dropout_p > 0.0 and training:
        keep = F.dropout(torch.ones_like(re), dropout_p)  # one mask for the real weights, or Re and Im of complex ones
        weights = weights * keep
    return weights


def _apply_weights(weights: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """weights (..., L, S) times complex values (..., S, E): real weights through the real view of the values."""
    if weights.is_complex():
        return weights @ value
    return _complex_of(weights @ _real_view(value))


def scaled_dot_product_attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                                 attn_mask: Optional[torch.Tensor] = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: Optional[float] = None,
                                 softmax: str = "real") -> torch.Tensor:
    r"""Compute complex scaled dot-product attention: real or complex weights from complex scores, times complex values.

    .. math::
        S = Q K^{H} \cdot \text{scale}, \qquad
        \operatorname{Attention}(Q, K, V) = \operatorname{softmax}(\operatorname{Re} S + M) \, V

    for ``softmax="real"``: the score of Eilers & Jiang, 2023, "Building blocks for a complex-valued transformer
    architecture", ICASSP, Eq. 8 (torchcvnn's too), with the additive mask :math:`M` (0 or :math:`-\infty` for a
    boolean mask). It runs as ONE call of torch's real ``F.scaled_dot_product_attention`` on the real views
    :math:`[\operatorname{Re} x_1,
    \operatorname{Im} x_1, \dots]` of :math:`Q, K, V` (head dimension :math:`2E`, since :math:`\operatorname{Re}(q
    \bar k)` is the real dot product of the views), so its fused kernels apply and nothing of size :math:`L \times S`
    is kept. The other conventions materialise the scores: ``"abs"``: :math:`\operatorname{softmax}(|S| + M) V`
    (the magnitude score, also considered by Eilers & Jiang, 2023); ``"split"``: :math:`(\operatorname{softmax}(
    \operatorname{Re} S + M) + i \operatorname{softmax}(\operatorname{Im} S + M)) V`, complex weights (the split
    softmax, complextorch's default ``CVSoftMax``). complextorch 2.1.1 scores :math:`Q K^H / \sqrt{d}` too (its
    ``ScaledDotProductAttention``), with the split softmax by default and ``softmax_on="real"`` for the real one
    (read in its source; not :math:`Q K^T` without the conjugate). Dropout, applied during training as
    torch does, zeroes a weight for Re and Im at once.

    Args:
        query (Tensor): complex queries :math:`(..., L, E)`.
        key (Tensor): complex keys :math:`(..., S, E)`.
        value (Tensor): complex values :math:`(..., S, E_v)`.
        attn_mask (Tensor, optional): broadcastable to :math:`(..., L, S)`: bool (``True`` = take part, as torch's
            ``scaled_dot_product_attention``) or real float (added to the real scores). Default: ``None``.
        dropout_p (float): dropout probability on the weights; pass 0 in evaluation. Default: 0.0.
        is_causal (bool): apply the causal mask (query :math:`i` sees keys :math:`j \le i`, top-left aligned, as
            torch); excludes ``attn_mask``. Default: ``False``.
        scale (float, optional): score scale. Default: :math:`1/\sqrt{E}`, with :math:`E` the complex feature size.
        softmax (str): ``"real"``, ``"abs"`` or ``"split"`` (see above). Default: ``"real"``.

    Shape:
        - query: :math:`(..., L, E)`, key: :math:`(..., S, E)`, value: :math:`(..., S, E_v)`, complex of one dtype.
        - Output: :math:`(..., L, E_v)`, complex.

    Example::

        >>> q, k, v = (torch.randn(2, 8, 5, 16, dtype=torch.cfloat) for _ in range(3))
        >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
        torch.Size([2, 8, 5, 16])
        >>> F.scaled_dot_product_attention(q, k, v, softmax="split").dtype
        torch.complex64
    """
    _check_sdpa("scaled_dot_product_attention", query, key, value, attn_mask, dropout_p, is_causal, softmax)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    if softmax == "real":
        mask = attn_mask if attn_mask is None or attn_mask.dtype == torch.bool else attn_mask.to(query.real.dtype)
        out = F.scaled_dot_product_attention(_real_view(query), _real_view(key), _real_view(value), attn_mask=mask,
                                             dropout_p=dropout_p, is_causal=is_causal, scale=scale)
        return _complex_of(out)
    weights = _attention_weights(query, key, attn_mask, dropout_p, is_causal, scale, softmax)
    return _apply_weights(weights, value)


def multi_head_attention_forward(
        query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Optional[torch.Tensor], in_proj_bias: Optional[torch.Tensor],
        bias_k: Optional[torch.Tensor], bias_v: Optional[torch.Tensor], add_zero_attn: bool, dropout_p: float,
        out_proj_weight: torch.Tensor, out_proj_bias: Optional[torch.Tensor], training: bool = True,
        key_padding_mask: Optional[torch.Tensor] = None, need_weights: bool = True,
        attn_mask: Optional[torch.Tensor] = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Optional[torch.Tensor] = None, k_proj_weight: Optional[torch.Tensor] = None,
        v_proj_weight: Optional[torch.Tensor] = None, average_attn_weights: bool = True, is_causal: bool = False,
        softmax: str = "real") -> tuple[torch.Tensor, Optional[torch.Tensor]]:
    r"""Apply complex multi-head attention: project, attend per head, concatenate, project back.

    .. math::
        \operatorname{MultiHead}(Q, K, V) = [h_1, \dots, h_H] W_O^{T} + b_O, \qquad
        h_j = \operatorname{Attention}(Q W_{Q,j}^T + b_{Q,j}, \; K W_{K,j}^T + b_{K,j}, \; V W_{V,j}^T + b_{V,j})

    (Vaswani et al., 2017, "Attention is all you need", NeurIPS, Sec. 3.2.2) with complex projections and the complex
    attention of :func:`scaled_dot_product_attention` (Eilers & Jiang, 2023, ICASSP, Eq. 8 for ``softmax="real"``).
    The arguments of ``torch.nn.functional.multi_head_attention_forward`` (masks: ``True`` = masked out, float =
    added), plus ``softmax``. With ``need_weights=False`` it takes the fused path (one real
    ``scaled_dot_product_attention`` on real views); with ``need_weights=True`` it materialises the weights and
    returns them. Checks are the caller's (:class:`deepcomplex.nn.ComplexMultiheadAttention` makes them).

    Args:
        query (Tensor): complex :math:`(L, N, E)`.
        key (Tensor): complex :math:`(S, N, E_k)`.
        value (Tensor): complex :math:`(S, N, E_v)`.
        embed_dim_to_check (int): the model dimension :math:`E`.
        num_heads (int): number of heads :math:`H`; :math:`E / H` is the complex head dimension.
        in_proj_weight (Tensor, optional): packed complex :math:`(3E, E)` projections (None if separate).
        in_proj_bias (Tensor, optional): complex :math:`(3E)` biases.
        bias_k (Tensor, optional): complex :math:`(1, 1, E)` key appended to the keys.
        bias_v (Tensor, optional): complex :math:`(1, 1, E)` value appended to the values.
        add_zero_attn (bool): append a zero key and value.
        dropout_p (float): dropout probability on the attention weights.
        out_proj_weight (Tensor): complex :math:`(E, E)`.
        out_proj_bias (Tensor, optional): complex :math:`(E)`.
        training (bool): apply dropout. Default: ``True``.
        key_padding_mask (Tensor, optional): :math:`(N, S)`, bool (``True`` = ignore the key) or float (added).
        need_weights (bool): also return the attention weights (materialised). Default: ``True``.
        attn_mask (Tensor, optional): :math:`(L, S)` or :math:`(N H, L, S)`, bool (``True`` = masked) or float.
        use_separate_proj_weight (bool): use ``q/k/v_proj_weight`` in place of ``in_proj_weight``. Default: ``False``.
        q_proj_weight (Tensor, optional): complex :math:`(E, E)`.
        k_proj_weight (Tensor, optional): complex :math:`(E, E_k)`.
        v_proj_weight (Tensor, optional): complex :math:`(E, E_v)`.
        average_attn_weights (bool): average the returned weights over the heads. Default: ``True``.
        is_causal (bool): apply the causal mask (with or in place of ``attn_mask``). Default: ``False``.
        softmax (str): ``"real"``, ``"abs"`` or ``"split"``, as :func:`scaled_dot_product_attention`.

    Shape:
        - Output: :math:`(L, N, E)` complex, and the weights :math:`(N, L, S)` (averaged) or :math:`(N, H, L, S)`
          (real, complex for ``"split"``) or None.

    Example::

        >>> E, H = 16, 4
        >>> w, wo = torch.randn(3 * E, E, dtype=torch.cfloat), torch.randn(E, E, dtype=torch.cfloat)
        >>> x = torch.randn(10, 2, E, dtype=torch.cfloat)
        >>> out, attn = F.multi_head_attention_forward(x, x, x, E, H, w, None, None, None, False, 0.0, wo, None)
        >>> out.shape, attn.shape
        (torch.Size([10, 2, 16]), torch.Size([2, 10, 10]))
    """
    length, n, e = query.shape
    head = e // num_heads
    if not use_separate_proj_weight:
        if key is value and query is key:
            q, k, v = F.linear(query, in_proj_weight, in_proj_bias).chunk(3, -1)
        else:
            wq, wk, wv = in_proj_weight.chunk(3)
            bq, bk, bv = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
            q, k, v = F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)
    else:
        bq, bk, bv = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = F.linear(query, q_proj_weight, bq), F.linear(key, k_proj_weight, bk), F.linear(value, v_proj_weight,
                                                                                                 bv)
    real = q.real.dtype
    attn_mask = _mha_mask(attn_mask, real, num_heads, n)
    key_padding_mask = _mha_mask(key_padding_mask, real, num_heads, n)
    if bias_k is not None:
        k, v = torch.cat([k, bias_k.expand(1, n, e)]), torch.cat([v, bias_v.expand(1, n, e)])
        attn_mask = None if attn_mask is None else F.pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else F.pad(key_padding_mask, (0, 1))
    if add_zero_attn:
        k, v = torch.cat([k, k.new_zeros(1, n, e)]), torch.cat([v, v.new_zeros(1, n, e)])
        attn_mask = None if attn_mask is None else F.pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else F.pad(key_padding_mask, (0, 1))
    source = k.shape[0]
    # (len, N, E) -> (N, H, len, head): views whose last dimension has stride 1, so the real views are free
    q, k, v = (t.unflatten(-1, (num_heads, head)).permute(1, 2, 0, 3) for t in (q, k, v))
    causal_only = is_causal and key_padding_mask is None and (attn_mask is None or not need_weights)
    mask = None
    if not causal_only:
        if is_causal and attn_mask is None:
            attn_mask = torch.zeros(length, source, dtype=real, device=q.device).masked_fill(
                ~torch.ones(length, source, dtype=torch.bool, device=q.device).tril(), float("-inf"))
        mask = attn_mask.view(-1, num_heads, length, source) if attn_mask is not None and attn_mask.dim() == 3 \
            else attn_mask
        if key_padding_mask is not None:
            kpm = key_padding_mask.view(n, 1, 1, source)
            mask = kpm if mask is None else mask + kpm
    p = dropout_p if training else 0.0
    weights = None
    if need_weights:
        weights = _attention_weights(q, k, mask, p, causal_only, None, softmax)
        out = _apply_weights(weights, v)
        if average_attn_weights:
            weights = weights.mean(1)
    elif softmax == "real":
        out = _complex_of(F.scaled_dot_product_attention(_real_view(q), _real_view(k), _real_view(v), attn_mask=mask,
                                                         dropout_p=p, is_causal=causal_only, scale=1 / math.sqrt(head)))
    else:
        out = _apply_weights(_attention_weights(q, k, mask, p, causal_only, None, softmax), v)
    out = F.linear(out.permute(2, 0, 1, 3).flatten(-2), out_proj_weight, out_proj_bias)
    return out, weights


def _mha_mask(mask: Optional[torch.Tensor], dtype, num_heads: int, n: int) -> Optional[torch.Tensor]:
    """torch's MultiheadAttention mask (bool: True = masked out; float: added) as an additive real mask."""
    if mask is None:
        return None
    if mask.dtype == torch.bool:
        return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(mask, float("-inf"))
    return mask.to(dtype)
