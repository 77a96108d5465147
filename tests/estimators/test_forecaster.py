import copy

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import mne  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from sklearn.base import clone  # noqa: E402

from bptlearn import BPTForecaster  # noqa: E402
from bptlearn.baselines import (  # noqa: E402
    ARForecaster,
    HistoryARForecaster,
    MeanForecaster,
    default_forecasters,
)
from bptlearn.data import make_seeg_windows  # noqa: E402
from bptlearn.estimators._forecast_check import baseline_module  # noqa: E402
from bptlearn.metrics import instantaneous_phase, phase_locking_value  # noqa: E402
from bptlearn.viz import plot_forecast  # noqa: E402

from ..helpers import FAST_NET, shared_rhythms  # noqa: E402


@pytest.fixture(scope="module")
def split(seeg_two_patches):
    X = seeg_two_patches
    return X[:, :, :1500], X[:, :, 1500:]


def test_predict_returns_the_future_samples_of_every_channel(split):
    history, future = split
    fc = BPTForecaster(horizon=1, **FAST_NET).fit(history, future)
    pred = fc.predict(history)
    assert pred.shape == future.shape and np.isfinite(pred).all()
    assert fc.n_future_ == 1500


def test_score_is_the_negative_mean_absolute_error(split):
    history, future = split
    fc = BPTForecaster(horizon=1, **FAST_NET).fit(history, future)
    expected = -np.mean(np.abs(fc.predict(history) - future))
    assert fc.score(history, future) == pytest.approx(expected, rel=1e-6)


def test_predictions_come_back_in_the_units_of_x(split):
    history, future = split
    fc = BPTForecaster(horizon=1, **FAST_NET).fit(history, future)
    a = fc.predict(history)
    fc10 = BPTForecaster(horizon=1, **FAST_NET).fit(history * 10, future * 10)
    np.testing.assert_allclose(fc10.predict(history * 10), a * 10, rtol=1e-3, atol=1e-2)


def test_window_scaling_maps_predictions_back_per_window(split):
    history, future = split
    fc = BPTForecaster(horizon=1, scaling="window", **FAST_NET).fit(history, future)
    shifted = fc.predict(history + 100.0)
    np.testing.assert_allclose(shifted, fc.predict(history) + 100.0, rtol=1e-4, atol=1e-2)


def test_history_at_another_rate_is_resampled(split):
    history, future = split
    h500 = mne.filter.resample(history.astype(float), up=2.0, verbose=False)
    f500 = mne.filter.resample(future.astype(float), up=2.0, verbose=False)
    fc = BPTForecaster(horizon=1, sfreq=500.0, **FAST_NET).fit(h500, f500)
    assert fc.predict(h500).shape == future.shape  # at 250 Hz
    assert np.isfinite(fc.score(h500, f500))


def test_frequency_phase_target_predicts_phase_and_frequency(split):
    history, future = split
    fc = BPTForecaster(horizon=1, target="freq_phase", **FAST_NET).fit(history, future)
    phase = fc.predict(history)
    assert phase.shape == future.shape and np.all(np.abs(phase) <= np.pi + 1e-6)
    assert fc.predict_frequency(history).shape == future.shape[:2]
    expected = phase_locking_value(instantaneous_phase(future), phase)
    assert fc.score(history, future) == pytest.approx(expected, rel=1e-6)


def test_predict_frequency_needs_the_frequency_target(split):
    history, future = split
    fc = BPTForecaster(horizon=1, **FAST_NET).fit(history, future)
    with pytest.raises(AttributeError, match="target='freq_phase'"):
        fc.predict_frequency(history)


@pytest.mark.parametrize("bad, match", [
    (lambda f: f[:, :, :1000], r"\(10, 8, 1500\)"),
    (lambda f: f[:, :3], r"\(10, 8, 1500\)"),
    (lambda f: np.where(np.arange(1500) == 3, np.nan, f), "NaN or infinite"),
])
def test_future_of_the_wrong_shape_or_nan_is_refused(split, bad, match):
    history, future = split
    fc = BPTForecaster(horizon=1, **FAST_NET)
    with pytest.raises(ValueError, match=match):
        fc.fit(history, bad(future))
    assert not hasattr(fc, "net_")


