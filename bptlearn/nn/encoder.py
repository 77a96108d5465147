"""The Transformer layers of Brant's temporal and spatial encoders.

Each layer computes what PyTorch's ``nn.TransformerEncoderLayer`` computes with its
defaults (post-LayerNorm, ReLU, dropout 0.1, eps 1e-5), written out so that attention
runs through :func:`torch.nn.functional.scaled_dot_product_attention`, residuals are
added in place, and the query/key/value projection is an ``nn.Linear`` (which dynamic
int8 quantisation can reach). The only key that differs from the stock layer is
``self_attn.in_proj.{weight,bias}`` (stock: ``self_attn.in_proj_{weight,bias}``);
:mod:`bptlearn.weights` maps it.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from .config import BPTConfig


class SelfAttention(nn.Module):
    """Multi-head self-attention over the second axis of a (N, T, d) tensor."""

    def __init__(self, config: BPTConfig) -> None:
        super().__init__()
        d = config.d_model
        self.nhead = config.nhead
        self.dropout = config.dropout
        self.in_proj = nn.Linear(d, 3 * d)
        self.out_proj = nn.Linear(d, d)

    def forward(self, x: Tensor, key_padding_mask: Tensor | None = None) -> Tensor:
        N, T, d = x.shape
        h = self.nhead
        # (N, T, 3d) -> 3 x (N, h, T, d/h)
        q, k, v = self.in_proj(x).view(N, T, 3, h, d // h).permute(2, 0, 3, 1, 4)
        attn_mask = None
        if key_padding_mask is not None:  # (N, T) True = padding -> (N, 1, 1, T) True = attend
            attn_mask = ~key_padding_mask[:, None, None, :]
        p = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, dropout_p=p)
        return self.out_proj(y.transpose(1, 2).reshape(N, T, d))  # (N, T, d)


class EncoderLayer(nn.Module):
    """Post-LayerNorm Transformer layer: attention, then a ReLU feed-forward block."""

    def __init__(self, config: BPTConfig) -> None:
        super().__init__()
        d, ff = config.d_model, config.dim_feedforward
        self.p = config.dropout
        self.self_attn = SelfAttention(config)
        self.linear1 = nn.Linear(d, ff)
        self.linear2 = nn.Linear(ff, d)
        self.norm1 = nn.LayerNorm(d, eps=1e-5)
        self.norm2 = nn.LayerNorm(d, eps=1e-5)

    def forward(self, x: Tensor, key_padding_mask: Tensor | None = None) -> Tensor:
        # x: (N, T, d); residuals added in place into freshly computed tensors
        a = F.dropout(self.self_attn(x, key_padding_mask), self.p, self.training)
        x = self.norm1(a.add_(x))
        hidden = F.dropout(F.relu(self.linear1(x), inplace=True), self.p, self.training)
        f = F.dropout(self.linear2(hidden), self.p, self.training)
        return self.norm2(f.add_(x))


class Encoder(nn.Module):
    """A stack of :class:`EncoderLayer` (no final norm, as in the paper)."""

    def __init__(self, config: BPTConfig, n_layers: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(config) for _ in range(n_layers))

    def forward(self, x: Tensor, key_padding_mask: Tensor | None = None) -> Tensor:
        for layer in self.layers:
            x = layer(x, key_padding_mask)
        return x
