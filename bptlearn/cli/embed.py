"""``bptlearn embed``: embed a folder or manifest of recordings to disk, one file each.

One process (CPU or one GPU)::

    bptlearn embed RECORDINGS_DIR OUT_DIR --format parquet --n-patches 5

EDF and BrainVision files load every channel as EEG; say what they hold::

    bptlearn embed clinic/ OUT_DIR --ch-types seeg --l-freq 0.5 --notch 50

Several GPUs or nodes (each rank embeds its own share of the recordings)::

    torchrun --nproc_per_node 8 -m bptlearn.cli embed manifest.csv OUT_DIR --precision bf16

A manifest is a CSV file with a ``path`` column (relative paths are read from the
manifest's folder) and optional ``sfreq`` (Hz, for ``.npy``), ``subject``, ``ch_types``,
``picks``, ``l_freq``, ``h_freq`` and ``notch`` columns, which override the options for
their row. The output folder may not be or contain an input. Beside each output, a
``.embed.json`` file keeps the settings and the input's SHA-256: a rerun skips a
recording only when both match (``--no-resume`` redoes all). Recordings shorter than one
window are listed in the summary; the exit status is 1 only when nothing was embedded
(with ``--strict``: when anything was not).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
from pathlib import Path
from typing import Any

from .._version import __version__
from ..utils._dist import torchrun_env
from ._embed_io import FORMATS

logger = logging.getLogger(__name__)

NAME = "embed"
HELP = "embed a folder or manifest of recordings to disk (resumable, torchrun)"
DEFAULT_WEIGHTS = "bpt_nano.shipped"  # bptlearn.weights.DEFAULT_WEIGHTS, without torch
DEFAULT_PICKS = ("seeg", "ecog", "dbs")
_FLOAT_COLUMNS = ("l_freq", "h_freq", "notch")


def _check_out_dir(sources: list[Path], out_dir: Path) -> None:
    """Refuse an output folder that is, or holds, an input (it could be written over)."""
    out = out_dir.resolve()
    for src in sources:
        path = src.resolve()
        if path == out or out in path.parents:
            raise ValueError(
                f"The output folder {str(out_dir)!r} {'is' if path == out else 'contains'} the "
                f"input {str(src)!r}; bptlearn embed never writes where its inputs are, as "
                f"an output could replace a recording. Choose an output folder outside the "
                f"inputs, e.g. {str(out_dir / 'embeddings')!r}.")


def _stem(path: Path) -> str:
    name = path.name
    return name[:-len(".fif.gz")] if name.lower().endswith(".fif.gz") else path.stem


def _split(text: str) -> list[str]:
    return [t for t in re.split(r"[,;\s]+", text) if t]


def _ch_types(text: str | None) -> str | dict[str, str] | None:
    """``'seeg'`` (every channel) or ``'LA1=seeg,LB1=ecog'`` (by name)."""
    if text is None or "=" not in text:
        return text
    return dict(item.split("=", 1) for item in _split(text))


def _row_options(rec: Any, defaults: dict[str, Any]) -> dict[str, Any]:
    """This recording's reading and window options: the defaults, then its manifest cells."""
    opts = dict(defaults)
    for key, text in rec.options.items():
        if key in _FLOAT_COLUMNS:
            try:
                opts[key] = float(text)
            except ValueError:
                raise ValueError(f"Manifest row of {str(rec.path)!r}: {key} {text!r} is not a "
                                 f"frequency in Hz; write a number or leave it empty.") from None
        elif key == "picks":
            opts[key] = tuple(_split(text))
        elif key == "ch_types":
            opts[key] = _ch_types(text)
    if rec.subject is not None:
        opts["subject"] = rec.subject
    return opts


def _device(device: Any, local_rank: int | None, precision: str) -> Any:
    import torch

    if str(device) != "auto":
        return device
    if precision == "int8" or not torch.cuda.is_available():
        return "cpu"
    return f"cuda:{local_rank}" if local_rank is not None else "cuda"


