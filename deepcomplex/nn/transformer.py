"""Complex transformer encoder layers and stacks with the arguments of torch.nn.TransformerEncoderLayer (Vaswani et al.,
2017) and the complex attention of Eilers & Jiang (ICASSP 2023); the decoder side is in transformer_decoder.py."""
from __future__ import annotations

import copy
from typing import Callable, Optional, Union

import torch
from torch import nn

from .._validation import check_complex, check_positive_ints
from .activation import CardioidReLU, CReLU, ModReLU, ZReLU
from .attention import ComplexMultiheadAttention
from .dropout import ComplexDropout
from .linear import ComplexLinear
from .module import KindPreservingModule, complex_dtype
from .normalization import ComplexLayerNorm

Activation = Union[str, Callable[[torch.Tensor], torch.Tensor]]
_NAMED = {"crelu": CReLU, "zrelu": ZReLU, "cardioid": CardioidReLU, "modrelu": ModReLU}


def _make_activation(name: str, activation: Activation, dtype: torch.dtype):
    """The feed-forward activation: a name of :data:`_NAMED` becomes its module (modReLU with one shared real bias of
    ``dtype``'s precision), a module or a callable is used as it is."""
    if isinstance(activation, str):
        if activation.lower() not in _NAMED:
            raise ValueError(f"{name}: unknown activation {activation!r}; use one of {sorted(_NAMED)}, a module or a "
                             f"callable on complex tensors")
        cls = _NAMED[activation.lower()]
        return cls(dtype=torch.float64 if dtype == torch.complex128 else torch.float32) if cls is ModReLU else cls()
    if not callable(activation):
        raise TypeError(f"{name}: activation must be a name, a module or a callable, got {type(activation).__name__}")
    return activation


def _reset_children(layer: nn.Module) -> None:
    """Reset every direct child that can be reset (attention, linear maps, norms, a module activation)."""
    for child in layer.children():
        if hasattr(child, "reset_parameters"):
            child.reset_parameters()


def _check_tokens(name: str, x: torch.Tensor, d_model: int, dtype: Optional[torch.dtype], what: str = "input") -> None:
    """A complex (L, N, E), (N, L, E) or unbatched (L, E) sequence of ``d_model`` features, of the layer's dtype."""
    check_complex(f"{name} ({what})", x, dtype)
    if x.dim() not in (2, 3) or x.shape[-1] != d_model:
        raise ValueError(f"{name} expects a 2D (unbatched) or 3D {what} with {d_model} features (d_model) in the last "
                         f"dimension, got shape {tuple(x.shape)}")


def _layer_arguments(name: str, d_model: int, nhead: int, dim_feedforward: int, dropout: float) -> None:
    check_positive_ints(name, d_model=d_model, nhead=nhead, dim_feedforward=dim_feedforward)
    if d_model % nhead:
        raise ValueError(f"{name}: d_model ({d_model}) must be divisible by nhead ({nhead})")
    if not 0.0 <= dropout <= 1.0:
        raise ValueError(f"{name}: dropout must be in [0, 1], got {dropout}")


