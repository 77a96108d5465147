"""Checkpoints crafted to run code on unpickling are refused, and the code never runs."""

from __future__ import annotations

import pickle

import pytest
import torch

from bptlearn.exceptions import CheckpointError
from bptlearn.weights import load, torch_load_safe


class _Payload:
    """Unpickling this object creates the file at ``target`` (open(target, 'w'))."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_payload_really_creates_a_file_when_unpickled_unsafely(tmp_path):
    target = tmp_path / "pwned"
    pickle.loads(pickle.dumps(_Payload(str(target)))).close()
    assert target.exists()  # the payload is live, so the refusals below mean something


def test_raw_pickle_checkpoint_is_refused_without_running_it(tmp_path):
    target, ckpt = tmp_path / "pwned", tmp_path / "evil.pt"
    ckpt.write_bytes(pickle.dumps({"embed.proj.weight": _Payload(str(target))}, protocol=2))
    with pytest.raises(CheckpointError, match="Refused to load .*evil.pt"):
        load(ckpt)
    assert not target.exists()


def test_torch_saved_payload_in_official_layout_is_refused_without_running_it(tmp_path):
    target = tmp_path / "pwned"
    torch.save({"input_embedding.band_encoding": _Payload(str(target))},
               tmp_path / "time_encoder.pt")
    torch.save({"proj_out.0.bias": torch.zeros(3)}, tmp_path / "channel_encoder.pt")
    with pytest.raises(CheckpointError, match="Refused to load .*time_encoder.pt"):
        load(tmp_path)
    assert not target.exists()


def test_safe_loader_refuses_a_payload_in_a_training_checkpoint(tmp_path):
    target = tmp_path / "pwned"
    torch.save({"format": "bptlearn-train", "model": {}, "hook": _Payload(str(target))},
               tmp_path / "last.pt")
    with pytest.raises(CheckpointError, match="only loads weights_only checkpoints"):
        torch_load_safe(tmp_path / "last.pt")
    assert not target.exists()
