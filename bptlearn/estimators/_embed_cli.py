"""``bptlearn embed``: embed a folder or manifest of recordings to disk, one file each.

One process (CPU or one GPU)::

    bptlearn embed RECORDINGS_DIR OUT_DIR --format parquet --n-patches 5

Several GPUs or nodes (each rank embeds its own share of the recordings)::

    torchrun --nproc_per_node 8 -m bptlearn.cli embed manifest.csv OUT_DIR --precision bf16

A manifest is a CSV file with a ``path`` column (relative paths are read from the
manifest's folder) and optional ``sfreq`` (Hz, for ``.npy``) and ``subject`` columns.
Finished recordings are skipped when the command runs again (``--no-resume`` redoes them).
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..data import RECORDING_EXTENSIONS, iter_windows, read_manifest
from ..utils._check import _check_option, _validate_type
from ..weights import DEFAULT_WEIGHTS, atomic_write
from ._encoder import BPTEncoder

logger = logging.getLogger(__name__)

FORMATS = ("npy", "npz", "parquet")
_SUFFIXES = {"npy": (".onsets.npy", ".npy"), "npz": (".npz",), "parquet": (".parquet",)}


class _Recording(NamedTuple):
    path: Path
    sfreq: float | None
    subject: str | None
    out: Path  # output path without suffix


def _stem(path: Path) -> str:
    name = path.name
    return name[:-len(".fif.gz")] if name.lower().endswith(".fif.gz") else path.stem


def _is_recording(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(RECORDING_EXTENSIONS)


def list_recordings(sources: Any, out_dir: str | os.PathLike, sfreq: float | None = None
                    ) -> list[_Recording]:
    """The recordings of ``sources`` in a fixed order, each with its output path.

    A folder contributes every recording file below it (sorted; outputs mirror its
    subfolders, files under ``out_dir`` are ignored); a ``.csv`` manifest its rows, in
    order; a recording file itself.
    """
    out_dir = Path(out_dir).resolve()
    items = sources if isinstance(sources, (list, tuple)) else [sources]
    found: list[_Recording] = []
    for item in items:
        _validate_type(item, "path-like", "sources")
        p = Path(item)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if _is_recording(f)
                           and out_dir not in f.resolve().parents)
            if not files:
                raise ValueError(f"Folder {str(p)!r} holds no recording "
                                 f"({', '.join(RECORDING_EXTENSIONS)}).")
            found += [_Recording(f, sfreq, None, out_dir / f.relative_to(p).parent / _stem(f))
                      for f in files]
        elif p.suffix.lower() == ".csv" and p.is_file():
            found += [_Recording(f, s, subj, out_dir / _stem(f)) for f, s, subj in
                      read_manifest(p, sfreq)]
        elif _is_recording(p):
            found.append(_Recording(p, sfreq, None, out_dir / _stem(p)))
        else:
            raise FileNotFoundError(
                f"{str(p)!r} is not a folder, a .csv manifest or a recording file "
                f"({', '.join(RECORDING_EXTENSIONS)}); check the path.")
    seen: dict[Path, Path] = {}
    for rec in found:
        if rec.out in seen:
            raise ValueError(f"{str(seen[rec.out])!r} and {str(rec.path)!r} would both be "
                             f"written to {str(rec.out)!r}.*; rename one, or embed them into "
                             "different output folders.")
        seen[rec.out] = rec.path
    return found


def _rank_env() -> tuple[int, int, int | None]:
    """(rank, world size, local rank) from torchrun's environment variables."""
    def read(name: str, default: int | None) -> int | None:
        value = os.environ.get(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"Environment variable {name}={value!r} must be an integer "
                             "(it is set by torchrun).") from None

    rank, world = read("RANK", 0), read("WORLD_SIZE", 1)
    if not 0 <= rank < world:
        raise ValueError(f"RANK={rank} must lie in 0..WORLD_SIZE-1 (WORLD_SIZE={world}).")
    return rank, world, read("LOCAL_RANK", None)


def _device(device: Any, local_rank: int | None, precision: str) -> Any:
    import torch

    if str(device) != "auto":
        return device
    if precision == "int8" or not torch.cuda.is_available():
        return "cpu"
    return f"cuda:{local_rank}" if local_rank is not None else "cuda"


def _outputs(rec: _Recording, fmt: str) -> list[Path]:
    """Output files, the last one written last (its presence means the recording is done)."""
    return [rec.out.with_name(rec.out.name + s) for s in _SUFFIXES[fmt]]


def _save_npy(array: np.ndarray):
    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:  # a file object: np.save would append .npy to a name
            np.save(fh, array)
    return write


