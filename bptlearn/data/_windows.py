"""MNE objects and arrays in, model windows out: :func:`to_windows` and :class:`Windows`."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..exceptions import BPTWarning, ChannelMismatchError
from ..utils._check import _check_option, _check_sfreq, _validate_type
from ._preprocess import (
    VOLTAGE_TYPES,
    _cut,
    _flag_flat,
    _make_plan,
    _nonfinite_windows,
    _process,
    _too_short,
    _window_starts,
)
from ._readers import _NpyFile
from ._scaling import robust_channel_stats
from ._segments import (
    _by_length,
    _stacked,
    bad_spans,
    event_trials,
    overlaps_bad,
    warn_rejected,
)


@dataclass(frozen=True)
class Windows:
    """Model-ready windows cut from a recording, with what is needed to map them back.

    Attributes
    ----------
    X : ndarray of shape (n_windows, n_chans, n_patches * patch_len)
        Signal in µV (float32) at ``sfreq``.
    ch_names : list of str
        Channel names, in the order of ``X``'s channel axis.
    onsets : ndarray of shape (n_windows,)
        Start of each window in seconds, on the clock of the input's annotations
        (``raw.first_time + raw.times`` for Raw; epoch event time + ``tmin`` + offset for
        Epochs; 0 at the first sample of array input).
    sfreq : float
        Sampling rate of ``X`` in Hz (250 unless ``target_sfreq`` was changed).
    n_patches, patch_len : int
        Patches per window and samples per patch.
    bads : list of str
        Bad channels (``info['bads']``) that were dropped.
    flat : list of str
        Channels without any signal (kept, flagged with a warning).
    groups : ndarray of shape (n_windows,) or None
        Subject id of each window (from ``info['subject_info']['his_id']``), for
        patient-wise cross-validation; ``None`` when the input does not name a subject.
    epochs : ndarray of shape (n_windows,) or None
        Index of the epoch (or event trial) each window comes from, for Epochs, 3-D array
        and ``events`` input.
    n_rejected : int
        Windows dropped because they overlap a ``BAD*`` annotation
        (``reject_by_annotation=True``; for :func:`iter_windows`, in the whole recording).
    targets : ndarray of shape (n_windows,) or None
        The event id (events array) or description (annotations) of each window's trial,
        for ``events`` input.

    Examples
    --------
    >>> from bptlearn.data import make_seeg, to_windows
    >>> raw = make_seeg(n_patients=1, n_chans=4, duration=60.0, random_state=0)[0].to_raw()
    >>> w = to_windows(raw, n_patches=2)  # a Windows
    >>> len(w), w.X.shape, w.duration
    (5, (5, 4, 3000), 12.0)
    >>> w.ch_names[:2], w.onsets[:3].tolist(), w.groups[:2].tolist()
    (['LOF1', 'LOF2'], [0.0, 12.0, 24.0], ['P01', 'P01'])
    """

    X: np.ndarray
    ch_names: list[str]
    onsets: np.ndarray
    sfreq: float
    n_patches: int
    patch_len: int
    bads: list[str] = field(default_factory=list)
    flat: list[str] = field(default_factory=list)
    groups: np.ndarray | None = None
    epochs: np.ndarray | None = None
    n_rejected: int = 0
    targets: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.X)

    @property
    def duration(self) -> float:
        """Length of one window in seconds."""
        return self.n_patches * self.patch_len / self.sfreq


@dataclass
class _Source:
    """Any input as named channels plus segments ``(getter, n_times, t0_seconds)``."""

    ch_names: list[str]
    sfreq: float
    segments: list[tuple[Callable[[slice, int, int], np.ndarray], int, float]]
    bads: list[str]
    subject: str | None
    has_epochs: bool
    targets: np.ndarray | None = None  # one per segment (event trials)


def _subject(info) -> str | None:
    subject = info.get("subject_info") or {}
    his_id = subject.get("his_id")
    return None if his_id is None else str(his_id)


def _pick_names(all_names: list[str], types: list[str], picks, bads: list[str],
                channels: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """Channel names of the picked types minus bads (or exactly ``channels``)."""
    picks = (picks,) if isinstance(picks, str) else tuple(picks)
    if not picks:
        raise ValueError(f"picks is empty; pass channel types among {VOLTAGE_TYPES}.")
    for kind in picks:
        _check_option("picks", kind, VOLTAGE_TYPES,
                      extra="(a channel type; set types with inst.set_channel_types)")
    picked = [n for n, t in zip(all_names, types, strict=True) if t in picks]
    if not picked:
        found = sorted(set(types))
        raise ValueError(
            f"The recording has no channel of type {list(picks)}; its channel types are "
            f"{found}. Pass picks={tuple(t for t in found if t in VOLTAGE_TYPES) or found} or "
            f"set the types first, e.g. raw.set_channel_types({{'LA1': 'seeg', ...}}) (EDF "
            f"files load every channel as 'eeg').")
    dropped = [n for n in picked if n in bads]
    good = [n for n in picked if n not in bads]
    if channels is not None:
        missing = [n for n in channels if n not in good]
        if missing:
            why = [f"{n} (bad)" if n in bads else f"{n} (not of type {list(picks)})"
                   if n in all_names else n for n in missing]
            raise ChannelMismatchError(
                f"{len(missing)} of the requested channels are not available: {why}. The "
                f"recording's good channels of type {list(picks)} are {good}. Pick channels "
                f"that exist, or rename/retype them (inst.rename_channels, set_channel_types).")
        good = list(channels)
    if dropped:
        warnings.warn(f"Dropped {len(dropped)} bad channel(s) listed in info['bads']: {dropped} "
                      f"(see the result's 'bads' attribute).", BPTWarning, stacklevel=4)
    if not good:
        raise ValueError(f"Every picked channel is bad ({dropped}); nothing is left to window.")
    return good, dropped


def _source(inst, sfreq, picks, ch_names, channels, events=None, trial_start_offset=0.0,
            trial_stop_offset=None) -> _Source:
    """Resolve Raw, Epochs or arrays into a :class:`_Source` (nothing is copied yet)."""
    import mne

    if events is not None and not isinstance(inst, mne.io.BaseRaw):
        raise TypeError(f"events cuts trials out of a continuous recording, so inst must be an "
                        f"mne.io.Raw, got {type(inst).__name__}. Read the file with "
                        f"bptlearn.data.read_recording, or leave events=None.")
    if isinstance(inst, (mne.io.BaseRaw, mne.BaseEpochs)):
        if sfreq is not None and float(sfreq) != inst.info["sfreq"]:
            raise ValueError(
                f"sfreq={sfreq} contradicts the input's info['sfreq']={inst.info['sfreq']}. "
                f"Leave sfreq=None for MNE input (its info['sfreq'] is used).")
        names, bads = _pick_names(inst.ch_names, inst.get_channel_types(), picks,
                                  inst.info["bads"], channels)
        fs = inst.info["sfreq"]
        # a units dict: MNE refuses units="uV" when several voltage types are picked
        units = {kind: "uV" for kind in set(inst.get_channel_types(picks=names))}
        if isinstance(inst, mne.io.BaseRaw):
            def get(block, o0, o1):
                return inst.get_data(picks=names[block], start=o0, stop=o1, units=units)
            if events is None:
                segments = [(get, inst.n_times, inst.first_samp / fs)]
                return _Source(names, fs, segments, bads, _subject(inst.info), False)
            starts, stops, targets = event_trials(inst, events, trial_start_offset,
                                                  trial_stop_offset)
            segments = [(lambda b, o0, o1, s=int(s): get(b, s + o0, s + o1), int(e - s),
                         (inst.first_samp + s) / fs) for s, e in zip(starts, stops, strict=True)]
            return _Source(names, fs, segments, bads, _subject(inst.info), True, targets)
        data = inst.get_data(picks=names, units=units)
        t0 = inst.events[:, 0] / fs + inst.tmin
        segments = [(lambda b, o0, o1, e=e: data[e, b, o0:o1], data.shape[-1], float(t0[e]))
                    for e in range(len(data))]
        return _Source(names, fs, segments, bads, _subject(inst.info), True)
    if not isinstance(inst, (np.ndarray, _NpyFile)):
        _validate_type(inst, (np.ndarray, mne.io.BaseRaw, mne.BaseEpochs), "inst")
    if inst.ndim not in (2, 3):
        raise ValueError(
            f"Array input must have shape (n_chans, n_times) or (n_epochs, n_chans, n_times), "
            f"got shape {inst.shape} instead.")
    if sfreq is None:
        raise ValueError(
            f"inst is a NumPy array of shape {inst.shape}, so its sampling rate is unknown. "
            f"Pass sfreq in Hz (e.g. to_windows(X, sfreq=1000.0); the data are resampled to "
            f"250 Hz), or pass an mne.io.Raw or mne.Epochs, whose info['sfreq'] is used.")
    _check_sfreq(sfreq)
    if np.iscomplexobj(inst):
        raise TypeError("inst holds complex numbers; pass the real signal (np.real(X)) in µV.")
    n_chans = inst.shape[-2]
    if n_chans == 0:
        raise ValueError(f"inst is empty: it has 0 channels (shape {inst.shape}).")
    all_names = [str(i) for i in range(n_chans)] if ch_names is None else list(ch_names)
    if len(all_names) != n_chans or len(set(all_names)) != n_chans:
        raise ValueError(
            f"ch_names must hold {n_chans} unique names (one per row of the channel axis), "
            f"got {len(all_names)} names ({len(set(all_names))} unique).")
    names, _ = _pick_names(all_names, ["seeg"] * n_chans, ("seeg",), [], channels)
    idx = np.asarray([all_names.index(n) for n in names])
    if inst.ndim == 2:
        segments = [(lambda b, o0, o1: inst[idx[b], o0:o1], inst.shape[-1], 0.0)]
    else:
        segments = [(lambda b, o0, o1, e=e: inst[e, idx[b], o0:o1], inst.shape[-1], 0.0)
                    for e in range(len(inst))]
    return _Source(names, float(sfreq), segments, [], None, inst.ndim == 3)


def _normalize(X: np.ndarray, method: str | None) -> None:
    """Scale ``X`` (our own array) in place per channel over all windows."""
    if method is None or not len(X):
        return
    if method == "robust":
        center, scale = robust_channel_stats(X)
    else:
        center = X.mean(axis=(0, 2), dtype=np.float64)
        scale = X.std(axis=(0, 2), dtype=np.float64)
        scale[scale <= 0] = 1.0
    X -= center[None, :, None].astype(np.float32)
    X /= scale[None, :, None].astype(np.float32)


def to_windows(inst, sfreq: float | None = None, *,
               picks: str | Sequence[str] = ("seeg", "ecog", "dbs"),
               ch_names: Sequence[str] | None = None, channels: Sequence[str] | None = None,
               n_patches: int = 15, stride: float | None = None, l_freq: float | None = None,
               h_freq: float | None = None, notch: float | Sequence[float] | None = None,
               normalize: str | None = None, patch_len: int = 1500,
               target_sfreq: float = 250.0, nan_policy: str = "raise",
               reject_by_annotation: bool = True, events=None,
               trial_start_offset: float = 0.0, trial_stop_offset: float | None = None,
               ) -> Windows:
    """Cut a recording into model windows of ``n_patches`` patches at 250 Hz.

    The channels of the picked types are taken (channels in ``info['bads']`` dropped and
    reported, as the estimators drop them), resampled with :func:`resample` (polyphase,
    anti-aliased, exact ratio), optionally band-passed and notch-filtered with
    :mod:`mne.filter` (FIR, zero phase) at the output rate, and cut into windows. Windows
    overlapping a ``BAD*`` annotation of a Raw are dropped, as MNE's
    ``reject_by_annotation`` does. Epochs (and 3-D arrays) are processed together, the
    filters designed once. The input is never modified.

    Parameters
    ----------
    inst : mne.io.Raw, mne.Epochs or ndarray
        Recording. Arrays of shape ``(n_chans, n_times)`` or ``(n_epochs, n_chans,
        n_times)`` are taken to be in µV; MNE data are converted to µV.
    sfreq : float or None, default=None
        Sampling rate of array input in Hz; leave ``None`` for MNE input.
    picks : str or sequence of str, default=('seeg', 'ecog', 'dbs')
        Channel types to keep, among ``'seeg'``, ``'ecog'``, ``'dbs'``, ``'eeg'``.
        Ignored for arrays.
    ch_names : sequence of str or None, default=None
        Names of the rows of array input (``'0'``, ``'1'``, ... when ``None``).
    channels : sequence of str or None, default=None
        Exactly these channels, in this order (e.g. an estimator's ``ch_names_in_``);
        a missing one raises :class:`~bptlearn.exceptions.ChannelMismatchError`.
    n_patches : int, default=15
        Patches per window, 1 to 15 (Brant's sequence length is 15 x 6 s).
    stride : float or None, default=None
        Seconds between window starts; ``None`` gives adjacent windows.
    l_freq, h_freq : float or None, default=None
        Band-pass edges in Hz (either may be ``None``: high-pass or low-pass only).
    notch : float, sequence of float or None, default=None
        Line-noise frequency (harmonics below Nyquist are added) or explicit frequencies.
    normalize : {None, 'robust', 'zscore'}, default=None
        Per-channel scaling over all windows (median/MAD or mean/std). Off by default:
        the estimators learn the scaling in ``fit`` (:func:`robust_channel_stats`), and a
        per-window z-score would erase the amplitude that tells seizures apart. With
        windows from several patients and few labels, ``'robust'`` on each recording
        lets a classifier's threshold carry over between patients (see the user guide's
        input scaling); the windows are then in scaled units, not the recording's.
    patch_len : int, default=1500
        Samples per patch (6 s at 250 Hz).
    target_sfreq : float, default=250.0
        Output rate in Hz (Brant's rate).
    nan_policy : {'raise', 'omit'}, default='raise'
        NaN or infinite samples raise, or (``'omit'``) the windows holding them are dropped.
    reject_by_annotation : bool, default=True
        Drop the windows of a Raw that overlap an annotation whose description starts with
        ``'bad'`` (any case: ``'BAD_artifact'``, MNE's ``'BAD boundary'`` between
        concatenated recordings), with a warning; the count is ``n_rejected``.
    events : ndarray of shape (n_events, 3), mne.Annotations or None, default=None
        Cut windows only inside trials around these events of a Raw (braindecode's
        windows from events): an MNE events array (trials from ``onset +
        trial_start_offset`` to ``onset + trial_stop_offset``) or annotations (to
        ``onset + duration + trial_stop_offset``). ``epochs`` gives each window's trial
        and ``targets`` its event id or description.
    trial_start_offset, trial_stop_offset : float or None, default=0.0 and None
        Seconds added to each trial's start and end (``trial_stop_offset`` is required
        with an events array).

    Returns
    -------
    windows : Windows
        ``X``, ``ch_names``, ``onsets``, ``sfreq``, dropped ``bads``, ``flat`` channels,
        ``groups`` (subject ids), for epoched input ``epochs``, ``n_rejected`` and, for
        ``events``, ``targets``.

    See Also
    --------
    iter_windows : The same, batch by batch, for recordings too long for memory.
    annotations_to_labels : Window and token labels from the recording's annotations.

    Examples
    --------
    >>> from bptlearn.data import make_seeg, to_windows
    >>> raw = make_seeg(n_patients=1, n_chans=4, duration=120.0, sfreq=1000.0,
    ...                 random_state=0)[0].to_raw()
    >>> w = to_windows(raw, n_patches=2, l_freq=0.5)
    >>> w.X.shape, w.sfreq, w.onsets[:3].tolist()
    ((10, 4, 3000), 250.0, [0.0, 12.0, 24.0])
    """
    import mne

    _check_option("normalize", normalize, (None, "robust", "zscore"))
    _validate_type(reject_by_annotation, bool, "reject_by_annotation")
    src = _source(inst, sfreq, picks, ch_names, channels, events, trial_start_offset,
                  trial_stop_offset)
    plan = _make_plan(src.sfreq, target_sfreq=target_sfreq, n_patches=n_patches,
                      patch_len=patch_len, stride=stride, l_freq=l_freq, h_freq=h_freq,
                      notch=notch, nan_policy=nan_policy)
    bad, bad_names = (bad_spans(inst) if reject_by_annotation
                      and isinstance(inst, mne.io.BaseRaw) else (np.empty((0, 2)), []))
    n_chans, duration = len(src.ch_names), plan.win / plan.out_sfreq
    parts: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # segment -> (X, onsets)
    ptp = np.zeros(n_chans)
    n_nonfinite = n_rejected = n_total = 0
    for n_in, group in _by_length(src.segments):  # one pass (one filter design) per length
        starts = _window_starts(n_in, plan)
        if not len(starts):
            raise _too_short(n_in, plan, "Each epoch" if src.has_epochs else "The recording")
        out, nonfinite, row_ptp = _process(_stacked([src.segments[e][0] for e in group],
                                                    n_chans), src.ch_names * len(group), 0,
                                           n_in, plan, len(group))
        ptp = np.maximum(ptp, row_ptp.reshape(len(group), n_chans).max(axis=0))
        out = out.reshape(len(group), n_chans, -1)
        for k, e in enumerate(group):
            onsets = src.segments[e][2] + starts / plan.out_sfreq
            keep = ~_nonfinite_windows(starts, nonfinite[k], 0, plan)
            rejected = keep & overlaps_bad(onsets, duration, bad)
            n_nonfinite, n_rejected = n_nonfinite + int((~keep).sum()), n_rejected + int(
                rejected.sum())
            n_total += len(starts)
            keep &= ~rejected
            parts[e] = (_cut(out[k], starts[keep], plan), onsets[keep])
    X = np.concatenate([parts[e][0] for e in sorted(parts)])
    onsets_arr = np.concatenate([parts[e][1] for e in sorted(parts)])
    epoch_idx = np.concatenate([np.full(len(parts[e][1]), e) for e in sorted(parts)])
    if n_nonfinite:
        warnings.warn(f"nan_policy='omit' dropped {n_nonfinite} window(s) holding NaN or "
                      f"infinite samples; {n_total - n_nonfinite} remain.", BPTWarning,
                      stacklevel=2)
    warn_rejected(n_rejected, n_total, bad_names)
    flat = _flag_flat(ptp, src.ch_names)
    _normalize(X, normalize)
    groups = None if src.subject is None else np.full(len(X), src.subject, dtype=object)
    return Windows(X, list(src.ch_names), onsets_arr, plan.out_sfreq, plan.n_patches,
                   plan.patch_len, src.bads, flat, groups,
                   epoch_idx if src.has_epochs else None, n_rejected,
                   None if src.targets is None else src.targets[epoch_idx])

