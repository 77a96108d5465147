"""Exported models refuse the input they were not fitted for (issue 15, item 5).

A model fitted with per-channel scaling holds one (center, scale) pair per channel. Given
fewer channels, broadcasting would stretch them over the fitted ones and return output
for a recording that was never seen; every exported form must refuse instead: the PyTorch
module, the ``torch.export`` program and TorchScript (while torch still has it).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from bptlearn import BPTEncoder
from bptlearn.export import export_program, export_torchscript, inference_module

from ..helpers import FAST


@pytest.fixture(scope="module")
def fitted(env):
    enc = BPTEncoder(**FAST).fit(env.X())  # 4 channels, scaling='channel' (per channel)
    assert enc.scaling_ == "channel"
    return enc, torch.from_numpy(env.X()).reshape(6, 4, 1, 1500)


def _one_channel(x: torch.Tensor) -> torch.Tensor:
    return x[:, :1].contiguous()


def test_the_inference_module_refuses_fewer_channels(fitted):
    enc, x = fitted
    module = inference_module(enc)
    with pytest.raises(RuntimeError, match=r"4 fitted channels.*got 1"):
        module(_one_channel(x))


def test_torchscript_refuses_fewer_channels(fitted, tmp_path):
    enc, x = fitted
    path = export_torchscript(enc, tmp_path / "enc.pt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        loaded = torch.jit.load(str(path))
    with pytest.raises((RuntimeError, torch.jit.Error), match=r"4 fitted channels.*got 1"):
        loaded(_one_channel(x))
    np.testing.assert_allclose(loaded(x).detach().numpy(), enc.transform(x.flatten(2).numpy()),
                               atol=1e-4)


def test_torch_export_program_refuses_fewer_channels(fitted, tmp_path):
    enc, x = fitted
    program = torch.export.load(export_program(enc, tmp_path / "enc.pt2")).module()
    with pytest.raises((RuntimeError, AssertionError), match=r"size\(\)\[1\] == 4|4 fitted"):
        program(_one_channel(x))
    np.testing.assert_allclose(program(x).detach().numpy(), enc.transform(x.flatten(2).numpy()),
                               atol=1e-4)
