"""``bptlearn demo``: seizure detection on synthetic SEEG with the shipped checkpoint, offline.

Four models, scored with patient-wise cross-validation: the shipped encoder with a logistic
regression, a randomly initialised encoder with the same readout, and the band-power
baseline, per channel (its default) and averaged over channels (the stronger of the two
over ten simulated draws, not on every one).
"""

from __future__ import annotations

import argparse
import time

NAME = "demo"
HELP = "run the offline demo on synthetic SEEG"


def run_demo(n_patients: int = 4, n_windows: int = 40, random_state: int = 0) -> dict:
    """Patient-wise cross-validated seizure detection: pretrained vs random encoder vs baselines.

    Returns a dict ``{name: (mean F2, mean balanced accuracy)}`` and prints a table.
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, cross_validate
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..baselines import BandPowerSeizureDetector
    from ..data import make_seeg_windows
    from ..estimators import BPTEncoder
    from ..weights import DEFAULT_WEIGHTS

    X, y, _, groups = make_seeg_windows(n_patients=n_patients, n_windows=n_windows,
                                        n_patches=1, random_state=random_state)
    print(f"bptlearn demo: {len(X)} synthetic SEEG windows of {X.shape[1]} channels x 6 s from "
          f"{n_patients} patients ({int(y.sum())} with a seizure); patient-wise "
          f"{n_patients}-fold cross-validation.")
    print(f"Encoder weights: {DEFAULT_WEIGHTS} (shipped with the package, loaded offline).")
    models = {
        "BPTEncoder + logistic regression": make_pipeline(
            BPTEncoder(weights=DEFAULT_WEIGHTS, random_state=random_state),
            StandardScaler(), LogisticRegression(max_iter=2000, class_weight="balanced")),
        "random-init encoder + logistic regression": make_pipeline(
            BPTEncoder(weights=None, random_state=random_state),
            StandardScaler(), LogisticRegression(max_iter=2000, class_weight="balanced")),
        "band power per channel + logistic regression": BandPowerSeizureDetector(),
        "band power, channel mean + logistic regression": BandPowerSeizureDetector(
            pooling="mean"),
    }
    results = {}
    for name, model in models.items():
        start = time.perf_counter()
        scores = cross_validate(model, X, y, groups=groups, cv=GroupKFold(n_splits=n_patients),
                                scoring={"f2": _f2, "bacc": "balanced_accuracy"})
        results[name] = (float(np.mean(scores["test_f2"])), float(np.mean(scores["test_bacc"])))
        print(f"  {name:47s} F2 {results[name][0]:.3f}   balanced accuracy "
              f"{results[name][1]:.3f}   ({time.perf_counter() - start:.1f} s)")
    return results


def _f2(estimator, X, y) -> float:
    from ..metrics import f2_score

    return f2_score(y, estimator.predict(X))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``demo`` options to its parser."""
    parser.add_argument("--patients", type=int, default=4, help="simulated patients")
    parser.add_argument("--windows", type=int, default=40, help="windows per patient")
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulation")


def run(args: argparse.Namespace) -> int:
    """Run ``bptlearn demo`` with parsed arguments; returns the exit code."""
    run_demo(args.patients, args.windows, args.seed)
    return 0
