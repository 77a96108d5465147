"""Bad input to the estimators, the model and band power (issue 9, item 1).

Each entry of :data:`BAD_INPUTS` is one distinct mistake a user can make. The test calls
it and checks the exception type, that the message names the problem, and that neither
the caller's inputs nor the object's state (fitted attributes, weights) changed: a
failed ``fit`` on a fitted estimator must leave the earlier fit intact. File, data-layer,
checkpoint and metric cases are in ``test_bad_input_files.py``.
"""

from __future__ import annotations

import mne
import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from bptlearn import BPTEncoder, BPTSeizureClassifier
from bptlearn.exceptions import ChannelMismatchError
from bptlearn.nn import BPTModel, band_power

from ..helpers import FAST, FAST_NET
from ._harness import Bad, call, check_bad_input
from .test_bad_input_files import BAD_INPUTS as FILE_BAD_INPUTS


def _with(X: np.ndarray, index: tuple, value: float) -> np.ndarray:
    X[index] = value
    return X


def _refit(e, name: str, *args, **kwargs):
    """``fit`` of a copy of a fitted estimator: a failure must keep the earlier fit."""
    return call(e.fitted(name).fit, *args, **kwargs)


def _raw() -> mne.io.RawArray:
    return mne.io.RawArray(np.zeros((2, 3000)), mne.create_info(2, 250.0, "seeg"),
                           verbose=False)


def _x(shape=(2, 3, 2, 1500), dtype=torch.float32) -> torch.Tensor:
    return torch.randn(shape, generator=torch.Generator().manual_seed(0)).to(dtype)


ENCODER = [
    Bad("encoder.fit 2-D X", ValueError, r"3 dimensions .*shape \(4, 1500\).*X\[np\.newaxis\]",
        lambda e, _: _refit(e, "encoder", e.X()[0])),
    Bad("encoder.fit 4-D X", ValueError, r"3 dimensions .*shape \(1, 6, 4, 1500\)",
        lambda e, _: _refit(e, "encoder", e.X()[None])),
    Bad("encoder.fit no windows", ValueError, r"X is empty .*\(0, 4, 1500\)",
        lambda e, _: _refit(e, "encoder", e.X()[:0])),
    Bad("encoder.fit no channels", ValueError, r"X is empty .*\(6, 0, 1500\)",
        lambda e, _: _refit(e, "encoder", e.X()[:, :0])),
    Bad("encoder.fit shorter than one patch", ValueError,
        r"1000 samples at 250 Hz last 4 s.*whole patches of 6 s",
        lambda e, _: _refit(e, "encoder", e.X()[..., :1000])),
    Bad("encoder.fit 16 patches", ValueError, r"last 96 s.*1 to 15 whole patches",
        lambda e, _: _refit(e, "encoder", np.tile(e.X(), 16))),
    Bad("encoder.fit partial patch", ValueError, r"1507 samples.*whole patches",
        lambda e, _: _refit(e, "encoder", np.concatenate([e.X(), e.X()[..., :7]], -1))),
    Bad("encoder.fit NaN", ValueError, r"1 NaN or infinite sample\(s\).*BPTImputer",
        lambda e, _: _refit(e, "encoder", _with(e.X(), (0, 1, 7), np.nan))),
    Bad("encoder.fit inf", ValueError, r"2 NaN or infinite sample\(s\)",
        lambda e, _: _refit(e, "encoder", _with(e.X(), (slice(0, 2), 1, 7), -np.inf))),
    Bad("encoder.fit complex", TypeError, r"complex numbers.*np\.real\(X\)",
        lambda e, _: _refit(e, "encoder", e.X().astype(np.complex64))),
    Bad("encoder.fit strings", TypeError, r"X must hold real numbers, got dtype <U",
        lambda e, _: _refit(e, "encoder", e.X().astype(str))),
    Bad("encoder.fit None", TypeError, r"X must hold real numbers.*NoneType",
        lambda e, _: _refit(e, "encoder", None)),
    Bad("encoder.fit sfreq=0", ValueError, r"'sfreq' parameter of BPTEncoder.*Got 0 instead",
        lambda e, _: call(e.fitted("encoder").set_params(sfreq=0).fit, e.X())),
    Bad("encoder.fit wrong sfreq", ValueError, r"1500 samples at 500 Hz last 3 s",
        lambda e, _: call(e.fitted("encoder").set_params(sfreq=500.0).fit, e.X())),
    Bad("encoder.fit unknown scaling", ValueError, r"'scaling' parameter.*Got 'robust'",
        lambda e, _: call(e.fitted("encoder").set_params(scaling="robust").fit, e.X())),
    Bad("encoder.fit empty list", ValueError, r"X is an empty list",
        lambda e, _: _refit(e, "encoder", [])),
    Bad("encoder.fit parts of different lengths", ValueError,
        r"different lengths \[1500, 3000\]",
        lambda e, _: _refit(e, "encoder", [e.X(), e.X(2)])),
    Bad("encoder.fit ragged channels with pooling='channel'", ValueError,
        r"pooling='channel'.*different channel counts",
        lambda e, _: call(e.fitted("encoder").set_params(pooling="channel").fit,
                          [e.X(), e.X()[:, :3]])),
    Bad("encoder.fit continuous Raw", TypeError, r"continuous mne\.io\.Raw.*to_windows",
        lambda e, _: _refit(e, "encoder", _raw())),
    Bad("encoder.transform before fit", NotFittedError, r"not fitted yet",
        lambda e, _: call(BPTEncoder(**FAST).transform, e.X())),
    Bad("encoder.transform list of 2-D windows", ValueError, r"3 dimensions .*\(4, 1500\)",
        lambda e, _: call(e.fitted("encoder").transform, list(e.X()))),
    Bad("encoder.transform fewer channels than fit", ChannelMismatchError,
        r"X has 3 channels, but this BPTEncoder was fitted on 4",
        lambda e, _: call(e.fitted("encoder").transform, e.X()[:, :3])),
    Bad("encoder.transform channels renamed", ChannelMismatchError,
        r"channels differ from those seen in fit.*missing \['LA1'",
        lambda e, _: call(BPTEncoder(**FAST).fit(e.epochs()).transform,
                          e.epochs(["RA1", "RA2", "RA3", "RA4"]))),
    Bad("encoder.transform patches differ with pooling='token'", ValueError,
        r"X has windows of 2 patches, but BPTEncoder was fitted on windows of 1",
        lambda e, _: call(BPTEncoder(pooling="token", **FAST).fit(e.X()).transform, e.X(2))),
]

