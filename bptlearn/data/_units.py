"""Is a signal plausibly intracranial EEG in microvolts? A cheap check on the amplitude."""

from __future__ import annotations

import numpy as np

#: Robust amplitude (median over channels of 1.4826 x MAD) of SEEG/ECoG in µV that
#: is plausible: below, the data are probably in volts or millivolts; above, in
#: nanovolts or raw ADC counts.
PLAUSIBLE_UV = (0.1, 1e4)


def typical_amplitude(X: np.ndarray, max_samples: int = 20_000) -> float:
    """Median over channels of the robust standard deviation, on a sample of the signal.

    Parameters
    ----------
    X : ndarray of shape (n_windows, n_chans, n_times) or (n_chans, n_times)
        Signal.
    max_samples : int, default=20000
        Samples per channel used at most, taken from the first windows (the check must
        stay cheap on long inputs).

    Returns
    -------
    amplitude : float
        In the unit of ``X``; NaN when every channel is flat.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.data._units import typical_amplitude
    >>> x = 50.0 * np.random.default_rng(0).standard_normal((4, 3, 1500))  # 50 µV
    >>> round(typical_amplitude(x))
    50
    """
    x = np.asarray(X)
    x = x if x.ndim == 3 else x[None]
    x = x[: max(1, -(-max_samples // x.shape[-1]))]  # the first windows, ~max_samples each
    x = np.moveaxis(x, 1, 0).reshape(x.shape[1], -1)[:, :max_samples].astype(np.float64)
    median = np.nanmedian if np.isnan(x).any() else np.median
    mad = median(np.abs(x - median(x, axis=1, keepdims=True)), axis=1) * 1.4826
    mad = mad[np.isfinite(mad) & (mad > 0)]
    return float(np.median(mad)) if mad.size else float("nan")


def implausible_amplitude(X: np.ndarray, name: str = "X") -> str | None:
    """A sentence explaining why ``X`` is unlikely to be in µV, or ``None`` if it may be.

    Parameters
    ----------
    X : ndarray of shape (n_windows, n_chans, n_times) or (n_chans, n_times)
        Signal that should be in µV.
    name : str, default='X'
        How to call it in the sentence.

    Returns
    -------
    message : str or None

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.data._units import implausible_amplitude
    >>> x = 50e-6 * np.random.default_rng(0).standard_normal((3, 1500))  # volts
    >>> implausible_amplitude(x)[:39]
    'X has a typical amplitude of 5.1e-05 µV'
    >>> implausible_amplitude(x * 1e6) is None
    True
    """
    amp = typical_amplitude(X)
    lo, hi = PLAUSIBLE_UV
    if not np.isfinite(amp) or lo <= amp <= hi:
        return None
    guess = ("volts or millivolts (multiply volts by 1e6)" if amp < lo
             else "nanovolts or raw ADC counts")
    return (f"{name} has a typical amplitude of {amp:.2g} µV (median over channels of "
            f"1.4826 x MAD), outside the {lo:g}-{hi:g} µV of intracranial EEG: it is "
            f"probably in {guess}, not µV. Arrays must be in µV; for MNE objects check the "
            "units the file declares. Scaling learnt in fit hides this from the encoder, but "
            "amplitude-based features and the band-power baseline depend on the unit.")