# --- the baseline it builds on --------------------------------------------------------------


@pytest.fixture(scope="module")
def held_out():
    """Train and held-back windows of one synthetic family: (h_train, f_train, h_test, f_test)."""
    X, *_ = make_seeg_windows(n_patients=2, n_windows=16, n_patches=2, random_state=3)
    return X[:24, :, :1500], X[:24, :, 1500:], X[24:, :, :1500], X[24:, :, 1500:]


@pytest.fixture(scope="module")
def fitted_signal(held_out):
    h, f, *_ = held_out
    return BPTForecaster(horizon=1, **FAST_NET).fit(h, f)


def test_fit_records_the_baseline_and_what_the_network_adds(fitted_signal):
    fc = fitted_signal
    assert fc.baseline_name_ in default_forecasters()
    linear = {k: v for k, v in fc.baseline_scores_.items() if k != "AR on each history"}
    assert fc.baseline_name_ in (min(linear, key=linear.get), "AR on each history")
    assert fc.shrinkage_.shape == (1,) and 0.0 <= fc.shrinkage_[0] <= 1.0
    assert 0.0 < fc.residual_gain_ <= 1.0


def test_with_patient_ids_the_baseline_is_chosen_on_whole_held_back_patients(held_out):
    """Patient 'a' (the first of five) is held back: the candidates score as if its
    windows came last without ids."""
    h, f, *_ = held_out  # 24 windows
    groups = np.repeat(list("abcde"), [5, 5, 5, 5, 4])
    last = np.r_[5:24, 0:5]
    grouped = BPTForecaster(horizon=1, **FAST_NET).fit(h, f, groups=groups)
    reordered = BPTForecaster(horizon=1, **FAST_NET).fit(h[last], f[last])
    assert grouped.baseline_scores_.keys() == reordered.baseline_scores_.keys()
    np.testing.assert_allclose(list(grouped.baseline_scores_.values()),
                               list(reordered.baseline_scores_.values()), rtol=1e-5)
    without = BPTForecaster(horizon=1, **FAST_NET).fit(h, f)
    assert not np.allclose(list(without.baseline_scores_.values()),
                           list(grouped.baseline_scores_.values()), rtol=1e-5)


def test_forecast_is_no_worse_than_the_best_baseline_on_held_back_windows(held_out,
                                                                          fitted_signal):
    h, f, h_test, f_test = held_out
    ours = np.mean((fitted_signal.predict(h_test) - f_test) ** 2)
    best = min(np.mean((clone(b).fit(h, f).predict(h_test) - f_test) ** 2)
               for b in default_forecasters(horizon=1).values())
    chosen = np.mean((fitted_signal.predict_baseline(h_test) - f_test) ** 2)
    assert ours / chosen <= 1.0 + 1e-3  # the shrunk correction never hurts its baseline
    # the history mean and the AR (which decays to it) are within 0.3 % here: the choice
    # made on held-back training windows may pick either
    assert ours / best <= 1.01


def test_without_skill_the_forecast_is_the_baseline_exactly(held_out):
    h, f, *_ = held_out
    fc = BPTForecaster(horizon=1, **FAST_NET).fit(h, f)
    fc.net_.module_.head.gate.zero_()  # what the shrinkage does when the residual has no skill
    np.testing.assert_allclose(fc.predict(h), fc.predict_baseline(h), rtol=1e-5, atol=1e-3)


def test_the_ar_baseline_runs_as_a_torch_module_with_the_same_forecasts(rng):
    x = rng.normal(size=(3, 2, 300)).cumsum(-1) * 0.1
    ar = ARForecaster(order="auto", max_order=6, horizon=1, patch_len=100).fit(x)
    module = baseline_module(ar, n_chans=2)
    out = module(torch.from_numpy(x.reshape(3, 2, 3, 100)).float())
    np.testing.assert_allclose(out.numpy(), ar.predict(x), rtol=1e-4, atol=1e-4)


