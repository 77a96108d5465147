"""Real intracranial EEG: Brant embeddings against 8 log band powers on the Bonn set.

Prints one table: for each arm (the shipped ``BPTEncoder()`` defaults; embeddings alone,
``extra_features=()``, with the default compression and with every column; the same for
a randomly initialised encoder; and the 8-band log-power baseline), the AUC of
``StandardScaler`` + ``LogisticRegression`` on three tasks of the Bonn database
(Andrzejak et al., Phys. Rev. E 64, 061907, 2001):

- ictal E vs interictal C+D, all labels (stratified 5-fold CV);
- epileptogenic zone D vs C, all labels (stratified 5-fold CV);
- D vs C with 5 labels per class, the other windows as test set, mean of 20 draws.

Each task is scored twice. Left, folds by segment (the protocol of the issue's table).
Right, folds by groups of segments that were cut at the same moment from neighbouring
contacts (zero-lag correlation above 0.5, :func:`bptlearn.model_selection.correlated_groups`):
many segments of one set have such siblings, and with folds by segment a feature that
keys on the samples themselves (the raw samples, a linear projection of each patch)
recognises the moment, not the brain state. In the few-label task the test windows are
then those outside the groups of the labelled ones. The right-hand columns are the ones
to trust.

The data are used for evaluation only: nothing here trains an encoder on them. Each
encoder's ``fit`` learns only its input scaling, from all windows of the task without
labels (it sees no label, as in semi-supervised evaluation); the classifier sees only the
training fold. Get the set from the University of Bonn's epileptology department (five
zip files, sets A-E), or point ``--bonn`` at one zip holding the folders ``C_N``, ``D_F``,
``E_S`` (``Z``/``O`` scalp sets are ignored), or at a folder with those subfolders.

Usage::

    python benchmarks/real_bonn.py --bonn PATH [--draws 20] [--arms default,alone,random,bandpower]
        [--weights PATH] [--peer] [--probe cv] [--adapt-steps 200 [--per-fit] [--per-fit-draws 20]]

``--probe cv`` chooses the logistic regression's C by inner 5-fold cross-validation on the
training labels only (``LogisticRegressionCV``, 11 values from 1e-3 to 100, log loss), as
linear-probe protocols do, instead of scikit-learn's C=1, for every arm alike.

``--adapt-steps N`` adds two arms whose encoder continues its masked self-supervised
training for N steps in ``fit`` (``BPTEncoder(adapt_steps=N)``): the defaults and every
embedding column alone. In the main table they are fitted like every arm, once per task on
all its windows without labels: transductive, the adaptation sees the test windows'
signals (never their labels). ``--per-fit`` adds a second table where the encoder sits
inside the pipeline and each fit sees its training windows only (the 5 folds; for the
few-label task, the 10 labelled windows of each draw), with and without adaptation, and
the seconds each adaptation took (that table folds by segment only).

``--peer`` adds the ``brainmaze-eeg-models`` seizure detector (Sladky et al., Brain
Communications 2022; ONNX, trained with labels on clinical iEEG, used here without any
label) to the ictal task when that package is installed (``pip install
brainmaze-eeg-models``; an optional comparison, not a dependency).
"""

from __future__ import annotations

import argparse
import io
import time
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from scipy.signal import resample_poly
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bptlearn import BPTEncoder
from bptlearn.model_selection import correlated_groups
from bptlearn.nn.spectral import band_power

SFREQ = 173.61
N_TIMES = 4500  # 3 patches of 6 s at 250 Hz
SETS = {"C": "C_N", "D": "D_F", "E": "E_S"}


