"""A fit that fails keeps the previous fit (issue 15, item 4).

The rule lives in one place (``bptlearn.estimators._base._FitAside``): ``fit`` runs on a
copy of the estimator, and its state replaces the estimator's only when ``fit`` returns.
These tests make fits fail during training, and after every attribute has been set, and
check that the estimator still predicts exactly as before.
"""

from __future__ import annotations

import numpy as np
import pytest
from skorch.callbacks import Callback

from bptlearn import BPTEncoder, BPTForecaster, BPTImputer, BPTSeizureClassifier
from bptlearn.estimators import _base
from bptlearn.estimators._reference import IEEGReference
from bptlearn.model_selection import GroupValidSplit

from ..helpers import FAST, FAST_NET
from ._harness import assert_state_unchanged, snapshot_state

NAMES = ["LA1", "LA2", "LA3", "LA4"]


class _Boom(Callback):
    """Fails at the end of the first epoch: the net is half trained."""

    def on_epoch_end(self, net, **kwargs):
        raise RuntimeError("boom: training failed")


def _output(est, X):
    return est.predict(X) if hasattr(est, "predict") else est.transform(X)


def _cases(env):
    X1, X2, y = env.X(), env.X(2), env.y()
    return {
        "encoder": (BPTEncoder(**FAST), (X1,), (X1,)),
        "classifier": (BPTSeizureClassifier(**FAST_NET), (X1, y), (X1, y)),
        "forecaster": (BPTForecaster(horizon=1, **FAST_NET), (X1, env.future()),
                       (X1, env.future())),
        "imputer": (BPTImputer(**FAST_NET), (X1,), (X1,)),
        "reference": (IEEGReference(ch_names=NAMES), (X2,), (X2,)),
    }


def test_the_issue_example_keeps_the_classifier_as_it_was(env):
    X, y = env.X(), env.y()
    clf = BPTSeizureClassifier(**FAST_NET).fit(X, y)
    before, proba = snapshot_state(clf), clf.predict_proba(X)
    clf.set_params(train_split=GroupValidSplit(2))
    with pytest.raises(ValueError, match="GroupValidSplit needs the patient id"):
        clf.fit(X[:, :2], np.arange(6) % 3)  # 3 classes, 2 channels, no groups
    clf.set_params(train_split=None)  # the parameter the test changed, set back
    assert_state_unchanged(before, clf)
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


@pytest.mark.parametrize("name", ["classifier", "forecaster", "imputer"])
def test_a_fit_failing_mid_training_keeps_the_previous_fit(env, name):
    est, fit_args, predict_args = _cases(env)[name]
    est.fit(*fit_args)
    before, out = snapshot_state(est), _output(est, predict_args[0])
    est.set_params(callbacks=[_Boom()])
    with pytest.raises(RuntimeError, match="boom"):
        est.fit(*fit_args)
    est.set_params(callbacks=None)
    assert_state_unchanged(before, est)
    np.testing.assert_array_equal(_output(est, predict_args[0]), out)


@pytest.mark.parametrize("name", ["encoder", "classifier", "forecaster", "imputer"])
def test_a_fit_failing_after_its_state_is_set_keeps_the_previous_fit(env, name, monkeypatch):
    est, fit_args, predict_args = _cases(env)[name]
    est.fit(*fit_args)
    before, out = snapshot_state(est), _output(est, predict_args[0])
    set_fitted = _base._BPTBase._set_fitted

    def set_then_fail(self, state):
        set_fitted(self, state)
        raise MemoryError("injected after the fitted state was set")

    monkeypatch.setattr(_base._BPTBase, "_set_fitted", set_then_fail)
    with pytest.raises(MemoryError, match="injected"):
        est.fit(*fit_args)
    monkeypatch.undo()
    assert_state_unchanged(before, est)
    np.testing.assert_array_equal(_output(est, predict_args[0]), out)


def test_a_failed_refit_of_a_reference_keeps_the_previous_map(env):
    X = env.X(2)
    ref = IEEGReference(ch_names=NAMES).fit(X)
    before, out = snapshot_state(ref), ref.transform(X)
    ref.set_params(ch_names=NAMES[:3])
    with pytest.raises(ValueError):
        ref.fit(X)
    ref.set_params(ch_names=NAMES)
    assert_state_unchanged(before, ref)
    np.testing.assert_array_equal(ref.transform(X), out)


@pytest.mark.parametrize("cls", [BPTEncoder, BPTSeizureClassifier, BPTForecaster, BPTImputer,
                                 IEEGReference])
def test_every_estimator_fits_aside(cls):
    assert getattr(cls.fit, "_fits_aside", False), \
        f"{cls.__name__}.fit does not follow the rule 'build aside, assign on success'"
