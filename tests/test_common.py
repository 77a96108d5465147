"""The scikit-learn contract, checked on every estimator of bptlearn.

sklearn's ``parametrize_with_checks`` skips every check for an estimator whose tags say
it takes 3-D input (``input_tags.two_d_array=False``): its checks generate 2-D data. So
the checks that need no data run here as sklearn wrote them, and the data-driven ones
(fit returns self, clone, pickling, invalid parameters, untouched input, seeds) are
written out below with 3-D SEEG windows.
"""

from __future__ import annotations

import pickle
from io import BytesIO

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import estimator_checks as ec
from sklearn.utils._param_validation import (
    InvalidParameterError,
    generate_invalid_param_val,
    make_constraint,
)

import bptlearn
from bptlearn import BPTEncoder, BPTForecaster, BPTImputer, BPTSeizureClassifier
from bptlearn.estimators import IEEGReference

from .helpers import FAST, FAST_NET

# estimator factory -> (method that gives outputs, how to build fit data)
CASES = {
    "BPTEncoder": (lambda: BPTEncoder(**FAST), "transform", "X"),
    "BPTSeizureClassifier": (lambda: BPTSeizureClassifier(**FAST_NET), "predict_proba", "Xy"),
    "BPTForecaster": (lambda: BPTForecaster(horizon=1, **FAST_NET), "predict", "history"),
    "BPTImputer": (lambda: BPTImputer(**FAST_NET), "transform", "X"),
}
# Data-driven checks below need windows of whole patches; IEEGReference takes any length and
# has its own behaviour tests (tests/estimators/test_reference.py). sklearn's data-free
# checks run on it too.
EXEMPT = {"IEEGReference": lambda: IEEGReference(ch_names=[f"LA{i}" for i in range(1, 9)])}
SKLEARN_DATA_FREE_CHECKS = [
    ec.check_estimator_cloneable, ec.check_estimator_repr, ec.check_no_attributes_set_in_init,
    ec.check_parameters_default_constructible, ec.check_get_params_invariance,
    ec.check_set_params, ec.check_do_not_raise_errors_in_init_or_set_params,
    ec.check_mixin_order, ec.check_estimator_tags_renamed, ec.check_valid_tag_types,
]


def fit_data(kind: str, seeg, seeg_two_patches):
    X, y, _, _ = seeg
    if kind == "history":
        return seeg_two_patches[:, :, :1500], seeg_two_patches[:, :, 1500:]
    return (X, y) if kind == "Xy" else (X, None)


def test_every_public_estimator_is_in_the_common_tests():
    public = {name for name in bptlearn.estimators.__all__}
    assert public == set(CASES) | set(EXEMPT)
    assert {"BPTEncoder", "BPTSeizureClassifier", "BPTForecaster", "BPTImputer"} <= set(
        bptlearn.__all__)


@pytest.mark.parametrize("check", SKLEARN_DATA_FREE_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", sorted([*CASES, *EXEMPT]))
def test_sklearn_data_free_checks_pass(name, check):
    make = CASES[name][0] if name in CASES else EXEMPT[name]
    check(name, make())


@pytest.mark.parametrize("name", sorted(CASES))
def test_tags_say_three_d_input(name):
    tags = CASES[name][0]().__sklearn_tags__()
    assert tags.input_tags.three_d_array and not tags.input_tags.two_d_array


@pytest.mark.parametrize("name", sorted(CASES))
def test_fit_returns_self_and_clone_is_unfitted_with_equal_params(name, seeg, seeg_two_patches):
    make, method, kind = CASES[name]
    est = make()
    X, y = fit_data(kind, seeg, seeg_two_patches)
    assert est.fit(X, y) is est
    twin = clone(est)
    assert twin.get_params() == est.get_params()
    with pytest.raises(NotFittedError):
        getattr(twin, method)(X)


@pytest.mark.parametrize("name", sorted(CASES))
def test_unfitted_estimator_raises_not_fitted(name, seeg, seeg_two_patches):
    make, method, kind = CASES[name]
    X, _ = fit_data(kind, seeg, seeg_two_patches)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        getattr(make(), method)(X)


@pytest.mark.parametrize("name", sorted(CASES))
def test_pickle_and_joblib_round_trips_give_identical_outputs(name, seeg, seeg_two_patches):
    make, method, kind = CASES[name]
    X, y = fit_data(kind, seeg, seeg_two_patches)
    est = make().fit(X, y)
    expected = getattr(est, method)(X)
    buffer = BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    for twin in (pickle.loads(pickle.dumps(est)), joblib.load(buffer)):
        np.testing.assert_array_equal(getattr(twin, method)(X), expected)


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_seed_gives_the_same_fitted_outputs(name, seeg, seeg_two_patches):
    make, method, kind = CASES[name]
    X, y = fit_data(kind, seeg, seeg_two_patches)
    a = getattr(make().fit(X, y), method)(X)
    b = getattr(make().fit(X, y), method)(X)
    np.testing.assert_array_equal(a, b)


def _invalid_params(name):
    est = CASES[name][0]()
    for param, constraints in est._parameter_constraints.items():
        made = [make_constraint(c) for c in constraints]
        for constraint in made:
            try:
                bad = generate_invalid_param_val(constraint)
            except NotImplementedError:
                continue
            if not any(c.is_satisfied_by(bad) for c in made):
                yield param, bad
                break


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_parameter_constraint_rejects_a_generated_invalid_value(name, seeg,
                                                                     seeg_two_patches):
    make, _, kind = CASES[name]
    X, y = fit_data(kind, seeg, seeg_two_patches)
    cases = list(_invalid_params(name))
    assert len(cases) >= 5
    for param, bad in cases:
        est = make().set_params(**{param: bad})
        with pytest.raises(InvalidParameterError, match=f"The '{param}' parameter of {name}"):
            est.fit(X, y)
        assert not hasattr(est, "n_chans_in_")  # nothing was recorded


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_leaves_fitted_state_and_input_untouched(name, seeg, seeg_two_patches):
    make, method, kind = CASES[name]
    X, y = fit_data(kind, seeg, seeg_two_patches)
    est = make().fit(X, y)
    state = dict(vars(est))
    bad = np.array(X[:, :5])  # 5 channels instead of 8
    before = bad.copy()
    with pytest.raises(ValueError, match="channels"):
        getattr(est, method)(bad)
    with pytest.raises(ValueError):
        est.fit(X[:, :, :1000], y)  # too short for one patch
    np.testing.assert_array_equal(bad, before)
    assert vars(est).keys() == state.keys()
    assert all(vars(est)[k] is v for k, v in state.items())
