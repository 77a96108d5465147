"""Frequency-phase baseline: continue the history's dominant oscillation from its last phase."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ..metrics import dominant_frequency, instantaneous_phase
from ._base import _check_windows
from ._forecast import _BaseForecaster


class SinusoidForecaster(_BaseForecaster):
    """Continue each channel as a sinusoid at its dominant frequency, from its last phase.

    The baseline of the frequency-phase task: the dominant frequency of the last
    ``n_last`` samples of the history (periodogram peak, resolution ``sfreq / n_last``)
    is the forecast frequency, and the Hilbert phase of the last sample runs on at that
    frequency. :meth:`predict` gives the sinusoid itself (amplitude from the history's
    standard deviation, around its mean); :meth:`predict_frequency` and
    :meth:`predict_phase` give the targets of :class:`~bptlearn.BPTForecaster` with
    ``target='freq_phase'``. ``fit`` learns nothing.

    Parameters
    ----------
    horizon : int, default=5
        Forecast length in patches.
    patch_len : int, default=1500
        Samples per patch.
    sfreq : float, default=250.0
        Sampling rate in Hz.
    n_last : int or None, default=None
        History samples analysed; ``None``: one patch.

    Attributes
    ----------
    n_chans_in_ : int
        Number of channels seen during fit.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines import SinusoidForecaster
    >>> t = np.arange(2000) / 250.0
    >>> X = np.cos(2 * np.pi * 5.0 * t)[None, None]
    >>> fc = SinusoidForecaster(horizon=1, patch_len=500).fit(X[..., :1500])
    >>> fc.predict_frequency(X[..., :1500])
    array([[5.]])
    >>> bool(np.abs(fc.predict(X[..., :1500]) - X[..., 1500:]).max() < 0.05)
    True
    """

    _parameter_constraints: dict = {
        **_BaseForecaster._parameter_constraints,
        "sfreq": [Interval(Real, 0, None, closed="neither")],
        "n_last": [Interval(Integral, 4, None, closed="left"), None],
    }

    def __init__(self, horizon: int = 5, *, patch_len: int = 1500, sfreq: float = 250.0,
                 n_last: int | None = None) -> None:
        self.horizon = horizon
        self.patch_len = patch_len
        self.sfreq = sfreq
        self.n_last = n_last

    def _min_times(self) -> int:
        return self.n_last or self.patch_len

    def _parts(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(frequency (n, C), phase (n, C, n_out), amplitude, mean (n, C, 1))."""
        last = X[..., -(self.n_last or self.patch_len):]
        freq = dominant_frequency(last, self.sfreq)
        t = np.arange(1, self.horizon * self.patch_len + 1) / self.sfreq
        phase = instantaneous_phase(last)[..., -1:] + 2 * np.pi * freq[..., None] * t
        return freq, phase, np.sqrt(2.0) * last.std(-1, keepdims=True), last.mean(-1, keepdims=True)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        _, phase, amp, mean = self._parts(X)
        return mean + amp * np.cos(phase)

    def predict_frequency(self, X: Any) -> np.ndarray:
        """Dominant frequency (Hz) of each channel's last ``n_last`` samples: (n, C).

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            History windows.

        Returns
        -------
        freq : ndarray of shape (n_windows, n_chans)
            Frequencies in Hz.
        """
        check_is_fitted(self)
        return self._parts(_check_windows(self, X, reset=False, match_chans=False,
                                          min_times=self._min_times()))[0]

    def predict_phase(self, X: Any) -> np.ndarray:
        """Phase (radians, in (-pi, pi]) of the continued sinusoid at every future sample.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            History windows.

        Returns
        -------
        phase : ndarray of shape (n_windows, n_chans, horizon * patch_len)
            Wrapped phases.
        """
        check_is_fitted(self)
        phase = self._parts(_check_windows(self, X, reset=False, match_chans=False,
                                           min_times=self._min_times()))[1]
        return np.angle(np.exp(1j * phase))
