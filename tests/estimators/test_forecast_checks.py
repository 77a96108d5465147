"""What BPTForecaster.predict re-checks on the histories it extends: the frequency-phase
baselines and the network's weight, and the signal correction's weight per future patch."""

import numpy as np

from bptlearn import BPTForecaster
from bptlearn.data import make_seeg_windows
from bptlearn.metrics import instantaneous_phase, phase_locking_value

from ..helpers import FAST_NET, shared_rhythms

# --- frequency-phase: predict re-checks both baselines on the histories ----------------------


def _tiled(rng, n: int = 40, n_patches: int = 4, patch_len: int = 1500) -> np.ndarray:
    """Noise patterns repeated every patch: the last patch repeated continues them exactly."""
    return np.tile(rng.normal(size=(n, 2, patch_len)), n_patches)


def test_recheck_takes_the_phase_of_the_baseline_clearly_best_on_the_histories(rng, caplog):
    from bptlearn.baselines import RepeatLastForecaster, SinusoidForecaster
    from bptlearn.estimators._freq_phase import recheck

    history = _tiled(rng)
    fitted = {"frequency": SinusoidForecaster(2, n_last=6000).fit(history),
              "phase": SinusoidForecaster(2, n_last=6000).fit(history)}
    names = dict.fromkeys(fitted, "sinusoid, history")
    weights = {"frequency": 0.3, "phase": 0.0}
    with caplog.at_level("INFO", logger="bptlearn.estimators._freq_phase"):
        baselines, new = recheck(history, fitted, names, weights, 2, 1500, 250.0)
    assert isinstance(baselines["phase"], RepeatLastForecaster) and new["phase"] == 0.0
    assert baselines["frequency"] is fitted["frequency"] and new["frequency"] == 0.3
    assert "phase of their last patches best with 'repeat last patch'" in caplog.text
    assert weights == {"frequency": 0.3, "phase": 0.0}  # the fitted weights are not touched
    # a phase the network gives is kept, and so are 1-patch histories' baselines
    assert recheck(history, fitted, names, {"frequency": 0.3, "phase": 1.0}, 2, 1500,
                   250.0)[1] == {"frequency": 0.3, "phase": 1.0}
    for short in (1500, 4500):  # 1 patch, or 2 patches backtested over 1 when 2 are forecast
        assert recheck(history[..., :short], fitted, names, weights, 2, 1500, 250.0) == (
            fitted, weights)


def test_recheck_drops_the_network_on_short_histories_unlike_the_fit_windows(rng, caplog):
    """Too short to backtest (1 patch, horizon 2): histories like the fit windows keep
    the network's weights; white noise, against a reference of simulated SEEG, gets none."""
    from bptlearn.baselines import SinusoidForecaster
    from bptlearn.estimators._forecast_check import spectrum_reference
    from bptlearn.estimators._freq_phase import recheck

    X, *_ = make_seeg_windows(n_patients=2, n_windows=12, n_patches=1, random_state=5)
    reference = spectrum_reference(X, 1500, 250.0)
    fitted = {q: SinusoidForecaster(2).fit(X) for q in ("frequency", "phase")}
    names = dict.fromkeys(fitted, "sinusoid, last patch")
    weights = {"frequency": 0.4, "phase": 1.0}
    assert recheck(X, fitted, names, weights, 2, 1500, 250.0,
                   reference=reference) == (fitted, weights)
    noise = rng.normal(size=(6, 2, 1500))
    with caplog.at_level("INFO", logger="bptlearn.estimators"):
        baselines, new = recheck(noise, fitted, names, weights, 2, 1500, 250.0,
                                 reference=reference)
    assert baselines == fitted and new == {"frequency": 0.0, "phase": 0.0}
    assert "unlike the fit windows" in caplog.text and "too short to backtest" in caplog.text
    assert weights == {"frequency": 0.4, "phase": 1.0}


def test_recheck_keeps_the_fitted_baselines_where_none_is_clearly_better(rng):
    from bptlearn.baselines import SinusoidForecaster
    from bptlearn.estimators._freq_phase import recheck

    t = np.arange(6000) / 250.0  # pure sinusoids on the 1/6-Hz grid: every candidate exact
    history = np.cos(2 * np.pi * rng.integers(12, 60, size=(40, 2, 1)) / 6 * t
                     + rng.uniform(0, 6, size=(40, 2, 1)))
    fitted = {q: SinusoidForecaster(2).fit(history) for q in ("frequency", "phase")}
    names = dict.fromkeys(fitted, "sinusoid, last patch")
    baselines, weights = recheck(history, fitted, names, {"frequency": 0.5, "phase": 0.0},
                                 2, 1500, 250.0)
    assert baselines == fitted and weights == {"frequency": 0.5, "phase": 0.0}


