"""Token embeddings for complex vision transformers: patch embedding by a strided complex convolution, class token."""
from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
from torch import nn

from .._validation import check_complex, check_positive_ints
from .conv import ComplexConv2d
from .module import KindPreservingModule, complex_dtype


def _pair(v) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else tuple(v)


class ComplexPatchEmbed(KindPreservingModule):
    r"""Cuts a complex image into non-overlapping patches and maps each to a complex token by one linear map.

    .. math::
        t_{n, (u, v)} = b + \sum_{c, i, j} W_{:, c, i, j} \; x_{n, c, \, u P + i, \, v P + j}

    the patch embedding of ViT (Dosovitskiy et al., 2021, "An Image is Worth 16x16 Words: Transformers for Image
    Recognition at Scale", ICLR, Sec. 3.1, Eq. 1, and its hybrid variant), computed as a complex convolution
    (Trabelsi et al., 2018, "Deep Complex Networks", ICLR, Eq. 1) with kernel size = stride = the patch size
    :math:`P`, then flattened to a sequence of :math:`(H / P)(W / P)` tokens in row-major patch order.

    Args:
        img_size (int or tuple, optional): the input's :math:`(H, W)`; when given, other sizes are an error, and
            ``num_patches`` is known before the first call. ``None`` takes any size divisible by the patch.
            Default: ``None``
        patch_size (int or tuple): the patch :math:`(P_H, P_W)`. Default: 4
        in_chans (int): number of complex channels :math:`C` of the input. Default: 1
        embed_dim (int): number :math:`E` of complex features of each token. Default: 64
        bias (bool): if ``True``, adds a learnable complex bias. Default: ``True``
        flatten (bool): if ``True``, returns tokens :math:`(N, L, E)`; else the grid :math:`(N, E, H/P, W/P)`.
            Default: ``True``
        device (torch.device, optional): device of the parameters. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``, the input dtype. Default: the
            complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(N, C, H, W)`, complex, :math:`H` and :math:`W` divisible by the patch size.
        - Output: :math:`(N, L, E)` with :math:`L = (H / P_H)(W / P_W)`, or :math:`(N, E, H / P_H, W / P_W)` with
          ``flatten=False``.

    Attributes:
        proj (ComplexConv2d): the strided convolution, weight :math:`(E, C, P_H, P_W)`.

    Example::

        >>> m = nn.ComplexPatchEmbed(img_size=28, patch_size=4, in_chans=1, embed_dim=32)
        >>> m(torch.randn(2, 1, 28, 28, dtype=torch.cfloat)).shape
        torch.Size([2, 49, 32])
        >>> m.num_patches
        49
    """

    def __init__(self, img_size: Optional[Union[int, Sequence[int]]] = None, patch_size: Union[int, Sequence[int]] = 4,
                 in_chans: int = 1, embed_dim: int = 64, bias: bool = True, flatten: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        self.patch_size = _pair(patch_size)
        check_positive_ints(name, patch_height=self.patch_size[0], patch_width=self.patch_size[1], in_chans=in_chans,
                            embed_dim=embed_dim)
        self.img_size = None if img_size is None else _pair(img_size)
        if self.img_size is not None and any(s % p for s, p in zip(self.img_size, self.patch_size)):
            raise ValueError(f"{name}: img_size {self.img_size} is not divisible by patch_size {self.patch_size}")
        self.in_chans, self.embed_dim, self.flatten = in_chans, embed_dim, flatten
        self.proj = ComplexConv2d(in_chans, embed_dim, self.patch_size, stride=self.patch_size, bias=bias,
                                  device=device, dtype=complex_dtype(name, dtype))

    @property
    def num_patches(self) -> Optional[int]:
        """Number of tokens :math:`L` per image, or ``None`` when ``img_size`` was not given."""
        if self.img_size is None:
            return None
        return (self.img_size[0] // self.patch_size[0]) * (self.img_size[1] // self.patch_size[1])

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_complex(name, input, self.proj.weight.dtype)
        if input.dim() != 4 or input.shape[1] != self.in_chans:
            raise ValueError(f"{name} expects a (N, {self.in_chans}, H, W) input, got shape {tuple(input.shape)}")
        size = tuple(input.shape[-2:])
        if self.img_size is not None and size != self.img_size:
            raise ValueError(f"{name} expects images of size {self.img_size}, got {size}")
        if any(s % p for s, p in zip(size, self.patch_size)):
            raise ValueError(f"{name}: image size {size} is not divisible by patch_size {self.patch_size}")
        out = self.proj(input)
        return out.flatten(2).transpose(1, 2) if self.flatten else out

    def extra_repr(self) -> str:
        return (f"img_size={self.img_size}, patch_size={self.patch_size}, in_chans={self.in_chans}, "
                f"embed_dim={self.embed_dim}, flatten={self.flatten}")


class ComplexClassToken(KindPreservingModule):
    r"""Prepends one learned complex token to every sequence of a batch (the class token of BERT and ViT).

    .. math::
        y_n = [\, c \,;\; x_{n, 1} \,;\; \dots \,;\; x_{n, L} \,]

    The learnable ``[class]`` embedding :math:`z_0^0 = x_{class}` of Dosovitskiy et al., 2021, "An Image is Worth
    16x16 Words: Transformers for Image Recognition at Scale", ICLR, Sec. 3.1, Eq. 1 (after Devlin et al., 2019,
    BERT), here a complex vector :math:`c` whose state after the encoder serves as the image representation.

    Args:
        embed_dim (int): number :math:`E` of complex features of each token.
        init_std (float): the token starts as :math:`\text{init\_std} \cdot z`, :math:`z` standard complex normal
            (:math:`E|z|^2 = 1`). Default: 0.02 (timm's ViT)
        device (torch.device, optional): device of the parameter. Default: torch's default device.
        dtype (torch.dtype, optional): ``torch.complex64`` or ``torch.complex128``, the input dtype. Default: the
            complex counterpart of torch's default dtype.

    Shape:
        - Input: :math:`(N, L, E)`, complex (batch first).
        - Output: :math:`(N, L + 1, E)`, the class token first.

    Attributes:
        cls_token (Tensor): complex learnable token of shape :math:`(1, 1, E)`.

    Example::

        >>> m = nn.ComplexClassToken(32)
        >>> m(torch.randn(2, 49, 32, dtype=torch.cfloat)).shape
        torch.Size([2, 50, 32])
    """

    def __init__(self, embed_dim: int, init_std: float = 0.02, device=None, dtype=None) -> None:
        super().__init__()
        check_positive_ints(type(self).__name__, embed_dim=embed_dim)
        self.embed_dim, self.init_std = embed_dim, init_std
        self.cls_token = nn.Parameter(torch.empty(1, 1, embed_dim, device=device,
                                                  dtype=complex_dtype(type(self).__name__, dtype)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        with torch.no_grad():
            self.cls_token.copy_(torch.randn_like(self.cls_token) * self.init_std)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_complex(name, input, self.cls_token.dtype)
        if input.dim() != 3 or input.shape[-1] != self.embed_dim:
            raise ValueError(f"{name} expects a (N, L, {self.embed_dim}) input, got shape {tuple(input.shape)}")
        return torch.cat([self.cls_token.expand(input.shape[0], -1, -1), input], dim=1)

    def extra_repr(self) -> str:
        return f"{self.embed_dim}, init_std={self.init_std}"
