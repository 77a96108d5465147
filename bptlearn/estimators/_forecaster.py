"""BPTForecaster: the next patches of every channel, or their frequency and phase."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..baselines import BestBaselineForecaster
from ..baselines._select import _held_back
from ..metrics import dominant_frequency, instantaneous_phase, mae, phase_locking_value
from ..nn.heads import (
    ForecastReadout,
    FreqPhaseHead,
    ResidualForecastHead,
)
from ..nn.losses import FreqPhaseLoss
from ..nn.pipeline import freq_phase_output
from ..weights import DEFAULT_WEIGHTS
from ._forecast_check import (
    alone_unless_beaten,
    baseline_module,
    checked_correction,
    is_linear,
    patch_weights,
    predict_choice,
    spectrum_reference,
)
from ._freq_phase import baseline_forecast, blend_freq_phase, fit_freq_phase, recheck
from ._input import Signals, check_future
from ._net import _BPTNet

_FREQ_SCALE = 10.0  # the head predicts frequencies in units of 10 Hz
_HELD_BACK = 0.2  # fraction of the fit windows that choose the baseline's shrinkage


class BPTForecaster(RegressorMixin, _BPTNet):
    """Forecast the next ``horizon`` patches of each channel from up to 15 patches of history.

    The forecast is a simple baseline plus a correction that cannot make it worse on data
    like the fit data. ``fit`` scores the history mean, the last patch repeated, an
    autoregression fitted on the fit windows and one fitted on each history itself (orders
    by BIC) on held-back windows (:class:`~bptlearn.baselines.BestBaselineForecaster`);
    the paper's head (each channel's tokens mean-pooled, then linear) learns the residual
    over the best of the first three (one linear map of the history, which the network
    computes) on the other windows; then the correction of each future patch is shrunk
    by a weight in [0, 1] fitted on the held-back windows, exactly 0 where it does not
    lower their error by 2 standard errors across channels of windows
    (:func:`~bptlearn.baselines.shrinkage`). Unless that corrected forecast beats the
    autoregression fitted on each history there by 2 standard errors, the latter is
    forecast alone: it learns nothing of the fit windows, so it carries over as it is.
    Far ahead, where nothing is predictable, the forecast is the baseline's, which decays
    to the mean. ``predict`` re-checks the
    baseline on the histories it extends and, where another is clearly better there
    (data unlike the fit data), forecasts with that one alone; else it weighs the
    correction there again and scales it down where it does not help.

    With ``target='freq_phase'`` it predicts instead the dominant frequency of each
    channel's future segment and its instantaneous (Hilbert) phase at every future
    sample, over the same kind of baselines: the history's dominant frequency continued
    as a sinusoid (:class:`~bptlearn.baselines.SinusoidForecaster`, from the last patch
    or the whole history) and the last patch repeated; the held-back windows choose one
    for the frequency and one for the phase. The network's frequency is a correction to
    the baseline's, weighted to the lowest absolute error on the held-back windows (0
    unless that error is more than 3 % and 2 standard errors lower); its phase replaces
    the baseline's only where it locks to the true phase better by the same margin.
    ``predict`` re-checks both baselines by a backtest on the histories, as for the
    signal, and the network's frequency weight.
    Read more in the :ref:`User Guide <forecasting>`.

    Parameters
    ----------
    horizon : int, default=2
        Patches to forecast (6 s each): the paper's short horizon is 2, long 20, and the
        frequency-phase task uses 5.
    target : {'signal', 'freq_phase'}, default='signal'
        What is predicted.
    dropout : float, default=0.1
        Dropout before the head's linear layer.
    weights, preset, layer, finetune, last_k, lr, encoder_lr, max_epochs, batch_size, \
