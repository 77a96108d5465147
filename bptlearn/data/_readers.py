"""Readers: EDF/BDF/BrainVision/FIF/.npy files and BIDS datasets into MNE Raw."""

from __future__ import annotations

import csv
import os
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..utils._check import _check_sfreq, _validate_type

#: File endings read_recording understands (MNE's readers, plus .npy with sfreq).
RECORDING_EXTENSIONS = (".edf", ".bdf", ".vhdr", ".fif", ".fif.gz", ".npy")


class _NpyFile:
    """A 2-D ``.npy`` file read by explicit reads, row by row (no memory map).

    A memory map would put every page read into the process's resident memory until the
    kernel reclaims it; plain reads keep streaming memory bounded by the batch.
    """

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read_header(f)
            self.offset = f.tell()
        if len(shape) != 2 or fortran:
            raise ValueError(
                f"{path.name!r} holds an array of shape {shape}"
                f"{' in Fortran order' if fortran else ''}; expected a C-ordered (n_chans, "
                f"n_times) array in µV.")
        self.path, self.shape, self.dtype, self.ndim = path, tuple(shape), np.dtype(dtype), 2

    def __getitem__(self, key: tuple) -> np.ndarray:
        rows, cols = key
        rows = np.arange(self.shape[0])[rows]
        start, stop, _ = cols.indices(self.shape[1])
        out = np.empty((len(rows), max(0, stop - start)), dtype=self.dtype)
        with open(self.path, "rb") as f:
            for k, r in enumerate(np.atleast_1d(rows)):
                f.seek(self.offset + (int(r) * self.shape[1] + start) * self.dtype.itemsize)
                out[k] = np.fromfile(f, dtype=self.dtype, count=out.shape[1])
        return out


def _extension(path: Path) -> str:
    name = path.name.lower()
    return ".fif.gz" if name.endswith(".fif.gz") else path.suffix.lower()


def _set_subject(raw, subject: str | None) -> None:
    if subject is not None:
        info = raw.info.get("subject_info") or {}
        raw.info["subject_info"] = {**info, "his_id": str(subject)}


@contextmanager
def _damaged(path: Path, ext: str):
    """Turn a reader's low-level failure into one sentence naming the file."""
    try:
        yield
    except (ValueError, AssertionError, OSError, EOFError, RuntimeError, KeyError, IndexError,
            UnicodeDecodeError) as err:
        raise ValueError(
            f"Could not read {path.name!r} as a {ext} recording: it is damaged, truncated or "
            f"not a {ext} file ({type(err).__name__}: {err})."
        ) from err


def read_recording(path: str | os.PathLike, sfreq: float | None = None, *,
                   preload: bool = False, ch_types: str | dict[str, str] | None = None,
                   ch_names: list[str] | None = None, subject: str | None = None):
    """Read one recording file into an :class:`mne.io.Raw`.

    EDF, BDF, BrainVision (``.vhdr``) and FIF are read with MNE's readers (lazily unless
    ``preload``, so :func:`iter_windows` can stream them). A ``.npy`` file holds an array
    ``(n_chans, n_times)`` in µV and needs ``sfreq``; it is loaded into memory (stream
    large ones with ``iter_windows(path, sfreq=...)``, which memory-maps them).

    Parameters
    ----------
    path : path-like
        The file.
    sfreq : float or None, default=None
        Sampling rate in Hz; required for ``.npy``, checked against the header otherwise.
    preload : bool, default=False
        Load the data into memory now.
    ch_types : str, dict or None, default=None
        Channel types to set: one type for every channel (EDF and BrainVision readers
        call them all ``'eeg'``), or a ``{name: type}`` mapping. ``.npy`` channels are
        ``'seeg'`` unless given.
    ch_names : list of str or None, default=None
        Channel names for ``.npy`` (``'0'``, ``'1'``, ... when ``None``).
    subject : str or None, default=None
        Subject id stored in ``raw.info['subject_info']['his_id']``, which
        :func:`to_windows` passes on as ``groups``.

    Returns
    -------
    raw : mne.io.BaseRaw
        The recording.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from bptlearn.data import read_recording
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = os.path.join(folder.name, "rec.npy")
    >>> np.save(path, np.zeros((3, 2500), dtype=np.float32))
    >>> raw = read_recording(path, sfreq=250.0, subject="P07")
    >>> raw.get_channel_types(), raw.info["subject_info"]["his_id"]
    (['seeg', 'seeg', 'seeg'], 'P07')
    >>> folder.cleanup()
    """
    import mne

    _validate_type(path, "path-like", "path")
    path = Path(path)
    ext = _extension(path)
    if ext not in RECORDING_EXTENSIONS:
        raise ValueError(
            f"Cannot read {path.name!r}: read_recording reads {', '.join(RECORDING_EXTENSIONS)} "
            f"files. For other formats use mne.io.read_raw(...) and pass the Raw on.")
    if not path.is_file():
        raise FileNotFoundError(f"No recording at {str(path)!r}; check the path.")
    if ext == ".npy":
        if sfreq is None:
            raise ValueError(
                f"{path.name!r} is a .npy array, which does not store its sampling rate. Pass "
                f"sfreq in Hz, e.g. read_recording({path.name!r}, sfreq=1000.0).")
        sfreq = _check_sfreq(sfreq)
        with _damaged(path, ext):
            data = np.load(path, mmap_mode="r")
        if data.ndim != 2:
            raise ValueError(
                f"{path.name!r} holds an array of shape {data.shape}; expected (n_chans, "
                f"n_times) in µV.")
        names = [str(i) for i in range(data.shape[0])] if ch_names is None else list(ch_names)
        info = mne.create_info(names, sfreq, ch_types=ch_types if isinstance(ch_types, str)
                               else "seeg")
        raw = mne.io.RawArray(np.asarray(data, dtype=np.float64) * 1e-6, info, verbose="error")
        if isinstance(ch_types, dict):
            raw.set_channel_types(ch_types, verbose="error")
    else:
        with _damaged(path, ext):
            raw = mne.io.read_raw(path, preload=preload, verbose="error")
        if sfreq is not None and _check_sfreq(sfreq) != raw.info["sfreq"]:
            raise ValueError(
                f"sfreq={sfreq} contradicts the file's sampling rate {raw.info['sfreq']} Hz. "
                f"Leave sfreq=None for {ext} files; resampling happens in to_windows.")
        if ch_types is not None:
            mapping = ({n: ch_types for n in raw.ch_names} if isinstance(ch_types, str)
                       else ch_types)
            raw.set_channel_types(mapping, on_unit_change="ignore", verbose="error")
    _set_subject(raw, subject)
    return raw


