"""Weights from the Hugging Face Hub, tested offline against a pre-filled Hub cache."""

from __future__ import annotations

import logging
import shutil
import socket
import sys

import pytest
import torch

from bptlearn import BPTEncoder
from bptlearn.exceptions import CheckpointError
from bptlearn.weights import PretrainedCfg, _registry, file_sha256, load, read_checkpoint

REVISION = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def hub_cache(tmp_path, official_dir, monkeypatch):
    """A Hub cache holding test-org/brant (the official two files) at refs/main."""
    cache = tmp_path / "hub"
    repo = cache / "models--test-org--brant"
    snapshot = repo / "snapshots" / REVISION
    snapshot.mkdir(parents=True)
    for name in ("time_encoder.pt", "channel_encoder.pt"):
        shutil.copy(official_dir / name, snapshot / name)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(REVISION)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("BPTLEARN_HOME", str(tmp_path / "home"))  # no local copy anywhere
    return snapshot


@pytest.fixture
def registered(hub_cache, monkeypatch):
    """A registry entry naming test-org/brant, with the files' SHA-256."""
    cfg = PretrainedCfg(
        name="bpt_test.hub", preset="custom", format="official", band_sfreq=256.0,
        normalization="zscore_window", hub_repo="test-org/brant",
        files=tuple((n, file_sha256(hub_cache / n))
                    for n in ("time_encoder.pt", "channel_encoder.pt")))
    monkeypatch.setitem(_registry._REGISTRY, cfg.name, cfg)
    return cfg


def test_hf_address_loads_the_official_files_from_the_cache(hub_cache, official_dir, caplog):
    with caplog.at_level(logging.INFO, logger="bptlearn.weights._hub"):
        model = load("hf://test-org/brant", nhead=2)
    reference = load(official_dir, nhead=2)
    for key, value in reference.state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value)
    assert "test-org/brant (revision main) from the Hugging Face Hub" in caplog.text
    assert "offline: from the cache" in caplog.text and str(hub_cache) in caplog.text
    assert model.pretrained_cfg.origin_url == "https://huggingface.co/test-org/brant"


def test_hf_address_with_a_revision_reads_that_snapshot(hub_cache):
    ckpt = read_checkpoint(f"hf://test-org/brant@{REVISION}")
    assert [p.parent.name for p in ckpt.files] == [REVISION, REVISION]
    assert ckpt.format == "official"


def test_encoder_takes_a_hub_address_as_weights(hub_cache, seeg):
    enc = BPTEncoder(weights="hf://test-org/brant", extra_features=(), n_components=None,
                     device="cpu").fit(seeg[0])
    assert enc.transform(seeg[0][:2]).shape == (2, 32)
    assert enc.scaling_ == "window"  # the official contract, carried from the Hub


def test_a_registered_name_without_local_files_is_fetched_from_its_hub_repo(registered):
    ckpt = read_checkpoint("bpt_test.hub")
    assert ckpt.pretrained_cfg is registered
    assert all(REVISION in str(p) for p in ckpt.files)


def test_a_hub_address_of_a_registered_repo_is_read_as_that_entry(registered):
    assert read_checkpoint("hf://test-org/brant").pretrained_cfg.name == "bpt_test.hub"


def test_a_hub_file_with_another_sha256_is_refused(registered, monkeypatch):
    bad = registered.replace(files=(("time_encoder.pt", "0" * 64),
                                    registered.files[1]))
    monkeypatch.setitem(_registry._REGISTRY, bad.name, bad)
    with pytest.raises(CheckpointError, match="SHA-256 is .* the registry expects 0000"):
        read_checkpoint("hf://test-org/brant")


def test_offline_without_the_files_in_the_cache_says_how_to_get_them(hub_cache):
    with pytest.raises(CheckpointError, match=r"not in the Hub cache .*HF_HUB_OFFLINE is set"
                                              r".*hf download other-org/brant"):
        load("hf://other-org/brant")


@pytest.mark.parametrize("source", ["hf://brant", "hf://org/name@", "hf://org/na me"])
def test_a_malformed_hub_address_is_refused(source):
    with pytest.raises(ValueError, match="is not a Hub address; write hf://ORG/NAME"):
        read_checkpoint(source)


def test_without_huggingface_hub_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)
    with pytest.raises(ImportError, match=r"pip install bptlearn\[hub\]"):
        load("hf://test-org/brant")


def test_the_braindecode_entry_names_its_hub_repository():
    assert _registry._REGISTRY["bpt_large.braindecode"].hub_repo == "braindecode/brant-pretrained"
    assert _registry._REGISTRY["bpt_large.official"].hub_repo is None
