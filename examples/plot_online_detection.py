"""
Online seizure detection, one 6-s patch at a time
=================================================

A detector at the bedside sees the recording as it comes. Here a
:class:`~bptlearn.BPTSeizureClassifier`, trained on other patients with channel x patch
labels on 18-s windows (3 patches), runs over a new patient's recording: each time a
6-s patch arrives, the last 3 patches form the window, and the seizure probability of
the newest patch (the highest over channels) is read out. The band-power baseline
(:class:`~bptlearn.baselines.BandPowerSeizureDetector`) scores the newest patch alone.

The time each call takes on the CPU is recorded: the per-patch latency (median and 95th
percentile) must stay far below the 6 s that each patch lasts. Calls go through the
public ``predict_proba``, with its input checks; an exported model
(ONNX/TorchScript) would skip those. Set ``BPTLEARN_FAST=1`` for a quick run.
"""

# %%
# Settings
# --------
import os
import sys
import time
from collections import deque
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from bptlearn import BPTSeizureClassifier
from bptlearn.baselines import BandPowerSeizureDetector
from bptlearn.data import annotations_to_labels, make_seeg, to_windows
from bptlearn.metrics import event_metrics, f2_score
from bptlearn.viz import plot_seizure_timeline

FAST = os.environ.get("BPTLEARN_FAST") == "1"
HERE = Path(sys.argv[0]).resolve().parent  # this script's folder (sphinx-gallery: no __file__)
FIG_DIR = Path(os.environ.get("BPTLEARN_FIGURES_DIR", HERE / "figures"))

PATCH, CONTEXT = 1500, 3  # 6-s patches at 250 Hz; windows of the last 3 patches
if FAST:
    n_train, duration, stream_duration, n_seizures, max_epochs = 2, 120.0, 120.0, 1, 3
else:
    n_train, duration, stream_duration, n_seizures, max_epochs = 5, 600.0, 900.0, 2, 20
recordings = make_seeg(n_patients=n_train, n_chans=8, duration=duration,
                       n_seizures=n_seizures, random_state=4)
stream_rec = make_seeg(n_patients=1, n_chans=8, duration=stream_duration,
                       n_seizures=n_seizures, random_state=5)[0]

# %%
# Train on other patients
# -----------------------
# Windows of 3 patches every 6 s, labelled per channel and patch for the classifier;
# single patches labelled per window for the baseline.
X, y_tok, X1, y1 = [], [], [], []
for rec in recordings:
    raw = rec.to_raw()
    w = to_windows(raw, n_patches=CONTEXT, stride=6.0)
    X.append(w.X)
    y_tok.append(annotations_to_labels(raw, w)[1])
    w1 = to_windows(raw, n_patches=1)
    X1.append(w1.X)
    y1.append(annotations_to_labels(raw, w1)[0])
clf = BPTSeizureClassifier(max_epochs=max_epochs, device="cpu",
                           random_state=0).fit(np.concatenate(X), np.concatenate(y_tok))
baseline = BandPowerSeizureDetector(pooling="max").fit(np.concatenate(X1), np.concatenate(y1))

# %%
# Run over the new recording as it arrives
# ----------------------------------------
# One torch thread: a window of 8 channels x 3 patches is too little work to share, and
# on a busy CPU a second thread mostly waits for its core (on a shared 2-core machine the
# default 2 threads made the median call ~100 times slower).
threads = torch.get_num_threads()
torch.set_num_threads(1)
stream = stream_rec.data.astype(np.float32)  # (n_chans, n_times) in µV at 250 Hz
n_patches = stream.shape[1] // PATCH
buffer = deque(maxlen=CONTEXT)
proba = {"BPTSeizureClassifier": [], "Band power (baseline)": []}
latency = {name: [] for name in proba}
for k in range(n_patches):
    buffer.append(stream[:, k * PATCH:(k + 1) * PATCH])  # a new 6-s patch arrives
    if len(buffer) < CONTEXT:
        continue
    window = np.concatenate(buffer, axis=-1)[None]  # (1, n_chans, CONTEXT * PATCH)
    start = time.perf_counter()
    p = clf.predict_proba(window)[0, :, -1, 1].max()  # newest patch, most seizure-like channel
    latency["BPTSeizureClassifier"].append(time.perf_counter() - start)
    proba["BPTSeizureClassifier"].append(p)
    start = time.perf_counter()
    p = baseline.predict_proba(window[..., -PATCH:])[0, 1]
    latency["Band power (baseline)"].append(time.perf_counter() - start)
    proba["Band power (baseline)"].append(p)
torch.set_num_threads(threads)

raw_stream = stream_rec.to_raw()
y_stream = annotations_to_labels(raw_stream, to_windows(raw_stream, n_patches=1))[0]
y_stream = y_stream[CONTEXT - 1:n_patches]  # the patches that got a prediction
onsets = 6.0 * np.arange(CONTEXT - 1, n_patches)  # their start on the recording's clock
results = {}
print(f"Streamed {n_patches} patches ({n_patches * 6} s) of {stream.shape[0]} channels; "
      f"{int(y_stream.sum())} patches hold a seizure.")
for name in proba:
    ms = 1000 * np.asarray(latency[name])
    pred = (np.asarray(proba[name]) >= 0.5).astype(int)
    scores = event_metrics(y_stream, pred, onsets=onsets, window_s=6.0)
    results[f"{name}: median latency (ms)"] = float(np.median(ms))
    results[f"{name}: p95 latency (ms)"] = float(np.percentile(ms, 95))
    results[f"{name}: F2"] = f2_score(y_stream, pred, zero_division=0.0)
    results[f"{name}: event sensitivity"] = scores["sensitivity"]
    results[f"{name}: false alarms / h"] = scores["false_alarms_per_hour"]
    print(f"  {name:22s} latency per patch: median {np.median(ms):6.1f} ms, p95 "
          f"{np.percentile(ms, 95):6.1f} ms;  F2 {results[f'{name}: F2']:.3f}, seizures found "
          f"{scores['sensitivity']:.2f}, "
          f"false alarms {scores['false_alarms_per_hour']:.1f}/h")

# %%
# Online probability and latency
# ------------------------------
fig = plt.figure(figsize=(10, 5))
grid = fig.add_gridspec(2, 2, width_ratios=[3, 1])
latency_ax = fig.add_subplot(grid[:, 1])
all_ms = 1000 * np.concatenate([latency[name] for name in latency])
bins = np.geomspace(all_ms.min(), all_ms.max(), 25)  # log bins: rare slow calls stay visible
for i, name in enumerate(proba):
    ax = fig.add_subplot(grid[i, 0])
    plot_seizure_timeline(np.asarray(proba[name]), y_stream, window_s=6.0, threshold=0.5,
                          onsets=onsets, ax=ax)
    ax.set(title=name, xlabel="")
    latency_ax.hist(1000 * np.asarray(latency[name]), bins=bins, alpha=0.6, label=name)
ax.set_xlabel(f"Time (s); the first prediction comes after {6 * (CONTEXT - 1)} s of signal")
latency_ax.set(xscale="log", xlabel="Latency per patch (ms)", ylabel="Patches",
               title="CPU latency")
latency_ax.legend(fontsize="small")
fig.tight_layout()
FIG_DIR.mkdir(parents=True, exist_ok=True)
fig.savefig(FIG_DIR / "online_detection.png", dpi=80)
