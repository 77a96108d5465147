"""Untrusted weight files (issue 15, items 2, 3, 9, 11, 13; issue 16): bounded, checked, named.

A weight file decides the size of the model it builds, so ``load`` checks the key set, the
shape consistency and the implied parameter count on the meta device before it allocates
anything; dtypes, the input contract and the torch version are checked too. Each failure
names the file and the fix.
"""

from __future__ import annotations

import json
import resource
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from bptlearn.exceptions import CheckpointError
from bptlearn.nn import BPTModel
from bptlearn.weights import load, save, torch_load_safe
from bptlearn.weights._io import FORMAT_KEY, FORMAT_VALUE

from ..conftest import TINY_OVERRIDES


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _tiny() -> BPTModel:
    return BPTModel(preset="nano", **TINY_OVERRIDES)


def _nano_state() -> dict[str, torch.Tensor]:
    return BPTModel(preset="nano").state_dict()


# ----------------------------------------------------------------------------- item 2
def test_a_small_file_implying_a_huge_model_is_refused_before_allocating(tmp_path):
    sd = {"embed.proj.weight": torch.zeros(40000, 2),
          "temporal.layers.0.linear1.weight": torch.zeros(4, 40000),
          "spatial.layers.0.linear1.weight": torch.zeros(4, 40000)}
    path = tmp_path / "b.safetensors"
    save_file(sd, str(path))
    before = _rss_mb()
    with pytest.raises(CheckpointError, match=r"b\.safetensors.*parameters.*max_params"):
        load(path)
    assert _rss_mb() - before < 500  # the 19.2 GB model was never built


def test_a_layer_index_far_past_the_preset_is_refused_before_allocating(tmp_path):
    sd = {**_nano_state(), "temporal.layers.20000.linear1.bias": torch.zeros(512)}
    path = tmp_path / "deep.pt"
    torch.save(sd, path)
    before = _rss_mb()
    with pytest.raises(CheckpointError, match=r"deep\.pt.*20001 temporal layers.*max_params"):
        load(path)
    assert _rss_mb() - before < 500


def test_max_params_bounds_the_model_and_can_be_raised(tmp_path):
    path = save(_tiny(), tmp_path / "tiny.safetensors")
    with pytest.raises(CheckpointError, match=r"max_params=1000"):
        load(path, max_params=1000)
    assert load(path, max_params=10**6).config.d_model == 32
    with pytest.raises(TypeError, match="max_params must be an instance of int"):
        load(path, max_params="many")


def test_keys_with_holes_are_refused_before_the_model_is_built(tmp_path, monkeypatch):
    sd = {**_nano_state(), "temporal.layers.5.linear1.bias": torch.zeros(512)}
    torch.save(sd, tmp_path / "holes.pt")
    built = []
    original = BPTModel.__init__

    def spy(self, *args, **kwargs):
        built.append(torch.get_default_device())
        original(self, *args, **kwargs)

    monkeypatch.setattr(BPTModel, "__init__", spy)
    with pytest.raises(CheckpointError, match=r"holes\.pt.*missing keys: temporal\.layers\.2\."):
        load(tmp_path / "holes.pt")
    assert all(d.type == "meta" for d in built)  # only meta models were built


# ----------------------------------------------------------------------------- item 3
def test_pt_files_are_refused_under_a_torch_that_could_run_pickled_code(tmp_path, monkeypatch):
    torch.save(_tiny().state_dict(), tmp_path / "m.pt")
    monkeypatch.setattr(torch, "__version__", "2.5.1")
    with pytest.raises(CheckpointError, match=r"torch 2\.5\.1.*CVE-2025-32434.*torch>=2\.6"):
        torch_load_safe(tmp_path / "m.pt")


def test_the_declared_torch_floor_is_the_safe_one():
    root = Path(__file__).resolve().parents[2]
    assert '"torch>=2.6",' in (root / "pyproject.toml").read_text()
    assert "torch>=2.2" not in (root / "README.md").read_text()
    assert "torch>=2.6" in (root / "README.md").read_text()


# ----------------------------------------------------------------------------- item 9
@pytest.mark.parametrize("contract, match", [
    ({"sfreq": -5}, r"contract\['sfreq'\] must be a positive.*-5"),
    ({"sfreq": "fast"}, r"contract\['sfreq'\] must be a positive.*'fast'"),
    ({"n_patches": 0}, r"contract\['n_patches'\] must be a positive int"),
    ({"patch_len": 1000}, r"patch_len=1000.*model's patch_len=1500"),
    ({"n_patches": 20}, r"n_patches=20.*model's 15 positions"),
    ({"sfreq": 500.0}, r"sfreq=500.0.*model's sfreq=250.0.*BPTConfig\(sfreq=500"),
    (["sfreq", 250], r"contract must be an instance of dict"),
])
def test_save_validates_the_contract_against_the_model(tmp_path, contract, match):
    with pytest.raises((ValueError, TypeError), match=match):
        save(_tiny(), tmp_path / "m.safetensors", contract=contract)
    assert not (tmp_path / "m.safetensors").exists()


def _rewrite_contract(path, contract) -> None:
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as fh:
        meta = dict(fh.metadata())
        tensors = {k: fh.get_tensor(k) for k in fh.keys()}
    meta["contract"] = json.dumps(contract)
    save_file(tensors, str(path), metadata=meta)


@pytest.mark.parametrize("contract, match", [
    (["sfreq", 250], r"m\.safetensors.*contract.*must be a JSON object.*got a list"),
    ({"sfreq": "abc"}, r"m\.safetensors.*contract\['sfreq'\] must be a positive"),
    ({"patch_len": 999}, r"m\.safetensors.*patch_len=999.*model's patch_len=1500"),
])
def test_load_validates_the_stored_contract(tmp_path, contract, match):
    path = save(_tiny(), tmp_path / "m.safetensors")
    _rewrite_contract(path, contract)
    with pytest.raises(CheckpointError, match=match):
        load(path)


# ----------------------------------------------------------------------------- item 11
@pytest.mark.parametrize("dtype", [torch.bool, torch.int8, torch.int64])
def test_float_weights_stored_as_bool_or_int_are_refused(tmp_path, dtype):
    sd = _tiny().state_dict()
    sd["rec_head.weight"] = sd["rec_head.weight"].to(dtype)
    path = tmp_path / "cast.pt"
    torch.save(sd, path)
    with pytest.raises(CheckpointError,
                       match=rf"cast\.pt.*rec_head\.weight.*stored as {dtype}.*float"):
        load(path)


# ----------------------------------------------------------------------------- item 13
def test_a_text_file_named_pt_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "hello.pt"
    path.write_text("hello world\n")
    with pytest.raises(CheckpointError, match=r"hello\.pt.*not a PyTorch checkpoint"):
        load(path)


def test_a_header_naming_the_format_but_not_json_is_named(tmp_path):
    path = tmp_path / "m.safetensors"
    save_file(_tiny().state_dict(), str(path),
              metadata={FORMAT_KEY: FORMAT_VALUE, "config": "{not json"})
    with pytest.raises(CheckpointError, match=r"m\.safetensors.*not valid JSON"):
        load(path)


# ----------------------------------------------------------------------------- issue 16
@pytest.mark.parametrize("name, closest", [("bpt_large", "bpt_large.official"),
                                           ("bpt_nano.shiped", "bpt_nano.shipped")])
def test_an_unregistered_name_lists_the_names_and_the_closest(name, closest):
    with pytest.raises(ValueError, match=rf"No weights are registered under the name "
                                         rf"'{name}'.*{closest}.*bpt_tiny\.official"):
        load(name)
