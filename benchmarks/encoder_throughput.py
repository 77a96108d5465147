"""Encoder eval throughput: ours vs a stock-PyTorch reference vs the matmul peak, in one run.

Prints tokens/s of ``BPTModel`` and of a plain reference built from stock
``nn.TransformerEncoderLayer`` modules holding the same weights, their ratio, achieved
FLOP/s over the measured dense matmul peak, the lower-precision options against the fp32
reference with their cosine similarity (bf16 also against the measured bf16 matmul peak),
``BPTEncoder.transform`` end to end against the bare model forward on the same windows,
and ``band_power`` against scipy per patch. When torchao is installed, its int8 dynamic
quantisation is timed beside ``quantize_int8`` (``torch.ao``); ``--compile`` adds
:func:`torch.compile` against eager for fp32, bf16 and torchao int8, with compile times.

    python benchmarks/encoder_throughput.py                  # CPU, tiny, 4 x 16 x 15 tokens
    python benchmarks/encoder_throughput.py --compile        # + torch.compile (minutes)
    python benchmarks/encoder_throughput.py --device cuda --preset large --batch 32 --chans 64
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import numpy as np
import scipy.signal
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))
from _timing import best_time, interleaved, matmul_peak, sync  # noqa: E402

from bptlearn.nn import BAND_EDGES, BPTModel, autocast, band_power, flops_per_token, quantize_int8


class StockReference(nn.Module):
    """Brant written plainly with stock layers, sharing the weights of ``model``."""

    def __init__(self, model: BPTModel) -> None:
        super().__init__()
        cfg = model.config
        self.embed = model.embed

        def stack(n: int) -> nn.TransformerEncoder:
            layer = nn.TransformerEncoderLayer(cfg.d_model, cfg.nhead, cfg.dim_feedforward,
                                               batch_first=True)
            return nn.TransformerEncoder(layer, n, enable_nested_tensor=False)

        self.temporal, self.spatial = stack(cfg.n_temporal_layers), stack(cfg.n_spatial_layers)
        for ours, stock in ((model.temporal, self.temporal), (model.spatial, self.spatial)):
            state = {k.replace("in_proj.", "in_proj_"): v for k, v in ours.state_dict().items()}
            stock.load_state_dict(state)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, C, L, _ = x.shape
        h = self.embed(x).reshape(B * C, L, -1)
        h = self.temporal(h).reshape(B, C, L, -1).permute(0, 2, 1, 3).reshape(B * L, C, -1)
        return self.spatial(h).reshape(B, L, C, -1).permute(0, 2, 1, 3)


def cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.float().flatten(), b.float().flatten()
    return float(a @ b / (a.norm() * b.norm()))


def scipy_per_patch(x: np.ndarray, sfreq: float) -> np.ndarray:
    """The original code's slow path: one periodogram per patch, bands summed in a loop."""
    flat = x.reshape(-1, x.shape[-1])
    out = np.empty((flat.shape[0], len(BAND_EDGES) - 1))
    for i, patch in enumerate(flat):
        freqs, psd = scipy.signal.periodogram(patch, fs=sfreq)
        for j, (lo, hi) in enumerate(zip(BAND_EDGES[:-1], BAND_EDGES[1:], strict=True)):
            out[i, j] = np.log10(psd[(freqs > lo) & (freqs <= hi)].sum() + 1)
    return out.reshape(*x.shape[:-1], -1)


