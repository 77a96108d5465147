"""File helpers every layer that writes or fingerprints a file uses."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 hex digest of a file, read in 1 MiB blocks.

    Parameters
    ----------
    path : path-like
        The file to read.

    Returns
    -------
    digest : str
        64 lowercase hexadecimal characters.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from bptlearn.weights import file_sha256
    >>> folder = tempfile.TemporaryDirectory()
    >>> p = pathlib.Path(folder.name) / "empty"
    >>> _ = p.write_bytes(b"")
    >>> file_sha256(p)[:16]
    'e3b0c44298fc1c14'
    >>> folder.cleanup()
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, write: Callable[[str], None]) -> Path:
    """Write a file so that readers see either the old file or the whole new one.

    ``write(tmp_path)`` writes to a temporary file in the same folder, which is flushed to
    disk and then renamed over ``path`` with :func:`os.replace` (atomic on POSIX and
    Windows). A crash mid-write leaves ``path`` untouched and at worst a stray ``.tmp``.

    Parameters
    ----------
    path : path-like
        The file to write; missing parent folders are created.
    write : callable
        ``write(tmp_path)`` writes the whole content to ``tmp_path``.

    Returns
    -------
    path : pathlib.Path
        ``path``, written.

    Examples
    --------
    >>> import os, tempfile
    >>> from bptlearn.weights import atomic_write
    >>> def write(tmp_path):
    ...     with open(tmp_path, "w") as fh:
    ...         fh.write("hello")
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = atomic_write(os.path.join(folder.name, "notes.txt"), write)
    >>> path.read_text(), os.listdir(folder.name)  # no temporary file left
    ('hello', ['notes.txt'])
    >>> folder.cleanup()
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp (and safetensors) make 0600
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
