"""The pretraining loop: one process on CPU or GPU, or many under ``torchrun`` (DDP)."""

from __future__ import annotations

import csv
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.optim.lr_scheduler import CyclicLR
from tqdm.auto import tqdm

from ..nn.masking import random_mask
from ..nn.model import BPTModel
from ..utils._dist import torchrun_env
from ..weights import load, save
from ._config import RESUMABLE, PretrainConfig
from ._data import Recording, collate, collate_events, load_recordings, plan_epoch
from ._objectives import PretrainModule, get_objective
from ._state import (
    read_checkpoint_state,
    rng_state,
    run_lock,
    set_rng_state,
    write_checkpoint,
)

logger = logging.getLogger(__name__)


def _distributed(device: str) -> tuple[int, int, torch.device, bool]:
    """(rank, world size, device, whether we started the process group)."""
    _, world, local = torchrun_env()
    if world <= 1:
        return 0, 1, torch.device(device), False
    local = 0 if local is None else local
    cuda = device.startswith("cuda")
    started = not dist.is_initialized()
    if started:
        dist.init_process_group(backend="nccl" if cuda else "gloo")
    dev = torch.device(f"cuda:{local}") if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(dev)
    return dist.get_rank(), dist.get_world_size(), dev, started


def _batches(recordings: list[Recording], cfg: PretrainConfig, window: int, epoch: int,
             index: int, rank: int, world: int) -> Iterator[tuple[int, int, list]]:
    """Yield (epoch, index of the next batch, batch) forever from a data position."""
    while True:
        plan = plan_epoch(recordings, window, cfg.batch_size, cfg.seed, epoch, rank, world)
        if not plan:
            raise ValueError(
                f"An epoch holds no batch for rank {rank} of {world}: the data give fewer "
                "windows than processes. Add recordings or lower n_patches."
            )
        for i in range(index, len(plan)):
            yield epoch, i + 1, plan[i]
        epoch, index = epoch + 1, 0


def _mask_generator(seed: int, rank: int, step: int, micro: int) -> torch.Generator:
    entropy = np.random.SeedSequence([seed, rank, step, micro]).generate_state(1)[0]
    return torch.Generator().manual_seed(int(entropy))


class _LossLog:
    """Append-only CSV or JSON-lines log; on resume, rows past the checkpoint are dropped."""

    PARTS = ("loss_rec", "loss_spec", "loss_tok", "loss_event", "loss_vc")
    COLUMNS = ("step", "epoch", "loss", *PARTS, "lr", "grad_norm", "tokens", "tokens_per_s",
               "elapsed_s")

    def __init__(self, out_dir: Path, fmt: str, keep_until: int) -> None:
        self.path = out_dir / ("log.csv" if fmt == "csv" else "log.jsonl")
        self.fmt = fmt
        rows = self.read() if self.path.exists() else []
        rows = [r for r in rows if int(r["step"]) <= keep_until]
        with open(self.path, "w", newline="") as fh:
            if fmt == "csv":
                writer = csv.DictWriter(fh, self.COLUMNS)
                writer.writeheader()
                writer.writerows(rows)
            else:
                fh.writelines(json.dumps(r) + "\n" for r in rows)

    def read(self) -> list[dict[str, Any]]:
        with open(self.path, newline="") as fh:
            if self.fmt == "csv":
                return list(csv.DictReader(fh))
            return [json.loads(line) for line in fh if line.strip()]

    def append(self, row: dict[str, Any]) -> None:
        with open(self.path, "a", newline="") as fh:
            if self.fmt == "csv":
                csv.DictWriter(fh, self.COLUMNS).writerow(row)
            else:
                fh.write(json.dumps(row) + "\n")


def _build(cfg: PretrainConfig) -> BPTModel:
    torch.manual_seed(cfg.seed)
    overrides = {"learnable_mask": cfg.learnable_mask, **cfg.model_overrides}
    if cfg.init is not None:
        model = load(cfg.init, **cfg.model_overrides)
        for p in (model.embed.mask_encoding, model.embed.power_mask_encoding):
            p.requires_grad_(cfg.learnable_mask)
        return model.train()
    return BPTModel(preset=cfg.preset, **overrides)


def _contract(model: BPTModel) -> dict[str, Any]:
    """The input contract of weights pretrained here (scaled by robust channel statistics)."""
    c = model.config
    return {"sfreq": c.sfreq, "patch_len": c.patch_len, "n_patches": c.n_patches,
            "band_sfreq": c.band_sfreq, "normalization": "robust_channel"}


