"""Forecasting and imputation: BPTForecaster and BPTImputer beside every baseline, as ratios.

For each protocol and data set, prints the MSE of the model and of every baseline divided
by the MSE of the best baseline on that data (below 1: the model beats every baseline),
the baseline the model chose in ``fit`` and the weight of its learned correction.

Protocols: forecasting 2 and 20 patches ahead (12 s and 120 s), on the simulated sets also
scored on ictal channel-windows alone (at least half of the future inside a seizure: the
rhythm a model could learn), with the ratio a forecast would reach that is perfect for
the first second and the history mean after it (a bound on what short-range skill can
give); frequency-phase
forecasting of 5 patches (dominant-frequency MAE and 1 - PLV, as ratios to the best
baseline); imputation of scattered samples (40 %), gaps of 0.2-2 s (20 % of each
channel), a whole 6-s patch of one channel, a whole channel.

Data: (a) held-out patients of ``make_seeg``; (b) held-out patients of
``make_neural_mass``, another simulator family; (c) the Bonn set with ``--bonn PATH``
(bonn.zip; Andrzejak et al., Phys. Rev. E 64, 061907, 2001; single-channel intracranial
segments C, D, E at 173.61 Hz, resampled to 250 Hz; a third of each set's segments are scored,
drawn as whole groups of segments cut at the same moment
(:func:`bptlearn.model_selection.correlated_groups`; one fold of a stratified group
3-fold), so that no scored segment has a sibling among the fit segments; the forecast is
also scored on set E alone, recorded during seizures); (d) the 19-s real ECoG/LFP
recording in ``tests/data/real`` (its samples are stored about 1e6 too large; ratios do
not depend on that).

Two ways of fitting, side by side (column ``fit``; ``--fit-on``):

- ``seeg`` (transfer): every model and every fitted baseline (AR, cross-channel
  regression) is fitted on ``make_seeg`` training patients only, then scored on (a)-(d).
- ``own`` (in domain, what a user does: ``fit`` on their own training windows, score
  held-out ones): models and fitted baselines are fitted on a training split of the set
  scored, disjoint from it: other patients of ``make_neural_mass`` for (b); the other
  Bonn segments for (c) (groups of segments, not patients: the set does not say which
  patient a segment is from), with their groups passed to ``fit`` (``groups=``), so that
  the windows that choose the baseline and the correction's weight are whole groups held
  back. For (a) both are the same fit, printed once. The real
  recording (d) is one 18-s window, too short to split into training and test windows,
  so it is scored in transfer only.

"AR on each history" (``HistoryARForecaster``, one of ``default_forecasters``: an AR
fitted on each evaluated history itself), "AR, test histories" (one AR fitted on all the
evaluated histories together), "AR interpolation on each window" (``WindowARImputer``,
one of ``default_imputers``: an AR fitted on each scored window's observed samples),
"cross-channel regression, test windows" (``ChannelRegressionImputer(adapt=True)``: each
channel regressed on the others with the covariance of the observed samples of the
windows scored) and "cross-channel regression, each test window" (``adapt='window'``:
with the covariance of the instants at which the channel is observed in its window) are
the baselines that see the test data; they count in "best baseline". The imputer's own
candidates (:func:`bptlearn.baselines._candidates.imputer_candidates`: the
residual-carrying regressions ``ChannelRegressionImputer(adapt='window', residual=...)``
for scattered samples and gaps, and for patches the per-window regression with the
weight of its prior chosen on each window, ``window_prior='auto'``; for gaps and patches
the VAR of each window, ``VARImputer``) are not baselines a user tries first: each is
printed alone in the row's note, so that the gain they bring can be told from the
network's. Models keep their default scaling (robust per-channel statistics learned in
``fit``). Fitting a model on Bonn training segments is evaluation,
like the logistic regression of ``benchmarks/real_bonn.py``; nothing is pretrained on
it. Rows are printed as they come, then grouped by data set and protocol.

Usage::

    python benchmarks/tasks.py [--fast] [--bonn PATH] [--epochs N]
                               [--tasks all|forecast|impute] [--fit-on both|seeg|own]

Models train for the estimators' default number of epochs (20), what a user gets. About
11 minutes on a 2-core CPU for both ways of fitting; ``--fast`` for a minute (tiny data, 2
epochs: smoke test).
"""

from __future__ import annotations

import argparse
import csv
import io
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedGroupKFold

