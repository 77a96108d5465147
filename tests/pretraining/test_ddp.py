"""Two gloo processes on CPU (as torchrun would start them) end with identical weights."""

from __future__ import annotations

import os
import socket

import torch
import torch.multiprocessing as mp

from bptlearn.pretraining import pretrain

from .conftest import TINY_RUN


def _worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    model = pretrain(out_dir=out, steps=3, checkpoint_every=2, **TINY_RUN)
    torch.save(model.state_dict(), os.path.join(out, f"rank{rank}.pt"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_gloo_ranks_end_with_identical_trained_weights(tmp_path):
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    a = torch.load(tmp_path / "rank0.pt", weights_only=True)
    b = torch.load(tmp_path / "rank1.pt", weights_only=True)
    assert all(torch.equal(a[k], b[k]) for k in a)
    state = torch.load(tmp_path / "last.pt", weights_only=True)
    assert state["world_size"] == 2 and len(state["rng"]) == 2
    torch.manual_seed(0)  # the untrained model of the same seed differs: training happened
    from bptlearn.nn import BPTModel
    init = BPTModel(preset="nano", learnable_mask=True, **TINY_RUN["model_overrides"])
    assert not torch.equal(init.state_dict()["embed.proj.weight"], a["embed.proj.weight"])
