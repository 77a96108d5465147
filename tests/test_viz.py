"""Tests of bptlearn.viz: figure content (points, lines, spans, labels), not pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from bptlearn.viz import (  # noqa: E402
    plot_embedding,
    plot_forecast,
    plot_low_label_curve,
    plot_seizure_timeline,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- plot_embedding -------------------------------------------------------------------------


def test_plot_embedding_pca_draws_every_point_once_per_label(rng):
    emb = rng.normal(size=(30, 6))
    labels = np.array(["normal"] * 20 + ["seizure"] * 10)
    ax = plot_embedding(emb, labels, method="pca")
    assert [len(c.get_offsets()) for c in ax.collections] == [20, 10]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["normal", "seizure"]
    assert ax.get_xlabel() == "PCA 1"


def test_plot_embedding_tsne_is_seeded(rng):
    emb = rng.normal(size=(25, 4))
    first = plot_embedding(emb, method="tsne", random_state=0).collections[0].get_offsets()
    second = plot_embedding(emb, method="tsne", random_state=0).collections[0].get_offsets()
    assert first.shape == (25, 2)
    np.testing.assert_allclose(first, second)


def test_plot_embedding_draws_on_the_given_axes(rng):
    _, ax = plt.subplots()
    assert plot_embedding(rng.normal(size=(5, 3)), method="pca", ax=ax) is ax


def test_plot_embedding_rejects_unpooled_embeddings(rng):
    with pytest.raises(ValueError, match=r"emb must be a non-empty 2-D array, got shape"):
        plot_embedding(rng.normal(size=(4, 2, 3, 8)), method="pca")


def test_plot_embedding_rejects_labels_of_another_length(rng):
    with pytest.raises(ValueError, match=r"labels must have shape \(5,\)"):
        plot_embedding(rng.normal(size=(5, 3)), [0, 1], method="pca")


def test_plot_embedding_rejects_an_unknown_method(rng):
    with pytest.raises(ValueError, match="Invalid value for the 'method' parameter"):
        plot_embedding(rng.normal(size=(5, 3)), method="umap")


def test_plot_embedding_rejects_a_perplexity_above_the_sample_count(rng):
    with pytest.raises(ValueError, match=r"perplexity must be in \(0, 5\)"):
        plot_embedding(rng.normal(size=(5, 3)), perplexity=10.0)


def test_plot_embedding_names_labels_and_puts_the_legend_outside_the_axes(rng):
    ax = plot_embedding(rng.normal(size=(12, 4)), [0] * 6 + [1] * 6, method="pca",
                        label_names={0: "interictal", 1: "ictal"}, legend_title="state")
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["interictal", "ictal"]
    assert legend.get_title().get_text() == "state"
    ax.figure.canvas.draw()
    box = legend.get_window_extent()
    assert box.x0 > ax.get_window_extent().x1  # right of the axes: covers no point


def test_plot_embedding_has_no_legend_title_by_default(rng):
    ax = plot_embedding(rng.normal(size=(12, 4)), [0] * 6 + [1] * 6, method="pca")
    assert ax.get_legend().get_title().get_text() == ""


def test_plot_embedding_gives_distinct_colours_past_ten_groups(rng):
    labels = np.repeat(np.arange(25), 2)
    ax = plot_embedding(rng.normal(size=(50, 4)), labels, method="pca")
    colours = {tuple(np.round(c.get_facecolor()[0], 4)) for c in ax.collections}
    assert len(ax.collections) == 25 and len(colours) == 25


def test_plot_embedding_takes_a_palette_dict(rng):
    ax = plot_embedding(rng.normal(size=(6, 3)), ["a", "a", "a", "b", "b", "b"], method="pca",
                        palette={"a": "red", "b": "blue"})
    assert [tuple(c.get_facecolor()[0][:3]) for c in ax.collections] == [(1.0, 0.0, 0.0),
                                                                          (0.0, 0.0, 1.0)]


def test_plot_embedding_rejects_a_palette_with_too_few_colours(rng):
    with pytest.raises(ValueError, match="palette holds 1 colours for 2 labels"):
        plot_embedding(rng.normal(size=(6, 3)), [0, 0, 0, 1, 1, 1], method="pca",
                       palette=["red"])


def test_plot_embedding_standardize_removes_the_dominance_of_a_large_feature(rng):
    emb = rng.normal(size=(40, 2))
    emb[:, 0] *= 1000.0  # without scaling, PCA 1 is feature 0 alone
    raw = plot_embedding(emb, method="pca", random_state=0).collections[0].get_offsets()
    scaled = plot_embedding(emb, method="pca", standardize=True,
                            random_state=0).collections[0].get_offsets()
    assert np.var(raw[:, 0]) / np.var(raw[:, 1]) > 1e4
    assert np.var(scaled[:, 0]) / np.var(scaled[:, 1]) < 10


# --- plot_low_label_curve -------------------------------------------------------------------


def _curve():
    return pd.DataFrame({
        "model": ["bpt"] * 4 + ["baseline"] * 4,
        "fraction": [0.1, 0.1, 1.0, 1.0] * 2,
        "score": [0.6, 0.8, 0.9, 0.9, 0.2, 0.4, 0.5, 0.7],
    })


def test_plot_low_label_curve_draws_one_mean_line_per_hue_level():
    ax = plot_low_label_curve(_curve(), hue="model")
    lines = {line.get_label(): line for line in ax.lines}
    assert set(lines) == {"bpt", "baseline"}
    np.testing.assert_allclose(lines["bpt"].get_ydata(), [0.7, 0.9])
    np.testing.assert_allclose(lines["baseline"].get_xdata(), [0.1, 1.0])
    assert len(ax.collections) == 2 and ax.get_xscale() == "log"


def test_plot_low_label_curve_shades_one_standard_deviation():
    ax = plot_low_label_curve(_curve()[:4], label="bpt")
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    std = np.std([0.6, 0.8], ddof=1)
    assert band.min() == pytest.approx(0.7 - std) and band.max() == pytest.approx(0.9)


def test_plot_low_label_curve_names_the_metric_and_titles_the_axes():
    ax = plot_low_label_curve(_curve(), hue="model", metric="balanced_accuracy")
    assert ax.get_ylabel() == "Balanced accuracy"
    assert ax.get_title() == "Balanced accuracy with few labels"
    assert ax.get_xlabel() == "Training labels kept"


def test_plot_low_label_curve_reads_the_metric_from_the_frame_attrs():
    df = _curve()
    df.attrs["scoring"] = "f2"
    ax = plot_low_label_curve(df, hue="model", title="Seizure detection")
    assert ax.get_ylabel() == "F2" and ax.get_title() == "Seizure detection"


def test_plot_low_label_curve_labels_ticks_as_percentages():
    ax = plot_low_label_curve(_curve(), hue="model")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["10%", "100%"]
    assert ax.get_xticks().tolist() == [0.1, 1.0]


def test_plot_low_label_curve_can_count_labelled_windows():
    df = _curve().assign(n_train=[3, 5, 40, 40] * 2)
    ax = plot_low_label_curve(df, hue="model", x="n_train")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["4", "40"]
    assert ax.get_xlabel() == "Labelled training windows"


def test_plot_low_label_curve_clips_bands_to_the_metric_range():
    df = pd.DataFrame({"fraction": [0.5, 0.5, 1.0, 1.0], "score": [0.2, 1.0, 0.95, 1.0]})
    ax = plot_low_label_curve(df, metric="accuracy")
    assert ax.collections[0].get_paths()[0].vertices[:, 1].max() == pytest.approx(1.0)
    unclipped = plot_low_label_curve(df, metric="accuracy", score_range=None)
    assert unclipped.collections[0].get_paths()[0].vertices[:, 1].max() > 1.1


def test_plot_low_label_curve_clips_negated_errors_at_zero():
    df = pd.DataFrame({"fraction": [1.0, 1.0], "score": [-0.01, -1.0]})
    ax = plot_low_label_curve(df, metric="neg_mae")
    assert ax.collections[0].get_paths()[0].vertices[:, 1].max() == pytest.approx(0.0)
    assert ax.get_ylabel() == "−mae"


def test_plot_low_label_curve_rejects_a_frame_without_scores():
    with pytest.raises(ValueError, match=r"df lacks the column\(s\) \['score'\]"):
        plot_low_label_curve(pd.DataFrame({"fraction": [0.1]}))


def test_plot_low_label_curve_rejects_an_unknown_hue():
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['model_name'\]"):
        plot_low_label_curve(_curve(), hue="model_name")


def test_plot_low_label_curve_rejects_a_non_dataframe():
    with pytest.raises(TypeError, match="df must be an instance of DataFrame"):
        plot_low_label_curve({"fraction": [0.1], "score": [1.0]})


# --- plot_forecast --------------------------------------------------------------------------


def test_plot_forecast_draws_history_truth_forecast_and_the_cut(rng):
    history, true, pred = rng.normal(size=(3, 500)), rng.normal(size=(3, 250)), np.zeros((3, 250))
    ax = plot_forecast(history, true, pred, sfreq=250.0, channel=1)
    assert len(ax.lines) == 4
    hist_line, true_line, pred_line = ax.lines[:3]
    np.testing.assert_array_equal(hist_line.get_ydata(), history[1])
    np.testing.assert_array_equal(true_line.get_ydata(), true[1])
    assert hist_line.get_xdata()[0] == pytest.approx(-2.0)
    assert pred_line.get_xdata()[-1] == pytest.approx(249 / 250)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["history", "true", "forecast"]


def test_plot_forecast_accepts_one_channel_signals(rng):
    ax = plot_forecast(rng.normal(size=100), np.zeros(50), np.zeros(50), sfreq=100.0)
    assert len(ax.lines[1].get_xdata()) == 50


def test_plot_forecast_rejects_a_channel_out_of_range(rng):
    with pytest.raises(ValueError, match="channel=3 is out of range for history with 3 channels"):
        plot_forecast(np.zeros((3, 10)), np.zeros((3, 5)), np.zeros((3, 5)), 250.0, channel=3)


def test_plot_forecast_rejects_a_batch_of_windows():
    with pytest.raises(ValueError, match=r"history must be a non-empty 1-D or 2-D array"):
        plot_forecast(np.zeros((2, 3, 10)), np.zeros((3, 5)), np.zeros((3, 5)), 250.0)


def test_plot_forecast_rejects_truth_and_forecast_of_different_lengths():
    with pytest.raises(ValueError, match="true and pred must have the same shape"):
        plot_forecast(np.zeros(10), np.zeros(5), np.zeros(6), 250.0)


# --- plot_seizure_timeline ------------------------------------------------------------------


def test_plot_seizure_timeline_draws_one_line_per_channel_and_one_span_per_event(rng):
    proba = rng.uniform(size=(10, 3))
    y_true = np.array([0, 1, 1, 0, 0, 0, 1, 0, 0, 0])
    ax = plot_seizure_timeline(proba, y_true, window_s=6.0, ch_names=["LA1", "LA2", "LA3"])
    assert len(ax.lines) == 3
    np.testing.assert_allclose(ax.lines[2].get_xdata(), np.arange(10) * 6.0 + 3.0)
    spans = [(p.get_x(), p.get_x() + p.get_width()) for p in ax.patches]
    assert spans == [(6.0, 18.0), (36.0, 42.0)]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["LA1", "LA2", "LA3", "seizure"]


def test_plot_seizure_timeline_shades_events_of_any_channel(rng):
    y_true = np.zeros((6, 2), dtype=int)
    y_true[1, 0] = y_true[2, 1] = 1
    ax = plot_seizure_timeline(rng.uniform(size=(6, 2)), y_true, window_s=1.0)
    assert len(ax.patches) == 1


def test_plot_seizure_timeline_draws_the_threshold_and_marks_detections():
    proba = np.array([[0.1, 0.2], [0.9, 0.1], [0.3, 0.6], [0.2, 0.1]])
    ax = plot_seizure_timeline(proba, [0, 1, 1, 0], window_s=6.0, threshold=0.5)
    threshold, marks = ax.lines[2], ax.lines[3]
    assert list(threshold.get_ydata()) == [0.5, 0.5] and threshold.get_linestyle() == "--"
    assert marks.get_xdata().tolist() == [9.0, 15.0] and marks.get_marker() == "v"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["seizure", "threshold 0.5", "detection"]


def test_plot_seizure_timeline_places_windows_at_their_onsets_and_splits_events_at_gaps():
    proba = np.array([0.1, 0.9, 0.9, 0.1])
    ax = plot_seizure_timeline(proba, [0, 1, 1, 0], window_s=6.0, onsets=[0, 6, 600, 606])
    assert ax.lines[0].get_xdata().tolist() == [3.0, 9.0, 603.0, 609.0]
    spans = [(p.get_x(), p.get_x() + p.get_width()) for p in ax.patches]
    assert spans == [(6.0, 12.0), (600.0, 606.0)]


def test_plot_seizure_timeline_rejects_unsorted_onsets():
    with pytest.raises(ValueError, match="onsets must hold 3 increasing start times"):
        plot_seizure_timeline(np.array([0.1, 0.2, 0.3]), onsets=[0, 12, 6])


def test_plot_seizure_timeline_rejects_scores_outside_zero_one():
    with pytest.raises(ValueError, match="proba must hold probabilities in"):
        plot_seizure_timeline(np.array([0.2, 3.0]))


def test_plot_seizure_timeline_rejects_labels_of_another_length(rng):
    with pytest.raises(ValueError, match=r"y_true must have shape \(4,\)"):
        plot_seizure_timeline(rng.uniform(size=4), [0, 1])


def test_plot_seizure_timeline_rejects_the_wrong_number_of_names(rng):
    with pytest.raises(ValueError, match="ch_names has 1 names but proba has 2 channels"):
        plot_seizure_timeline(rng.uniform(size=(4, 2)), ch_names=["LA1"])
