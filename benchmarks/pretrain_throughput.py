"""Tokens per second of one pretraining step: bptlearn vs a plain PyTorch loop, same run.

Ours is the step :func:`bptlearn.pretraining.pretrain` takes (masking, the
:class:`~bptlearn.pretraining.PretrainModule` forward with the chosen objective, backward,
gradient clipping, Adam, the cyclic learning rate). The reference is what one writes by
hand: Brant built from stock ``nn.TransformerEncoderLayer`` modules (the official module
tree), the same band power, an MSE over all tokens, and a plain ``Adam.step()``. Both run
interleaved, so machine noise hits them alike; the ratio is ours / reference. Objectives
with event heads get event labels (one in ten tokens inside a seizure); ``--objective all``
runs every objective of :data:`~bptlearn.pretraining.OBJECTIVES` in turn.

    python benchmarks/pretrain_throughput.py --preset nano --threads 2
    python benchmarks/pretrain_throughput.py --objective all --threads 1
    python benchmarks/pretrain_throughput.py --preset tiny --device cuda --precision bf16
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import torch
from torch import nn
from torch.optim.lr_scheduler import CyclicLR

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import interleaved  # noqa: E402

from bptlearn.nn import BPTConfig, BPTModel, band_power  # noqa: E402
from bptlearn.pretraining import (  # noqa: E402
    EVENT_NAMES,
    OBJECTIVES,
    PretrainModule,
    random_mask,
)


class StockBrant(nn.Module):
    """Brant from stock modules, as the official code builds it."""

    def __init__(self, cfg: BPTConfig) -> None:
        super().__init__()
        d, P = cfg.d_model, cfg.patch_len
        self.band_sfreq = cfg.band_sfreq
        self.proj = nn.Sequential(nn.Linear(P, d))
        self.band_encoding = nn.Parameter(torch.randn(8, d))
        self.positional_encoding = nn.Parameter(torch.randn(cfg.n_patches, d))
        self.mask_encoding = nn.Parameter(torch.zeros(P))

        def stack(n: int) -> nn.TransformerEncoder:
            layer = nn.TransformerEncoderLayer(d, cfg.nhead, cfg.dim_feedforward,
                                               cfg.dropout, batch_first=True)
            return nn.TransformerEncoder(layer, n, enable_nested_tensor=False)

        self.time_enc, self.channel_enc = stack(cfg.n_temporal_layers), stack(cfg.n_spatial_layers)
        self.proj_out = nn.Sequential(nn.Linear(d, P))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        B, C, L, P = x.shape
        band = torch.softmax(band_power(x, self.band_sfreq), dim=-1) @ self.band_encoding
        x_in = torch.where(mask.unsqueeze(-1), self.mask_encoding, x)
        tok = self.proj(x_in) + band + self.positional_encoding[:L]
        d = tok.shape[-1]
        h = self.time_enc(tok.reshape(B * C, L, d)).view(B, C, L, d)
        h = self.channel_enc(h.transpose(1, 2).reshape(B * L, C, d))
        h = h.view(B, L, C, d).transpose(1, 2)
        return self.proj_out(h)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="nano")
    p.add_argument("--objective", default="official", choices=["all", *sorted(OBJECTIVES)])
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--n-chans", type=int, default=16)
    p.add_argument("--n-patches", type=int, default=15)
    p.add_argument("--device", default="cpu")
    p.add_argument("--precision", default="fp32", choices=("fp32", "bf16"))
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--clock", default="wall", choices=("wall", "cpu"),
                   help="'cpu': this process's CPU time, steadier on a shared machine")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    for name in OBJECTIVES if args.objective == "all" else [args.objective]:
        compare(args, name)


def compare(args: argparse.Namespace, objective: str) -> None:
    device = torch.device(args.device)
    torch.manual_seed(0)
    ours = PretrainModule(BPTModel(preset=args.preset, learnable_mask=True),
                          OBJECTIVES[objective]).to(device).train()
    ref = StockBrant(ours.model.config).to(device).train()
    opt_ours = torch.optim.Adam([q for q in ours.parameters() if q.requires_grad], lr=1e-4,
                                betas=(0.9, 0.99))
    sched = CyclicLR(opt_ours, 3e-6, 1e-5, step_size_up=8000, cycle_momentum=False)
    opt_ref = torch.optim.Adam(ref.parameters(), lr=1e-4, betas=(0.9, 0.99))
    shape = (args.batch_size, args.n_chans, args.n_patches)
    x = torch.randn(*shape, ours.model.config.patch_len, device=device)
    events = None
    if ours.event_head is not None:  # seizure in 1 token of 10, the other events unmarked
        events = torch.full((*shape, len(EVENT_NAMES)), float("nan"), device=device)
        events[..., 0] = (torch.rand(shape, device=device) < 0.1).float()

    def autocast() -> torch.autocast | nullcontext:
        bf16 = args.precision == "bf16"
        return torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else nullcontext()

    gen = torch.Generator().manual_seed(0)

    def step_ours() -> None:
        mask = random_mask(shape, 0.4, gen, device)
        with autocast():
            loss, _ = ours(x, mask, events)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(ours.parameters(), 1.0)
        opt_ours.step()
        sched.step()
        opt_ours.zero_grad(set_to_none=True)

    def step_ref() -> None:
        mask = random_mask(shape, 0.4, gen, device)
        with autocast():
            loss = (ref(x, mask).float() - x).square().mean()
        loss.backward()
        opt_ref.step()
        opt_ref.zero_grad(set_to_none=True)

    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    times = interleaved({"bptlearn": step_ours, "reference": step_ref}, device, args.repeats,
                        clock)
    tokens = args.batch_size * args.n_chans * args.n_patches
    print(f"preset={args.preset} objective={objective} device={device} "
          f"precision={args.precision} threads={torch.get_num_threads()} tokens/step={tokens}")
    for name, seconds in times.items():
        print(f"  {name:<10} {tokens / seconds:>12,.0f} tokens/s  ({seconds * 1e3:.1f} ms/step)")
    print(f"  ratio bptlearn / reference: {times['reference'] / times['bptlearn']:.2f}x")


if __name__ == "__main__":
    main()
