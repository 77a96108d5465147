import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score
from skorch.callbacks import EarlyStopping, LRScheduler

from bptlearn import BPTSeizureClassifier
from bptlearn.model_selection import GroupValidSplit

from ..helpers import FAST, FAST_NET


@pytest.fixture(scope="module")
def window_clf(seeg):
    X, y, _, _ = seeg
    return BPTSeizureClassifier(**FAST_NET).fit(X, y)


def test_window_labels_give_window_predictions(window_clf, seeg):
    X, y, _, _ = seeg
    assert window_clf.target_level_ == "window"
    assert window_clf.predict(X).shape == y.shape
    proba = window_clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(window_clf.classes_, [0, 1])


def test_decision_function_orders_like_the_positive_probability(window_clf, seeg):
    X = seeg[0]
    order_d = np.argsort(window_clf.decision_function(X))
    order_p = np.argsort(window_clf.predict_proba(X)[:, 1])
    np.testing.assert_array_equal(order_d, order_p)


def test_token_labels_give_token_predictions(seeg):
    X, _, y_tokens, _ = seeg
    clf = BPTSeizureClassifier(**FAST_NET).fit(X, y_tokens)
    assert clf.target_level_ == "token"
    assert clf.predict(X).shape == y_tokens.shape
    assert clf.predict_proba(X).shape == (*y_tokens.shape, 2)
    assert 0.0 <= clf.score(X, y_tokens) <= 1.0


def test_string_labels_come_back_as_strings(seeg):
    X, y, _, _ = seeg
    labels = np.where(y == 1, "seizure", "normal")
    clf = BPTSeizureClassifier(**FAST_NET).fit(X, labels)
    assert set(clf.predict(X)) <= {"seizure", "normal"}
    np.testing.assert_array_equal(clf.classes_, ["normal", "seizure"])


@pytest.mark.parametrize("finetune", ["probe", "last_k", "full"])
def test_each_recipe_trains_only_what_it_should(seeg, finetune):
    X, y, _, _ = seeg
    clf = BPTSeizureClassifier(finetune=finetune, **FAST_NET)
    before = {k: v.clone() for k, v in clf._load_model().state_dict().items()}
    clf.fit(X, y)
    after = clf.encoder_.state_dict()
    changed = {k for k in before if not np.allclose(before[k].numpy(), after[k].cpu().numpy())}
    if finetune == "probe":
        assert changed == set()
    elif finetune == "last_k":  # only the last temporal layer (layer='temporal', k=1)
        assert changed and all(k.startswith("temporal.layers.1.") for k in changed)
    else:
        assert any(k.startswith("embed.") for k in changed)
        assert any(k.startswith("temporal.layers.0.") for k in changed)


def test_full_recipe_uses_two_learning_rates(seeg):
    X, y, _, _ = seeg
    clf = BPTSeizureClassifier(finetune="full", lr=1e-3, encoder_lr=1e-6, **FAST_NET).fit(X, y)
    lrs = sorted(group["lr"] for group in clf.net_.optimizer_.param_groups)
    assert lrs == [1e-6, 1e-3]


def test_last_k_larger_than_the_readout_path_is_refused(seeg):
    X, y, _, _ = seeg
    with pytest.raises(ValueError, match="last_k=3 exceeds the 2 encoder layers"):
        BPTSeizureClassifier(finetune="last_k", last_k=3, **FAST_NET).fit(X, y)


def test_balanced_class_weight_reaches_the_loss(seeg):
    X, y, _, _ = seeg
    clf = BPTSeizureClassifier(**FAST_NET).fit(X, y)
    weight = clf.net_.criterion_.weight.numpy()
    n0, n1 = np.bincount(y)
    np.testing.assert_allclose(weight, [len(y) / (2 * n0), len(y) / (2 * n1)], rtol=1e-6)
    unweighted = BPTSeizureClassifier(class_weight=None, **FAST_NET).fit(X, y)
    assert unweighted.net_.criterion_.weight is None


