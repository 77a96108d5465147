"""The frequency-phase forecast over its sinusoid baseline: which sinusoid, and how much of
the network's frequency and phase to use, chosen on held-back windows."""

from __future__ import annotations

import numpy as np

from ..baselines import SinusoidForecaster
from ..metrics._forecast import _plv


def _sinusoids(horizon: int, patch_len: int, n_times: int) -> dict[str, SinusoidForecaster]:
    """The history's dominant frequency continued, from its last patch or the whole history."""
    out = {"sinusoid, last patch": SinusoidForecaster(horizon, patch_len=patch_len)}
    if n_times > patch_len:
        out["sinusoid, history"] = SinusoidForecaster(horizon, patch_len=patch_len,
                                                      n_last=n_times)
    return out


def _significant(gain: np.ndarray) -> bool:
    """Whether the mean of per-row gains is 2 standard errors above 0."""
    gain = gain.ravel()
    return bool(gain.size > 1 and gain.mean() > 2 * gain.std(ddof=1) / np.sqrt(gain.size))


def fit_freq_phase(out: np.ndarray, history: np.ndarray, f_true: np.ndarray,
                   ph_true: np.ndarray, horizon: int, patch_len: int) -> dict:
    """The fitted attributes of a frequency-phase forecaster, from held-back windows.

    ``out`` (n, C, 1 + T): the network's frequency (Hz) then phases; ``history``
    (n, C, n_times) the windows it read; ``f_true`` (n, C) and ``ph_true`` (n, C, T)
    the targets. Frequencies are scored by absolute error (the task's metric). The
    sinusoid with the lower error is the baseline; the network's frequency is a
    correction to it, weighted in [0, 1] (steps of 0.05) to the lowest error, 0 unless
    the gain is 2 standard errors above 0 across channels of windows; its phase
    replaces the sinusoid's only where its phase-locking value is 2 standard errors
    higher.
    """
    candidates = _sinusoids(horizon, patch_len, history.shape[-1])
    f_base = {k: est.fit(history).predict_frequency(history) for k, est in candidates.items()}
    scores = {k: float(np.mean(np.abs(f - f_true))) for k, f in f_base.items()}
    name = min(scores, key=scores.get)
    base, ph_base = f_base[name], candidates[name].predict_phase(history)
    grid = np.round(np.linspace(0.0, 1.0, 21), 2)
    errors = np.abs(base + grid[:, None, None] * (out[..., 0] - base) - f_true)  # (21, n, C)
    w_freq = float(grid[np.argmin(errors.mean(axis=(1, 2)))])
    if not _significant(errors[0] - errors[int(round(w_freq * 20))]):
        w_freq = 0.0
    plv_net, plv_base = _plv(ph_true, out[..., 1:]), _plv(ph_true, ph_base)  # (n, C)
    w_phase = float(_significant(plv_net - plv_base))
    f_err = np.mean(np.abs(base + w_freq * (out[..., 0] - base) - f_true))
    plv = np.mean(plv_net if w_phase else plv_base)
    return {"baseline_": candidates[name], "baseline_name_": name, "baseline_scores_": scores,
            "shrinkage_": {"frequency": w_freq, "phase": w_phase},
            "residual_gain_": {
                "frequency": float(f_err / max(scores[name], 1e-30)),
                "phase": float((1 - plv) / max(1 - np.mean(plv_base), 1e-30))}}


def blend_freq_phase(out: np.ndarray, history: np.ndarray, baseline: SinusoidForecaster,
                     weights: dict) -> tuple[np.ndarray, np.ndarray]:
    """The forecast frequency (n, C) and phases (n, C, T): the network's ``out`` (n, C,
    1 + T) over the ``baseline`` sinusoid of ``history``, by the fitted ``weights``."""
    base = baseline.predict_frequency(history)
    freq = base + weights["frequency"] * (out[..., 0] - base)
    phase = out[..., 1:] if weights["phase"] else baseline.predict_phase(history)
    return freq, phase.astype(out.dtype)
