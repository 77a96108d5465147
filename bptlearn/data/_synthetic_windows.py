"""Synthetic supervised SEEG windows with a fixed channel count, from :func:`make_seeg` or
:func:`make_neural_mass`."""

from __future__ import annotations

import numpy as np

from ..utils._check import _check_option, _check_sfreq, _validate_type
from ._synthetic import _patient_params, _simulate


def _add_artefacts(rng, data, rms, sfreq, window_len, windows) -> None:
    """Unlabelled high-amplitude artefacts: movement bursts and electrode pops."""
    n_chans = data.shape[0]
    for w in windows:
        start = w * window_len
        if rng.random() < 0.5:  # movement: slow, large deflection on every contact
            n = int(rng.uniform(0.5, 2.5) * sfreq)
            t0 = start + int(rng.integers(0, window_len - n))
            shape = np.hanning(n) * np.sin(2 * np.pi * rng.uniform(0.5, 2.0) * np.arange(n) / sfreq)
            gain = rng.uniform(4.0, 10.0) * rms * rng.uniform(0.6, 1.0, n_chans)
            data[:, t0:t0 + n] += gain[:, None] * shape[None, :]
        else:  # electrode pop: a step on one contact that decays over ~0.5 s
            c = int(rng.integers(0, n_chans))
            n = int(2.0 * sfreq)
            t0 = start + int(rng.integers(0, window_len - n))
            data[c, t0:t0 + n] += rng.choice([-1, 1]) * rng.uniform(8.0, 15.0) * rms[c] * np.exp(
                -np.arange(n) / (0.5 * sfreq))


def _check_window_args(n_patients, n_chans, n_windows, n_patches, patch_len, sfreq,
                       seizure_fraction, random_state, caller="make_seeg_windows"):
    """Check the shared arguments; return sfreq, window length, positives, generator."""
    for name, value in (("n_patients", n_patients), ("n_chans", n_chans),
                        ("n_windows", n_windows), ("n_patches", n_patches),
                        ("patch_len", patch_len)):
        _validate_type(value, "int-like", name)
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value} instead.")
    sfreq = _check_sfreq(sfreq)
    _validate_type(seizure_fraction, "numeric", "seizure_fraction")
    if not 0.0 <= seizure_fraction <= 1.0:
        raise ValueError(f"seizure_fraction must be in [0, 1], got {seizure_fraction} instead.")
    win = n_patches * patch_len
    if win < 4 * sfreq:
        raise ValueError(
            f"A window of n_patches * patch_len = {win} samples lasts {win / sfreq:g} s at "
            f"sfreq={sfreq:g} Hz; {caller} needs at least 4 s to place a seizure. "
            f"Pass more patches or a longer patch_len.")
    rng = np.random.default_rng(random_state)
    return sfreq, win, int(round(seizure_fraction * n_windows)), rng


def _stack(X, labels_all, prefix, n_patients, n_windows):
    """Per-patient windows and token labels -> ``(X, y, y_tokens, groups)``."""
    X = np.concatenate(X).astype(np.float32)
    y_tokens = np.concatenate(labels_all).astype(np.int64)
    y = y_tokens.any(axis=(1, 2)).astype(np.int64)
    groups = np.repeat(np.array([f"{prefix}{p + 1:02d}" for p in range(n_patients)],
                                dtype=object), n_windows)
    return X, y, y_tokens, groups


