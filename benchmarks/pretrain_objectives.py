"""Which pretraining objective gives frozen embeddings worth having?

For each objective of :data:`bptlearn.pretraining.OBJECTIVES` and each seed, pretrain a
``nano`` model for a fixed number of steps on simulated patients (``make_seeg``), then on
HELD-OUT simulated patients (``make_seeg_windows``, other seeds) measure, for the
mean-pooled embeddings of both readouts (``layer='temporal'`` and ``'spatial'``):

* the participation ratio PR = (sum l)^2 / sum l^2 of the embedding covariance's
  eigenvalues l (1 = collapsed to one direction, d = isotropic);
* a frozen linear probe: standardised features -> LogisticRegression (balanced classes),
  seizure vs not, patient-wise GroupKFold, balanced accuracy.

The same for a randomly initialised model of each seed, and a band-power + logistic
regression baseline (``bptlearn.baselines.BandPowerSeizureDetector``, channel-mean
features). Results are appended to a JSON-lines file, so the script can be stopped and
restarted; ``--report`` prints the table (mean +- sd over seeds).

Run (about 2.5 CPU-minutes per pretraining at the defaults, one thread each)::

    nice -n 10 python benchmarks/pretrain_objectives.py --out /tmp/objectives
    python benchmarks/pretrain_objectives.py --out /tmp/objectives \
        --evaluate bpt_nano.shipped shipped      # rows for any trained weights
    python benchmarks/pretrain_objectives.py --out /tmp/objectives --report

``--study`` compares pretraining RECIPES at equal steps (``pretrain_study.py`` holds the
arms and the evaluation: held-out ``make_seeg`` patients, held-out patients of a
neural-mass model no arm trained on, participation ratio, ridge recovery of band power)::

    nice -n 10 python benchmarks/pretrain_objectives.py --study --out /tmp/study \
        --steps 1000 --arms a_spectral_seeg b_mixed c_mixed_events d_mixed_events_vicreg
    python benchmarks/pretrain_objectives.py --study --out /tmp/study \
        --evaluate run/model.safetensors my_run  # a row for trained weights, no training
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bptlearn.baselines import BandPowerSeizureDetector
from bptlearn.data import make_seeg_windows, scale_by_recording
from bptlearn.nn import BPTModel
from bptlearn.pretraining import OBJECTIVES, pretrain
from bptlearn.weights import load

EVAL_SEED = 10_000  # held-out patients: a random state no pretraining run uses


def eval_set(seed: int, n_patients: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Held-out windows (µV), their robustly scaled copy, labels and patient ids."""
    X, y, _, groups = make_seeg_windows(n_patients=n_patients, n_chans=8, n_windows=30,
                                        n_patches=3, random_state=EVAL_SEED + seed)
    # per patient and channel, as the pretraining contract says
    return X, scale_by_recording(X, groups), y, groups


@torch.inference_mode()
def pooled(model: BPTModel, scaled: np.ndarray, layer: str) -> np.ndarray:
    x = torch.from_numpy(scaled).view(len(scaled), scaled.shape[1], -1, model.config.patch_len)
    out = [model(x[i:i + 32], layer=layer).mean(dim=(1, 2)) for i in range(0, len(x), 32)]
    return torch.cat(out).double().numpy()


def participation_ratio(emb: np.ndarray) -> float:
    eig = np.clip(np.linalg.eigvalsh(np.cov(emb, rowvar=False)), 0, None)
    return float(eig.sum() ** 2 / (eig ** 2).sum())


def probe(features: np.ndarray, y: np.ndarray, groups: np.ndarray) -> float:
    clf = make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced",
                                                             max_iter=2000))
    cv = GroupKFold(n_splits=4)
    return float(cross_val_score(clf, features, y, groups=groups, cv=cv,
                                 scoring="balanced_accuracy").mean())


def evaluate(model: BPTModel, scaled, y, groups) -> dict[str, float]:
    model.eval()
    out = {}
    for layer in ("temporal", "spatial"):
        emb = pooled(model, scaled, layer)
        out[f"pr_{layer}"] = participation_ratio(emb)
        out[f"probe_{layer}"] = probe(emb, y, groups)
    return out


def _done(results: Path) -> set[tuple[str, int]]:
    if not results.exists():
        return set()
    return {(r["arm"], r["seed"]) for r in map(json.loads, results.read_text().splitlines())}