TASKS = [
    Bad("classifier.fit y too short", ValueError, r"y has shape \(5,\), but X has 6 windows",
        lambda e, _: call(e.fitted("classifier").fit, e.X(), e.y()[:5])),
    Bad("classifier.fit y as a column", ValueError, r"y has shape \(6, 1\).*shape \(6,\)",
        lambda e, _: call(e.fitted("classifier").fit, e.X(), e.y()[:, None])),
    Bad("classifier.fit token y of wrong shape", ValueError,
        r"y has shape \(6, 4, 2\).*\(6, 4, 1\)",
        lambda e, _: call(e.fitted("classifier").fit, e.X(), np.tile(e.y_tokens(), 2))),
    Bad("classifier.fit single class", ValueError, r"single class",
        lambda e, _: call(e.fitted("classifier").fit, e.X(), np.zeros(6, int))),
    Bad("classifier.fit NaN labels", ValueError, r"y holds (1 )?NaN",
        lambda e, _: call(e.fitted("classifier").fit, e.X(), _with(e.y().astype(float), 0,
                                                                   np.nan))),
    Bad("classifier.fit groups too short", ValueError, r"groups has 5 entries but X has 6",
        lambda e, _: call(e.fitted("classifier").fit, e.X(), e.y(), groups=e.groups()[:5])),
    Bad("classifier.fit misspelt parameter", TypeError, r"Did you mean 'max_epochs'\?",
        lambda e, _: call(BPTSeizureClassifier(max_epoch=3, **FAST).fit, e.X(), e.y())),
    Bad("classifier.fit last_k beyond the encoder", ValueError,
        r"last_k=50 exceeds the 2 encoder layers",
        lambda e, _: call(e.fitted("classifier").set_params(finetune="last_k", last_k=50).fit,
                          e.X(), e.y())),
    Bad("classifier.predict before fit", NotFittedError, r"not fitted yet",
        lambda e, _: call(BPTSeizureClassifier(**FAST_NET).predict, e.X())),
    Bad("classifier.predict fewer channels", ChannelMismatchError,
        r"X has 2 channels, but this BPTSeizureClassifier was fitted on 4",
        lambda e, _: call(e.fitted("classifier").predict, e.X()[:, :2])),
    Bad("classifier.predict_proba NaN", ValueError, r"1 NaN or infinite sample",
        lambda e, _: call(e.fitted("classifier").predict_proba,
                          _with(e.X(), (1, 1, 1), np.nan))),
    Bad("classifier.score y of other length", ValueError,
        r"inconsistent numbers of samples: \[5, 6\]",
        lambda e, _: call(e.fitted("classifier").score, e.X(), e.y()[:5])),
    Bad("forecaster.fit future of the wrong horizon", ValueError,
        r"y has shape \(6, 4, 3000\), but with horizon=1 .*\(6, 4, 1500\)",
        lambda e, _: call(e.fitted("forecaster").fit, e.X(), e.X(2))),
    Bad("forecaster.fit 2-D future", ValueError, r"y has shape \(6, 1500\)",
        lambda e, _: call(e.fitted("forecaster").fit, e.X(), e.future()[:, 0])),
    Bad("forecaster.fit NaN future", ValueError, r"y holds NaN",
        lambda e, _: call(e.fitted("forecaster").fit, e.X(),
                          _with(e.future(), (0, 0, 0), np.nan))),
    Bad("forecaster.predict_frequency for target='signal'", AttributeError,
        r"predict_frequency needs target='freq_phase'",
        lambda e, _: call(e.fitted("forecaster").predict_frequency, e.X())),
    Bad("forecaster.predict more channels", ChannelMismatchError,
        r"X has 5 channels, but this BPTForecaster was fitted on 4",
        lambda e, _: call(e.fitted("forecaster").predict,
                          np.concatenate([e.X(), e.X()[:, :1]], axis=1))),
    Bad("imputer.fit at 500 Hz", ValueError, r"model's 250 Hz, but X is at 500 Hz",
        lambda e, _: call(e.fitted("imputer").set_params(sfreq=500.0).fit, e.X(2))),
    Bad("imputer.fit NaN", ValueError, r"1 NaN or infinite sample",
        lambda e, _: call(e.fitted("imputer").fit, _with(e.X(), (0, 0, 0), np.nan))),
    Bad("imputer.fit mask_rate above 1", ValueError, r"'mask_rate' parameter.*Got 1\.5",
        lambda e, _: call(e.fitted("imputer").set_params(mask_rate=1.5).fit, e.X())),
    Bad("imputer.transform inf", ValueError, r"infinite samples.*Replace inf by NaN",
        lambda e, _: call(e.fitted("imputer").transform, _with(e.X(), (0, 0, 0), np.inf))),
    Bad("imputer.transform mask of wrong shape", ValueError,
        r"mask must be a bool array of X's shape \(6, 4, 1500\).*\(6, 4\)",
        lambda e, _: call(e.fitted("imputer").transform, e.X(), mask=np.ones((6, 4), bool))),
    Bad("imputer.transform integer mask", ValueError, r"mask must be a bool array.*got int",
        lambda e, _: call(e.fitted("imputer").transform, e.X(), mask=np.ones((6, 4, 1500),
                                                                             int))),
    Bad("imputer.transform list of parts", ValueError, r"list of 2",
        lambda e, _: call(e.fitted("imputer").transform, [e.X(), e.X()])),
]

