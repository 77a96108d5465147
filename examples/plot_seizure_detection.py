"""
Seizure detection with patient-wise cross-validation
====================================================

The paper's seizure-detection experiment, done so that the numbers can be trusted:
every patient is held out once (:class:`~sklearn.model_selection.GroupKFold` on patient
ids), and three detectors are scored side by side on the same folds:

* :class:`~bptlearn.BPTSeizureClassifier`, the paper's MLP head on the Brant encoder
  (here the frozen "Brant-Freeze" probe);
* :class:`~bptlearn.BPTEncoder` embeddings fed to a logistic regression;
* :class:`~bptlearn.baselines.BandPowerSeizureDetector`, log band powers and a logistic
  regression: the baseline to beat.

Scores are the paper's window-level F2 and the event-level numbers a clinician asks for
(:func:`bptlearn.metrics.event_metrics`: seizures found, false alarms per hour, delay).
The data are synthetic recordings (:func:`bptlearn.data.make_seeg`) cut into 6-s
windows and labelled from their seizure annotations, the way real MNE recordings are.
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
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bptlearn import BPTEncoder, BPTSeizureClassifier
from bptlearn.baselines import BandPowerSeizureDetector
from bptlearn.data import annotations_to_labels, make_seeg, to_windows
from bptlearn.metrics import event_metrics, f2_score
from bptlearn.viz import plot_seizure_timeline

FAST = os.environ.get("BPTLEARN_FAST") == "1"
HERE = Path(sys.argv[0]).resolve().parent  # this script's folder (sphinx-gallery: no __file__)
FIG_DIR = Path(os.environ.get("BPTLEARN_FIGURES_DIR", HERE / "figures"))

n_patients, duration, n_seizures, max_epochs = (3, 240.0, 1, 5) if FAST else (5, 720.0, 2, 20)

# %%
# Recordings, windows and labels
# ------------------------------
# Each patient has one recording with a few seizures. :func:`~bptlearn.data.to_windows`
# cuts it into 6-s windows at 250 Hz, and :func:`~bptlearn.data.annotations_to_labels`
# labels a window 1 when at least half of it lies inside a seizure.
recordings = make_seeg(n_patients=n_patients, n_chans=8, duration=duration,
                       n_seizures=n_seizures, random_state=0)
X, y, groups = [], [], []
for rec in recordings:
    raw = rec.to_raw()
    windows = to_windows(raw, n_patches=1)
    y_win, _ = annotations_to_labels(raw, windows, min_overlap=0.5)
    X.append(windows.X)
    y.append(y_win)
    groups.append(windows.groups)
X, y, groups = np.concatenate(X), np.concatenate(y), np.concatenate(groups)
print(f"{len(X)} windows of {X.shape[1]} channels x 6 s from {n_patients} patients, "
      f"{int(y.sum())} with a seizure.")

# %%
# Three detectors, the same patient-wise folds
# --------------------------------------------
# :func:`~sklearn.model_selection.cross_val_predict` returns, for every window, the
# seizure probability given by the model trained without that window's patient.
models = {
    "BPTSeizureClassifier": BPTSeizureClassifier(max_epochs=max_epochs,
                                                 device="cpu", random_state=0),
    "BPTEncoder + LogReg": make_pipeline(
        BPTEncoder(device="cpu", random_state=0), StandardScaler(),
        LogisticRegression(class_weight="balanced", max_iter=2000)),
    "Band power + LogReg (baseline)": BandPowerSeizureDetector(pooling="max"),
}
cv = GroupKFold(n_splits=n_patients)
proba = {name: cross_val_predict(model, X, y, groups=groups, cv=cv,
                                 method="predict_proba")[:, 1]
         for name, model in models.items()}

# %%
# Window-level F2 and event-level metrics, per held-out patient
# -------------------------------------------------------------
# Windows of a patient are consecutive in time, so each patient's predictions form a
# timeline that :func:`~bptlearn.metrics.event_metrics` scores event by event (a
# detection up to 30 s early or 60 s late counts, alarms less than 90 s apart merge).
results, latencies = {}, {}
for name, p in proba.items():
    pred = (p >= 0.5).astype(int)
    per_patient = [event_metrics(y[groups == g], pred[groups == g], window_s=6.0)
                   for g in np.unique(groups)]
    results[f"{name}: F2"] = float(np.mean([f2_score(y[groups == g], pred[groups == g],
                                                     zero_division=0.0)
                                            for g in np.unique(groups)]))
    results[f"{name}: event sensitivity"] = float(np.mean([s["sensitivity"]
                                                           for s in per_patient]))
    results[f"{name}: false alarms / h"] = float(np.mean([s["false_alarms_per_hour"]
                                                          for s in per_patient]))
    # NaN when no seizure of any patient was detected
    found = [s["mean_latency_s"] for s in per_patient if s["n_detected_events"]]
    latencies[name] = float(np.mean(found)) if found else float("nan")

print(f"{'model':32s} {'F2':>6s} {'events found':>13s} {'false alarms/h':>15s} "
      f"{'delay (s)':>10s}")
for name in models:
    print(f"{name:32s} {results[f'{name}: F2']:6.3f} "
          f"{results[f'{name}: event sensitivity']:13.2f} "
          f"{results[f'{name}: false alarms / h']:15.1f} {latencies[name]:10.1f}")

# %%
# Seizure probability over time, first held-out patient
# -----------------------------------------------------
first = groups == np.unique(groups)[0]
fig, axes = plt.subplots(len(models), 1, figsize=(8, 2.2 * len(models)), sharex=True)
for ax, (name, p) in zip(axes, proba.items(), strict=True):
    plot_seizure_timeline(p[first], y[first], window_s=6.0, threshold=0.5, ax=ax)
    ax.set_title(f"{name}  (F2 {results[f'{name}: F2']:.2f}, mean over patients)",
                 fontsize="medium")
    ax.set_xlabel("")
axes[-1].set_xlabel("Time (s)")
fig.tight_layout()
FIG_DIR.mkdir(parents=True, exist_ok=True)
fig.savefig(FIG_DIR / "seizure_detection.png", dpi=80)
