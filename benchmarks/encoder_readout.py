"""Which BPTEncoder readout gives the best few-label seizure detector, on data it never saw?

Every arm is ``BPTEncoder(**params)`` -> ``StandardScaler`` -> ``LogisticRegression``, the
path a user takes, beside the 8-band log-power baseline with the same classifier. Data:

* ``make_seeg_windows`` (the family the shipped weights were pretrained on; held-out seeds);
* ``make_neural_mass_windows`` (a second, independent simulator family: Wendling and
  Jansen-Rit neural masses with domain randomisation; never pretrained on by the shipped
  weights);
* with ``--bonn PATH``, the Bonn intracranial set (see ``benchmarks/real_bonn.py``), with
  folds by moment (segments cut at the same moment never on both sides), and D vs C with
  folds by segment beside them, where such siblings leak.

Scores (AUC on each held-out patient, averaged over patients): leave-one-patient-out with
all labels, and with 5 labels per class drawn from the other patients (5 draws each), whose
balanced accuracy is also printed (``few BA``: the classes predicted, not the ranking). Each
encoder learns its scaling (and ``n_components``) without labels from all windows of the
set, as a semi-supervised user would.

Scores on one simulated set move by up to 0.04 from one random state to the next:
``--seeds 101 102 103 104 105 0 1 2`` averages eight (a few CPU-minutes more).

``--scale-per-patient`` first scales each simulated patient's windows by that patient's
own robust channel statistics (median, 1.4826 x MAD), for every arm and the baseline alike:
what ``bptlearn.data.scale_by_recording`` does to each recording, and what the
pretraining contract does to each training patient. Without it each encoder learns one
scaling from the windows of every patient pooled, so a patient's level of amplitude moves
all its features, and a threshold learned on other patients does not transfer. (Bonn
segments are 23.6 s recordings of their own; they are never scaled one by one here,
which would erase the amplitude that tells ictal segments apart.)

Run (a few CPU-minutes)::

    python benchmarks/encoder_readout.py [--bonn PATH] [--weights PATH] [--arms ARM [ARM ...]]
                                         [--seeds S [S ...]] [--scale-per-patient]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

from bptlearn import BPTEncoder
from bptlearn.data import make_neural_mass_windows, make_seeg_windows, scale_by_recording

sys.path.insert(0, str(Path(__file__).parent))
from real_bonn import (  # noqa: E402
    auc_cv,
    auc_few,
    band_power_features,
    bonn_tasks,
    probe,
)

LOG = ("log_amplitude", "log_band_power")  # today's default extras
BRANT = ("log_amplitude", "band_power")  # Brant's relative band powers, the previous default
ALL = dict(n_components=None)  # every embedding column, no compression
ARMS: dict[str, dict] = {
    "previous default (mean+std, all columns)": dict(pooling="mean+std", extra_features=BRANT,
                                                     **ALL),
    "mean, Brant extras, 1 PC": dict(pooling="mean", extra_features=BRANT, n_components=1),
    "mean, log extras only (no embedding)": dict(pooling="mean", extra_features=LOG,
                                                 extras_only=True),
    "mean, log extras, 1 PC": dict(pooling="mean", extra_features=LOG, n_components=1),
    "mean, log extras, 2 PCs": dict(pooling="mean", extra_features=LOG, n_components=2),
    "mean, log extras, 4 PCs": dict(pooling="mean", extra_features=LOG, n_components=4),
    "embeddings alone, mean+std": dict(pooling="mean+std", extra_features=(), **ALL),
    "random init, alone, mean+std": dict(pooling="mean+std", extra_features=(), weights=None,
                                         random_state=0, **ALL),
}


def features(X: np.ndarray, params: dict, weights: str | None) -> np.ndarray:
    params = {**_w(weights), **params}
    if params.pop("extras_only", False):  # the extras without any embedding column
        enc = BPTEncoder(device="cpu", **params)
        return enc.fit_transform(X)[:, -enc._n_extra_columns():]
    return BPTEncoder(device="cpu", **params).fit_transform(X)


def _w(weights: str | None) -> dict:
    return {} if weights is None else {"weights": weights}


def lopo(F: np.ndarray, y: np.ndarray, groups: np.ndarray, per_class: int = 5,
         draws: int = 5) -> tuple[float, float, float]:
    """Leave-one-patient-out AUC with all labels and with few, and the few-label balanced
    accuracy (the predicted classes: does the ranking become decisions?), averaged."""
    rng = np.random.default_rng(0)
    full, few, few_ba = [], [], []
    for g in np.unique(groups):
        train, test = groups != g, groups == g
        if len(np.unique(y[test])) < 2:
            continue
        pred = probe().fit(F[train], y[train]).predict_proba(F[test])[:, 1]
        full.append(roc_auc_score(y[test], pred))
        for _ in range(draws):
            idx = np.concatenate([rng.choice(np.flatnonzero(train & (y == c)), per_class,
                                             replace=False) for c in (0, 1)])
            model = probe().fit(F[idx], y[idx])
            few.append(roc_auc_score(y[test], model.predict_proba(F[test])[:, 1]))
            few_ba.append(balanced_accuracy_score(y[test], model.predict(F[test])))
    return float(np.mean(full)), float(np.mean(few)), float(np.mean(few_ba))


def bonn_scores(features: Callable[[np.ndarray], np.ndarray], bonn: tuple) -> list[float]:
    """AUC on E vs C+D, D vs C, and D vs C with 5 labels per class (20 draws), with folds
    by moment; then D vs C with folds by segment."""
    X_all, y_all, X_dc, y_dc, g_all, g_dc = bonn
    F_all, F_dc = features(X_all), features(X_dc)
    return [auc_cv(F_all, y_all, groups=g_all), auc_cv(F_dc, y_dc, groups=g_dc),
            auc_few(F_dc, y_dc, 5, 20, g_dc)[0], auc_cv(F_dc, y_dc)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bonn", type=Path, default=None)
    parser.add_argument("--weights", default=None)
    parser.add_argument("--arms", nargs="+", default=None, choices=list(ARMS), metavar="ARM",
                        help="arm names, each quoted (default: all)")
    parser.add_argument("--patients", type=int, default=6)
    parser.add_argument("--seeds", type=int, nargs="+", default=[101],
                        help="random states of the simulated sets; their scores are averaged")
    parser.add_argument("--scale-per-patient", action="store_true",
                        help="scale each simulated patient's windows by its own statistics")
    args = parser.parse_args()
    arms = ARMS if args.arms is None else {k: ARMS[k] for k in args.arms}

    sets = {name: [make(n_patients=args.patients, n_windows=30, n_patches=1, random_state=seed)
                   for seed in args.seeds]
            for name, make in (("make_seeg", make_seeg_windows),
                               ("neural mass", make_neural_mass_windows))}
    if args.scale_per_patient:
        sets = {name: [(scale_by_recording(X, g), y, s, g) for X, y, s, g in per_seed]
                for name, per_seed in sets.items()}
    bonn = None if args.bonn is None else bonn_tasks(args.bonn)

    cols = [f"{s} {m}" for s in sets for m in ("all", "few", "few BA")]
    if bonn is not None:
        cols += ["Bonn E/CD", "Bonn D/C", "Bonn D/C few", "D/C by segment"]
    print("AUC, StandardScaler + LogisticRegression; few = 5 labels per class; few BA: "
          "their balanced accuracy; simulated sets: mean over random states "
          f"{args.seeds}{', each patient scaled on its own' if args.scale_per_patient else ''}")
    print(f"{'arm':44s}" + "".join(f"{c:>19s}" for c in cols))
    rows = {"8 log band powers (baseline)": None, **arms}
    for name, params in rows.items():
        t0 = time.perf_counter()

        def arm(X: np.ndarray, params: dict | None = params) -> np.ndarray:
            return band_power_features(X) if params is None else \
                features(X, params, args.weights)

        scores = []
        for per_seed in sets.values():
            runs = [lopo(arm(X), y, groups) for X, y, _, groups in per_seed]
            scores += list(np.mean(runs, axis=0))
        if bonn is not None:
            scores += bonn_scores(arm, bonn)
        print(f"{name:44s}" + "".join(f"{s:19.3f}" for s in scores)
              + f"   ({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