def end_to_end(preset: str, x: torch.Tensor, device: torch.device, repeats: int) -> None:
    """``BPTEncoder.transform`` (checks, scaling, batching, readout, extras, NumPy out) against
    the bare forward of its model on the same windows, already scaled, at the same layer."""
    from bptlearn import BPTEncoder

    B, C, L, P = x.shape
    windows = (20.0 * x).reshape(B, C, L * P).cpu().numpy()  # µV-like amplitudes
    encoder = BPTEncoder(weights=None, preset=preset, batch_size=B, device=device,
                         random_state=0).fit(windows)
    model = encoder.encoder_
    scaled = (torch.from_numpy(windows).reshape(B, C, L, P) / float(windows.std())).to(device)
    with torch.inference_mode():
        t = interleaved({"transform": lambda: encoder.transform(windows),
                         "forward": lambda: model(scaled, layer=encoder.layer)}, device, repeats)
    print(f"\n[end to end] BPTEncoder.transform (layer={encoder.layer!r}, pooling="
          f"{encoder.pooling!r}, extras {list(encoder.extra_features)}) vs bare forward")
    print(f"  forward {t['forward'] * 1e3:8.1f} ms   transform {t['transform'] * 1e3:8.1f} ms   "
          f"transform at {t['forward'] / t['transform']:.2f}x the bare forward (aim >= 0.9x)")


def _torchao_copy(model: nn.Module) -> nn.Module | None:
    """A copy of ``model`` with torchao's int8 dynamic quantisation (None without torchao)."""
    try:
        from torchao.quantization import Int8DynamicActivationInt8WeightConfig, quantize_
    except ImportError:
        return None
    qmodel = copy.deepcopy(model).eval()
    quantize_(qmodel, Int8DynamicActivationInt8WeightConfig())
    return qmodel


def torchao_int8(model: BPTModel, x: torch.Tensor, fp32_out: torch.Tensor, t_reference: float,
                 device: torch.device, repeats: int) -> None:
    """int8 through torchao (the successor of torch.ao) beside ``quantize_int8``."""
    qmodel = _torchao_copy(model) if device.type == "cpu" else None
    if qmodel is None:
        print("  int8 (torchao): not measured (CPU only; pip install torchao)")
        return
    ours = quantize_int8(model)
    with torch.inference_mode():
        out = qmodel(x)
        t = interleaved({"torch.ao": lambda: ours(x), "torchao": lambda: qmodel(x)}, device,
                        repeats)
    tokens = x.shape[0] * x.shape[1] * x.shape[2]
    print(f"  int8 (torchao, eager): {tokens / t['torchao']:9.0f} tokens/s  "
          f"{t_reference / t['torchao']:.2f}x reference  cosine {cosine(out, fp32_out):.5f}  "
          f"= {t['torch.ao'] / t['torchao']:.2f}x quantize_int8 (torch.ao)")