import bptlearn.data as bdata
from bptlearn import BPTForecaster, BPTImputer
from bptlearn.baselines import (
    PATTERNS,
    ARForecaster,
    ChannelRegressionImputer,
    RepeatLastForecaster,
    SinusoidForecaster,
    default_forecasters,
    default_imputers,
    make_missing_mask,
)
from bptlearn.baselines._candidates import imputer_candidates
from bptlearn.metrics import dominant_frequency, instantaneous_phase, phase_locking_value
from bptlearn.model_selection import correlated_groups

PATCH, SFREQ = 1500, 250.0
REAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "real"
VHDR = REAL / "sub-testsub_ses-EphysMedOff_task-gripforce_run-0_ieeg.vhdr"


def cut(datas: list[np.ndarray], n_hist: int, horizon: int, stride_s: float, limit: int = 0
        ) -> tuple[np.ndarray, np.ndarray]:
    """(history, future) pairs slid over (C, T) recordings every ``stride_s`` seconds."""
    length, step = (n_hist + horizon) * PATCH, max(1, int(stride_s * SFREQ))
    seg = np.concatenate([np.stack([d[:, s:s + length]
                                    for s in range(0, d.shape[1] - length + 1, step)])
                          for d in datas]).astype(np.float32)
    if limit and len(seg) > limit:
        seg = seg[np.linspace(0, len(seg) - 1, limit).astype(int)]
    return seg[..., :n_hist * PATCH], seg[..., n_hist * PATCH:]


def single(X: np.ndarray) -> np.ndarray:
    """(n, C, T) -> (n * C, 1, T): every channel a window of its own."""
    return X.reshape(-1, 1, X.shape[-1])


ROWS: list[tuple[str, str, str, str]] = []  # (data, protocol, fit, line), for the summary
HEADER = (f"{'data':12s} {'fit':4s} {'protocol':16s} {'model':9s} {'ratio':>6s} | baselines "
          "(MSE / best baseline's MSE) | the model's choice")


def row(data: str, protocol: str, errors: dict, model: str, note: str) -> None:
    base = {k: v for k, v in errors.items() if k != model}
    best = min(base.values())
    cells = "  ".join(f"{k} {v / best:5.3f}" if v / best < 1e3 else f"{k} {v / best:.1e}"
                      for k, v in base.items())  # an unstable AR explodes
    data, fit = data.split("|") if "|" in data else (data, "seeg")
    line = (f"{data:12s} {fit:4s} {protocol:16s} {model.replace('BPT', '')[:9]:9s} "
            f"{errors[model] / best:6.3f} | {cells} | {note}")
    ROWS.append((data, protocol, fit, line))
    print(line, flush=True)


def forecast_rows(data: str, fc: BPTForecaster, X: np.ndarray, y: np.ndarray,
                  X_fit: np.ndarray, y_fit: np.ndarray, ictal: np.ndarray | None = None) -> None:
    """One row over every window; with ``ictal`` (n, C) also one over those channel-windows
    only (the seizure rhythm is the structure a model could learn)."""
    h = fc.horizon
    preds = {"BPTForecaster": fc.predict(X)}
    for name, est in default_forecasters(h).items():
        preds[name] = clone(est).fit(X_fit, y_fit).predict(X)
    preds["AR, test histories"] = ARForecaster(order="auto", max_order=20, horizon=h,
                                               per_channel=False).fit(X).predict(X)
    note = (f"chose {fc.baseline_name_}, shrinkage {np.round(fc.shrinkage_[:3], 2).tolist()}"
            f"{'...' if h > 3 else ''}")
    errors = {k: float(np.mean((p - y) ** 2)) for k, p in preds.items()}
    row(data, f"forecast {h} patch", errors, "BPTForecaster", note)
    if ictal is not None and ictal.any():
        errors = {k: float(np.mean(((p - y) ** 2)[ictal])) for k, p in preds.items()}
        oracle = preds["history mean"].copy()  # what perfect knowledge of 1 s would give
        oracle[..., :int(SFREQ)] = y[..., :int(SFREQ)]
        bound = np.mean(((oracle - y) ** 2)[ictal]) / min(
            v for k, v in errors.items() if k != "BPTForecaster")
        row(data, f"forecast {h}, ictal", errors, "BPTForecaster",
            f"{int(ictal.sum())} channel-windows; the first second perfect, then the history "
            f"mean: {bound:.3f}; {note}")


