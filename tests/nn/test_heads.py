"""Task heads: shapes, and values known in closed form."""

import math

import pytest
import torch
from torch import nn

from bptlearn.nn import BPTModel
from bptlearn.nn.heads import (
    ForecastBaseline,
    ForecastHead,
    ForecastReadout,
    FreqPhaseHead,
    ImputationHead,
    ImputationModel,
    ResidualForecastHead,
    SeizureHead,
    Standardize,
    TaskModel,
    phase_from_pair,
)
from bptlearn.nn.readout import Readout


@pytest.fixture(scope="module")
def encoder(tiny_overrides) -> BPTModel:
    torch.manual_seed(0)
    return BPTModel(preset="nano", **tiny_overrides).eval()


def test_seizure_head_halves_twice_and_scores_tokens_or_windows():
    head = SeizureHead(in_features=32, n_outputs=3)
    widths = [(m.in_features, m.out_features) for m in head.mlp if isinstance(m, nn.Linear)]
    assert widths == [(32, 16), (16, 8), (8, 3)]
    assert head(torch.randn(2, 4, 5, 32)).shape == (2, 4, 5, 3)
    assert head(torch.randn(6, 32)).shape == (6, 3)


def test_forecast_head_pools_each_channel_over_patches():
    head = ForecastHead(d_model=4, n_out=3, dropout=0.0).eval()
    with torch.no_grad():
        head.proj.weight.copy_(torch.ones(3, 4))
        head.proj.bias.zero_()
    h = torch.arange(2 * 2 * 4, dtype=torch.float32).reshape(1, 2, 2, 4)  # (B, C, L, d)
    expected = h.mean(dim=2).sum(-1, keepdim=True).expand(1, 2, 3)  # ones @ channel mean
    assert torch.allclose(head(h), expected)


@pytest.mark.parametrize("kind, expected", [
    ("mean", [[[3.5, 3.5, 3.5, 3.5]]]),
    ("repeat", [[[4.0, 5.0, 6.0, 7.0]]]),
])
def test_forecast_baselines_give_the_history_mean_or_the_last_patch(kind, expected):
    x = torch.arange(8.0).reshape(1, 1, 2, 4)  # (B, C, L, P): patches 0..3 and 4..7
    assert torch.equal(ForecastBaseline(kind, n_out=4)(x), torch.tensor(expected))


def test_linear_forecast_baseline_is_weight_times_last_samples_plus_bias():
    x = torch.arange(8.0).reshape(1, 1, 2, 4)
    weight = torch.tensor([[[1.0, 0.0], [0.5, 0.5]]])  # (1, n_out=2, p=2): last 2 samples
    out = ForecastBaseline("linear", n_out=2, weight=weight, bias=torch.tensor([[1.0, -1.0]]))(x)
    assert torch.equal(out, torch.tensor([[[6.0 + 1.0, 6.5 - 1.0]]]))


def test_forecast_readout_joins_pooled_tokens_and_the_baseline():
    h, x = torch.randn(2, 3, 4, 16), torch.randn(2, 3, 4, 10)
    out = ForecastReadout(ForecastBaseline("mean", n_out=5))(h, x)
    assert out.shape == (2, 3, 21)
    assert torch.allclose(out[..., :16], h.mean(dim=2))
    assert torch.allclose(out[..., 16:], x.mean(dim=(2, 3))[..., None].expand(2, 3, 5))


def test_residual_head_returns_the_baseline_where_the_gate_is_shut():
    head = ResidualForecastHead(d_model=4, n_out=3).eval()
    h, base = torch.randn(1, 2, 4), torch.full((1, 2, 3), 7.0)
    z = torch.cat([h, base], dim=-1)
    with torch.no_grad():
        assert torch.allclose(head(z), head.proj(h))  # training: the correction alone
        head.use_baseline.fill_(1.0)
        head.gate.copy_(torch.tensor([0.0, 1.0, 0.0]))
        head.base_mean.fill_(1.0)
        head.base_scale.fill_(2.0)  # base was standardised: 7 * 2 + 1
        out = head(z)
    assert torch.allclose(out[..., 0], torch.full((1, 2), 15.0))
    assert torch.allclose(out[..., 1], 15.0 + head.proj(h)[..., 1].detach())


def test_freq_phase_head_splits_frequency_and_phase_pair():
    head = FreqPhaseHead(d_model=8, n_times=5, dropout=0.0).eval()
    h = torch.randn(2, 3, 4, 8)
    freq, pair = head(h)
    assert freq.shape == (2, 3) and pair.shape == (2, 3, 2, 5)
    raw = head.proj(h.mean(dim=2))
    assert torch.equal(freq, raw[..., 0])
    assert torch.equal(pair[:, :, 0], raw[..., 1:6]) and torch.equal(pair[:, :, 1], raw[..., 6:])


def test_phase_from_pair_recovers_the_angle():
    t = torch.linspace(-3.0, 3.0, 7)
    assert torch.allclose(phase_from_pair(torch.stack([torch.cos(t), torch.sin(t)])), t,
                          atol=1e-6)
    assert math.isclose(float(phase_from_pair(torch.tensor([[-1.0], [0.0]]))), math.pi,
                        rel_tol=1e-6)


def test_imputation_head_changes_only_hidden_samples():
    head = ImputationHead(d_model=8, patch_len=20)
    with torch.no_grad():
        head.token.bias.fill_(1.0)  # a trained head: +1 wherever it may act
    x, mask = torch.randn(1, 3, 2, 20), torch.zeros(1, 3, 2, 20)
    mask[0, 1, 0] = 1.0
    out = head(torch.randn(1, 3, 2, 8), x, mask)
    assert out.shape == x.shape
    assert torch.equal(out[mask == 0], x[mask == 0])
    assert torch.allclose(out[0, 1, 0], x[0, 1, 0] + 1.0)


def test_imputation_model_unpacks_samples_and_mask(encoder):
    model = ImputationModel(encoder, ImputationHead(32, patch_len=1500)).eval()
    x, mask = torch.randn(2, 3, 2, 1500), torch.zeros(2, 3, 2, 1500)
    with torch.no_grad():
        out = model(torch.cat([x, mask], dim=-1))
    assert torch.equal(out, x)  # untrained head, nothing hidden: the input back
    with pytest.raises(ValueError, match="'layer' parameter"):
        ImputationModel(encoder, ImputationHead(32, 1500), layer="last")


def test_standardize_is_affine_and_has_no_parameters():
    std = Standardize(torch.tensor([1.0, -1.0]), torch.tensor([2.0, 0.5]))
    assert torch.equal(std(torch.tensor([[5.0, 0.0]])), torch.tensor([[2.0, 2.0]]))
    assert list(std.parameters()) == []


def test_task_model_chains_encoder_readout_standardize_and_head(encoder):
    head = SeizureHead(32)
    model = TaskModel(encoder, head, layer="temporal", readout=Readout("mean")).eval()
    x = torch.randn(2, 3, 1, 1500)
    with torch.no_grad():
        features = model.features(x)
        expected = head(encoder(x, layer="temporal").mean(dim=(1, 2)))
        assert features.shape == (2, 32)
        assert torch.allclose(model(x), expected, atol=1e-6)
        probe = TaskModel(None, head, standardize=Standardize(torch.zeros(32), torch.ones(32)))
        assert torch.allclose(probe(features), expected, atol=1e-6)  # features in, scores out
    assert {n.split(".")[0] for n, _ in model.named_parameters()} == {"encoder", "head"}
