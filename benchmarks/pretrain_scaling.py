"""Does held-out reconstruction improve with model size at equal steps (the paper's scaling claim)?

Pretrains three sizes, ``pico`` (d 64, 1 + 1 layers), ``nano`` (the shipped size, d 128,
2 + 2) and ``micro`` (d 256, 4 + 2, between nano and tiny), for the same number of steps
on the same simulated patients with the same seed and objective, then scores masked-token
reconstruction (MSE on the hidden tokens of robustly scaled windows, 40 % of tokens
hidden with a fixed generator) on:

* held-out simulated patients of the training family (``make_seeg``, unseen seeds);
* held-out patients of the second simulator family (``make_neural_mass``), never trained on;
* the real 19-s LFP/ECoG recording shipped with the tests (py_neuromodulation, BrainVision).

Each score is printed beside predicting zero (the scaled median) for the hidden tokens,
the simple baseline: a model that does not beat it has learnt nothing transferable.
``--objective official`` pretrains with the paper's loss instead (MSE over every token,
hidden and visible) and also scores that loss on the held-out sets, the metric of the
paper's scaling figure.

Every size trains with the same recipe: the same learning-rate schedule (``--lr-max``),
batch, data (``--patients`` simulated patients of 600 s) and dropout (``--dropout``;
Brant's 0.1 by default, a regulariser that costs deeper models more at short budgets).

Run (minutes per size on a CPU; ``--steps`` sets the budget)::

    nice -n 10 python benchmarks/pretrain_scaling.py --out /tmp/scaling --steps 600
    nice -n 10 python benchmarks/pretrain_scaling.py --out /tmp/official --objective official
    nice -n 10 python benchmarks/pretrain_scaling.py --out /tmp/nodrop --objective official \
        --dropout 0 --lr-max 3e-4
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from bptlearn.data import make_seeg_windows, read_recording, scale_by_recording
from bptlearn.pretraining import PretrainModule, get_objective, pretrain, random_mask
from bptlearn.weights import load

SIZES = {
    "pico": dict(d_model=64, nhead=4, dim_feedforward=256, n_temporal_layers=1,
                 n_spatial_layers=1),
    "nano": {},
    "micro": dict(d_model=256, nhead=8, dim_feedforward=1024, n_temporal_layers=4,
                  n_spatial_layers=2),
}
REAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "real" / \
    "sub-testsub_ses-EphysMedOff_task-gripforce_run-0_ieeg.vhdr"
N_PATCHES = 3


def eval_sets() -> dict[str, np.ndarray]:
    sets = {}
    X, _, _, g = make_seeg_windows(n_patients=3, n_chans=8, n_windows=12, n_patches=N_PATCHES,
                                   random_state=20_000)
    sets["make_seeg, held-out patients"] = scale_by_recording(X, g)
    try:
        from bptlearn.data import make_neural_mass_windows
    except ImportError:
        pass
    else:
        X, _, _, g = make_neural_mass_windows(n_patients=3, n_chans=8, n_windows=12,
                                              n_patches=N_PATCHES, random_state=20_000)
        sets["neural mass, never trained on"] = scale_by_recording(X, g)
    raw = read_recording(REAL)
    neural = [ch for ch in raw.ch_names if ch.startswith(("LFP", "ECOG"))]  # not MOV_RIGHT
    data = raw.copy().pick(neural).resample(250.0, verbose=False).get_data()
    n = N_PATCHES * 1500
    windows = data[None, :, :n].astype(np.float64)
    sets["real LFP/ECoG, 19 s"] = scale_by_recording(windows, np.zeros(1))
    return sets


@torch.inference_mode()
def masked_mse(model: torch.nn.Module | None, x: np.ndarray, objective: str = "masked"
               ) -> float:
    """MSE on hidden tokens (``'masked'``) or on every token (``'official'``);
    ``model=None`` predicts zero (the scaled median)."""
    xt = torch.from_numpy(x).view(len(x), x.shape[1], N_PATCHES, 1500)
    mask = random_mask(tuple(xt.shape[:3]), 0.4, torch.Generator().manual_seed(0))
    if model is None:
        return float((xt[mask] if objective == "masked" else xt).square().mean())
    module = PretrainModule(model.eval(), get_objective(objective)).eval()
    with torch.no_grad():
        return float(module(xt, mask)[1]["loss_rec"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--lr-max", type=float, default=1e-3,
                        help="peak of the cyclic learning rate, the same for every size")
    parser.add_argument("--objective", default=None,
                        help="pretraining objective (default: pretrain's); 'official' also "
                             "scores the paper's loss over every token")
    parser.add_argument("--patients", type=int, default=8,
                        help="simulated training patients of 600 s (fewer: more epochs)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--dropout", type=float, default=None,
                        help="dropout of every size while pretraining (default: 0.1, Brant's)")
    args = parser.parse_args()
    sets = eval_sets()
    metrics = ["masked"] + (["official"] if args.objective == "official" else [])
    rows = {(name, m): {"zero": masked_mse(None, x, m)} for name, x in sets.items()
            for m in metrics}
    for size in args.sizes.split(","):
        run = args.out / size
        if not (run / "model.safetensors").exists():
            overrides = {**SIZES[size], **({} if args.dropout is None
                                           else {"dropout": args.dropout})}
            pretrain(out_dir=run, synthetic=args.patients, synthetic_duration=600.0,
                     n_patches=N_PATCHES, steps=args.steps, batch_size=args.batch_size,
                     lr_min=5e-5, lr_max=args.lr_max, lr_step=max(1, args.steps // 2),
                     model_overrides=overrides,
                     num_threads=args.threads, progress=False, seed=0,
                     **({} if args.objective is None else {"objective": args.objective}))
        model = load(run / "model.safetensors")
        n_params = sum(p.numel() for p in model.parameters())
        for (name, metric), row in rows.items():
            row[f"{size} ({n_params / 1e6:.2f} M)"] = masked_mse(model, sets[name], metric)
    (args.out / "scaling.json").write_text(json.dumps(
        {f"{name} [{metric}]": row for (name, metric), row in rows.items()}, indent=1))
    print(f"held-out reconstruction MSE (scaled units) after {args.steps} steps each, beside "
          "predicting zero; [masked]: hidden tokens, [official]: every token")
    for (name, metric), row in rows.items():
        print(f"  {name + ' [' + metric + ']':42s} "
              + "  ".join(f"{k} {v:.4f}" for k, v in row.items()))


if __name__ == "__main__":
    main()