def run(args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = out / "results.jsonl"
    done = _done(results)
    torch.set_num_threads(args.threads)
    for seed in args.seeds:
        X, scaled, y, groups = eval_set(seed, args.eval_patients)
        arms = [("bandpower", None), ("random", None)] + [(v, v) for v in args.variants]
        for arm, objective in arms:
            if (arm, seed) in done:
                continue
            row = {"arm": arm, "seed": seed}
            if arm == "bandpower":
                clf = BandPowerSeizureDetector(pooling="mean")
                row["probe_features"] = float(cross_val_score(
                    clf, X, y, groups=groups, cv=GroupKFold(n_splits=4),
                    scoring="balanced_accuracy").mean())
            elif arm == "random":
                torch.manual_seed(seed)
                row.update(evaluate(BPTModel(preset="nano", learnable_mask=True), scaled, y,
                                    groups))
            else:
                run_dir = out / f"{arm}-s{seed}"
                cpu = time.process_time()
                pretrain(out_dir=run_dir, resume=True, objective=objective, preset="nano",
                         synthetic=args.train_patients, synthetic_duration=args.duration,
                         n_patches=15, batch_size=args.batch_size, steps=args.steps,
                         lr_min=args.lr_min, lr_max=args.lr_max,
                         lr_step=max(1, args.steps // 2), seed=seed,
                         checkpoint_every=100, progress=False, num_threads=args.threads)
                row["cpu_s"] = time.process_time() - cpu
                row.update(evaluate(load(run_dir / "model.safetensors"), scaled, y, groups))
            with open(results, "a") as fh:
                fh.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)


def evaluate_weights(args: argparse.Namespace) -> None:
    """Add rows for already trained weights (e.g. the shipped model) on the same eval sets."""
    weights, label = args.evaluate
    torch.set_num_threads(args.threads)
    with open(Path(args.out) / "results.jsonl", "a") as fh:
        for seed in args.seeds:
            _, scaled, y, groups = eval_set(seed, args.eval_patients)
            row = {"arm": label, "seed": seed, **evaluate(load(weights), scaled, y, groups)}
            fh.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)


def report(args: argparse.Namespace) -> None:
    rows = [json.loads(line) for line in (Path(args.out) / "results.jsonl").read_text()
            .splitlines()]
    arms = list(dict.fromkeys(r["arm"] for r in rows))
    cols = ["probe_features", "probe_temporal", "probe_spatial", "pr_temporal", "pr_spatial",
            "cpu_s"]
    print("| arm | n | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 2) + "|")
    for arm in arms:
        sel = [r for r in rows if r["arm"] == arm]
        cells = []
        for c in cols:
            vals = [r[c] for r in sel if c in r]
            cells.append(f"{np.mean(vals):.3f} ± {np.std(vals, ddof=1) if len(vals) > 1 else 0:.3f}"
                         if vals else "")
        print(f"| {arm} | {len(sel)} | " + " | ".join(cells) + " |")


def plot_loss(log_csv: str, png: str) -> None:
    """Loss curve of a run (raw per step and a 50-step running mean) as a small PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    log = pd.read_csv(log_csv)
    fig, ax = plt.subplots(figsize=(5, 2.6), dpi=100)
    ax.plot(log["step"], log["loss"], lw=0.5, alpha=0.4, color="C0", label="per step")
    ax.plot(log["step"], log["loss"].rolling(50, min_periods=1).mean(), color="C0",
            label="50-step mean")
    for i, (column, part) in enumerate((("loss_spec", "spectral"), ("loss_event", "event"))):
        if column in log and log[column].notna().any():
            ax.plot(log["step"], log[column].rolling(50, min_periods=1).mean(),
                    color=f"C{i + 1}", label=f"{part} part (mean)")
    ax.set(xlabel="optimiser step", ylabel="training loss")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    fig.savefig(png)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="/tmp/bptlearn-objectives")
    p.add_argument("--variants", nargs="+", default=list(OBJECTIVES), choices=list(OBJECTIVES))
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=800)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr-min", type=float, default=5e-5)
    p.add_argument("--lr-max", type=float, default=1e-3)
    p.add_argument("--train-patients", type=int, default=40)
    p.add_argument("--duration", type=float, default=600.0)
    p.add_argument("--eval-patients", type=int, default=8)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--report", action="store_true", help="print the table and exit")
    p.add_argument("--study", action="store_true",
                   help="compare the recipes of pretrain_study.ARMS (see --arms)")
    p.add_argument("--train-family", default="neural_mass:jansen_rit",
                   help="neural-mass family the mixed-corpus study arms add to make_seeg")
    p.add_argument("--heldout-model", default="wendling",
                   help="neural-mass model of the study's held-out patients (no arm's)")
    p.add_argument("--arms", nargs="+", default=None,
                   help="study arms to run, in order (default: all of pretrain_study.ARMS)")
    p.add_argument("--plot-loss", nargs=2, metavar=("LOG_CSV", "PNG"),
                   help="draw the loss curve of a run and exit")
    p.add_argument("--evaluate", nargs=2, metavar=("WEIGHTS", "LABEL"),
                   help="evaluate trained weights (name or file) on the held-out sets")
    args = p.parse_args()
    if args.study:
        from pretrain_study import study

        study(args)
    elif args.plot_loss:
        plot_loss(*args.plot_loss)
    elif args.evaluate:
        evaluate_weights(args)
    else:
        (report if args.report else run)(args)


if __name__ == "__main__":
    main()
