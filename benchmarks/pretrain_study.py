"""Pretraining recipes at equal steps: corpus, event heads, variance-covariance (issue 13).

Run through ``python benchmarks/pretrain_objectives.py --study`` (options there). Each arm
pretrains a ``nano`` model for the same number of steps on simulated patients, then its
frozen embeddings, ``BPTEncoder(weights=<arm>, extra_features=(), n_components=None,
pooling='mean+std')`` (every embedding column), are scored on two HELD-OUT sets that
no run trains on:

* ``seeg``: :func:`bptlearn.data.make_seeg_windows` patients (8 channels, 30 windows of
  18 s each, 30 % with a seizure);
* ``nm``: :func:`bptlearn.data.make_neural_mass_windows` patients of a neural-mass
  model no arm trains on (``--heldout-model``), the same layout, with its default
  domain randomisation.

Scores per set (the band-power row: its features are the window's 8 log band powers,
mean over channels and patches): ``probe`` (standardised embeddings -> logistic
regression with balanced classes, patient-wise 4-fold GroupKFold, balanced accuracy);
``few5`` (5 labelled windows per class drawn from half of the patients, scored on the
other half, mean of 20 draws); ``pr`` (participation ratio of the mean-pooled
embeddings); ``r2_bands`` and ``r2_amp`` (ridge regression from the embeddings,
patient-wise cross-validated R^2 of each window's 8 log band powers, averaged, and of its
log amplitude). The encoder's input scaling is
learned on the whole evaluation set (no labels), once per set. Rows for band power, a
randomly initialised encoder and the shipped weights use the same windows and folds.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import balanced_accuracy_score, r2_score
from sklearn.model_selection import GroupKFold, cross_val_predict, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bptlearn import BPTEncoder
from bptlearn.baselines import BandPowerSeizureDetector
from bptlearn.data import make_neural_mass_windows, make_seeg_windows
from bptlearn.pretraining import pretrain, spectral_target

EVAL_SEED = 10_000  # held-out patients: a random state no pretraining run uses
WINDOW = 3  # patches (18 s) per evaluation window
#: Arms: the objective; ``mixed`` adds the training neural-mass family (--train-family) to
#: make_seeg; ``randomize`` (default: as ``mixed``) applies domain randomisation.
ARMS: dict[str, dict] = {
    "a_spectral_seeg": dict(objective="spectral"),
    "b_mixed": dict(objective="spectral", mixed=True),
    "c_mixed_events": dict(objective="spectral_events", mixed=True),
    "d_mixed_events_vicreg": dict(objective="spectral_events_vicreg", mixed=True),
    "e_events_seeg": dict(objective="spectral_events"),
    "f_vicreg_seeg": dict(objective="spectral_vicreg"),
    "g_mixed_plain": dict(objective="spectral", mixed=True, randomize=False),
    "h_seeg_randomized": dict(objective="spectral", randomize=True),
    "i_mixed_plain_events": dict(objective="spectral_events", mixed=True, randomize=False),
    "j_tokens_seeg": dict(objective="spectral_tokens"),
    "k_tokens_events_seeg": dict(objective="spectral_tokens_events"),
    "l_tokens_mixed_plain": dict(objective="spectral_tokens", mixed=True, randomize=False),
    "a_spectral_seeg_s1": dict(objective="spectral", seed=1),  # seed noise of (a) and (e)
    "e_events_seeg_s1": dict(objective="spectral_events", seed=1),
}


def participation_ratio(emb: np.ndarray) -> float:
    eig = np.clip(np.linalg.eigvalsh(np.cov(emb, rowvar=False)), 0, None)
    return float(eig.sum() ** 2 / (eig ** 2).sum())


def seeg_set() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X, y, _, groups = make_seeg_windows(n_patients=8, n_chans=8, n_windows=30,
                                        n_patches=WINDOW, random_state=EVAL_SEED)
    return X, y, groups


def neural_mass_set(model: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X, y, _, groups = make_neural_mass_windows(n_patients=8, n_chans=8, n_windows=30,
                                               n_patches=WINDOW, model=model,
                                               random_state=EVAL_SEED)
    return X, y, groups


def _targets(X: np.ndarray) -> np.ndarray:
    """(n, 9): each window's 8 log band powers and log amplitude, mean over tokens."""
    x = torch.from_numpy(np.ascontiguousarray(X, np.float32)).view(len(X), X.shape[1], -1,
                                                                   1500)
    return spectral_target(x, 250.0).mean(dim=(1, 2)).double().numpy()


def _probe() -> object:
    return make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced",
                                                              max_iter=2000))


def few_label(F: np.ndarray, y: np.ndarray, groups: np.ndarray, k: int = 5,
              draws: int = 20) -> float:
    rng = np.random.default_rng(0)
    patients = np.unique(groups)
    scores = []
    for _ in range(draws):
        train_p = rng.permutation(patients)[:len(patients) // 2]
        train = np.isin(groups, train_p)
        if min((train & (y == c)).sum() for c in (0, 1)) < k or len(set(y[~train])) < 2:
            continue
        pick = np.concatenate([rng.choice(np.flatnonzero(train & (y == c)), k, replace=False)
                               for c in (0, 1)])
        clf = _probe().fit(F[pick], y[pick])
        scores.append(balanced_accuracy_score(y[~train], clf.predict(F[~train])))
    return float(np.mean(scores)) if scores else float("nan")


def score_features(F: np.ndarray, y: np.ndarray, groups: np.ndarray,
                   targets: np.ndarray) -> dict[str, float]:
    cv = GroupKFold(n_splits=4)
    out = {"probe": float(cross_val_score(_probe(), F, y, groups=groups, cv=cv,
                                          scoring="balanced_accuracy").mean()),
           "few5": few_label(F, y, groups)}
    ridge = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 4, 15)))
    pred = cross_val_predict(ridge, F, targets, groups=groups, cv=cv)
    r2 = [r2_score(targets[:, j], pred[:, j]) for j in range(targets.shape[1])]
    out["r2_bands"], out["r2_amp"] = float(np.mean(r2[:8])), float(r2[8])
    return out


