import pytest
import torch

from bptlearn.nn import PRESETS, BPTConfig, BPTModel

# Paper sizes (BRANT.md): parameters of embedding + encoders + reconstruction head + mask tokens.
PAPER_COUNTS_M = {"tiny": 68.49, "small": 103.90, "medium": 249.23, "large": 505.69}


def test_every_preset_is_in_the_test_tables():
    assert set(PRESETS) == set(PAPER_COUNTS_M) | {"nano"}


@pytest.mark.parametrize("preset", sorted(PAPER_COUNTS_M))
def test_paper_presets_have_exact_parameter_counts(preset):
    with torch.device("meta"):
        model = BPTModel(BPTConfig.preset(preset))
    assert round(model.get_num_params() / 1e6, 2) == PAPER_COUNTS_M[preset]


def test_medium_and_large_counts_without_mask_tokens_match_the_paper_footnote():
    for preset, expected in (("medium", 249.22), ("large", 505.68)):
        with torch.device("meta"):
            model = BPTModel(preset=preset)
        masks = model.embed.mask_encoding.numel() + model.embed.power_mask_encoding.numel()
        assert round((model.get_num_params() - masks) / 1e6, 2) == expected


def test_nano_preset_is_small_enough_to_ship():
    with torch.device("meta"):
        model = BPTModel(preset="nano")
    assert model.get_num_params() < 2_000_000


def test_mask_tokens_are_frozen_zeros_unless_learnable():
    frozen = BPTModel(preset="nano")
    assert not frozen.embed.mask_encoding.requires_grad
    assert torch.count_nonzero(frozen.embed.mask_encoding) == 0
    learnable = BPTModel(preset="nano", learnable_mask=True)
    assert learnable.embed.mask_encoding.requires_grad
    assert learnable.embed.power_mask_encoding.requires_grad


def test_preset_overrides_and_dict_round_trip():
    cfg = BPTConfig.preset("nano", dropout=0.0, band_sfreq=256.0)
    assert (cfg.dropout, cfg.band_sfreq, cfg.d_model) == (0.0, 256.0, 128)
    assert BPTConfig(**cfg.to_dict()) == cfg
    assert BPTModel.from_config(cfg.to_dict()).config == cfg


def test_unknown_preset_names_the_allowed_values():
    with pytest.raises(ValueError, match="Invalid value for the 'preset' parameter.*'nano'"):
        BPTConfig.preset("huge")


def test_unknown_override_lists_valid_fields():
    with pytest.raises(TypeError, match=r"Unknown BPTConfig field\(s\) \['d'\]"):
        BPTConfig.preset("nano", d=3)


def test_width_not_divisible_by_heads_is_refused():
    with pytest.raises(ValueError, match="divisible by nhead=16"):
        BPTConfig(d_model=100)


@pytest.mark.parametrize("field, value", [("d_model", 0), ("patch_len", 1), ("dropout", 1.0),
                                          ("sfreq", -250.0), ("n_patches", 2.5)])
def test_invalid_config_values_are_refused(field, value):
    with pytest.raises(ValueError, match=f"BPTConfig.{field}"):
        BPTConfig(**{field: value})


def test_model_refuses_config_and_overrides_together():
    with pytest.raises(ValueError, match="not both"):
        BPTModel(BPTConfig.preset("nano"), dropout=0.2)
