"""Swin Transformer (Liu et al., 2021), Swin-T, with torchvision's layer names.

``features.0`` is the patch embedding (conv, permute, LayerNorm); stages alternate with
``PatchMerging`` (``features.2.reduction``, ``features.2.norm``); each block has ``norm1``,
``attn.{qkv, proj, relative_position_bias_table, relative_position_index}``, ``norm2`` and
``mlp.0``/``mlp.3``; then ``norm`` and ``head``. Activations are channels-last ``(N, H, W, C)``.
"""

from __future__ import annotations

import functools

import numpy as np

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from lucid.models._layers import MLPBlock, Permute, init_trunc_normal
from lucid.models._registry import register_model

__all__ = ["SwinTransformer", "SwinTransformerBlock", "ShiftedWindowAttention", "PatchMerging", "swin_t"]


class PatchMerging(nn.Module):
    """Halve the resolution: concatenate each 2x2 neighbourhood (4C channels), normalise, project to 2C.

    Examples:
        >>> import lucid
        >>> from lucid.models.swin_transformer import PatchMerging
        >>> PatchMerging(8)(lucid.zeros(1, 4, 4, 8)).shape
        (1, 2, 2, 16)
    """

    def __init__(self, dim: int, norm_layer=nn.LayerNorm):
        super().__init__()
        self.dim = dim
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = norm_layer(4 * dim)

    def forward(self, x):
        h, w = x.shape[-3], x.shape[-2]
        x = F.pad(x, (0, 0, 0, w % 2, 0, h % 2))
        x = lucid.cat([x[..., 0::2, 0::2, :], x[..., 1::2, 0::2, :], x[..., 0::2, 1::2, :], x[..., 1::2, 1::2, :]],
                      -1)
        return self.reduction(self.norm(x))


def _relative_position_index(window: tuple) -> np.ndarray:
    """For each pair of positions in a window, the row of their offset in the bias table (flattened)."""
    wh, ww = window
    coords = np.stack(np.meshgrid(np.arange(wh), np.arange(ww), indexing="ij")).reshape(2, -1)
    rel = (coords[:, :, None] - coords[:, None, :]).transpose(1, 2, 0)
    rel[:, :, 0] += wh - 1
    rel[:, :, 1] += ww - 1
    rel[:, :, 0] *= 2 * ww - 1
    return rel.sum(-1).reshape(-1).astype(np.int64)