def freq_phase_rows(data: str, fc: BPTForecaster, X: np.ndarray, y: np.ndarray) -> None:
    f_true, ph_true = dominant_frequency(y, SFREQ), instantaneous_phase(y)
    sinus = SinusoidForecaster(fc.horizon).fit(X)
    whole = SinusoidForecaster(fc.horizon, n_last=X.shape[-1]).fit(X)
    repeat = RepeatLastForecaster(fc.horizon).fit(X).predict(X)
    preds = {"BPTForecaster": (fc.predict_frequency(X), fc.predict(X)),
             "sinusoid, last patch": (sinus.predict_frequency(X), sinus.predict_phase(X)),
             "sinusoid, history": (whole.predict_frequency(X), whole.predict_phase(X)),
             "repeat last patch": (dominant_frequency(repeat, SFREQ),
                                   instantaneous_phase(repeat))}
    freq = {k: float(np.mean(np.abs(f - f_true))) for k, (f, _) in preds.items()}
    phase = {k: 1.0 - phase_locking_value(ph_true, p) for k, (_, p) in preds.items()}
    row(data, "freq MAE", freq, "BPTForecaster", f"MAE {freq['BPTForecaster']:.2f} Hz; chose "
        f"{fc.baseline_name_['frequency']}, network's weight {fc.shrinkage_['frequency']:.2f}")
    row(data, "phase 1-PLV", phase, "BPTForecaster",
        f"PLV {1 - phase['BPTForecaster']:.3f}; chose {fc.baseline_name_['phase']}, network's "
        f"phase {'used' if fc.shrinkage_['phase'] else 'not used'} (predict re-checks both)")


def impute_rows(data: str, imp: BPTImputer, X: np.ndarray, X_fit: np.ndarray,
                repeats: int = 1) -> None:
    X = np.concatenate([X] * repeats)  # more mask draws on a short recording
    for i, pattern in enumerate(PATTERNS):
        if pattern == "channel" and X.shape[1] == 1:
            continue  # one channel: nothing to draw on
        mask = make_missing_mask(X.shape, pattern, random_state=100 + i)
        gappy = np.split(np.where(mask, np.nan, X), repeats)

        def fill(est, gappy=gappy):  # by repeat: adaptive imputers must not see the others
            return np.concatenate([est.transform(part) for part in gappy])

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outs = {"BPTImputer": fill(imp)}
            for name, est in default_imputers(X.shape[1]).items():
                outs[name] = fill(est.fit(X_fit))
            if X.shape[1] > 1:
                outs["cross-channel regression, test windows"] = fill(
                    ChannelRegressionImputer(adapt=True).fit(X_fit))
                outs["cross-channel regression, each test window"] = fill(
                    ChannelRegressionImputer(adapt="window").fit(X_fit))
            # the imputer's own candidates, not baselines a user tries first
            ours = {k: fill(est.fit(X_fit))
                    for k, est in imputer_candidates(pattern, X.shape[1]).items()}
        errors = {k: float(np.mean((o[mask] - X[mask]) ** 2)) for k, o in outs.items()}
        best = min(v for k, v in errors.items() if k != "BPTImputer")
        own = "".join(f"; its candidate {k!r} alone {np.mean((o[mask] - X[mask]) ** 2) / best:.3f}"
                      for k, o in ours.items())
        row(data, f"impute {pattern}", errors, "BPTImputer",
            f"chose {imp.baseline_name_[pattern]}, shrinkage {imp.shrinkage_[pattern]:.2f}, "
            f"held-back gain {imp.residual_gain_[pattern]:.3f}{own}")


def load_bonn(path: Path) -> np.ndarray:
    """Sets C, D, E: (300, 4097) float64 µV at 173.61 Hz."""
    with zipfile.ZipFile(path) as z:
        names = sorted(n for n in z.namelist() if n.split("/")[0] in ("C_N", "D_F", "E_S")
                       and n.lower().endswith(".txt"))
        return np.stack([np.loadtxt(io.BytesIO(z.read(n))) for n in names])


def load_real() -> np.ndarray:
    """The real recording's ECoG and DBS channels, (9, n_times) at 250 Hz, rescaled."""
    with open(REAL / "sub-testsub_ses-EphysMedOff_task-gripforce_run-0_channels.tsv",
              encoding="utf-8-sig") as fh:
        types = {r["name"]: r["type"].lower() for r in csv.DictReader(fh, delimiter="\t")}
    raw = bdata.read_recording(VHDR, ch_types=types)
    picks = [n for n, t in zip(raw.ch_names, raw.get_channel_types(), strict=True)
             if t in ("ecog", "dbs")]
    data = raw.get_data(picks=picks, units={"ecog": "uV", "dbs": "uV"}) * 1e-6
    return bdata.resample(data, raw.info["sfreq"], SFREQ).astype(np.float32)