def _plan(sources: Any, out_dir: Path, sfreq: float | None) -> list[tuple[Any, Path]]:
    """(recording, output path without suffix) pairs, after the overwrite check."""
    from ..data import list_recordings

    items = sources if isinstance(sources, (list, tuple)) else [sources]
    _check_out_dir([Path(s) for s in items], out_dir)  # before a folder is even listed
    recordings = list_recordings(items, sfreq, exclude=out_dir)
    _check_out_dir([r.path for r in recordings], out_dir)  # a manifest's rows
    seen: dict[Path, Path] = {}
    plan = []
    for rec in recordings:
        out = out_dir.resolve() / rec.relative.parent / _stem(rec.path)
        if out in seen:
            raise ValueError(f"{str(seen[out])!r} and {str(rec.path)!r} would both be "
                             f"written to {str(out)!r}.*; rename one, or embed them into "
                             "different output folders.")
        seen[out] = rec.path
        plan.append((rec, out_dir / rec.relative.parent / _stem(rec.path)))
    return plan


def _refit(enc: Any, windows: Any) -> None:
    """Learn the scaling of a new recording, keeping the encoder's loaded model (a full
    ``fit`` would read and hash the weight file again for every recording)."""
    model = enc.encoder_
    signals = enc._signals(windows)
    enc._set_fitted(enc._input_state(signals, model, enc._n_patches(signals, model.config)))


def _open(rec: Any, opts: dict[str, Any]) -> Any:
    """What iter_windows streams: a ``.npy`` path, or a lazily read Raw."""
    from ..data import read_recording

    if rec.path.suffix.lower() == ".npy":
        return rec.path
    return read_recording(rec.path, rec.sfreq, ch_types=opts["ch_types"],
                          subject=opts["subject"])


