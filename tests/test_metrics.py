"""Tests of bptlearn.metrics against hand-computed values."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.dummy import DummyClassifier
from sklearn.metrics import mean_absolute_percentage_error
from sklearn.model_selection import cross_val_score

from bptlearn.metrics import (
    SCORERS,
    dominant_frequency,
    dominant_frequency_error,
    f2_score,
    f2_scorer,
    instantaneous_phase,
    mae,
    mape,
    mse,
    neg_dominant_frequency_error_scorer,
    neg_false_alarms_per_hour_scorer,
    neg_mae_scorer,
    neg_mape_scorer,
    neg_mse_scorer,
    neg_rmse_scorer,
    phase_locking_value,
    plv_scorer,
    rmse,
)


class _Echo(BaseEstimator):
    """Predicts its input plus a constant: a known prediction for scorer tests."""

    def __init__(self, shift=0.0):
        self.shift = shift

    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def predict(self, X):
        return np.asarray(X) + self.shift


# --- F2 -------------------------------------------------------------------------------------


def test_f2_score_matches_hand_computed_value():
    # TP=1, FP=1, FN=2: precision 1/2, recall 1/3, F2 = 5PR / (4P + R) = 5/14
    assert f2_score([1, 1, 1, 0, 0], [1, 0, 0, 1, 0]) == pytest.approx(5 / 14)


def test_f2_score_flattens_token_labels(rng):
    y_true = rng.integers(0, 2, size=(4, 3, 5))
    y_pred = rng.integers(0, 2, size=(4, 3, 5))
    assert f2_score(y_true, y_pred) == pytest.approx(f2_score(y_true.ravel(), y_pred.ravel()))


def test_f2_score_repeats_window_weights_over_tokens():
    y_true = np.array([[[1, 1]], [[1, 1]]])
    y_pred = np.array([[[1, 1]], [[0, 0]]])
    # the second window has weight 0, so only perfect predictions count
    assert f2_score(y_true, y_pred, sample_weight=[1.0, 0.0]) == pytest.approx(1.0)


def test_f2_score_rejects_labels_of_different_shapes():
    with pytest.raises(ValueError, match=r"same shape, got \(3,\) and \(2,\)"):
        f2_score([0, 1, 1], [0, 1])


def test_f2_score_rejects_sample_weight_of_wrong_shape():
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(2,\)"):
        f2_score(np.zeros((2, 3, 1)), np.zeros((2, 3, 1)), sample_weight=[1.0, 1.0, 1.0])


# --- forecasting errors ---------------------------------------------------------------------

Y_TRUE = np.array([[[1.0, 2.0], [4.0, -2.0]]])
Y_PRED = np.array([[[2.0, 2.0], [1.0, 0.0]]])  # errors 1, 0, -3, 2


def test_mae_matches_hand_computed_value():
    assert mae(Y_TRUE, Y_PRED) == pytest.approx(6 / 4)


def test_mse_matches_hand_computed_value():
    assert mse(Y_TRUE, Y_PRED) == pytest.approx(14 / 4)


def test_rmse_matches_hand_computed_value():
    assert rmse(Y_TRUE, Y_PRED) == pytest.approx(math.sqrt(14 / 4))


def test_mape_matches_hand_computed_value():
    assert mape(Y_TRUE, Y_PRED) == pytest.approx((1 / 1 + 0 / 2 + 3 / 4 + 2 / 2) / 4)


def test_mape_divides_zero_targets_by_epsilon():
    assert mape([0.0, 2.0], [1.0, 2.0], epsilon=1e-3) == pytest.approx(1000 / 2)


def test_mape_default_guard_matches_scikit_learn():
    y_true, y_pred = np.array([0.0, 1.0, -2.0]), np.array([0.5, 1.5, -1.0])
    assert mape(y_true, y_pred) == pytest.approx(mean_absolute_percentage_error(y_true, y_pred))


def test_mape_rejects_non_positive_epsilon():
    with pytest.raises(ValueError, match="epsilon must be a positive"):
        mape([1.0], [1.0], epsilon=0.0)


def test_forecast_errors_reject_nan():
    with pytest.raises(ValueError, match="y_pred holds NaN or infinite values"):
        mae([1.0, 2.0], [1.0, np.nan])


def test_forecast_errors_reject_empty_arrays():
    with pytest.raises(ValueError, match=r"y_true is empty"):
        mse(np.zeros((0, 2, 3)), np.zeros((0, 2, 3)))


# --- frequency and phase --------------------------------------------------------------------


def test_dominant_frequency_finds_each_channel_sine():
    t = np.arange(1000) / 250.0  # resolution 0.25 Hz
    freqs = np.array([[4.0, 10.0, 33.25], [60.0, 1.5, 100.0]])
    x = np.sin(2 * np.pi * freqs[..., None] * t) + 3.0  # offset: the DC bin must not win
    np.testing.assert_allclose(dominant_frequency(x, sfreq=250.0), freqs)


def test_dominant_frequency_of_a_flat_signal_is_zero():
    assert dominant_frequency(np.full((2, 100), 5.0), sfreq=100.0).tolist() == [0.0, 0.0]


def test_dominant_frequency_rejects_bad_sfreq():
    with pytest.raises(ValueError, match="sfreq must be a positive, finite sampling rate"):
        dominant_frequency(np.zeros(10), sfreq=-1.0)


def test_dominant_frequency_rejects_a_single_sample():
    with pytest.raises(ValueError, match="at least 2 samples in time"):
        dominant_frequency(np.zeros((3, 1)), sfreq=250.0)


def test_dominant_frequency_error_matches_hand_computed_value():
    t = np.arange(1000) / 250.0
    true = np.sin(2 * np.pi * np.array([[10.0], [20.0]]) * t)[None]
    pred = np.sin(2 * np.pi * np.array([[12.0], [20.0]]) * t)[None]
    assert dominant_frequency_error(true, pred, sfreq=250.0) == pytest.approx(1.0)


def test_instantaneous_phase_of_a_cosine_follows_its_argument():
    t = np.arange(2000) / 250.0
    phase = instantaneous_phase(np.cos(2 * np.pi * 5.0 * t))
    expected = np.angle(np.exp(1j * 2 * np.pi * 5.0 * t))
    np.testing.assert_allclose(np.exp(1j * phase[200:-200]), np.exp(1j * expected[200:-200]),
                               atol=1e-6)


def test_phase_locking_value_is_one_for_a_constant_lag(rng):
    phase = rng.uniform(-np.pi, np.pi, size=(3, 2, 50))
    assert phase_locking_value(phase, phase - 1.2) == pytest.approx(1.0)


def test_phase_locking_value_matches_hand_computed_value():
    # |(exp(0i) + exp(i pi / 2)) / 2| = |1 + i| / 2
    assert phase_locking_value([0.0, np.pi / 2], [0.0, 0.0]) == pytest.approx(math.sqrt(2) / 2)


def test_phase_locking_value_pooled_over_all_values_sees_different_lags():
    true = np.zeros((2, 10))
    pred = np.stack([np.zeros(10), np.full(10, np.pi)])  # each series has a constant lag
    assert phase_locking_value(true, pred) == pytest.approx(1.0)
    assert phase_locking_value(true, pred, axis=None) == pytest.approx(0.0, abs=1e-12)


def test_phase_locking_value_rejects_axis_out_of_range():
    with pytest.raises(ValueError, match="axis=2 is out of range"):
        phase_locking_value(np.zeros((2, 3)), np.zeros((2, 3)), axis=2)


def test_phase_locking_value_names_phase_arguments_in_shape_errors():
    with pytest.raises(ValueError, match="phase_true and phase_pred must have the same shape"):
        phase_locking_value(np.zeros(3), np.zeros(4))


# --- scorers --------------------------------------------------------------------------------


def test_f2_scorer_works_in_cross_val_score():
    X, y = np.zeros((8, 1)), np.array([0, 1] * 4)
    scores = cross_val_score(DummyClassifier(strategy="constant", constant=1), X, y, cv=2,
                             scoring=f2_scorer)
    # predicting all positive: precision 1/2, recall 1 -> F2 = 5 * 0.5 / (2 + 1)
    np.testing.assert_allclose(scores, [5 / 6, 5 / 6])


@pytest.mark.parametrize(
    ("scorer", "metric"),
    [(neg_mae_scorer, mae), (neg_mse_scorer, mse), (neg_rmse_scorer, rmse),
     (neg_mape_scorer, mape)],
)
def test_error_scorers_return_the_negated_error(rng, scorer, metric):
    X = rng.normal(size=(3, 2, 5)) + 3.0
    est = _Echo(shift=0.5).fit(X)
    assert scorer(est, X, X) == pytest.approx(-metric(X, X + 0.5))


def test_plv_scorer_scores_predicted_phases(rng):
    phase = rng.uniform(-np.pi, np.pi, size=(2, 2, 20))
    assert plv_scorer(_Echo(shift=0.3).fit(phase), phase, phase) == pytest.approx(1.0)


def test_dominant_frequency_scorer_assumes_250_hz():
    t = np.arange(500) / 250.0
    X = np.sin(2 * np.pi * 10.0 * t)[None, None]
    y = np.sin(2 * np.pi * 12.0 * t)[None, None]
    assert neg_dominant_frequency_error_scorer(_Echo().fit(X), X, y) == pytest.approx(-2.0)


def test_event_scorers_use_event_defaults():
    X = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1.0])
    y = np.zeros(11, dtype=int)
    rate = neg_false_alarms_per_hour_scorer(_Echo().fit(X), X, y)
    assert rate == pytest.approx(-1 / (66 / 3600))


def test_scorers_are_listed_by_name_and_pickle():
    assert set(SCORERS) == {"f2", "event_sensitivity", "neg_false_alarms_per_hour", "neg_mae",
                            "neg_mse", "neg_rmse", "neg_mape", "neg_dominant_frequency_error",
                            "plv"}
    X = np.ones((2, 1, 3))
    restored = pickle.loads(pickle.dumps(SCORERS["neg_mae"]))
    assert restored(_Echo(shift=1.0).fit(X), X, X) == pytest.approx(-1.0)