def test_predict_baseline_is_the_chosen_baseline_in_the_units_of_x(held_out):
    h, f, h_test, _ = held_out
    fc = BPTForecaster(horizon=1, scaling=None, **FAST_NET).fit(h, f)
    np.testing.assert_allclose(fc.predict_baseline(h_test), fc.baseline_.predict(h_test),
                               rtol=1e-4, atol=1e-2)


def test_frequency_phase_target_is_compared_with_a_continued_sinusoid(split):
    history, future = split
    fc = BPTForecaster(horizon=1, target="freq_phase", **FAST_NET).fit(history, future)
    assert set(fc.baseline_name_) == {"frequency", "phase"} == set(fc.baseline_)
    assert set(fc.residual_gain_) == {"frequency", "phase"} == set(fc.shrinkage_)
    for q, name in fc.baseline_name_.items():  # 1-patch histories: no 'sinusoid, history'
        assert set(fc.baseline_scores_[q]) == {"sinusoid, last patch", "repeat last patch"}
        assert name == min(fc.baseline_scores_[q], key=fc.baseline_scores_[q].get)
    assert all(0 < v <= 1.0 for v in fc.residual_gain_.values())
    assert 0.0 <= fc.shrinkage_["frequency"] <= 1.0 and fc.shrinkage_["phase"] in (0.0, 1.0)
    assert fc.predict_baseline(history).shape == future.shape


def test_frequency_phase_forecast_uses_the_network_only_as_far_as_it_helps(split):
    """With weight 0 the forecast is the sinusoid's; with weight 1 the network's, which the
    exported module gives; in between, the frequency lies between the two."""
    history, future = split
    fc = BPTForecaster(horizon=1, target="freq_phase", **FAST_NET).fit(history, future)
    from bptlearn.export import inference_module

    with torch.no_grad():
        net = inference_module(fc)(torch.from_numpy(np.array(history)).reshape(
            len(history), history.shape[1], -1, 1500)).numpy()
    outs = {}
    for w in (0.0, 0.5, 1.0):
        fc.shrinkage_ = {"frequency": w, "phase": float(w == 1.0)}
        outs[w] = fc.predict_frequency(history), fc.predict(history)
    base_f = fc.baseline_["frequency"].predict_frequency(history)
    np.testing.assert_allclose(outs[0.0][0], base_f)
    np.testing.assert_allclose(outs[0.0][1], fc.predict_baseline(history), atol=1e-5)
    np.testing.assert_allclose(outs[1.0][0], net[..., 0], atol=1e-4)
    np.testing.assert_allclose(outs[1.0][1], net[..., 1:], atol=1e-3)  # atan2 rounding
    np.testing.assert_allclose(outs[0.5][0], (base_f + net[..., 0]) / 2, atol=1e-4)


def test_frequency_phase_fit_gives_a_network_that_only_adds_noise_no_weight(rng):
    """fit_freq_phase on held-back outputs: a network frequency of pure noise around the
    truth's worse estimate gets weight 0, a phase at random is not chosen."""
    from bptlearn.estimators._freq_phase import fit_freq_phase
    from bptlearn.metrics import dominant_frequency, instantaneous_phase

    t = np.arange(3000 + 1500) / 250.0
    f = rng.uniform(4, 12, size=(30, 2))
    x = np.cos(2 * np.pi * f[..., None] * t + rng.uniform(0, 6, size=(30, 2, 1)))
    history, future = x[..., :3000], x[..., 3000:]
    ph_true = instantaneous_phase(future)
    f_true = dominant_frequency(future, 250.0) + rng.normal(size=f.shape)  # rhythms drift
    out = np.concatenate([(f_true + rng.normal(scale=3.0, size=f_true.shape))[..., None],
                          rng.uniform(-np.pi, np.pi, size=ph_true.shape)], axis=-1)
    fitted = fit_freq_phase(out, history, f_true, ph_true, horizon=1, patch_len=1500,
                            sfreq=250.0)
    assert fitted["shrinkage_"] == {"frequency": 0.0, "phase": 0.0}
    for q, scores in fitted["baseline_scores_"].items():
        assert fitted["baseline_name_"][q] == min(scores, key=scores.get)
        assert set(scores) == {"sinusoid, last patch", "sinusoid, history", "repeat last patch"}
    assert fitted["residual_gain_"] == {"frequency": 1.0, "phase": 1.0}


