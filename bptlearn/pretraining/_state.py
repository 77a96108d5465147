"""Training checkpoints: atomic, ``weights_only``-loadable, with everything a resume needs.

A checkpoint is a dict of tensors, numbers, strings and plain containers only (so
``torch.load(weights_only=True)`` reads it): model, extra head, optimiser and scheduler
states, the random states of torch, NumPy and Python for every rank, the step and the
data position ``(epoch, batch)``. It is written to a temporary file and renamed over the
previous one, so a kill at any moment leaves the last good checkpoint intact.
"""

from __future__ import annotations

import io
import logging
import os
import random
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..exceptions import CheckpointError
from ..utils._io import atomic_write
from ..weights import TRAIN_FORMAT, torch_load_safe
from ..weights._io import FORMAT_KEY

logger = logging.getLogger(__name__)

CHECKPOINT_NAME = "last.pt"
LOCK_NAME = "run.lock"
#: Test hook: ``"<step>:<marker path>"`` makes the checkpoint write of that step stop
#: halfway, create the marker file and sleep, so a test can kill the process mid-write.
_PAUSE_ENV = "_BPTLEARN_PAUSE_CHECKPOINT"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def _lock_owner(path: Path) -> tuple[int | None, str]:
    """(PID, host) written in a lock file; PID None when unreadable."""
    try:
        pid, _, host = path.read_text().strip().partition(" ")
        return int(pid), host
    except (OSError, ValueError):
        return None, ""


@contextmanager
def run_lock(out_dir: str | os.PathLike) -> Iterator[Path]:
    """Hold ``out_dir / 'run.lock'`` (holding ``'<PID> <host>'``) for the life of a run.

    A second run refuses, naming the PID of the first; a lock left by a process that no
    longer runs (on this host) is taken over. The lock is removed when the run ends.
    """
    path = Path(out_dir) / LOCK_NAME
    me = f"{os.getpid()} {socket.gethostname()}"
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            pid, host = _lock_owner(path)
            here = host in ("", socket.gethostname())
            if pid is not None and (not here or _pid_alive(pid)):
                where = f" on {host}" if host and not here else ""
                raise RuntimeError(
                    f"Another pretraining run (PID {pid}{where}) is using {str(out_dir)!r}. "
                    "Wait for it to end, or choose another out_dir; if no such run exists, "
                    f"delete the lock file {str(path)!r}."
                ) from None
            logger.warning("taking over the lock of %s left by PID %s, which no longer runs",
                           out_dir, pid)
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(me + "\n")
        break
    else:  # another process took the stale lock between our two tries
        pid, _ = _lock_owner(path)
        raise RuntimeError(f"Another pretraining run (PID {pid}) took the lock of "
                           f"{str(out_dir)!r} ({str(path)!r}); choose another out_dir.")
    try:
        yield path
    finally:
        if path.is_file() and path.read_text().strip() == me:
            path.unlink()


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
    try:
        state = torch_load_safe(path)
    except CheckpointError as err:
        raise CheckpointError(
            f"{err} To resume, put back a good last.pt; or delete it to start afresh (the "
            "run then begins again at step 0)."
        ) from None
    if not isinstance(state, dict) or not {"model", "step", "optimizer"} <= set(state):
        keys = sorted(map(str, state))[:6] if isinstance(state, dict) else []
        raise CheckpointError(
            f"{str(path)!r} is not a bptlearn training checkpoint (it holds a "
            f"{type(state).__name__}, keys {keys}). Put back the run's last.pt, or delete it "
            "to start afresh."
        )
    return state