def _check_resume(state: dict[str, Any], cfg: PretrainConfig, world: int, out_dir: Path) -> None:
    saved = state.get("pretrain_config", {})
    now = cfg.to_dict()
    diff = {k: (saved.get(k), now[k]) for k in now
            if k not in RESUMABLE and saved.get(k, now[k]) != now[k]}  # new fields: defaults
    if diff:
        detail = "; ".join(f"{k}: checkpoint {a!r}, now {b!r}" for k, (a, b) in diff.items())
        raise ValueError(
            f"Cannot resume {str(out_dir)!r} with different settings ({detail}). Use the "
            "settings of the original run, or start a new run in another out_dir."
        )
    if state.get("world_size", 1) != world:
        logger.warning("resuming a %d-process run on %d processes: the data order and random "
                       "streams differ from an uninterrupted run", state.get("world_size"), world)


def pretrain(data: Any = None, out_dir: str | os.PathLike = "bptlearn-pretrain", *,
             resume: bool = False, config: PretrainConfig | None = None,
             **options: Any) -> BPTModel:
    """Pretrain a Brant model by masked reconstruction.

    Parameters
    ----------
    data : path-like, list or None
        A folder of recordings, a manifest CSV, files or ``(n_chans, n_times)`` arrays
        (see :func:`load_recordings`); ``None`` with ``synthetic=N``.
    out_dir : path-like, default='bptlearn-pretrain'
        Run folder: ``last.pt`` (training checkpoint), ``log.csv`` / ``log.jsonl``,
        ``model.safetensors`` (final weights with their input contract), and ``run.lock``
        while the run lasts: a second run in the same folder refuses, naming the PID of
        the first (a lock left by a dead process is taken over).
    resume : bool, default=False
        Continue the run in ``out_dir`` from its last checkpoint (starts afresh if there is
        none). Without it an ``out_dir`` holding a checkpoint is refused.
    config : PretrainConfig or None
        All settings at once; ``options`` override its fields.
    **options
        Fields of :class:`PretrainConfig` (``preset``, ``objective``, ``steps``, ...).

    Returns
    -------
    model : BPTModel
        The pretrained model (eval mode), on every rank.

    Examples
    --------
    >>> import tempfile
    >>> from bptlearn.pretraining import pretrain
    >>> folder = tempfile.TemporaryDirectory()
    >>> model = pretrain(out_dir=folder.name, synthetic=2, synthetic_duration=60.0,
    ...                  n_patches=2, batch_size=2, steps=2, progress=False,
    ...                  model_overrides=dict(d_model=16, nhead=2, dim_feedforward=32,
    ...                                       n_temporal_layers=1, n_spatial_layers=1))
    >>> model.config.d_model
    16
    >>> folder.cleanup()
    """
    unknown = set(options) - {f.name for f in fields(PretrainConfig)}
    if unknown:
        raise TypeError(
            f"Unknown pretrain option(s) {sorted(unknown)}; the options are the fields of "
            f"PretrainConfig: {[f.name for f in fields(PretrainConfig)]}."
        )
    cfg = replace(config, **options) if config is not None else PretrainConfig(**options)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # one run per folder: the first process of a run (rank 0 under torchrun) holds the lock
    with run_lock(out_dir) if int(os.environ.get("RANK", "0")) == 0 else nullcontext():
        if not resume and (out_dir / "last.pt").exists():
            raise ValueError(
                f"{str(out_dir)!r} already holds a checkpoint (last.pt). Pass resume=True "
                "(--resume) to continue that run, or choose another out_dir."
            )
        threads = torch.get_num_threads()
        if cfg.num_threads is not None:
            torch.set_num_threads(cfg.num_threads)
        rank, world, device, started = _distributed(cfg.device)
        try:
            return _run(data, out_dir, resume, cfg, rank, world, device)
        finally:
            torch.set_num_threads(threads)
            if started:
                dist.destroy_process_group()