def test_frequency_weight_needs_a_material_gain(rng):
    """A network frequency 1 % closer to the truth on every row (gain far above 2
    standard errors) gets no weight: it is under the 3 % margin by which predict switches
    baselines. One 30 % closer gets full weight."""
    from bptlearn.estimators._freq_phase import frequency_weight

    f_true = rng.uniform(4, 12, size=(60, 4))
    base = f_true + rng.choice([-1.0, 1.0], size=f_true.shape)  # error 1 Hz everywhere
    assert frequency_weight(base, f_true + 0.99 * (base - f_true), f_true) == 0.0
    assert frequency_weight(base, f_true + 0.70 * (base - f_true), f_true) == 1.0


def test_plot_forecast_draws_the_baseline_beside_the_forecast(fitted_signal, held_out):
    h, _, h_test, f_test = held_out
    ax = plot_forecast(h_test[0], f_test[0], fitted_signal.predict(h_test)[0], 250.0,
                       baseline=fitted_signal.predict_baseline(h_test)[0],
                       baseline_label=fitted_signal.baseline_name_,
                       ch_names=[f"A{i}" for i in range(8)])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "history", "true", "forecast", fitted_signal.baseline_name_]
    assert ax.get_ylabel() == "Amplitude (µV)" and ax.get_title() == "A0"
    plt.close("all")


# --- predict re-checks the baseline on the histories it extends -----------------------------


@pytest.fixture(scope="module")
def fitted_on_sinusoids():
    """Fitted where the AR baseline wins by far: 2-patch histories of noisy sinusoids."""
    rng = np.random.default_rng(0)
    t = np.arange(4500) / 250.0
    X = 20 * np.sin(2 * np.pi * np.array([5.3, 7.1])[:, None] * t
                    + rng.uniform(0, 2 * np.pi, (10, 2, 1))) + rng.normal(size=(10, 2, 4500))
    return X, BPTForecaster(horizon=1, **FAST_NET).fit(X[..., :3000], X[..., 3000:])


def test_predict_switches_to_a_baseline_clearly_better_on_the_histories(fitted_on_sinusoids,
                                                                         caplog):
    _, fc = fitted_on_sinusoids
    assert fc.baseline_name_ == "AR (BIC order)"
    noise = 50 + 20 * np.random.default_rng(1).normal(size=(6, 2, 4500))  # the mean wins
    h, f = noise[..., :3000], noise[..., 3000:]
    fitted_state = set(vars(fc))
    with caplog.at_level("INFO", logger="bptlearn.estimators"):
        pred = fc.predict(h)
    assert set(vars(fc)) == fitted_state  # predict records nothing
    assert "best with 'history mean', not 'AR (BIC order)'" in caplog.text
    mean = MeanForecaster(horizon=1).fit(h).predict(h)
    np.testing.assert_allclose(pred, mean, rtol=1e-5, atol=1e-3)  # in µV, no correction
    ours, fitted = np.mean((pred - f) ** 2), np.mean((fc._predict_raw(h) - f) ** 2)
    assert ours <= np.mean((mean - f) ** 2) * (1 + 1e-5) and ours < fitted
    assert fc.baseline_name_ == "AR (BIC order)"


def test_predict_keeps_the_fitted_forecast_on_data_like_the_fit_data(fitted_on_sinusoids,
                                                                     caplog):
    X, fc = fitted_on_sinusoids
    with caplog.at_level("INFO", logger="bptlearn.estimators"):
        pred = fc.predict(X[..., :3000])
    scores = fc.baselines_.rank(fc._run(fc._signals(X[..., :3000]), lambda x: x.flatten(2)))
    assert min(scores, key=scores.get) == "AR (BIC order)"
    np.testing.assert_array_equal(pred, fc._predict_raw(X[..., :3000]))  # the forecast of before
    assert "backtest" not in caplog.text


