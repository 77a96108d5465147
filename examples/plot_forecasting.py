"""
Short- and long-horizon forecasting
===================================

The paper forecasts every channel 2 patches (12 s, short) and 20 patches (120 s, long)
ahead from its recent history. Here :class:`~bptlearn.BPTForecaster` is trained on some
patients and tested on others, beside every baseline of :mod:`bptlearn.baselines`:
the history mean (:class:`~bptlearn.baselines.MeanForecaster`), the last 6-s patch
repeated (:class:`~bptlearn.baselines.RepeatLastForecaster`) and autoregressions whose
order is chosen by BIC, fitted on the training windows
(:class:`~bptlearn.baselines.ARForecaster`) or on each history itself
(:class:`~bptlearn.baselines.HistoryARForecaster`). The forecaster builds on the best of
them, chosen on held-back training windows, and adds the network's correction only as
far as it lowered the error there (``baseline_name_``, ``shrinkage_``). Errors are MSE
ratios to the best baseline (below 1: better than all of them) and MAE in µV over every
forecast sample.

The history is 30 s (5 patches) here, shorter than the paper's 90 s, so that the long
task's 150-s samples fit in short synthetic recordings; pass up to 15 patches on real
data. Set ``BPTLEARN_FAST=1`` for a quick run on less data.
"""

# %%
# Settings
# --------
import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from bptlearn import BPTForecaster
from bptlearn.baselines import default_forecasters
from bptlearn.data import make_seeg
from bptlearn.metrics import mae, mse
from bptlearn.viz import plot_forecast

FAST = os.environ.get("BPTLEARN_FAST") == "1"
HERE = Path(sys.argv[0]).resolve().parent  # this script's folder (sphinx-gallery: no __file__)
FIG_DIR = Path(os.environ.get("BPTLEARN_FIGURES_DIR", HERE / "figures"))

PATCH = 1500  # samples per 6-s patch at 250 Hz
if FAST:
    n_patients, n_test, duration, n_history, max_epochs = 3, 1, 240.0, 2, 3
    strides = {"short": 24.0, "long": 24.0}  # seconds between the starts of samples
else:
    n_patients, n_test, duration, n_history, max_epochs = 8, 2, 600.0, 5, 20
    strides = {"short": 6.0, "long": 18.0}  # long samples are 150 s: fewer, to save memory
recordings = make_seeg(n_patients=n_patients, n_chans=8, duration=duration, random_state=0)


def cut(horizon: int, recs: list, stride_s: float) -> tuple[np.ndarray, np.ndarray]:
    """(history, future) pairs slid over each recording every ``stride_s`` seconds."""
    length, step = (n_history + horizon) * PATCH, int(stride_s * 250)
    segments = np.concatenate([
        np.stack([r.data[:, s:s + length] for s in range(0, r.n_times - length + 1, step)])
        for r in recs]).astype(np.float32)
    return segments[..., :n_history * PATCH], segments[..., n_history * PATCH:]


# %%
# Train on some patients, forecast others
# ---------------------------------------
train_recs, test_recs = recordings[:-n_test], recordings[-n_test:]
results, examples = {}, {}
for task, horizon in (("short", 2), ("long", 20)):
    X_train, y_train = cut(horizon, train_recs, strides[task])
    X_test, y_test = cut(horizon, test_recs, strides[task])
    fc = BPTForecaster(horizon=horizon, max_epochs=max_epochs, device="cpu", random_state=0)
    preds = {"BPTForecaster": fc.fit(X_train, y_train).predict(X_test)}
    preds.update({name: model.fit(X_train, y_train).predict(X_test)
                  for name, model in default_forecasters(horizon).items()})
    best = min(mse(y_test, pred) for name, pred in preds.items() if name != "BPTForecaster")
    print(f"{task} horizon ({horizon} patches = {6 * horizon} s): {len(X_train)} training and "
          f"{len(X_test)} test windows; BPTForecaster chose '{fc.baseline_name_}', "
          f"correction weights {np.round(fc.shrinkage_[:4], 2).tolist()}")
    for name, pred in preds.items():
        results[f"{task} {name}: MSE ratio"] = mse(y_test, pred) / best
        results[f"{task} {name}: MAE"] = mae(y_test, pred)
        print(f"  {name:18s} MSE / best baseline {results[f'{task} {name}: MSE ratio']:6.3f}   "
              f"MAE {results[f'{task} {name}: MAE']:7.2f} µV")
    examples[task] = (X_test[0], y_test[0], preds["BPTForecaster"][0],
                      fc.predict_baseline(X_test[:1])[0], fc.baseline_name_)

# %%
# One test window, short and long horizon
# ---------------------------------------
# Forecasts of noisy signals regress to the mean: the further ahead, the flatter the best
# forecast in squared error. The baseline the forecaster chose is drawn beside it; where
# the two coincide, the network had nothing to add on the held-back training windows.
fig, axes = plt.subplots(2, 1, figsize=(9, 6))
for ax, (task, (history, true, pred, base, name)) in zip(axes, examples.items(), strict=True):
    plot_forecast(history, true, pred, 250.0, channel=0, ax=ax, baseline=base,
                  label="BPTForecaster", baseline_label=f"baseline: {name}")
    ax.legend(loc="upper left", fontsize="small", ncol=4)
    ax.set_title(f"{task} horizon, channel 0 of a held-out patient", fontsize="medium")
fig.tight_layout()
FIG_DIR.mkdir(parents=True, exist_ok=True)
fig.savefig(FIG_DIR / "forecasting.png", dpi=80)
