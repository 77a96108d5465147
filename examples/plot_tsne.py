"""
t-SNE of seizure and normal embeddings
======================================

Do Brant's embeddings separate seizure windows from normal ones without any label?
:class:`~bptlearn.BPTEncoder` embeds synthetic windows from several patients and
:func:`~bptlearn.viz.plot_embedding` projects them to 2-D with t-SNE, coloured by
label. The embedding alone is shown (``extra_features=()``, mean over channels and
patches), beside a randomly initialised encoder and the 8 log band powers that the
baseline detector uses.

Two numbers make the picture honest: the silhouette of the two classes in the standardised
space (above 0: the classes form clusters) and the balanced accuracy of a
5-nearest-neighbour classifier evaluated on held-out patients. Set ``BPTLEARN_FAST=1``
for a quick run on less data.
"""

# %%
# Settings
# --------
import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.metrics import silhouette_score
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bptlearn import BPTEncoder
from bptlearn.data import make_seeg_windows
from bptlearn.nn import band_power
from bptlearn.viz import plot_embedding

FAST = os.environ.get("BPTLEARN_FAST") == "1"
HERE = Path(sys.argv[0]).resolve().parent  # this script's folder (sphinx-gallery: no __file__)
FIG_DIR = Path(os.environ.get("BPTLEARN_FIGURES_DIR", HERE / "figures"))

n_patients, n_windows = (3, 20) if FAST else (4, 80)
X, y, _, groups = make_seeg_windows(n_patients=n_patients, n_windows=n_windows, n_patches=1,
                                    random_state=0)
names = {0: "normal", 1: "seizure"}

# %%
# Three feature spaces
# --------------------
features = {
    "BPT, pretrained": BPTEncoder(pooling="mean", extra_features=(), n_components=None,
                                  device="cpu").fit_transform(X),
    "BPT, random init": BPTEncoder(weights=None, pooling="mean", extra_features=(),
                                   n_components=None, device="cpu",
                                   random_state=0).fit_transform(X),
    # (n, C, 8) log band powers of each channel, averaged over channels
    "Log band power (baseline)": band_power(torch.from_numpy(X), 250.0).mean(dim=1).numpy(),
}
knn = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=5))
results = {}
for name, emb in features.items():
    results[f"{name}: silhouette"] = float(silhouette_score(StandardScaler().fit_transform(emb),
                                                            y))
    results[f"{name}: 5-NN balanced accuracy"] = float(np.mean(cross_val_score(
        knn, emb, y, groups=groups, cv=GroupKFold(n_splits=n_patients),
        scoring="balanced_accuracy")))
    print(f"{name:26s} {emb.shape[1]:4d} features   silhouette "
          f"{results[f'{name}: silhouette']:6.3f}   5-NN balanced accuracy (held-out "
          f"patients) {results[f'{name}: 5-NN balanced accuracy']:.3f}")

# %%
# The projections
# ---------------
fig, axes = plt.subplots(1, len(features), figsize=(4.6 * len(features), 3.8))
for ax, (name, emb) in zip(axes, features.items(), strict=True):
    plot_embedding(emb, y, method="tsne", ax=ax, random_state=0, standardize=True,
                   label_names=names, title=name)
    if ax is not axes[-1]:
        ax.get_legend().remove()  # one legend, right of the last panel
fig.tight_layout()
FIG_DIR.mkdir(parents=True, exist_ok=True)
fig.savefig(FIG_DIR / "tsne.png", dpi=80)
