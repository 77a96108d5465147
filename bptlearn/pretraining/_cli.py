"""``bptlearn pretrain``: the command-line face of :func:`bptlearn.pretraining.pretrain`.

Single process::

    bptlearn pretrain DATA_DIR --out run1 --preset nano --steps 2000 --sfreq 1000

Several GPUs or nodes (one process per GPU; each rank reads its own share of batches)::

    torchrun --nproc_per_node 8 -m bptlearn.cli pretrain DATA_DIR --out run1 \\
        --preset large --device cuda --precision bf16 --accum-steps 4
"""

from __future__ import annotations

import argparse
import json
import logging

from ._config import DEFAULT_OBJECTIVE, PretrainConfig
from ._loop import pretrain
from ._objectives import OBJECTIVES

logger = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``pretrain`` subcommand to the ``bptlearn`` parser."""
    d = PretrainConfig()
    p = subparsers.add_parser(
        "pretrain", help="masked-reconstruction pretraining (resumable, DDP under torchrun)",
        description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data", nargs="*", help="folders of recordings, manifest CSVs (column "
                   "'path', optional 'sfreq') or files (.npy channels x samples, .fif, .edf, ...)")
    p.add_argument("--out", default="bptlearn-pretrain", help="run folder (default: %(default)s)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--synthetic", type=int, default=0, metavar="N",
                   help="add N simulated patients (bptlearn.data.make_seeg)")
    p.add_argument("--synthetic-duration", type=float, default=d.synthetic_duration,
                   metavar="S", help="seconds per simulated patient (default: %(default)s)")
    p.add_argument("--sfreq", type=float, default=None, help="rate of .npy files, Hz")
    p.add_argument("--preset", default=d.preset, help="model size (default: %(default)s)")
    p.add_argument("--model", default="{}", metavar="JSON",
                   help='BPTConfig overrides, e.g. \'{"d_model": 64, "nhead": 4}\'')
    p.add_argument("--init", default=None, help="weights to start from (name or file)")
    p.add_argument("--objective", default=DEFAULT_OBJECTIVE, choices=sorted(OBJECTIVES),
                   help="what is masked and scored (default: %(default)s)")
    p.add_argument("--n-patches", type=int, default=d.n_patches)
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--accum-steps", type=int, default=d.accum_steps)
    p.add_argument("--steps", type=int, default=d.steps, help="optimiser steps in total")
    p.add_argument("--lr-min", type=float, default=d.lr_min)
    p.add_argument("--lr-max", type=float, default=d.lr_max)
    p.add_argument("--lr-step", type=int, default=d.lr_step, help="steps from min to max lr")
    p.add_argument("--clip-norm", type=float, default=d.clip_norm)
    p.add_argument("--precision", default=d.precision, choices=("fp32", "bf16"))
    p.add_argument("--device", default=d.device, help="cpu, cuda or cuda:N")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--checkpoint-every", type=int, default=d.checkpoint_every)
    p.add_argument("--log-format", default=d.log_format, choices=("csv", "json"))
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--save-dtype", default=d.save_dtype,
                   choices=("float32", "float16", "bfloat16"),
                   help="storage dtype of model.safetensors (default: %(default)s)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``bptlearn pretrain`` with parsed arguments; returns the exit code."""
    try:
        overrides = json.loads(args.model)
    except json.JSONDecodeError as err:
        raise SystemExit(f"--model must be a JSON object of BPTConfig fields ({err}).") from None
    pretrain(
        args.data or None, args.out, resume=args.resume, preset=args.preset,
        model_overrides=overrides, init=args.init, objective=args.objective,
        n_patches=args.n_patches, batch_size=args.batch_size, accum_steps=args.accum_steps,
        steps=args.steps, lr_min=args.lr_min, lr_max=args.lr_max, lr_step=args.lr_step,
        clip_norm=args.clip_norm, precision=args.precision, device=args.device,
        seed=args.seed, checkpoint_every=args.checkpoint_every, sfreq=args.sfreq,
        synthetic=args.synthetic, synthetic_duration=args.synthetic_duration,
        log_format=args.log_format, progress=not args.no_progress, num_threads=args.threads,
        save_dtype=args.save_dtype,
    )
    logger.info("wrote %s/model.safetensors", args.out)
    return 0
