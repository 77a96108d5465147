"""One exact resampler: the polyphase up/down factors of every path in the library.

A rate is read as the exact decimal it prints as (``Fraction(repr(sfreq))``), so 2048 Hz
to 250 Hz is 125/1024, not a float approximation. Rates that print as a rounded
irrational-looking decimal (399.6097561 Hz is 16384/41 Hz rounded) are read as the
simple fraction they round. The output rate is then exactly the target.
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
from scipy.signal import resample_poly

from ..exceptions import BPTWarning
from ..utils._check import _check_sfreq

#: Largest up or down factor; resample_poly's filter has 20 x this many taps.
MAX_FACTOR = 2**16
_SIMPLE_DENOMINATOR = 1000  # a printed rate within _SIMPLE_RTOL of p/q, q <= this, is p/q
_SIMPLE_RTOL = 1e-10


def _rational(rate: float) -> Fraction:
    """The rate as a fraction: its exact decimal, or the simple fraction it rounds."""
    exact = Fraction(repr(float(rate)))
    simple = exact.limit_denominator(_SIMPLE_DENOMINATOR)
    return simple if abs(simple - exact) <= _SIMPLE_RTOL * exact else exact


def resample_ratio(sfreq: float, target_sfreq: float = 250.0) -> tuple[int, int]:
    """Polyphase factors ``(up, down)`` that take ``sfreq`` to ``target_sfreq``.

    The ratio is exact for rates that are decimals (2048 Hz -> 250 Hz is 125/1024) or
    that print as a rounded simple fraction (399.6097561 Hz is 16384/41 Hz). Only when
    the exact factors would exceed :data:`MAX_FACTOR` is the best rational approximation
    used, with a warning giving the output rate.

    Parameters
    ----------
    sfreq : float
        Input rate in Hz.
    target_sfreq : float, default=250.0
        Output rate in Hz.

    Returns
    -------
    up, down : int
        Factors for :func:`scipy.signal.resample_poly` (coprime; ``(1, 1)`` when the
        rates agree).

    See Also
    --------
    resample : Resample an array with these factors.

    Examples
    --------
    >>> from bptlearn.data import resample_ratio
    >>> resample_ratio(2048.0), resample_ratio(1000.0), resample_ratio(399.6097561)
    ((125, 1024), (1, 4), (5125, 8192))
    """
    sfreq = _check_sfreq(sfreq)
    target_sfreq = _check_sfreq(target_sfreq, "target_sfreq")
    ratio = _rational(target_sfreq) / _rational(sfreq)
    if max(ratio.numerator, ratio.denominator) > MAX_FACTOR:
        approx = ratio.limit_denominator(MAX_FACTOR)
        while approx.numerator > MAX_FACTOR:  # upsampling by a large odd ratio
            approx = ratio.limit_denominator(approx.denominator // 2)
        warnings.warn(
            f"Resampling {sfreq!r} Hz to {target_sfreq!r} Hz exactly needs factors "
            f"{ratio.numerator}/{ratio.denominator}; the nearest ratio with factors up to "
            f"{MAX_FACTOR} is used, {approx.numerator}/{approx.denominator}, so the output "
            f"rate is {float(_rational(sfreq) * approx):.9g} Hz (recorded as the result's "
            f"sfreq).", BPTWarning, stacklevel=3)
        ratio = approx
    return ratio.numerator, ratio.denominator


def resampled_sfreq(sfreq: float, up: int, down: int) -> float:
    """The output rate of ``(up, down)`` factors, exactly the target when they are exact."""
    return float(_rational(sfreq) * up / down)


def resample(data, sfreq: float, target_sfreq: float = 250.0, *, axis: int = -1
             ) -> np.ndarray:
    """Resample an array to ``target_sfreq`` with :func:`scipy.signal.resample_poly`.

    The factors come from :func:`resample_ratio`, so ``n`` samples at 2048 Hz become
    exactly ``ceil(n * 250 / 2048)``; the polyphase filter is scipy's anti-aliasing
    Kaiser window. Every resampling in bptlearn (windows, estimators, pretraining) goes
    through here.

    Parameters
    ----------
    data : array-like
        Signal; resampled along ``axis``.
    sfreq : float
        Rate of ``data`` in Hz.
    target_sfreq : float, default=250.0
        Output rate in Hz.
    axis : int, default=-1
        Time axis.

    Returns
    -------
    out : ndarray
        A new float64 array (``data`` itself when the rates agree).

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.data import resample
    >>> resample(np.zeros((2, 2048 * 6)), sfreq=2048.0).shape
    (2, 1500)
    """
    up, down = resample_ratio(sfreq, target_sfreq)
    if up == down:
        return data
    return resample_poly(np.asarray(data, dtype=np.float64), up, down, axis=axis)
