import pytest
import torch
from torch import nn

from bptlearn.estimators import BPTEncoder
from bptlearn.nn import BPTConfig, BPTModel, band_power
from bptlearn.nn.encoder import EncoderLayer

from ..helpers import FAST


@pytest.fixture(scope="module")
def model(tiny_overrides) -> BPTModel:
    torch.manual_seed(0)
    return BPTModel(preset="nano", **tiny_overrides).eval()


def stock_layer_like(layer: EncoderLayer, cfg: BPTConfig) -> nn.TransformerEncoderLayer:
    stock = nn.TransformerEncoderLayer(cfg.d_model, cfg.nhead, cfg.dim_feedforward,
                                       dropout=cfg.dropout, batch_first=True).eval()
    state = {k.replace("in_proj.", "in_proj_"): v for k, v in layer.state_dict().items()}
    stock.load_state_dict(state)
    return stock


@pytest.mark.parametrize("n_chans, n_patches", [(1, 1), (3, 15), (7, 4)])
def test_embeddings_have_one_token_per_channel_and_patch(model, n_chans, n_patches):
    x = torch.randn(2, n_chans, n_patches, 1500)
    assert model(x).shape == (2, n_chans, n_patches, 32)
    assert model(x, layer="temporal").shape == (2, n_chans, n_patches, 32)


def test_encoder_layer_equals_pytorch_stock_layer_in_eval():
    cfg = BPTConfig.preset("nano")
    layer = EncoderLayer(cfg).eval()
    stock = stock_layer_like(layer, cfg)
    x = torch.randn(6, 15, cfg.d_model)
    with torch.no_grad():
        torch.testing.assert_close(layer(x), stock(x), rtol=1e-5, atol=1e-5)
    with torch.inference_mode():  # the stock fast path
        torch.testing.assert_close(layer(x), stock(x), rtol=1e-5, atol=1e-5)


def test_whole_model_equals_a_reference_built_from_stock_layers(model):
    cfg = model.config
    temporal = [stock_layer_like(layer, cfg) for layer in model.temporal.layers]
    spatial = [stock_layer_like(layer, cfg) for layer in model.spatial.layers]
    x = torch.randn(2, 5, 4, 1500)
    B, C, L, P = x.shape
    emb = model.embed
    with torch.no_grad():
        band = torch.softmax(band_power(x, cfg.band_sfreq), -1) @ emb.band_encoding
        h = emb.proj(x) + band + emb.positional_encoding[:L]
        h = h.reshape(B * C, L, -1)
        for layer in temporal:
            h = layer(h)
        h = h.reshape(B, C, L, -1).permute(0, 2, 1, 3).reshape(B * L, C, -1)
        for layer in spatial:
            h = layer(h)
        expected = h.reshape(B, L, C, -1).permute(0, 2, 1, 3)
        torch.testing.assert_close(model(x), expected, rtol=1e-5, atol=1e-5)


def test_eval_forward_is_deterministic_and_train_forward_uses_dropout(tiny_overrides):
    model = BPTModel(preset="nano", **tiny_overrides)
    x = torch.randn(1, 2, 3, 1500)
    model.eval()
    assert torch.equal(model(x), model(x))
    model.train()
    assert not torch.allclose(model(x), model(x))


def test_temporal_readout_does_not_mix_channels(model):
    x = torch.randn(1, 3, 2, 1500)
    y = x.clone()
    y[:, 2] += 5.0 * torch.randn(2, 1500)
    with torch.inference_mode():
        a, b = model(x, layer="temporal"), model(y, layer="temporal")
        assert torch.equal(a[:, :2], b[:, :2]) and not torch.allclose(a[:, 2], b[:, 2])
        assert not torch.allclose(model(x)[:, 0], model(y)[:, 0])  # the spatial encoder mixes


def test_embeddings_do_not_depend_on_batch_composition(model):
    x = torch.randn(4, 3, 2, 1500)
    with torch.inference_mode():
        together = model(x)
        alone = torch.cat([model(x[i:i + 1]) for i in range(4)])
    torch.testing.assert_close(together, alone, rtol=1e-5, atol=1e-5)