def load_bonn(path: Path) -> dict[str, np.ndarray]:
    """Sets C, D, E as (100, 4097) float64 arrays in µV at 173.61 Hz."""
    out = {}
    if path.is_dir():
        for key, folder in SETS.items():
            files = sorted(p for p in (path / folder).glob("*") if p.suffix.lower() == ".txt")
            out[key] = np.stack([np.loadtxt(p) for p in files])
        return out
    with zipfile.ZipFile(path) as z:
        for key, folder in SETS.items():
            names = sorted(n for n in z.namelist()
                           if n.startswith(folder + "/") and n.lower().endswith(".txt"))
            out[key] = np.stack([np.loadtxt(io.BytesIO(z.read(n))) for n in names])
    return out


def to_windows(segments: np.ndarray) -> np.ndarray:
    """(n, 4097) at 173.61 Hz -> (n, 1, 4500) float32 at 250 Hz (exact ratio 25000/17361)."""
    x = resample_poly(segments, 25000, 17361, axis=-1)[:, :N_TIMES]
    return x[:, None, :].astype(np.float32)


def bonn_tasks(path: Path) -> tuple:
    """Bonn's windows and labels for E vs C+D and for D vs C, and the groups of segments
    cut at the same moment in each."""
    raw = load_bonn(path)
    X = np.concatenate([to_windows(raw[k]) for k in "CDE"])
    return (X, np.r_[np.zeros(200), np.ones(100)].astype(int), X[:200],
            np.r_[np.zeros(100), np.ones(100)].astype(int),
            correlated_groups(np.concatenate([raw[k] for k in "CDE"])),
            correlated_groups(np.concatenate([raw["C"], raw["D"]])))


def band_power_features(X: np.ndarray) -> np.ndarray:
    """8 log band powers per window, averaged over channels and patches: (n, 8)."""
    patches = torch.from_numpy(X.reshape(len(X), X.shape[1], -1, 1500))
    return band_power(patches, 250.0).mean(dim=(1, 2)).numpy()


def encoder_arm(**params) -> Callable[[np.ndarray], np.ndarray]:
    def features(X: np.ndarray) -> np.ndarray:
        return BPTEncoder(device="cpu", **params).fit(X).transform(X)
    return features


#: ``--probe cv``: C of the logistic regression chosen by inner 5-fold cross-validation
#: on the training labels only (log loss; AUC is degenerate on 2 windows a fold)
PROBE_CV = {"on": False}


def probe() -> object:
    if PROBE_CV["on"]:
        return make_pipeline(StandardScaler(), LogisticRegressionCV(
            Cs=np.logspace(-3, 2, 11), cv=5, scoring="neg_log_loss", max_iter=2000))
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


def auc_cv(F: np.ndarray, y: np.ndarray, seed: int = 0, groups: np.ndarray | None = None
           ) -> float:
    """AUC of the probe over stratified 5-fold CV: by segment, or by ``groups`` (siblings
    of one group never on both sides)."""
    if groups is None:
        cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    else:
        cv = StratifiedGroupKFold(5, shuffle=True, random_state=seed)
    p = cross_val_predict(probe(), F, y, cv=cv, groups=groups, method="predict_proba")[:, 1]
    return roc_auc_score(y, p)


def few_label_draws(y: np.ndarray, per_class: int, draws: int,
                    groups: np.ndarray | None = None) -> list[tuple[np.ndarray, ...]]:
    """(train, test) index pairs: ``per_class`` labelled windows per class, the rest tested
    (with ``groups``: the rest outside the groups of the labelled windows)."""
    rng = np.random.default_rng(0)
    out = []
    for _ in range(draws):
        train = np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False)
                                for c in (0, 1)])
        test = np.setdiff1d(np.arange(len(y)), train)
        if groups is not None:
            test = test[~np.isin(groups[test], groups[train])]
        out.append((train, test))
    return out


def auc_few(F: np.ndarray, y: np.ndarray, per_class: int, draws: int,
            groups: np.ndarray | None = None) -> tuple[float, float]:
    scores = []
    for train, test in few_label_draws(y, per_class, draws, groups):
        model = probe().fit(F[train], y[train])
        scores.append(roc_auc_score(y[test], model.predict_proba(F[test])[:, 1]))
    return float(np.mean(scores)), float(np.std(scores) / np.sqrt(draws))


