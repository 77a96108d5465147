"""
Quick start: Brant embeddings in a scikit-learn pipeline
========================================================

The five lines of the README: :class:`~bptlearn.BPTEncoder` turns SEEG windows into
embeddings, any scikit-learn classifier takes it from there, and
:func:`~sklearn.model_selection.cross_val_score` with
:class:`~sklearn.model_selection.GroupKFold` on patient ids keeps every test patient
unseen in training. The band-power baseline
(:class:`~bptlearn.baselines.BandPowerSeizureDetector`) is scored on the same folds.
Set ``BPTLEARN_FAST=1`` for a quick run on less data.
"""

# %%
# Settings
# --------
import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import Pipeline

from bptlearn import BPTEncoder
from bptlearn.baselines import BandPowerSeizureDetector
from bptlearn.data import make_seeg_windows

FAST = os.environ.get("BPTLEARN_FAST") == "1"
HERE = Path(sys.argv[0]).resolve().parent  # this script's folder (sphinx-gallery: no __file__)
FIG_DIR = Path(os.environ.get("BPTLEARN_FIGURES_DIR", HERE / "figures"))
n_patients, n_windows = (3, 12) if FAST else (4, 40)

# %%
# The five lines
# --------------
X, y, _, groups = make_seeg_windows(n_patients=n_patients, n_windows=n_windows, n_patches=1,
                                    random_state=0)
clf = Pipeline([("bpt", BPTEncoder(random_state=0)),
                ("clf", LogisticRegression(max_iter=1000))])
scores = cross_val_score(clf, X, y, groups=groups, cv=GroupKFold(n_splits=n_patients),
                         scoring="balanced_accuracy")
print("BPTEncoder + LogisticRegression, balanced accuracy per held-out patient:",
      np.round(scores, 3))

# %%
# The baseline on the same folds
# ------------------------------
baseline = cross_val_score(BandPowerSeizureDetector(pooling="max"), X, y, groups=groups,
                           cv=GroupKFold(n_splits=n_patients), scoring="balanced_accuracy")
print("Band power + LogisticRegression (baseline), same folds:        ",
      np.round(baseline, 3))
results = {"BPTEncoder + LogReg: mean balanced accuracy": float(scores.mean()),
           "Band power baseline: mean balanced accuracy": float(baseline.mean())}
print(f"Means: {scores.mean():.3f} (BPTEncoder) vs {baseline.mean():.3f} (baseline)")

# %%
# Per-patient scores
# ------------------
fig, ax = plt.subplots(figsize=(6, 3.5))
folds = np.arange(n_patients)
ax.bar(folds - 0.2, scores, width=0.4, label="BPTEncoder + LogReg")
ax.bar(folds + 0.2, baseline, width=0.4, label="Band power (baseline)")
ax.axhline(0.5, color="k", ls=":", lw=0.8, label="chance")
ax.set(xticks=folds, xticklabels=[f"fold {k + 1}" for k in folds], ylim=(0, 1.05),
       ylabel="Balanced accuracy", title="Held-out patients, GroupKFold")
ax.legend(fontsize="small", loc="lower right")
fig.tight_layout()
FIG_DIR.mkdir(parents=True, exist_ok=True)
fig.savefig(FIG_DIR / "encoder_quickstart.png", dpi=80)