def test_short_inputs_use_the_first_rows_of_the_position_table(model):
    x = torch.randn(1, 1, 15, 1500)
    with torch.inference_mode():
        full = model.embed(x)
        short = model.embed(x[:, :, :2])
    torch.testing.assert_close(short, full[:, :, :2])


def test_padded_channels_do_not_change_real_channels(model):
    x = torch.randn(1, 3, 2, 1500)
    padded = torch.cat([x, torch.zeros(1, 2, 2, 1500)], dim=1)
    pad = torch.tensor([[False, False, False, True, True]])
    with torch.inference_mode():
        torch.testing.assert_close(model(padded, padding_mask=pad)[:, :3], model(x),
                                   rtol=1e-5, atol=1e-5)


def test_reconstruct_hides_masked_samples_but_keeps_their_band_power(model):
    x = torch.randn(1, 2, 3, 1500)
    mask = torch.zeros(1, 2, 3, dtype=torch.bool)
    mask[0, 1, 1] = True
    y = x.clone()
    y[0, 1, 1] = torch.randn(1500)  # change only the masked patch
    with torch.inference_mode():
        rec = model.reconstruct(x, mask)
        assert rec.shape == x.shape
        # band power of the masked patch stays visible, so its content still matters ...
        assert not torch.allclose(rec, model.reconstruct(y, mask))
        # ... unless band power is masked too: then the patch is fully hidden.
        torch.testing.assert_close(model.reconstruct(x, mask, mask_power=True),
                                   model.reconstruct(y, mask, mask_power=True))


def test_gradients_reach_every_trainable_parameter(tiny_overrides):
    model = BPTModel(preset="nano", **tiny_overrides)
    x = torch.randn(2, 3, 2, 1500)
    mask = torch.rand(2, 3, 2) < 0.5
    model.reconstruct(x, mask).square().mean().backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert missing == []
    assert model.embed.mask_encoding.grad is None  # frozen mask token


def test_learnable_mask_token_receives_gradient(tiny_overrides):
    model = BPTModel(preset="nano", learnable_mask=True, **tiny_overrides)
    x = torch.randn(1, 2, 2, 1500)
    mask = torch.ones(1, 2, 2, dtype=torch.bool)
    model.reconstruct(x, mask, mask_power=True).square().mean().backward()
    assert model.embed.mask_encoding.grad.abs().sum() > 0
    assert model.embed.power_mask_encoding.grad.abs().sum() > 0


@pytest.mark.parametrize("shape, match", [
    ((2, 3, 1500), "4 dimensions"),
    ((1, 2, 3, 1000), "patches of 1000 samples"),
    ((1, 2, 16, 1500), "16 patches per window"),
    ((1, 2, 0, 1500), "0 patches per window"),
    ((0, 2, 3, 1500), "empty"),
    ((1, 0, 3, 1500), "empty"),
])
def test_model_rejects_wrong_shapes_naming_the_expected_one(model, shape, match):
    with pytest.raises(ValueError, match=match) as err:
        model(torch.randn(shape))
    assert "patch_len=1500" in str(err.value)


def test_non_finite_input_is_refused_at_the_estimator_not_in_forward(model):
    x = torch.randn(1, 2, 1, 1500)
    x[0, 1, 0, 7] = float("inf")
    with torch.inference_mode():
        out = model(x)  # no full scan in forward (a GPU sync per call): NaN passes through
    assert out.shape == (1, 2, 1, 32) and not bool(torch.isfinite(out).all())
    with pytest.raises(ValueError, match=r"1 NaN or infinite sample\(s\); BPTEncoder"):
        BPTEncoder(**FAST).fit(x.reshape(1, 2, 1500).numpy())


def test_model_rejects_integer_and_non_tensor_input(model):
    with pytest.raises(ValueError, match="floating-point"):
        model(torch.ones(1, 2, 1, 1500, dtype=torch.int32))
    with pytest.raises(TypeError, match="torch.Tensor"):
        model([[1.0]])


def test_model_rejects_unknown_layer_and_bad_mask(model):
    x = torch.randn(1, 2, 1, 1500)
    with pytest.raises(ValueError, match="'layer' parameter"):
        model(x, layer="channel")
    with pytest.raises(ValueError, match=r"mask must be a bool tensor of shape \(1, 2, 1\)"):
        model.reconstruct(x, torch.zeros(1, 2, 1))
