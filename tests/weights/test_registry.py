"""The registry of named weights: names, contracts, file lookup and SHA-256 checks."""

from __future__ import annotations

import pytest
import torch

from bptlearn.exceptions import CheckpointError
from bptlearn.nn import PRESETS, BPTModel
from bptlearn.weights import (
    CONTRACT_FIELDS,
    DEFAULT_WEIGHTS,
    PretrainedCfg,
    _registry,
    file_sha256,
    get_pretrained_cfg,
    list_pretrained,
    load,
    save,
)

EXPECTED_NAMES = ["bpt_large.braindecode", "bpt_large.official", "bpt_medium.official",
                  "bpt_nano.shipped", "bpt_small.official", "bpt_tiny.official"]


def test_every_expected_name_is_registered():
    assert list_pretrained() == EXPECTED_NAMES


def test_pattern_filters_names():
    assert list_pretrained("bpt_large.*") == ["bpt_large.braindecode", "bpt_large.official"]


@pytest.mark.parametrize("name", EXPECTED_NAMES)
def test_every_entry_states_a_complete_contract(name):
    cfg = get_pretrained_cfg(name)
    assert set(cfg.contract) == set(CONTRACT_FIELDS)
    assert cfg.sfreq == 250.0 and cfg.patch_len == 1500 and cfg.n_patches == 15
    assert cfg.preset in PRESETS and cfg.origin_url and cfg.paper


def test_official_entries_use_band_sfreq_256_for_parity():
    assert {get_pretrained_cfg(n).band_sfreq for n in list_pretrained("*.official")} == {256.0}


def test_default_is_the_shipped_nano_with_a_hash():
    cfg = get_pretrained_cfg(DEFAULT_WEIGHTS)
    assert cfg.preset == "nano" and cfg.packaged
    assert all(len(sha) == 64 for _, sha in cfg.files)


def test_unknown_name_suggests_close_names():
    with pytest.raises(ValueError, match=r"'bpt_large\.oficial'.*Did you mean.*bpt_large"):
        get_pretrained_cfg("bpt_large.oficial")


def test_unknown_name_given_to_load_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="No weights are registered under the name 'bpt_x.y'"):
        load("bpt_x.y")


def test_absent_files_are_named_with_the_folder_they_go_in(tmp_path, monkeypatch):
    monkeypatch.setenv("BPTLEARN_HOME", str(tmp_path))
    cfg = get_pretrained_cfg("bpt_large.official")
    assert not cfg.has_weights
    where = str(tmp_path / "weights" / "bpt_large.official")
    with pytest.raises(CheckpointError, match=r"time_encoder\.pt.*channel_encoder\.pt.*never "
                                              r"downloads.*" + where):
        load("bpt_large.official")


@pytest.fixture
def registered(tmp_path, monkeypatch):
    """A registered 'bpt_nano.test' whose file (with its true hash) lies in tmp_path."""
    torch.manual_seed(0)
    path = save(BPTModel(preset="nano"), tmp_path / "w.safetensors",
                contract={"normalization": "none"})
    cfg = PretrainedCfg(name="bpt_nano.test", preset="nano",
                        files=(("w.safetensors", file_sha256(path)),), origin_url="tests",
                        normalization="none")
    monkeypatch.setitem(_registry._REGISTRY, cfg.name, cfg)
    return path


def test_registered_name_loads_from_path_with_its_contract(registered):
    model = load("bpt_nano.test", path=registered.parent)
    assert model.pretrained_cfg.name == "bpt_nano.test"
    assert model.pretrained_cfg.normalization == "none"
    assert not model.training


def test_hash_mismatch_is_refused(registered):
    data = bytearray(registered.read_bytes())
    data[-1] ^= 0xFF  # flip bits in the last weight value
    registered.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="SHA-256 is .* the registry expects"):
        load("bpt_nano.test", path=registered.parent)


def test_registered_name_holding_another_preset_is_refused(tmp_path, monkeypatch):
    path = save(BPTModel(preset="nano", d_model=32, nhead=2), tmp_path / "w.safetensors")
    cfg = PretrainedCfg(name="bpt_nano.small", preset="nano",
                        files=(("w.safetensors", file_sha256(path)),))
    monkeypatch.setitem(_registry._REGISTRY, cfg.name, cfg)
    with pytest.raises(CheckpointError, match="registered as preset 'nano' .*d_model=32"):
        load("bpt_nano.small", path=tmp_path)


def test_unknown_contract_field_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"unknown field\(s\) \['sampling_rate'\]"):
        save(BPTModel(preset="nano"), tmp_path / "m.safetensors",
             contract={"sampling_rate": 250})


def test_bad_normalization_names_the_options(tmp_path):
    with pytest.raises(ValueError, match="'normalization' parameter.*'robust_channel'"):
        save(BPTModel(preset="nano"), tmp_path / "m.safetensors",
             contract={"normalization": "minmax"})
