"""The inference pipeline: the scaling every estimator applies, and the module export traces."""

import math

import numpy as np
import pytest
import torch

from bptlearn.nn import BPTModel
from bptlearn.nn.heads import FreqPhaseHead, SeizureHead
from bptlearn.nn.pipeline import INPUT_CLIP, InferenceModule, InputScaling, freq_phase_output
from bptlearn.nn.readout import Readout


@pytest.fixture(scope="module")
def model(tiny_overrides) -> BPTModel:
    torch.manual_seed(0)
    return BPTModel(preset="nano", **tiny_overrides).eval()


def _x(shape=(2, 3, 2, 1500), seed=0) -> torch.Tensor:
    return 50 * torch.randn(shape, generator=torch.Generator().manual_seed(seed)) + 7.0


def test_window_scaling_equals_float64_numpy_statistics_and_ignores_nan():
    x = _x()
    x[0, 1, 0, :10] = float("nan")
    flat = x.numpy().reshape(2, 3, -1).astype(np.float64)
    center, scale = InputScaling("window", np.zeros(1), np.ones(1)).stats(x)
    np.testing.assert_array_equal(center[..., 0, 0].numpy(),
                                  np.nanmean(flat, -1).astype(np.float32))
    np.testing.assert_array_equal(scale[..., 0, 0].numpy(), np.nanstd(flat, -1).astype(np.float32))
    scaled, _, _ = InputScaling("window", np.zeros(1), np.ones(1))(x)
    assert bool(torch.isfinite(scaled).all()) and float(scaled[0, 1, 0, :10].abs().max()) == 0.0


def test_flat_windows_keep_a_unit_scale_and_scaling_none_only_clips():
    x = torch.full((1, 2, 1, 1500), 3.0)
    scaled, center, scale = InputScaling("window", np.zeros(1), np.ones(1))(x)
    assert torch.equal(scale, torch.ones(1, 2, 1, 1)) and torch.equal(scaled, torch.zeros_like(x))
    wild = torch.tensor([1e25, -1e25, 1.0]).reshape(1, 1, 1, 3)
    scaled, center, scale = InputScaling(None, np.zeros(1), np.ones(1))(wild)
    assert scaled.flatten().tolist() == [INPUT_CLIP, -INPUT_CLIP, 1.0]
    assert float(center.abs().sum()) == 0.0 and float(scale.sum()) == 1.0


def test_global_scaling_uses_one_pair_for_every_channel():
    scaled, center, scale = InputScaling("global", np.array([2.0]), np.array([4.0]))(_x())
    assert center.shape == scale.shape == (1, 1, 1, 1)
    assert torch.allclose(scaled, (_x() - 2.0) / 4.0)


def test_channel_scaling_refuses_other_channel_counts():
    scaling = InputScaling("channel", np.zeros(3), np.ones(3))
    with pytest.raises(RuntimeError, match="scales each of its 3 fitted channels.*got 2"):
        scaling(_x((1, 2, 1, 1500)))


def test_freq_phase_output_gives_hz_then_radians():
    t = torch.tensor([0.0, math.pi / 2, -math.pi / 2])
    pair = torch.stack([torch.cos(t), torch.sin(t)])[None, None]  # (1, 1, 2, 3)
    out = freq_phase_output(torch.tensor([[1.5]]), pair, freq_scale=10.0)
    assert out.shape == (1, 1, 4)
    assert torch.allclose(out, torch.tensor([[[15.0, 0.0, math.pi / 2, -math.pi / 2]]]))


def test_forward_is_the_scaling_then_forward_scaled(model):
    scaling = InputScaling("channel", np.full(3, 5.0), np.full(3, 30.0))
    module = InferenceModule(scaling, model, "spatial", Readout("mean+std", ("band_power",)))
    with torch.no_grad():
        out = module(_x())
        again = module.forward_scaled(*scaling(_x()))
        h = model(scaling(_x())[0])
    assert torch.equal(out, again)
    assert out.shape == (2, 2 * (32 + 8))
    assert torch.allclose(out[:, :32], h.mean(dim=(1, 2)), atol=1e-6)


def test_unscale_maps_a_forecast_back_to_input_units(model):
    class LastSample(torch.nn.Module):  # "forecasts" each channel's last scaled sample
        extra_features = ()

        def forward(self, h, x, power=None, log_power=None):
            return x[:, :, -1, -1:]  # (B, C, 1)

    x = _x()
    module = InferenceModule(InputScaling("window", np.zeros(1), np.ones(1)), model,
                             "temporal", LastSample(), head=torch.nn.Identity(), unscale=True)
    with torch.no_grad():
        assert torch.allclose(module(x), x[:, :, -1, -1:], rtol=1e-5)


def test_exportable_copy_uses_dft_band_power_in_float32(model):
    module = InferenceModule(InputScaling("window", np.zeros(1), np.ones(1)), model, "spatial",
                             Readout("mean", ("band_power", "log_band_power")),
                             head=SeizureHead(32 + 16),
                             precision="bf16").eval()
    export = module.exportable()
    assert export.precision == "fp32" and export.band_power is not None
    assert module.precision == "bf16" and module.band_power is None  # left alone
    with torch.no_grad():
        ref = module.__class__(module.scaling, model, "spatial", module.readout,
                               head=module.head)(_x())  # eager fp32: FFT band power
        assert torch.allclose(export(_x()), ref, atol=1e-4)


def test_frequency_phase_pipeline_returns_one_tensor(model):
    module = InferenceModule(InputScaling(None, np.zeros(1), np.ones(1)), model, "temporal",
                             None, head=FreqPhaseHead(32, n_times=5, dropout=0.0),
                             freq_scale=10.0).eval()
    with torch.no_grad():
        out = module(_x())
        freq, pair = module.head(model(_x(), layer="temporal"))
    assert out.shape == (2, 3, 6)
    assert torch.allclose(out, freq_phase_output(freq, pair, 10.0), atol=1e-6)