def evaluate(weights, sets: dict, random_state: int | None = None) -> dict[str, float]:
    """Scores of every embedding column (no extras, no compression) on each held-out set."""
    row = {}
    for name, (X, y, groups, targets) in sets.items():
        enc = BPTEncoder(weights=weights, extra_features=(), pooling="mean+std",
                         n_components=None, random_state=random_state)
        F = enc.fit_transform(X)
        row.update({f"{name}_{k}": v for k, v in score_features(F, y, groups, targets).items()})
        mean = BPTEncoder(weights=weights, extra_features=(), pooling="mean", n_components=None,
                          random_state=random_state).fit_transform(X)
        row[f"{name}_pr"] = participation_ratio(mean)
    return row


def evaluate_bandpower(sets: dict) -> dict[str, float]:
    """The 8 log band powers of each window (mean over channels and patches) as features;
    ``probe_detector``: :class:`~bptlearn.baselines.BandPowerSeizureDetector` (whole-window
    band powers and log amplitude, mean over channels), as in the objectives table."""
    row = {}
    for name, (X, y, groups, targets) in sets.items():
        scores = score_features(targets[:, :8], y, groups, targets)
        row.update({f"{name}_{k}": scores[k] for k in ("probe", "few5")})
        row[f"{name}_probe_detector"] = float(cross_val_score(
            BandPowerSeizureDetector(pooling="mean"), X, y, groups=groups,
            cv=GroupKFold(n_splits=4), scoring="balanced_accuracy").mean())
    return row


def study(args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = out / "results.jsonl"
    done = ({json.loads(r)["arm"] for r in results.read_text().splitlines()}
            if results.exists() else set())
    torch.set_num_threads(args.threads)
    t0 = time.time()
    sets = {"seeg": seeg_set()}
    sets["nm"] = neural_mass_set(args.heldout_model)
    sets = {k: (X, y, g, _targets(X)) for k, (X, y, g) in sets.items()}
    print(json.dumps({k: {"windows": len(v[1]), "ictal": int(v[1].sum())}
                      for k, v in sets.items()}), f"{time.time() - t0:.0f} s", flush=True)
    rows = [("bandpower", lambda: evaluate_bandpower(sets)),
            ("random", lambda: evaluate(None, sets, random_state=0)),
            ("shipped", lambda: evaluate("bpt_nano.shipped", sets))]
    if args.evaluate:  # trained weights on the same sets; nothing trains
        weights, label = args.evaluate
        rows.append((label, lambda: evaluate(weights, sets)))
    else:
        for arm in args.arms or list(ARMS):
            rows.append((arm, lambda arm=arm: train_and_evaluate(arm, args, out, sets)))
    for arm, fn in rows:
        if arm in done:
            continue
        start = time.time()
        row = {"arm": arm, "wall_s": None, **fn()}
        row["wall_s"] = row.pop("train_wall_s", time.time() - start)
        with open(results, "a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)
        write_table(results, out / "results.md")


def train_and_evaluate(arm: str, args: argparse.Namespace, out: Path, sets: dict) -> dict:
    spec = dict(ARMS[arm])
    mixed = spec.pop("mixed", False)
    randomize = spec.pop("randomize", mixed)
    seed = spec.pop("seed", 0)
    families = ("seeg", args.train_family) if mixed else ("seeg",)
    start = time.time()
    pretrain(out_dir=out / arm, resume=True, preset="nano", synthetic=args.train_patients,
             synthetic_duration=args.duration, synthetic_families=families,
             synthetic_randomize=randomize, n_patches=15,
             batch_size=args.batch_size, steps=args.steps, lr_min=args.lr_min,
             lr_max=args.lr_max, lr_step=max(1, args.steps // 2), seed=seed,
             checkpoint_every=250, progress=False, num_threads=args.threads, **spec)
    wall = time.time() - start
    return {"train_wall_s": wall, "families": list(families), "randomize": randomize,
            **evaluate(out / arm / "model.safetensors", sets)}


def write_table(results: Path, md: Path) -> None:
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    cols = ["seeg_probe", "seeg_few5", "nm_probe", "nm_few5", "seeg_pr", "nm_pr",
            "seeg_r2_bands", "seeg_r2_amp", "nm_r2_bands", "nm_r2_amp", "wall_s"]
    lines = ["| arm | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for r in rows:
        cells = [f"{r[c]:.3f}" if isinstance(r.get(c), float) and c != "wall_s"
                 else (f"{r[c]:.0f}" if r.get(c) is not None and c in r else "") for c in cols]
        lines.append(f"| {r['arm']} | " + " | ".join(cells) + " |")
    md.write_text("\n".join(lines) + "\n")
