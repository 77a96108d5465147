"""
Imputation of missing samples
=============================

The paper's imputation task hides each sample with probability 0.4 and asks the model
to restore it. :class:`~bptlearn.BPTImputer` learns this on complete windows of some
patients and fills windows of others; observed samples come back bit-identical. The
baselines are linear and cubic-spline interpolation along time
(:class:`~bptlearn.baselines.InterpolationImputer`). Errors (MSE, MAE, in µV) are
computed on the hidden samples only.

A second scenario hides contiguous 0.4-s stretches instead (electrode dropouts), which
the model never saw in training. Set ``BPTLEARN_FAST=1`` for a quick run on less data.
"""

# %%
# Settings
# --------
import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from bptlearn import BPTImputer
from bptlearn.baselines import InterpolationImputer
from bptlearn.data import make_seeg, to_windows
from bptlearn.metrics import mae, mse

FAST = os.environ.get("BPTLEARN_FAST") == "1"
HERE = Path(sys.argv[0]).resolve().parent  # this script's folder (sphinx-gallery: no __file__)
FIG_DIR = Path(os.environ.get("BPTLEARN_FIGURES_DIR", HERE / "figures"))

n_patients, n_test, duration, max_epochs = (3, 1, 60.0, 3) if FAST else (6, 2, 300.0, 20)
recordings = make_seeg(n_patients=n_patients, n_chans=8, duration=duration,
                       seizure_duration=(15.0, 20.0), random_state=2)
windows = [to_windows(rec.data, sfreq=250.0, n_patches=1).X for rec in recordings]
X_train, X_test = np.concatenate(windows[:-n_test]), np.concatenate(windows[-n_test:])
print(f"{len(X_train)} training and {len(X_test)} test windows of 8 channels x 6 s.")

# %%
# Two ways of losing samples
# --------------------------
rng = np.random.default_rng(0)
scattered = rng.random(X_test.shape) < 0.4  # the paper's task
gaps = np.zeros(X_test.shape, dtype=bool)  # one 0.4-s dropout per channel and window
starts = rng.integers(0, X_test.shape[-1] - 100, size=X_test.shape[:2])
for (w, c), s in np.ndenumerate(starts):
    gaps[w, c, s:s + 100] = True

# %%
# Fit on complete windows, fill the hidden samples
# ------------------------------------------------
imputer = BPTImputer(mask_rate=0.4, max_epochs=max_epochs, device="cpu",
                     random_state=0).fit(X_train)
models = {"BPTImputer": imputer,
          "Linear interpolation": InterpolationImputer(kind="linear").fit(X_train),
          "Cubic interpolation": InterpolationImputer(kind="cubic").fit(X_train)}
results, filled = {}, {}
for scenario, mask in (("40% scattered", scattered), ("0.4-s gaps", gaps)):
    print(f"{scenario}: {mask.mean():.0%} of the test samples hidden")
    for name, model in models.items():
        out = model.transform(X_test, mask=mask)
        assert np.array_equal(out[~mask], X_test[~mask])  # observed samples untouched
        filled[scenario, name] = out
        results[f"{scenario} {name}: MSE"] = mse(X_test[mask], out[mask])
        results[f"{scenario} {name}: MAE"] = mae(X_test[mask], out[mask])
        print(f"  {name:21s} MSE {results[f'{scenario} {name}: MSE']:8.1f} µV²   "
              f"MAE {results[f'{scenario} {name}: MAE']:6.2f} µV")

# %%
# One channel, 1.2 s around hidden samples
# ----------------------------------------
fig, axes = plt.subplots(2, 1, figsize=(9, 5.5))
for ax, (scenario, mask) in zip(axes, (("40% scattered", scattered), ("0.4-s gaps", gaps)),
                                strict=True):
    s0 = max(0, int(starts[0, 0]) - 100)
    sl = slice(s0, s0 + 300)
    t = np.arange(X_test.shape[-1])[sl] / 250.0
    ax.plot(t, X_test[0, 0, sl], color="k", lw=1.0, label="true")
    hidden = mask[0, 0, sl]
    ax.plot(t[hidden], X_test[0, 0, sl][hidden], "k.", ms=3, label="hidden samples")
    for i, name in enumerate(models):
        ax.plot(t, filled[scenario, name][0, 0, sl], color=f"C{i}", lw=0.8, alpha=0.8,
                label=name)
    ax.set(title=f"{scenario}: channel 0 of a test window", ylabel="µV")
    ax.legend(fontsize="small", ncol=5, loc="upper left")
axes[-1].set_xlabel("Time (s)")
fig.tight_layout()
FIG_DIR.mkdir(parents=True, exist_ok=True)
fig.savefig(FIG_DIR / "imputation.png", dpi=80)
