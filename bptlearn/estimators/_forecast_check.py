"""The baseline a forecaster's network builds on, as a torch module; what its learned
correction is worth: its weight per future patch, on held-back windows in ``fit`` and
again on the histories ``predict`` extends; which baseline ``predict`` keeps after a
backtest; and, for histories too short to backtest, whether they look like the fit
windows at all."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import torch

from ..baselines import (
    ARForecaster,
    HistoryARForecaster,
    MeanForecaster,
    RepeatLastForecaster,
    shrinkage,
)
from ..baselines._backtest import clearly_better, significant
from ..baselines._base import evenly_spaced
from ..baselines._select import channel_groups
from ..nn import BAND_NAMES, LOG_POWER_FLOOR, band_power
from ..nn.heads import ForecastBaseline

logger = logging.getLogger(__name__)
FAMILIAR_SD = 2.0  # the histories' mean spectrum within 2 fit-window SDs in every band


def patch_weights(target: np.ndarray, correction: np.ndarray, patch_len: int) -> np.ndarray:
    """Weight in [0, 1] of ``correction`` towards ``target`` (both (n, C, h * patch_len))
    in each of the h future patches (:func:`~bptlearn.baselines.shrinkage`, 0 unless
    2 standard errors above 0 across channels of windows)."""
    P = patch_len
    groups = channel_groups(target[..., :P].shape)
    return np.array([shrinkage(target[..., j * P:(j + 1) * P],
                               correction[..., j * P:(j + 1) * P], groups=groups)
                     for j in range(target.shape[-1] // P)])


def backtest_weights(forecaster: Any, signals: Any, max_windows: int = 256) -> np.ndarray:
    """Multiplier in [0, 1] of the fitted correction in each future patch, measured on the
    histories themselves.

    The fitted forecaster forecasts the last ``horizon`` patches of up to ``max_windows``
    evenly spaced histories from the patches before them (scaled again without those
    patches), and :func:`patch_weights` weighs its correction there, as ``fit`` did on
    held-back windows. The histories must be longer than ``horizon`` patches.
    """
    h, P = forecaster.horizon, forecaster.encoder_.config.patch_len
    pipeline, baseline = forecaster.pipeline_, forecaster.readout_.baseline

    def backtest(x: torch.Tensor, center: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        raw = x * scale + center  # (B, C, L, P) in the units of X
        past, c, s = pipeline.scaling(raw[:, :, :-h])  # scaled without the last h patches
        base = baseline(past)  # (B, C, h * P), in the past's scaled units
        out = (pipeline.forward_scaled(past, c, s) - c[..., 0]) / s[..., 0]
        truth = (raw[:, :, -h:].flatten(2) - c[..., 0]) / s[..., 0]
        return torch.stack([out - base, truth - base], dim=1)  # (B, 2, C, h * P)

    rows = evenly_spaced(signals.n_windows, max_windows)
    pairs = forecaster._run(signals.subset(rows), backtest, stats=True).astype(float)
    return patch_weights(pairs[:, 1], pairs[:, 0], P)


def is_linear(estimator: Any) -> bool:
    """Whether a fitted forecasting baseline is one linear map of the history, which the
    network's readout computes exactly (and learns its correction over); an
    autoregression fitted on each history at predict time is not."""
    return isinstance(estimator, (MeanForecaster, RepeatLastForecaster, ARForecaster))


def baseline_module(est: Any, n_chans: int) -> ForecastBaseline:
    """The fitted forecasting baseline ``est`` as a torch module (exact: these are linear)."""
    n_out = est.horizon * est.patch_len
    if isinstance(est, MeanForecaster):
        return ForecastBaseline("mean", n_out)
    if isinstance(est, RepeatLastForecaster):
        return ForecastBaseline("repeat", n_out)
    if isinstance(est, ARForecaster):  # impulse responses of the centred recursion
        p, T = est.order_, est._min_times()  # T >= p + 1 samples; the last p are used
        basis = np.zeros((p + 1, n_chans if est.per_channel else 1, T))
        basis[np.arange(1, p + 1), :, np.arange(T - p, T)] = 1.0
        resp = est._recursion(basis)  # (p + 1, C, n_out): zero, then one unit per lag
        weight = (resp[1:] - resp[:1]).transpose(1, 2, 0)  # (C, n_out, p), oldest lag first
        return ForecastBaseline("linear", n_out, torch.from_numpy(weight),
                                torch.from_numpy(resp[0]))
    raise TypeError(f"{type(est).__name__} has no torch form; BPTForecaster builds on "
                    "MeanForecaster, RepeatLastForecaster or ARForecaster.")


def alone_unless_beaten(select: Any, name: str, error: np.ndarray,
                         history: np.ndarray, future: np.ndarray) -> str | None:
    """The baseline that is not a linear map of the history (an AR fitted on each history,
    which learns nothing of the fit windows and so transfers as it is) with the lowest
    held-back score, unless the forecast over ``name`` with its correction, whose squared
    errors on the held-back windows are ``error`` (n, C), beats it there by 2 standard
    errors across channels of windows; None when there is no such baseline or it is
    beaten."""
    others = {k: v for k, v in select.scores_.items() if not is_linear(select.estimators_[k])}
    if not others:
        return None
    other = min(others, key=others.get)
    own = np.mean((select.estimators_[other].predict(history) - future) ** 2, axis=-1)
    if significant(own - error):
        return None
    logger.info("On the held-back windows %r with the learned correction (MSE %.4g) does not "
                "beat %r alone (%.4g) by 2 standard errors; %r is forecast alone.", name,
                error.mean(), other, own.mean(), other)
    return other


def predict_choice(forecaster: Any, history: np.ndarray) -> tuple[Any, bool]:
    """The baseline :meth:`~bptlearn.BPTForecaster.predict` forecasts the scaled
    ``history`` (n, C, L * P) with (a fitted estimator), and whether without the
    learned correction.

    Histories longer than ``horizon`` patches are backtested: another candidate that
    forecasts their last patches clearly better than the fitted baseline is used alone.
    Shorter ones keep the fitted baseline if they look like the fit windows
    (:func:`unfamiliar`), else the autoregression fitted on each history itself
    (:class:`~bptlearn.baselines.HistoryARForecaster`), which learns nothing of the fit
    data and decays to each history's mean, is forecast alone. A baseline that is not
    :func:`is_linear` is always forecast alone.
    """
    fc = forecaster
    fitted = fc.baselines_.estimators_
    name = fc.baseline_name_
    if fc.n_patches_in_ > fc.horizon:
        name = clearly_better(fc.baselines_._backtest_errors(history), fc.baseline_name_)
        if name != fc.baseline_name_:
            logger.info("A backtest on the histories forecasts their last %d patch(es) best "
                        "with %r, not %r as in fit; its forecast is used without "
                        "correction.", fc.horizon, name, fc.baseline_name_)
    else:
        config = fc.encoder_.config
        if unfamiliar(history, fc.fit_spectrum_, config.patch_len, config.sfreq):
            name = next(k for k, est in fitted.items() if isinstance(est, HistoryARForecaster))
            logger.info("The histories are too short to backtest (%d patch(es), horizon %d): "
                        "an autoregression fitted on each history itself (%r) is forecast, "
                        "without the fitted baseline or its correction.", fc.n_patches_in_,
                        fc.horizon, name)
    return fitted[name], name != fc.baseline_name_ or not is_linear(fitted[name])


def checked_correction(forecaster: Any, signals: Any, out: np.ndarray) -> np.ndarray:
    """The forecasts ``out`` with the correction of each future patch scaled by its
    backtest on the histories (:func:`backtest_weights`): kept where it helps there,
    less or none where it does not. Histories not longer than ``horizon`` patches, and
    corrections without weight, pass unchanged."""
    fc = forecaster
    if fc.n_patches_in_ <= fc.horizon or not np.any(fc.shrinkage_ > 0):
        return out
    keep = np.where(fc.shrinkage_ > 0, backtest_weights(fc, signals), 1.0)
    if np.all(keep == 1.0):
        return out
    logger.info("A backtest on the histories keeps %s of the learned correction of each "
                "future patch (fitted weights %s).", np.round(keep, 2).tolist(),
                np.round(fc.shrinkage_, 2).tolist())
    base = fc._run(signals, fc.readout_.baseline, post=lambda y, c, s: y * s[..., 0] + c[..., 0])
    return base + np.repeat(keep, out.shape[-1] // len(keep)).astype(out.dtype) * (out - base)


def band_spectrum(history: np.ndarray, patch_len: int, sfreq: float) -> np.ndarray:
    """Log10 relative power in Brant's 8 bands of each channel of each window
    (n, C, L * patch_len), averaged over its patches: (n * C, 8). Relative power does
    not depend on the units or the scaling of the samples."""
    n, C, T = history.shape
    x = torch.from_numpy(np.ascontiguousarray(history)).reshape(n, C, T // patch_len, patch_len)
    power = 10.0 ** band_power(x.double(), sfreq, offset=0.0)  # (n, C, L, 8)
    relative = power / power.sum(-1, keepdim=True).clamp_min(1e-300)  # a flat patch: all 0
    return torch.log10(relative + LOG_POWER_FLOOR).mean(2).reshape(n * C, -1).numpy()


def spectrum_reference(history: np.ndarray, patch_len: int, sfreq: float) -> np.ndarray:
    """Mean and standard deviation over the channels of the fit windows ``history`` of
    their :func:`band_spectrum`: (2, 8), the reference of :func:`unfamiliar`."""
    features = band_spectrum(history, patch_len, sfreq)
    return np.stack([features.mean(0), features.std(0)])


def unfamiliar(history: np.ndarray, reference: np.ndarray, patch_len: int,
               sfreq: float) -> bool:
    """Whether the histories (n, C, L * patch_len) do not look like the fit windows.

    The mean of their :func:`band_spectrum` over channels and windows is compared with
    the fit windows' (``reference`` from :func:`spectrum_reference`) band by band, in
    units of the fit windows' standard deviation; more than :data:`FAMILIAR_SD` in any
    band is unlike (logged at INFO, with the band). A per-window test would flag
    ordinary windows: held-out patients of the fit data differ from the fit windows'
    mean by well under one standard deviation, another simulator family by about 1.5,
    a real recording fitted on simulated data by 3 to 7.
    """
    mean, std = reference
    gap = np.abs(band_spectrum(history, patch_len, sfreq).mean(0) - mean) / np.maximum(std, 1e-6)
    band = int(np.argmax(gap))
    if gap[band] <= FAMILIAR_SD:
        return False
    logger.info("The histories are unlike the fit windows: their mean log relative power in "
                "the %s band lies %.1f standard deviations of the fit windows' from theirs "
                "(more than %g).", BAND_NAMES[band], gap[band], FAMILIAR_SD)
    return True
