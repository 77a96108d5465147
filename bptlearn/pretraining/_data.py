"""Recordings in, batches of windows out: cut on the fly, bucketed by channel count.

A recording is kept whole at 250 Hz (memory-mapped for ``.npy`` files already at 250 Hz)
with per-channel robust statistics (median, 1.4826 x MAD; see
:func:`bptlearn.data.robust_channel_stats`); windows are cut and scaled only when a batch
is built. The order of batches in an epoch is a pure function of ``(seed, epoch)``, so a
run resumed from ``(epoch, batch)`` sees exactly the batches it would have seen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy.signal import resample_poly

from ..data import (
    RECORDING_EXTENSIONS,
    VOLTAGE_TYPES,
    make_seeg,
    read_manifest,
    read_recording,
    robust_channel_stats,
)
from ..utils._check import _check_sfreq

logger = logging.getLogger(__name__)

_MAX_STATS_SAMPLES = 1 << 21  # robust stats from at most ~2 M evenly spaced samples


@dataclass
class Recording:
    """One continuous recording at the model's rate, with its channel scaling.

    Examples
    --------
    Usually made by :func:`make_recording` or :func:`load_recordings`; by hand:

    >>> import numpy as np
    >>> from bptlearn.pretraining import Recording
    >>> rec = Recording(np.zeros((3, 2500), np.float32), center=np.zeros(3, np.float32),
    ...                 scale=np.ones(3, np.float32), name="P01")
    >>> rec.n_chans, rec.n_times
    (3, 2500)
    """

    data: np.ndarray  # (n_chans, n_times), any float dtype, possibly a memmap
    center: np.ndarray  # (n_chans,)
    scale: np.ndarray  # (n_chans,)
    name: str

    @property
    def n_chans(self) -> int:
        return int(self.data.shape[0])

    @property
    def n_times(self) -> int:
        return int(self.data.shape[1])


def _to_rate(data: np.ndarray, sfreq: float, target: float) -> np.ndarray:
    if sfreq == target:
        return data
    ratio = Fraction(target / sfreq).limit_denominator(1000)
    return resample_poly(np.asarray(data, dtype=np.float64), ratio.numerator,
                         ratio.denominator, axis=-1)


def make_recording(data: Any, sfreq: float, name: str, target_sfreq: float = 250.0) -> Recording:
    """Check a (n_chans, n_times) array, bring it to ``target_sfreq`` and measure its scale.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.pretraining import make_recording
    >>> data = np.random.default_rng(0).normal(0.0, 20.0, size=(2, 2000))  # 8 s at 250 Hz
    >>> rec = make_recording(data, sfreq=250.0, name="P01")
    >>> rec.n_chans, rec.n_times, rec.scale.round(-1).tolist()  # scale ~ the std, 20 uV
    (2, 2000, [20.0, 20.0])
    >>> make_recording(data, sfreq=1000.0, name="P01").n_times  # resampled to 250 Hz
    500
    """
    sfreq = _check_sfreq(sfreq)
    if not isinstance(data, np.memmap):
        data = np.asarray(data)
    if data.ndim != 2 or 0 in data.shape:
        raise ValueError(
            f"Recording {name!r} must be an array of shape (n_chans, n_times), got shape "
            f"{data.shape}. Save one recording per .npy file, channels first."
        )
    if not np.issubdtype(data.dtype, np.floating) and not np.issubdtype(data.dtype, np.integer):
        raise ValueError(f"Recording {name!r} has dtype {data.dtype}; expected real numbers.")
    data = _to_rate(data, sfreq, target_sfreq)
    step = max(1, data.shape[1] // _MAX_STATS_SAMPLES)
    sample = np.asarray(data[:, ::step])
    if not np.isfinite(sample).all():
        raise ValueError(
            f"Recording {name!r} holds NaN or infinite samples; clean or drop them first."
        )
    center, scale = robust_channel_stats(sample)
    return Recording(data, center.astype(np.float32), scale.astype(np.float32), name)


def _read_file(path: Path, sfreq: float | None) -> tuple[Any, float]:
    if path.suffix == ".npy":
        if sfreq is None:
            raise ValueError(
                f"{str(path)!r} is a .npy array, which does not store its sampling rate. Pass "
                "sfreq (--sfreq on the command line) or list it in a manifest with an sfreq "
                "column."
            )
        return np.load(path, mmap_mode="r"), sfreq
    raw = read_recording(path, sfreq=sfreq)
    kept = [t for t in VOLTAGE_TYPES if t in raw.get_channel_types()]
    if not kept:
        raise ValueError(
            f"{str(path)!r} holds no channel of the types {list(VOLTAGE_TYPES)} (it has "
            f"{sorted(set(raw.get_channel_types()))}); set its channel types first."
        )
    raw = raw.pick(kept, exclude="bads")
    return raw.get_data(units="uV"), float(raw.info["sfreq"])


def load_recordings(data: Any = None, *, sfreq: float | None = None, synthetic: int = 0,
                    synthetic_duration: float = 600.0, seed: int = 0,
                    min_times: int = 1) -> list[Recording]:
    """Recordings from a folder, a manifest CSV, a list of arrays, and/or synthetic patients.

    Parameters
    ----------
    data : path-like, list of path-like or arrays, or None
        A folder (every ``.npy``/``.fif``/``.edf``/``.bdf``/``.vhdr`` file in it, sorted;
        read with :func:`bptlearn.data.read_recording`, iEEG/EEG channels kept, bad
        channels dropped), a manifest ``.csv`` (columns ``path`` and optionally ``sfreq``),
        one file, or a list of files or ``(n_chans, n_times)`` arrays in µV.
    sfreq : float or None
        Rate of ``.npy`` files and arrays, in Hz.
    synthetic : int, default=0
        Add this many simulated patients (:func:`bptlearn.data.make_seeg`, 6-16 channels).
    synthetic_duration : float, default=600.0
        Seconds per simulated patient.
    seed : int, default=0
        Seed of the simulation.
    min_times : int, default=1
        Recordings shorter than this many samples (at 250 Hz) are skipped with a warning.

    Examples
    --------
    A folder holding one ``.npy`` recording at 500 Hz, plus one simulated patient:

    >>> import numpy as np, os, tempfile
    >>> from bptlearn.pretraining import load_recordings
    >>> folder = tempfile.TemporaryDirectory()
    >>> data = np.random.default_rng(0).normal(0.0, 50.0, size=(4, 10000))
    >>> np.save(os.path.join(folder.name, "p01.npy"), data.astype(np.float32))
    >>> recs = load_recordings(folder.name, sfreq=500.0, synthetic=1, synthetic_duration=60.0)
    >>> [(rec.name, rec.n_chans, rec.n_times) for rec in recs]
    [('p01.npy', 4, 5000), ('synthetic-P01', 15, 15000)]
    >>> folder.cleanup()
    """
    sources: list[tuple[Any, float | None, str]] = []
    items = data if isinstance(data, (list, tuple)) else ([] if data is None else [data])
    for item in items:
        if isinstance(item, np.ndarray):
            sources.append((item, sfreq, f"array{len(sources)}"))
            continue
        p = Path(item)
        if p.is_dir():
            files = sorted(f for f in p.iterdir() if f.name.lower().endswith(RECORDING_EXTENSIONS))
            if not files:
                raise ValueError(
                    f"Folder {str(p)!r} holds no recording ({', '.join(RECORDING_EXTENSIONS)})."
                )
            sources.extend((f, sfreq, f.name) for f in files)
        elif p.suffix.lower() == ".csv":
            sources.extend((f, s, f.name) for f, s, _ in read_manifest(p, sfreq))
        elif p.is_file():
            sources.append((p, sfreq, p.name))
        else:
            raise ValueError(f"Pretraining data {str(p)!r} does not exist.")
    recordings = []
    for src, rate, name in sources:
        if isinstance(src, Path):
            src, rate = _read_file(src, rate)
        elif rate is None:
            raise ValueError("Pass sfreq (in Hz) with arrays of pretraining data.")
        recordings.append(make_recording(src, rate, name))
    if synthetic:
        rng = np.random.default_rng(seed)
        n_chans = [int(c) for c in rng.integers(6, 17, size=synthetic)]
        for rec in make_seeg(n_patients=synthetic, n_chans=n_chans, duration=synthetic_duration,
                             n_seizures=max(1, int(synthetic_duration // 300)),
                             random_state=seed):
            recordings.append(make_recording(rec.data.astype(np.float32), rec.sfreq,
                                             f"synthetic-{rec.patient_id}"))
    kept = [r for r in recordings if r.n_times >= min_times]
    for r in recordings:
        if r.n_times < min_times:
            logger.warning("skipping %s: %d samples at 250 Hz, shorter than one window of %d",
                           r.name, r.n_times, min_times)
    if not kept:
        raise ValueError(
            "No recording is long enough for one window; pass longer recordings, fewer "
            "patches per window (n_patches), or synthetic=N."
        )
    return kept


def plan_epoch(recordings: list[Recording], window: int, batch_size: int, seed: int,
               epoch: int, rank: int = 0, world_size: int = 1) -> list[list[tuple[int, int]]]:
    """This rank's batches of one epoch: lists of (recording index, start sample).

    Each recording is cut into back-to-back windows from an offset drawn per epoch; windows
    are grouped by channel count, shuffled, chunked into batches, and the batches shuffled.
    Ranks take every ``world_size``-th batch, all the same number.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.pretraining import make_recording, plan_epoch
    >>> rng = np.random.default_rng(0)
    >>> recs = [make_recording(rng.normal(size=(4, 7500)), 250.0, "a"),
    ...         make_recording(rng.normal(size=(6, 7500)), 250.0, "b")]
    >>> batches = plan_epoch(recs, window=1500, batch_size=2, seed=0, epoch=0)
    >>> len(batches), batches[0]  # (recording index, start sample) pairs
    (4, [(0, 1275), (0, 2775)])
    >>> all(len({recs[i].n_chans for i, _ in batch}) == 1 for batch in batches)
    True
    >>> len(plan_epoch(recs, 1500, 2, seed=0, epoch=0, rank=1, world_size=2))
    2
    """
    rng = np.random.default_rng([seed, epoch])
    buckets: dict[int, list[tuple[int, int]]] = {}
    for i, rec in enumerate(recordings):
        offset = int(rng.integers(0, min(window, rec.n_times - window + 1)))
        starts = range(offset, rec.n_times - window + 1, window)
        buckets.setdefault(rec.n_chans, []).extend((i, s) for s in starts)
    batches = []
    for n_chans in sorted(buckets):
        items = buckets[n_chans]
        order = rng.permutation(len(items))
        batches.extend([items[j] for j in order[k:k + batch_size]]
                       for k in range(0, len(items), batch_size))
    batches = [batches[j] for j in rng.permutation(len(batches))]
    per_rank = len(batches) // world_size
    return batches[rank::world_size][:per_rank]


def collate(recordings: list[Recording], batch: list[tuple[int, int]], n_patches: int,
            patch_len: int) -> torch.Tensor:
    """Scaled float32 windows (B, C, L, P) of one batch.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.pretraining import collate, make_recording
    >>> data = np.random.default_rng(0).normal(0.0, 20.0, size=(4, 7500))
    >>> recs = [make_recording(data, sfreq=250.0, name="P01")]
    >>> x = collate(recs, [(0, 0), (0, 3000)], n_patches=2, patch_len=1500)
    >>> x.shape, x.dtype, round(float(x.std()), 1)  # scaled to unit spread
    (torch.Size([2, 4, 2, 1500]), torch.float32, 1.0)
    """
    window = n_patches * patch_len
    out = np.empty((len(batch), recordings[batch[0][0]].n_chans, window), dtype=np.float32)
    for b, (i, start) in enumerate(batch):
        rec = recordings[i]
        out[b] = (rec.data[:, start:start + window] - rec.center[:, None]) / rec.scale[:, None]
    return torch.from_numpy(out).view(len(batch), -1, n_patches, patch_len)