@functools.lru_cache(maxsize=64)
def _shift_mask(ph: int, pw: int, window: tuple, shift: tuple) -> np.ndarray:
    """Additive mask ``(windows, N, N)``: -100 between positions that the cyclic shift brought together."""
    region = np.zeros((ph, pw), dtype=np.float32)
    label = 0
    for hs in ((0, -window[0]), (-window[0], -shift[0]), (-shift[0], None)):
        for ws in ((0, -window[1]), (-window[1], -shift[1]), (-shift[1], None)):
            region[hs[0]:hs[1], ws[0]:ws[1]] = label
            label += 1
    region = region.reshape(ph // window[0], window[0], pw // window[1], window[1]).transpose(0, 2, 1, 3)
    region = region.reshape(-1, window[0] * window[1])
    diff = region[:, None, :] - region[:, :, None]
    return np.where(diff != 0, -100.0, 0.0).astype(np.float32)


class ShiftedWindowAttention(nn.Module):
    """Multi-head self-attention inside (shifted) windows, with a learnt relative position bias.

    Examples:
        >>> import lucid
        >>> from lucid.models.swin_transformer import ShiftedWindowAttention
        >>> ShiftedWindowAttention(8, [2, 2], [1, 1], 2)(lucid.zeros(1, 4, 4, 8)).shape
        (1, 4, 4, 8)
    """

    def __init__(self, dim: int, window_size, shift_size, num_heads: int, qkv_bias: bool = True,
                 proj_bias: bool = True, attention_dropout: float = 0.0, dropout: float = 0.0):
        super().__init__()
        if len(window_size) != 2 or len(shift_size) != 2:
            raise ValueError(f"window_size and shift_size must have 2 entries, got {window_size}, {shift_size}")
        if dim % num_heads:
            raise ValueError(f"ShiftedWindowAttention: dim ({dim}) must be divisible by num_heads ({num_heads})")
        self.window_size = tuple(window_size)
        self.shift_size = tuple(shift_size)
        self.num_heads = num_heads
        self.attention_dropout = attention_dropout
        self.dropout = dropout
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim, bias=proj_bias)
        wh, ww = self.window_size
        self.relative_position_bias_table = nn.Parameter(lucid.zeros((2 * wh - 1) * (2 * ww - 1), num_heads))
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        self.relative_position_index = nn.Buffer(lucid.tensor(_relative_position_index(self.window_size)))

    def _bias(self):
        n = self.window_size[0] * self.window_size[1]
        bias = self.relative_position_bias_table[self.relative_position_index]  # (N * N, heads)
        return bias.reshape(n, n, -1).permute(2, 0, 1).unsqueeze(0)

    def forward(self, x):
        b, h, w, c = x.shape
        (wh, ww), heads = self.window_size, self.num_heads
        pad_b, pad_r = (wh - h % wh) % wh, (ww - w % ww) % ww
        x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))
        ph, pw = h + pad_b, w + pad_r
        # NOTE: a window as large as the (padded) map makes a shift pointless; torchvision drops it too.
        shift = (0 if wh >= ph else self.shift_size[0], 0 if ww >= pw else self.shift_size[1])
        if any(shift):
            x = lucid.roll(x, shifts=(-shift[0], -shift[1]), dims=(1, 2))
        n_win, n = (ph // wh) * (pw // ww), wh * ww
        x = x.reshape(b, ph // wh, wh, pw // ww, ww, c).permute(0, 1, 3, 2, 4, 5).reshape(b * n_win, n, c)
        qkv = self.qkv(x).reshape(b * n_win, n, 3, heads, c // heads).permute(2, 0, 3, 1, 4)
        mask = self._bias()  # (1, heads, N, N)
        if any(shift):
            shift_mask = lucid.tensor(_shift_mask(ph, pw, self.window_size, shift))  # (windows, N, N)
            mask = (mask.reshape(1, 1, heads, n, n) + shift_mask.reshape(1, n_win, 1, n, n)).expand(
                b, n_win, heads, n, n).reshape(b * n_win, heads, n, n)
        # NOTE: written out rather than F.scaled_dot_product_attention, whose fused path treats a float
        # attn_mask as a constant: the relative position bias table must get its gradient.
        scores = lucid.matmul(qkv[0] * (c // heads) ** -0.5, qkv[1].transpose(-2, -1)) + mask
        weights = F.dropout(F.softmax(scores, dim=-1), self.attention_dropout, self.training)
        x = lucid.matmul(weights, qkv[2])
        x = x.permute(0, 2, 1, 3).reshape(b * n_win, n, c)
        x = F.dropout(self.proj(x), self.dropout, self.training)
        x = x.reshape(b, ph // wh, pw // ww, wh, ww, c).permute(0, 1, 3, 2, 4, 5).reshape(b, ph, pw, c)
        if any(shift):
            x = lucid.roll(x, shifts=shift, dims=(1, 2))
        return x[:, :h, :w, :]


class SwinTransformerBlock(nn.Module):
    """``x + drop_path(attn(norm1(x)))``, then ``x + drop_path(mlp(norm2(x)))``.

    Examples:
        >>> import lucid
        >>> from lucid.models.swin_transformer import SwinTransformerBlock
        >>> SwinTransformerBlock(8, 2, [2, 2], [0, 0])(lucid.zeros(1, 4, 4, 8)).shape
        (1, 4, 4, 8)
    """

    def __init__(self, dim: int, num_heads: int, window_size, shift_size, mlp_ratio: float = 4.0,
                 dropout: float = 0.0, attention_dropout: float = 0.0, stochastic_depth_prob: float = 0.0,
                 norm_layer=nn.LayerNorm, attn_layer=ShiftedWindowAttention):
        super().__init__()
        self.norm1 = norm_layer(dim)
        self.attn = attn_layer(dim, window_size, shift_size, num_heads, attention_dropout=attention_dropout,
                               dropout=dropout)
        self.stochastic_depth = nn.DropPath(stochastic_depth_prob)
        self.norm2 = norm_layer(dim)
        self.mlp = MLPBlock(dim, int(dim * mlp_ratio), dropout)
        for m in self.mlp.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.normal_(m.bias, std=1e-6)

    def forward(self, x):
        x = x + self.stochastic_depth(self.attn(self.norm1(x)))
        return x + self.stochastic_depth(self.mlp(self.norm2(x)))


class SwinTransformer(nn.Module):
    """Swin Transformer: patch embedding, stages of windowed attention blocks with patch merging, a head.

    Args:
        patch_size: ``[h, w]`` of the patches.
        embed_dim: width of the first stage (doubled by each merge).
        depths, num_heads: blocks and heads per stage.
        window_size: ``[h, w]`` of the attention windows; odd blocks shift them by half.
        mlp_ratio: MLP width as a multiple of the block width (default 4).
        dropout, attention_dropout: dropout probabilities (default 0).
        stochastic_depth_prob: drop probability of the last block, growing linearly (default 0.1).
        num_classes: outputs (default 1000).

    Examples:
        >>> import lucid
        >>> from lucid.models import SwinTransformer
        >>> net = SwinTransformer([4, 4], 8, [2, 2], [2, 4], [2, 2], num_classes=3)
        >>> net(lucid.zeros(1, 3, 16, 16)).shape
        (1, 3)
    """

    def __init__(self, patch_size, embed_dim: int, depths, num_heads, window_size, mlp_ratio: float = 4.0,
                 dropout: float = 0.0, attention_dropout: float = 0.0, stochastic_depth_prob: float = 0.1,
                 num_classes: int = 1000, norm_layer=None, block=None, downsample_layer=PatchMerging):
        super().__init__()
        if len(depths) != len(num_heads):
            raise ValueError(f"depths and num_heads must have the same length, got {depths} and {num_heads}")
        self.num_classes = num_classes
        block = block or SwinTransformerBlock
        norm_layer = norm_layer or functools.partial(nn.LayerNorm, eps=1e-5)
        layers: list = [nn.Sequential(nn.Conv2d(3, embed_dim, tuple(patch_size), stride=tuple(patch_size)),
                                      Permute([0, 2, 3, 1]), norm_layer(embed_dim))]
        total = sum(depths)
        block_id = 0
        for i, depth in enumerate(depths):
            dim = embed_dim * 2 ** i
            stage = []
            for j in range(depth):
                sd_prob = stochastic_depth_prob * block_id / max(total - 1.0, 1.0)
                shift = [0 if j % 2 == 0 else s // 2 for s in window_size]
                stage.append(block(dim, num_heads[i], window_size=window_size, shift_size=shift,
                                   mlp_ratio=mlp_ratio, dropout=dropout, attention_dropout=attention_dropout,
                                   stochastic_depth_prob=sd_prob, norm_layer=norm_layer))
                block_id += 1
            layers.append(nn.Sequential(*stage))
            if i < len(depths) - 1:
                layers.append(downsample_layer(dim, norm_layer))
        self.features = nn.Sequential(*layers)
        num_features = embed_dim * 2 ** (len(depths) - 1)
        self.norm = norm_layer(num_features)
        self.permute = Permute([0, 3, 1, 2])
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten(1)
        self.head = nn.Linear(num_features, num_classes)
        init_trunc_normal(self)

    def forward(self, x):
        x = self.permute(self.norm(self.features(x)))
        return self.head(self.flatten(self.avgpool(x)))


@register_model("swin_t", num_params=28_288_354,
                paper="Swin Transformer: Hierarchical Vision Transformer using Shifted Windows (Liu et al., 2021)")
def swin_t(**kwargs) -> SwinTransformer:
    """Swin-T: 4x4 patches, width 96, depths [2, 2, 6, 2], heads [3, 6, 12, 24], 7x7 windows.

    Examples:
        >>> import lucid.models as models
        >>> models.swin_t().features[1][0].attn.relative_position_bias_table.shape
        (169, 3)
    """
    return SwinTransformer([4, 4], 96, [2, 2, 6, 2], [3, 6, 12, 24], [7, 7],
                           **{"stochastic_depth_prob": 0.2, **kwargs})
