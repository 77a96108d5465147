"""Neural-mass SEEG: a second simulator family, independent of :func:`make_seeg`.

Each contact sits over one cortical population, a neural-mass model:

- ``'wendling'``: the extended Jansen-Rit model of Wendling et al. (2002), with pyramidal
  cells, excitatory interneurons, slow dendritic (gain ``B``) and fast somatic (gain
  ``G``) inhibitory interneurons. Lowering ``B`` walks the population through sporadic
  spikes, sustained discharges, low-voltage fast activity (``B`` ~ 3, ``G`` ~ 30) and
  rhythmic ictal spiking (``B`` ~ 15-25), the path of a mesial temporal seizure onset.
- ``'jansen_rit'``: the Jansen & Rit (1995) model (``G = 0``): alpha-like background;
  seizures raise the excitatory gain ``A`` and the inhibitory gain ``B`` into large
  rhythmic 4-7 Hz discharges, without a fast onset.

Populations are driven by Gaussian input ``p(t)`` and coupled by their low-passed firing
rates with strength decaying with contact distance; contacts record their own population
and, by volume conduction, their neighbours'. The equations are integrated with a
stochastic Heun scheme at 1 kHz, in 2-s segments run side by side as one batch (each
with 0.5 s of burn-in, joined over 0.1 s), then resampled with :func:`resample`.
Interictal spikes come from brief input pulses and from the pre-ictal regime; they are
labelled where the population's output exceeds 5 robust standard deviations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.ndimage import binary_dilation
from scipy.signal import butter, sosfiltfilt

from ..utils._check import _check_option, _validate_type
from ._randomize import _add_artefacts, _add_hfos, _aperiodic, randomize_recording
from ._recording import SEEGRecording
from ._resample import resample
from ._synthetic import _check_cohort, _distance, _shaft_names

MODELS = ("wendling", "jansen_rit", "mixed")
_E0, _V0, _R = 2.5, 6.0, 0.56  # sigmoid: half max rate (1/s), threshold (mV), slope (1/mV)
_RATE_A, _RATE_B, _RATE_G, _RATE_D = 100.0, 50.0, 500.0, 33.0  # 1/time constants (1/s)
_C = 135.0 * np.array([1.0, 0.8, 0.25, 0.25, 0.3, 0.1, 0.8])  # C1..C7 of Wendling (2002)
_FS = 1000.0  # internal integration rate (Hz)
_SEG, _BURN, _FADE, _HOLD = 2000, 500, 50, 10  # internal steps; parameters held 10 ms


_RATES = np.array([_RATE_A, _RATE_A, _RATE_B, _RATE_G, _RATE_B, _RATE_D], np.float32)[
    :, None, None]  # per second-order state: y0..y4 (Wendling's PSPs) and the coupling z


def _accel(pos, vel, A, B, G, p, K):
    """Second derivatives of the coupled Wendling equations (state (6, n_seg, n_pops))."""
    c1, c2, c3, c4, c5, c6, c7 = _C
    y0, y1, y2, y3, y4, z = pos
    # the four sigmoids in one call: S(v), S(C1 y0), S(C3 y0), S(C5 y0 - C6 y4)
    rate = 2.0 * _E0 / (1.0 + np.exp(_R * (_V0 - np.stack(
        [y1 - y2 - y3, c1 * y0, c3 * y0, c5 * y0 - c6 * y4]))))
    drive = p + z @ K.T  # external input + coupling from the other populations
    a, b, g, d = _RATE_A, _RATE_B, _RATE_G, _RATE_D
    inputs = np.stack([A * a * rate[0], A * a * (drive + c2 * rate[1]),
                       B * (b * c4) * rate[2], G * (g * c7) * rate[3], B * b * rate[2],
                       (d * d) * rate[0]])
    return inputs - 2.0 * _RATES * vel - _RATES * _RATES * pos


def _integrate(rng, sched, p_mean, p_sd, K, n_steps) -> np.ndarray:
    """Population outputs ``y1 - y2 - y3`` (mV), shape (n_pops, n_steps) at 1 kHz.

    ``sched`` holds A, B, G and extra input, each (n_coarse, n_pops) on the 10-ms grid
    that starts ``_BURN`` steps before time 0. Segment ``k`` covers steps
    ``[k * _SEG - _FADE, (k + 1) * _SEG + _FADE)`` after its burn-in, so its parameters
    at local step ``i`` are ``sched[i // _HOLD :: _SEG // _HOLD][:n_seg]``.
    """
    n_pops = K.shape[0]
    n_seg = -(-n_steps // _SEG)
    n_local = _BURN + _SEG + _FADE
    dt, stride = np.float32(1.0 / _FS), _SEG // _HOLD
    pos = np.zeros((6, n_seg, n_pops), np.float32)
    vel = np.zeros_like(pos)
    K = K.astype(np.float32)
    out = np.empty((n_local - _BURN + _FADE, n_seg, n_pops), dtype=np.float32)
    for i in range(n_local):  # stochastic Heun: the same input sample in both stages
        A, B, G, extra = (s[i // _HOLD::stride][:n_seg] for s in sched)
        p = (p_mean + extra) + p_sd * rng.standard_normal((n_seg, n_pops), np.float32)
        acc = _accel(pos, vel, A, B, G, p, K)
        vel_pred = vel + dt * acc
        acc += _accel(pos + dt * vel, vel_pred, A, B, G, p, K)
        pos += (0.5 * dt) * (vel + vel_pred)
        vel += (0.5 * dt) * acc
        if i >= _BURN - _FADE:
            out[i - _BURN + _FADE] = pos[1] - pos[2] - pos[3]
    # join segments: over each overlap, cross-fade the means linearly and the
    # fluctuations with power-complementary weights (no dip in variance), then crop
    w = np.linspace(0.0, 1.0, 2 * _FADE + 2)[1:-1, None]
    total = out[:-2 * _FADE].transpose(1, 0, 2).reshape(n_seg * _SEG, n_pops)
    total = np.concatenate([total, out[-2 * _FADE:, -1]])
    for k in range(1, n_seg):
        a, b = out[-2 * _FADE:, k - 1], out[:2 * _FADE, k]
        ma, mb = a.mean(axis=0), b.mean(axis=0)
        total[k * _SEG:k * _SEG + 2 * _FADE] = ((1 - w) * ma + w * mb + np.sqrt(1 - w) * (a - ma)
                                                + np.sqrt(w) * (b - mb))
    return total[_FADE:_FADE + n_steps].T


def _family(rng, model: str) -> dict:
    """Patient-level draws: background parameters and seizure path of one family."""
    if model == "wendling":
        return {"model": model, "p_mean": rng.uniform(80.0, 100.0), "p_sd": 30.0 * np.sqrt(
            _FS / 512.0), "bg": (rng.uniform(4.8, 5.2), rng.uniform(46.0, 60.0),
                                 rng.uniform(12.0, 22.0)),
                "pre_B": rng.uniform(38.0, 44.0), "lvfa": (rng.uniform(2.0, 5.0),
                                                          rng.uniform(25.0, 35.0)),
                "rhythm": (rng.uniform(14.0, 24.0), rng.uniform(10.0, 20.0)),
                "late_B": rng.uniform(22.0, 28.0), "pulse": rng.uniform(300.0, 900.0)}
    return {"model": model, "p_mean": rng.uniform(180.0, 240.0), "p_sd": 60.0 * np.sqrt(
        _FS / 512.0), "bg": (rng.uniform(3.1, 3.4), rng.uniform(20.0, 23.0), 0.0),
            "ictal": (rng.uniform(3.7, 4.5), rng.uniform(24.0, 28.0)),
            "late_dB": rng.uniform(2.0, 5.0), "pulse": rng.uniform(600.0, 1500.0)}


def _path(fam, rng, t0, dur, onset_zone) -> tuple[np.ndarray, np.ndarray]:
    """Nodes (times in s, (A, B, G) rows) of one channel's seizure, ictal on [t0, t0+dur)."""
    A0, B0, G0 = fam["bg"]
    if fam["model"] == "wendling":
        pre = rng.uniform(2.0, 8.0) if onset_zone else 0.5
        ramp = min(1.0, 0.1 * dur)  # into low-voltage fast activity
        lvfa = rng.uniform(0.15, 0.3) * dur if onset_zone else ramp + 0.05 * dur  # held
        (Bl, Gl), (Br, Gr) = fam["lvfa"], fam["rhythm"]
        post = rng.uniform(5.0, 15.0)
        nodes = [(t0 - pre, B0, G0), (t0 - pre + 0.5 * min(pre, 1.0), fam["pre_B"], G0),
                 (t0, fam["pre_B"], G0), (t0 + ramp, Bl, Gl),
                 (t0 + lvfa, Bl, Gl), (t0 + lvfa + 0.15 * dur, Br, Gr),
                 (t0 + 0.85 * dur, fam["late_B"], Gr), (t0 + dur, B0 + 10.0, G0),
                 (t0 + dur + post, B0, G0)]
        t, B, G = np.array(nodes).T
        return t, np.stack([np.full_like(t, A0), B, G], axis=1)
    (Ai, Bi) = fam["ictal"]
    t = t0 + dur * np.array([0.0, 0.15, 0.8, 1.0])
    AB = np.array([(A0, B0), (Ai, Bi), (Ai, Bi + fam["late_dB"]), (A0, B0)])
    return t, np.column_stack([AB, np.zeros(4)])


def _recruit(rng, shaft_of, dur) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Onset contacts, then contiguous spread along the shaft and to patches of others.

    Returns the onset-zone mask, the recruited mask, each channel's delay (s) and its
    ictal duration (s).
    """
    n_chans = len(shaft_of)
    dist_all = _distance(shaft_of)
    first = int(rng.integers(0, n_chans))
    near = np.flatnonzero(dist_all[first] <= int(rng.integers(0, 2)))
    onset = np.zeros(n_chans, bool)
    onset[near] = True
    dist = dist_all[onset].min(axis=0)
    speed = rng.uniform(0.5, 3.0)  # contacts per second
    recruited = dist <= rng.integers(1, 6)
    delay = dist / speed
    for shaft in set(shaft_of.tolist()) - {int(shaft_of[first])}:
        if rng.random() < 0.3:
            contacts = np.flatnonzero(shaft_of == shaft)
            hit = _distance(shaft_of[contacts])[int(rng.integers(0, len(contacts)))] <= 1
            recruited[contacts[hit]] = True
            delay[contacts[hit]] = rng.uniform(2.0, 8.0)
    delay = np.minimum(delay + rng.uniform(0.0, 0.3, n_chans) * ~onset, 0.5 * dur)
    duration = np.maximum(dur - delay - rng.uniform(0.0, 2.0, n_chans), 1.0)
    return onset, recruited, delay, duration


def _schedule(rng, fam, shaft_of, n_steps, seizures, sfreq, n_out):
    """Parameter schedules on the coarse grid, seizure labels at ``sfreq``, onset info."""
    n_chans = len(shaft_of)
    n_coarse = (_BURN + (-(-n_steps // _SEG) + 1) * _SEG + _FADE) // _HOLD + 1
    t_c = (np.arange(n_coarse) * _HOLD - _BURN) / _FS
    params = np.broadcast_to(np.asarray(fam["bg"]), (n_coarse, n_chans, 3)).copy()
    labels = np.zeros((n_chans, n_out), dtype=bool)
    free_from = np.full(n_chans, -np.inf)  # end of each channel's last ictal stretch
    onset_zone = np.zeros(n_chans, bool)
    starts = []
    for t_sz, dur in seizures:
        onset, recruited, delay, duration = _recruit(rng, shaft_of, dur)
        onset_zone |= onset
        for c in np.flatnonzero(recruited):
            t0 = t_sz + delay[c]
            nodes_t, nodes_p = _path(fam, rng, t0, duration[c], onset[c])
            sel = (t_c >= max(nodes_t[0], free_from[c])) & (t_c <= nodes_t[-1])
            for j in range(3):
                params[sel, c, j] = np.interp(t_c[sel], nodes_t, nodes_p[:, j])
            labels[c, int(round(t0 * sfreq)):int(round((t0 + duration[c]) * sfreq))] = True
            free_from[c] = t0 + duration[c]
        starts.append(np.flatnonzero(onset))
    # interictal spikes: 10-ms input pulses, five times more often in the onset zone
    rate = rng.uniform(0.005, 0.03) * np.where(onset_zone, 5.0, 1.0)
    extra = np.zeros((n_coarse, n_chans), dtype=np.float32)
    hits = rng.random((n_coarse, n_chans)) < rate * _HOLD / _FS
    extra[hits] = fam["pulse"] * rng.uniform(0.5, 1.5, int(hits.sum()))
    sched = [params[..., j].astype(np.float32) for j in range(3)] + [extra]
    return sched, labels, onset_zone, starts


def _robust_sd(x, labels) -> np.ndarray:
    """Per-channel standard deviation from the median absolute deviation, outside seizures."""
    masked = np.where(labels, np.nan, x)
    if np.isnan(masked).all(axis=1).any():  # a channel ictal throughout: use all of it
        masked = x
    med = np.nanmedian(masked, axis=1, keepdims=True)
    return np.nanmedian(np.abs(masked - med), axis=1) * 1.4826 + 1e-12


def _detect_spikes(v, labels, sfreq) -> np.ndarray:
    """Samples within 50 ms of an excursion beyond 5 robust SDs, outside seizures."""
    med = np.median(v, axis=1, keepdims=True)
    hit = np.abs(v - med) > 5.0 * _robust_sd(v, labels)[:, None]
    half = max(1, int(0.05 * sfreq))
    return binary_dilation(hit, np.ones((1, 2 * half + 1), bool)) & ~labels


def _simulate_neural_mass(rng, model, n_chans, n_times, sfreq, seizures, patient_id,
                          randomize) -> SEEGRecording:
    """One recording with seizures at the given ``(onset_s, duration_s)`` pairs."""
    if model == "mixed":
        model = ("wendling", "jansen_rit")[int(rng.integers(0, 2))]
    fam = _family(rng, model)
    ch_names, shaft_of = _shaft_names(rng, n_chans)
    dist = _distance(shaft_of)
    n_steps = int(np.ceil(n_times / sfreq * _FS)) + 1
    sched, labels, onset_zone, starts = _schedule(rng, fam, shaft_of, n_steps, seizures,
                                                  sfreq, n_times)
    K = np.exp(-dist / 1.5) * (1.0 - np.eye(n_chans))
    K *= rng.uniform(0.0, 20.0) / max(1.0, K.sum(axis=1).max())
    v = _integrate(rng, sched, fam["p_mean"], fam["p_sd"], K, n_steps)
    v = resample(v, _FS, sfreq, axis=1)[:, :n_times]
    v = sosfiltfilt(butter(2, rng.uniform(0.3, 1.0), "highpass", fs=sfreq, output="sos"), v)
    spikes = _detect_spikes(v, labels, sfreq)
    mix = np.exp(-dist / rng.uniform(0.3, 0.8))  # volume conduction along each shaft
    data = mix @ v + rng.uniform(0.0, 0.1) * v.mean(axis=0)  # + the reference's share
    # activity the populations do not model: aperiodic, 1-4 x their quiet background,
    # recorded through the same volume conduction
    noise = mix @ _aperiodic(rng, n_chans, n_times, sfreq, rng.uniform(1.0, 2.0), 0.0,
                             rng.uniform(0.0, 0.3))
    data += rng.uniform(1.0, 4.0) * (_robust_sd(data, labels) / noise.std(axis=1))[:, None] * noise
    data *= np.exp(rng.uniform(np.log(15.0), np.log(80.0))) / np.median(
        _robust_sd(data, labels))  # µV, patient-specific background amplitude
    rms = _robust_sd(data, labels)
    events = {"seizure": labels, "spike": spikes,
              "hfo": np.zeros_like(labels), "artefact": np.zeros_like(labels)}
    _add_hfos(rng, data, events["hfo"], sfreq, rms, rng.uniform(0.002, 0.02),
              weights=np.where(onset_zone, 10.0, 1.0))
    _add_artefacts(rng, data, events["artefact"], sfreq, rms, rng.uniform(0.0, 0.02))
    info = [(t, d, tuple(ch_names[c] for c in s))
            for (t, d), s in zip(seizures, starts, strict=True)]
    rec = SEEGRecording(data, labels, float(sfreq), ch_names, patient_id, info, events)
    if randomize:
        rec = randomize_recording(rec, rng, sfreq=None, reference="monopolar", gain=None)
    return rec


def _place_seizures(rng, n_seizures, duration, seizure_duration) -> list[tuple[float, float]]:
    """``(onset_s, duration_s)`` pairs, one per equal slice, 10 s of background around."""
    slot = duration / max(n_seizures, 1)
    out = []
    for k in range(n_seizures):
        dur = min(rng.uniform(*seizure_duration), slot - 20.0)
        out.append((k * slot + 10.0 + rng.uniform(0.0, slot - 20.0 - dur), dur))
    return out


def make_neural_mass(n_patients: int = 1, n_chans: int | Sequence[int] = 8,
                     duration: float = 600.0, sfreq: float = 250.0, *,
                     model: str = "mixed", seizure_rate: float = 0.1,
                     seizure_duration: tuple[float, float] = (10.0, 60.0),
                     randomize: bool = True,
                     random_state: int | np.random.Generator | None = None,
                     ) -> list[SEEGRecording]:
    """Simulate SEEG from coupled neural-mass models (Wendling 2002, Jansen-Rit 1995).

    A simulator family independent of :func:`make_seeg`, for pretraining corpora and for
    measuring transfer to a family a model has not seen. The signal model is described
    in the module docstring: one population per contact, coupled through low-passed
    firing rates, recorded with volume conduction along each shaft. Seizures change the
    parameters of the onset contacts' populations (Wendling: sporadic spikes, then
    low-voltage fast activity, then rhythmic spiking), spreading to neighbouring
    contacts and sometimes another shaft with growing delays. ``labels`` and
    ``events['seizure']`` mark exactly where a channel's population is in its ictal
    parameter regime; ``events`` also holds ``'spike'``, ``'hfo'`` and ``'artefact'``.

    Parameters
    ----------
    n_patients : int, default=1
        Number of patients; one recording each.
    n_chans : int or sequence of int, default=8
        Channels (= populations) per patient, 1 to 128 or more; a sequence is used in
        turn, as in :func:`make_seeg`.
    duration : float, default=600.0
        Length of each recording in seconds.
    sfreq : float, default=250.0
        Output rate in Hz; the models are integrated at 1 kHz and resampled.
    model : {'mixed', 'wendling', 'jansen_rit'}, default='mixed'
        Model family; ``'mixed'`` draws one of the two per patient.
    seizure_rate : float, default=0.1
        Mean seizures per minute (Poisson count per recording; as many as fit with 10 s
        of background on each side).
    seizure_duration : tuple of float, default=(10.0, 60.0)
        Range (s) of each seizure's duration.
    randomize : bool, default=True
        Apply :func:`randomize_recording` with the rate, channels and scale kept
        (aperiodic background, oscillation bursts, HFOs, line noise, artefacts).
    random_state : int, numpy.random.Generator or None, default=None
        Seed for :func:`numpy.random.default_rng`; the same seed gives identical output.

    Returns
    -------
    recordings : list of SEEGRecording
        One per patient, ``patient_id`` ``'NM01'``, ``'NM02'``, ..., signal in µV.

    References
    ----------
    .. [1] Wendling F, Bartolomei F, Bellanger JJ, Chauvel P (2002). Epileptic fast
       activity can be explained by a model of impaired GABAergic dendritic inhibition.
       European Journal of Neuroscience 15(9):1499-1508.
    .. [2] Jansen BH, Rit VG (1995). Electroencephalogram and visual evoked potential
       generation in a mathematical model of coupled cortical columns. Biological
       Cybernetics 73(4):357-366.

    Examples
    --------
    >>> from bptlearn.data import make_neural_mass
    >>> rec = make_neural_mass(n_chans=4, duration=60.0, model="wendling",
    ...                        seizure_rate=1.0, random_state=0)[0]
    >>> rec.data.shape, rec.patient_id, sorted(rec.events)
    ((4, 15000), 'NM01', ['artefact', 'hfo', 'seizure', 'spike'])
    >>> bool(rec.labels.any())
    True
    """
    counts, sfreq, duration = _check_cohort(n_patients, n_chans, sfreq, duration)
    _check_option("model", model, MODELS)
    if _validate_type(seizure_rate, "numeric", "seizure_rate") < 0:
        raise ValueError(f"seizure_rate must be >= 0 (per minute), got {seizure_rate}.")
    if len(seizure_duration) != 2 or not 2.0 <= seizure_duration[0] <= seizure_duration[1]:
        raise ValueError(
            f"seizure_duration must be (shortest, longest) in seconds with 2 <= shortest <= "
            f"longest, got {seizure_duration!r} instead.")
    if duration < 10.0:
        raise ValueError(f"duration must be >= 10 s, got {duration} instead.")
    rng = np.random.default_rng(random_state)
    n_times = int(round(duration * sfreq))
    out = []
    for p, n_ch in enumerate(counts):
        n_sz = min(rng.poisson(seizure_rate * duration / 60.0),
                   int(duration // (seizure_duration[0] + 20.0)))
        seizures = _place_seizures(rng, n_sz, duration, seizure_duration)
        out.append(_simulate_neural_mass(rng, model, n_ch, n_times, sfreq, seizures,
                                         f"NM{p + 1:02d}", randomize))
    return out
