"""Tests of robust_channel_stats and scale_by_recording."""

import numpy as np
import pytest

from bptlearn.data import robust_channel_stats, scale_by_recording
from bptlearn.exceptions import BPTWarning


def test_robust_stats_of_2d_input_are_median_and_scaled_mad_per_channel(rng):
    X = rng.normal([[1.0], [-3.0]], [[10.0], [2.0]], size=(2, 20000))
    center, scale = robust_channel_stats(X)
    np.testing.assert_allclose(center, np.median(X, axis=1))
    np.testing.assert_allclose(scale, [10.0, 2.0], rtol=0.03)


def test_robust_stats_of_3d_input_pool_windows_and_time(rng):
    X = rng.normal(0.0, 1.0, size=(4, 3, 500))
    center, scale = robust_channel_stats(X)
    pooled = X.transpose(1, 0, 2).reshape(3, -1)
    med = np.median(pooled, axis=1)
    np.testing.assert_allclose(center, med)
    np.testing.assert_allclose(scale, 1.4826 * np.median(np.abs(pooled - med[:, None]), axis=1))


def test_robust_stats_accept_the_time_axis_first(rng):
    X = rng.normal(0.0, 1.0, size=(3, 1000))
    center, scale = robust_channel_stats(X.T, axis=0)
    np.testing.assert_allclose(center, robust_channel_stats(X)[0])
    np.testing.assert_allclose(scale, robust_channel_stats(X)[1])


def test_robust_stats_ignore_a_few_huge_outliers(rng):
    X = rng.normal(0.0, 5.0, size=(1, 10000))
    X[0, :50] = 1e4
    _, scale = robust_channel_stats(X)
    assert scale[0] == pytest.approx(5.0, rel=0.05)


def test_robust_stats_flag_flat_channels_with_a_warning_and_unit_scale(rng):
    X = rng.normal(0.0, 1.0, size=(3, 1000))
    X[1] = 7.0
    with pytest.warns(BPTWarning, match=r"1 flat channel\(s\) at index \[1\]"):
        center, scale, flat = robust_channel_stats(X, return_flat=True)
    assert center[1] == 7.0 and scale[1] == 1.0
    np.testing.assert_array_equal(flat, [False, True, False])


def test_robust_stats_fall_back_to_std_for_sparse_channels():
    X = np.zeros((1, 1000))
    X[0, ::100] = 50.0
    _, scale = robust_channel_stats(X)
    assert scale[0] == pytest.approx(X[0].std())


def test_robust_stats_do_not_modify_the_input(rng):
    X = rng.normal(size=(2, 3, 100)).astype(np.float32)
    before = X.copy()
    robust_channel_stats(X)
    np.testing.assert_array_equal(X, before)


def test_robust_stats_reject_non_finite_values(rng):
    X = rng.normal(size=(2, 100))
    X[1, 5] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinite values in channel 1"):
        robust_channel_stats(X)


def test_robust_stats_reject_1d_input():
    with pytest.raises(ValueError, match=r"got an array with 1 dimension\(s\)"):
        robust_channel_stats(np.ones(10))


def test_robust_stats_reject_the_window_axis_as_time_axis(rng):
    with pytest.raises(ValueError, match=r"axis=0 is the window axis"):
        robust_channel_stats(rng.normal(size=(2, 3, 10)), axis=0)


def test_scale_by_recording_scales_each_recording_by_its_own_stats(rng):
    X = rng.normal(3.0, 1.0, size=(6, 2, 500))
    X[3:] = X[3:] * 40.0 + 7.0  # a louder recording, offset
    groups = np.array([0, 0, 0, 1, 1, 1])
    out = scale_by_recording(X, groups)
    assert out.shape == X.shape and out.dtype == np.float32
    for rows in (slice(0, 3), slice(3, 6)):
        center, scale = robust_channel_stats(X[rows])
        expected = (X[rows] - center[:, None]) / scale[:, None]
        np.testing.assert_allclose(out[rows], expected, rtol=1e-5, atol=1e-5)
    # both recordings end on the same footing: median 0, robust spread 1 per channel
    for rows in (slice(0, 3), slice(3, 6)):
        center, scale = robust_channel_stats(out[rows])
        np.testing.assert_allclose(center, 0.0, atol=1e-5)
        np.testing.assert_allclose(scale, 1.0, rtol=1e-4)


def test_scale_by_recording_keeps_order_and_input_and_pools_without_groups(rng):
    X = rng.normal(size=(4, 3, 200))
    before = X.copy()
    groups = np.array([1, 0, 1, 0])  # interleaved recordings keep their window order
    out = scale_by_recording(X, groups)
    np.testing.assert_array_equal(X, before)
    center, scale = robust_channel_stats(X[groups == 1])
    np.testing.assert_allclose(out[[0, 2]], (X[[0, 2]] - center[:, None]) / scale[:, None],
                               rtol=1e-5, atol=1e-5)
    center, scale = robust_channel_stats(X)
    np.testing.assert_allclose(scale_by_recording(X), (X - center[:, None]) / scale[:, None],
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("X, groups, match", [
    (np.zeros((3, 100)), None, "n_windows, n_chans, n_times"),
    (np.ones((3, 2, 100)), [0, 1], "one recording id per window"),
])
def test_scale_by_recording_rejects_bad_shapes(X, groups, match):
    with pytest.raises(ValueError, match=match):
        scale_by_recording(X, groups)
