"""BPTEncoder(adapt_steps=N): masked self-supervised training of a copy of the encoder in fit."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

import bptlearn.estimators._encoder as encoder_module
from bptlearn import BPTEncoder
from bptlearn.nn import BPTModel

from ..helpers import FAST

# every embedding column (no PCA to fit), small batches: a step takes milliseconds
QUICK = dict(FAST, n_components=None, batch_size=4)


def _state(model: torch.nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope="module")
def plain(seeg):
    return BPTEncoder(**QUICK).fit(seeg[0])


@pytest.fixture(scope="module")
def adapted(seeg):
    return BPTEncoder(adapt_steps=5, **QUICK).fit(seeg[0])


def test_adaptation_changes_the_weights_and_lowers_the_masked_loss(seeg, plain, adapted):
    assert not _same(_state(plain.encoder_), _state(adapted.encoder_))
    before, after = adapted.adapt_loss_
    assert np.isfinite([before, after]).all() and after < before
    assert 0.0 < adapted.adapt_seconds_ < 30.0
    assert not adapted.encoder_.training  # handed over in eval mode
    assert not np.allclose(plain.transform(seeg[0]), adapted.transform(seeg[0]))


def test_default_adapt_steps_zero_trains_nothing_and_transforms_as_before(seeg, plain):
    enc = plain
    assert enc.get_params()["adapt_steps"] == 0
    assert enc.adapt_loss_ is None and enc.adapt_seconds_ == 0.0
    fresh = BPTEncoder(**QUICK)._load_model()  # the same seeded initialisation, untrained
    assert _same(_state(enc.encoder_), _state(fresh))
    explicit = BPTEncoder(adapt_steps=0, **QUICK).fit(seeg[0])
    assert np.array_equal(enc.transform(seeg[0]), explicit.transform(seeg[0]))


def test_same_random_state_gives_the_same_adaptation(seeg, adapted):
    again = BPTEncoder(adapt_steps=5, **QUICK).fit(seeg[0])
    assert _same(_state(adapted.encoder_), _state(again.encoder_))
    assert again.adapt_loss_ == adapted.adapt_loss_
    assert np.array_equal(again.transform(seeg[0]), adapted.transform(seeg[0]))
    other = BPTEncoder(adapt_steps=5, **dict(QUICK, random_state=1))
    other._load_model = lambda: BPTEncoder(**QUICK)._load_model()  # same init, other seed
    other.fit(seeg[0])
    assert not _same(_state(adapted.encoder_), _state(other.encoder_))


def test_the_loaded_weights_and_the_input_are_left_untouched(seeg, monkeypatch):
    loaded = BPTModel(preset="nano").eval()
    snapshot = _state(loaded)
    monkeypatch.setattr(BPTEncoder, "_load_model", lambda self: loaded)
    X = np.array(seeg[0])
    enc = BPTEncoder(adapt_steps=3, **QUICK).fit(X)
    assert enc.encoder_ is not loaded and _same(_state(loaded), snapshot)
    assert np.array_equal(X, seeg[0])


def test_adaptation_in_cross_validation_sees_the_training_fold_only(seeg, monkeypatch):
    seen = []
    adapt = encoder_module.adapt_encoder

    def spy(model, signals, scaling, **kwargs):
        seen.append(signals.n_windows)
        return adapt(model, signals, scaling, **kwargs)

    monkeypatch.setattr(encoder_module, "adapt_encoder", spy)
    X, y, _, groups = seeg
    model = make_pipeline(BPTEncoder(adapt_steps=2, **QUICK), LogisticRegression())
    scores = cross_val_score(model, X, y, groups=groups, cv=GroupKFold(n_splits=2))
    assert seen == [6, 6] and np.isfinite(scores).all()


def test_ragged_input_is_adapted_part_by_part(seeg):
    X = seeg[0]
    enc = BPTEncoder(adapt_steps=3, **QUICK).fit([X[:6], X[6:, :5]])
    assert enc.n_chans_in_ is None and enc.adapt_loss_[1] > 0
    assert enc.transform([X[:2, :3]]).shape == (2, 128 + 9)  # embeddings, extras


def test_clone_and_get_params_carry_adapt_steps(adapted):
    copy = clone(adapted)
    assert copy.get_params()["adapt_steps"] == 5 and not hasattr(copy, "adapt_loss_")
    assert copy.set_params(adapt_steps=4).adapt_steps == 4


@pytest.mark.parametrize("bad", [-1, 2.5, "10", None])
def test_bad_adapt_steps_raise_before_the_fitted_state_changes(seeg, adapted, bad):
    enc = clone(adapted)
    fitted = dict(vars(adapted))
    vars(enc).update(fitted)  # a fitted estimator, without paying for a second adaptation
    with pytest.raises(InvalidParameterError,
                       match=r"The 'adapt_steps' parameter of BPTEncoder must be an int in "
                             rf"the range \[0, inf\)\. Got {bad!r} instead"):
        enc.set_params(adapt_steps=bad).fit(seeg[0])
    assert enc.adapt_loss_ == adapted.adapt_loss_ and enc.encoder_ is adapted.encoder_