def per_fit(params: dict, X: np.ndarray, y: np.ndarray,
            splits: list[tuple[np.ndarray, np.ndarray]]) -> tuple[list[float], list[float]]:
    """AUC of ``BPTEncoder(**params)`` + probe fitted on each training split only (the
    encoder's fit, adaptation included, sees no test window); and each fit's adaptation
    seconds."""
    scores, seconds = [], []
    for train, test in splits:
        model = make_pipeline(BPTEncoder(device="cpu", **params), probe()).fit(X[train], y[train])
        seconds.append(model[0].adapt_seconds_)
        scores.append(roc_auc_score(y[test], model.predict_proba(X[test])[:, 1]))
    return scores, seconds


def per_fit_table(arms: dict[str, dict], X_all: np.ndarray, y_all: np.ndarray,
                  X_dc: np.ndarray, y_dc: np.ndarray, per_class: int, draws: int) -> None:
    """Print the per-fit table (see the module docstring)."""
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    print(f"\nPer fit: the encoder fitted on each training split only ({draws} draws)")
    header = (f"{'arm':24s} {'E vs C+D':>9s} {'D vs C':>9s} {'D vs C, few':>15s} "
              f"{'adapt s/fit':>12s}")
    print(header)
    print("-" * len(header))
    for label, params in arms.items():
        seconds, cols = [], []
        for X, y, splits in ((X_all, y_all, list(cv.split(X_all[:, 0, :1], y_all))),
                             (X_dc, y_dc, list(cv.split(X_dc[:, 0, :1], y_dc))),
                             (X_dc, y_dc, few_label_draws(y_dc, per_class, draws))):
            scores, s = per_fit(params, X, y, splits)
            cols.append(scores)
            seconds += s
        few = cols[2]
        print(f"{label:24s} {np.mean(cols[0]):9.3f} {np.mean(cols[1]):9.3f} "
              f"{np.mean(few):9.3f} ± {np.std(few) / np.sqrt(len(few)):.3f} "
              f"{np.mean(seconds):12.1f}", flush=True)


