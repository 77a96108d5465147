"""Tests of bptlearn.metrics' event-level seizure metrics against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bptlearn.metrics import (
    event_metrics,
    event_sensitivity,
    event_table,
    false_alarms_per_hour,
)

EXACT = dict(window_s=6.0, tolerance_s=0.0, merge_gap_s=0.0)


def test_event_metrics_matches_hand_computed_values():
    y_true = [0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0]   # events at [12, 30) and [48, 60)
    y_pred = [0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0]   # detections [18, 30) and [36, 42)
    s = event_metrics(y_true, y_pred, **EXACT)
    assert s["n_events"] == 2
    assert s["n_detections"] == 2
    assert s["n_detected_events"] == 1
    assert s["sensitivity"] == 0.5
    assert s["n_false_alarms"] == 1
    assert s["mean_latency_s"] == 6.0
    assert s["duration_h"] == pytest.approx(72 / 3600)
    assert s["false_alarms_per_hour"] == pytest.approx(3600 / 72)


def test_event_metrics_one_detection_over_two_events_hits_both_without_false_alarm():
    s = event_metrics([0, 1, 1, 0, 1, 1, 0, 0], [0, 1, 1, 1, 1, 1, 0, 0], **EXACT)
    assert (s["n_events"], s["n_detected_events"], s["n_detections"]) == (2, 2, 1)
    assert s["n_false_alarms"] == 0
    assert s["mean_latency_s"] == 0.0  # the detection starts with the first event, and spans
    # the second one from its onset (clipped to the onset: tolerance 0)


def test_event_metrics_counts_an_event_hit_by_several_detections_once():
    s = event_metrics([0, 1, 1, 1, 1, 0, 0, 0], [0, 0, 1, 0, 1, 0, 0, 0], **EXACT)
    assert (s["n_events"], s["n_detected_events"], s["n_detections"]) == (1, 1, 2)
    assert s["n_false_alarms"] == 0
    assert s["mean_latency_s"] == 6.0  # the earliest detection counts


def test_event_metrics_merges_detections_separated_by_at_most_merge_gap_s():
    y_true, y_pred = [0] * 7, [1, 0, 1, 0, 0, 0, 1]  # gaps of 6 s and 18 s
    assert event_metrics(y_true, y_pred, window_s=6.0, merge_gap_s=0.0)["n_detections"] == 3
    assert event_metrics(y_true, y_pred, window_s=6.0, merge_gap_s=6.0)["n_detections"] == 2
    assert event_metrics(y_true, y_pred, window_s=6.0, merge_gap_s=18.0)["n_detections"] == 1


def test_event_metrics_counts_early_detection_within_tolerance_with_clipped_latency():
    y_true = [0, 0, 0, 0, 0, 1, 1, 0, 0, 0]  # event [30, 42)
    y_pred = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]  # detection [18, 24)
    assert event_metrics(y_true, y_pred, **EXACT)["n_false_alarms"] == 1
    s = event_metrics(y_true, y_pred, window_s=6.0, tolerance_s=(10.0, 0.0), merge_gap_s=0.0)
    assert s["sensitivity"] == 1.0 and s["n_false_alarms"] == 0
    assert s["mean_latency_s"] == -10.0  # max(18, 30 - 10) - 30


def test_event_metrics_counts_late_detection_within_post_tolerance():
    y_true = [0, 0, 0, 0, 0, 1, 1, 0, 0, 0]  # event [30, 42)
    y_pred = [0, 0, 0, 0, 0, 0, 0, 0, 1, 0]  # detection [48, 54)
    late = dict(window_s=6.0, merge_gap_s=0.0)
    s = event_metrics(y_true, y_pred, tolerance_s=(0.0, 6.0), **late)
    assert s["sensitivity"] == 0.0  # 48 is not before 42 + 6
    s = event_metrics(y_true, y_pred, tolerance_s=(0.0, 12.0), **late)
    assert s["sensitivity"] == 1.0 and s["mean_latency_s"] == 18.0


def test_event_metrics_without_events_gives_nan_sensitivity_and_counts_alarms():
    s = event_metrics([0] * 600, [1] + [0] * 298 + [1] + [0] * 300, **EXACT)  # one hour
    assert math.isnan(s["sensitivity"]) and math.isnan(s["mean_latency_s"])
    assert s["n_events"] == 0 and s["n_false_alarms"] == 2
    assert s["false_alarms_per_hour"] == pytest.approx(2.0)


def test_event_metrics_with_nothing_to_find_and_nothing_found_has_no_alarm():
    s = event_metrics([0] * 10, [0] * 10, **EXACT)
    assert s["n_detections"] == 0 and s["false_alarms_per_hour"] == 0.0


def test_event_metrics_all_positive_prediction_hits_every_event_with_clipped_latency():
    y_true = np.zeros(100, dtype=int)
    y_true[[2, 3]] = 1    # event at 12 s: lo = 12 - 30 < 0, latency = 0 - 12
    y_true[[50, 51]] = 1  # event at 300 s: latency clipped to -30
    s = event_metrics(y_true, np.ones(100, dtype=int), window_s=6.0, tolerance_s=(30.0, 60.0))
    assert (s["sensitivity"], s["n_detections"], s["n_false_alarms"]) == (1.0, 1, 0)
    assert s["mean_latency_s"] == pytest.approx((-12.0 - 30.0) / 2)


def test_event_metrics_all_positive_truth_is_one_event():
    s = event_metrics([1] * 5, [0, 0, 1, 1, 0], **EXACT)
    assert (s["n_events"], s["sensitivity"], s["mean_latency_s"]) == (1, 1.0, 12.0)


def test_event_metrics_does_not_modify_its_inputs():
    y_true, y_pred = np.array([0, 1, 1, 0]), np.array([1, 1, 0, 0])
    event_metrics(y_true, y_pred, **EXACT)
    assert y_true.tolist() == [0, 1, 1, 0] and y_pred.tolist() == [1, 1, 0, 0]


def test_event_metrics_rejects_token_labels_with_a_fix():
    with pytest.raises(ValueError, match=r"y\.max\(axis=1\)\.ravel\(\)"):
        event_metrics(np.zeros((3, 2, 2)), np.zeros((3, 2, 2)))


def test_event_metrics_rejects_probabilities():
    with pytest.raises(ValueError, match="y_pred must hold binary labels 0/1, got the value 0.7"):
        event_metrics([0, 1], [0.7, 0.2])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(window_s=0.0), "window_s must be a positive"),
        (dict(merge_gap_s=-1.0), "merge_gap_s must be a non-negative"),
        (dict(tolerance_s=(1.0, 2.0, 3.0)), "tolerance_s must be one number or a"),
        (dict(tolerance_s="30"), "tolerance_s must be an instance of numeric"),
    ],
)
def test_event_metrics_rejects_bad_parameters(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        event_metrics([0, 1], [0, 1], **kwargs)


def test_event_sensitivity_and_false_alarm_rate_agree_with_event_metrics():
    y_true, y_pred = [0, 1, 0, 0, 0, 1, 0], [1, 0, 0, 0, 0, 1, 0]
    s = event_metrics(y_true, y_pred, **EXACT)
    assert event_sensitivity(y_true, y_pred, **EXACT) == s["sensitivity"] == 0.5
    assert false_alarms_per_hour(y_true, y_pred, **EXACT) == s["false_alarms_per_hour"]


def test_event_metrics_splits_a_run_of_positive_windows_at_a_gap_in_onsets():
    # windows at 0, 6, 12, then a 10-min pause: 612, 618, 624
    onsets = [0, 6, 12, 612, 618, 624]
    y_true = [0, 1, 1, 1, 1, 0]  # contiguous indices, but two events: [6, 18) and [612, 624)
    y_pred = [0, 0, 1, 0, 0, 0]
    s = event_metrics(y_true, y_pred, onsets=onsets, **EXACT)
    assert (s["n_events"], s["n_detected_events"], s["sensitivity"]) == (2, 1, 0.5)
    assert s["mean_latency_s"] == 6.0  # 12 - 6
    assert s["duration_h"] == pytest.approx(36 / 3600)  # the pause is not recording time
    # without onsets the same labels are one event, detected
    assert event_metrics(y_true, y_pred, **EXACT)["n_events"] == 1


def test_event_metrics_places_windows_left_after_a_drop_on_their_own_clock():
    # window 3 ([18, 24)) was dropped by nan_policy='omit'; the detection at 24 s is 6 s late
    onsets = [0, 6, 12, 24, 30]
    s = event_metrics([0, 0, 1, 1, 0], [0, 0, 0, 1, 0], onsets=onsets, **EXACT)
    assert s["n_events"] == 2  # [12, 18) and [24, 30): the dropped window splits them
    assert s["n_detected_events"] == 1 and s["mean_latency_s"] == 0.0
    s = event_metrics([0, 0, 1, 1, 0], [0, 0, 0, 1, 0], onsets=onsets, window_s=6.0,
                      tolerance_s=0.0, merge_gap_s=6.0)
    assert s["n_false_alarms"] == 0 and s["duration_h"] == pytest.approx(30 / 3600)


def test_event_metrics_keeps_recordings_apart_and_sums_their_hours():
    onsets = [0, 6, 12, 0, 6, 12]  # two recordings on their own clocks
    rec = ["a", "a", "a", "b", "b", "b"]
    y_true = [0, 0, 1, 1, 0, 0]  # adjacent in the arrays, but in two recordings
    y_pred = [0, 0, 1, 0, 0, 1]
    s = event_metrics(y_true, y_pred, onsets=onsets, recording=rec, **EXACT)
    assert (s["n_events"], s["n_detected_events"], s["n_false_alarms"]) == (2, 1, 1)
    assert s["n_recordings"] == 2
    assert s["false_alarms_per_hour"] == pytest.approx(1 / (36 / 3600))


def test_event_metrics_sorts_shuffled_windows_by_onset():
    order = np.array([3, 0, 5, 1, 4, 2])
    y_true, y_pred = np.array([0, 1, 1, 0, 0, 0]), np.array([0, 0, 1, 0, 1, 0])
    onsets = np.arange(6) * 6.0
    expected = event_metrics(y_true, y_pred, **EXACT)
    got = event_metrics(y_true[order], y_pred[order], onsets=onsets[order], **EXACT)
    assert got == expected


def test_event_metrics_refuses_repeated_onsets_without_recording_ids():
    with pytest.raises(ValueError, match=r"onsets repeats a start time.*recording=\.\.\."):
        event_metrics([0, 1, 0, 1], [0, 1, 0, 1], onsets=[0, 6, 0, 6])


def test_event_metrics_rejects_onsets_of_another_length():
    with pytest.raises(ValueError, match=r"onsets must have shape \(3,\)"):
        event_metrics([0, 1, 0], [0, 1, 0], onsets=[0, 6])


def test_event_table_lists_events_and_false_alarms_per_recording():
    onsets = [0, 6, 12, 18, 0, 6, 600, 606]
    rec = [1, 1, 1, 1, 2, 2, 2, 2]
    y_true = [0, 1, 1, 0, 0, 0, 1, 0]
    y_pred = [0, 0, 1, 0, 1, 0, 0, 0]
    t = event_table(y_true, y_pred, onsets=onsets, recording=rec, **EXACT)
    assert list(t.columns) == ["recording", "kind", "onset", "offset", "detected", "latency_s",
                               "false_alarms_per_hour", "duration_h"]
    assert t["recording"].tolist() == [1, 2, 2]
    assert t["kind"].tolist() == ["seizure", "false_alarm", "seizure"]
    assert t["onset"].tolist() == [6.0, 0.0, 600.0] and t["offset"].tolist() == [18.0, 6.0, 606.0]
    assert t["detected"].tolist() == [True, False, False]
    assert t["latency_s"].iloc[0] == 6.0 and t["latency_s"].iloc[1:].isna().all()
    # recording 1: 24 s, no alarm; recording 2: windows cover 24 s (the 588-s gap excluded)
    assert t["false_alarms_per_hour"].tolist() == pytest.approx([0.0, 150.0, 150.0])
    assert t["duration_h"].tolist() == pytest.approx([24 / 3600] * 3)


def test_event_table_thresholds_cross_val_predict_probabilities():
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.95, 0.05]])
    t = event_table([0, 1, 1, 0], proba, threshold=0.5, **EXACT)
    assert t["kind"].tolist() == ["seizure"] and t["detected"].tolist() == [True]
    t = event_table([0, 1, 1, 0], proba, threshold=0.3, **EXACT)
    assert t["latency_s"].tolist() == [0.0]


def test_event_table_agrees_with_event_metrics(rng):
    y_true, y_pred = rng.integers(0, 2, 60), rng.integers(0, 2, 60)
    rec = np.repeat([0, 1, 2], 20)
    onsets = np.tile(np.arange(20) * 6.0, 3)
    s = event_metrics(y_true, y_pred, onsets=onsets, recording=rec, **EXACT)
    t = event_table(y_true, y_pred, onsets=onsets, recording=rec, **EXACT)
    events = t[t["kind"] == "seizure"]
    assert len(events) == s["n_events"] and events["detected"].sum() == s["n_detected_events"]
    assert (t["kind"] == "false_alarm").sum() == s["n_false_alarms"]


def test_event_table_rejects_probabilities_of_more_than_two_classes():
    with pytest.raises(ValueError, match=r"With threshold=0.5, y_pred must be seizure"):
        event_table([0, 1], np.full((2, 3), 0.3), threshold=0.5)