scaling, sfreq, callbacks, train_split, device, verbose, random_state, **kwargs
        As in :class:`BPTSeizureClassifier`.

    Attributes
    ----------
    n_future_ : int
        Samples forecast per channel at the model's 250 Hz (``horizon * 1500``).
    baseline_name_ : str or dict
        The baseline the forecast builds on ('history mean', 'repeat last patch',
        'AR (BIC order)', or 'AR on each history', forecast without correction). For
        ``'freq_phase'``: ``{'frequency': name, 'phase': name}``,
        each 'sinusoid, last patch', 'sinusoid, history' or 'repeat last patch'.
    baseline_ : estimator or dict
        That baseline, fitted on the scaled fit windows at 250 Hz (for ``'freq_phase'``,
        one per quantity, keyed as ``baseline_name_``).
    baselines_ : BestBaselineForecaster
        The selector, with every candidate refitted (``'signal'`` only), which
        :meth:`predict` re-scores on the histories it extends.
    baseline_scores_ : dict
        Held-back MSE of every candidate baseline (scaled units). For ``'freq_phase'``:
        ``{'frequency': mean absolute error of the dominant frequency in Hz, 'phase':
        1 - mean phase-locking value}``, each a dict of candidate name to score.
    shrinkage_ : ndarray of shape (horizon,) or dict
        Weight of the learned correction in each future patch (0: the baseline alone).
        For ``'freq_phase'``: ``{'frequency': weight of the network's frequency over the
        sinusoid's, 'phase': 1.0 (the network's phase) or 0.0 (the sinusoid's)}``.
    fit_spectrum_ : ndarray of shape (2, 8)
        Mean and standard deviation over the channels of the fit windows of their log10
        relative power in Brant's 8 bands (averaged over patches): what :meth:`predict`
        compares histories too short to backtest with.
    residual_gain_ : float or dict
        Held-back MSE of the forecast divided by that of the baseline (<= 1 by
        construction; 1 for a baseline forecast alone). For ``'freq_phase'``:
        ``{'frequency': ratio of absolute errors, 'phase': ratio of 1 - PLV}``, forecast
        over sinusoid (<= 1 by construction).
    net_, encoder_, history_, n_chans_in_, sfreq_in_, n_patches_in_, scaling_, center_, \
scale_, device_
        As in :class:`BPTSeizureClassifier`.

    See Also
    --------
    bptlearn.baselines.BestBaselineForecaster : The baselines to beat, best one chosen.

    Notes
    -----
    ``y`` holds the future samples at the sampling rate of X; predictions are at the
    model's 250 Hz, in the units of X. :meth:`score` is the negative mean absolute error
    (higher is better) for ``target='signal'`` and the mean phase-locking value for
    ``target='freq_phase'``.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn import BPTForecaster
    >>> from bptlearn.data import make_seeg_windows
    >>> X, *_ = make_seeg_windows(n_patients=1, n_windows=8, n_patches=3, random_state=0)
    >>> history, future = X[:, :, :3000], X[:, :, 3000:]
    >>> fc = BPTForecaster(horizon=1, max_epochs=2, random_state=0).fit(history, future)
    >>> fc.predict(history).shape
    (8, 8, 1500)
    >>> fc.baseline_name_, bool(fc.residual_gain_ <= 1.0)
    ('AR on each history', True)
    """

    _parameter_constraints: dict = {
        **_BPTNet._parameter_constraints,
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "target": [StrOptions({"signal", "freq_phase"})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(self, *, horizon: int = 2, target: str = "signal", dropout: float = 0.1,
                 weights: Any = DEFAULT_WEIGHTS, preset: str = "nano", layer: str = "temporal",
                 finetune: str = "probe", last_k: int = 1, lr: float | None = None,
                 encoder_lr: float | None = None, max_epochs: int = 20, batch_size: int = 32,
                 scaling: str | None = "auto", sfreq: float = 250.0,
                 callbacks: list | None = None, train_split: Any = None, device: Any = "auto",
                 verbose: int | str = "auto", random_state: Any = None, **kwargs: Any) -> None:
        self.horizon = horizon
        self.target = target
        self.dropout = dropout
        self.weights = weights
        self.preset = preset
        self.layer = layer
        self.finetune = finetune
        self.last_k = last_k
        self.lr = lr
        self.encoder_lr = encoder_lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.scaling = scaling
        self.sfreq = sfreq
        self.callbacks = callbacks
        self.train_split = train_split
        self.device = device
        self.verbose = verbose
        self.random_state = random_state
        self._store_skorch_kwargs(kwargs)

    def fit(self, X: Any, y: Any, groups: Any = None) -> BPTForecaster:
        """Learn to forecast ``y`` from the history windows ``X``.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times) or mne.Epochs
            History windows of 1 to 15 patches.
        y : array-like of shape (n_windows, n_chans, n_future)
            The samples that follow each window, at the sampling rate of X
            (``n_future`` = ``horizon`` x 6 s).
        groups : array-like of shape (n_windows,) or None, default=None
            Patient (or recording) ids, passed to ``train_split``. With 3 or more, the
            windows that choose the baseline and the correction's weight are whole
            patients held back, not the last 20 % of the windows.

        Returns
        -------
        self : BPTForecaster
        """
        return self._fit_task(X, y, groups)

    def _task_targets(self, y: Any, signals: Signals, n_patches: int, config: Any):
        future = check_future(y, signals, self.horizon, config)
        if self.target == "freq_phase":
            freq = dominant_frequency(future, config.sfreq)[..., None]
            return np.concatenate([freq, instantaneous_phase(future)], axis=-1).astype(
                np.float32), {"n_future_": future.shape[-1]}
        return future, {"n_future_": future.shape[-1]}

    def _train(self, signals: Signals, targets: np.ndarray, groups: Any):
        rows, held = _held_back(signals.n_windows, _HELD_BACK, groups)
        train_groups = None if groups is None else np.asarray(groups)[rows]
        config = self.encoder_.config
        history = self._run(signals, lambda x: x.flatten(2))  # (n, C, L * P), scaled
        self.fit_spectrum_ = spectrum_reference(history, config.patch_len, config.sfreq)
        if self.target == "freq_phase":
            return self._train_freq_phase(signals, targets, train_groups, rows, held,
                                          history[held])
        center, scale = self._window_stats(signals)  # forecast in the scaled units of the history
        future = (targets - center[..., 0]) / scale[..., 0]
        select = BestBaselineForecaster(self.horizon, patch_len=config.patch_len)
        select.fit(history, future, groups=groups)  # refitted on every window once chosen
        linear = {k: v for k, v in select.scores_.items() if is_linear(select.estimators_[k])}
        name = min(linear, key=linear.get)  # the best baseline the readout computes
        self.readout_ = ForecastReadout(baseline_module(select.estimators_[name],
                                                         signals.n_chans)).to(self.device_)
        base = self._run(signals, self.readout_.baseline)
        net = super()._train(signals.subset(rows), future[rows] - base[rows], train_groups)
        # the correction of each future patch, shrunk on the held-back windows
        head, standardize = net.module_.head, net.module_.standardize
        d = head.d_model
        if hasattr(standardize, "mean"):  # a probe standardised the baseline columns too
            head.base_mean.copy_(standardize.mean[d:])
            head.base_scale.copy_(standardize.scale[d:])
        head.use_baseline.fill_(1.0)
        module = self._inference_module(net)
        correction = (self._run(signals.subset(held), module) - base[held]).astype(float)
        target = (future[held] - base[held]).astype(float)
        P = config.patch_len
        weights = patch_weights(target, correction, P)
        error = np.mean((target - np.repeat(weights, P) * correction) ** 2, axis=-1)  # (n, C)
        gain = float(error.mean() / max(np.mean(target ** 2), 1e-30))
        alone = alone_unless_beaten(select, name, error, history[held], future[held])
        if alone is not None:
            name, weights, gain = alone, np.zeros_like(weights), 1.0
        head.gate.copy_(torch.from_numpy(np.repeat(weights, P).astype(np.float32)))
        vars(self).update(
            baseline_=select.estimators_[name], baseline_name_=name, baselines_=select,
            baseline_scores_=select.scores_, shrinkage_=weights, residual_gain_=gain)
        return net

    def _train_freq_phase(self, signals: Signals, targets: np.ndarray, groups: Any,
                          rows: np.ndarray, held: np.ndarray, history: np.ndarray):
        """``history``: the held-back windows, scaled and flattened (n_held, C, L * P)."""
        net = super()._train(signals.subset(rows), targets[rows], groups)
        module = self._inference_module(net)
        out = self._run(signals.subset(held),
                        lambda x: freq_phase_output(*module(x), _FREQ_SCALE))
        config = self.encoder_.config
        vars(self).update(fit_freq_phase(out, history, targets[held][..., 0],
                                         targets[held][..., 1:], self.horizon,
                                         config.patch_len, config.sfreq))
        return net

    def _window_stats(self, signals: Signals) -> tuple[np.ndarray, np.ndarray]:
        stats = self._run(signals, lambda x: torch.zeros(len(x), 1),
                          post=lambda y, c, s: np.stack([c, s], axis=1))  # (n, 2, C, 1, 1)
        return stats[:, 0], stats[:, 1]

    def _task_head(self, config):
        if self.target == "freq_phase":
            return FreqPhaseHead(config.d_model, self.n_future_, self.dropout)
        return ResidualForecastHead(config.d_model, self.n_future_, self.dropout)

    def _task_readout(self):
        return getattr(self, "readout_", None) if self.target == "signal" else None

    def _task_criterion(self, targets: np.ndarray):
        return FreqPhaseLoss(_FREQ_SCALE) if self.target == "freq_phase" else torch.nn.MSELoss()

    def _task_pipeline(self):
        pipeline = super()._task_pipeline()
        pipeline.unscale = self.target == "signal"  # forecasts back to the units of X
        pipeline.freq_scale = _FREQ_SCALE if self.target == "freq_phase" else None
        return pipeline

    def _freq_phase(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Frequency (n, C) and phases (n, C, T): the network's over the sinusoid's."""
        check_is_fitted(self)
        signals = self._check_fitted_input(X, same_chans=True, same_patches=True,
                                           why="The forecaster reads windows of the shape "
                                               "seen in fit.")
        out = self._run(signals, self.pipeline_.forward_scaled, stats=True)
        history = self._run(signals, lambda x: x.flatten(2))
        P, sfreq = self.encoder_.config.patch_len, self.encoder_.config.sfreq

        def network(rows: np.ndarray, n_back: int) -> np.ndarray:
            """The network's frequency from the histories ``rows`` less their last patches
            (scaled again without them: the backtest does not see the future's scale)."""
            return self._run(signals.subset(rows), lambda x, center, scale: self.pipeline_(
                x[:, :, :-n_back] * scale + center), stats=True)[..., 0]

        baselines, weights = recheck(history, self.baseline_, self.baseline_name_,
                                     self.shrinkage_, self.horizon, P, sfreq, network=network,
                                     reference=self.fit_spectrum_)
        return blend_freq_phase(out, history, baselines, weights, sfreq)

    def predict(self, X: Any) -> np.ndarray:
        """Forecast samples at 250 Hz, or the future phase (radians) for ``'freq_phase'``.

        A backtest first checks the baseline on the histories themselves: every
        candidate of ``baselines_`` forecasts their last ``horizon`` patches from the
        patches before them (:meth:`~bptlearn.baselines.BestBaselineForecaster.rank`).
        Where one is better than ``baseline_name_`` by more than 3 % and by 2 standard
        errors across channels of windows, its forecast is returned without the learned
        correction (learned over the other baseline), and the switch is logged at INFO.
        Where the fitted baseline stays and its correction has weight, the network too
        forecasts those last patches from the patches before them; the correction of
        each future patch is multiplied by its weight there (0 unless significant, as in
        ``fit``; at most 1, so never above the fitted weight), logged at INFO when lower.
        Histories not longer than ``horizon`` patches are too short to backtest: they keep
        the fitted choice and weights if they look like the fit windows, else an
        autoregression fitted on each history itself ('AR on each history': one for all
        channels of a window, order up to 20 by BIC) is forecast alone (logged at INFO);
        so is that baseline wherever fit chose it. Unlike means that their mean log
        relative power in one of the 8 bands lies more than 2 standard deviations of the fit
        windows' (``fit_spectrum_``) from the fit windows' mean. For ``'freq_phase'`` the
        three baselines forecast the last ``min(horizon, n_patches // 2)`` patches (at least
        2 when ``horizon`` is), and the same rule replaces the fitted frequency or phase
        baseline, without the network's correction; a phase taken from the network is kept.
        Where the frequency baseline stays, the network's frequency, read from the histories
        without those patches, is weighted there as in ``fit``, and the smaller of that
        weight and ``shrinkage_['frequency']`` is used.
        Histories too short for that keep the fitted baselines, and the network's
        frequency and phase only if they look like the fit windows.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times) or mne.Epochs
            History windows, of the shape seen in fit.

        Returns
        -------
        y_pred : ndarray of shape (n_windows, n_chans, horizon * 1500)
        """
        if self.target == "freq_phase":
            return self._freq_phase(X)[1]
        check_is_fitted(self)
        signals = self._check_fitted_input(X, same_chans=True, same_patches=True,
                                           why="The baseline is fitted per channel.")
        history = self._run(signals, lambda x: x.flatten(2))  # scaled, as in fit
        baseline, alone = predict_choice(self, history)
        if not alone:  # the checked input goes straight to the pipeline
            out = self._run(signals, self.pipeline_.forward_scaled, stats=True)
            return checked_correction(self, signals, out)
        return self._forecast_alone(signals, baseline, history)

    def _forecast_alone(self, signals: Signals, baseline: Any,
                        history: np.ndarray | None = None) -> np.ndarray:
        """A fitted baseline's forecast of the scaled histories, in the units of X."""
        if history is None:
            history = self._run(signals, lambda x: x.flatten(2))
        center, scale = self._window_stats(signals)
        out = baseline.predict(history)
        return (out * scale[..., 0] + center[..., 0]).astype(np.float32)

    def predict_baseline(self, X: Any) -> np.ndarray:
        """What the baseline alone forecasts (``baseline_name_``), like :meth:`predict`.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times) or mne.Epochs
            History windows.

        Returns
        -------
        y_base : ndarray of shape (n_windows, n_chans, horizon * 1500)
            Samples at 250 Hz in the units of X, or the sinusoid's phase (radians) for
            ``'freq_phase'``.
        """
        check_is_fitted(self)
        signals = self._check_fitted_input(X, same_chans=True, same_patches=True,
                                           why="The baseline is fitted per channel.")
        if self.target == "freq_phase":
            history = self._run(signals, lambda x: x.flatten(2))
            sfreq = self.encoder_.config.sfreq
            return baseline_forecast(self.baseline_["phase"], history, sfreq)[1]
        if not is_linear(self.baseline_):
            return self._forecast_alone(signals, self.baseline_)
        return self._run(signals, self.readout_.baseline,
                         post=lambda y, c, s: y * s[..., 0] + c[..., 0])

    def predict_frequency(self, X: Any) -> np.ndarray:
        """Dominant frequency (Hz) of each channel's future segment: (n_windows, n_chans)."""
        if self.target != "freq_phase":
            raise AttributeError("predict_frequency needs target='freq_phase'; this forecaster "
                                 "predicts the signal itself.")
        return self._freq_phase(X)[0]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Negative MAE of the forecast (``'signal'``) or mean phase-locking value."""
        signals = self._signals(X)
        future = check_future(y, signals, self.horizon, self.encoder_.config)
        if self.target == "freq_phase":
            return float(phase_locking_value(instantaneous_phase(future), self.predict(X)))
        return -mae(future, self.predict(X))
