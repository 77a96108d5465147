"""Recordings in, batches of windows out: cut on the fly, bucketed by channel count.

A recording is kept whole at 250 Hz (memory-mapped for ``.npy`` files already at 250 Hz)
with per-channel robust statistics (median, 1.4826 x MAD; see
:func:`bptlearn.data.robust_channel_stats`); windows are cut and scaled only when a batch
is built. The order of batches in an epoch is a pure function of ``(seed, epoch)``, so a
run resumed from ``(epoch, batch)`` sees exactly the batches it would have seen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..data import (
    VOLTAGE_TYPES,
    list_recordings,
    read_recording,
    resample,
    robust_channel_stats,
)
from ..data._readers import _damaged
from ..utils._check import _check_sfreq
from ._objectives import EVENT_NAMES

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
    # event name -> (n_chans, ceil(n_times / 8)) uint8: np.packbits of the bool labels
    # along time (8x smaller); the names a simulator marks, none for real recordings
    events: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_chans(self) -> int:
        return int(self.data.shape[0])

    @property
    def n_times(self) -> int:
        return int(self.data.shape[1])


def make_recording(data: Any, sfreq: float, name: str, target_sfreq: float = 250.0,
                   events: dict[str, np.ndarray] | None = None) -> Recording:
    """Check a (n_chans, n_times) array, bring it to ``target_sfreq`` and measure its scale.

    ``events`` maps names of :data:`EVENT_NAMES` to bool arrays shaped like ``data``
    (``True`` where a channel is inside that event, as simulators mark them); they are
    brought to ``target_sfreq`` by nearest sample and kept bit-packed.

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
    >>> seizure = np.zeros((2, 2000), bool)
    >>> seizure[:, 1000:] = True  # the second half
    >>> rec = make_recording(data, sfreq=1000.0, name="P01", events={"seizure": seizure})
    >>> np.unpackbits(rec.events["seizure"], axis=1, count=rec.n_times).sum(axis=1).tolist()
    [250, 250]
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
    shape = data.shape
    data = resample(data, sfreq, target_sfreq)
    step = max(1, data.shape[1] // _MAX_STATS_SAMPLES)
    sample = np.asarray(data[:, ::step])
    if not np.isfinite(sample).all():
        raise ValueError(
            f"Recording {name!r} holds NaN or infinite samples; clean or drop them first."
        )
    center, scale = robust_channel_stats(sample)
    packed = _pack_events(events or {}, shape, data.shape[1], name)
    return Recording(data, center.astype(np.float32), scale.astype(np.float32), name, packed)


def _pack_events(events: dict[str, np.ndarray], shape: tuple[int, int], n_times: int,
                 name: str) -> dict[str, np.ndarray]:
    """Bool event labels of the native ``shape``, at ``n_times`` samples, bit-packed."""
    unknown = sorted(set(events) - set(EVENT_NAMES))
    if unknown:
        raise ValueError(f"Recording {name!r} has events {unknown}; the event names are "
                         f"{list(EVENT_NAMES)}. Rename or drop the others.")
    idx = np.minimum(np.arange(n_times) * shape[1] // n_times, shape[1] - 1)  # nearest
    out = {}
    for key, labels in events.items():
        labels = np.asarray(labels)
        if labels.shape != shape:
            raise ValueError(f"Event {key!r} of recording {name!r} has shape {labels.shape}, "
                             f"but the data have shape {shape}; pass one label per sample.")
        out[key] = np.packbits(labels[:, idx].astype(bool), axis=1)
    return out


def _read_file(path: Path, sfreq: float | None) -> tuple[Any, float]:
    if path.suffix == ".npy":
        if sfreq is None:
            raise ValueError(
                f"{str(path)!r} is a .npy array, which does not store its sampling rate. Pass "
                "sfreq (--sfreq on the command line) or list it in a manifest with an sfreq "
                "column."
            )
        with _damaged(path, ".npy"):
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
                    min_times: int = 1, synthetic_families: Any = ("seeg",),
                    synthetic_randomize: bool = False) -> list[Recording]:
    """Recordings from a folder, a manifest CSV, a list of arrays, and/or synthetic patients.

    Parameters
    ----------
    data : path-like, list of path-like or arrays, or None
        A folder (every ``.npy``/``.fif``/``.edf``/``.bdf``/``.vhdr`` file below it, sorted,
        as :func:`bptlearn.data.list_recordings` finds them;
        read with :func:`bptlearn.data.read_recording`, iEEG/EEG channels kept, bad
        channels dropped), a manifest ``.csv`` (columns ``path`` and optionally ``sfreq``),
        one file, or a list of files or ``(n_chans, n_times)`` arrays in µV.
    sfreq : float or None
        Rate of ``.npy`` files and arrays, in Hz.
    synthetic : int, default=0
        Add this many simulated patients (6-16 channels), with their event labels; see
        :func:`synthetic_recordings`.
    synthetic_duration : float, default=600.0
        Seconds per simulated patient.
    seed : int, default=0
        Seed of the simulation.
    min_times : int, default=1
        Recordings shorter than this many samples (at 250 Hz) are skipped with a warning.
    synthetic_families : tuple of str, default=('seeg',)
        Simulator families the synthetic patients are shared among, in turn.
    synthetic_randomize : bool, default=False
        Domain randomisation of the simulated patients
        (:func:`bptlearn.data.randomize_recording`).

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
        sources.extend((r.path, r.sfreq, r.relative.as_posix())
                       for r in list_recordings(item, sfreq))
    recordings = []
    for src, rate, name in sources:
        if isinstance(src, Path):
            src, rate = _read_file(src, rate)
        elif rate is None:
            raise ValueError("Pass sfreq (in Hz) with arrays of pretraining data.")
        recordings.append(make_recording(src, rate, name))
    if synthetic:
        from ._synthetic import synthetic_recordings  # it builds on make_recording

        recordings.extend(synthetic_recordings(synthetic, synthetic_duration, seed,
                                               synthetic_families, synthetic_randomize))
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


def collate_events(recordings: list[Recording], batch: list[tuple[int, int]], n_patches: int,
                   patch_len: int) -> torch.Tensor:
    """Event labels (B, C, L, 4) of one batch: the fraction of each patch in each event.

    The last axis follows :data:`EVENT_NAMES`; NaN where a recording does not mark that
    event (real recordings mark none), so it adds nothing to the event loss.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.pretraining import collate_events, make_recording
    >>> data = np.random.default_rng(0).normal(size=(2, 6000))
    >>> seizure = np.zeros((2, 6000), bool)
    >>> seizure[0, 1500:2250] = True  # half of channel 0's second patch
    >>> recs = [make_recording(data, 250.0, "P01", events={"seizure": seizure})]
    >>> y = collate_events(recs, [(0, 0)], n_patches=3, patch_len=1500)
    >>> y.shape, y[0, :, :, 0].tolist()  # seizure fractions per channel and patch
    (torch.Size([1, 2, 3, 4]), [[0.0, 0.5, 0.0], [0.0, 0.0, 0.0]])
    >>> bool(y[..., 1:].isnan().all())  # spikes, HFOs and artefacts are not marked here
    True
    """
    window = n_patches * patch_len
    n_chans = recordings[batch[0][0]].n_chans
    out = np.full((len(batch), n_chans, n_patches, len(EVENT_NAMES)), np.nan, np.float32)
    for b, (i, start) in enumerate(batch):
        first = start // 8
        for k, key in enumerate(EVENT_NAMES):
            packed = recordings[i].events.get(key)
            if packed is None:
                continue
            bits = np.unpackbits(packed[:, first:(start + window + 7) // 8], axis=1)
            bits = bits[:, start - 8 * first:start - 8 * first + window]
            out[b, :, :, k] = bits.reshape(n_chans, n_patches, patch_len).mean(axis=-1)
    return torch.from_numpy(out)
