"""Domain randomisation of synthetic recordings, with event labels, for pretraining corpora.

Each helper adds one nuisance or event to a ``(n_chans, n_times)`` µV array in place and,
for events, marks it in a boolean mask: aperiodic ``1/(knee + f^chi)`` background,
oscillation bursts, high-frequency oscillations (HFOs, labelled ``'hfo'``), line noise
with harmonics, artefacts (movement, step, electrode pop, saturation, muscle; labelled
``'artefact'``). :func:`randomize_recording` draws them all, then resamples to a native
rate, re-references and rescales.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..utils._check import _check_option, _check_sfreq, _validate_type
from ._recording import SEEGRecording
from ._reference import parse_contact, rereference

#: Sampling rates (Hz) drawn by ``randomize_recording(sfreq='random')``.
NATIVE_RATES = (100.0, 128.0, 200.0, 250.0, 256.0, 500.0, 512.0, 1000.0, 1024.0, 2000.0)
EVENT_KEYS = ("seizure", "spike", "hfo", "artefact")


def _empty_events(events: dict, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """Every key of ``EVENT_KEYS``: copies of the given masks, all-False for the others."""
    return {k: np.array(events[k], dtype=bool) if k in events else np.zeros(shape, bool)
            for k in EVENT_KEYS}


def _aperiodic(rng, n_chans, n_times, sfreq, exponent, knee, shared) -> np.ndarray:
    """Unit-variance noise with spectrum ``1 / (knee + f**exponent)``, a ``shared`` fraction
    of the variance common to all channels; one channel at a time to bound memory."""
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    amp = 1.0 / np.sqrt(knee + np.maximum(freqs, freqs[1]) ** exponent)
    amp[0] = 0.0

    def shaped():
        spec = (rng.standard_normal(freqs.size) + 1j * rng.standard_normal(freqs.size)) * amp
        x = np.fft.irfft(spec, n=n_times)
        return x / x.std()

    common = shaped()
    out = np.empty((n_chans, n_times))
    for c in range(n_chans):
        out[c] = np.sqrt(shared) * common + np.sqrt(1.0 - shared) * shaped()
    return out


def _burst_times(rng, n_times, sfreq, rate, n_len) -> np.ndarray:
    """Start samples of Poisson-distributed bursts of ``n_len`` samples."""
    n = rng.poisson(rate * n_times / sfreq)
    return rng.integers(0, max(1, n_times - n_len), size=n)


def _neighbours(rng, n_chans, n_max) -> np.ndarray:
    """A run of 1 to ``n_max`` adjacent channels."""
    width = int(rng.integers(1, min(n_max, n_chans) + 1))
    first = int(rng.integers(0, n_chans - width + 1))
    return np.arange(first, first + width)


def _add_bursts(rng, data, sfreq, rms, rate) -> None:
    """Unlabelled oscillation bursts: 3-80 Hz, 0.3-2 s, 0.5-2 x the channel RMS."""
    n_chans, n_times = data.shape
    for _ in range(rng.poisson(rate * n_times / sfreq)):
        n = int(rng.uniform(0.3, 2.0) * sfreq)
        if n >= n_times:
            continue
        f = np.exp(rng.uniform(np.log(3.0), np.log(min(80.0, 0.4 * sfreq))))
        t0 = int(rng.integers(0, n_times - n))
        wave = np.hanning(n) * np.sin(2 * np.pi * f * np.arange(n) / sfreq + rng.uniform(0, 6.3))
        chans = _neighbours(rng, n_chans, 4)
        data[chans, t0:t0 + n] += rng.uniform(0.5, 2.0) * rms[chans, None] * wave


def _add_hfos(rng, data, mask, sfreq, rms, rate, weights=None) -> None:
    """HFO bursts (80-250 Hz below 0.4 x sfreq, 4-12 cycles) on 1-3 adjacent contacts,
    marked in ``mask`` where the envelope exceeds a tenth of its peak. Nothing is added
    when ``sfreq < 200`` Hz. ``weights`` (per channel) sets where bursts centre."""
    n_chans, n_times = data.shape
    f_hi = min(250.0, 0.4 * sfreq)
    if f_hi < 80.0:
        return
    p = None if weights is None else weights / weights.sum()
    for _ in range(rng.poisson(rate * n_chans * n_times / sfreq)):
        f = rng.uniform(80.0, f_hi)
        n = max(4, int(rng.uniform(4, 12) / f * sfreq))
        if n >= n_times:
            continue
        t0 = int(rng.integers(0, n_times - n))
        centre = int(rng.choice(n_chans, p=p))
        chans = np.arange(centre, min(n_chans, centre + int(rng.integers(1, 4))))
        env = np.hanning(n + 2)[1:-1]
        wave = env * np.sin(2 * np.pi * f * np.arange(n) / sfreq + rng.uniform(0, 6.3))
        data[chans, t0:t0 + n] += rng.uniform(0.3, 1.0) * rms[chans, None] * wave
        mask[chans, t0:t0 + n] |= env > 0.1


def _add_line_noise(rng, data, sfreq, line_freq, rms) -> None:
    """Sinusoids at ``line_freq`` and its harmonics below Nyquist, 0.05-2 x the RMS."""
    t = np.arange(data.shape[1]) / sfreq
    level = np.exp(rng.uniform(np.log(0.05), np.log(2.0)))
    for k, f in enumerate(np.arange(line_freq, sfreq / 2.0, line_freq)):
        amp = level * rms[:, None] * rng.uniform(0.5, 1.0, (data.shape[0], 1)) / (k + 1) ** 1.5
        data += amp * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi, (data.shape[0], 1)))


def _add_artefacts(rng, data, mask, sfreq, rms, rate) -> None:
    """Labelled artefacts at ``rate`` per second: movement (slow, most contacts), step
    (offset decaying over seconds), electrode pop (one contact), saturation (clipped at a
    rail) and muscle (broadband burst)."""
    n_chans, n_times = data.shape
    for _ in range(rng.poisson(rate * n_times / sfreq)):
        kind = rng.choice(["movement", "step", "pop", "saturation", "muscle"])
        n = int(rng.uniform(0.3, 3.0) * sfreq)
        if n >= n_times:
            continue
        t0 = int(rng.integers(0, n_times - n))
        sl = slice(t0, t0 + n)
        gain = rng.uniform(4.0, 15.0) * rms
        if kind == "movement":
            chans = np.flatnonzero(rng.random(n_chans) < rng.uniform(0.5, 1.0))
            wave = np.hanning(n) * np.sin(2 * np.pi * rng.uniform(0.3, 2.0) * np.arange(n) / sfreq)
        elif kind in ("step", "pop"):
            chans = _neighbours(rng, n_chans, 3 if kind == "step" else 1)
            tau = rng.uniform(0.5, 3.0) if kind == "step" else rng.uniform(0.05, 0.3)
            wave = rng.choice([-1.0, 1.0]) * np.exp(-np.arange(n) / (tau * sfreq))
        elif kind == "muscle":
            chans = _neighbours(rng, n_chans, n_chans)
            wave = 0.3 * np.hanning(n) * np.diff(rng.standard_normal(n + 1))
        else:  # saturation: the amplifier clips at a rail for a while
            chans = _neighbours(rng, n_chans, 2)
            rail = rng.choice([-1.0, 1.0]) * gain[chans, None]
            data[chans, sl] = rail
            mask[chans, sl] = True
            continue
        data[chans, sl] += gain[chans, None] * wave
        mask[chans, sl] = True


def _bipolar(rec: SEEGRecording) -> SEEGRecording:
    """Bipolar montage; a derived channel carries an event where either contact does."""
    data, names = rereference(rec.data, rec.ch_names, "bipolar")
    index = {name: i for i, name in enumerate(rec.ch_names)}
    pairs = [[index[c] for c in name.split("-")] for name in names]

    def pair_or(mask):
        return np.stack([mask[a] | mask[b] for a, b in pairs])

    return dataclasses.replace(rec, data=data, labels=pair_or(rec.labels), ch_names=names,
                               events={k: pair_or(v) for k, v in rec.events.items()})


def _can_bipolar(ch_names) -> bool:
    shafts = [parse_contact(name)[0] for name in ch_names]
    return len(set(shafts)) < len(shafts)


def randomize_recording(rec: SEEGRecording,
                        random_state: int | np.random.Generator | None = None, *,
                        sfreq: float | str | None = "random", reference: str = "random",
                        line_freq: float | str | None = "random",
                        gain: float | str | None = "random") -> SEEGRecording:
    """Apply domain randomisation to a synthetic recording, keeping its event labels.

    In this order: resample to a native rate; add aperiodic background (exponent 0.5-3,
    knee 0-2000, 0.2-1 x the signal RMS), oscillation bursts, HFOs (``'hfo'``, at rates
    of at least 200 Hz), line noise at 50 or 60 Hz with harmonics, and artefacts
    (``'artefact'``); re-reference; scale. Works on :func:`make_seeg` and
    :func:`make_neural_mass` output alike.

    Parameters
    ----------
    rec : SEEGRecording
        The recording; not modified.
    random_state : int, numpy.random.Generator or None, default=None
        Seed for :func:`numpy.random.default_rng`.
    sfreq : float, 'random' or None, default='random'
        Output rate in Hz (polyphase resampling): ``'random'`` draws one of
        ``NATIVE_RATES`` (100 Hz to 2 kHz), ``None`` keeps ``rec.sfreq``. Pretraining
        then resamples to the model's rate (:meth:`SEEGRecording.resample`), as it
        would a real recording.
    reference : {'random', 'monopolar', 'bipolar'}, default='random'
        ``'bipolar'`` uses :func:`rereference` (one channel fewer per shaft; a derived
        channel carries an event where either contact does); ``'random'`` picks one of the
        two with equal chance. Recordings without two contacts on a shaft stay monopolar.
    line_freq : 50.0, 60.0, 'random' or None, default='random'
        Line noise frequency; ``'random'`` picks 50, 60 or none with equal chance.
    gain : float, 'random' or None, default='random'
        Global scale of the signal; ``'random'`` draws it log-uniformly in
        ``[0.1, 2e4]``, so amplitudes range from µV to V. ``None`` keeps µV.

    Returns
    -------
    rec : SEEGRecording
        A new recording; ``events`` holds every key of ``'seizure'``, ``'spike'``,
        ``'hfo'`` and ``'artefact'`` (all-False where nothing is known).

    Examples
    --------
    >>> from bptlearn.data import make_seeg, randomize_recording
    >>> rec = make_seeg(n_patients=1, n_chans=4, duration=60.0, random_state=0)[0]
    >>> out = randomize_recording(rec, 0, sfreq=500.0, reference="bipolar", gain=None)
    >>> out.sfreq, out.data.shape, sorted(out.events)
    (500.0, (3, 30000), ['artefact', 'hfo', 'seizure', 'spike'])
    """
    _validate_type(rec, SEEGRecording, "rec")
    _check_option("reference", reference, ("random", "monopolar", "bipolar"))
    _check_option("line_freq", line_freq, ("random", 50.0, 60.0, None))
    if sfreq not in ("random", None):
        _check_sfreq(sfreq)
    if gain not in ("random", None):
        _check_sfreq(gain, "gain")
    rng = np.random.default_rng(random_state)
    if sfreq == "random":
        sfreq = float(rng.choice(NATIVE_RATES))
    rec = dataclasses.replace(rec, events=_empty_events(rec.events, rec.data.shape))
    if sfreq is not None:
        rec = rec.resample(sfreq)
    data, events, fs = np.array(rec.data, dtype=float), rec.events, rec.sfreq
    rms = data.std(axis=1) + 1e-12
    data += rng.uniform(0.2, 1.0) * rms[:, None] * _aperiodic(
        rng, rec.n_chans, rec.n_times, fs, rng.uniform(0.5, 3.0),
        np.exp(rng.uniform(0.0, np.log(2000.0))) - 1.0, rng.uniform(0.0, 0.5))
    _add_bursts(rng, data, fs, rms, rng.uniform(0.0, 0.1))
    _add_hfos(rng, data, events["hfo"], fs, rms, rng.uniform(0.0, 0.02))
    if line_freq == "random":
        line_freq = [50.0, 60.0, None][int(rng.integers(0, 3))]
    if line_freq is not None and line_freq < fs / 2.0:
        _add_line_noise(rng, data, fs, line_freq, rms)
    _add_artefacts(rng, data, events["artefact"], fs, rms, rng.uniform(0.0, 0.03))
    rec = dataclasses.replace(rec, data=data)
    bipolar = reference == "bipolar" or (reference == "random" and rng.random() < 0.5)
    if bipolar and _can_bipolar(rec.ch_names):
        rec = _bipolar(rec)
    if gain == "random":
        gain = float(np.exp(rng.uniform(np.log(0.1), np.log(2e4))))
    return rec if gain is None else dataclasses.replace(rec, data=rec.data * gain)