def peer_scores(X: np.ndarray, seed: int = 0) -> np.ndarray | None:
    """brainmaze-eeg-models seizure probability per window (no labels), or None.

    The peer needs one channel at an even rate of at least 200 Hz and 300 s per call, so the
    250-Hz windows are concatenated in a shuffled order (its LSTM sees neighbours of either
    class) and each window scores the mean probability of the 0.5-s stamps inside it.
    """
    try:
        from brainmaze_eeg_models.seizure import predict_channel_seizure_probability
    except ImportError:
        return None
    order = np.random.default_rng(seed).permutation(len(X))
    signal = X[order, 0].astype(np.float64).reshape(-1)
    stamps, prob = np.asarray(predict_channel_seizure_probability(signal, 250))  # s, p
    window = np.minimum((stamps * 250 // X.shape[-1]).astype(int), len(X) - 1)
    out = np.empty(len(X))
    for i, w in enumerate(order):
        out[w] = np.nanmean(prob[window == i])
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bonn", type=Path, required=True,
                        help="bonn.zip, or a folder with C_N/, D_F/, E_S/")
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--per-class", type=int, default=5)
    parser.add_argument("--arms", default="default,alone,random,alone_all,random_all,bandpower")
    parser.add_argument("--weights", default=None,
                        help="weights for the pretrained arms (default: the shipped file)")
    parser.add_argument("--peer", action="store_true")
    parser.add_argument("--probe", choices=("default", "cv"), default="default",
                        help="cv: the logistic regression's C by inner 5-fold CV (log loss)")
    parser.add_argument("--adapt-steps", type=int, default=0,
                        help="add the adapted arms (BPTEncoder(adapt_steps=N))")
    parser.add_argument("--per-fit", action="store_true",
                        help="with --adapt-steps: also fit the encoder per training split")
    parser.add_argument("--per-fit-draws", type=int, default=20)
    args = parser.parse_args(argv)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    PROBE_CV["on"] = args.probe == "cv"
    if PROBE_CV["on"]:  # LogisticRegressionCV's announced changes of defaults, per fit
        warnings.filterwarnings("ignore", category=FutureWarning, module="sklearn")

    X_ecd, y_ictal, X_dc, y_dc, g_ecd, g_dc = bonn_tasks(args.bonn)
    weights = {} if args.weights is None else {"weights": args.weights}
    every = dict(extra_features=(), n_components=None, pooling="mean+std")  # every column
    arms = {  # name: (label, features)
        "default": ("BPTEncoder() defaults", encoder_arm(**weights)),
        "alone": ("embeddings alone", encoder_arm(extra_features=(), **weights)),
        "random": ("random init, alone", encoder_arm(weights=None, extra_features=(),
                                                     random_state=0)),
        "alone_all": ("alone, every column", encoder_arm(**every, **weights)),
        "random_all": ("random, every column", encoder_arm(weights=None, random_state=0,
                                                           **every)),
        "bandpower": ("8 log band powers", band_power_features),
    }
    arm_names = args.arms.split(",")
    if args.adapt_steps:
        adapt = dict(adapt_steps=args.adapt_steps, random_state=0, **weights)
        arms["adapt"] = (f"defaults, adapt {args.adapt_steps}", encoder_arm(**adapt))
        arms["adapt_alone_all"] = (f"alone all, adapt {args.adapt_steps}",
                                   encoder_arm(**every, **adapt))
        arm_names += ["adapt", "adapt_alone_all"]

    print(f"Bonn intracranial (C, D, E: 100 segments each, 3 patches at 250 Hz); AUC of "
          f"StandardScaler + LogisticRegression; few-label: {args.per_class} per class, "
          f"{args.draws} draws (± s.e.). Left: folds by segment; right: by groups of "
          f"segments cut at the same moment (correlated_groups: {g_ecd.max() + 1} groups of "
          f"the 300, {g_dc.max() + 1} of C and D)")
    header = (f"{'arm':24s} {'E vs C+D':>9s} {'D vs C':>9s} {'D vs C, few':>15s} | "
              f"{'E vs C+D':>9s} {'D vs C':>9s} {'D vs C, few':>15s} {'s':>5s}")
    print(header)
    print("-" * len(header))
    for name in arm_names:
        t0 = time.perf_counter()
        label, features = arms[name]
        F_all, F_dc = features(X_ecd), features(X_dc)
        cols = []
        for ga, gd in ((None, None), (g_ecd, g_dc)):
            few, se = auc_few(F_dc, y_dc, args.per_class, args.draws, gd)
            cols.append(f"{auc_cv(F_all, y_ictal, groups=ga):9.3f} "
                        f"{auc_cv(F_dc, y_dc, groups=gd):9.3f} {few:9.3f} ± {se:.3f}")
        print(f"{label:24s} {' | '.join(cols)} {time.perf_counter() - t0:5.1f}", flush=True)
    if args.peer:
        p = peer_scores(X_ecd)
        if p is None:
            print("peer: brainmaze-eeg-models is not installed (pip install brainmaze-eeg-models)")
        else:
            print(f"{'brainmaze peer, no labels':24s} {roc_auc_score(y_ictal, p):9.3f}")
    if args.adapt_steps and args.per_fit:
        per_fit_table({"BPTEncoder() defaults": dict(weights),
                       f"defaults, adapt {args.adapt_steps}": adapt,
                       "alone, every column": dict(every, **weights),
                       f"alone all, adapt {args.adapt_steps}": dict(every, **adapt)},
                      X_ecd, y_ictal, X_dc, y_dc, args.per_class, args.per_fit_draws)


if __name__ == "__main__":
    main()
