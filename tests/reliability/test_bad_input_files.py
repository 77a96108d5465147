"""Bad input to the data layer, the checkpoint loader and the metrics (issue 9, item 1).

Missing, unreadable, truncated and foreign files; arrays the data functions cannot use;
labels the metrics cannot score. Every case checks the exception type, the message and
that nothing changed, files included (a failed load never rewrites the checkpoint).
"""

from __future__ import annotations

from pathlib import Path

import mne
import numpy as np
import pytest
import torch

from bptlearn.data import (
    annotations_to_labels,
    iter_windows,
    read_recording,
    rereference,
    robust_channel_stats,
    to_windows,
)
from bptlearn.estimators._reference import IEEGReference
from bptlearn.exceptions import ChannelMismatchError, CheckpointError
from bptlearn.metrics import (
    dominant_frequency,
    event_metrics,
    f2_score,
    mae,
    phase_locking_value,
)
from bptlearn.nn import BPTModel
from bptlearn.weights import load, save

from ._harness import Bad, call, check_bad_input

REC = np.random.default_rng(0).normal(size=(4, 3000)).astype(np.float32)  # 12 s at 250 Hz
NAMES = ["LA1", "LA2", "LA3", "LA4"]


def _rec() -> np.ndarray:
    return REC.copy()


