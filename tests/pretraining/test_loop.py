"""The pretraining loop: outputs, logs, resumption, precision, accumulation, the CLI."""

from __future__ import annotations

import csv
import json

import pytest
import torch

from bptlearn.cli import main
from bptlearn.pretraining import pretrain
from bptlearn.weights import load, read_checkpoint

from .conftest import cli_args


def _weights(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_run_writes_checkpoint_log_and_weights_with_contract(tmp_path, tiny_run):
    pretrain(out_dir=tmp_path, steps=3, **tiny_run)
    rows = list(csv.DictReader(open(tmp_path / "log.csv")))
    assert [int(r["step"]) for r in rows] == [1, 2, 3]
    assert all(float(r["tokens_per_s"]) > 0 for r in rows)
    model = load(tmp_path / "model.safetensors")
    assert model.pretrained_cfg.normalization == "robust_channel"
    assert model.config.d_model == 16


def test_checkpoint_loads_with_weights_only(tmp_path, tiny_run):
    pretrain(out_dir=tmp_path, steps=2, **tiny_run)
    state = torch.load(tmp_path / "last.pt", weights_only=True)
    assert state["step"] == 2 and state["data_position"] == [0, 2]
    assert {"model", "optimizer", "scheduler", "rng"} <= set(state)
    assert set(state["rng"][0]) == {"torch", "cuda", "numpy", "python"}


def test_training_checkpoint_loads_as_weights(tmp_path, tiny_run):
    trained = pretrain(out_dir=tmp_path, steps=2, **tiny_run)
    again = load(tmp_path / "last.pt")
    for k, v in trained.state_dict().items():
        assert torch.equal(v, again.state_dict()[k]), k


def test_resumed_run_ends_bit_identical_to_an_uninterrupted_one(tmp_path, tiny_run):
    # 7 steps cross an epoch boundary (5 batches per epoch) after the resume point
    straight = _weights(pretrain(out_dir=tmp_path / "a", steps=7, **tiny_run))
    pretrain(out_dir=tmp_path / "b", steps=3, **tiny_run)
    resumed = _weights(pretrain(out_dir=tmp_path / "b", steps=7, resume=True, **tiny_run))
    assert all(torch.equal(straight[k], resumed[k]) for k in straight)
    log = [int(r["step"]) for r in csv.DictReader(open(tmp_path / "b" / "log.csv"))]
    assert log == list(range(1, 8))


def test_existing_run_is_not_overwritten_without_resume(tmp_path, tiny_run):
    pretrain(out_dir=tmp_path, steps=1, **tiny_run)
    with pytest.raises(ValueError, match="already holds a checkpoint.*resume=True"):
        pretrain(out_dir=tmp_path, steps=2, **tiny_run)


def test_resume_with_other_settings_is_refused(tmp_path, tiny_run):
    pretrain(out_dir=tmp_path, steps=1, **tiny_run)
    tiny_run["batch_size"] = 3
    with pytest.raises(ValueError, match="batch_size: checkpoint 2, now 3"):
        pretrain(out_dir=tmp_path, steps=2, resume=True, **tiny_run)


def test_accumulation_consumes_several_batches_per_step(tmp_path, tiny_run):
    pretrain(out_dir=tmp_path, steps=2, accum_steps=2, **tiny_run)
    state = torch.load(tmp_path / "last.pt", weights_only=True)
    assert state["data_position"] == [0, 4]


def test_bf16_autocast_trains_on_cpu(tmp_path, tiny_run):
    pretrain(out_dir=tmp_path, steps=2, precision="bf16", log_format="json", **tiny_run)
    rows = [json.loads(line) for line in open(tmp_path / "log.jsonl")]
    assert len(rows) == 2 and all(r["loss"] > 0 for r in rows)


@pytest.mark.parametrize("objective", ["masked", "mask_power", "spectral"])
def test_masked_objectives_reduce_their_loss(tmp_path, tiny_run, objective):
    tiny_run.update(lr_min=3e-3, lr_max=3e-3, batch_size=4)
    pretrain(out_dir=tmp_path, steps=30, objective=objective, **tiny_run)
    loss = [float(r["loss"]) for r in csv.DictReader(open(tmp_path / "log.csv"))]
    assert sum(loss[-5:]) < 0.95 * sum(loss[:5])


def test_unknown_option_is_named(tmp_path):
    with pytest.raises(TypeError, match=r"\['batchsize'\]"):
        pretrain(out_dir=tmp_path, batchsize=3)


def test_cli_runs_and_returns_zero(tmp_path):
    assert main(cli_args(tmp_path, 2, "--objective", "masked", "--save-dtype", "float16")) == 0
    state = torch.load(tmp_path / "last.pt", weights_only=True)
    assert state["objective"]["loss_on"] == "masked"
    stored = read_checkpoint(tmp_path / "model.safetensors").state_dict
    assert stored["embed.proj.weight"].dtype == torch.float16
