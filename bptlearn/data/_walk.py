"""One recording walker: folders, manifests and files into a list of recordings."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from ..utils._check import _validate_type
from ._readers import RECORDING_EXTENSIONS, _manifest_rows


class RecordingSource(NamedTuple):
    """One recording found by :func:`list_recordings`.

    Examples
    --------
    >>> from pathlib import Path
    >>> from bptlearn.data import RecordingSource
    >>> src = RecordingSource(Path("p01.npy"), 250.0, "p01", Path("p01.npy"), {})
    >>> src.sfreq, src.subject
    (250.0, 'p01')
    """

    path: Path  # the file
    sfreq: float | None  # rate for .npy files (manifest column, else the sfreq argument)
    subject: str | None  # manifest column
    relative: Path  # where it sits below its folder (its name for files and manifest rows)
    options: dict[str, str]  # the manifest's other non-empty columns, as text


def _is_recording(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(RECORDING_EXTENSIONS)


def _inside(path: Path, folder: Path | None) -> bool:
    return folder is not None and (path == folder or folder in path.parents)


def list_recordings(sources: Any, sfreq: float | None = None, *,
                    exclude: str | os.PathLike | None = None) -> list[RecordingSource]:
    """The recordings of folders, manifests and files, in a fixed order.

    A folder contributes every recording file below it, subfolders included, sorted by
    path; a ``.csv`` manifest its rows, in order (a ``path`` column, relative paths read
    from the manifest's folder, and optional ``sfreq``, ``subject`` and other columns);
    a recording file itself. ``bptlearn embed`` and :func:`bptlearn.pretraining.pretrain`
    both read their inputs through this function.

    Parameters
    ----------
    sources : path-like or list of path-like
        Folders, manifests or recording files (``.edf``, ``.bdf``, ``.vhdr``, ``.fif``,
        ``.fif.gz``, ``.npy``).
    sfreq : float or None, default=None
        Rate of ``.npy`` files that a manifest does not give one for, in Hz.
    exclude : path-like or None, default=None
        A folder whose files are skipped (e.g. an output folder below an input folder).

    Returns
    -------
    recordings : list of RecordingSource
        Named tuples ``(path, sfreq, subject, relative, options)``: ``relative`` is the
        file's path below its folder (its name otherwise); ``options`` holds a manifest
        row's other columns as text.

    Raises
    ------
    FileNotFoundError
        When a source is neither a folder, a manifest nor a recording file.
    ValueError
        When a folder holds no recording, or a manifest is malformed.

    Examples
    --------
    >>> import numpy as np, pathlib, tempfile
    >>> from bptlearn.data import list_recordings
    >>> tmp = tempfile.TemporaryDirectory()
    >>> root = pathlib.Path(tmp.name)
    >>> (root / "sub").mkdir()
    >>> for name in ("b.npy", "sub/a.npy"):
    ...     np.save(root / name, np.zeros((2, 500), np.float32))
    >>> [(str(r.relative), r.sfreq) for r in list_recordings(root, sfreq=250.0)]
    [('b.npy', 250.0), ('sub/a.npy', 250.0)]
    >>> tmp.cleanup()
    """
    items = sources if isinstance(sources, (list, tuple)) else [sources]
    excluded = None if exclude is None else Path(exclude).resolve()
    found: list[RecordingSource] = []
    for item in items:
        _validate_type(item, "path-like", "sources")
        p = Path(item)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*")
                           if _is_recording(f) and not _inside(f.resolve(), excluded))
            if not files:
                raise ValueError(f"Folder {str(p)!r} holds no recording "
                                 f"({', '.join(RECORDING_EXTENSIONS)}); check the path.")
            found += [RecordingSource(f, sfreq, None, f.relative_to(p), {}) for f in files]
        elif p.suffix.lower() == ".csv" and p.is_file():
            for row in _manifest_rows(p, sfreq):
                path, rate, subject = row.pop("path"), row.pop("sfreq"), row.pop("subject")
                found.append(RecordingSource(path, rate, subject, Path(path.name), row))
        elif _is_recording(p):
            found.append(RecordingSource(p, sfreq, None, Path(p.name), {}))
        else:
            raise FileNotFoundError(
                f"{str(p)!r} is not a folder, a .csv manifest or a recording file "
                f"({', '.join(RECORDING_EXTENSIONS)}); check the path.")
    return found
