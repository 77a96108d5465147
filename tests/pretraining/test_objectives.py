"""Masking, the objectives and their auxiliary terms compute what their documentation says."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
import torch

from bptlearn.data import make_seeg
from bptlearn.nn import BPTModel
from bptlearn.pretraining import (
    EVENT_NAMES,
    OBJECTIVES,
    Objective,
    PretrainConfig,
    PretrainModule,
    collate_events,
    get_objective,
    make_recording,
    pretrain,
    random_mask,
    spectral_target,
    synthetic_recordings,
    variance_covariance,
)

from .conftest import TINY_MODEL


@pytest.fixture
def batch():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 4, 1500, generator=g)
    return x, random_mask((2, 3, 4), 0.4, g)


def _module(name):
    torch.manual_seed(0)
    model = BPTModel(preset="nano", learnable_mask=True, **TINY_MODEL)
    return PretrainModule(model, OBJECTIVES[name]).eval()


def test_mask_hides_forty_percent_of_each_windows_tokens():
    mask = random_mask((3, 5, 15), 0.4, torch.Generator().manual_seed(1))
    assert mask.sum(dim=(1, 2)).tolist() == [30, 30, 30]


def test_mask_hides_at_least_one_token():
    assert int(random_mask((1, 1, 1), 0.01).sum()) == 1


def test_official_loss_is_the_mse_over_every_token(batch):
    x, mask = batch
    module = _module("official")
    loss, _ = module(x, mask)
    expected = (module.model.reconstruct(x, mask) - x).square().mean()
    torch.testing.assert_close(loss, expected)


def test_masked_loss_scores_only_masked_tokens(batch):
    x, mask = batch
    module = _module("masked")
    loss, _ = module(x, mask)
    err = (module.model.reconstruct(x, mask) - x).square().mean(dim=-1)
    torch.testing.assert_close(loss, err[mask].mean())


def test_mask_power_makes_masked_tokens_blind_to_their_patch(batch):
    x, mask = batch
    louder = torch.where(mask.unsqueeze(-1), 3 * x + torch.sin(torch.arange(1500.0)), x)
    embed = _module("mask_power").model.embed
    hidden = embed(x, mask, True)[mask], embed(louder, mask, True)[mask]
    shown = embed(x, mask, False)[mask], embed(louder, mask, False)[mask]
    torch.testing.assert_close(*hidden)
    assert not torch.allclose(*shown)


def test_spectral_loss_adds_the_weighted_spectral_term(batch):
    x, mask = batch
    loss, parts = _module("spectral")(x, mask)
    assert set(parts) == {"loss_rec", "loss_spec"}
    assert math.isclose(float(loss.detach()), parts["loss_rec"] + parts["loss_spec"], rel_tol=1e-6)


def test_spectral_target_holds_band_powers_then_log_amplitude():
    t = torch.arange(1500) / 250.0
    x = 4.0 * torch.sin(2 * torch.pi * 10.0 * t)
    target = spectral_target(x, 250.0)
    assert target.shape == (9,)
    assert int(target[:8].argmax()) == 1  # alpha (8, 13] Hz
    assert math.isclose(float(target[8]), math.log(float(x.std()) + 1e-3), rel_tol=1e-6)


def test_unknown_objective_lists_the_names():
    with pytest.raises(ValueError, match="'objective' parameter.*'official', 'masked'"):
        get_objective("contrastive")


def test_objective_from_fields():
    obj = get_objective({"name": "custom", "loss_on": "masked", "mask_ratio": 0.6})
    assert obj == Objective("custom", mask_ratio=0.6, loss_on="masked")


def test_mask_ratio_out_of_range_is_refused():
    with pytest.raises(ValueError, match=r"mask_ratio must lie in \(0, 1\), got 1.5"):
        Objective(mask_ratio=1.5)


# --- auxiliary event heads, the variance-covariance term, event labels, mixed corpora ---

def _events(shape, seizure_tokens=()):
    """Event targets (B, C, L, 4): seizure known everywhere, the other events unmarked."""
    events = torch.full((*shape, len(EVENT_NAMES)), float("nan"))
    events[..., 0] = 0.0
    for index in seizure_tokens:
        events[index + (0,)] = 1.0
    return events


def _aux_module(name):
    torch.manual_seed(0)
    return PretrainModule(BPTModel(preset="nano", learnable_mask=True, **TINY_MODEL),
                          OBJECTIVES[name]).eval()


@pytest.mark.parametrize("name, extra", [("spectral_events", {"loss_event"}),
                                         ("spectral_tokens", {"loss_tok"}),
                                         ("spectral_vicreg", {"loss_vc"}),
                                         ("spectral_events_vicreg", {"loss_event", "loss_vc"})])
def test_aux_objectives_add_their_parts_to_the_spectral_loss(batch, name, extra):
    x, mask = batch
    loss, parts = _aux_module(name)(x, mask, _events(mask.shape, [(0, 1, 2)]))
    assert set(parts) == {"loss_rec", "loss_spec"} | extra
    assert math.isclose(float(loss.detach()), sum(parts.values()), rel_tol=1e-5)
    base, _ = _aux_module("spectral")(x, mask)
    assert math.isclose(parts["loss_rec"] + parts["loss_spec"], float(base.detach()),
                        rel_tol=1e-5)


def test_event_loss_is_the_bce_of_the_event_head_on_every_labelled_token(batch):
    x, mask = batch
    module = _aux_module("spectral_events")
    events = _events(mask.shape, [(0, 1, 2), (1, 0, 0)])
    _, parts = module(x, mask, events)
    h = module.model.encode(module.model.embed(x, mask, True))
    logits = module.event_head(h)[..., 0]
    expected = torch.nn.functional.binary_cross_entropy_with_logits(logits, events[..., 0])
    assert math.isclose(parts["loss_event"], float(expected.detach()), rel_tol=1e-5)


def test_tokens_without_labels_add_no_event_loss_nor_gradient(batch):
    x, mask = batch
    module = _aux_module("spectral_events")
    for events in (None, torch.full((*mask.shape, 4), float("nan"))):
        module.zero_grad()
        loss, parts = module(x, mask, events)
        loss.backward()
        assert parts["loss_event"] == 0.0
        assert float(module.event_head.proj.weight.grad.abs().sum()) == 0.0
    module.zero_grad()
    module(x, mask, _events(mask.shape, [(0, 0, 0)]))[0].backward()
    assert float(module.event_head.proj.weight.grad.abs().sum()) > 0


def test_variance_covariance_is_zero_when_isotropic_and_penalises_collapse():
    g = torch.Generator().manual_seed(0)
    white = 2.0 * torch.randn(20000, 6, generator=g)
    var, cov = variance_covariance(white)
    assert float(var) == 0.0 and float(cov) < 0.01
    same = torch.randn(20000, 1, generator=g).repeat(1, 6)  # 6 copies of one direction
    var, cov = variance_covariance(same)
    assert float(var) < 0.01
    assert math.isclose(float(cov), 30 / 6, rel_tol=0.05)  # 30 off-diagonal ones, over d
    var, _ = variance_covariance(torch.zeros(50, 4))
    assert math.isclose(float(var), 1 - math.sqrt(1e-4), rel_tol=1e-6)


def test_vicreg_term_spreads_collapsed_embeddings():
    h = (0.01 * torch.randn(200, 8, generator=torch.Generator().manual_seed(0)))
    h.requires_grad_(True)
    opt = torch.optim.SGD([h], lr=50.0)
    before = float(sum(variance_covariance(h.detach())))
    for _ in range(20):
        opt.zero_grad()
        var, cov = variance_covariance(h)
        (var + cov / 25).backward()
        opt.step()
    assert float(sum(variance_covariance(h.detach()))) < 0.5 * before


def test_negative_aux_weights_are_refused():
    with pytest.raises(ValueError, match="event_weight must be >= 0, got -1"):
        Objective(event_weight=-1)
    with pytest.raises(ValueError, match="vicreg_weight must be >= 0, got -0.5"):
        Objective(vicreg_weight=-0.5)


def test_collate_events_gives_each_patchs_fraction_in_each_event():
    rng = np.random.default_rng(0)
    data = rng.normal(size=(3, 9000))
    seizure = np.zeros((3, 9000), bool)
    seizure[1, 1003:1603] = True  # crosses a byte and a patch boundary
    spike = rng.random((3, 9000)) < 0.05
    recs = [make_recording(data, 250.0, "P01", events={"seizure": seizure, "spike": spike})]
    y = collate_events(recs, [(0, 3), (0, 1001)], n_patches=2, patch_len=1500)
    for b, start in enumerate((3, 1001)):
        for k, labels in enumerate((seizure, spike)):
            want = labels[:, start:start + 3000].reshape(3, 2, 1500).mean(-1)
            np.testing.assert_allclose(y[b, :, :, k].numpy(), want, rtol=1e-6)
    assert bool(y[..., 2:].isnan().all())  # HFOs and artefacts: not marked


def test_recording_without_events_gives_unknown_labels():
    data = np.random.default_rng(0).normal(size=(2, 3000))
    y = collate_events([make_recording(data, 250.0, "real")], [(0, 0)], 2, 1500)
    assert y.shape == (1, 2, 2, 4) and bool(y.isnan().all())


def test_event_labels_follow_the_resampling_to_250_hz():
    data = np.random.default_rng(0).normal(size=(2, 12000))  # 12 s at 1 kHz
    seizure = np.zeros((2, 12000), bool)
    seizure[0, 6000:] = True  # the second 6-s patch of channel 0
    rec = make_recording(data, 1000.0, "P01", events={"seizure": seizure})
    y = collate_events([rec], [(0, 0)], n_patches=2, patch_len=1500)
    assert y[0, :, :, 0].tolist() == [[0.0, 1.0], [0.0, 0.0]]


def test_event_labels_of_another_shape_or_name_are_refused():
    data = np.random.default_rng(0).normal(size=(2, 3000))
    with pytest.raises(ValueError, match=r"'seizure' of recording 'P01' has shape \(2, 10\)"):
        make_recording(data, 250.0, "P01", events={"seizure": np.zeros((2, 10), bool)})
    with pytest.raises(ValueError, match=r"has events \['sleep'\]; the event names are"):
        make_recording(data, 250.0, "P01", events={"sleep": np.zeros((2, 3000), bool)})


def test_simulated_patients_carry_their_seizure_labels():
    rec = synthetic_recordings(1, duration=300.0, seed=0)[0]
    sim = make_seeg(n_patients=1, n_chans=rec.n_chans, duration=300.0, random_state=0)[0]
    bits = np.unpackbits(rec.events["seizure"], axis=1, count=rec.n_times).astype(bool)
    np.testing.assert_array_equal(bits, sim.labels)


def test_unknown_generator_family_is_refused():
    with pytest.raises(ValueError, match="synthetic_families must hold distinct names.*"
                                         r"got \('seeg', 'nmm'\)"):
        PretrainConfig(synthetic_families=("seeg", "nmm"))
    assert PretrainConfig(synthetic_families="seeg").to_dict()["synthetic_families"] == ["seeg"]


def test_event_objective_trains_logs_and_resumes(tmp_path, tiny_run):
    run = dict(tiny_run, objective="spectral_events_vicreg")
    pretrain(out_dir=tmp_path, steps=2, **run)
    state = torch.load(tmp_path / "last.pt", weights_only=True)
    assert set(state["event_head"]) == {"proj.weight", "proj.bias"}
    pretrain(out_dir=tmp_path, steps=3, resume=True, **run)
    rows = list(csv.DictReader(open(tmp_path / "log.csv")))
    assert [int(r["step"]) for r in rows] == [1, 2, 3]
    assert all(float(r["loss_event"]) > 0 and float(r["loss_vc"]) > 0 for r in rows)


def test_mixed_families_share_the_patients_and_randomise_to_250_hz():
    recs = synthetic_recordings(2, duration=60.0, seed=0,
                                families=("seeg", "neural_mass:jansen_rit"), randomize=True)
    assert [r.name for r in recs] == ["synthetic-P01", "synthetic-neural_mass-jansen_rit-NM01"]
    assert [r.n_times for r in recs] == [15000, 15000]  # native rates resampled to 250 Hz
    assert set(recs[1].events) == set(EVENT_NAMES)  # the neural-mass family marks all four
    y = collate_events(recs, [(1, 0)], n_patches=2, patch_len=1500)
    assert not bool(y.isnan().any()) and 0.0 <= float(y.min()) <= float(y.max()) <= 1.0


def test_token_spectral_head_reads_every_token_s_true_log_spectrum(batch):
    from bptlearn.nn.spectral import LOG_POWER_FLOOR

    x, mask = batch
    module = _aux_module("spectral_tokens")
    torch.nn.init.zeros_(module.token_aux.proj.weight)
    torch.nn.init.zeros_(module.token_aux.proj.bias)
    _, parts = module(x, mask)
    # a head that predicts 0 scores the mean square of every token's target, masked or not
    target = spectral_target(x, module.model.config.band_sfreq, offset=LOG_POWER_FLOOR)
    assert target.shape == (*x.shape[:3], 9)
    assert math.isclose(parts["loss_tok"], float(target.square().mean()), rel_tol=1e-5)
    # a true log: a 10x larger patch has 2 decades more power in every band
    louder = spectral_target(10 * x, module.model.config.band_sfreq, offset=LOG_POWER_FLOOR)
    torch.testing.assert_close(louder[..., :8] - target[..., :8],
                               torch.full_like(target[..., :8], 2.0), atol=1e-3, rtol=0)


def test_every_extra_head_is_checkpointed_and_restored_on_resume(tmp_path, tiny_run):
    run = dict(tiny_run, objective="spectral_tokens_events")
    pretrain(out_dir=tmp_path / "whole", steps=3, **run)
    pretrain(out_dir=tmp_path / "split", steps=2, **run)
    state = torch.load(tmp_path / "split" / "last.pt", weights_only=True)
    for key in ("aux", "event_head", "token_aux"):
        assert set(state[key]) == {"proj.weight", "proj.bias"}
    pretrain(out_dir=tmp_path / "split", steps=3, resume=True, **run)
    whole, split = (torch.load(tmp_path / d / "last.pt", weights_only=True)
                    for d in ("whole", "split"))
    for key in ("aux", "event_head", "token_aux"):  # a head re-initialised on resume differs
        for name, value in whole[key].items():
            assert torch.equal(split[key][name], value), (key, name)
    rows = list(csv.DictReader(open(tmp_path / "split" / "log.csv")))
    assert [int(r["step"]) for r in rows] == [1, 2, 3]
    assert all(float(r["loss_tok"]) > 0 for r in rows)
