"""Each task estimator, with the shipped weights and its defaults, beats its baseline.

Held-out data in every test: a patient never seen in training (seizures), or windows
never seen in training (forecasting, imputation). Forecasting and imputation are held to
"no worse than the best simple baseline", as MSE ratios. Margins are set well inside what the
estimators reach, so that these tests fail on a real regression, not on noise.
"""

import numpy as np
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GroupKFold, cross_val_predict

from bptlearn import BPTForecaster, BPTImputer, BPTSeizureClassifier
from bptlearn.baselines import PATTERNS, default_forecasters, default_imputers, make_missing_mask
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


def test_forecaster_is_no_worse_than_the_best_baseline_and_beats_repeating_the_last_patch():
    X, *_ = make_seeg_windows(n_patients=2, n_windows=15, n_patches=2, random_state=0)
    history, future = X[:, :, :1500], X[:, :, 1500:]
    train, test = np.arange(30) % 3 != 0, np.arange(30) % 3 == 0
    ours = BPTForecaster(horizon=1, device="cpu", random_state=0).fit(history[train],
                                                                       future[train])
    mse_ours = np.mean((ours.predict(history[test]) - future[test]) ** 2)
    mse = {name: np.mean((clone(b).fit(history[train], future[train]).predict(history[test])
                          - future[test]) ** 2)
           for name, b in default_forecasters(horizon=1).items()}
    assert mse_ours <= 1.0 * min(mse.values()) * (1 + 1e-3)
    assert mse_ours <= 0.6 * mse["repeat last patch"]


def test_imputer_is_no_worse_than_the_best_baseline_in_every_pattern():
    X, *_ = make_seeg_windows(n_patients=2, n_windows=30, n_patches=1, random_state=0)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X))
    train, test = X[order[:40]], X[order[40:]]
    imp = BPTImputer(batch_size=8, device="cpu", random_state=0).fit(train)
    ratios = {}
    for pattern in PATTERNS:
        hidden = make_missing_mask(test.shape, pattern, random_state=1)
        gappy = np.where(hidden, np.nan, test)
        ours = imp.transform(gappy)
        np.testing.assert_array_equal(ours[~hidden], test[~hidden])
        best = min(np.mean((b.fit(train).transform(gappy)[hidden] - test[hidden]) ** 2)
                   for b in default_imputers(test.shape[1]).values())
        ratios[pattern] = np.mean((ours[hidden] - test[hidden]) ** 2) / best
    assert max(ratios.values()) <= 1.02, ratios
    assert ratios["scattered"] <= 0.97, ratios  # the paper's task: the network adds skill
