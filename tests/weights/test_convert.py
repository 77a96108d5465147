"""The key map as pure functions, on synthetic key sets."""

from __future__ import annotations

import pytest
import torch

from bptlearn.exceptions import CheckpointError
from bptlearn.nn import BPTModel
from bptlearn.weights import (
    braindecode_to_bptlearn,
    detect_layout,
    infer_config,
    official_to_bptlearn,
    strip_ddp_prefix,
)

Z = torch.zeros(1)


@pytest.mark.parametrize(("official", "ours"), [
    ("input_embedding.proj.0.weight", "embed.proj.weight"),
    ("input_embedding.proj.0.bias", "embed.proj.bias"),
    ("input_embedding.band_encoding", "embed.band_encoding"),
    ("input_embedding.mask_encoding", "embed.mask_encoding"),
    ("trans_enc.layers.3.self_attn.in_proj_weight", "temporal.layers.3.self_attn.in_proj.weight"),
    ("trans_enc.layers.0.self_attn.in_proj_bias", "temporal.layers.0.self_attn.in_proj.bias"),
    ("trans_enc.layers.11.linear2.weight", "temporal.layers.11.linear2.weight"),
])
def test_time_file_keys_map_to_ours(official, ours):
    assert list(official_to_bptlearn({official: Z}, {}).state_dict) == [ours]


@pytest.mark.parametrize(("official", "ours"), [
    ("trans_enc.layers.4.norm1.weight", "spatial.layers.4.norm1.weight"),
    ("trans_enc.layers.0.self_attn.out_proj.bias", "spatial.layers.0.self_attn.out_proj.bias"),
    ("proj_out.0.weight", "rec_head.weight"),
])
def test_channel_file_keys_map_to_ours(official, ours):
    assert list(official_to_bptlearn({}, {official: Z}).state_dict) == [ours]


def test_unknown_official_keys_are_reported_with_their_file():
    out = official_to_bptlearn({"foo.weight": Z}, {"module.input_embedding.proj.0.bias": Z})
    assert out.unexpected == ["time_encoder.pt:foo.weight",
                              "channel_encoder.pt:input_embedding.proj.0.bias"]
    assert out.state_dict == {}


def test_ddp_prefix_is_stripped_once_per_key():
    assert list(strip_ddp_prefix({"module.module.a": Z, "b": Z})) == ["module.a", "b"]


def test_braindecode_keys_split_into_model_and_head():
    out = braindecode_to_bptlearn({"spatial_encoder.proj_out.0.bias": Z,
                                   "final_layer.mlp.4.weight": Z, "classifier.x": Z})
    assert list(out.state_dict) == ["rec_head.bias"]
    assert list(out.extras) == ["final_layer.mlp.4.weight"]
    assert out.unexpected == ["classifier.x"]


@pytest.mark.parametrize(("keys", "layout"), [
    (["embed.proj.weight"], "bptlearn"),
    (["module.input_embedding.proj.0.weight"], "official_time"),
    (["proj_out.0.weight", "trans_enc.layers.0.linear1.weight"], "official_channel"),
    (["temporal_encoder.trans_enc.layers.0.linear1.weight"], "braindecode"),
    (["conv.weight"], "unknown"),
])
def test_layout_is_detected_from_keys(keys, layout):
    assert detect_layout(dict.fromkeys(keys, Z)) == layout


def test_config_follows_from_shapes():
    model = BPTModel(preset="nano", d_model=32, nhead=2, dim_feedforward=48,
                     n_temporal_layers=3, n_spatial_layers=1, n_patches=7)
    cfg = infer_config(model.state_dict(), nhead=2)
    assert (cfg.d_model, cfg.dim_feedforward, cfg.n_temporal_layers, cfg.n_spatial_layers,
            cfg.n_patches) == (32, 48, 3, 1, 7)


def test_override_contradicting_a_shape_is_refused():
    sd = BPTModel(preset="nano").state_dict()
    with pytest.raises(CheckpointError, match="d_model=64 was asked but the weights have "
                                              "d_model=128"):
        infer_config(sd, nhead=4, d_model=64)


def test_config_of_an_incomplete_state_dict_names_what_is_missing():
    with pytest.raises(CheckpointError, match="does not say its d_model"):
        infer_config({"rec_head.bias": Z})