def read_bids(root: str | os.PathLike, subject: str, session: str | None = None,
              task: str | None = None, run: str | int | None = None, *,
              datatype: str = "ieeg", acquisition: str | None = None,
              preload: bool = False):
    """Read one iEEG recording of a BIDS dataset (needs the optional ``mne-bids``).

    Channel types, bad channels, events and the sampling rate come from the BIDS
    sidecars through :func:`mne_bids.read_raw_bids`. The subject id is stored in
    ``raw.info['subject_info']['his_id']`` so that :func:`to_windows` hands it on as
    ``groups`` for patient-wise cross-validation.

    Parameters
    ----------
    root : path-like
        BIDS root folder.
    subject : str
        Subject label without ``sub-`` (e.g. ``'01'``).
    session, task, run, acquisition : str or None, default=None
        BIDS entities selecting the recording.
    datatype : str, default='ieeg'
        BIDS datatype folder.
    preload : bool, default=False
        Load the data into memory now.

    Returns
    -------
    raw : mne.io.BaseRaw
        The recording, with ``his_id`` set to ``subject``.

    Raises
    ------
    ImportError
        When mne-bids is not installed (``pip install bptlearn[bids]``).

    Examples
    --------
    Needs mne-bids and a BIDS dataset on disk (here ``sub-01/ieeg/`` under ``bids_root``),
    so this example is not run when the docs are tested:

    >>> from bptlearn.data import read_bids, to_windows
    >>> raw = read_bids(bids_root, subject="01", task="rest")  # doctest: +SKIP
    >>> raw.info["subject_info"]["his_id"]  # doctest: +SKIP
    '01'
    >>> to_windows(raw, n_patches=15).groups[:2].tolist()  # doctest: +SKIP
    ['01', '01']
    """
    try:
        import mne_bids
    except ImportError as err:
        raise ImportError(
            "read_bids needs the optional dependency mne-bids, which is not installed. "
            "Install it with: pip install bptlearn[bids]  (or: pip install mne-bids)."
        ) from err
    _validate_type(root, "path-like", "root")
    _validate_type(subject, "str", "subject")
    if not Path(root).is_dir():
        raise FileNotFoundError(f"No BIDS dataset at {str(root)!r}; check the root folder.")
    bids_path = mne_bids.BIDSPath(root=root, subject=subject, session=session, task=task,
                                  run=run, acquisition=acquisition, datatype=datatype)
    raw = mne_bids.read_raw_bids(bids_path, verbose=False)
    if preload:
        raw.load_data()
    _set_subject(raw, subject)
    return raw


def read_manifest(path: str | os.PathLike, sfreq: float | None = None
                  ) -> list[tuple[Path, float | None, str | None]]:
    """Rows of a manifest CSV of recordings: ``(path, sfreq, subject)`` each.

    The CSV has a ``path`` column (relative paths are taken from the manifest's folder)
    and optionally ``sfreq`` (Hz, for ``.npy`` files) and ``subject`` columns; an empty
    cell takes ``sfreq`` (the argument) or ``None``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from bptlearn.data import read_manifest
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     csv = pathlib.Path(tmp) / "recordings.csv"
    ...     _ = csv.write_text("path,sfreq,subject\\na.npy,1000,P01\\nb.fif,,P02\\n")
    ...     [(p.name, s, subj) for p, s, subj in read_manifest(csv)]
    [('a.npy', 1000.0, 'P01'), ('b.fif', None, 'P02')]
    """
    path = Path(path)
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or "path" not in rows[0]:
        raise ValueError(
            f"Manifest {str(path)!r} must be a CSV file with a 'path' column (optional: "
            f"'sfreq', 'subject'); it has columns {list(rows[0]) if rows else 'none (empty)'}.")
    out = []
    for row in rows:
        p = Path(row["path"])
        rate = row.get("sfreq") or None
        out.append((p if p.is_absolute() else path.parent / p,
                    _check_sfreq(float(rate)) if rate is not None else sfreq,
                    row.get("subject") or None))
    return out

