"""
Frequency-phase forecasting
===========================

The paper's frequency-phase task: from a channel's history, predict the dominant
frequency of its next 5 patches (30 s) and the instantaneous (Hilbert) phase at every
future sample. :class:`~bptlearn.BPTForecaster` with ``target='freq_phase'`` learns both;
it is scored by the absolute error of the dominant frequency (Hz) and by the
phase-locking value (:func:`~bptlearn.metrics.phase_locking_value`: 1 when the phase
error stays constant, near 0 when it wanders).

Three baselines need no training: the history's dominant frequency continued as a
sinusoid from its final phase (:class:`~bptlearn.baselines.SinusoidForecaster`), over
the whole history or over its last 6-s patch only, and the last patch **repeated**
(:class:`~bptlearn.baselines.RepeatLastForecaster`), whose Hilbert phase is taken.
``fit`` builds the forecast over the best of the three for the frequency and the best
for the phase on held-back training windows (``baseline_name_``): the network's
frequency corrects the baseline's by the weight with the lowest error there, and both
it and the network's phase are used only where they beat the baseline by more than 3 %
and 2 standard errors (``shrinkage_``, ``residual_gain_``: the forecast's error over
the baseline's, at most 1). ``predict`` re-checks both baselines on the test histories
themselves. Set ``BPTLEARN_FAST=1`` for a quick run on less data.
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
from bptlearn.baselines import RepeatLastForecaster, SinusoidForecaster
from bptlearn.data import make_seeg
from bptlearn.metrics import dominant_frequency, instantaneous_phase, phase_locking_value

FAST = os.environ.get("BPTLEARN_FAST") == "1"
HERE = Path(sys.argv[0]).resolve().parent  # this script's folder (sphinx-gallery: no __file__)
FIG_DIR = Path(os.environ.get("BPTLEARN_FIGURES_DIR", HERE / "figures"))

SFREQ, PATCH, HORIZON = 250.0, 1500, 5
if FAST:
    n_patients, n_test, duration, n_history, stride_s, max_epochs = 3, 1, 120.0, 1, 12.0, 3
else:
    n_patients, n_test, duration, n_history, stride_s, max_epochs = 8, 2, 600.0, 5, 6.0, 20
recordings = make_seeg(n_patients=n_patients, n_chans=8, duration=duration,
                       seizure_duration=(20.0, 30.0), random_state=1)


def cut(recs: list) -> tuple[np.ndarray, np.ndarray]:
    """(history, next 5 patches) pairs slid over each recording every ``stride_s`` seconds."""
    length, step = (n_history + HORIZON) * PATCH, int(stride_s * SFREQ)
    segments = np.concatenate([
        np.stack([r.data[:, s:s + length] for s in range(0, r.n_times - length + 1, step)])
        for r in recs]).astype(np.float32)
    return segments[..., :n_history * PATCH], segments[..., n_history * PATCH:]


X_train, y_train = cut(recordings[:-n_test])
X_test, y_test = cut(recordings[-n_test:])
freq_true, phase_true = dominant_frequency(y_test, SFREQ), instantaneous_phase(y_test)
print(f"{len(X_train)} training and {len(X_test)} test windows of {n_history} patch(es) of "
      f"history; targets: the next {HORIZON} patches ({6 * HORIZON} s).")

# %%
# BPTForecaster and the two baselines
# -----------------------------------
fc = BPTForecaster(horizon=HORIZON, target="freq_phase", max_epochs=max_epochs, device="cpu",
                   random_state=0).fit(X_train, y_train)
print(f"built on {fc.baseline_name_!r}, network's weights {fc.shrinkage_}; held-back "
      f"training windows, forecast over baseline: {fc.residual_gain_}")
t_future = np.arange(1, HORIZON * PATCH + 1) / SFREQ
repeated = RepeatLastForecaster(horizon=HORIZON).fit(X_test).predict(X_test)
sinusoids = {"History continued": SinusoidForecaster(HORIZON, n_last=X_test.shape[-1]),
             "Last patch continued": SinusoidForecaster(HORIZON)}
predictions = {  # name -> (dominant frequency (n, C), phase (n, C, n_future))
    "BPTForecaster": (fc.predict_frequency(X_test), fc.predict(X_test)),
    **{name: (s.fit(X_test).predict_frequency(X_test), s.predict_phase(X_test))
       for name, s in sinusoids.items()},
    "Last patch repeated": (dominant_frequency(repeated, SFREQ),
                            instantaneous_phase(repeated)),
}
results = {}
for name, (freq, phase) in predictions.items():
    results[f"{name}: frequency MAE (Hz)"] = float(np.mean(np.abs(freq - freq_true)))
    results[f"{name}: PLV"] = phase_locking_value(phase_true, phase)
    print(f"  {name:22s} dominant-frequency error {results[f'{name}: frequency MAE (Hz)']:5.2f} "
          f"Hz   PLV {results[f'{name}: PLV']:.3f}")

# %%
# Errors side by side, and one channel's phase
# --------------------------------------------
fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), gridspec_kw={"width_ratios": [2, 1, 1]})
t_show = t_future <= 1.0
axes[0].plot(t_future[t_show], phase_true[0, 0, t_show], color="k", lw=1.2, label="true")
for name, (_, phase) in predictions.items():
    axes[0].plot(t_future[t_show], np.angle(np.exp(1j * phase[0, 0, t_show])), lw=0.8,
                 label=name)
axes[0].set(xlabel="Time after the history (s)", ylabel="Phase (rad)",
            title="Channel 0, first second of a test window")
axes[0].legend(fontsize="small", loc="lower right")
names = list(predictions)
for ax, metric in zip(axes[1:], ("frequency MAE (Hz)", "PLV"), strict=True):
    ax.bar(range(len(names)), [results[f"{n}: {metric}"] for n in names],
           color=[f"C{i}" for i in range(len(names))])
    ax.set_xticks(range(len(names)), [n.replace(" ", "\n", 2) for n in names],
                  fontsize="small")
    ax.set_title(metric)
fig.tight_layout()
FIG_DIR.mkdir(parents=True, exist_ok=True)
fig.savefig(FIG_DIR / "frequency_phase.png", dpi=80)