def test_recheck_lowers_the_network_frequency_weight_where_its_backtest_does_not_help(
        rng, caplog):
    """Histories whose rhythm jumps from f1 to f2 in the last 2 patches: every baseline
    backtests f1 there. A network that reads f2 keeps the fitted weight; one that reads
    f1 plus noise is given weight 0 (logged); no network, no change."""
    from bptlearn.baselines import SinusoidForecaster
    from bptlearn.estimators._freq_phase import recheck

    t = np.arange(6000) / 250.0
    f1, f2 = rng.uniform(5, 8, size=(40, 2, 1)), rng.uniform(9, 12, size=(40, 2, 1))
    history = np.cos(2 * np.pi * np.where(t < 12.0, f1, f2) * t)
    fitted = {q: SinusoidForecaster(2, n_last=6000).fit(history) for q in ("frequency", "phase")}
    names = dict.fromkeys(fitted, "sinusoid, history")
    weights = {"frequency": 0.3, "phase": 0.0}
    seen = []

    def reads(freq):
        def network(rows, n_back):
            seen.append((len(rows), n_back))
            return freq[rows, :, 0]
        return network

    args = (history, fitted, names, weights, 2, 1500, 250.0)
    assert recheck(*args, network=reads(f2))[1] == weights and seen == [(40, 2)]
    noisy = f1 + rng.normal(scale=2.0, size=f1.shape)
    with caplog.at_level("INFO", logger="bptlearn.estimators._freq_phase"):
        assert recheck(*args, network=reads(noisy))[1] == {"frequency": 0.0, "phase": 0.0}
    assert "network's frequency a weight of 0.00, not 0.30" in caplog.text
    assert recheck(*args)[1] == weights


def test_freq_phase_predict_uses_the_rechecked_phase_and_records_nothing(rng):
    X = _tiled(rng, n=24, n_patches=6)
    t = np.arange(9000) / 250.0  # fitted on sinusoids between the 1/6-Hz grid's lines,
    f = (rng.integers(24, 72, size=(24, 2, 1)) + 0.5) / 6  # where repeating a patch fails
    S = np.cos(2 * np.pi * f * t + rng.uniform(0, 6, size=(24, 2, 1)))
    fc = BPTForecaster(horizon=2, target="freq_phase", **FAST_NET).fit(S[..., :6000],
                                                                        S[..., 6000:])
    assert fc.baseline_name_["phase"] == "sinusoid, history" and fc.shrinkage_["phase"] == 0
    fitted_state = {k: repr(v) for k, v in vars(fc).items() if k.endswith("_")}
    phase = fc.predict(X[..., :6000])  # the rechecked baseline's phase: the true one here
    repeated = instantaneous_phase(np.tile(X[..., 4500:6000], 2))
    np.testing.assert_allclose(np.angle(np.exp(1j * (phase - repeated))), 0, atol=1e-3)
    assert phase_locking_value(instantaneous_phase(X[..., 6000:]), phase) > 0.99
    assert {k: repr(v) for k, v in vars(fc).items() if k.endswith("_")} == fitted_state


def test_freq_phase_predict_backtests_the_network_frequency_on_shorter_histories(rng, caplog):
    """A frequency weight of 1 set by hand on a 2-epoch network: the backtest from the
    histories' first 2 patches does not support it, so predict_frequency gives the
    baseline's frequency, logs why, and leaves the fitted weight as it was."""
    from bptlearn.estimators._freq_phase import baseline_forecast

    t = np.arange(6000 + 3000) / 250.0  # rhythms that speed up along the window
    f = rng.uniform(5, 9, size=(24, 2, 1)) * (1 + t / 90.0)
    S = np.cos(2 * np.pi * f * t) + 0.1 * rng.normal(size=f.shape[:2] + t.shape)
    fc = BPTForecaster(horizon=2, target="freq_phase", **FAST_NET).fit(S[..., :6000],
                                                                        S[..., 6000:])
    fc.shrinkage_ = {**fc.shrinkage_, "frequency": 1.0}
    with caplog.at_level("INFO", logger="bptlearn.estimators._freq_phase"):
        freq = fc.predict_frequency(S[..., :6000])
    assert "network's frequency a weight of 0.00, not 1.00" in caplog.text
    history = fc._run(fc._signals(S[..., :6000]), lambda x: x.flatten(2))
    base = baseline_forecast(fc.baseline_["frequency"], history, 250.0)[0]
    np.testing.assert_allclose(freq, base, atol=1e-6)
    assert fc.shrinkage_["frequency"] == 1.0


def test_predict_drops_a_correction_its_backtest_on_the_histories_does_not_support(caplog):
    """A 2-epoch network's correction given full weight by hand: forecasting the last
    patch of each 3-patch history from the 2 before it, it does not help, so predict
    returns the baseline's forecast, logs why, and leaves the fitted state as it was."""
    from bptlearn.estimators._forecast_check import backtest_weights

    X = shared_rhythms(n_windows=24, n_times=6000)
    fc = BPTForecaster(horizon=1, **FAST_NET).fit(X[..., :4500], X[..., 4500:])
    assert fc.baseline_name_ == "AR (BIC order)"  # one the network's correction builds on
    fc.shrinkage_ = np.ones(1)
    fc.pipeline_.head.gate.fill_(1.0)
    assert backtest_weights(fc, fc._signals(X[..., :4500])).tolist() == [0.0]
    with caplog.at_level("INFO", logger="bptlearn.estimators"):
        pred = fc.predict(X[..., :4500])
    assert "keeps [0.0] of the learned correction" in caplog.text
    np.testing.assert_allclose(pred, fc.predict_baseline(X[..., :4500]), rtol=1e-6, atol=1e-5)
    network = fc._run(fc._signals(X[..., :4500]), fc.pipeline_.forward_scaled, stats=True)
    assert not np.allclose(network, pred, atol=1e-3)  # the network alone differs
    assert fc.shrinkage_.tolist() == [1.0] and float(fc.pipeline_.head.gate[0]) == 1.0


def test_patch_weights_weigh_each_future_patch_on_its_own(rng):
    from bptlearn.estimators._forecast_check import patch_weights

    target = rng.normal(size=(40, 3, 20))  # 2 patches of 10 samples
    correction = np.concatenate([2 * target[..., :10], rng.normal(size=(40, 3, 10))], -1)
    np.testing.assert_allclose(patch_weights(target, correction, 10), [0.5, 0.0])
