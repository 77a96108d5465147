"""
From an MNE recording to embeddings
===================================

The path real data take: an :class:`mne.io.Raw` (here a synthetic SEEG recording at
1 kHz with 50-Hz line noise and seizure annotations, from
:meth:`bptlearn.data.SEEGRecording.to_raw`; :func:`bptlearn.data.read_recording` reads
EDF, BrainVision, FIF and more the same way) is cut by
:func:`~bptlearn.data.to_windows` into 6-s windows at 250 Hz, band-passed and
notch-filtered on the way, labelled from its annotations by
:func:`~bptlearn.data.annotations_to_labels`, and embedded by
:class:`~bptlearn.BPTEncoder`.

Without any label, how unusual does each window look? The distance of each window's
embedding from the recording's typical (median) embedding is compared with the same
distance computed on log band powers, the baseline features, by the area under the ROC
curve for telling seizure windows apart. Set ``BPTLEARN_FAST=1`` for a quick run.
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
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import RobustScaler

from bptlearn import BPTEncoder
from bptlearn.data import annotations_to_labels, make_seeg, to_windows
from bptlearn.nn import band_power

FAST = os.environ.get("BPTLEARN_FAST") == "1"
HERE = Path(sys.argv[0]).resolve().parent  # this script's folder (sphinx-gallery: no __file__)
FIG_DIR = Path(os.environ.get("BPTLEARN_FIGURES_DIR", HERE / "figures"))

duration, sfreq, n_seizures = (120.0, 500.0, 1) if FAST else (900.0, 1000.0, 3)

# %%
# An MNE Raw with annotations
# ---------------------------
raw = make_seeg(n_patients=1, n_chans=10, duration=duration, sfreq=sfreq, line_freq=50.0,
                n_seizures=n_seizures, random_state=3)[0].to_raw()
print(raw)
print(f"{len(raw.annotations)} channel-specific 'seizure' annotations")

# %%
# Windows, labels, embeddings
# ---------------------------
windows = to_windows(raw, n_patches=1, l_freq=0.5, notch=50.0)
y, y_tokens = annotations_to_labels(raw, windows, min_overlap=0.5)
print(f"{windows.X.shape[0]} windows of {windows.X.shape[1]} channels ({windows.ch_names[:3]}"
      f"...) x {windows.X.shape[2]} samples at {windows.sfreq:g} Hz; {int(y.sum())} labelled "
      "seizure")
encoder = BPTEncoder(pooling="mean", extra_features=(), n_components=None, device="cpu",
                     random_state=0)
emb = encoder.fit_transform(windows.X)
power = band_power(torch.from_numpy(windows.X), 250.0).mean(dim=1).numpy()  # (n, 8)

# %%
# Unsupervised novelty of each window
# -----------------------------------
# Features are robustly scaled over the recording; a window's novelty is its distance
# from the median window.
novelty, results = {}, {}
for name, feats in (("BPT embedding", emb), ("Log band power (baseline)", power)):
    z = RobustScaler().fit_transform(feats)
    novelty[name] = np.linalg.norm(z, axis=1) / np.sqrt(z.shape[1])
    results[f"{name}: seizure AUC"] = float(roc_auc_score(y, novelty[name]))
    print(f"{name:26s} {feats.shape[1]:4d} features, AUC of novelty for seizure windows "
          f"{results[f'{name}: seizure AUC']:.3f}")

# %%
# The recording, and novelty over time
# ------------------------------------
fig, axes = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True)
seizure_chans = sorted({ch for chans in raw.annotations.ch_names for ch in chans})
shown = (seizure_chans + [c for c in raw.ch_names if c not in seizure_chans])[:3]
data = raw.get_data(picks=shown, units="uV")
step = max(1, int(raw.info["sfreq"] // 50))  # every step-th sample: enough for an overview
t = raw.times[::step]
offset = 8 * np.median(np.abs(data))
for k, name in enumerate(shown):
    axes[0].plot(t, data[k, ::step] - k * offset, lw=0.4, label=name)
axes[0].set(yticks=[], title=f"Raw, 3 channels ({raw.info['sfreq']:g} Hz, shown at 50 Hz)")
axes[0].legend(fontsize="small", loc="upper right")
centers = windows.onsets + windows.duration / 2
for name, value in novelty.items():
    axes[1].plot(centers, value / np.median(value), lw=1.0, label=name)
axes[1].set(xlabel="Time (s)", ylabel="Novelty / median", title="Distance from the median window")
axes[1].legend(fontsize="small", loc="upper right")
for ax in axes:  # the windows labelled seizure
    for onset in windows.onsets[y == 1]:
        ax.axvspan(onset, onset + windows.duration, color="red", alpha=0.15, lw=0)
fig.tight_layout()
FIG_DIR.mkdir(parents=True, exist_ok=True)
fig.savefig(FIG_DIR / "mne_windows.png", dpi=80)
