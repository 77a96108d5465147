"""The frequency-phase forecast over its baselines: which baseline gives the frequency and
which the phase, how much of the network's frequency and phase to use (chosen on held-back
windows), and the backtest by which ``predict`` re-checks both baselines on the histories."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from ..baselines import RepeatLastForecaster, SinusoidForecaster
from ..baselines._backtest import clearly_better, material
from ..baselines._base import evenly_spaced
from ..metrics import dominant_frequency, instantaneous_phase
from ..metrics._forecast import _plv
from ._forecast_check import unfamiliar

QUANTITIES = ("frequency", "phase")
logger = logging.getLogger(__name__)


def candidates(horizon: int, patch_len: int, n_times: int, sfreq: float) -> dict[str, Any]:
    """The history's dominant frequency continued as a sinusoid, from its last patch or the
    whole history, and the last patch repeated (whose Hilbert phase is taken)."""
    out = {"sinusoid, last patch": SinusoidForecaster(horizon, patch_len=patch_len, sfreq=sfreq),
           "repeat last patch": RepeatLastForecaster(horizon, patch_len=patch_len)}
    if n_times > patch_len:
        out["sinusoid, history"] = SinusoidForecaster(horizon, patch_len=patch_len, sfreq=sfreq,
                                                      n_last=n_times)
    return out


def baseline_forecast(est: Any, history: np.ndarray, sfreq: float
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Frequency (n, C) and phases (n, C, T) of a fitted baseline."""
    if isinstance(est, SinusoidForecaster):
        return est.predict_frequency(history), est.predict_phase(history)
    future = est.predict(history)
    return dominant_frequency(future, sfreq), instantaneous_phase(future)


def _errors(forecasts: dict, f_true: np.ndarray, ph_true: np.ndarray) -> dict[str, dict]:
    """Absolute frequency error and 1 - PLV of each baseline's forecast, (n, C) each."""
    return {"frequency": {k: np.abs(f - f_true) for k, (f, _) in forecasts.items()},
            "phase": {k: 1 - _plv(ph_true, p) for k, (_, p) in forecasts.items()}}


def _scores(errors: dict[str, dict]) -> dict[str, dict[str, float]]:
    return {q: {k: float(np.mean(e)) for k, e in errors[q].items()} for q in QUANTITIES}


def frequency_weight(base: np.ndarray, net: np.ndarray, f_true: np.ndarray) -> float:
    """Weight in [0, 1] (steps of 0.05) of the network's frequency ``net`` over ``base``
    (both (n, C), Hz) with the lowest absolute error against ``f_true``; 0 unless it is
    ``material`` over weight 0 across channels of windows (more than 3 % and 2 standard
    errors better)."""
    grid = np.round(np.linspace(0.0, 1.0, 21), 2)
    errors = np.abs(base + grid[:, None, None] * (net - base) - f_true)  # (21, n, C)
    best = int(np.argmin(errors.mean(axis=(1, 2))))
    return float(grid[best]) if material(errors[best], errors[0]) else 0.0


def fit_freq_phase(out: np.ndarray, history: np.ndarray, f_true: np.ndarray,
                   ph_true: np.ndarray, horizon: int, patch_len: int, sfreq: float) -> dict:
    """The fitted attributes of a frequency-phase forecaster, from held-back windows.

    ``out`` (n, C, 1 + T): the network's frequency (Hz) then phases; ``history``
    (n, C, n_times) the windows it read; ``f_true`` (n, C) and ``ph_true`` (n, C, T)
    the targets. The candidate with the lowest absolute frequency error gives the
    frequency baseline, the one with the highest phase-locking value the phase baseline.
    The network's frequency is a correction to the baseline's, weighted in [0, 1] (steps
    of 0.05) to the lowest error, 0 unless the gain is ``material`` (more than 3 % and 2
    standard errors across channels of windows); its phase replaces the baseline's
    only where its 1 - PLV is lower by the same margin.
    """
    fitted = {k: est.fit(history) for k, est in
              candidates(horizon, patch_len, history.shape[-1], sfreq).items()}
    forecasts = {k: baseline_forecast(est, history, sfreq) for k, est in fitted.items()}
    scores = _scores(_errors(forecasts, f_true, ph_true))
    names = {q: min(scores[q], key=scores[q].get) for q in QUANTITIES}
    base, ph_base = forecasts[names["frequency"]][0], forecasts[names["phase"]][1]
    w_freq = frequency_weight(base, out[..., 0], f_true)
    plv_net, plv_base = _plv(ph_true, out[..., 1:]), _plv(ph_true, ph_base)  # (n, C)
    w_phase = float(material(1 - plv_net, 1 - plv_base))
    f_err = np.mean(np.abs(base + w_freq * (out[..., 0] - base) - f_true))
    phase_err = np.mean(1 - (plv_net if w_phase else plv_base))
    return {"baseline_": {q: fitted[names[q]] for q in QUANTITIES},
            "baseline_name_": names, "baseline_scores_": scores,
            "shrinkage_": {"frequency": w_freq, "phase": w_phase},
            "residual_gain_": {
                "frequency": float(f_err / max(scores["frequency"][names["frequency"]], 1e-30)),
                "phase": float(phase_err / max(scores["phase"][names["phase"]], 1e-30))}}