@pytest.fixture(scope="module")
def fitted_on_rhythms():
    """Fitted on 1-patch histories of noisy sinusoids, one frequency per channel: the AR
    fitted on the fit windows (with its correction) beats the one fitted on each history.
    Returns 4 held-out windows of the same rhythms and the forecaster."""
    X = shared_rhythms(n_windows=16)
    return X[12:], BPTForecaster(horizon=1, **FAST_NET).fit(X[:12, :, :1500], X[:12, :, 1500:])


def test_short_histories_like_the_fit_windows_keep_the_fitted_forecast(fitted_on_rhythms,
                                                                       caplog):
    X, fc = fitted_on_rhythms
    h_test = X[..., :1500]  # 1 patch, horizon 1: too short to backtest; held-out windows
    assert fc.baseline_name_ == "AR (BIC order)"
    assert fc.baselines_.rank(h_test) == {}
    with caplog.at_level("INFO", logger="bptlearn.estimators"):
        pred = fc.predict(h_test)
    np.testing.assert_array_equal(pred, fc._predict_raw(h_test))
    assert caplog.text == ""


def test_fit_forecasts_the_ar_of_each_history_alone_unless_clearly_beaten(held_out,
                                                                          fitted_signal):
    """On 24 short simulated windows the AR fitted on the fit windows, corrected, is not 2
    standard errors better than an AR fitted on each history on the held-back windows:
    the latter is forecast alone, without correction, by predict and predict_baseline."""
    fc = fitted_signal
    *_, h_test, f_test = held_out
    assert fc.baseline_name_ == "AR on each history"
    assert not fc.shrinkage_.any() and fc.residual_gain_ == 1.0
    assert fc.baselines_.best_name_ in ("AR (BIC order)", "AR on each history")
    pred = fc.predict(h_test)
    np.testing.assert_array_equal(pred, fc.predict_baseline(h_test))
    center, scale = fc.center_[:, None], fc.scale_[:, None]  # fitted on the scaled windows
    scaled = (h_test - center) / scale
    own = HistoryARForecaster(horizon=1).fit(scaled).predict(scaled) * scale + center
    np.testing.assert_allclose(pred, own, rtol=1e-4, atol=1e-4 * np.std(h_test))
    assert not np.allclose(pred, fc._predict_raw(h_test), atol=1e-2 * np.std(h_test))


def test_short_histories_unlike_the_fit_windows_get_an_ar_of_their_own(fitted_on_rhythms,
                                                                       caplog):
    """White noise has a flat spectrum, far from the fit windows' two rhythms: predict
    forecasts with an autoregression fitted on each history (which, on noise, stays at
    the history's mean), without the correction (given full weight by hand), says why
    and records nothing."""
    fc = copy.deepcopy(fitted_on_rhythms[1])
    fc.shrinkage_ = np.ones(1)
    fc.pipeline_.head.gate.fill_(1.0)
    rng = np.random.default_rng(1)
    noise = 50 + 20 * rng.normal(size=(6, 2, 1500))  # 1 patch, horizon 1
    fitted_state = {k: repr(v) for k, v in vars(fc).items() if k.endswith("_")}
    with caplog.at_level("INFO", logger="bptlearn.estimators"):
        pred = fc.predict(noise)
    assert "unlike the fit windows" in caplog.text and "fitted on each history" in caplog.text
    own = HistoryARForecaster(horizon=1).fit(noise).predict(noise)
    np.testing.assert_allclose(pred, own, atol=0.02)  # scaled in float32
    mean = MeanForecaster(horizon=1).fit(noise).predict(noise)
    assert np.abs(pred - mean).max() < 1.0  # noise: nothing to continue
    assert not np.allclose(fc._predict_raw(noise), mean, rtol=1e-5, atol=1e-3)
    assert {k: repr(v) for k, v in vars(fc).items() if k.endswith("_")} == fitted_state
    # a rhythm the fit data never had (a 40-Hz sinusoid, 1 patch): its own AR continues it
    t = np.arange(1875) / 250.0
    sine = 30 * np.sin(2 * np.pi * 40.0 * t + rng.uniform(0, 6, (6, 2, 1)))
    sine += 0.01 * rng.normal(size=sine.shape)
    with caplog.at_level("INFO", logger="bptlearn.estimators"):
        forecast = fc.predict(sine[..., :1500])
    assert np.mean((forecast[..., :375] - sine[..., 1500:]) ** 2) < 0.01 * np.var(sine)


