"""The shipped default weights: present, verified, small, and unchanged (golden values)."""

from __future__ import annotations

import torch

from bptlearn.weights import DEFAULT_WEIGHTS, PACKAGE_DIR, get_pretrained_cfg, load

# Mean over channels and patches of the spatial embedding of GOLDEN_INPUT, first 6 values.
GOLDEN = [-0.199659, -0.891723, 0.179973, -0.365463, 3.402718, -0.037531]


def _golden_input() -> torch.Tensor:
    g = torch.Generator().manual_seed(1234)
    return torch.randn(1, 4, 2, 1500, generator=g)


def test_shipped_file_is_present_and_a_few_megabytes():
    cfg = get_pretrained_cfg(DEFAULT_WEIGHTS)
    assert cfg.has_weights
    size = (PACKAGE_DIR / cfg.files[0][0]).stat().st_size
    assert 1e6 < size < 4e6


def test_shipped_weights_load_with_their_contract():
    model = load(DEFAULT_WEIGHTS)
    assert model.config.d_model == 128 and not model.training
    assert model.pretrained_cfg.contract == get_pretrained_cfg(DEFAULT_WEIGHTS).contract
    assert model.embed.proj.weight.dtype == torch.float32


def test_shipped_embeddings_match_the_golden_values():
    with torch.inference_mode():
        emb = load(DEFAULT_WEIGHTS)(_golden_input()).mean(dim=(1, 2))[0, :6]
    torch.testing.assert_close(emb, torch.tensor(GOLDEN), atol=1e-4, rtol=1e-4)


SHIPPED_SHA256 = "3e640f4f612c1e6effdfc43a883a60d2bd0ac5b66b6c01ccee857553a260cb99"
SHIPPED_CONTRACT = {"sfreq": 250.0, "patch_len": 1500, "n_patches": 15, "band_sfreq": 250.0,
                    "normalization": "robust_channel", "channel_types": ["seeg"]}


def test_shipped_file_hash_and_contract_are_pinned():
    from bptlearn.utils._io import file_sha256

    cfg = get_pretrained_cfg(DEFAULT_WEIGHTS)
    assert cfg.files[0][1] == SHIPPED_SHA256  # the registry checks this on every load
    assert file_sha256(PACKAGE_DIR / cfg.files[0][0]) == SHIPPED_SHA256
    assert cfg.contract == SHIPPED_CONTRACT
    assert load(DEFAULT_WEIGHTS).pretrained_cfg.contract == SHIPPED_CONTRACT  # the header's


def test_shipped_file_records_the_recipe_the_model_card_gives():
    import json

    from safetensors import safe_open

    cfg = get_pretrained_cfg(DEFAULT_WEIGHTS)
    with safe_open(str(PACKAGE_DIR / cfg.files[0][0]), "pt") as f:
        meta = f.metadata()
    assert json.loads(meta["config"])["dropout"] == 0.0
    recipe = json.loads(meta["notes"].split("config=", 1)[1])
    assert recipe["objective"] == "spectral_events"
    assert (recipe["steps"], recipe["batch_size"], recipe["seed"]) == (3000, 8, 0)
    assert (recipe["synthetic"], recipe["synthetic_duration"]) == (100, 600.0)
    assert (recipe["lr_min"], recipe["lr_max"], recipe["lr_step"]) == (5e-05, 0.001, 1500)
    assert load(DEFAULT_WEIGHTS).config.dropout == 0.0