def embed_recordings(sources: Any, out_dir: str | os.PathLike, *, weights: Any = DEFAULT_WEIGHTS,
                     fmt: str = "npy", resume: bool = True, n_patches: int = 15,
                     n_fit_windows: int = 32, sfreq: float | None = None,
                     precision: str = "fp32", batch_size: int = 32, device: Any = "auto",
                     progress: bool = True, skip_errors: bool = False, strict: bool = False,
                     ch_types: str | dict[str, str] | None = None, subject: str | None = None,
                     encoder_params: dict[str, Any] | None = None,
                     **window_params: Any) -> dict[str, list[Path]]:
    """Embed recordings to disk with a :class:`~bptlearn.BPTEncoder`, one output each.

    Each recording is streamed with :meth:`BPTEncoder.transform_recording` (read stretch
    by stretch, never whole) into windows of ``n_patches`` patches of 6 s. The input
    scaling is fitted **per recording**, on its first ``n_fit_windows`` windows. Outputs
    are written atomically (temporary file, then rename), then a ``<stem>.embed.json``
    sidecar with the settings and the input's SHA-256. With ``resume=True`` a recording
    is skipped only when its sidecar matches this run; otherwise it is embedded again
    (``strict=True``: refused). Under ``torchrun`` each process takes the recordings
    ``i`` with ``i % WORLD_SIZE == RANK`` and runs on ``cuda:LOCAL_RANK``.

    Parameters
    ----------
    sources : path-like or list of path-like
        Folders (every recording file below, sorted), ``.csv`` manifests or recording
        files, as :func:`bptlearn.data.list_recordings` reads them.
    out_dir : path-like
        Output folder (created); outputs of a folder mirror its subfolders. It may not
        be, or contain, an input.
    weights : str, path-like or None, default='bpt_nano.shipped'
        Encoder weights (``None``: random init, for tests only).
    fmt : {'npy', 'npz', 'parquet'}, default='npy'
        ``'npy'``: ``<stem>.npy`` embeddings (n_windows, n_features) float32 and
        ``<stem>.onsets.npy`` window starts in s; ``'npz'``: one ``<stem>.npz`` with
        ``embeddings``, ``onsets``, ``feature_names``; ``'parquet'``: ``<stem>.parquet``, an
        ``onset`` column then one column per feature, with ``source``, ``subject`` and
        ``weights`` in its metadata (needs pyarrow).
    resume : bool, default=True
        Skip recordings whose outputs were made from the same input with the same settings.
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
    strict : bool, default=False
        Raise when an existing output was made with other settings or another input,
        instead of embedding it again.
    ch_types : str, dict or None, default=None
        Channel types to set on files other than ``.npy`` (EDF and BrainVision load
        every channel as ``'eeg'``), as :func:`bptlearn.data.read_recording` takes them.
    subject : str or None, default=None
        Subject id of every recording (a manifest's ``subject`` column wins; else the
        file's ``his_id``).
    encoder_params : dict or None, default=None
        More :class:`~bptlearn.BPTEncoder` parameters (``layer``, ``pooling``, ...);
        ``random_state`` defaults to 0, so that every rank builds the same encoder.
    **window_params
        Passed to :func:`~bptlearn.data.iter_windows` (``stride``, ``picks``, ``l_freq``,
        ``h_freq``, ``notch``).

    Returns
    -------
    report : dict of str to list of Path
        This rank's ``'written'``, ``'skipped'`` (up to date), ``'short'`` (shorter than
        one window; nothing written) and ``'failed'`` outputs.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from bptlearn.cli.embed import embed_recordings
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = os.path.join(tmp.name, "recordings")
    >>> os.mkdir(folder)
    >>> np.save(os.path.join(folder, "p01.npy"), np.random.default_rng(0).normal(
    ...     size=(3, 250 * 30)).astype(np.float32))
    >>> report = embed_recordings(folder, os.path.join(tmp.name, "out"), weights=None,
    ...                           sfreq=250.0, n_patches=1, device="cpu", progress=False)
    >>> np.load(report["written"][0]).shape
    (5, 137)
    >>> tmp.cleanup()
    """
    from tqdm.auto import tqdm

    from ..data import iter_windows
    from ..data._preprocess import _TooShortError
    from ..estimators import BPTEncoder
    from ..utils._check import _check_option, _validate_type
    from . import _embed_io as io

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
    plan = _plan(sources, Path(out_dir), sfreq)
    rank, world, local_rank = torchrun_env()
    # one seed for every rank, so that weights=None gives the same random encoder on each;
    # n_components=None: a compression learned per recording would differ between files
    enc = BPTEncoder(**{"random_state": 0, "n_components": None, **(encoder_params or {}),
                        "weights": weights, "precision": precision, "batch_size": batch_size,
                        "device": _device(device, local_rank, precision)})
    enc._check_params()
    readout = {k: str(v) for k, v in enc.get_params().items()
               if k in ("layer", "pooling", "extra_features", "n_components", "scaling",
                        "preset")}
    run_settings = {"bptlearn": __version__, "weights": str(weights),
                    "weights_sha256": io.weights_fingerprint(weights), "precision": precision,
                    "format": fmt, "n_patches": n_patches, "n_fit_windows": n_fit_windows,
                    **readout}
    defaults = {"picks": DEFAULT_PICKS, "ch_types": ch_types, "subject": subject,
                **window_params}
    report: dict[str, list[Path]] = {"written": [], "skipped": [], "short": [], "failed": []}
    for rec, out in tqdm(plan[rank::world], disable=not progress or rank != 0,
                         unit="recording", desc="embed"):
        main = io.outputs(out, fmt)[-1]
        io.remove_stray_tmp(out, fmt)
        try:
            opts = _row_options(rec, defaults)
            settings = {**run_settings, "source": rec.path.name, "sfreq": rec.sfreq,
                        "source_sha256": io.source_sha256(rec.path),
                        **{k: v if isinstance(v, (str, float, int, type(None))) else
                           repr(v) for k, v in opts.items()}}
            if resume and all(p.exists() for p in io.outputs(out, fmt)):
                changed = io.differences(io.read_sidecar(out), settings)
                if not changed:
                    report["skipped"].append(main)
                    continue
                if strict:
                    raise ValueError(
                        f"{str(main)!r} exists but was not made from this input with these "
                        f"settings ({'; '.join(changed)}). Rerun without --strict to embed it "
                        f"again, or choose another output folder.")
                logger.warning("%s: embedding again (%s)", main.name, "; ".join(changed))
            window = {k: v for k, v in opts.items() if k not in ("ch_types", "subject")}
            source = _open(rec, opts)
            try:
                first = next(iter_windows(source, rec.sfreq, batch_size=n_fit_windows,
                                          n_patches=n_patches, **window))
            except _TooShortError as err:
                logger.warning("%s: %s Nothing written.", rec.path.name, err)
                report["short"].append(main)
                continue
            if hasattr(enc, "n_chans_in_"):
                _refit(enc, first)
            else:
                enc.fit(first)
            emb, onsets = enc.transform_recording(source, sfreq=rec.sfreq, n_patches=n_patches,
                                                  **window)
            found = None if first.groups is None else str(first.groups[0])
            meta = {"source": str(rec.path), "subject": opts["subject"] or found or "",
                    "weights": str(weights)}
            names = [str(n) for n in enc.get_feature_names_out()]
            report["written"].append(io.write_outputs(out, fmt, emb, onsets, names, meta,
                                                      settings))
            logger.info("rank %d: %s -> %d windows", rank, rec.path.name, len(emb))
        except Exception:
            if not skip_errors:
                raise
            logger.exception("rank %d: could not embed %s; skipped", rank, rec.path)
            report["failed"].append(main)
    return report


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the ``embed`` options to its parser."""
    from ..nn import LAYERS, PRECISIONS
    from ..nn.readout import POOLINGS

    p.add_argument("sources", nargs="+", help="folders, manifest CSVs or recording files")
    p.add_argument("out_dir", help="output folder (not an input, nor holding one)")
    p.add_argument("--format", dest="fmt", default="npy", choices=FORMATS,
                   help="output file format")
    p.add_argument("--weights", default=DEFAULT_WEIGHTS,
                   help="weights name or file ('none': random init, for tests)")
    p.add_argument("--precision", default="fp32", choices=PRECISIONS, help="inference precision")
    p.add_argument("--batch-size", type=int, default=32, help="windows per forward pass")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--sfreq", type=float, default=None, help="rate of .npy files, Hz")
    p.add_argument("--ch-types", default=None, metavar="TYPE",
                   help="channel type of every channel (e.g. seeg), or NAME=TYPE pairs "
                        "(LA1=seeg,LB1=ecog); EDF and BrainVision load channels as eeg")
    p.add_argument("--picks", default=",".join(DEFAULT_PICKS), metavar="TYPES",
                   help="channel types embedded, comma-separated (seeg, ecog, dbs, eeg)")
    p.add_argument("--l-freq", type=float, default=None, help="high-pass edge, Hz")
    p.add_argument("--h-freq", type=float, default=None, help="low-pass edge, Hz")
    p.add_argument("--notch", type=float, default=None,
                   help="line-noise frequency, Hz (harmonics added)")
    p.add_argument("--subject", default=None,
                   help="subject id of every recording (parquet metadata; default: the "
                        "manifest's subject column, else the file's his_id)")
    p.add_argument("--n-patches", type=int, default=15, help="6-s patches per window")
    p.add_argument("--stride", type=float, default=None,
                   help="seconds between window starts (default: one window)")
    p.add_argument("--n-fit-windows", type=int, default=32,
                   help="windows the per-recording scaling is fitted on")
    p.add_argument("--layer", default="temporal", choices=LAYERS,
                   help="encoder layer read out")
    p.add_argument("--pooling", default="mean", choices=POOLINGS,
                   help="readout pooling (BPTEncoder's default; every embedding column is kept)")
    p.add_argument("--no-resume", dest="resume", action="store_false",
                   help="embed again recordings whose outputs are up to date")
    p.add_argument("--strict", action="store_true",
                   help="fail on a recording that is too short or whose existing output "
                        "has other settings")
    p.add_argument("--skip-errors", action="store_true", help="log failures and go on")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="hide the progress bar")


def run(args: argparse.Namespace) -> int:
    """Run ``bptlearn embed`` with parsed arguments; returns the exit code."""
    weights = None if str(args.weights).lower() == "none" else args.weights
    if weights is None:
        logger.warning("--weights none: a randomly initialised encoder (for tests only).")
    report = embed_recordings(
        args.sources, args.out_dir, weights=weights, fmt=args.fmt, resume=args.resume,
        n_patches=args.n_patches, n_fit_windows=args.n_fit_windows, sfreq=args.sfreq,
        precision=args.precision, batch_size=args.batch_size, device=args.device,
        progress=args.progress, skip_errors=args.skip_errors, strict=args.strict,
        ch_types=_ch_types(args.ch_types), subject=args.subject, stride=args.stride,
        picks=tuple(_split(args.picks)), l_freq=args.l_freq, h_freq=args.h_freq,
        notch=args.notch, encoder_params={"layer": args.layer, "pooling": args.pooling})
    print(summary(report))
    done = len(report["written"]) + len(report["skipped"])
    if report["failed"] or (args.strict and report["short"]):
        return 1
    return 1 if any(report.values()) and not done else 0


def summary(report: dict[str, list[Path]]) -> str:
    """One line per outcome of :func:`embed_recordings`, naming the files not embedded."""
    lines = [f"bptlearn embed: {len(report['written'])} embedded, {len(report['skipped'])} up "
             f"to date, {len(report['short'])} too short, {len(report['failed'])} failed."]
    for key, why in (("short", "shorter than one window (try a smaller --n-patches)"),
                     ("failed", "failed (see the log above)")):
        for path in report[key]:
            lines.append(f"  {path.name}: {why}")
    return "\n".join(lines)