def _file(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def _npy(tmp: Path, array: np.ndarray) -> Path:
    np.save(tmp / "rec.npy", array)
    return tmp / "rec.npy"


def _state(e) -> dict[str, torch.Tensor]:
    return e.model().state_dict()


def _saved(tmp: Path, state, name: str = "model.pt") -> Path:
    torch.save(state, tmp / name)
    return tmp / name


def _cut(path: Path, fraction: float) -> Path:
    data = path.read_bytes()
    return _file(path.parent, "cut_" + path.name, data[:int(len(data) * fraction)])


def _nano_file(tmp: Path) -> Path:
    """A checkpoint of the full nano preset (d_model=128)."""
    return save(BPTModel(preset="nano"), tmp / "nano.safetensors")


DATA = [
    Bad("to_windows array without sfreq", ValueError, r"sampling rate is unknown.*sfreq",
        lambda e, _: call(to_windows, _rec())),
    Bad("to_windows 1-D array", ValueError, r"\(n_chans, n_times\).*got shape \(3000,\)",
        lambda e, _: call(to_windows, _rec()[0], 250.0)),
    Bad("to_windows recording shorter than a patch", ValueError,
        r"lasts 4 s, shorter than one window",
        lambda e, _: call(to_windows, _rec()[:, :1000], 250.0, n_patches=1)),
    Bad("to_windows 16 patches", ValueError, r"n_patches must be an int between 1 and 15",
        lambda e, _: call(to_windows, _rec(), 250.0, n_patches=16)),
    Bad("to_windows NaN", ValueError, r"NaN or infinite samples.*nan_policy='omit'",
        lambda e, _: call(to_windows, np.where(REC > 3, np.nan, REC), 250.0, n_patches=1)),
    Bad("to_windows complex", TypeError, r"complex",
        lambda e, _: call(to_windows, _rec().astype(np.complex64), 250.0, n_patches=1)),
    Bad("to_windows no channels", ValueError, r"empty|0 channels|no channels",
        lambda e, _: call(to_windows, _rec()[:0], 250.0, n_patches=1)),
    Bad("to_windows sfreq=0", ValueError, r"sfreq must be a positive, finite.*got 0",
        lambda e, _: call(to_windows, _rec(), 0.0, n_patches=1)),
    Bad("to_windows sfreq as a string", TypeError, r"sfreq must be an instance of numeric",
        lambda e, _: call(to_windows, _rec(), "250", n_patches=1)),
    Bad("to_windows too few ch_names", ValueError, r"ch_names must hold 4 unique names",
        lambda e, _: call(to_windows, _rec(), 250.0, ch_names=["a", "b"])),
    Bad("to_windows missing channel", ChannelMismatchError, r"not available: \['LB1'\]",
        lambda e, _: call(to_windows, _rec(), 250.0, ch_names=NAMES, channels=["LB1"])),
    Bad("to_windows sfreq contradicts Epochs", ValueError,
        r"sfreq=500.0 contradicts the input's info\['sfreq'\]=250.0",
        lambda e, _: call(to_windows, e.epochs(), 500.0)),
    Bad("read_recording missing file", FileNotFoundError, r"No recording at .*nope\.edf",
        lambda e, tmp: call(read_recording, tmp / "nope.edf")),
    Bad("read_recording folder named like a file", FileNotFoundError, r"No recording at",
        lambda e, tmp: call(read_recording, (tmp / "rec.edf").mkdir() or tmp / "rec.edf")),
    Bad("read_recording unknown format", ValueError, r"Cannot read 'rec\.mat'.*\.edf",
        lambda e, tmp: call(read_recording, _file(tmp, "rec.mat", b"x"))),
    Bad("read_recording .npy without sfreq", ValueError, r"does not store its sampling rate",
        lambda e, tmp: call(read_recording, _npy(tmp, REC))),
    Bad("read_recording 3-D .npy", ValueError, r"shape \(1, 4, 3000\); expected \(n_chans",
        lambda e, tmp: call(read_recording, _npy(tmp, REC[None]), sfreq=250.0)),
    Bad("read_recording unreadable .edf", ValueError, r"bad\.edf",
        lambda e, tmp: call(read_recording, _file(tmp, "bad.edf", b"0" * 300))),
    Bad("read_recording unreadable .npy", ValueError, r"bad\.npy",
        lambda e, tmp: call(read_recording, _file(tmp, "bad.npy", b"0" * 300), sfreq=250.0)),
    Bad("read_recording unreadable .fif", ValueError, r"bad\.fif",
        lambda e, tmp: call(read_recording, _file(tmp, "bad.fif", b"0" * 300))),
    Bad("iter_windows missing file", FileNotFoundError, r"No recording at .*nope\.npy",
        lambda e, tmp: call(lambda p: list(iter_windows(p, sfreq=250.0)), tmp / "nope.npy")),
    Bad("robust_channel_stats NaN", ValueError, r"NaN or infinite values in channel 0",
        lambda e, _: call(robust_channel_stats, np.where(REC > 3, np.nan, REC))),
    Bad("rereference names do not match channels", ValueError,
        r"data has 4 channels .*but 3 ch_names",
        lambda e, _: call(rereference, _rec(), NAMES[:3])),
    Bad("annotations_to_labels invalid regex", ValueError, r"regex='\('",
        lambda e, _: call(annotations_to_labels, mne.Annotations([1.0], [2.0], ["sz"]),
                          to_windows(REC, 250.0, n_patches=1), regex="(")),
    Bad("IEEGReference array without ch_names", ValueError, r"Pass ch_names",
        lambda e, _: call(IEEGReference().fit, e.X())),
    Bad("IEEGReference transform with fewer channels", ChannelMismatchError,
        r"fitted on 4 channels",
        lambda e, _: call(IEEGReference(ch_names=NAMES).fit(e.X()).transform, e.X()[:, :3])),
]

CHECKPOINTS = [
    Bad("load missing file", CheckpointError, r"nope\.safetensors' does not exist",
        lambda e, tmp: call(load, tmp / "nope.safetensors")),
    Bad("load folder without a checkpoint", CheckpointError, r"holds no checkpoint.*found \[\]",
        lambda e, tmp: call(load, tmp)),
    Bad("load truncated .safetensors", CheckpointError, r"truncated",
        lambda e, tmp: call(load, _cut(save(e.model(), tmp / "m.safetensors"), 0.5))),
    Bad("load truncated .pt", CheckpointError, r"truncated",
        lambda e, tmp: call(load, _cut(_saved(tmp, _state(e)), 0.5))),
    Bad("load empty .pt", CheckpointError, r"0 bytes.*(truncated|empty)",
        lambda e, tmp: call(load, _file(tmp, "empty.pt", b""))),
    Bad("load garbage .pt", CheckpointError, r"garbage\.pt",
        lambda e, tmp: call(load, _file(tmp, "garbage.pt", b"\x80\x02garbage" * 10))),
    Bad("load checkpoint of another preset", CheckpointError,
        r"d_model=128 \(preset 'nano'\), but the model was built with preset='tiny'",
        lambda e, tmp: call(load, _nano_file(tmp), preset="tiny")),
    Bad("load foreign key layout", CheckpointError, r"not a Brant state dict.*'head\.weight'",
        lambda e, tmp: call(load, _saved(tmp, {"head.weight": torch.zeros(2, 2)}))),
    Bad("load missing keys", CheckpointError, r"missing keys: rec_head\.weight, rec_head\.bias",
        lambda e, tmp: call(load, _saved(tmp, {k: v for k, v in _state(e).items()
                                               if not k.startswith("rec_head")}))),
    Bad("load unexpected keys", CheckpointError, r"unexpected keys: extra\.bias",
        lambda e, tmp: call(load, _saved(tmp, {**_state(e), "extra.bias": torch.zeros(2)}))),
    Bad("load mismatched shapes", CheckpointError, r"rec_head\.bias: file \(7,\) vs model",
        lambda e, tmp: call(load, _saved(tmp, {**_state(e), "rec_head.bias": torch.zeros(7)}))),
    Bad("load pickled list", CheckpointError, r"holds a list, not a state dict",
        lambda e, tmp: call(load, _saved(tmp, [torch.zeros(2)]))),
    Bad("load NaN weights", CheckpointError, r"NaN or infinite.*rec_head\.bias",
        lambda e, tmp: call(load, _saved(tmp, {**_state(e),
                                               "rec_head.bias": torch.full((1500,), np.nan)}))),
    Bad("load half of the official pair", CheckpointError,
        r"one half of an official Brant checkpoint.*'channel_encoder\.pt'",
        lambda e, tmp: call(load, _saved(tmp, {"input_embedding.band_encoding":
                                               torch.zeros(8, 32)}, "time_encoder.pt"))),
    Bad("load training checkpoint without weights", CheckpointError,
        r"training checkpoint.*'model'",
        lambda e, tmp: call(load, _saved(tmp, {"format": "bptlearn-train", "step": 3}))),
    Bad("load unknown registered name", ValueError, r"No weights are registered.*bpt_nano\.v9",
        lambda e, _: call(load, "bpt_nano.v9")),
    Bad("load three files", CheckpointError, r"two official files.*got 3",
        lambda e, tmp: call(load, (tmp / "a.pt", tmp / "b.pt", tmp / "c.pt"))),
    Bad("load strict given as a string", TypeError, r"strict must be an instance of bool",
        lambda e, tmp: call(load, _saved(tmp, _state(e)), strict="yes")),
]

METRICS = [
    Bad("f2_score lengths differ", ValueError, r"same shape, got \(4,\) and \(3,\)",
        lambda e, _: call(f2_score, np.array([0, 1, 1, 0]), np.array([0, 1, 0]))),
    Bad("f2_score probabilities", ValueError, r"binary and continuous",
        lambda e, _: call(f2_score, np.array([0, 1, 1, 0]), np.array([0.2, 0.9, 0.4, 0.1]))),
    Bad("f2_score string labels", TypeError, r"y_true must hold numbers",
        lambda e, _: call(f2_score, np.array(["a", "b"]), np.array(["a", "b"]))),
    Bad("mae NaN", ValueError, r"y_true holds NaN or infinite values \(1 of 2\)",
        lambda e, _: call(mae, np.array([1.0, np.nan]), np.array([1.0, 2.0]))),
    Bad("phase_locking_value shapes differ", ValueError, r"same shape",
        lambda e, _: call(phase_locking_value, np.zeros(3), np.zeros(4))),
    Bad("dominant_frequency negative sfreq", ValueError, r"sfreq must be a positive",
        lambda e, _: call(dominant_frequency, np.zeros((2, 100)), -250.0)),
    Bad("event_metrics token labels", ValueError, r"1-D labels.*got shape \(2, 2\)",
        lambda e, _: call(event_metrics, np.zeros((2, 2), int), np.zeros((2, 2), int))),
    Bad("event_metrics negative tolerance", ValueError, r"tolerance_s must be a non-negative",
        lambda e, _: call(event_metrics, np.array([0, 1]), np.array([0, 1]), tolerance_s=-1.0)),
]

BAD_INPUTS = DATA + CHECKPOINTS + METRICS


@pytest.mark.parametrize("case", BAD_INPUTS, ids=lambda case: case.id)
def test_bad_input_raises_a_clear_error_and_changes_nothing(case, env, tmp_path):
    check_bad_input(case, env, tmp_path)
