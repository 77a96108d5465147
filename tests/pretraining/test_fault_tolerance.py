"""A run killed with SIGKILL (at a random step, or in the middle of writing a checkpoint)
and resumed ends bit-identical on CPU to a run that was never interrupted."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from bptlearn.pretraining import pretrain

from .conftest import cli_args


def _launch(out, steps, **env):
    return subprocess.Popen(
        [sys.executable, "-m", "bptlearn.cli", *cli_args(out, steps, "--checkpoint-every", "3")],
        env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for(condition, proc, timeout=60.0):
    end = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"run ended before it could be killed: {proc.stderr.read().decode()}")
        if time.monotonic() > end:
            proc.kill()
            pytest.fail("run did not reach the kill point in time")
        time.sleep(0.005)


def _logged_steps(out) -> int:
    try:
        with open(out / "log.csv") as fh:
            return sum(1 for _ in csv.DictReader(fh))
    except (FileNotFoundError, csv.Error):
        return 0


def _kill(proc):
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a) and a.keys() == b.keys()


def test_run_killed_at_a_random_step_resumes_bit_identical(tmp_path, tiny_run):
    steps = 200
    kill_at = int(np.random.default_rng(7).integers(10, 100))
    proc = _launch(tmp_path / "run", steps)
    _wait_for(lambda: _logged_steps(tmp_path / "run") >= kill_at, proc)
    _kill(proc)
    saved = torch.load(tmp_path / "run" / "last.pt", weights_only=True)["step"]
    assert 0 < saved < steps
    resumed = pretrain(out_dir=tmp_path / "run", steps=steps, resume=True, **tiny_run)
    straight = pretrain(out_dir=tmp_path / "straight", steps=steps, **tiny_run)
    assert _same(straight.state_dict(), resumed.state_dict())


def test_run_killed_while_writing_a_checkpoint_keeps_the_last_one_and_resumes(tmp_path,
                                                                             tiny_run):
    marker = tmp_path / "writing"
    proc = _launch(tmp_path / "run", 12, _BPTLEARN_PAUSE_CHECKPOINT=f"6:{marker}")
    _wait_for(marker.exists, proc)
    _kill(proc)
    run = tmp_path / "run"
    assert list(run.glob(".last.pt.*.tmp"))  # the half-written file of step 6
    assert torch.load(run / "last.pt", weights_only=True)["step"] == 3  # last good one
    resumed = pretrain(out_dir=run, steps=12, resume=True, **tiny_run)
    assert not list(run.glob(".last.pt.*.tmp"))
    straight = pretrain(out_dir=tmp_path / "straight", steps=12, **tiny_run)
    assert _same(straight.state_dict(), resumed.state_dict())