def test_unfamiliar_compares_the_mean_spectrum_band_by_band_in_fit_spreads(rng):
    from bptlearn.estimators._forecast_check import (
        band_spectrum,
        spectrum_reference,
        unfamiliar,
    )

    X, *_ = make_seeg_windows(n_patients=2, n_windows=12, n_patches=2, random_state=5)
    features = band_spectrum(X, 1500, 250.0)
    assert features.shape == (len(X) * X.shape[1], 8)
    np.testing.assert_allclose(band_spectrum(1e6 * X + 3.0, 1500, 250.0), features, atol=1e-6)
    t = np.arange(3000) / 250.0  # 10 Hz: (8, 13] Hz is band 1, alpha
    assert int(np.argmax(band_spectrum(np.sin(2 * np.pi * 10 * t)[None, None], 1500,
                                       250.0))) == 1
    reference = spectrum_reference(X, 1500, 250.0)
    np.testing.assert_allclose(reference, [features.mean(0), features.std(0)], rtol=1e-6)
    assert not unfamiliar(X, reference, 1500, 250.0)
    # the reference's mean moved in one band by 2.5 of its spreads: unlike; by 1.9: alike
    shifted = reference.copy()
    shifted[0, 3] += 2.5 * shifted[1, 3]
    assert unfamiliar(X, shifted, 1500, 250.0)
    shifted[0, 3] -= 0.6 * shifted[1, 3]  # 1.9 spreads: still alike
    assert not unfamiliar(X, shifted, 1500, 250.0)
    assert unfamiliar(rng.normal(size=(4, 2, 3000)), reference, 1500, 250.0)


def test_frequency_phase_forecast_is_no_worse_than_its_baselines_on_held_back_windows():
    """Fixed seed, windows of 2 patches -> 1: the dominant-frequency error and the phase
    locking of held-back windows are no worse than those of the baselines the forecaster
    builds on, and within 10 % of the best baseline."""
    from bptlearn.estimators._freq_phase import baseline_forecast, candidates
    from bptlearn.metrics import dominant_frequency, instantaneous_phase

    X, *_ = make_seeg_windows(n_patients=2, n_windows=16, n_patches=3, random_state=3)
    h, f = X[..., :3000], X[..., 3000:]
    fc = BPTForecaster(horizon=1, target="freq_phase", **FAST_NET).fit(h[:24], f[:24])
    h_test, f_test = h[24:], f[24:]
    f_true, ph_true = dominant_frequency(f_test, 250.0), instantaneous_phase(f_test)
    base = {n: baseline_forecast(est.fit(h_test), h_test, 250.0)
            for n, est in candidates(1, 1500, 3000, 250.0).items()}
    base_err = {n: np.mean(np.abs(freq - f_true)) for n, (freq, _) in base.items()}
    err = np.mean(np.abs(fc.predict_frequency(h_test) - f_true))
    assert err <= 1.02 * base_err[fc.baseline_name_["frequency"]]
    assert err <= 1.1 * min(base_err.values())
    base_plv = {n: phase_locking_value(ph_true, phase) for n, (_, phase) in base.items()}
    plv = phase_locking_value(ph_true, fc.predict(h_test))
    assert plv >= 0.98 * base_plv[fc.baseline_name_["phase"]]
    assert plv >= 0.9 * max(base_plv.values())