class ComplexTransformerEncoderLayer(KindPreservingModule):
    r"""Applies one complex transformer encoder layer: self-attention and a feed-forward block, each with a residual.

    .. math::
        \text{post-norm:}\quad h = \operatorname{LN}_1(x + \operatorname{SA}(x)), \quad
        y = \operatorname{LN}_2(h + \operatorname{FF}(h)); \qquad
        \text{pre-norm:}\quad h = x + \operatorname{SA}(\operatorname{LN}_1(x)), \quad
        y = h + \operatorname{FF}(\operatorname{LN}_2(h))

    with :math:`\operatorname{FF}(x) = W_2 \, \sigma(W_1 x + b_1) + b_2`, the layer of Vaswani et al., 2017,
    "Attention Is All You Need", NeurIPS, Sec. 3.1-3.3 (pre-norm: Xiong et al., 2020, "On Layer Normalization in
    the Transformer Architecture", ICML), in complex arithmetic: SA is :class:`ComplexMultiheadAttention` with the
    scores :math:`\operatorname{Re}(Q K^H)/\sqrt{d}` of Eilers and Jiang, 2023, "Building blocks for a
    complex-valued transformer architecture", ICASSP; LN is :class:`ComplexLayerNorm` (the 2x2 whitening of
    Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 11, over the features); :math:`W_1, W_2` are complex
    linear maps and :math:`\sigma` a complex activation (CReLU by default, Trabelsi et al., 2018, Eq. 5). Dropout
    (zeroing Re and Im together) follows the attention, the activation and the feed-forward block, as torch's.
    The arguments and forward signature of ``torch.nn.TransformerEncoderLayer``.

    Args:
        d_model (int): number :math:`E` of complex features of each token.
        nhead (int): number of attention heads; must divide ``d_model``.
        dim_feedforward (int): width of the feed-forward block. Default: 2048
        dropout (float): dropout probability. Default: 0.1
        activation (str or callable): ``"crelu"``, ``"zrelu"``, ``"cardioid"``, ``"modrelu"`` (one learned bias), a
            module or a callable on complex tensors, e.g. ``deepcomplex.functional.crelu``. Default: ``"crelu"``
        layer_norm_eps (float): eps of the layer norms. Default: 1e-5
        batch_first (bool): if ``True``, inputs are :math:`(N, L, E)`, else :math:`(L, N, E)`. Default: ``False``
        norm_first (bool): if ``True``, the pre-norm layer, else the post-norm one. Default: ``False``
        bias (bool): if ``False``, the linear maps and the attention have no bias (the norms keep their shift
            :math:`\beta`). Default: ``True``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``, the input dtype. Default: the
            complex counterpart of torch's default dtype.
        softmax (str, keyword-only): the attention convention, ``"real"``, ``"abs"`` or ``"split"`` (see
            :func:`deepcomplex.functional.scaled_dot_product_attention`). Default: ``"real"``

    Shape:
        - src: :math:`(L, N, E)`, or :math:`(N, L, E)` with ``batch_first=True``, or unbatched :math:`(L, E)`;
          complex. ``src_mask``: :math:`(L, L)` or :math:`(N \cdot \text{nhead}, L, L)`, bool (``True`` = not
          attended) or real float (added to the scores); ``src_key_padding_mask``: :math:`(N, L)` (``True`` = a
          padding token). ``is_causal``: a hint that ``src_mask`` is the causal mask, or the causal mask itself
          when ``src_mask`` is ``None``.
        - Output: the same shape as ``src``.

    Example::

        >>> layer = nn.ComplexTransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, batch_first=True)
        >>> layer(torch.randn(2, 10, 32, dtype=torch.cfloat)).shape
        torch.Size([2, 10, 32])
        >>> layer(torch.randn(2, 10, 32, dtype=torch.cfloat), is_causal=True).dtype
        torch.complex64
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
        self.self_attn = ComplexMultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                                   softmax=softmax, **kw)
        self.linear1 = ComplexLinear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = ComplexDropout(dropout)
        self.linear2 = ComplexLinear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first, self.batch_first, self.d_model = norm_first, batch_first, d_model
        self.norm1 = ComplexLayerNorm(d_model, eps=layer_norm_eps, **kw)
        self.norm2 = ComplexLayerNorm(d_model, eps=layer_norm_eps, **kw)
        self.dropout1 = ComplexDropout(dropout)
        self.dropout2 = ComplexDropout(dropout)
        self.activation = _make_activation(name, activation, dtype)

    def reset_parameters(self) -> None:
        """Re-draw the attention and linear weights, reset the norms (and a modReLU bias)."""
        _reset_children(self)

    def forward(self, src: torch.Tensor, src_mask: Optional[torch.Tensor] = None,
                src_key_padding_mask: Optional[torch.Tensor] = None, is_causal: bool = False) -> torch.Tensor:
        _check_tokens(type(self).__name__, src, self.d_model, self.linear1.weight.dtype, "src")
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=bool(is_causal))[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _clones(module: nn.Module, n: int) -> nn.ModuleList:
    """``n`` deep copies of ``module`` (torch's ``_get_clones``): the layers start equal, as in torch's encoder."""
    return nn.ModuleList([copy.deepcopy(module) for _ in range(n)])


class ComplexTransformerEncoder(KindPreservingModule):
    r"""Applies a stack of ``num_layers`` complex transformer encoder layers, then an optional norm.

    .. math::
        y = \operatorname{norm}(f_{N} \circ \dots \circ f_1(x))

    the encoder of Vaswani et al., 2017, "Attention Is All You Need", NeurIPS, Sec. 3.1, made of copies of one
    :class:`ComplexTransformerEncoderLayer` (complex attention of Eilers and Jiang, 2023, "Building blocks for a
    complex-valued transformer architecture", ICASSP). The arguments of ``torch.nn.TransformerEncoder``; like torch,
    the copies start with equal weights (:class:`ComplexTransformer` re-initialises them).

    Args:
        encoder_layer (ComplexTransformerEncoderLayer): the layer to copy.
        num_layers (int): number of layers.
        norm (nn.Module, optional): applied to the output of the last layer, e.g. :class:`ComplexLayerNorm` (as a
            pre-norm stack needs). Default: ``None``

    Shape:
        - src: as :class:`ComplexTransformerEncoderLayer`'s, with its ``batch_first``; ``mask``,
          ``src_key_padding_mask`` and ``is_causal`` go to every layer (``is_causal=None`` means ``False``).
        - Output: the same shape as ``src``.

    Example::

        >>> layer = nn.ComplexTransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64)
        >>> encoder = nn.ComplexTransformerEncoder(layer, num_layers=2, norm=nn.ComplexLayerNorm(32))
        >>> encoder(torch.randn(10, 2, 32, dtype=torch.cfloat)).shape
        torch.Size([10, 2, 32])
    """

    def __init__(self, encoder_layer: nn.Module, num_layers: int, norm: Optional[nn.Module] = None) -> None:
        super().__init__()
        name = type(self).__name__
        check_positive_ints(name, num_layers=num_layers)
        if not isinstance(encoder_layer, nn.Module):
            raise TypeError(f"{name} expects encoder_layer to be a module, got {type(encoder_layer).__name__}")
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm

    def forward(self, src: torch.Tensor, mask: Optional[torch.Tensor] = None,
                src_key_padding_mask: Optional[torch.Tensor] = None, is_causal: Optional[bool] = None) -> torch.Tensor:
        out = src
        for layer in self.layers:
            out = layer(out, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return self.norm(out) if self.norm is not None else out


def _causal_mask(sz: int, device=None, dtype: Optional[torch.dtype] = None) -> torch.Tensor:
    """The causal mask of torch's Transformer: 0 on and below the diagonal, -inf above (real ``dtype``)."""
    dtype = torch.get_default_dtype() if dtype is None else dtype
    return torch.triu(torch.full((sz, sz), float("-inf"), dtype=dtype, device=device), diagonal=1)


class ComplexTransformer(KindPreservingModule):
    r"""Applies a complex encoder-decoder transformer, with the arguments and forward of ``torch.nn.Transformer``.

    .. math::
        m = \operatorname{Encoder}(\text{src}), \qquad y = \operatorname{Decoder}(\text{tgt}, m)

    the model of Vaswani et al., 2017, "Attention Is All You Need", NeurIPS, Sec. 3.1, with complex layers
    (:class:`ComplexTransformerEncoderLayer`, :class:`ComplexTransformerDecoderLayer`; the attention of Eilers and
    Jiang, 2023, "Building blocks for a complex-valued transformer architecture", ICASSP) and a final
    :class:`ComplexLayerNorm` after each stack, as torch's. Every layer is initialised independently (complex
    Glorot/He draws of Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Sec. 3.6).

    Args:
        d_model (int): number :math:`E` of complex features. Default: 512
        nhead (int): number of attention heads. Default: 8
        num_encoder_layers (int): encoder depth. Default: 6
        num_decoder_layers (int): decoder depth. Default: 6
        dim_feedforward (int): width of the feed-forward blocks. Default: 2048
        dropout (float): dropout probability. Default: 0.1
        activation (str or callable): as :class:`ComplexTransformerEncoderLayer`'s. Default: ``"crelu"``
        custom_encoder (nn.Module, optional): used in place of the default encoder. Default: ``None``
        custom_decoder (nn.Module, optional): used in place of the default decoder. Default: ``None``
        layer_norm_eps (float): eps of the layer norms. Default: 1e-5
        batch_first (bool): if ``True``, inputs are :math:`(N, L, E)`, else :math:`(L, N, E)`. Default: ``False``
        norm_first (bool): pre-norm layers if ``True``. Default: ``False``
        bias (bool): if ``False``, linear maps and attention have no bias. Default: ``True``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``. Default: the complex counterpart
            of torch's default dtype.

    Shape:
        - src: :math:`(S, N, E)` (:math:`(N, S, E)` with ``batch_first``, or :math:`(S, E)`); tgt: :math:`(T, N, E)`
          likewise; complex. src_mask :math:`(S, S)`, tgt_mask :math:`(T, T)`, memory_mask :math:`(T, S)` (or with
          a leading :math:`N \cdot \text{nhead}`); key padding masks :math:`(N, S)`, :math:`(N, T)`, :math:`(N, S)`.
        - Output: :math:`(T, N, E)` (or as tgt), complex.

    Example::

        >>> model = nn.ComplexTransformer(d_model=32, nhead=4, num_encoder_layers=2, num_decoder_layers=2,
        ...                               dim_feedforward=64, batch_first=True)
        >>> src, tgt = torch.randn(2, 10, 32, dtype=torch.cfloat), torch.randn(2, 7, 32, dtype=torch.cfloat)
        >>> model(src, tgt, tgt_mask=model.generate_square_subsequent_mask(7)).shape
        torch.Size([2, 7, 32])
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6, num_decoder_layers: int = 6,
                 dim_feedforward: int = 2048, dropout: float = 0.1, activation: Activation = "crelu",
                 custom_encoder: Optional[nn.Module] = None, custom_decoder: Optional[nn.Module] = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        from .transformer_decoder import ComplexTransformerDecoder, ComplexTransformerDecoderLayer

        name = type(self).__name__
        _layer_arguments(name, d_model, nhead, dim_feedforward, dropout)
        dtype = complex_dtype(name, dtype)
        kw = {"device": device, "dtype": dtype}
        args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = ComplexTransformerEncoder(ComplexTransformerEncoderLayer(*args, **kw), num_encoder_layers,
                                                     ComplexLayerNorm(d_model, eps=layer_norm_eps, **kw))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = ComplexTransformerDecoder(ComplexTransformerDecoderLayer(*args, **kw), num_decoder_layers,
                                                     ComplexLayerNorm(d_model, eps=layer_norm_eps, **kw))
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """Independent draws for every copied layer (torch re-draws all matrices with xavier_uniform_)."""
        for stack in (self.encoder, self.decoder):
            for layer in getattr(stack, "layers", ()):
                if hasattr(layer, "reset_parameters"):
                    layer.reset_parameters()

    def forward(self, src: torch.Tensor, tgt: torch.Tensor, src_mask: Optional[torch.Tensor] = None,
                tgt_mask: Optional[torch.Tensor] = None, memory_mask: Optional[torch.Tensor] = None,
                src_key_padding_mask: Optional[torch.Tensor] = None,
                tgt_key_padding_mask: Optional[torch.Tensor] = None,
                memory_key_padding_mask: Optional[torch.Tensor] = None, src_is_causal: Optional[bool] = None,
                tgt_is_causal: Optional[bool] = None, memory_is_causal: bool = False) -> torch.Tensor:
        name = type(self).__name__
        _check_tokens(name, src, self.d_model, None, "src")  # the dtype: checked by the layers against theirs
        _check_tokens(name, tgt, self.d_model, None, "tgt")
        if src.dim() != tgt.dim():
            raise ValueError(f"{name} expects src and tgt both batched or both unbatched, got shapes "
                             f"{tuple(src.shape)} and {tuple(tgt.shape)}")
        batch = 0 if self.batch_first else 1
        if src.dim() == 3 and src.shape[batch] != tgt.shape[batch]:
            raise ValueError(f"{name}: the batch number of src and tgt must be equal, got shapes {tuple(src.shape)} "
                             f"and {tuple(tgt.shape)}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device=None, dtype: Optional[torch.dtype] = None) -> torch.Tensor:
        """The causal (float) mask for a sequence of ``sz``: 0 on and below the diagonal, -inf above."""
        return _causal_mask(sz, device, dtype)

