"""Loading every layout reproduces a stock-PyTorch reference; bad files are named."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import save_file

from bptlearn.exceptions import CheckpointError
from bptlearn.weights import load, read_checkpoint, save

from .conftest import D, P


def _assert_close(model, stock, signal):
    with torch.no_grad():
        ours = model(signal)
    torch.testing.assert_close(ours, stock(signal), atol=1e-5, rtol=1e-5)


def test_official_folder_reproduces_the_stock_reference(official_dir, stock, signal):
    model = load(official_dir, nhead=2)
    _assert_close(model, stock, signal)


def test_official_files_with_ddp_prefix_as_a_tuple_reproduce_the_reference(tmp_path, stock,
                                                                          signal):
    t, c = tmp_path / "t.pt", tmp_path / "c.pt"
    torch.save({f"module.{k}": v for k, v in stock.time.state_dict().items()}, t)
    torch.save({f"module.{k}": v for k, v in stock.channel.state_dict().items()}, c)
    _assert_close(load((c, t), nhead=2), stock, signal)


def test_one_official_file_finds_its_sibling(official_dir, stock, signal):
    _assert_close(load(official_dir / "channel_encoder.pt", nhead=2), stock, signal)


def test_official_mask_tokens_are_mapped(official_dir, stock, signal):
    model = load(official_dir, nhead=2)
    torch.testing.assert_close(model.embed.mask_encoding.data,
                               stock.time.input_embedding.mask_encoding.data)
    torch.testing.assert_close(model.rec_head.weight.data, stock.channel.proj_out[0].weight.data)


def _braindecode_state(stock):
    state = {f"temporal_encoder.{k}": v for k, v in stock.time.state_dict().items()
             if "mask_encoding" not in k}
    state.update({f"spatial_encoder.{k}": v for k, v in stock.channel.state_dict().items()})
    state.update({"final_layer.mlp.0.weight": torch.ones(D // 2, D),
                  "final_layer.mlp.0.bias": torch.zeros(D // 2)})
    return {k: v.contiguous() for k, v in state.items()}


def test_braindecode_safetensors_reproduces_the_reference(tmp_path, stock, signal):
    save_file(_braindecode_state(stock), tmp_path / "model.safetensors")
    model = load(tmp_path / "model.safetensors", nhead=2)
    _assert_close(model, stock, signal)
    assert model.pretrained_cfg.format == "braindecode"
    assert model.pretrained_cfg.band_sfreq == 256.0


def test_braindecode_seizure_head_is_returned_as_extras(tmp_path, stock):
    save_file(_braindecode_state(stock), tmp_path / "model.safetensors")
    ckpt = read_checkpoint(tmp_path)
    assert sorted(ckpt.extras) == ["final_layer.mlp.0.bias", "final_layer.mlp.0.weight"]
    assert float(ckpt.state_dict["embed.mask_encoding"].abs().sum()) == 0.0


def test_band_sfreq_250_departs_from_the_reference(official_dir, stock, signal):
    model = load(official_dir, nhead=2, band_sfreq=250.0)
    with torch.no_grad():
        assert not torch.allclose(model(signal), stock(signal), atol=1e-4)


def test_saved_file_round_trips_weights_config_and_contract(tmp_path, official_dir, signal):
    model = load(official_dir, nhead=2)
    path = save(model, tmp_path / "ours.safetensors", notes="converted")
    again = load(path)
    assert again.config == model.config
    assert again.pretrained_cfg.contract == model.pretrained_cfg.contract
    assert again.pretrained_cfg.notes == "converted"
    with torch.no_grad():
        torch.testing.assert_close(again(signal), model(signal), atol=0, rtol=0)


def test_float16_storage_keeps_embeddings_within_cosine_0999(tmp_path, signal):
    torch.manual_seed(1)
    from bptlearn.nn import BPTModel
    model = BPTModel(preset="nano").eval()
    half = load(save(model, tmp_path / "h.safetensors", dtype=torch.float16))
    assert half.embed.proj.weight.dtype == torch.float32
    with torch.no_grad():
        a, b = model(signal).flatten(), half(signal).flatten()
    assert float(torch.nn.functional.cosine_similarity(a, b, dim=0)) >= 0.999


def test_bare_state_dict_has_no_contract(official_dir):
    sd = load(official_dir, nhead=2).state_dict()
    assert load(sd, nhead=2).pretrained_cfg is None


def test_missing_key_is_named_when_strict(tmp_path, stock):
    time_state = dict(stock.time.state_dict())
    del time_state["trans_enc.layers.1.norm2.bias"]
    torch.save(time_state, tmp_path / "time_encoder.pt")
    torch.save(stock.channel.state_dict(), tmp_path / "channel_encoder.pt")
    with pytest.raises(CheckpointError, match=r"missing keys: temporal\.layers\.1\.norm2\.bias"):
        load(tmp_path, nhead=2)


def test_missing_key_loads_the_rest_when_not_strict(tmp_path, stock):
    time_state = dict(stock.time.state_dict())
    del time_state["trans_enc.layers.1.norm2.bias"]
    torch.save(time_state, tmp_path / "time_encoder.pt")
    torch.save(stock.channel.state_dict(), tmp_path / "channel_encoder.pt")
    model = load(tmp_path, nhead=2, strict=False)
    torch.testing.assert_close(model.embed.band_encoding.data,
                               stock.time.input_embedding.band_encoding.data)


def test_unexpected_key_is_named(tmp_path, stock):
    channel_state = dict(stock.channel.state_dict())
    channel_state["extra_norm.weight"] = torch.ones(D)
    torch.save(stock.time.state_dict(), tmp_path / "time_encoder.pt")
    torch.save(channel_state, tmp_path / "channel_encoder.pt")
    with pytest.raises(CheckpointError, match=r"unexpected keys: channel_encoder\.pt:extra_norm"):
        load(tmp_path, nhead=2)


def test_checkpoint_of_another_preset_names_both_sizes(official_dir):
    with pytest.raises(CheckpointError, match=r"d_model=32 .*preset='nano' \(d_model=128\)"):
        load(official_dir, preset="nano")


def test_truncated_file_is_reported_as_truncated(tmp_path, official_dir):
    data = (official_dir / "time_encoder.pt").read_bytes()
    (official_dir / "time_encoder.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated"):
        load(official_dir, nhead=2)


def test_truncated_safetensors_is_reported_as_truncated(tmp_path, official_dir):
    path = save(load(official_dir, nhead=2), tmp_path / "m.safetensors")
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="truncated"):
        load(path)


def test_half_of_an_official_checkpoint_names_the_missing_file(tmp_path, stock):
    torch.save(stock.time.state_dict(), tmp_path / "time_encoder.pt")
    with pytest.raises(CheckpointError, match="'channel_encoder.pt' is not beside it"):
        load(tmp_path / "time_encoder.pt", nhead=2)


def test_nonexistent_file_is_named(tmp_path):
    with pytest.raises(CheckpointError, match=r"nope\.safetensors' does not exist"):
        load(tmp_path / "nope.safetensors")


def test_read_checkpoint_returns_our_key_layout_and_the_format(official_dir):
    ckpt = read_checkpoint(official_dir)
    assert ckpt.state_dict["embed.proj.weight"].shape == (D, P)
    assert ckpt.format == "official"


def test_loading_braindecode_warns_about_the_head_it_leaves_out(tmp_path, stock, caplog):
    save_file(_braindecode_state(stock), tmp_path / "model.safetensors")
    with caplog.at_level("WARNING", logger="bptlearn.weights"):
        load(tmp_path / "model.safetensors", nhead=2)
    assert "final_layer.mlp.0.bias" in caplog.text and "read_checkpoint" in caplog.text
