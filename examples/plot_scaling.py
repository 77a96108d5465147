"""
Scaling with model size
=======================

The paper reports that larger Brant models reconstruct signal better. Here models of
growing width (the ``nano`` preset's depth, ``d_model`` from 32 to ``nano``'s 128) are
pretrained with :func:`bptlearn.pretraining.pretrain` for the same short budget (the
same steps, batches and data, the paper's objective), then scored on held-out synthetic
patients: the mean squared error of the reconstruction of every token (the paper's
loss) and of the hidden tokens alone, in units of each channel's robust scale. Two
references need no pretraining: each model before its first step, and predicting 0
(the channel median) for every sample.

The peak learning rate is raised from the paper's 1e-5 to 1e-3 for ``d_model=128`` and
scaled as 1/``d_model`` for the narrower models (Adam's best step shrinks with width), as
the budget is a few hundred steps, not 30 epochs of 2700 hours. This is a sketch of the
experiment on a CPU, not the paper's result: at such a budget a small model may well
win, and the ranking can change with the learning rate. Set ``BPTLEARN_FAST=1`` for a
quick run.
"""

# %%
# Settings
# --------
import os
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import torch

from bptlearn.data import make_seeg_windows, scale_by_recording
from bptlearn.nn import BPTModel
from bptlearn.pretraining import PretrainModule, get_objective, pretrain, random_mask

FAST = os.environ.get("BPTLEARN_FAST") == "1"
HERE = Path(sys.argv[0]).resolve().parent  # this script's folder (sphinx-gallery: no __file__)
FIG_DIR = Path(os.environ.get("BPTLEARN_FIGURES_DIR", HERE / "figures"))

if FAST:
    widths, steps, n_patches, batch_size, n_train, train_s = (16, 32), 4, 1, 2, 2, 60.0
else:
    widths, steps, n_patches, batch_size, n_train, train_s = (32, 64, 128), 200, 3, 8, 8, 600.0
objectives = {"all tokens": get_objective("official"), "hidden tokens": get_objective("masked")}

# %%
# Held-out patients, scaled as in pretraining
# -------------------------------------------
# Each patient's channels are scaled by their median and robust spread
# (:func:`~bptlearn.data.scale_by_recording`), the contract of pretrained weights.
X, _, _, groups = make_seeg_windows(n_patients=3, n_windows=4 if FAST else 20,
                                    n_patches=n_patches, random_state=10_000)
X = scale_by_recording(X, groups)
x_eval = torch.from_numpy(X).reshape(len(X), X.shape[1], n_patches, 1500)
mask = random_mask(tuple(x_eval.shape[:3]), 0.4, torch.Generator().manual_seed(0))


@torch.no_grad()
def held_out_losses(model: BPTModel) -> dict[str, float]:
    """Reconstruction MSE of every token, and of the hidden ones, of the held-out windows."""
    return {name: float(PretrainModule(model.eval(), obj)(x_eval, mask)[0])
            for name, obj in objectives.items()}


zero = {"all tokens": float(x_eval.square().mean()),  # predict 0 for every sample
        "hidden tokens": float(x_eval[mask].square().mean())}
print(f"Held-out: {len(X)} windows of {X.shape[1]} channels x {n_patches} patch(es); "
      f"predicting 0 scores {zero['all tokens']:.3f} (all tokens), "
      f"{zero['hidden tokens']:.3f} (hidden tokens).")

# %%
# Pretrain each size for the same budget
# --------------------------------------
results = {f"predict 0: {name} loss": value for name, value in zero.items()}
sizes, curves = [], {}
for d in widths:
    overrides = dict(d_model=d, nhead=4, dim_feedforward=4 * d)
    lr_max = 1e-3 * 128 / d
    torch.manual_seed(0)  # the initial model of the run below (pretrain seeds with seed=0)
    before = held_out_losses(BPTModel(preset="nano", learnable_mask=True, **overrides))
    with tempfile.TemporaryDirectory() as out_dir:
        model = pretrain(out_dir=out_dir, preset="nano", model_overrides=overrides,
                         objective="official", synthetic=n_train, synthetic_duration=train_s,
                         n_patches=n_patches, batch_size=batch_size, steps=steps,
                         lr_min=lr_max / 10, lr_max=lr_max, lr_step=max(1, steps // 2),
                         checkpoint_every=steps, progress=False)
        curves[d] = pd.read_csv(Path(out_dir) / "log.csv")
    after = held_out_losses(model)
    sizes.append(model.get_num_params())
    for name in objectives:
        results[f"d_model={d}: {name} loss"] = after[name]
        results[f"d_model={d}: {name} loss before pretraining"] = before[name]
    print(f"d_model={d:4d} ({sizes[-1] / 1e6:5.2f} M parameters, peak lr {lr_max:.0e}): "
          f"held-out loss {after['all tokens']:.3f} all tokens, {after['hidden tokens']:.3f} "
          f"hidden tokens (before pretraining: {before['all tokens']:.3f}, "
          f"{before['hidden tokens']:.3f})")

# %%
# Loss against size, and the training curves
# -------------------------------------------
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for i, name in enumerate(objectives):
    axes[0].plot(sizes, [results[f"d_model={d}: {name} loss"] for d in widths], "o-",
                 color=f"C{i}", label=f"{name}, pretrained")
    axes[0].plot(sizes, [results[f"d_model={d}: {name} loss before pretraining"]
                         for d in widths], "s--", color=f"C{i}", alpha=0.5,
                 label=f"{name}, before pretraining")
    axes[0].axhline(zero[name], color=f"C{i}", ls=":", lw=1.0, label=f"{name}, predict 0")
axes[0].set(xscale="log", xlabel="Parameters", ylabel="Held-out reconstruction MSE",
            title=f"Held-out loss vs size, {steps} steps each")
axes[0].legend(fontsize="x-small")
for d, curve in curves.items():  # batches differ a lot (patients, channel counts): smooth
    axes[1].plot(curve["step"], curve["loss"].rolling(20, min_periods=1).mean(), lw=1.2,
                 label=f"d_model={d}")
axes[1].set(xlabel="Step", ylabel="Training loss (all tokens), 20-step mean",
            title="Training curves")
axes[1].legend(fontsize="small")
fig.tight_layout()
FIG_DIR.mkdir(parents=True, exist_ok=True)
fig.savefig(FIG_DIR / "scaling.png", dpi=80)
