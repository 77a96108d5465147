"""Synthetic SEEG: the library's test and demo data.

The signal model, per patient (all amplitudes in µV):

- background: 1/f^beta noise (beta in [1, 2] per channel, a knee below 0.5 Hz), spatially
  correlated along each shaft (correlation ``exp(-distance / 1.5 contacts)``) plus a weak
  component shared by all contacts; root mean square of tens of µV, patient-specific;
- oscillations: narrow-band sources in theta, alpha, beta and gamma whose peak
  frequencies differ between patients, each spread over neighbouring contacts;
- optional line noise at ``line_freq`` and its harmonics below Nyquist;
- interictal spikes (brief sharp transients, not labelled as seizure);
- seizures: rhythmic discharges whose frequency slows (e.g. 11 Hz to 3 Hz) while the
  waveform turns from sinusoidal into spike-and-wave, 3-8 times the background amplitude,
  starting in one to three contacts of one shaft and spreading to other contacts with
  delays that grow with distance. ``labels`` marks exactly the channel-samples that carry
  the discharge.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..utils._check import _check_sfreq, _validate_type
from ._recording import SEEGRecording

_SHAFTS = ("LA", "RHH", "LHH", "RA", "LOF", "RIN", "LCI", "RTP", "LPO", "RAC", "LFG", "RPH")
_SHAFT_LEN = 8
_OSC_BANDS = ((4.0, 8.0), (8.0, 13.0), (13.0, 30.0), (30.0, 80.0))


def _shaft_names(rng: np.random.Generator, n_chans: int) -> tuple[list[str], np.ndarray]:
    """Contact names on shafts of up to 8 contacts, and each channel's shaft index."""
    order = rng.permutation(len(_SHAFTS))
    names, shaft_of = [], []
    for k in range(n_chans):
        shaft = _SHAFTS[order[(k // _SHAFT_LEN) % len(_SHAFTS)]]
        suffix = "" if k // _SHAFT_LEN < len(_SHAFTS) else str(k // (_SHAFT_LEN * len(_SHAFTS)))
        names.append(f"{shaft}{suffix}{k % _SHAFT_LEN + 1}")
        shaft_of.append(k // _SHAFT_LEN)
    return names, np.asarray(shaft_of)


def _distance(shaft_of: np.ndarray) -> np.ndarray:
    """Contact distance matrix: contacts apart on a shaft, 10 between shafts."""
    idx = np.arange(len(shaft_of))
    dist = np.abs(idx[:, None] - idx[None, :]).astype(float)
    dist[shaft_of[:, None] != shaft_of[None, :]] = 10.0
    return dist


def _patient_params(rng: np.random.Generator) -> dict:
    """Draw what makes a patient differ: amplitudes, spectra, seizure rhythm."""
    return {
        "bg_rms": float(np.exp(rng.uniform(np.log(12.0), np.log(70.0)))),
        "osc_freqs": [rng.uniform(lo, hi) for lo, hi in _OSC_BANDS],
        "sz_gain": rng.uniform(2.5, 6.0),
        "sz_f0": rng.uniform(8.0, 14.0),
        "sz_f1": rng.uniform(2.5, 4.5),
        "spike_rate": rng.uniform(0.02, 0.15),
    }


def _background(rng, params, shaft_of, n_times, sfreq, line_freq) -> tuple[np.ndarray, np.ndarray]:
    """Spatially correlated 1/f background + oscillations (+ line noise); per-channel RMS."""
    n_chans = len(shaft_of)
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    beta = rng.uniform(1.0, 2.0, size=(n_chans, 1))
    shape = (freqs**2 + 0.5**2) ** (-beta / 4.0)
    shape[:, 0] = 0.0
    white = rng.standard_normal((n_chans, freqs.size)) + 1j * rng.standard_normal(
        (n_chans, freqs.size))
    cov = np.exp(-_distance(shaft_of) / 1.5) + 0.1
    mix = np.linalg.cholesky(cov + 1e-9 * np.eye(n_chans))
    bg = np.fft.irfft(mix @ (white * shape), n=n_times, axis=-1)
    rms = params["bg_rms"] * rng.lognormal(0.0, 0.25, size=n_chans)
    bg *= (rms / bg.std(axis=1))[:, None]

    # oscillatory sources: a narrow spectral bump at a patient-specific peak, centred on
    # a random contact and decaying with distance
    n_src = len(params["osc_freqs"])
    spec = rng.standard_normal((n_src, freqs.size)) + 1j * rng.standard_normal(
        (n_src, freqs.size))
    f0 = np.asarray(params["osc_freqs"])[:, None]
    spec *= np.exp(-0.5 * ((freqs[None, :] - f0) / (0.08 * f0 + 0.5)) ** 2)
    src = np.fft.irfft(spec, n=n_times, axis=-1)
    src /= src.std(axis=1, keepdims=True)
    centres = rng.integers(0, n_chans, size=n_src)
    load = np.exp(-(_distance(shaft_of)[:, centres] / 2.0) ** 2)
    load *= rng.uniform(0.2, 0.6, size=n_src) / np.sqrt(np.arange(1, n_src + 1))
    bg += (load * rms[:, None]) @ src

    if line_freq is not None:
        t = np.arange(n_times) / sfreq
        harmonics = np.arange(line_freq, sfreq / 2.0, line_freq)
        for k, f in enumerate(harmonics):
            amp = rng.uniform(2.0, 10.0, size=(n_chans, 1)) / (k + 1)
            bg += amp * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi, size=(n_chans, 1)))
    return bg, rms


def _add_spikes(rng, params, data, rms, sfreq, rate_scale=1.0) -> np.ndarray:
    """Add interictal spikes (70 ms biphasic transients, 2-5 x background), not labelled as
    seizure; return their ``'spike'`` event mask: the +-50 ms around each spike's peak on the
    contacts where it reaches at least the background RMS."""
    n_chans, n_times = data.shape
    half = max(2, int(0.1 * sfreq))
    t = np.arange(-half, half) / sfreq
    wave = -np.exp(-0.5 * (t / 0.015) ** 2) + 0.35 * np.exp(-0.5 * ((t - 0.06) / 0.04) ** 2)
    n_spikes = rng.poisson(params["spike_rate"] * rate_scale * n_times / sfreq)
    centres = rng.integers(half, max(half + 1, n_times - half), size=n_spikes)
    hubs = rng.integers(0, n_chans, size=n_spikes)
    chans = np.arange(n_chans)
    mask = np.zeros(data.shape, dtype=bool)
    core = max(1, int(0.05 * sfreq))
    for c0, hub in zip(centres, hubs, strict=True):
        gains = rng.uniform(2.0, 5.0) * np.exp(-np.abs(chans - hub) / 1.5) * rms
        data[:, c0 - half:c0 + half] += gains[:, None] * wave[None, :]
        mask[gains >= rms, max(0, c0 - core):c0 + core] = True
    return mask


def _spike_wave(phase: np.ndarray) -> np.ndarray:
    """Spike-and-wave cycle at ``phase``: a sharp spike then a broad slow wave, unit RMS."""
    def raw(ph):
        return np.exp(6.0 * (np.cos(ph) - 1.0)) - 0.45 * np.exp(1.5 * (np.cos(ph - 2.2) - 1.0))

    cycle = raw(np.linspace(0.0, 2.0 * np.pi, 512, endpoint=False))
    return (raw(phase) - cycle.mean()) / cycle.std()


def _add_seizure(rng, params, data, labels, rms, shaft_of, onset, n_sz, sfreq,
                 ch_names) -> tuple[str, ...]:
    """Add one spreading discharge of ``n_sz`` samples starting at sample ``onset``."""
    n_chans = data.shape[0]
    first = int(rng.integers(0, n_chans))
    same = np.flatnonzero(shaft_of == shaft_of[first])
    n_start = int(rng.integers(1, min(3, len(same)) + 1))
    start_chans = same[np.clip(np.searchsorted(same, first) + np.arange(n_start), 0, len(same) - 1)]
    start_chans = np.unique(start_chans)
    # spread: contiguously along the onset shaft, then maybe to a patch of another shaft
    dist = _distance(shaft_of)[start_chans].min(axis=0)
    recruited = dist <= rng.integers(1, 5)
    delay = np.where(dist == 0, 0.0, dist * rng.uniform(0.5, 2.0))
    for shaft in np.unique(shaft_of[shaft_of != shaft_of[first]]):
        if rng.random() < 0.3:
            contacts = np.flatnonzero(shaft_of == shaft)
            centre = rng.integers(0, len(contacts))
            near = np.abs(np.arange(len(contacts)) - centre)
            sel = near <= rng.integers(1, 3)
            recruited[contacts[sel]] = True
            delay[contacts[sel]] = rng.uniform(3.0, 8.0) + 0.5 * near[sel]
    delay = np.where(dist == 0, 0.0, delay + rng.uniform(0.0, 0.5, n_chans))
    delay = np.minimum(delay * sfreq, 0.5 * n_sz).astype(int)
    stop = n_sz - (rng.uniform(0.0, 1.0, n_chans) * sfreq).astype(int)
    stop = np.maximum(stop, delay + int(sfreq))

    # one rhythm for the whole seizure: frequency slowing from f0 to f1, spike-wave emerging
    t = np.arange(n_sz) / sfreq
    dur = n_sz / sfreq
    freq = params["sz_f1"] + (params["sz_f0"] - params["sz_f1"]) * np.exp(-3.0 * t / dur)
    freq *= 1.0 + 0.03 * np.cumsum(rng.standard_normal(n_sz)) / np.sqrt(n_sz)
    phase = 2.0 * np.pi * np.cumsum(freq) / sfreq
    morph = np.clip(t / (0.5 * dur), 0.0, 1.0)
    for c in np.flatnonzero(recruited):
        d0, d1 = int(delay[c]), int(min(stop[c], n_sz))
        ph = phase[d0:d1] - delay[c] / sfreq * 2.0 * np.pi * params["sz_f0"] * 0.1
        m = morph[d0:d1]
        wave = (1.0 - m) * np.sqrt(2.0) * np.sin(ph) + m * _spike_wave(ph)
        rise = np.clip((t[d0:d1] - t[d0]) / 3.0, 0.3, 1.0)
        fall = np.clip((t[d1 - 1] - t[d0:d1]) / 1.0, 0.3, 1.0)
        gain = params["sz_gain"] * rms[c] * (1.0 if dist[c] == 0 else rng.uniform(0.4, 1.0))
        data[c, onset + d0:onset + d1] += gain * rise * fall * wave
        labels[c, onset + d0:onset + d1] = True
    return tuple(ch_names[c] for c in start_chans)


def _simulate(rng, n_chans, n_times, sfreq, line_freq, seizures, patient_id,
              params=None, spike_scale=1.0) -> SEEGRecording:
    """One recording with seizures at the given ``(onset_sample, n_samples)`` pairs."""
    params = _patient_params(rng) if params is None else params
    ch_names, shaft_of = _shaft_names(rng, n_chans)
    data, rms = _background(rng, params, shaft_of, n_times, sfreq, line_freq)
    spikes = _add_spikes(rng, params, data, rms, sfreq, spike_scale)
    labels = np.zeros((n_chans, n_times), dtype=bool)
    events = []
    for onset, n_sz in seizures:
        starts = _add_seizure(rng, params, data, labels, rms, shaft_of, onset, n_sz, sfreq,
                              ch_names)
        events.append((onset / sfreq, n_sz / sfreq, starts))
    spikes &= ~labels
    return SEEGRecording(data, labels, float(sfreq), ch_names, patient_id, events,
                         {"seizure": labels, "spike": spikes})


def _check_cohort(n_patients, n_chans, sfreq, duration) -> tuple[list[int], float, float]:
    """Checked channel count of each simulated patient, sampling rate and duration."""
    _validate_type(n_patients, "int-like", "n_patients")
    if n_patients < 1:
        raise ValueError(f"n_patients must be >= 1, got {n_patients} instead.")
    counts = _per_patient(n_chans, n_patients, "n_chans")
    return counts, _check_sfreq(sfreq), float(_validate_type(duration, "numeric", "duration"))


def _per_patient(value, n_patients: int, name: str) -> list[int]:
    """An int, or a sequence of ints used in turn (patient i gets ``value[i % len]``)."""
    is_seq = isinstance(value, Sequence) and not isinstance(value, str)
    values = list(value) if is_seq else [value]
    if not values:
        raise ValueError(f"{name} is empty; pass an int or one count per patient.")
    for v in values:
        _validate_type(v, "int-like", name)
        if v < 1:
            raise ValueError(f"{name} must be >= 1, got {v} instead.")
    return [int(values[i % len(values)]) for i in range(n_patients)]


def make_seeg(n_patients: int = 3, n_chans: int | Sequence[int] = (8, 12, 16),
              duration: float = 300.0, sfreq: float = 250.0, n_seizures: int = 1,
              seizure_duration: tuple[float, float] = (20.0, 40.0),
              line_freq: float | None = None,
              random_state: int | np.random.Generator | None = None) -> list[SEEGRecording]:
    """Simulate multichannel SEEG with spreading seizures for several patients.

    Each patient gets its own implant (channel count, shaft names), background amplitude,
    oscillation peak frequencies and seizure rhythm, so that patient-wise cross-validation
    is meaningful. The signal model is described in the module docstring.

    Parameters
    ----------
    n_patients : int, default=3
        Number of patients; one recording each.
    n_chans : int or sequence of int, default=(8, 12, 16)
        Channels per patient: one int for all, or a sequence used in turn (patient ``i``
        gets ``n_chans[i % len(n_chans)]``), so the default suits any ``n_patients``.
    duration : float, default=300.0
        Length of each recording in seconds.
    sfreq : float, default=250.0
        Sampling rate in Hz.
    n_seizures : int, default=1
        Seizures per recording, placed one per equal slice of the recording.
    seizure_duration : tuple of float, default=(20.0, 40.0)
        Range (s) from which each seizure's duration is drawn uniformly.
    line_freq : float or None, default=None
        Add line noise at this frequency (e.g. 50 or 60 Hz) and its harmonics.
    random_state : int, numpy.random.Generator or None, default=None
        Seed for :func:`numpy.random.default_rng`; the same seed gives identical output.

    Returns
    -------
    recordings : list of SEEGRecording
        One per patient, ``patient_id`` ``'P01'``, ``'P02'``, ...

    Examples
    --------
    >>> from bptlearn.data import make_seeg
    >>> recs = make_seeg(n_patients=2, n_chans=(4, 6), duration=60.0, random_state=0)
    >>> [r.data.shape for r in recs]
    [(4, 15000), (6, 15000)]
    >>> bool(recs[0].labels.any()), recs[0].patient_id
    (True, 'P01')
    """
    counts, sfreq, duration = _check_cohort(n_patients, n_chans, sfreq, duration)
    _validate_type(n_seizures, "int-like", "n_seizures")
    if n_seizures < 0:
        raise ValueError(f"n_seizures must be >= 0, got {n_seizures} instead.")
    if len(seizure_duration) != 2 or not 1.0 <= seizure_duration[0] <= seizure_duration[1]:
        raise ValueError(
            f"seizure_duration must be (shortest, longest) in seconds with 1 <= shortest <= "
            f"longest, got {seizure_duration!r} instead.")
    slot = duration / max(n_seizures, 1)
    if n_seizures and slot < seizure_duration[1] + 10.0:
        raise ValueError(
            f"duration={duration} s cannot hold n_seizures={n_seizures} seizures of up to "
            f"{seizure_duration[1]} s with 5 s of background on each side. Pass a longer "
            f"duration (>= {n_seizures * (seizure_duration[1] + 10.0):g} s) or fewer seizures.")
    if line_freq is not None and _check_sfreq(line_freq, "line_freq") >= sfreq / 2.0:
        raise ValueError(
            f"line_freq={line_freq} Hz is not below the Nyquist frequency ({sfreq / 2.0:g} Hz) "
            f"of sfreq={sfreq:g} Hz; pass 50.0 or 60.0 with a higher sfreq, or None.")
    rng = np.random.default_rng(random_state)
    n_times = int(round(duration * sfreq))
    out = []
    for p, n_ch in enumerate(counts):
        seizures = []
        for k in range(n_seizures):
            n_sz = int(rng.uniform(*seizure_duration) * sfreq)
            lo = int((k * slot + 5.0) * sfreq)
            hi = int(((k + 1) * slot - 5.0) * sfreq) - n_sz
            seizures.append((int(rng.integers(lo, max(lo + 1, hi))), n_sz))
        out.append(_simulate(rng, n_ch, n_times, sfreq, line_freq, seizures, f"P{p + 1:02d}"))
    return out