MODEL = [
    Bad("BPTModel 3-D x", ValueError, r"4 dimensions .*got shape \(3, 2, 1500\)",
        lambda e, _: call(e.model().forward, _x()[0])),
    Bad("BPTModel NumPy x", TypeError, r"x must be an instance of torch\.Tensor, got ndarray",
        lambda e, _: call(e.model().forward, _x().numpy())),
    Bad("BPTModel patches of 1000 samples", ValueError, r"patches of 1000 samples.*takes 1500",
        lambda e, _: call(e.model().forward, _x((1, 2, 2, 1000)))),
    Bad("BPTModel 16 patches", ValueError, r"16 patches per window.*1 to 15",
        lambda e, _: call(e.model().forward, _x((1, 2, 16, 1500)))),
    Bad("BPTModel empty batch", ValueError, r"x is empty \(shape \(0, 2, 1, 1500\)\)",
        lambda e, _: call(e.model().forward, _x((0, 2, 1, 1500)))),
    Bad("BPTModel integer x", ValueError, r"floating-point tensor, got torch\.int64",
        lambda e, _: call(e.model().forward, _x().long())),
    Bad("BPTModel float64 x", ValueError, r"torch\.float64.*torch\.float32",
        lambda e, _: call(e.model().forward, _x(dtype=torch.float64))),
    Bad("BPTModel float16 x", ValueError, r"torch\.float16.*torch\.float32",
        lambda e, _: call(e.model().forward, _x(dtype=torch.float16))),
    # BPTModel and band_power scan no values (a GPU sync per call): NaN is refused where
    # data enter, as in this boundary case.
    Bad("encoder.transform NaN", ValueError, r"1 NaN or infinite sample\(s\); BPTEncoder",
        lambda e, _: call(e.fitted("encoder").transform, _with(e.X(), (0, 1, 7), np.nan))),
    Bad("BPTModel unknown layer", ValueError, r"'layer' parameter.*got 'last'",
        lambda e, _: call(e.model().forward, _x(), layer="last")),
    Bad("BPTModel padding_mask of wrong shape", ValueError,
        r"padding_mask.*\(2, 3\).*\(2, 5\)",
        lambda e, _: call(e.model().forward, _x(), padding_mask=torch.zeros(2, 5, dtype=bool))),
    Bad("BPTModel.reconstruct float mask", ValueError, r"mask must be a bool tensor.*float32",
        lambda e, _: call(e.model().reconstruct, _x(), torch.zeros(2, 3, 2))),
    Bad("BPTModel unknown preset", ValueError, r"'preset' parameter.*got 'huge'",
        lambda e, _: call(BPTModel, preset="huge")),
    Bad("BPTModel misspelt override", TypeError, r"Unknown BPTConfig field\(s\) \['d_modle'\]",
        lambda e, _: call(BPTModel, preset="nano", d_modle=64)),
    Bad("band_power NumPy x", TypeError, r"x must be an instance of torch\.Tensor",
        lambda e, _: call(band_power, np.zeros(1500), 250.0)),
    Bad("band_power integer x", ValueError, r"real floating-point tensor, got dtype torch\.int",
        lambda e, _: call(band_power, torch.zeros(1500, dtype=torch.int32), 250.0)),
    Bad("band_power one sample", ValueError, r"n_times >= 2.*got shape \(3, 1\)",
        lambda e, _: call(band_power, torch.zeros(3, 1), 250.0)),
    Bad("band_power empty", ValueError, r"x is empty \(shape \(0, 1500\)\)",
        lambda e, _: call(band_power, torch.zeros(0, 1500), 250.0)),
    Bad("band_power sfreq=0", ValueError, r"sfreq must be a positive.*got 0\.0",
        lambda e, _: call(band_power, torch.zeros(1500), 0.0)),
    Bad("band_power sfreq=inf", ValueError, r"sfreq must be a positive, finite.*got inf",
        lambda e, _: call(band_power, torch.zeros(1500), float("inf"))),
    Bad("band_power sfreq as a string", TypeError, r"sfreq must be an instance of numeric",
        lambda e, _: call(band_power, torch.zeros(1500), "250")),
]

BAD_INPUTS = ENCODER + TASKS + MODEL


def test_the_suite_holds_at_least_30_distinct_bad_inputs():
    ids = [case.id for case in BAD_INPUTS + FILE_BAD_INPUTS]
    assert len(ids) == len(set(ids)), "two cases share an id"
    assert len(ids) >= 30


@pytest.mark.parametrize("case", BAD_INPUTS, ids=lambda case: case.id)
def test_bad_input_raises_a_clear_error_and_changes_nothing(case, env, tmp_path):
    check_bad_input(case, env, tmp_path)
