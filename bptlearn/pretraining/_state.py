"""Training checkpoints: atomic, ``weights_only``-loadable, with everything a resume needs.

A checkpoint is a dict of tensors, numbers, strings and plain containers only (so
``torch.load(weights_only=True)`` reads it): model, extra head, optimiser and scheduler
states, the random states of torch, NumPy and Python for every rank, the step and the
data position ``(epoch, batch)``. It is written to a temporary file and renamed over the
previous one, so a kill at any moment leaves the last good checkpoint intact.
"""

from __future__ import annotations

import io
import os
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..weights import TRAIN_FORMAT, atomic_write, torch_load_safe
from ..weights._io import FORMAT_KEY

CHECKPOINT_NAME = "last.pt"
#: Test hook: ``"<step>:<marker path>"`` makes the checkpoint write of that step stop
#: halfway, create the marker file and sleep, so a test can kill the process mid-write.
_PAUSE_ENV = "_BPTLEARN_PAUSE_CHECKPOINT"


def rng_state() -> dict[str, Any]:
    """The random states of torch (CPU and CUDA), NumPy's global generator and Python."""
    # NumPy's legacy global generator: third-party code a run calls may draw from it
    kind, keys, pos, has_gauss, gauss = np.random.get_state()  # noqa: NPY002
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": pos,
                  "has_gauss": has_gauss, "gauss": gauss},
        "python": random.getstate(),
    }


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` captured."""
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    np_state = state["numpy"]
    np.random.set_state((np_state["kind"], np_state["keys"].numpy().astype(np.uint32),  # noqa: NPY002
                         np_state["pos"], np_state["has_gauss"], np_state["gauss"]))
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))


def _pause_step() -> tuple[int, str] | None:
    value = os.environ.get(_PAUSE_ENV)
    if not value:
        return None
    step, marker = value.split(":", 1)
    return int(step), marker


def write_checkpoint(out_dir: str | os.PathLike, state: dict[str, Any]) -> Path:
    """Atomically write ``state`` (plus the format tag) to ``out_dir / 'last.pt'``."""
    buffer = io.BytesIO()
    torch.save({FORMAT_KEY: TRAIN_FORMAT, **state}, buffer)
    payload = buffer.getvalue()
    pause = _pause_step()

    def _write(tmp: str) -> None:
        half = len(payload) // 2 if pause is not None and pause[0] == state["step"] else 0
        with open(tmp, "wb") as fh:
            if half:
                fh.write(payload[:half])
                fh.flush()
                Path(pause[1]).touch()
                time.sleep(120)  # killed here by the test
            fh.write(payload[half:])

    return atomic_write(Path(out_dir) / CHECKPOINT_NAME, _write)


def read_checkpoint_state(out_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The last checkpoint of a run folder (``None`` when there is none); stray temporary
    files of an interrupted write are removed."""
    out_dir = Path(out_dir)
    for stray in out_dir.glob(f".{CHECKPOINT_NAME}.*.tmp"):
        stray.unlink()
    path = out_dir / CHECKPOINT_NAME
    if not path.is_file():
        return None
    return torch_load_safe(path)