def _write(rec: _Recording, fmt: str, emb: np.ndarray, onsets: np.ndarray,
           enc: BPTEncoder, weights: Any) -> Path:
    paths = _outputs(rec, fmt)
    names = [str(n) for n in enc.get_feature_names_out()]
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
        meta = {"source": str(rec.path), "subject": rec.subject or "", "weights": str(weights)}
        table = pa.table(columns).replace_schema_metadata(meta)
        atomic_write(paths[0], lambda tmp: pq.write_table(table, tmp))
    return paths[-1]


def _refit(enc: BPTEncoder, windows: Any) -> None:
    """Learn the scaling of a new recording, keeping the encoder's loaded model (a full
    ``fit`` would read and hash the weight file again for every recording)."""
    signals = enc._signals(windows)
    n_patches = enc._n_patches(signals, enc.model_.config)
    enc._set_fitted(enc._input_state(signals, enc.model_, n_patches))


def embed_recordings(sources: Any, out_dir: str | os.PathLike, *, weights: Any = DEFAULT_WEIGHTS,
                     fmt: str = "npy", resume: bool = True, n_patches: int = 15,
                     n_fit_windows: int = 32, sfreq: float | None = None,
                     precision: str = "fp32", batch_size: int = 32, device: Any = "auto",
                     progress: bool = True, skip_errors: bool = False,
                     encoder_params: dict[str, Any] | None = None,
                     **window_params: Any) -> dict[str, list[Path]]:
    """Embed recordings to disk with a :class:`~bptlearn.BPTEncoder`, one output each.

    Each recording is streamed with :meth:`BPTEncoder.transform_recording` (read stretch
    by stretch, never whole) into windows of ``n_patches`` patches of 6 s. The input
    scaling is fitted **per recording**, on its first ``n_fit_windows`` windows (streamed;
    memory ``n_fit_windows x n_chans x n_patches x 1500`` float32): per channel for the
    shipped weights, as they were pretrained. Outputs are written atomically (temporary
    file, then rename), so an interrupted run never leaves a truncated file, and a rerun
    with ``resume=True`` skips recordings whose output exists. Under ``torchrun`` each
    process takes the recordings ``i`` with ``i % WORLD_SIZE == RANK`` (environment
    variables; no process group needed) and runs on ``cuda:LOCAL_RANK`` when CUDA is there.

    Parameters
    ----------
    sources : path-like or list of path-like
        Folders (every recording file below, sorted), ``.csv`` manifests (``path``, optional
        ``sfreq`` and ``subject`` columns) or recording files.
    out_dir : path-like
        Output folder (created); outputs of a folder mirror its subfolders.
    weights : str, path-like or None, default='bpt_nano.shipped'
        Encoder weights (``None``: random init, for tests only).
    fmt : {'npy', 'npz', 'parquet'}, default='npy'
        ``'npy'``: ``<stem>.npy`` embeddings (n_windows, n_features) float32 and
        ``<stem>.onsets.npy`` window starts in s; ``'npz'``: one ``<stem>.npz`` with
        ``embeddings``, ``onsets``, ``feature_names``; ``'parquet'``: ``<stem>.parquet``, an
        ``onset`` column then one column per feature (needs pyarrow).
    resume : bool, default=True
        Skip recordings whose output exists.
    n_patches : int, default=15
        Patches of 6 s per window (one embedding per window).
    n_fit_windows : int, default=32
        Windows at the start of each recording the scaling is fitted on.
    sfreq : float or None, default=None
        Sampling rate of ``.npy`` recordings not listed with one in a manifest.
    precision, batch_size, device
        As in :class:`~bptlearn.BPTEncoder`; ``device='auto'`` is ``cuda:LOCAL_RANK``
        under torchrun.
    progress : bool, default=True
        Progress bar over recordings (rank 0 only).
    skip_errors : bool, default=False
        Log a failing recording and go on, instead of raising.
    encoder_params : dict or None, default=None
        More :class:`~bptlearn.BPTEncoder` parameters (``layer``, ``pooling``, ...);
        ``random_state`` defaults to 0, so that every rank builds the same encoder.
    **window_params
        Passed to :func:`~bptlearn.data.iter_windows` (``stride``, ``picks``, ``l_freq``...).

    Returns
    -------
    report : dict of str to list of Path
        This rank's ``'written'``, ``'skipped'`` (already done) and ``'failed'`` outputs.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from bptlearn.estimators._embed_cli import embed_recordings
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = tmp.name
    >>> np.save(os.path.join(folder, "p01.npy"), np.random.default_rng(0).normal(
    ...     size=(3, 250 * 30)).astype(np.float32))
    >>> report = embed_recordings(folder, os.path.join(folder, "out"), weights=None, sfreq=250.0,
    ...                           n_patches=1, device="cpu", progress=False)
    >>> np.load(report["written"][0]).shape
    (5, 274)
    >>> tmp.cleanup()
    """
    from tqdm.auto import tqdm

    _check_option("fmt", fmt, FORMATS)
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError as err:
            raise ImportError("fmt='parquet' needs pyarrow, which is not installed. Install it "
                              "(pip install pyarrow) or use fmt='npy'.") from err
    n_fit_windows = int(_validate_type(n_fit_windows, "int-like", "n_fit_windows"))
    if n_fit_windows < 1:
        raise ValueError(f"n_fit_windows must be >= 1, got {n_fit_windows}.")
    recordings = list_recordings(sources, out_dir, sfreq)
    rank, world, local_rank = _rank_env()
    # one seed for every rank, so that weights=None gives the same random encoder on each
    enc = BPTEncoder(**{"random_state": 0, **(encoder_params or {}), "weights": weights,
                        "precision": precision,
                        "batch_size": batch_size,
                        "device": _device(device, local_rank, precision)})
    enc._check_params()
    report: dict[str, list[Path]] = {"written": [], "skipped": [], "failed": []}
    mine = recordings[rank::world]
    for rec in tqdm(mine, disable=not progress or rank != 0, unit="recording", desc="embed"):
        if resume and all(p.exists() for p in _outputs(rec, fmt)):
            report["skipped"].append(_outputs(rec, fmt)[-1])
            continue
        try:
            params = dict(window_params, n_patches=n_patches)
            first = next(iter_windows(rec.path, rec.sfreq, batch_size=n_fit_windows, **params))
            if hasattr(enc, "model_"):
                _refit(enc, first)
            else:
                enc.fit(first)
            emb, onsets = enc.transform_recording(rec.path, sfreq=rec.sfreq, **params)
            report["written"].append(_write(rec, fmt, emb, onsets, enc, weights))
            logger.info("rank %d: %s -> %d windows", rank, rec.path.name, len(emb))
        except Exception:
            if not skip_errors:
                raise
            logger.exception("rank %d: could not embed %s; skipped", rank, rec.path)
            report["failed"].append(_outputs(rec, fmt)[-1])
    return report


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``embed`` subcommand to the ``bptlearn`` parser."""
    p = subparsers.add_parser(
        "embed", help="embed a folder or manifest of recordings to disk (resumable, torchrun)",
        description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sources", nargs="+", help="folders, manifest CSVs or recording files")
    p.add_argument("out_dir", help="output folder")
    p.add_argument("--format", dest="fmt", default="npy", choices=FORMATS)
    p.add_argument("--weights", default=DEFAULT_WEIGHTS,
                   help="weights name or file (default: %(default)s; 'none': random init)")
    p.add_argument("--precision", default="fp32", choices=("fp32", "bf16", "fp16", "int8"))
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--sfreq", type=float, default=None, help="rate of .npy files, Hz")
    p.add_argument("--n-patches", type=int, default=15, help="6-s patches per window")
    p.add_argument("--stride", type=float, default=None, help="seconds between window starts")
    p.add_argument("--n-fit-windows", type=int, default=32,
                   help="windows the per-recording scaling is fitted on")
    p.add_argument("--layer", default="temporal", choices=("temporal", "spatial"))
    p.add_argument("--pooling", default="mean+std",
                   choices=("mean", "mean+std", "channel", "token"))
    p.add_argument("--no-resume", dest="resume", action="store_false",
                   help="embed again recordings whose output exists")
    p.add_argument("--skip-errors", action="store_true", help="log failures and go on")
    p.add_argument("--no-progress", dest="progress", action="store_false")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``bptlearn embed`` with parsed arguments; 1 when a recording failed."""
    weights = None if str(args.weights).lower() == "none" else args.weights
    if weights is None:
        logger.warning("--weights none: a randomly initialised encoder (for tests only).")
    report = embed_recordings(
        args.sources, args.out_dir, weights=weights, fmt=args.fmt, resume=args.resume,
        n_patches=args.n_patches, n_fit_windows=args.n_fit_windows, sfreq=args.sfreq,
        precision=args.precision, batch_size=args.batch_size, device=args.device,
        progress=args.progress, skip_errors=args.skip_errors, stride=args.stride,
        encoder_params={"layer": args.layer, "pooling": args.pooling})
    logger.info("written %d, skipped %d, failed %d", *map(len, report.values()))
    return 1 if report["failed"] else 0
