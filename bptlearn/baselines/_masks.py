"""Patterns of missing samples: draw them, name them, hide them to score imputers."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_random_state

from ..utils._arrays import _runs
from ..utils._check import _check_option

PATTERNS = ("scattered", "gaps", "patch", "channel")
_DEFAULT_RATE = {"scattered": 0.4, "gaps": 0.2}
GAP_LEN = 50  # samples: a run of missing samples this long (0.2 s at 250 Hz) is a gap


def in_gaps(missing: np.ndarray, gap_len: int = GAP_LEN) -> np.ndarray:
    """``missing`` (..., T) where it lies in a run at least ``gap_len`` long (a gap, not
    a scattered sample: one that linear interpolation no longer bridges well).

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines._masks import in_gaps
    >>> m = np.zeros((1, 100), dtype=bool); m[0, 10:70] = True; m[0, 80] = True
    >>> in_gaps(m)[0, [9, 10, 69, 70, 80]].tolist()
    [False, True, True, False, False]
    """
    out = np.zeros(missing.shape, dtype=bool)
    for idx in zip(*np.nonzero(missing.any(axis=-1)), strict=True):
        starts, stops = _runs(missing[idx])
        long = stops - starts >= gap_len
        edges = np.zeros(missing.shape[-1] + 1, dtype=int)
        np.add.at(edges, starts[long], 1)
        np.add.at(edges, stops[long], -1)
        out[idx] = np.cumsum(edges[:-1]) > 0
    return out


def make_missing_mask(shape: tuple[int, int, int], pattern: str, *, rate: float | None = None,
                      gap_s: tuple[float, float] = (0.2, 2.0), sfreq: float = 250.0,
                      patch_len: int = 1500, random_state: Any = None) -> np.ndarray:
    """Draw which samples of windows go missing, in one of the patterns users meet.

    Parameters
    ----------
    shape : tuple of int
        ``(n_windows, n_chans, n_times)``.
    pattern : {'scattered', 'gaps', 'patch', 'channel'}
        'scattered': each sample missing with probability ``rate`` (the paper's task);
        'gaps': contiguous dropouts of ``gap_s`` seconds until a fraction ``rate`` of
        every channel is missing; 'patch': one whole ``patch_len`` patch of one random
        channel per window; 'channel': one whole random channel per window.
    rate : float or None, default=None
        Fraction missing for 'scattered' (default 0.4) and 'gaps' (default 0.2).
    gap_s : tuple of float, default=(0.2, 2.0)
        Range of gap durations in seconds, drawn uniformly.
    sfreq : float, default=250.0
        Sampling rate in Hz, for ``gap_s``.
    patch_len : int, default=1500
        Samples per patch, for 'patch'.
    random_state : int, numpy.random.RandomState or None, default=None
        Seed.

    Returns
    -------
    mask : ndarray of bool of shape ``shape``
        True where a sample is missing.

    Examples
    --------
    >>> from bptlearn.baselines import make_missing_mask
    >>> mask = make_missing_mask((2, 3, 3000), "channel", random_state=0)
    >>> mask.all(axis=-1).sum(axis=1).tolist()  # one whole channel per window
    [1, 1]
    >>> float(make_missing_mask((4, 2, 3000), "gaps", random_state=0).mean()) >= 0.2
    True
    """
    _check_option("pattern", pattern, PATTERNS)
    rng = check_random_state(random_state)
    n, C, T = shape
    rate = _DEFAULT_RATE.get(pattern) if rate is None else rate
    if pattern == "scattered":
        return rng.random_sample(shape) < rate
    mask = np.zeros(shape, dtype=bool)
    if pattern == "gaps":
        lo, hi = (max(1, int(round(s * sfreq))) for s in gap_s)
        for w in range(n):
            for c in range(C):
                while mask[w, c].mean() < rate:
                    length = min(T, rng.randint(lo, hi + 1))
                    start = rng.randint(0, T - length + 1)
                    mask[w, c, start:start + length] = True
        return mask
    chans = rng.randint(0, C, size=n)
    for w, c in enumerate(chans):
        if pattern == "channel":
            mask[w, c] = True
        else:
            start = rng.randint(0, max(1, T // patch_len)) * patch_len
            mask[w, c, start:start + patch_len] = True
    return mask


def missing_pattern(missing: np.ndarray, *, patch_len: int = 1500,
                    gap_len: int = GAP_LEN) -> np.ndarray:
    """Name the pattern of missing samples of every channel of every window.

    Parameters
    ----------
    missing : ndarray of bool of shape (n_windows, n_chans, n_times)
        True where a sample is missing.
    patch_len : int, default=1500
        A run at least this long makes a 'patch'.
    gap_len : int, default=50
        A run at least this long (0.2 s at 250 Hz) makes 'gaps'; shorter runs 'scattered'.

    Returns
    -------
    patterns : ndarray of str of shape (n_windows, n_chans)
        'channel' (nothing observed), 'patch', 'gaps', 'scattered', or '' (complete).

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines import missing_pattern
    >>> m = np.zeros((1, 3, 200), dtype=bool)
    >>> m[0, 0, ::3] = True; m[0, 1, 10:90] = True
    >>> missing_pattern(m, patch_len=100).tolist()
    [['scattered', 'gaps', '']]
    """
    out = np.full(missing.shape[:2], "", dtype=object)
    for w, c in zip(*np.nonzero(missing.any(axis=-1)), strict=True):
        starts, stops = _runs(missing[w, c])
        longest = int((stops - starts).max())
        out[w, c] = ("channel" if longest == missing.shape[-1] else "patch"
                     if longest >= patch_len else "gaps" if longest >= gap_len else "scattered")
    return out.astype(str)


def _repeats(pattern: str, n_chans: int) -> int:
    """Copies of the windows that score a pattern hiding one channel (or one patch of it)
    per window, each with another draw, so that more channels are scored (at most 4)."""
    return min(n_chans, 4) if pattern in ("patch", "channel") else 1


def validation_masks(X: np.ndarray, pattern: str, *, rate: float | None = None,
                     patch_len: int = 1500, random_state: Any = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Windows and the samples to hide in them, to score imputers on ``pattern``.

    'patch' and 'channel' hide one channel per window; the windows are repeated (up to
    4 times) with other draws, so that more channels are scored.

    Parameters
    ----------
    X : ndarray of shape (n_windows, n_chans, n_times)
        Complete windows (non-finite samples are never hidden).
    pattern : {'scattered', 'gaps', 'patch', 'channel'}
        See :func:`make_missing_mask`.
    rate : float or None, default=None
        See :func:`make_missing_mask`.
    patch_len : int, default=1500
        Samples per patch.
    random_state : int or None, default=None
        Seed.

    Returns
    -------
    X_val : ndarray
        ``X``, repeated for 'patch' and 'channel'.
    mask : ndarray of bool of X_val's shape
        True where a sample is hidden.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines import validation_masks
    >>> X_val, mask = validation_masks(np.zeros((2, 8, 100)), "channel", patch_len=50)
    >>> X_val.shape, int(mask.all(axis=-1).sum())
    ((8, 8, 100), 8)
    """
    X_val = np.concatenate([X] * _repeats(pattern, X.shape[1]))
    mask = make_missing_mask(X_val.shape, pattern, rate=rate, patch_len=patch_len,
                             random_state=random_state)
    return X_val, mask & np.isfinite(X_val)
