"""Tests of bptlearn.model_selection: embargo splits, patient-wise validation, low-label curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from joblib import parallel_backend
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.model_selection import GroupKFold, cross_val_score
from skorch import NeuralNetClassifier
from skorch.dataset import Dataset

from bptlearn.baselines import BandPowerSeizureDetector
from bptlearn.data import make_seeg_windows
from bptlearn.metrics import f2_scorer
from bptlearn.model_selection import GroupValidSplit, PatientTimeSplit, low_label_curve
from bptlearn.model_selection._low_label import _subsample

# --- PatientTimeSplit -----------------------------------------------------------------------


def test_patient_time_split_drops_training_windows_within_the_embargo():
    onsets = np.arange(10) * 6.0  # back-to-back 6-s windows
    cv = PatientTimeSplit(onsets, window_s=6.0, n_splits=5, embargo_s=6.0)
    train, test = list(cv.split(onsets, groups=np.zeros(10)))[2]
    # test windows 4, 5 span [24, 36); widened by 6 s: [18, 42) removes windows 3 and 6
    assert test.tolist() == [4, 5]
    assert train.tolist() == [0, 1, 2, 7, 8, 9]


def test_patient_time_split_without_embargo_drops_only_overlapping_windows():
    onsets = np.arange(6) * 3.0  # 6-s windows every 3 s
    folds = list(PatientTimeSplit(onsets, 6.0, n_splits=3).split(onsets, groups=np.zeros(6)))
    assert [f[0].tolist() for f in folds] == [[3, 4, 5], [0, 5], [0, 1, 2]]


def test_patient_time_split_tests_every_window_once_in_time_blocks_of_every_patient(rng):
    groups = np.repeat(["p1", "p2", "p3"], [12, 9, 15])
    onsets = np.concatenate([rng.permutation(n) * 6.0 for n in (12, 9, 15)])  # shuffled order
    folds = list(PatientTimeSplit(onsets, 6.0, n_splits=3).split(onsets, groups=groups))
    tested = np.concatenate([test for _, test in folds])
    assert np.sort(tested).tolist() == list(range(36))
    first_test = folds[0][1]
    for g in ("p1", "p2", "p3"):  # the earliest third of each patient
        own = np.flatnonzero(groups == g)
        expected = own[np.argsort(onsets[own])][: int(np.ceil(own.size / 3))]
        assert set(expected) == set(first_test[groups[first_test] == g])


def test_patient_time_split_never_trains_on_a_window_overlapping_a_test_window(rng):
    onsets = np.sort(rng.uniform(0, 600, size=80))
    groups = np.repeat([0, 1], 40)
    cv = PatientTimeSplit(onsets, window_s=20.0, n_splits=4, embargo_s=5.0)
    for train, test in cv.split(onsets, groups=groups):
        assert np.intersect1d(train, test).size == 0
        same = groups[train][:, None] == groups[test][None, :]
        gap = np.abs(onsets[train][:, None] - onsets[test][None, :])
        assert not (same & (gap < 20.0 + 5.0)).any()


def test_patient_time_split_works_in_cross_val_score(rng):
    X, y = rng.normal(size=(20, 2, 5)), rng.normal(size=20)
    onsets, groups = np.tile(np.arange(10) * 6.0, 2), np.repeat([0, 1], 10)
    cv = PatientTimeSplit(onsets, 6.0, n_splits=5)
    scores = cross_val_score(DummyRegressor(), X, y, groups=groups, cv=cv,
                             scoring="neg_mean_absolute_error")
    assert scores.shape == (5,) and cv.get_n_splits() == 5


def test_patient_time_split_requires_groups():
    with pytest.raises(ValueError, match="PatientTimeSplit needs groups"):
        next(PatientTimeSplit(np.arange(4.0), 1.0, n_splits=2).split(np.zeros(4)))


def test_patient_time_split_rejects_onsets_of_another_length():
    with pytest.raises(ValueError, match=r"onsets must have shape \(5,\)"):
        next(PatientTimeSplit(np.arange(4.0), 1.0, n_splits=2).split(np.zeros(5), groups=[0] * 5))


def test_patient_time_split_rejects_a_patient_with_too_few_windows():
    with pytest.raises(ValueError, match="Patient 'b' has 2 windows, fewer than n_splits=3"):
        next(PatientTimeSplit(np.arange(7.0), 1.0, n_splits=3).split(
            np.zeros(7), groups=list("aaaaabb")))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(n_splits=1), ValueError, "n_splits must be at least 2"),
        (dict(n_splits=2.0), TypeError, "n_splits must be an instance of int-like"),
        (dict(embargo_s=-1.0), ValueError, "embargo_s must be a finite number"),
    ],
)
def test_patient_time_split_rejects_bad_parameters(kwargs, error, message):
    cv = PatientTimeSplit(np.arange(4.0), 1.0, **kwargs)
    with pytest.raises(error, match=message):
        next(cv.split(np.zeros(4), groups=[0] * 4))


def test_patient_time_split_refuses_a_fold_left_without_training_windows():
    cv = PatientTimeSplit(np.arange(4.0), 1.0, n_splits=2, embargo_s=100.0)
    with pytest.raises(ValueError, match="Fold 0 has no training window left"):
        next(cv.split(np.zeros(4), groups=[0] * 4))


# --- GroupValidSplit ------------------------------------------------------------------------


def _dataset(n):
    return Dataset(np.zeros((n, 3), dtype=np.float32), np.zeros(n, dtype=np.int64))


def test_group_valid_split_keeps_each_patient_on_one_side():
    groups = np.repeat(np.arange(10), 4)
    train, valid = GroupValidSplit(0.2, random_state=0)(_dataset(40), groups=groups)
    g_train, g_valid = set(groups[train.indices]), set(groups[valid.indices])
    assert not g_train & g_valid
    assert len(g_valid) == 2 and len(train) + len(valid) == 40


def test_group_valid_split_with_an_int_holds_out_the_first_group_fold():
    groups = np.repeat(np.arange(4), 3)
    train, valid = GroupValidSplit(4)(_dataset(12), groups=groups)
    _, expected = next(GroupKFold(4).split(np.zeros(12), groups=groups))
    assert sorted(valid.indices) == sorted(expected)


def test_group_valid_split_stratified_keeps_both_classes_in_validation():
    groups = np.repeat(np.arange(6), 4)
    y = np.tile([0, 0, 0, 1], 6)
    _, valid = GroupValidSplit(3, stratified=True)(_dataset(24), y, groups=groups)
    assert set(y[valid.indices]) == {0, 1}


def test_group_valid_split_without_groups_explains_how_to_pass_them():
    with pytest.raises(ValueError, match=r"net\.fit\(X, y, groups=groups\)"):
        GroupValidSplit(0.2)(_dataset(10))


def test_group_valid_split_rejects_a_single_patient():
    with pytest.raises(ValueError, match="groups holds a single patient"):
        GroupValidSplit(0.2)(_dataset(5), groups=[1] * 5)


def test_group_valid_split_rejects_groups_of_another_length():
    with pytest.raises(ValueError, match=r"groups must have shape \(5,\)"):
        GroupValidSplit(0.2)(_dataset(5), groups=[1, 2])


class _Linear(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 2)

    def forward(self, X, **kwargs):  # skorch passes fit's extra arguments (groups) here too
        return torch.softmax(self.lin(X), dim=-1)


def test_group_valid_split_receives_groups_from_skorch_fit(rng):
    X = rng.normal(size=(40, 3)).astype(np.float32)
    y = np.tile([0, 1], 20)
    net = NeuralNetClassifier(_Linear, max_epochs=2, train_split=GroupValidSplit(0.25,
                              random_state=0), verbose=0)
    net.fit(X, y, groups=np.repeat(np.arange(8), 5))
    assert len(net.history) == 2 and "valid_loss" in net.history[-1]


# --- low_label_curve ------------------------------------------------------------------------


@pytest.fixture
def regression_data(rng):
    X, y = rng.normal(size=(60, 2, 4)), rng.normal(size=60)
    return X, y, np.repeat(np.arange(6), 10)


def test_low_label_curve_returns_a_tidy_frame_of_every_fit(regression_data):
    X, y, groups = regression_data
    curve = low_label_curve(DummyRegressor(), X, y, groups, fractions=(0.1, 0.5, 1.0), cv=3,
                            n_repeats=2, random_state=0)
    assert list(curve.columns) == ["fraction", "repeat", "fold", "n_train", "n_test", "score"]
    assert len(curve) == 3 * 3 * 2
    assert curve.groupby("fraction")["n_train"].max().tolist() == [4, 20, 40]
    assert (curve["n_test"] == 20).all()


def test_low_label_curve_at_full_labels_equals_cross_val_score(regression_data):
    X, y, groups = regression_data
    curve = low_label_curve(DummyRegressor(), X, y, groups, fractions=(1.0,), cv=GroupKFold(3),
                            n_repeats=1, scoring="neg_mean_absolute_error")
    expected = cross_val_score(DummyRegressor(), X, y, groups=groups, cv=GroupKFold(3),
                               scoring="neg_mean_absolute_error")
    np.testing.assert_allclose(curve["score"], expected)


def test_low_label_curve_is_reproducible_and_independent_of_n_jobs(regression_data):
    X, y, groups = regression_data
    kwargs = dict(fractions=(0.2, 0.5), n_repeats=2, random_state=3)
    first = low_label_curve(DummyRegressor(), X, y, groups, **kwargs)
    with parallel_backend("threading"):
        second = low_label_curve(DummyRegressor(), X, y, groups, n_jobs=2, **kwargs)
    pd.testing.assert_frame_equal(first, second)
    assert first["score"].nunique() > 1  # different draws, different scores


def test_low_label_curve_passes_per_window_fit_params_subset_to_the_draw(regression_data):
    X, y, groups = regression_data
    weights = np.ones(60)
    curve = low_label_curve(DummyRegressor(), X, y, groups, fractions=(0.5,), n_repeats=1,
                            fit_params={"sample_weight": weights})
    assert len(curve) == 5


def test_low_label_curve_scores_a_classifier_with_token_labels(rng):
    X = rng.normal(size=(40, 2, 3))
    y_tokens = np.zeros((40, 2, 3), dtype=int)
    y_tokens[::4, 0, 1] = 1
    y = y_tokens.max(axis=(1, 2))
    curve = low_label_curve(DummyClassifier(strategy="stratified", random_state=0), X, y,
                            np.repeat(np.arange(4), 10), fractions=(0.05,), n_repeats=1,
                            random_state=0)
    assert (curve["n_train"] == 2).all()  # round(0.05 * 30) = 2, one window per class


def test_low_label_curve_scores_the_band_power_baseline_on_synthetic_seeg():
    X, y, _, groups = make_seeg_windows(n_patients=4, n_chans=3, n_windows=20, n_patches=1,
                                        random_state=0)
    curve = low_label_curve(BandPowerSeizureDetector(pooling="mean"), X, y, groups,
                            fractions=(0.1, 1.0), cv=2, n_repeats=1, scoring=f2_scorer,
                            random_state=0)
    assert curve["n_train"].tolist() == [4, 4, 40, 40]
    assert curve["score"].between(0.0, 1.0).all()


def test_low_label_curve_names_its_scoring_in_the_frame_attrs(regression_data):
    X, y, groups = regression_data
    kwargs = dict(fractions=(1.0,), n_repeats=1, cv=2)
    named = low_label_curve(DummyRegressor(), X, y, groups, scoring="neg_mean_absolute_error",
                            **kwargs)
    assert named.attrs["scoring"] == "neg_mean_absolute_error"
    assert low_label_curve(DummyRegressor(), X, y, groups, **kwargs).attrs["scoring"] == "r2"
    clf = low_label_curve(DummyClassifier(), X, (y > 0).astype(int), groups, **kwargs)
    assert clf.attrs["scoring"] == "accuracy"
    scored = low_label_curve(DummyClassifier(), X, (y > 0).astype(int), groups,
                             scoring=f2_scorer, **kwargs)
    assert scored.attrs["scoring"] == "f2"


def test_low_label_curve_verbose_shows_a_progress_bar_of_the_fits(regression_data, capsys):
    X, y, groups = regression_data
    low_label_curve(DummyRegressor(), X, y, groups, fractions=(0.5, 1.0), n_repeats=1, cv=2,
                    verbose=1)
    err = capsys.readouterr().err
    assert "low_label_curve" in err and "4/4" in err
    low_label_curve(DummyRegressor(), X, y, groups, fractions=(1.0,), n_repeats=1, cv=2)
    assert capsys.readouterr().err == ""


def test_subsample_is_proportional_to_patients():
    train = np.arange(100)
    groups = np.repeat(["a", "b", "c"], [50, 30, 20])
    sub = _subsample(train, 0.1, groups, None, np.random.RandomState(0))
    counts = pd.Series(groups[sub]).value_counts().to_dict()
    assert counts == {"a": 5, "b": 3, "c": 2}


def test_subsample_keeps_one_window_of_each_class():
    train = np.arange(200)
    labels = np.zeros(200, dtype=int)
    labels[7] = 1  # a single positive window
    sub = _subsample(train, 0.01, np.zeros(200), labels, np.random.RandomState(0))
    assert sub.size == 2 and set(labels[sub]) == {0, 1}


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(fractions=(0.0, 0.5)), ValueError, r"fractions must be a non-empty sequence"),
        (dict(fractions=(1.5,)), ValueError, r"numbers in \(0, 1\]"),
        (dict(fractions=0.5), TypeError, "fractions must be an instance of"),
        (dict(n_repeats=0), ValueError, "n_repeats must be at least 1"),
        (dict(fit_params=[1]), TypeError, "fit_params must be an instance of dict"),
    ],
)
def test_low_label_curve_rejects_bad_parameters(regression_data, kwargs, error, message):
    X, y, groups = regression_data
    with pytest.raises(error, match=message):
        low_label_curve(DummyRegressor(), X, y, groups, **kwargs)


def test_low_label_curve_requires_groups(regression_data):
    X, y, _ = regression_data
    with pytest.raises(ValueError, match="low_label_curve needs groups"):
        low_label_curve(DummyRegressor(), X, y, None)


def test_low_label_curve_rejects_targets_of_another_length(regression_data):
    X, y, groups = regression_data
    with pytest.raises(ValueError, match="y has 59 entries but X has 60 windows"):
        low_label_curve(DummyRegressor(), X, y[:-1], groups)


def test_low_label_curve_rejects_a_single_patient(regression_data):
    X, y, _ = regression_data
    with pytest.raises(ValueError, match="groups holds 1 patient"):
        low_label_curve(DummyRegressor(), X, y, np.zeros(60))
