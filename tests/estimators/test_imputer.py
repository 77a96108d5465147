import numpy as np
import pytest

from bptlearn import BPTImputer
from bptlearn.nn.heads import ImputationHead

from ..helpers import FAST_NET


@pytest.fixture(scope="module")
def fitted(seeg):
    return BPTImputer(**FAST_NET).fit(seeg[0])


def with_gaps(X, rate=0.4, seed=1):
    mask = np.random.default_rng(seed).random(X.shape) < rate
    return np.where(mask, np.nan, X).astype(X.dtype), mask


def test_observed_samples_come_back_bit_identical(fitted, seeg):
    X = seeg[0]
    gappy, mask = with_gaps(X)
    filled = fitted.transform(gappy)
    assert filled.dtype == X.dtype and filled.shape == X.shape
    assert np.isfinite(filled).all()
    np.testing.assert_array_equal(filled[~mask], X[~mask])


def test_a_mask_marks_samples_to_fill_without_nans(fitted, seeg):
    X = seeg[0]
    mask = np.zeros(X.shape, dtype=bool)
    mask[0, 0, 100:140] = True
    filled = fitted.transform(X, mask=mask)
    np.testing.assert_array_equal(filled[~mask], X[~mask])
    assert not np.array_equal(filled[mask], X[mask])  # the true samples were hidden


def test_nothing_to_fill_returns_a_copy(fitted, seeg):
    X = seeg[0]
    out = fitted.transform(X)
    np.testing.assert_array_equal(out, X)
    assert out is not X


def test_an_untrained_head_returns_the_linear_interpolation():
    head = ImputationHead(d_model=8, patch_len=10)
    import torch

    x, mask = torch.randn(1, 2, 1, 10), (torch.rand(1, 2, 1, 10) < 0.5).float()
    out = head(torch.randn(1, 2, 1, 8), x, mask)
    torch.testing.assert_close(out, x)


def test_input_at_another_rate_is_refused(seeg):
    with pytest.raises(ValueError, match="model's 250 Hz, but X is at 500 Hz"):
        BPTImputer(sfreq=500.0, **FAST_NET).fit(np.zeros((2, 3, 3000)))


def test_mask_of_the_wrong_shape_is_refused(fitted, seeg):
    X = seeg[0]
    with pytest.raises(ValueError, match="mask must be a bool array"):
        fitted.transform(X, mask=np.zeros(X.shape[1:], dtype=bool))


def test_nan_in_fit_data_is_refused(seeg):
    gappy, _ = with_gaps(seeg[0])
    with pytest.raises(ValueError, match="NaN or infinite"):
        BPTImputer(**FAST_NET).fit(gappy)