def fit_multichannel(label: str, train: list[np.ndarray], evals: dict[str, list],
                     cfg: argparse.Namespace) -> None:
    """Fit the multichannel models and baselines on ``train`` recordings; score ``evals``
    (recordings: their seizure labels give the ictal rows)."""
    fast, kw, n_hist, limit = cfg.fast, cfg.kw, cfg.n_hist, cfg.limit
    labels = {f"{data}|{label}": [r.labels.astype(np.float32) for r in recs]
              for data, recs in evals.items()}
    evals = {f"{data}|{label}": [r.data for r in recs] for data, recs in evals.items()}
    if cfg.forecast:
        for horizon, stride in ((2, 24.0 if fast else 6.0), (20, 60.0 if fast else 18.0)):
            X_fit, y_fit = cut(train, n_hist, horizon, stride, limit)
            fc = BPTForecaster(horizon=horizon, **kw).fit(X_fit, y_fit)
            for data, datas in evals.items():
                future_labels = cut(labels[data], n_hist, horizon, stride, limit)[1]
                forecast_rows(data, fc, *cut(datas, n_hist, horizon, stride, limit), X_fit,
                              y_fit, ictal=future_labels.mean(-1) >= 0.5)
        X_fit, y_fit = cut(train, n_hist, 5, 12.0 if fast else 6.0, limit)
        fp = BPTForecaster(horizon=5, target="freq_phase", **kw).fit(X_fit, y_fit)
        for data, datas in evals.items():
            freq_phase_rows(data, fp, *cut(datas, n_hist, 5, 12.0 if fast else 6.0, limit))
    if cfg.impute:
        W_fit = cut(train, 3, 0, 18.0)[0]
        imp = BPTImputer(**kw).fit(W_fit)
        for data, datas in evals.items():
            impute_rows(data, imp, np.concatenate([cut([d], 3, 0, 18.0)[0] for d in datas]),
                        W_fit)


