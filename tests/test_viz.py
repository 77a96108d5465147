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


def test_plot_seizure_timeline_rejects_scores_outside_zero_one():
    with pytest.raises(ValueError, match="proba must hold probabilities in"):
        plot_seizure_timeline(np.array([0.2, 3.0]))


def test_plot_seizure_timeline_rejects_labels_of_another_length(rng):
    with pytest.raises(ValueError, match=r"y_true must have shape \(4,\)"):
        plot_seizure_timeline(rng.uniform(size=4), [0, 1])


def test_plot_seizure_timeline_rejects_the_wrong_number_of_names(rng):
    with pytest.raises(ValueError, match="ch_names has 1 names but proba has 2 channels"):
        plot_seizure_timeline(rng.uniform(size=(4, 2)), ch_names=["LA1"])
