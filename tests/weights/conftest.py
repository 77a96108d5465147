"""A stock-PyTorch Brant with the official key names, to test loading against.

It is built from ``nn.TransformerEncoderLayer`` and computes band power the way the
official code does (``scipy.signal.periodogram`` per patch), so it shares no code with
``bptlearn.nn``. Sizes are tiny: d=32, 2 heads, 2 temporal + 1 spatial layers.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.signal import periodogram
from torch import nn

D, NHEAD, FF, N_T, N_S, P = 32, 2, 64, 2, 1, 1500
EDGES = (4, 8, 13, 30, 50, 70, 90, 110, 128)


def _official_band_power(x: np.ndarray, fs: float) -> np.ndarray:
    freqs, psd = periodogram(x, fs=fs, axis=-1)
    bands = [psd[..., (freqs > lo) & (freqs <= hi)].sum(-1)
             for lo, hi in zip(EDGES[:-1], EDGES[1:], strict=True)]
    return np.log10(np.stack(bands, axis=-1) + 1)


class InputEmbedding(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Sequential(nn.Linear(P, D))
        self.band_encoding = nn.Parameter(torch.randn(8, D))
        self.positional_encoding = nn.Parameter(torch.randn(15, D))
        self.mask_encoding = nn.Parameter(torch.randn(P))
        self.power_mask_encoding = nn.Parameter(torch.randn(D))

    def forward(self, x: torch.Tensor, fs: float) -> torch.Tensor:
        power = torch.as_tensor(_official_band_power(x.double().numpy(), fs), dtype=x.dtype)
        band = torch.softmax(power, dim=-1) @ self.band_encoding
        return self.proj(x) + band + self.positional_encoding[: x.shape[2]]


def _stack(n: int) -> nn.TransformerEncoder:
    layer = nn.TransformerEncoderLayer(D, NHEAD, FF, batch_first=True)
    return nn.TransformerEncoder(layer, n, enable_nested_tensor=False)


class TimeEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.input_embedding = InputEmbedding()
        self.trans_enc = _stack(N_T)


class ChannelEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.trans_enc = _stack(N_S)
        self.proj_out = nn.Sequential(nn.Linear(D, P))


class StockBrant(nn.Module):
    """Official module tree: ``time`` (time_encoder.pt) and ``channel`` (channel_encoder.pt)."""

    def __init__(self) -> None:
        super().__init__()
        self.time = TimeEncoder()
        self.channel = ChannelEncoder()
        for p in self.parameters():  # non-trivial values everywhere, norms included
            nn.init.normal_(p, std=0.2)
        # a small patch projection and a large band matrix make band power matter
        nn.init.normal_(self.time.input_embedding.proj[0].weight, std=0.002)
        nn.init.normal_(self.time.input_embedding.band_encoding, std=2.0)

    @torch.no_grad()
    def forward(self, x: torch.Tensor, fs: float = 256.0) -> torch.Tensor:
        B, C, L, _ = x.shape
        tokens = self.time.input_embedding(x, fs)
        h = self.time.trans_enc(tokens.reshape(B * C, L, D)).view(B, C, L, D)
        h = h.transpose(1, 2).reshape(B * L, C, D)
        h = self.channel.trans_enc(h)
        return h.view(B, L, C, D).transpose(1, 2)


@pytest.fixture(scope="module")
def stock() -> StockBrant:
    torch.manual_seed(0)
    return StockBrant().eval()


@pytest.fixture(scope="module")
def signal() -> torch.Tensor:
    """Noise plus sines near band edges (7.9, 29.5, 108 Hz move band at fs=256 vs 250)."""
    rng = np.random.default_rng(0)
    t = np.arange(P) / 250.0
    amps = rng.uniform(1, 8, (2, 3, 4, 3, 1))
    sines = sum(amps[..., i, :] * np.sin(2 * np.pi * f * t) for i, f in
                enumerate((7.9, 29.5, 108.0)))
    return torch.as_tensor(sines + rng.standard_normal((2, 3, 4, P)), dtype=torch.float32)


@pytest.fixture
def official_dir(tmp_path, stock):
    """Folder with the official two files, no DDP prefix."""
    torch.save(stock.time.state_dict(), tmp_path / "time_encoder.pt")
    torch.save(stock.channel.state_dict(), tmp_path / "channel_encoder.pt")
    return tmp_path
