"""BPTForecaster: the next patches of every channel, or their frequency and phase."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions

from ..metrics import dominant_frequency, instantaneous_phase, mae, phase_locking_value
from ..nn.heads import ForecastHead, FreqPhaseHead, phase_from_pair
from ..nn.losses import FreqPhaseLoss
from ..weights import DEFAULT_WEIGHTS
from ._input import Signals, resample_windows
from ._net import _BPTNet

_FREQ_SCALE = 10.0  # the head predicts frequencies in units of 10 Hz


class BPTForecaster(RegressorMixin, _BPTNet):
    """Forecast the next ``horizon`` patches of each channel from up to 15 patches of history.

    Each channel's tokens are mean-pooled and a linear head predicts the future samples
    (the paper's forecasting head). With ``target='freq_phase'`` it predicts instead the
    dominant frequency of each channel's future segment and its instantaneous (Hilbert)
    phase at every future sample. Read more in the :ref:`User Guide <forecasting>`.

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
    net_, encoder_, history_, n_chans_in_, sfreq_in_, n_patches_in_, scaling_, center_, \
scale_, device_
        As in :class:`BPTSeizureClassifier`.

    See Also
    --------
    bptlearn.baselines.RepeatLastForecaster : Repeat the last patch: the baseline to beat.

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
                 verbose: int = 0, random_state: Any = None, **kwargs: Any) -> None:
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
            Patient ids, passed to ``train_split``.

        Returns
        -------
        self : BPTForecaster
        """
        return self._fit_task(X, y, groups)

    def _future(self, y: Any, signals: Signals) -> np.ndarray:
        """Check y against X and bring it to the model's rate: float32 (n, C, horizon * P)."""
        y = np.asarray(y)
        n, C = signals.n_windows, signals.n_chans
        want = self.horizon * 1500 * signals.sfreq / 250.0
        if y.ndim != 3 or y.shape[:2] != (n, C) or y.shape[2] != want:
            raise ValueError(
                f"y has shape {y.shape}, but with horizon={self.horizon} patches it must hold "
                f"the {want:g} samples at {signals.sfreq:g} Hz that follow each window: shape "
                f"({n}, {C}, {want:g})."
            )
        if not np.isfinite(y).all():
            raise ValueError("y holds NaN or infinite samples; forecasting targets must be finite.")
        return np.asarray(resample_windows(y, signals.sfreq, 250.0), dtype=np.float32)

    def _task_targets(self, y: Any, signals: Signals, n_patches: int):
        future = self._future(y, signals)
        if self.target == "freq_phase":
            freq = dominant_frequency(future, 250.0)[..., None]
            return np.concatenate([freq, instantaneous_phase(future)], axis=-1).astype(
                np.float32), {"n_future_": future.shape[-1]}
        return future, {"n_future_": future.shape[-1]}

    def _train(self, signals: Signals, targets: np.ndarray, groups: Any):
        if self.target == "signal":  # forecast in the scaled units of the history
            center, scale = self._window_stats(signals)
            targets = (targets - center[..., 0]) / scale[..., 0]
        return super()._train(signals, targets, groups)

    def _window_stats(self, signals: Signals) -> tuple[np.ndarray, np.ndarray]:
        stats = self._run(signals, lambda x: torch.zeros(len(x), 1),
                          post=lambda y, c, s: np.stack([c, s], axis=1))  # (n, 2, C, 1, 1)
        return stats[:, 0], stats[:, 1]

    def _task_head(self, config):
        if self.target == "freq_phase":
            return FreqPhaseHead(config.d_model, self.n_future_, self.dropout)
        return ForecastHead(config.d_model, self.n_future_, self.dropout)

    def _task_criterion(self, targets: np.ndarray):
        return FreqPhaseLoss(_FREQ_SCALE) if self.target == "freq_phase" else torch.nn.MSELoss()

    def _task_output(self, out: Any) -> torch.Tensor:
        if self.target == "freq_phase":
            freq, pair = out
            return torch.cat([freq[..., None] * _FREQ_SCALE, phase_from_pair(pair)], dim=-1)
        return out

    def _outputs(self, X: Any) -> np.ndarray:
        if self.target == "freq_phase":
            return self._predict_raw(X)
        return self._predict_raw(X, post=lambda y, c, s: y * s[..., 0] + c[..., 0])

    def predict(self, X: Any) -> np.ndarray:
        """Forecast samples at 250 Hz, or the future phase (radians) for ``'freq_phase'``.

        Returns
        -------
        y_pred : ndarray of shape (n_windows, n_chans, horizon * 1500)
        """
        out = self._outputs(X)
        return out[..., 1:] if self.target == "freq_phase" else out

    def predict_frequency(self, X: Any) -> np.ndarray:
        """Dominant frequency (Hz) of each channel's future segment: (n_windows, n_chans)."""
        if self.target != "freq_phase":
            raise AttributeError("predict_frequency needs target='freq_phase'; this forecaster "
                                 "predicts the signal itself.")
        return self._outputs(X)[..., 0]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Negative MAE of the forecast (``'signal'``) or mean phase-locking value."""
        signals = self._signals(X)
        future = self._future(y, signals)
        if self.target == "freq_phase":
            return float(phase_locking_value(instantaneous_phase(future), self.predict(X)))
        return -mae(future, self.predict(X))
