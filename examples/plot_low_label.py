"""
Few labels: pretrained vs scratch vs baseline
=============================================

Pretraining should pay off most when labels are scarce. The paper's low-label
experiment, done patient-wise: :func:`~bptlearn.model_selection.low_label_curve` keeps a
shrinking share of each training fold's labels (drawn in proportion to each patient's
windows, with at least one window of each class), fits a fresh model and scores F2 on
the held-out patients. Three detectors are compared on the same draws:

* :class:`~bptlearn.BPTSeizureClassifier` on the shipped **pretrained** encoder;
* the same classifier on a randomly initialised encoder (``weights=None``, **scratch**),
  so that any difference is what pretraining adds;
* :class:`~bptlearn.baselines.BandPowerSeizureDetector` (band powers + logistic
  regression).

Set ``BPTLEARN_FAST=1`` for a quick run on less data.
"""

# %%
# Settings
# --------
import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.model_selection import GroupKFold

from bptlearn import BPTSeizureClassifier
from bptlearn.baselines import BandPowerSeizureDetector
from bptlearn.data import make_seeg_windows
from bptlearn.metrics import f2_scorer
from bptlearn.model_selection import low_label_curve
from bptlearn.viz import plot_low_label_curve

FAST = os.environ.get("BPTLEARN_FAST") == "1"
HERE = Path(sys.argv[0]).resolve().parent  # this script's folder (sphinx-gallery: no __file__)
FIG_DIR = Path(os.environ.get("BPTLEARN_FIGURES_DIR", HERE / "figures"))

if FAST:
    n_patients, n_windows, fractions, n_repeats, max_epochs = 3, 16, (0.2, 1.0), 1, 5
else:
    n_patients, n_windows, fractions, n_repeats, max_epochs = (
        4, 60, (0.03, 0.05, 0.1, 0.25, 0.5, 1.0), 3, 20)
X, y, _, groups = make_seeg_windows(n_patients=n_patients, n_windows=n_windows, n_patches=1,
                                    random_state=0)
print(f"{len(X)} windows of 8 channels x 6 s from {n_patients} patients, {int(y.sum())} with "
      f"a seizure; {n_patients}-fold patient-wise CV, {n_repeats} draw(s) per fraction.")

# %%
# One curve per model
# -------------------
models = {
    "pretrained": BPTSeizureClassifier(max_epochs=max_epochs, device="cpu", random_state=0),
    "scratch (weights=None)": BPTSeizureClassifier(weights=None, max_epochs=max_epochs,
                                                   device="cpu", random_state=0),
    "band power (baseline)": BandPowerSeizureDetector(pooling="max"),
}
curves = []
for name, model in models.items():
    curve = low_label_curve(model, X, y, groups, fractions=fractions,
                            cv=GroupKFold(n_splits=n_patients), n_repeats=n_repeats,
                            scoring=f2_scorer, random_state=0)
    curves.append(curve.assign(model=name))
curves = pd.concat(curves, ignore_index=True)
table = curves.pivot_table(index="fraction", columns="model", values="score", aggfunc="mean")
print("Mean F2 over folds and draws, by fraction of training labels kept:")
print(table.round(3).to_string())
results = {f"{model} @ {fraction:g}: F2": float(table.loc[fraction, model])
           for fraction in table.index for model in table.columns}

# %%
# The curves
# ----------
fig, ax = plt.subplots(figsize=(6, 4))
plot_low_label_curve(curves, hue="model", ax=ax, metric="f2",
                     title="Seizure detection with few labels (held-out patients)")
fig.tight_layout()
FIG_DIR.mkdir(parents=True, exist_ok=True)
fig.savefig(FIG_DIR / "low_label.png", dpi=80)