def make_seeg_windows(n_patients: int = 4, n_chans: int = 8, n_windows: int = 40,
                      n_patches: int = 3, patch_len: int = 1500, sfreq: float = 250.0,
                      seizure_fraction: float = 0.3,
                      random_state: int | np.random.Generator | None = None,
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Simulate a ready supervised set of SEEG windows with a fixed channel count.

    Windows come from contiguous synthetic recordings (one per patient, signal model as
    in :func:`make_seeg`); about ``seizure_fraction`` of each patient's windows hold one
    seizure that starts and ends inside the window. Amplitude alone does not separate
    the classes: background amplitude differs between patients, and a quarter of the
    windows carry unlabelled high-amplitude artefacts (movement bursts, electrode pops).

    Parameters
    ----------
    n_patients : int, default=4
        Number of patients.
    n_chans : int, default=8
        Channels per window (the same for every patient).
    n_windows : int, default=40
        Windows per patient.
    n_patches : int, default=3
        Patches per window.
    patch_len : int, default=1500
        Samples per patch.
    sfreq : float, default=250.0
        Sampling rate in Hz.
    seizure_fraction : float, default=0.3
        Fraction of each patient's windows that hold a seizure (rounded).
    random_state : int, numpy.random.Generator or None, default=None
        Seed for :func:`numpy.random.default_rng`.

    Returns
    -------
    X : ndarray of shape (n_patients * n_windows, n_chans, n_patches * patch_len)
        Signal in µV, float32.
    y : ndarray of shape (n_patients * n_windows,)
        1 if any channel of the window carries a seizure, else 0 (int64).
    y_tokens : ndarray of shape (n_patients * n_windows, n_chans, n_patches)
        1 if the channel carries a seizure anywhere in the patch (int64);
        ``y == y_tokens.any(axis=(1, 2))``.
    groups : ndarray of shape (n_patients * n_windows,)
        Patient ids (``'P01'``, ...), for patient-wise cross-validation.

    Examples
    --------
    >>> from bptlearn.data import make_seeg_windows
    >>> X, y, y_tokens, groups = make_seeg_windows(n_patients=2, n_windows=10, random_state=0)
    >>> X.shape, y_tokens.shape, groups[0], groups[-1]
    ((20, 8, 4500), (20, 8, 3), 'P01', 'P02')
    >>> int(y.sum())
    6
    """
    sfreq, win, n_pos, rng = _check_window_args(n_patients, n_chans, n_windows, n_patches,
                                                patch_len, sfreq, seizure_fraction,
                                                random_state)
    X, labels_all = [], []
    for p in range(n_patients):
        positive = np.sort(rng.choice(n_windows, size=n_pos, replace=False))
        seizures = []
        for w in positive:
            n_sz = int(rng.uniform(0.5, 0.9) * win)
            seizures.append((w * win + int(rng.integers(0, win - n_sz + 1)), n_sz))
        params = _patient_params(rng)
        rec = _simulate(rng, n_chans, n_windows * win, sfreq, None, seizures, f"P{p + 1:02d}",
                        params=params)
        data = np.array(rec.data)  # simulated arrays are private: add artefacts in place
        rms = data.std(axis=1)
        _add_artefacts(rng, data, 0.5 * rms, sfreq, win,
                       np.flatnonzero(rng.random(n_windows) < 0.25))
        X.append(data.reshape(n_chans, n_windows, win).transpose(1, 0, 2))
        labels_all.append(rec.labels.reshape(n_chans, n_windows, n_patches, patch_len)
                          .any(axis=-1).transpose(1, 0, 2))
    return _stack(X, labels_all, "P", n_patients, n_windows)


def make_neural_mass_windows(n_patients: int = 4, n_chans: int = 8, n_windows: int = 40,
                             n_patches: int = 3, patch_len: int = 1500, sfreq: float = 250.0,
                             seizure_fraction: float = 0.3, *, model: str = "mixed",
                             randomize: bool = True,
                             random_state: int | np.random.Generator | None = None,
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Simulate supervised SEEG windows from the neural-mass family (:func:`make_neural_mass`).

    The same set-up and return values as :func:`make_seeg_windows`, so a benchmark runs
    unchanged on a second, independent simulator family: contiguous recordings, one per
    patient; about ``seizure_fraction`` of the windows hold a seizure whose ictal stretch
    starts and ends inside the window (pre-ictal spiking may fall in the window before);
    a quarter of the windows carry unlabelled high-amplitude artefacts.

    Parameters
    ----------
    n_patients, n_chans, n_windows, n_patches, patch_len, sfreq, seizure_fraction
        As in :func:`make_seeg_windows`.
    model : {'mixed', 'wendling', 'jansen_rit'}, default='mixed'
        Neural-mass family; ``'mixed'`` draws one per patient.
    randomize : bool, default=True
        As in :func:`make_neural_mass`.
    random_state : int, numpy.random.Generator or None, default=None
        Seed for :func:`numpy.random.default_rng`.

    Returns
    -------
    X, y, y_tokens, groups
        As in :func:`make_seeg_windows`; ``groups`` holds ``'NM01'``, ``'NM02'``, ...

    Examples
    --------
    >>> from bptlearn.data import make_neural_mass_windows
    >>> X, y, y_tokens, groups = make_neural_mass_windows(
    ...     n_patients=2, n_chans=4, n_windows=4, n_patches=1, random_state=0)
    >>> X.shape, y_tokens.shape, int(y.sum()), groups[-1]
    ((8, 4, 1500), (8, 4, 1), 2, 'NM02')
    """
    from ._neural_mass import MODELS, _simulate_neural_mass

    _check_option("model", model, MODELS)
    sfreq, win, n_pos, rng = _check_window_args(n_patients, n_chans, n_windows, n_patches,
                                                patch_len, sfreq, seizure_fraction,
                                                random_state, "make_neural_mass_windows")
    X, labels_all = [], []
    for p in range(n_patients):
        positive = np.sort(rng.choice(n_windows, size=n_pos, replace=False))
        seizures = []
        for w in positive:
            dur = rng.uniform(0.5, 0.9) * win / sfreq
            seizures.append(((w * win) / sfreq + rng.uniform(0.0, win / sfreq - dur), dur))
        rec = _simulate_neural_mass(rng, model, n_chans, n_windows * win, sfreq, seizures,
                                    f"NM{p + 1:02d}", randomize)
        data = np.array(rec.data)
        _add_artefacts(rng, data, 0.5 * data.std(axis=1), sfreq, win,
                       np.flatnonzero(rng.random(n_windows) < 0.25))
        X.append(data.reshape(n_chans, n_windows, win).transpose(1, 0, 2))
        labels_all.append(rec.labels.reshape(n_chans, n_windows, n_patches, patch_len)
                          .any(axis=-1).transpose(1, 0, 2))
    return _stack(X, labels_all, "NM", n_patients, n_windows)