def compiled(model: BPTModel, x: torch.Tensor, device: torch.device, repeats: int) -> None:
    """torch.compile against eager, side by side, for fp32, bf16 and torchao int8."""
    print("\n[torch.compile] compiled vs eager, same inputs (first call compiles)")
    runners = {"fp32": (model, "fp32")}
    runners["bf16"] = (model, "bf16")
    qmodel = _torchao_copy(model) if device.type == "cpu" else None
    if qmodel is not None:
        runners["int8 (torchao)"] = (qmodel, "fp32")
    for name, (module, precision) in runners.items():
        fast = torch.compile(module)

        def run(m: nn.Module, p: str = precision) -> torch.Tensor:
            with autocast(p, device):
                return m(x)

        with torch.inference_mode():
            start = time.perf_counter()
            run(fast)
            sync(device)
            compile_s = time.perf_counter() - start
            t = interleaved({"eager": lambda m=module: run(m), "compiled": lambda m=fast: run(m)},
                            device, repeats)
        print(f"  {name:15s} compiled at {t['eager'] / t['compiled']:.2f}x eager "
              f"(compile {compile_s:.0f} s, eager {t['eager'] * 1e3:.0f} ms per call)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--chans", type=int, default=16)
    parser.add_argument("--patches", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--compile", action="store_true",
                        help="also time torch.compile against eager (compiles take minutes)")
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    model = BPTModel(preset=args.preset).to(device).eval()
    reference = StockReference(model).to(device).eval()
    x = torch.randn(args.batch, args.chans, args.patches, 1500, device=device)
    tokens = x.shape[0] * x.shape[1] * x.shape[2]
    flops = tokens * flops_per_token(model.config, args.chans, args.patches)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"device={device} ({name}), "
          f"threads={torch.get_num_threads()}, preset={args.preset} "
          f"({model.get_num_params() / 1e6:.2f} M), input {tuple(x.shape)} = {tokens} tokens")

    with torch.inference_mode():
        ref_out, our_out = reference(x), model(x)
        print(f"max |ours - reference| = {float((ref_out - our_out).abs().max()):.2e}")
        t = interleaved({"ours": lambda: model(x), "reference": lambda: reference(x)},
                        device, args.repeats)
    peak = matmul_peak(device, torch.float32, 4096)
    print(f"\n[fp32] matmul peak (4096^2 mm): {peak / 1e9:.1f} GFLOP/s")
    for name in ("reference", "ours"):
        print(f"  {name:9s}: {tokens / t[name]:9.0f} tokens/s  {flops / t[name] / 1e9:7.1f} GFLOP/s"
              f"  = {flops / t[name] / peak:.1%} of matmul peak")
    print(f"  ours / reference throughput: {t['reference'] / t['ours']:.2f}x")

    print("\n[precision] vs the fp32 stock reference (cosine similarity of embeddings vs fp32)")
    options = ["bf16"] + (["fp16"] if device.type == "cuda" else ["int8"])
    for precision in options:
        runner = quantize_int8(model) if precision == "int8" else model
        with torch.inference_mode(), autocast(precision, device):
            out = runner(x)
            seconds = best_time(lambda r=runner: r(x), device, args.repeats)
        print(f"  {precision}: {tokens / seconds:9.0f} tokens/s  {t['reference'] / seconds:.2f}x "
              f"reference  cosine {cosine(out, our_out):.5f}")
    if device.type == "cpu":  # AVX-512 BF16 or AMX: bf16 has its own matmul peak
        bf16_peak = matmul_peak(device, torch.bfloat16, 4096)
        with torch.inference_mode(), autocast("bf16", device):
            seconds = best_time(lambda: model(x), device, args.repeats)
        print(f"  bf16 matmul peak (4096^2 mm): {bf16_peak / 1e9:.1f} GFLOP/s; bf16 encoder "
              f"{flops / seconds / 1e9:.1f} GFLOP/s = {flops / seconds / bf16_peak:.1%} of it")
    if device.type == "cuda":
        bf16_peak = matmul_peak(device, torch.bfloat16, 8192)
        with torch.inference_mode(), autocast("bf16", device):
            seconds = best_time(lambda: model(x), device, args.repeats)
        achieved = flops / seconds
        print(f"  bf16 matmul peak (8192^3): {bf16_peak / 1e12:.0f} TFLOP/s; "
              f"bf16 encoder {achieved / 1e12:.0f} TFLOP/s = MFU {achieved / bf16_peak:.1%}"
              f" of measured peak, {flops / seconds / 989e12:.1%} of the 989 TFLOP/s datasheet")
        print(f"  peak GPU memory: {torch.cuda.max_memory_allocated(device) / 2**30:.2f} GiB")

    torchao_int8(model, x, our_out, t["reference"], device, args.repeats)
    if args.compile:
        compiled(model, x, device, args.repeats)
    end_to_end(args.preset, x, device, args.repeats)

    print(f"\n[band_power] {args.chans} channels x {args.patches} patches of 1500 samples")
    patches = np.random.default_rng(0).standard_normal((args.chans, args.patches, 1500))
    start = time.perf_counter()
    expected = scipy_per_patch(patches, 250.0)
    t_scipy = time.perf_counter() - start
    xt = torch.from_numpy(patches).float().to(device)
    t_ours = best_time(lambda: band_power(xt, 250.0), device, 20)
    err = np.abs(band_power(xt, 250.0).cpu().double().numpy() - expected).max()
    print(f"  scipy per patch: {t_scipy * 1e3:8.2f} ms   ours (torch.fft, batched): "
          f"{t_ours * 1e3:6.3f} ms   speed-up {t_scipy / t_ours:.0f}x   max abs diff {err:.1e}")


if __name__ == "__main__":
    main()