def recheck(history: np.ndarray, baselines: dict[str, Any], names: dict[str, str],
            weights: dict[str, float], horizon: int, patch_len: int, sfreq: float,
            max_windows: int = 256, network: Callable | None = None,
            reference: np.ndarray | None = None) -> tuple[dict[str, Any], dict[str, float]]:
    """The baselines and network weights of each quantity after a backtest on ``history``.

    Every candidate forecasts the last ``min(horizon, n_patches // 2)`` patches of up to
    ``max_windows`` evenly spaced histories (n, C, n_times) from the patches before them,
    at least 2 patches when ``horizon`` is (a phase-locking value over one patch cannot
    tell the last patch repeated from a rhythm continued).
    One that beats the fitted baseline of a quantity (``names``) there by more than 3 %
    and by 2 standard errors across channels of windows replaces it, refitted on
    ``history``, without the network's correction (weight 0), and the switch is logged at
    INFO. A phase that fit took from the network is kept: it builds on no baseline.
    Where the fitted baseline of the frequency stays and the network's frequency has a
    weight, ``network(rows, n_back)`` (the network's frequency, (len(rows), C), read from
    the histories ``rows`` without their last ``n_back`` patches) is weighted the same way
    on those patches, and the smaller of the two weights is kept: a network that does not
    help on the data at hand (data unlike the fit data) gets less weight, or none.
    Histories too short for that keep the fitted choice, and the network's weights only
    if they look like the fit windows (:func:`~._forecast_check.unfamiliar` against
    ``reference``, when given); else both weights are 0.
    """
    n_back = min(horizon, history.shape[-1] // patch_len // 2)
    if n_back < min(horizon, 2):  # one patch repeated locks to any rhythm over one patch
        if reference is not None and unfamiliar(history, reference, patch_len, sfreq):
            logger.info("The histories are too short to backtest: the fitted baselines are "
                        "used without the network's frequency or phase.")
            return baselines, dict.fromkeys(QUANTITIES, 0.0)
        return baselines, weights
    rows = evenly_spaced(len(history), max_windows)
    past, future = history[rows, :, :-n_back * patch_len], history[rows, :, -n_back * patch_len:]
    forecasts = {k: baseline_forecast(est.fit(past), past, sfreq) for k, est in
                 candidates(n_back, patch_len, past.shape[-1], sfreq).items()}
    f_future = dominant_frequency(future, sfreq)  # (n, C), for the baselines and the network
    errors = _errors(forecasts, f_future, instantaneous_phase(future))
    baselines, weights = dict(baselines), dict(weights)
    for q in QUANTITIES:
        best = clearly_better(errors[q], names[q])
        if best != names[q] and not (q == "phase" and weights[q]):
            logger.info("A backtest on the histories forecasts the %s of their last patches "
                        "best with %r, not %r as in fit; it is used without the network's.",
                        q, best, names[q])
            baselines[q] = candidates(horizon, patch_len, history.shape[-1], sfreq)[best]
            baselines[q].fit(history)
            weights[q] = 0.0
    if network is not None and weights["frequency"] > 0:
        checked = frequency_weight(forecasts[names["frequency"]][0], network(rows, n_back),
                                   f_future)
        if checked < weights["frequency"]:
            logger.info("A backtest on the histories gives the network's frequency a weight of "
                        "%.2f, not %.2f as in fit; the smaller is used.", checked,
                        weights["frequency"])
            weights["frequency"] = checked
    return baselines, weights


def blend_freq_phase(out: np.ndarray, history: np.ndarray, baselines: dict[str, Any],
                     weights: dict[str, float], sfreq: float) -> tuple[np.ndarray, np.ndarray]:
    """The forecast frequency (n, C) and phases (n, C, T): the network's ``out`` (n, C,
    1 + T) over the fitted ``baselines`` of ``history`` ({'frequency': est, 'phase':
    est}), by the fitted ``weights``."""
    base = baseline_forecast(baselines["frequency"], history, sfreq)[0]
    freq = base + weights["frequency"] * (out[..., 0] - base)
    phase = (out[..., 1:] if weights["phase"]
             else baseline_forecast(baselines["phase"], history, sfreq)[1])
    return freq, phase.astype(out.dtype)
