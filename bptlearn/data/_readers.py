"""Readers: EDF/BDF/BrainVision/FIF/.npy files and BIDS datasets into MNE Raw."""

from __future__ import annotations

import csv
import os
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..exceptions import BPTWarning
from ..utils._check import _check_sfreq, _validate_type

#: File endings read_recording understands (MNE's readers, plus .npy with sfreq).
RECORDING_EXTENSIONS = (".edf", ".bdf", ".vhdr", ".fif", ".fif.gz", ".npy")


class _NpyFile:
    """A 2-D ``.npy`` file read by explicit reads, row by row (no memory map).

    A memory map would put every page read into the process's resident memory until the
    kernel reclaims it; plain reads keep streaming memory bounded by the batch.
    """

    def __init__(self, path: Path) -> None:
        with _damaged(path, ".npy"), open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read_header(f)
            self.offset = f.tell()
        need = self.offset + int(np.prod(shape)) * np.dtype(dtype).itemsize
        if path.stat().st_size < need:
            raise ValueError(
                f"{path.name!r} is truncated: its header promises an array of shape {shape} "
                f"({np.dtype(dtype)}, {need} bytes with the header), but the file holds "
                f"{path.stat().st_size} bytes. Copy the file again, or re-save it with "
                "numpy.save.")
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
            f"not a {ext} file ({type(err).__name__}: {err}). Copy the file again, or "
            "export it anew from the program that recorded it."
        ) from err


def _report_truncation(path: Path, messages: list[str], raw, strict: bool) -> None:
    """Surface MNE's 'file size' warning of a truncated file (other chatter stays quiet)."""
    said = [m for m in messages if "file size" in m or "truncat" in m.lower()]
    if not said:
        return
    text = (f"{path.name!r} is truncated: MNE says {said[0].split('. ')[0]!r}. Only its "
            f"first {raw.times[-1]:.1f} s (the complete records) can be read.")
    if strict:
        raise ValueError(f"{text} Copy the file again, or pass strict=False to read what "
                         "is there.")
    warnings.warn(f"{text} Copy the file again, or pass strict=True to refuse such files.",
                  BPTWarning, stacklevel=3)


def read_recording(path: str | os.PathLike, sfreq: float | None = None, *,
                   preload: bool = False, ch_types: str | dict[str, str] | None = None,
                   ch_names: list[str] | None = None, subject: str | None = None,
                   strict: bool = False):
    """Read one recording file into an :class:`mne.io.Raw`.

    EDF, BDF, BrainVision (``.vhdr``) and FIF are read with MNE's readers (lazily unless
    ``preload``, so :func:`iter_windows` can stream them). A ``.npy`` file holds an array
    ``(n_chans, n_times)`` in µV and needs ``sfreq``; it is loaded into memory (stream
    large ones with ``iter_windows(path, sfreq=...)``, which reads each batch's samples
    from the file with plain reads, no memory map, so memory stays bounded by the batch).

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
    strict : bool, default=False
        Refuse a file shorter than its header says (a truncated EDF/BDF); by default it is
        read up to its last complete record, with a :class:`~bptlearn.exceptions.BPTWarning`
        naming the file.

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
        with _damaged(path, ext), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            raw = mne.io.read_raw(path, preload=preload, verbose="warning")
        _report_truncation(path, [str(w.message) for w in caught], raw, strict)
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
    return [(row["path"], row["sfreq"], row["subject"]) for row in _manifest_rows(path, sfreq)]


def _manifest_rows(path: str | os.PathLike, sfreq: float | None) -> list[dict]:
    """Each row of a manifest as a dict: ``path`` (a Path), ``sfreq``, ``subject`` and the
    other non-empty columns as text."""
    path = Path(path)
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or "path" not in rows[0]:
        raise ValueError(
            f"Manifest {str(path)!r} must be a CSV file with a 'path' column (optional: "
            f"'sfreq', 'subject'); it has columns {list(rows[0]) if rows else 'none (empty)'}.")
    out = []
    for line, row in enumerate(rows, start=2):
        row = {k: v.strip() for k, v in row.items() if k and v and v.strip()}
        if "path" not in row:
            raise ValueError(f"Manifest {str(path)!r}, line {line}: the path cell is empty; "
                             f"give every row a recording file.")
        p, rate, subject = Path(row.pop("path")), row.pop("sfreq", None), row.pop("subject", None)
        try:
            rate = sfreq if rate is None else _check_sfreq(float(rate))
        except ValueError:
            raise ValueError(
                f"Manifest {str(path)!r}, line {line}: sfreq {rate!r} is not a positive rate "
                f"in Hz; write a number such as 1000, or leave the cell empty.") from None
        out.append({**row, "path": p if p.is_absolute() else path.parent / p, "sfreq": rate,
                    "subject": subject})
    return out

