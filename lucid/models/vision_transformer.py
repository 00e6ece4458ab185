"""Vision Transformer (Dosovitskiy et al., 2021) with torchvision's layer names.

``conv_proj``, ``class_token``, ``encoder.pos_embedding``,
``encoder.layers.encoder_layer_N.{ln_1, self_attention, ln_2, mlp.0, mlp.3}``, ``encoder.ln`` and
``heads.head``; ``self_attention`` is an ``nn.MultiheadAttention`` with PyTorch's
``in_proj_weight``/``out_proj`` parameters.
"""

from __future__ import annotations

import functools
import math
from collections import OrderedDict

import lucid
import lucid.nn as nn
from lucid.models._layers import MLPBlock
from lucid.models._registry import register_model

__all__ = ["VisionTransformer", "EncoderBlock", "Encoder", "vit_b_16"]


class EncoderBlock(nn.Module):
    """Pre-norm transformer block: ``x + attn(ln_1(x))``, then ``x + mlp(ln_2(x))``.

    Examples:
        >>> import lucid
        >>> from lucid.models.vision_transformer import EncoderBlock
        >>> EncoderBlock(2, 16, 32, 0.0, 0.0)(lucid.zeros(1, 5, 16)).shape
        (1, 5, 16)
    """

    def __init__(self, num_heads: int, hidden_dim: int, mlp_dim: int, dropout: float, attention_dropout: float,
                 norm_layer=None):
        super().__init__()
        norm_layer = norm_layer or functools.partial(nn.LayerNorm, eps=1e-6)
        self.num_heads = num_heads
        self.ln_1 = norm_layer(hidden_dim)
        self.self_attention = nn.MultiheadAttention(hidden_dim, num_heads, dropout=attention_dropout,
                                                    batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.ln_2 = norm_layer(hidden_dim)
        self.mlp = MLPBlock(hidden_dim, mlp_dim, dropout)
        for m in self.mlp.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.normal_(m.bias, std=1e-6)

    def forward(self, input):
        if input.ndim != 3:
            raise ValueError(f"EncoderBlock expected input of shape (N, L, E), got {input.shape}")
        x = self.ln_1(input)
        x, _ = self.self_attention(x, x, x, need_weights=False)
        x = self.dropout(x) + input
        return x + self.mlp(self.ln_2(x))


class Encoder(nn.Module):
    """Learnt position embeddings, ``num_layers`` :class:`EncoderBlock` s and a final LayerNorm.

    Examples:
        >>> import lucid
        >>> from lucid.models.vision_transformer import Encoder
        >>> Encoder(5, 1, 2, 16, 32, 0.0, 0.0)(lucid.zeros(1, 5, 16)).shape
        (1, 5, 16)
    """

    def __init__(self, seq_length: int, num_layers: int, num_heads: int, hidden_dim: int, mlp_dim: int,
                 dropout: float, attention_dropout: float, norm_layer=None):
        super().__init__()
        norm_layer = norm_layer or functools.partial(nn.LayerNorm, eps=1e-6)
        self.pos_embedding = nn.Parameter(lucid.randn(1, seq_length, hidden_dim) * 0.02)
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.Sequential(OrderedDict(
            (f"encoder_layer_{i}", EncoderBlock(num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                                                norm_layer))
            for i in range(num_layers)))
        self.ln = norm_layer(hidden_dim)

    def forward(self, input):
        return self.ln(self.layers(self.dropout(input + self.pos_embedding)))


class VisionTransformer(nn.Module):
    """ViT: split the image into patches, embed them, prepend a class token, encode, classify the token.

    Args:
        image_size: input height and width (the input must have exactly this size).
        patch_size: side of the square patches; must divide ``image_size``.
        num_layers, num_heads, hidden_dim, mlp_dim: the encoder's depth and widths.
        dropout, attention_dropout: dropout probabilities (default 0).
        num_classes: outputs (default 1000).
        representation_size: width of an extra tanh "pre-logits" layer before the head (default none).

    Examples:
        >>> import lucid
        >>> from lucid.models import VisionTransformer
        >>> vit = VisionTransformer(32, 16, num_layers=1, num_heads=2, hidden_dim=16, mlp_dim=32, num_classes=3)
        >>> vit(lucid.zeros(2, 3, 32, 32)).shape
        (2, 3)
    """

    def __init__(self, image_size: int, patch_size: int, num_layers: int, num_heads: int, hidden_dim: int,
                 mlp_dim: int, dropout: float = 0.0, attention_dropout: float = 0.0, num_classes: int = 1000,
                 representation_size: int | None = None, norm_layer=None):
        super().__init__()
        if image_size % patch_size:
            raise ValueError(f"VisionTransformer: image_size ({image_size}) must be divisible by patch_size "
                             f"({patch_size})")
        self.image_size, self.patch_size = image_size, patch_size
        self.hidden_dim, self.mlp_dim = hidden_dim, mlp_dim
        self.num_classes = num_classes
        self.conv_proj = nn.Conv2d(3, hidden_dim, patch_size, stride=patch_size)
        seq_length = (image_size // patch_size) ** 2 + 1  # the patches and the class token
        self.class_token = nn.Parameter(lucid.zeros(1, 1, hidden_dim))
        self.encoder = Encoder(seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                               norm_layer)
        self.seq_length = seq_length
        heads: OrderedDict = OrderedDict()
        if representation_size is None:
            heads["head"] = nn.Linear(hidden_dim, num_classes)
        else:
            heads["pre_logits"] = nn.Linear(hidden_dim, representation_size)
            heads["act"] = nn.Tanh()
            heads["head"] = nn.Linear(representation_size, num_classes)
        self.heads = nn.Sequential(heads)
        fan_in = 3 * patch_size * patch_size
        nn.init.trunc_normal_(self.conv_proj.weight, std=math.sqrt(1 / fan_in))
        nn.init.zeros_(self.conv_proj.bias)
        if representation_size is not None:
            pre = self.heads.pre_logits
            nn.init.trunc_normal_(pre.weight, std=math.sqrt(1 / pre.in_features))
            nn.init.zeros_(pre.bias)
        nn.init.zeros_(self.heads.head.weight)
        nn.init.zeros_(self.heads.head.bias)

    def _process_input(self, x):
        if x.ndim != 4 or x.shape[1] != 3 or x.shape[2:] != (self.image_size, self.image_size):
            raise ValueError(f"VisionTransformer expected input of shape (N, 3, {self.image_size}, "
                             f"{self.image_size}), got {x.shape}")
        x = self.conv_proj(x)  # (N, hidden, H / p, W / p)
        return lucid.flatten(x, 2).permute(0, 2, 1)

    def forward(self, x):
        x = self._process_input(x)
        n = x.shape[0]
        x = lucid.cat([self.class_token.expand(n, -1, -1), x], 1)
        x = self.encoder(x)
        return self.heads(x[:, 0])


@register_model("vit_b_16", num_params=86_567_656,
                paper="An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale "
                      "(Dosovitskiy et al., 2021)")
def vit_b_16(image_size: int = 224, **kwargs) -> VisionTransformer:
    """ViT-B/16: 16x16 patches, 12 layers, 12 heads, width 768, MLP 3072.

    Examples:
        >>> import lucid.models as models
        >>> models.vit_b_16().encoder.pos_embedding.shape
        (1, 197, 768)
    """
    return VisionTransformer(image_size, 16, 12, 12, 768, 3072, **kwargs)
