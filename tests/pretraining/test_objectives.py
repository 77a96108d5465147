"""Masking and the four objectives compute what their documentation says."""

from __future__ import annotations

import math

import pytest
import torch

from bptlearn.nn import BPTModel
from bptlearn.pretraining import (
    OBJECTIVES,
    Objective,
    PretrainModule,
    get_objective,
    random_mask,
    spectral_target,
)

from .conftest import TINY_MODEL


@pytest.fixture
def batch():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 4, 1500, generator=g)
    return x, random_mask((2, 3, 4), 0.4, g)


def _module(name):
    torch.manual_seed(0)
    model = BPTModel(preset="nano", learnable_mask=True, **TINY_MODEL)
    return PretrainModule(model, OBJECTIVES[name]).eval()


def test_mask_hides_forty_percent_of_each_windows_tokens():
    mask = random_mask((3, 5, 15), 0.4, torch.Generator().manual_seed(1))
    assert mask.sum(dim=(1, 2)).tolist() == [30, 30, 30]


def test_mask_hides_at_least_one_token():
    assert int(random_mask((1, 1, 1), 0.01).sum()) == 1


def test_official_loss_is_the_mse_over_every_token(batch):
    x, mask = batch
    module = _module("official")
    loss, _ = module(x, mask)
    expected = (module.model.reconstruct(x, mask) - x).square().mean()
    torch.testing.assert_close(loss, expected)


def test_masked_loss_scores_only_masked_tokens(batch):
    x, mask = batch
    module = _module("masked")
    loss, _ = module(x, mask)
    err = (module.model.reconstruct(x, mask) - x).square().mean(dim=-1)
    torch.testing.assert_close(loss, err[mask].mean())


def test_mask_power_makes_masked_tokens_blind_to_their_patch(batch):
    x, mask = batch
    louder = torch.where(mask.unsqueeze(-1), 3 * x + torch.sin(torch.arange(1500.0)), x)
    embed = _module("mask_power").model.embed
    hidden = embed(x, mask, True)[mask], embed(louder, mask, True)[mask]
    shown = embed(x, mask, False)[mask], embed(louder, mask, False)[mask]
    torch.testing.assert_close(*hidden)
    assert not torch.allclose(*shown)


def test_spectral_loss_adds_the_weighted_spectral_term(batch):
    x, mask = batch
    loss, parts = _module("spectral")(x, mask)
    assert set(parts) == {"loss_rec", "loss_spec"}
    assert math.isclose(float(loss.detach()), parts["loss_rec"] + parts["loss_spec"], rel_tol=1e-6)


def test_spectral_target_holds_band_powers_then_log_amplitude():
    t = torch.arange(1500) / 250.0
    x = 4.0 * torch.sin(2 * torch.pi * 10.0 * t)
    target = spectral_target(x, 250.0)
    assert target.shape == (9,)
    assert int(target[:8].argmax()) == 1  # alpha (8, 13] Hz
    assert math.isclose(float(target[8]), math.log(float(x.std()) + 1e-3), rel_tol=1e-6)


def test_unknown_objective_lists_the_names():
    with pytest.raises(ValueError, match="'objective' parameter.*'official', 'masked'"):
        get_objective("contrastive")


def test_objective_from_fields():
    obj = get_objective({"name": "custom", "loss_on": "masked", "mask_ratio": 0.6})
    assert obj == Objective("custom", mask_ratio=0.6, loss_on="masked")


def test_mask_ratio_out_of_range_is_refused():
    with pytest.raises(ValueError, match=r"mask_ratio must lie in \(0, 1\), got 1.5"):
        Objective(mask_ratio=1.5)
