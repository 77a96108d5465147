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

logger = logging.getLogger(__name__)

NAME = "pretrain"
HELP = "masked-reconstruction pretraining (resumable, DDP under torchrun)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the ``pretrain`` options to its parser."""
    from ..nn.config import PRESETS
    from ..pretraining import DEFAULT_OBJECTIVE, OBJECTIVES, TRAIN_PRECISIONS, PretrainConfig

    d = PretrainConfig()
    p.add_argument("data", nargs="*", help="folders of recordings, manifest CSVs (column "
                   "'path', optional 'sfreq') or files (.npy channels x samples, .fif, .edf, ...)")
    p.add_argument("--out", default="bptlearn-pretrain", help="run folder")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--synthetic", type=int, default=0, metavar="N",
                   help="add N simulated patients (see --synthetic-families)")
    p.add_argument("--synthetic-duration", type=float, default=d.synthetic_duration,
                   metavar="S", help="seconds per simulated patient")
    p.add_argument("--synthetic-families", nargs="+", default=list(d.synthetic_families),
                   metavar="FAMILY", help="simulator families the patients take turns from: "
                   "seeg, neural_mass, neural_mass:wendling, neural_mass:jansen_rit")
    p.add_argument("--synthetic-randomize", action="store_true",
                   help="randomise each simulated patient (background, bursts, HFOs, line "
                   "noise, artefacts, montage, gain, native rate 100 Hz to 2 kHz)")
    p.add_argument("--sfreq", type=float, default=None, help="rate of .npy files, Hz")
    p.add_argument("--preset", default=d.preset, choices=list(PRESETS), help="model size")
    p.add_argument("--model", default="{}", metavar="JSON",
                   help='BPTConfig overrides, e.g. \'{"d_model": 64, "nhead": 4}\'')
    p.add_argument("--init", default=None, help="weights to start from (name or file)")
    p.add_argument("--objective", default=DEFAULT_OBJECTIVE, choices=sorted(OBJECTIVES),
                   help="what is masked and scored")
    p.add_argument("--n-patches", type=int, default=d.n_patches, help="6-s patches per window")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help="windows per batch")
    p.add_argument("--accum-steps", type=int, default=d.accum_steps,
                   help="batches accumulated per optimiser step")
    p.add_argument("--steps", type=int, default=d.steps, help="optimiser steps in total")
    p.add_argument("--lr-min", type=float, default=d.lr_min, help="lowest learning rate")
    p.add_argument("--lr-max", type=float, default=d.lr_max, help="highest learning rate")
    p.add_argument("--lr-step", type=int, default=d.lr_step, help="steps from min to max lr")
    p.add_argument("--clip-norm", type=float, default=d.clip_norm,
                   help="gradient norm clipping")
    p.add_argument("--precision", default=d.precision, choices=TRAIN_PRECISIONS,
                   help="training precision (bf16: autocast)")
    p.add_argument("--device", default=d.device, help="cpu, cuda or cuda:N")
    p.add_argument("--seed", type=int, default=d.seed, help="seed of data order and init")
    p.add_argument("--checkpoint-every", type=int, default=d.checkpoint_every,
                   help="steps between checkpoints")
    p.add_argument("--log-format", default=d.log_format, choices=("csv", "json"),
                   help="format of the training log")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--save-dtype", default=d.save_dtype,
                   choices=("float32", "float16", "bfloat16"),
                   help="storage dtype of model.safetensors")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def run(args: argparse.Namespace) -> int:
    """Run ``bptlearn pretrain`` with parsed arguments; returns the exit code."""
    from ..pretraining import pretrain

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
        synthetic_families=tuple(args.synthetic_families),
        synthetic_randomize=args.synthetic_randomize,
        log_format=args.log_format, progress=not args.no_progress, num_threads=args.threads,
        save_dtype=args.save_dtype,
    )
    logger.info("wrote %s/model.safetensors", args.out)
    return 0
