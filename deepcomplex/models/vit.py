"""Complex vision transformers (ViT, Dosovitskiy et al., 2021) for 28 x 28 grey images: ``complex_vit_tiny``, its
real twin ``complex_vit_tiny_real`` (within 2 % of its parameters) and ``coshvit_tiny``, which reads the complex
shearlet coefficients of CoShNet's fixed front end (Ko et al., 2022) as tokens."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .. import backends
from .. import nn as cnn
from ..shearlet import ComplexShearlet2d
from .coshnet import COSHNET_MEAN, COSHNET_STD
from .registry import register_model


class _ComplexViTBody(nn.Module):
    """Class token, learned complex position embedding, pre-norm complex encoder, [Re | Im] of the class token's state
    -> real linear head: everything of a complex ViT after its tokens."""

    def __init__(self, num_tokens: int, num_classes: int, embed_dim: int, depth: int, num_heads: int,
                 dim_feedforward: int, dropout: float, activation: str) -> None:
        super().__init__()
        self.cls_token = cnn.ComplexClassToken(embed_dim)
        self.pos_embed = nn.Parameter(torch.empty(1, num_tokens + 1, embed_dim, dtype=torch.complex64))
        layer = cnn.ComplexTransformerEncoderLayer(embed_dim, num_heads, dim_feedforward, dropout, activation,
                                                   batch_first=True, norm_first=True)
        self.encoder = cnn.ComplexTransformerEncoder(layer, depth, norm=cnn.ComplexLayerNorm(embed_dim, eps=1e-5))
        self.head = nn.Sequential(cnn.ComplexToReal("cat", dim=-1), nn.Linear(2 * embed_dim, num_classes))
        with torch.no_grad():  # timm's ViT: position embedding drawn with std 0.02; layers drawn independently
            self.pos_embed.copy_(0.02 * torch.randn_like(self.pos_embed))
        for block in self.encoder.layers:
            block.reset_parameters()

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        h = self.encoder(self.cls_token(tokens) + self.pos_embed)
        return self.head(h[:, 0])


@backends.eager_under_compile
class ComplexViT(nn.Module):
    """Complex ViT: real image -> complex (imaginary part 0) -> complex patch embedding (conv, stride = patch) ->
    class token + learned complex position embedding -> ``depth`` pre-norm complex encoder layers (attention scores
    Re(Q K^H) / sqrt(d), CReLU feed-forward) -> complex layer norm -> [Re | Im] of the class token -> linear."""

    def __init__(self, img_size: int = 28, patch_size: int = 4, in_chans: int = 1, num_classes: int = 10,
                 embed_dim: int = 64, depth: int = 4, num_heads: int = 4, dim_feedforward: int = 128,
                 dropout: float = 0.0, activation: str = "crelu") -> None:
        super().__init__()
        self.patch_embed = cnn.ComplexPatchEmbed(img_size, patch_size, in_chans, embed_dim)
        self.body = _ComplexViTBody(self.patch_embed.num_patches, num_classes, embed_dim, depth, num_heads,
                                    dim_feedforward, dropout, activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(self.patch_embed(torch.complex(x, torch.zeros_like(x))))


class RealViT(nn.Module):
    """The real twin of ``ComplexViT``: real patch embedding, class token and position embedding, pre-norm
    ``torch.nn.TransformerEncoderLayer`` (ReLU), layer norm, linear head; widths chosen to match the parameter count."""

    def __init__(self, img_size: int = 28, patch_size: int = 4, in_chans: int = 1, num_classes: int = 10,
                 embed_dim: int = 92, depth: int = 4, num_heads: int = 4, dim_feedforward: int = 180,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.patch_embed = nn.Conv2d(in_chans, embed_dim, patch_size, stride=patch_size)
        tokens = (img_size // patch_size) ** 2
        self.cls_token = nn.Parameter(0.02 * torch.randn(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(0.02 * torch.randn(1, tokens + 1, embed_dim))
        layer = nn.TransformerEncoderLayer(embed_dim, num_heads, dim_feedforward, dropout, "relu", batch_first=True,
                                           norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth, norm=nn.LayerNorm(embed_dim), enable_nested_tensor=False)
        self.head = nn.Linear(embed_dim, num_classes)
        for block in self.encoder.layers:  # independent draws, as each layer of torch's own init
            for m in block.modules():
                if m is not block and hasattr(m, "_reset_parameters"):
                    m._reset_parameters()
                elif isinstance(m, nn.Linear):
                    m.reset_parameters()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.patch_embed(x).flatten(2).transpose(1, 2)
        tokens = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), tokens], 1) + self.pos_embed
        return self.head(self.encoder(tokens)[:, 0])


@backends.eager_under_compile
class CoShViT(nn.Module):
    """CoShNet's fixed complex shearlet front end (CoShRem, 20 complex channels at 32 x 32; Ko et al., 2022) whose
    coefficients, cut into patches, are the tokens of a small complex ViT: x / 255 normalized with CoShNet's constants
    and padded to 32 x 32 -> CoShRem -> complex patch embedding (20 channels, patch 4: 64 tokens) -> class token +
    position embedding -> pre-norm complex encoder -> [Re | Im] of the class token -> linear."""

    def __init__(self, num_classes: int = 10, shear: str = "exact", patch_size: int = 4, embed_dim: int = 32,
                 depth: int = 4, num_heads: int = 4, dim_feedforward: int = 64, dropout: float = 0.0,
                 activation: str = "crelu", image_size: int = 28, padded_size: int = 32) -> None:
        super().__init__()
        self.pad = (padded_size - image_size) // 2, padded_size - image_size - (padded_size - image_size) // 2
        self.frontend = ComplexShearlet2d(padded_size, shear=shear)
        self.patch_embed = cnn.ComplexPatchEmbed(padded_size, patch_size, self.frontend.num_filters, embed_dim)
        self.body = _ComplexViTBody(self.patch_embed.num_patches, num_classes, embed_dim, depth, num_heads,
                                    dim_feedforward, dropout, activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        l, r = self.pad
        coefficients = self.frontend(F.pad((x - COSHNET_MEAN) / COSHNET_STD, (l, r, l, r)))
        return self.body(self.patch_embed(coefficients))


@register_model
def complex_vit_tiny(num_classes: int = 10, in_chans: int = 1, embed_dim: int = 64, depth: int = 4,
                     num_heads: int = 4, dim_feedforward: int = 128, dropout: float = 0.0,
                     activation: str = "crelu") -> ComplexViT:
    """Complex ViT for 28 x 28 images, patch 4 (49 tokens + class token), 64 complex features, 4 layers of 4 heads
    (head dimension 16), feed-forward 128: 278,602 real parameters at the defaults."""
    return ComplexViT(28, 4, in_chans, num_classes, embed_dim, depth, num_heads, dim_feedforward, dropout, activation)


@register_model
def complex_vit_tiny_real(num_classes: int = 10, in_chans: int = 1, embed_dim: int = 92, depth: int = 4,
                          num_heads: int = 4, dim_feedforward: int = 180, dropout: float = 0.0) -> RealViT:
    """The real twin of ``complex_vit_tiny``: the same depth, heads and tokens, 92 real features, feed-forward 180, so
    that its parameter count is within 2 % of the complex model's."""
    return RealViT(28, 4, in_chans, num_classes, embed_dim, depth, num_heads, dim_feedforward, dropout)


@register_model
def coshvit_tiny(num_classes: int = 10, shear: str = "exact", embed_dim: int = 32, depth: int = 4, num_heads: int = 4,
                 dim_feedforward: int = 64, dropout: float = 0.0) -> CoShViT:
    """CoShRem coefficients as the tokens of a complex ViT (patch 4 on 32 x 32: 64 tokens), 32 complex features, 4
    layers of 4 heads, feed-forward 64: under 100k real parameters."""
    return CoShViT(num_classes, shear, 4, embed_dim, depth, num_heads, dim_feedforward, dropout)
