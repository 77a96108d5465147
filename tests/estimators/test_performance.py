"""Each task estimator, with the shipped weights and its defaults, beats its baseline.

Held-out data in every test: a patient never seen in training (seizures), or windows
never seen in training (forecasting, imputation). Margins are set well inside what the
estimators reach, so that these tests fail on a real regression, not on noise.
"""

import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GroupKFold, cross_val_predict

from bptlearn import BPTForecaster, BPTImputer, BPTSeizureClassifier
from bptlearn.baselines import InterpolationImputer, RepeatLastForecaster
from bptlearn.data import make_seeg_windows
from bptlearn.metrics import f2_score


def test_seizure_classifier_beats_chance_on_unseen_patients():
    X, y, _, patients = make_seeg_windows(n_patients=3, n_windows=20, n_patches=1,
                                          random_state=1)
    pred = cross_val_predict(BPTSeizureClassifier(device="cpu", random_state=0), X, y,
                             groups=patients, cv=GroupKFold(n_splits=3))
    chance = np.mean([f2_score(y, np.random.default_rng(s).permutation(pred))
                      for s in range(20)])  # same number of alarms, placed at random
    assert f2_score(y, pred) >= 0.7 and f2_score(y, pred) >= chance + 0.25
    assert balanced_accuracy_score(y, pred) >= 0.75


def test_forecaster_beats_repeating_the_last_patch():
    X, *_ = make_seeg_windows(n_patients=2, n_windows=15, n_patches=2, random_state=0)
    history, future = X[:, :, :1500], X[:, :, 1500:]
    train, test = np.arange(30) % 3 != 0, np.arange(30) % 3 == 0
    ours = BPTForecaster(horizon=1, device="cpu", random_state=0).fit(history[train],
                                                                       future[train])
    baseline = RepeatLastForecaster(horizon=1).fit(history[train], future[train])
    mae_ours = -ours.score(history[test], future[test])
    mae_base = -baseline.score(history[test], future[test])
    assert mae_ours <= 0.85 * mae_base


def test_imputer_beats_linear_interpolation_on_hidden_samples():
    X, *_ = make_seeg_windows(n_patients=2, n_windows=30, n_patches=1, random_state=0)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X))
    train, test = X[order[:40]], X[order[40:]]
    hidden = rng.random(test.shape) < 0.4
    gappy = np.where(hidden, np.nan, test)
    ours = BPTImputer(batch_size=8, device="cpu", random_state=0).fit(train).transform(gappy)
    linear = InterpolationImputer().fit(train).transform(gappy)
    mse_ours = np.mean((ours[hidden] - test[hidden]) ** 2)
    mse_linear = np.mean((linear[hidden] - test[hidden]) ** 2)
    assert mse_ours <= 0.9 * mse_linear
    np.testing.assert_array_equal(ours[~hidden], test[~hidden])