def fit_single(label: str, X1: np.ndarray, y1: np.ndarray, W1: np.ndarray,
               evals: dict[str, tuple[np.ndarray, np.ndarray]], cfg: argparse.Namespace,
               groups: tuple = (None, None)) -> None:
    """Fit the single-channel models (6 s -> 12 s; 18-s windows) on ``X1, y1`` and ``W1``
    (``groups``: the group ids of their windows, or None); score ``evals``: name ->
    (windows of 3 patches for imputation or None, (history, future) [, ictal rows (n, 1)
    or None])."""
    if cfg.forecast:
        fc1 = BPTForecaster(horizon=2, **cfg.kw).fit(X1, y1, groups=groups[0])
        for data, (_, (X, y), *ictal) in evals.items():
            forecast_rows(f"{data}|{label}", fc1, X, y, X1, y1, *ictal)
    if cfg.impute:
        imp1 = BPTImputer(**cfg.kw).fit(W1, groups=groups[1])
        for data, (W, *_) in evals.items():
            if W is not None:
                impute_rows(f"{data}|{label}", imp1, W, W1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fast", action="store_true", help="tiny data, 2 epochs")
    parser.add_argument("--bonn", type=Path, help="path to bonn.zip")
    parser.add_argument("--epochs", type=int, default=None,
                        help="training epochs (default: each estimator's own, 20)")
    parser.add_argument("--tasks", choices=("all", "forecast", "impute"), default="all",
                        help="run only the forecasting or the imputation protocols")
    parser.add_argument("--fit-on", choices=("both", "seeg", "own"), default="both",
                        help="fit on make_seeg (transfer), on a training split of each set "
                             "scored (own), or both")
    cfg = parser.parse_args()
    cfg.forecast, cfg.impute = cfg.tasks in ("all", "forecast"), cfg.tasks in ("all", "impute")
    fast, t0 = cfg.fast, time.time()
    epochs = cfg.epochs or (2 if fast else None)  # None: each estimator's default, what a user gets
    cfg.kw = dict(device="cpu", random_state=0, **({"max_epochs": epochs} if epochs else {}))
    n_pat, dur = (3, 200.0) if fast else (6, 600.0)
    cfg.n_hist, cfg.limit = (2, 40) if fast else (5, 300)
    transfer, own = cfg.fit_on in ("both", "seeg"), cfg.fit_on in ("both", "own")
    recs = bdata.make_seeg(n_patients=n_pat, n_chans=8, duration=dur, random_state=0)
    train = [r.data for r in recs[:-1 if fast else -2]]
    test = recs[-1 if fast else -2:]  # recordings: their seizure labels give the ictal rows
    nm = bdata.make_neural_mass(n_patients=2 if fast else 4, n_chans=8, duration=dur,
                                random_state=5)
    nm_train, nm_test = [r.data for r in nm[:len(nm) // 2]], nm[len(nm) // 2:]
    print(HEADER)
    fit_multichannel("seeg", train, {"make_seeg": test, **({"neural_mass": nm_test}
                                                            if transfer else {})}, cfg)
    if own:
        fit_multichannel("own", nm_train, {"neural_mass": nm_test}, cfg)

    # single channel: the Bonn set and the real recording, 6 s -> 12 s and 18-s windows
    limit = cfg.limit
    X1, y1 = (single(a) for a in cut(train, 1, 2, 24.0 if fast else 12.0, limit))
    take = np.linspace(0, len(X1) - 1, min(len(X1), 4 * limit)).astype(int)
    X1, y1 = X1[take], y1[take]
    W1 = single(cut(train, 3, 0, 18.0)[0])[:4 * limit]
    real = load_real()  # (9, 4750): one 18-s window, slid by 0.25 s for forecasting
    evals = {"real 19 s": (None, tuple(single(a) for a in cut([real], 1, 2, 0.25)))}
    if cfg.bonn is not None:
        raw_bonn = load_bonn(cfg.bonn)
        bonn = bdata.resample(raw_bonn, 173.61, SFREQ).astype(np.float32)
        sets = np.arange(len(bonn)) // 100  # C, D, E: 100 segments each, in order
        siblings = correlated_groups(raw_bonn)  # segments cut at the same moment
        fit_rows, test_rows = next(StratifiedGroupKFold(3, shuffle=True, random_state=0).split(
            bonn, sets, groups=siblings))  # siblings stay on one side
        bonn_fit, bonn_test = bonn[fit_rows, None], bonn[test_rows, None, :3 * PATCH]
        ictal = (sets[test_rows] == 2)[:, None]  # set E: seizure discharges
        evals["Bonn"] = (bonn_test, (bonn_test[..., :PATCH], bonn_test[..., PATCH:]), ictal)
        if own:  # the fit windows' groups of segments cut at the same moment go to fit
            fit_groups = siblings[fit_rows]
            pairs = [cut([b], 1, 2, 2.0) for b in bonn_fit]  # 6 s -> 12 s, slid by 2 s
            windows = [cut([b], 3, 0, 2.0)[0] for b in bonn_fit]  # 18 s, slid by 2 s
            Xb, yb = (np.concatenate(part) for part in zip(*pairs, strict=True))
            fit_single("own", Xb, yb, np.concatenate(windows), {"Bonn": evals["Bonn"]}, cfg,
                       groups=(np.repeat(fit_groups, [len(x) for x, _ in pairs]),
                               np.repeat(fit_groups, [len(w) for w in windows])))
    else:
        print("note: --bonn PATH not given; block (c) skipped")
    # the real recording is scored in transfer only, whatever --fit-on says
    fit_single("seeg", X1, y1, W1, evals if transfer else {"real 19 s": evals["real 19 s"]}, cfg)
    if cfg.impute:  # the real recording's 9 channels: a 9-channel make_seeg fit
        recs9 = bdata.make_seeg(n_patients=2, n_chans=9, duration=dur / 2, random_state=3)
        W9 = np.concatenate([cut([r.data], 3, 0, 18.0)[0] for r in recs9])
        imp9 = BPTImputer(**cfg.kw).fit(W9)
        impute_rows("real 19 s|seeg", imp9, cut([real], 3, 0, 18.0)[0], W9, repeats=8)

    trained = f"{epochs} epochs" if epochs else "the estimators' default epochs"
    print(f"\ngrouped by data set and protocol ({trained}{', fast' if fast else ''}):")
    print(HEADER)
    data_order = {d: i for i, d in enumerate(dict.fromkeys(r[0] for r in ROWS))}
    protocol_order = {d: i for i, d in enumerate(dict.fromkeys(r[1] for r in ROWS))}
    for *_, line in sorted(ROWS, key=lambda r: (data_order[r[0]], protocol_order[r[1]],
                                                r[2] != "seeg")):
        print(line)
    print(f"done in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
