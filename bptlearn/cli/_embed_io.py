"""What ``bptlearn embed`` keeps on disk: output files, settings sidecars, hashes."""

from __future__ import annotations

import glob
import json
import os
from pathlib import Path
from typing import Any

from ..utils._io import atomic_write, file_sha256

FORMATS = ("npy", "npz", "parquet")
_SUFFIXES = {"npy": (".onsets.npy", ".npy"), "npz": (".npz",), "parquet": (".parquet",)}
SIDECAR = ".embed.json"  # settings and input hash, written after the outputs


def outputs(out: Path, fmt: str) -> list[Path]:
    """Output files of one recording, the main one last."""
    return [out.with_name(out.name + s) for s in _SUFFIXES[fmt]]


def sidecar(out: Path) -> Path:
    return out.with_name(out.name + SIDECAR)


def remove_stray_tmp(out: Path, fmt: str) -> list[Path]:
    """Delete temporary files that an interrupted write of this recording left behind."""
    removed = []
    for path in [*outputs(out, fmt), sidecar(out)]:
        for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def source_sha256(path: Path) -> str:
    """SHA-256 of a recording, including the data and marker files of a BrainVision header."""
    files = [path]
    if path.suffix.lower() == ".vhdr":
        files += [f for f in (path.with_suffix(".eeg"), path.with_suffix(".vmrk")) if f.is_file()]
    digests = [file_sha256(f) for f in files]
    return digests[0] if len(digests) == 1 else "+".join(digests)


def weights_fingerprint(weights: Any) -> list[str]:
    """SHA-256 of each weight file (from the registry when it knows them), else the name."""
    from ..weights import get_pretrained_cfg

    if weights is None:
        return ["random-init"]
    out = []
    for item in weights if isinstance(weights, tuple) else (weights,):
        path = Path(item) if isinstance(item, (str, os.PathLike)) else None
        if path is not None and path.is_file():
            out.append(file_sha256(path))
            continue
        try:
            cfg = get_pretrained_cfg(str(item))
        except ValueError:
            out.append(str(item))
            continue
        for name, sha in cfg.files:
            file = cfg.default_dir / name
            out.append(sha or (file_sha256(file) if file.is_file() else name))
    return out


def read_sidecar(out: Path) -> dict | None:
    """The settings stored beside an output, or None (absent or unreadable)."""
    try:
        return json.loads(sidecar(out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def differences(stored: dict | None, wanted: dict) -> list[str]:
    """Settings that differ between an existing output and this run, as sentences."""
    if stored is None:
        return ["no settings file (not written by bptlearn embed, or an older version)"]
    return [f"{k}: {stored.get(k)!r} -> {wanted[k]!r}" for k in wanted
            if stored.get(k) != wanted[k]]


def _save_npy(array: Any):
    import numpy as np

    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:  # a file object: np.save would append .npy to a name
            np.save(fh, array)
    return write


def write_outputs(out: Path, fmt: str, emb: Any, onsets: Any, names: list[str],
                  meta: dict[str, str], settings: dict) -> Path:
    """Write one recording's outputs atomically, then its settings sidecar; returns the
    main output."""
    import numpy as np

    paths = outputs(out, fmt)
    if fmt == "npy":
        atomic_write(paths[0], _save_npy(onsets))
        atomic_write(paths[1], _save_npy(emb))
    elif fmt == "npz":
        def write(tmp: str) -> None:
            with open(tmp, "wb") as fh:
                np.savez(fh, embeddings=emb, onsets=onsets, feature_names=np.asarray(names))
        atomic_write(paths[0], write)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = {"onset": onsets, **{n: emb[:, i] for i, n in enumerate(names)}}
        table = pa.table(columns).replace_schema_metadata(meta)
        atomic_write(paths[0], lambda tmp: pq.write_table(table, tmp))
    text = json.dumps(settings, indent=1, sort_keys=True)
    atomic_write(sidecar(out), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return paths[-1]
