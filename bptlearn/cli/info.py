"""``bptlearn info``: versions, model presets with their sizes, registered weights."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .._version import __version__

NAME = "info"
HELP = "versions, presets and registered weights"


def preset_table() -> list[dict[str, Any]]:
    """Each preset's sizes and parameter count (built on the ``meta`` device: no memory).

    Examples
    --------
    >>> from bptlearn.cli.info import preset_table
    >>> [(row["preset"], round(row["params_m"], 2)) for row in preset_table()][-1]
    ('large', 505.69)
    """
    import torch

    from ..nn.config import PRESETS
    from ..nn.model import BPTModel

    rows = []
    for name, sizes in PRESETS.items():
        with torch.device("meta"):
            n_params = BPTModel(preset=name).get_num_params()
        rows.append({"preset": name, **sizes, "params_m": n_params / 1e6})
    return rows


def weights_table() -> list[dict[str, Any]]:
    """Each registered weight name: its preset, layout, whether its files are present, and
    the folder they are looked up in."""
    from ..weights import DEFAULT_WEIGHTS, get_pretrained_cfg, list_pretrained

    rows = []
    for name in list_pretrained():
        cfg = get_pretrained_cfg(name)
        rows.append({"name": name, "preset": cfg.preset, "format": cfg.format,
                     "present": cfg.has_weights, "default": name == DEFAULT_WEIGHTS,
                     "where": str(cfg.default_dir), "files": [f for f, _ in cfg.files]})
    return rows


def collect_info() -> dict[str, Any]:
    """Everything ``bptlearn info`` reports, as a JSON-safe dict."""
    import torch

    return {"bptlearn": __version__, "torch": torch.__version__,
            "cuda": torch.cuda.is_available(), "presets": preset_table(),
            "weights": weights_table()}


def format_info(info: dict[str, Any]) -> str:
    """Human-readable text of :func:`collect_info`."""
    lines = [f"bptlearn {info['bptlearn']}  (torch {info['torch']}, "
             f"CUDA {'available' if info['cuda'] else 'not available'})", "", "Presets:",
             f"  {'name':<8}{'d_model':>8}{'layers':>9}{'ffn':>7}{'heads':>7}{'params':>11}"]
    for r in info["presets"]:
        layers = f"{r['n_temporal_layers']}+{r['n_spatial_layers']}"
        lines.append(f"  {r['preset']:<8}{r['d_model']:>8}{layers:>9}{r['dim_feedforward']:>7}"
                     f"{r.get('nhead', 16):>7}{r['params_m']:>10.2f}M")
    lines += ["", "Pretrained weights:"]
    for r in info["weights"]:
        state = "present" if r["present"] else "absent "
        mark = " (default)" if r["default"] else ""
        lines.append(f"  {r['name']:<24}{r['format']:<13}{state}  {r['where']}{mark}")
    lines.append("")
    lines.append("Absent weights are never downloaded: put their files in the folder shown, or "
                 "pass path= to bptlearn.weights.load.")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Write the report to standard output; returns the exit code."""
    info = collect_info()
    sys.stdout.write(json.dumps(info, indent=2) + "\n" if args.json else format_info(info))
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``info`` options to its parser."""
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