def test_skorch_callbacks_and_group_validation_split_work(seeg):
    X, y, _, groups = seeg
    clf = BPTSeizureClassifier(
        max_epochs=4, train_split=GroupValidSplit(cv=2),
        callbacks=[EarlyStopping(patience=1, load_best=False),
                   LRScheduler("StepLR", step_size=1, gamma=0.5)],
        **FAST).fit(X, y, groups=groups)
    assert "valid_loss" in clf.history_[-1]
    assert 1 <= len(clf.history_) <= 4


def test_optimizer_prefixed_params_reach_skorch(seeg):
    X, y, _, _ = seeg
    clf = BPTSeizureClassifier(optimizer__weight_decay=0.5, **FAST_NET)
    assert clf.get_params()["optimizer__weight_decay"] == 0.5
    clf.fit(X, y)
    assert clf.net_.optimizer_.param_groups[0]["weight_decay"] == 0.5


def test_misspelt_skorch_param_gets_a_suggestion(seeg):
    X, y, _, _ = seeg
    clf = BPTSeizureClassifier(optimizer_weight_decay=0.5, **FAST_NET)
    with pytest.raises(TypeError, match="unexpected keyword argument 'optimizer_weight_decay'"):
        clf.fit(X, y)


def test_grid_search_over_a_head_parameter_with_patient_groups(seeg):
    X, y, _, groups = seeg
    search = GridSearchCV(BPTSeizureClassifier(**FAST_NET), {"lr": [1e-3, 1e-2]},
                          cv=GroupKFold(n_splits=2), scoring="balanced_accuracy")
    search.fit(X, y, groups=groups)
    assert search.best_params_["lr"] in (1e-3, 1e-2)
    assert search.cv_results_["mean_test_score"].shape == (2,)


def test_cross_val_score_with_group_k_fold(seeg):
    X, y, _, groups = seeg
    scores = cross_val_score(BPTSeizureClassifier(**FAST_NET), X, y, groups=groups,
                             cv=GroupKFold(n_splits=2))
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))


def test_ragged_input_trains_a_window_probe(seeg):
    X, y, _, _ = seeg
    parts, labels = [X[:6], X[6:, :5]], np.concatenate([y[:6], y[6:]])
    clf = BPTSeizureClassifier(**FAST_NET).fit(parts, labels)
    assert clf.predict(parts).shape == (len(X),)
    np.testing.assert_allclose(clf.predict_proba(parts),
                               np.concatenate([clf.predict_proba(p) for p in parts]), atol=1e-6)


def test_ragged_input_with_token_labels_is_refused(seeg):
    X, _, y_tokens, _ = seeg
    with pytest.raises(ValueError, match="y has shape"):
        BPTSeizureClassifier(**FAST_NET).fit([X[:6], X[6:, :5]], y_tokens)


@pytest.mark.parametrize("y_bad, match", [
    (np.zeros(5), r"y has shape \(5,\).*\(12,\)"),
    (np.zeros((12, 8, 2)), r"\(12, 8, 1\)"),
    (np.zeros(12), "single class"),
])
def test_bad_labels_are_refused_and_nothing_is_fitted(seeg, y_bad, match):
    X = seeg[0]
    clf = BPTSeizureClassifier(**FAST_NET)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y_bad)
    assert not hasattr(clf, "classes_") and not hasattr(clf, "net_")


def test_groups_of_the_wrong_length_are_refused(seeg):
    X, y, _, _ = seeg
    with pytest.raises(ValueError, match="groups has 3 entries but X has 12 windows"):
        BPTSeizureClassifier(**FAST_NET).fit(X, y, groups=["a", "b", "c"])


def test_repeated_or_unknown_extra_features_are_refused_as_by_the_encoder(seeg):
    X, y = seeg[0], seeg[1]
    for extras in [("log_amplitude", "log_amplitude"), ("kurtosis",)]:
        with pytest.raises(ValueError, match="'extra_features' parameter of "
                                             "BPTSeizureClassifier must hold distinct names"):
            BPTSeizureClassifier(extra_features=extras, **FAST_NET).fit(X, y)
