"""Input-contract warnings: once per estimator configuration, for arrays too."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from bptlearn import BPTEncoder, BPTSeizureClassifier
from bptlearn.estimators import _base
from bptlearn.exceptions import InputContractWarning

FAST = dict(device="cpu", batch_size=64)


@pytest.fixture(autouse=True)
def _fresh_registry(monkeypatch):
    monkeypatch.setattr(_base, "_WARNED", set())


def _contract_warnings(record) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, InputContractWarning)]


def test_volts_given_as_microvolts_warn_with_the_amplitude_and_the_fix(seeg):
    with pytest.warns(InputContractWarning, match=r"typical amplitude of 3\.1e-05 µV.*volts"):
        BPTEncoder(**FAST).fit(seeg[0] * 1e-6)


def test_an_absurd_amplitude_warns_as_in_the_brainvision_example(seeg):
    with pytest.warns(InputContractWarning, match=r"3\.1e\+07 µV.*outside the 0\.1-10000 µV"):
        BPTEncoder(**FAST).fit(seeg[0] * 1e6)  # ~2e7 µV


def test_plausible_microvolts_do_not_warn(seeg):
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputContractWarning)
        BPTEncoder(**FAST).fit(seeg[0])


def test_the_contract_warning_is_given_once_across_cross_validation_folds(seeg):
    X, y, _, groups = seeg
    model = make_pipeline(BPTEncoder(**FAST), LogisticRegression(max_iter=200))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        cross_val_score(model, X * 1e-6, y, groups=groups, cv=GroupKFold(2))
    messages = _contract_warnings(record)
    assert len(messages) == 1 and "Given once per estimator configuration" in messages[0]


def test_another_configuration_is_warned_again(seeg):
    X = seeg[0] * 1e-6
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        BPTEncoder(**FAST).fit(X)
        BPTEncoder(**FAST).fit(X)  # same parameters: quiet
        BPTEncoder(pooling="mean+std", **FAST).fit(X)  # other parameters: warned
    assert len(_contract_warnings(record)) == 2


def test_seizure_classifier_with_channel_pooling_predicts_per_window(seeg):
    X, y, _, _ = seeg
    clf = BPTSeizureClassifier(pooling="channel", max_epochs=2, random_state=0, **FAST)
    clf.fit(X, y)
    n_chans, d = X.shape[1], clf.encoder_.config.d_model
    assert clf.net_.module_.head.mlp[0].in_features == n_chans * (d + 9)
    assert clf.predict_proba(X).shape == (len(X), 2)
    with pytest.raises(ValueError, match="channels"):
        clf.predict(X[:, :-1])


def test_seizure_classifier_with_channel_pooling_refuses_ragged_input(seeg):
    X, y, _, _ = seeg
    with pytest.raises(ValueError, match="pooling='channel' gives the head one block"):
        BPTSeizureClassifier(pooling="channel", **FAST).fit([X[:6], X[6:, :-1]], y)


def test_seizure_classifier_with_channel_pooling_cross_validates(seeg):
    X, y, _, groups = seeg
    scores = cross_val_score(BPTSeizureClassifier(pooling="channel", max_epochs=2,
                                                  random_state=0, **FAST),
                             X, y, groups=groups, cv=GroupKFold(2))
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))
