"""Pretraining run folders are locked, and damaged inputs are named (issue 15, items 8, 13).

One run at a time per folder: a second run refuses, naming the first run's PID; a lock
left by a dead process is taken over. A damaged ``last.pt`` or a truncated ``.npy``
recording gets an error that names the file and the fix.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from bptlearn.exceptions import CheckpointError
from bptlearn.pretraining import pretrain

from ..pretraining.conftest import TINY_RUN, cli_args


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    return proc.pid


def test_a_second_run_in_a_locked_folder_refuses_naming_the_first_pid(tmp_path):
    run, marker = tmp_path / "run", tmp_path / "writing"
    first = subprocess.Popen(  # held in the middle of its first checkpoint
        [sys.executable, "-m", "bptlearn.cli", *cli_args(run, 6, "--checkpoint-every", "3")],
        env={**os.environ, "_BPTLEARN_PAUSE_CHECKPOINT": f"3:{marker}"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(6000):
            if marker.exists() or first.poll() is not None:
                break
            time.sleep(0.01)
        assert marker.exists(), first.stderr.read().decode()
        log_before = (run / "log.csv").read_bytes()
        with pytest.raises(RuntimeError, match=rf"PID {first.pid}.*run\.lock"):
            pretrain(out_dir=run, steps=6, resume=True, **TINY_RUN)
        assert (run / "log.csv").read_bytes() == log_before  # the first run's log untouched
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)


def test_a_lock_left_by_a_dead_process_is_taken_over_and_released(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.lock").write_text(f"{_dead_pid()}\n")
    pretrain(out_dir=run, steps=2, **TINY_RUN)
    assert (run / "model.safetensors").is_file()
    assert not (run / "run.lock").exists()  # released at the end


def test_a_lock_of_a_live_process_refuses_and_is_left_alone(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.lock").write_text(f"{os.getppid()}\n")
    with pytest.raises(RuntimeError, match=rf"PID {os.getppid()}.*delete .*run\.lock"):
        pretrain(out_dir=run, steps=2, **TINY_RUN)
    assert (run / "run.lock").read_text() == f"{os.getppid()}\n"
    assert not (run / "log.csv").exists()


def test_resume_with_a_garbage_last_pt_names_the_file_and_the_fix(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "last.pt").write_text("hello\n")
    with pytest.raises(CheckpointError, match=r"last\.pt.*not a PyTorch checkpoint.*"
                                              r"delete it to start afresh"):
        pretrain(out_dir=run, steps=2, resume=True, **TINY_RUN)
    assert not (run / "run.lock").exists()


def test_pretraining_on_a_truncated_npy_names_the_file_and_the_fix(tmp_path):
    path = tmp_path / "rec.npy"
    np.save(path, np.zeros((2, 5000), np.float32))
    path.write_bytes(path.read_bytes()[:-64])
    with pytest.raises(ValueError, match=r"rec\.npy.*truncated.*Copy the file again"):
        pretrain([path], out_dir=tmp_path / "run", sfreq=250.0, steps=1,
                 **{k: v for k, v in TINY_RUN.items() if not k.startswith("synthetic")})
