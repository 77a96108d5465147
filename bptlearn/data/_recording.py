"""SEEGRecording: what the simulators return (signals, labels, seizures, events)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ..utils._arrays import _runs
from ..utils._check import _check_sfreq


@dataclass(frozen=True)
class SEEGRecording:
    """One synthetic SEEG recording: signal, per-sample seizure labels and metadata.

    Parameters
    ----------
    data : ndarray of shape (n_chans, n_times)
        Signal in µV (float64).
    labels : ndarray of shape (n_chans, n_times)
        Boolean; ``True`` where a channel carries a seizure discharge.
    sfreq : float
        Sampling rate in Hz.
    ch_names : list of str
        SEEG contact names (shaft letters then contact number, e.g. ``'LA1'``).
    patient_id : str
        Patient identifier; use it as ``groups`` for patient-wise cross-validation.
    seizures : list of tuple
        One ``(onset_s, duration_s, onset_channels)`` per seizure: time of the first
        discharge, time until the last channel stops, and the names of the channels
        where it starts.
    events : dict of str to ndarray, default={}
        Event masks the simulator knows, each a boolean array of shape
        ``(n_chans, n_times)``, keyed by ``'seizure'``, ``'spike'``, ``'hfo'`` or
        ``'artefact'``: synthetic supervision for pretraining objectives.

    Examples
    --------
    >>> from bptlearn.data import make_seeg
    >>> rec = make_seeg(n_patients=1, n_chans=4, duration=60.0, random_state=0)[0]
    >>> raw = rec.to_raw()
    >>> raw.get_channel_types()[0], len(raw.times)
    ('seeg', 15000)
    """

    data: np.ndarray
    labels: np.ndarray
    sfreq: float
    ch_names: list[str]
    patient_id: str
    seizures: list[tuple[float, float, tuple[str, ...]]] = field(default_factory=list)
    events: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_chans(self) -> int:
        """Number of channels."""
        return self.data.shape[0]

    @property
    def n_times(self) -> int:
        """Number of samples per channel."""
        return self.data.shape[1]

    def resample(self, sfreq: float) -> SEEGRecording:
        """Return the recording at another rate, labels and events included.

        The signal goes through :func:`~bptlearn.data.resample` (polyphase); labels,
        event masks and nothing else follow by nearest sample, so a pretraining loop can
        bring a recording of any native rate (see :func:`~bptlearn.data.randomize_recording`) to the
        model's rate with its synthetic supervision.

        Parameters
        ----------
        sfreq : float
            New rate in Hz.

        Returns
        -------
        rec : SEEGRecording
            A new recording (``self`` when the rate is unchanged).

        Examples
        --------
        >>> from bptlearn.data import make_seeg
        >>> rec = make_seeg(n_patients=1, n_chans=2, duration=60.0, random_state=0)[0]
        >>> low = rec.resample(100.0)
        >>> low.data.shape, low.events["seizure"].shape, low.sfreq
        ((2, 6000), (2, 6000), 100.0)
        """
        from ._resample import resample

        sfreq = _check_sfreq(sfreq)
        if sfreq == self.sfreq:
            return self
        data = resample(self.data, self.sfreq, sfreq, axis=1)
        idx = np.minimum((np.arange(data.shape[1]) * self.sfreq / sfreq).astype(int),
                         self.n_times - 1)
        return dataclasses.replace(self, data=data, labels=self.labels[:, idx], sfreq=sfreq,
                                   events={k: v[:, idx] for k, v in self.events.items()})

    def to_raw(self):
        """Return the recording as an :class:`mne.io.RawArray` with seizure annotations.

        The data are stored in volts with channel type ``'seeg'``. Each labelled stretch of
        each channel becomes one ``'seizure'`` annotation restricted to that channel
        (MNE's channel-specific annotations), so the labels can be rebuilt exactly.

        Returns
        -------
        raw : mne.io.RawArray
            The recording; ``raw.info['subject_info']['his_id']`` holds ``patient_id``.
        """
        import mne

        info = mne.create_info(list(self.ch_names), self.sfreq, ch_types="seeg")
        info["subject_info"] = {"his_id": self.patient_id}
        raw = mne.io.RawArray(self.data * 1e-6, info, verbose="error")
        onsets, durations, ch_lists = [], [], []
        for ch, row in zip(self.ch_names, self.labels, strict=True):
            starts, stops = _runs(row)
            onsets.extend(starts / self.sfreq)
            durations.extend((stops - starts) / self.sfreq)
            ch_lists.extend([(ch,)] * len(starts))
        order = np.argsort(onsets, kind="stable")
        raw.set_annotations(mne.Annotations(
            onset=np.asarray(onsets, float)[order], duration=np.asarray(durations, float)[order],
            description=["seizure"] * len(onsets), ch_names=[ch_lists[i] for i in order]))
        return raw