def _run(data: Any, out_dir: Path, resume: bool, cfg: PretrainConfig, rank: int, world: int,
         device: torch.device) -> BPTModel:
    objective = get_objective(cfg.objective)
    model = _build(cfg)
    mcfg = model.config
    window = cfg.n_patches * mcfg.patch_len
    if cfg.n_patches > mcfg.n_patches:
        raise ValueError(f"n_patches={cfg.n_patches} exceeds the model's {mcfg.n_patches}.")
    recordings = load_recordings(data, sfreq=cfg.sfreq, synthetic=cfg.synthetic,
                                 synthetic_duration=cfg.synthetic_duration, seed=cfg.seed,
                                 min_times=window, synthetic_families=cfg.synthetic_families,
                                 synthetic_randomize=cfg.synthetic_randomize)
    module = PretrainModule(model, objective).to(device)
    params = [p for p in module.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=cfg.lr_min, betas=cfg.betas,
                           weight_decay=cfg.weight_decay)
    sched = CyclicLR(opt, base_lr=cfg.lr_min, max_lr=cfg.lr_max, step_size_up=cfg.lr_step,
                     cycle_momentum=False)
    state = read_checkpoint_state(out_dir) if resume else None
    step, epoch, index = 0, 0, 0
    if state is not None:
        _check_resume(state, cfg, world, out_dir)
        model.load_state_dict(state["model"])
        for key, head in module.heads().items():
            head.load_state_dict(state[key])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        step = int(state["step"])
        epoch, index = (int(v) for v in state["data_position"])
        rngs = state["rng"]
        set_rng_state(rngs[rank] if rank < len(rngs) else rngs[0])
        logger.info("resumed %s at step %d (epoch %d, batch %d)", out_dir, step, epoch, index)
    else:
        torch.manual_seed(cfg.seed * 7919 + rank + 1)  # dropout stream of this rank
    net = (DistributedDataParallel(module, device_ids=[device] if device.type == "cuda" else
                                   None) if world > 1 else module)
    log = _LossLog(out_dir, cfg.log_format, step) if rank == 0 else None
    batches = _batches(recordings, cfg, window, epoch, index, rank, world)
    autocast = (torch.autocast(device.type, dtype=torch.bfloat16) if cfg.precision == "bf16"
                else nullcontext())
    bar = tqdm(total=cfg.steps, initial=step, disable=not cfg.progress or rank != 0,
               desc="pretrain", unit="step")
    start = time.perf_counter()
    module.train()
    while step < cfg.steps:
        t0, tokens, parts_sum, loss_sum = time.perf_counter(), 0, {}, 0.0
        for micro in range(cfg.accum_steps):
            epoch, index, batch = next(batches)
            x = collate(recordings, batch, cfg.n_patches, mcfg.patch_len).to(device)
            events = (collate_events(recordings, batch, cfg.n_patches, mcfg.patch_len)
                      .to(device) if module.event_head is not None else None)
            mask = random_mask(tuple(x.shape[:3]), objective.mask_ratio,
                               _mask_generator(cfg.seed, rank, step, micro), device)
            sync = micro == cfg.accum_steps - 1 or world == 1
            with nullcontext() if sync else net.no_sync():  # backward inside, as DDP needs
                with autocast:
                    loss, parts = net(x, mask, events)
                if not torch.isfinite(loss):
                    raise FloatingPointError(
                        f"The loss became {float(loss)} at step {step}; lower lr_max, use "
                        "precision='fp32', or check the data for huge or flat channels."
                    )
                (loss / cfg.accum_steps).backward()
            tokens += x.shape[0] * x.shape[1] * x.shape[2]
            loss_sum += float(loss.detach()) / cfg.accum_steps
            for k, v in parts.items():
                parts_sum[k] = parts_sum.get(k, 0.0) + v / cfg.accum_steps
        grad_norm = (torch.nn.utils.clip_grad_norm_(params, cfg.clip_norm)
                     if cfg.clip_norm is not None else torch.tensor(float("nan")))
        lr = opt.param_groups[0]["lr"]
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        rate = tokens * world / max(time.perf_counter() - t0, 1e-9)
        if log is not None:
            log.append({"step": step, "epoch": epoch, "loss": loss_sum,
                        **{part: parts_sum.get(part, "") for part in _LossLog.PARTS}, "lr": lr,
                        "grad_norm": float(grad_norm), "tokens": tokens * world,
                        "tokens_per_s": rate, "elapsed_s": time.perf_counter() - start})
        bar.update(1)
        bar.set_postfix(loss=f"{loss_sum:.4f}", tok_s=f"{rate:,.0f}")
        if step % cfg.checkpoint_every == 0 or step == cfg.steps:
            _checkpoint(out_dir, module, opt, sched, cfg, step, (epoch, index), rank, world)
    bar.close()
    if rank == 0:
        save(model, out_dir / "model.safetensors", contract=_contract(model),
             dtype=getattr(torch, cfg.save_dtype),
             notes=f"bptlearn pretrain: objective={objective.name}, steps={step}, "
                   f"config={json.dumps(cfg.to_dict())}")
    return model.eval()


def _checkpoint(out_dir: Path, module: PretrainModule, opt: torch.optim.Optimizer,
                sched: CyclicLR, cfg: PretrainConfig, step: int, position: tuple[int, int],
                rank: int, world: int) -> None:
    rngs = [rng_state()]
    if world > 1:
        rngs = [None] * world
        dist.all_gather_object(rngs, rng_state())
    if rank != 0:
        return
    write_checkpoint(out_dir, {
        "model": module.model.state_dict(),
        **{key: head.state_dict() for key, head in module.heads().items()},
        "config": module.model.config.to_dict(), "contract": _contract(module.model),
        "objective": get_objective(cfg.objective).to_dict(),
        "pretrain_config": cfg.to_dict(), "optimizer": opt.state_dict(),
        "scheduler": sched.state_dict(), "rng": rngs, "step": step,
        "data_position": list(position), "world_size": world,
    })

