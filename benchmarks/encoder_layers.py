"""At which depth do the shipped encoder's embeddings serve a few-label probe best?

The embeddings alone (``extra_features=()``) read after the token embedding (no
Transformer layer), after the first and the second temporal layer (the second is
``layer='temporal'``, the default), and after the first and second spatial layer
(``layer='spatial'``); each with every column (mean and std over patches) and with 1 and
4 whitened principal components (mean), beside a randomly initialised encoder read at the
first three depths and the 8-band log-power baseline. Probes and data are those of
``benchmarks/encoder_readout.py``: AUC of ``StandardScaler`` + ``LogisticRegression``,
leave-one-patient-out on the two simulated families with all labels and with 5 per class
(and that probe's balanced accuracy), and the three Bonn tasks of
``benchmarks/real_bonn.py`` with folds by moment (segments cut at the same moment never
on both sides), beside D vs C with folds by segment, where siblings leak. The depths
other than the two the estimator offers are read by dropping the layers after them from
the loaded model (a study, not an option of ``BPTEncoder``).

Run (about 3 CPU-minutes with eight sets)::

    python benchmarks/encoder_layers.py --bonn PATH [--seeds S [S ...]] [--weights PATH]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from torch import nn

from bptlearn import BPTEncoder
from bptlearn.data import make_neural_mass_windows, make_seeg_windows

sys.path.insert(0, str(Path(__file__).parent))
from encoder_readout import bonn_scores, lopo  # noqa: E402
from real_bonn import band_power_features, bonn_tasks  # noqa: E402

#: name: (temporal layers kept, spatial layers kept, the estimator's ``layer``)
DEPTHS = {"token embedding": (0, 0, "temporal"), "temporal 1": (1, 0, "temporal"),
          "temporal 2 (default)": (2, 0, "temporal"), "spatial 1": (2, 1, "spatial"),
          "spatial 2": (2, 2, "spatial")}
READOUTS = {"every column": dict(n_components=None, pooling="mean+std"),
            "1 PC": dict(n_components=1, pooling="mean"),
            "4 PCs": dict(n_components=4, pooling="mean")}


class _Truncated(BPTEncoder):
    """``BPTEncoder`` whose loaded model keeps its first ``n_temporal`` temporal and
    ``n_spatial`` spatial layers."""

    n_temporal, n_spatial = 2, 2  # set on the class before each arm

    def _load_model(self):
        model = super()._load_model()
        model.temporal.layers = nn.ModuleList(list(model.temporal.layers)[:self.n_temporal])
        model.spatial.layers = nn.ModuleList(list(model.spatial.layers)[:self.n_spatial])
        return model


def depth_features(X: np.ndarray, depth: tuple, params: dict) -> np.ndarray:
    _Truncated.n_temporal, _Truncated.n_spatial, layer = depth
    return _Truncated(device="cpu", layer=layer, extra_features=(), **params).fit_transform(X)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bonn", type=Path, required=True)
    parser.add_argument("--weights", default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[101, 102, 103, 104, 105, 0, 1, 2])
    args = parser.parse_args()
    weights = {} if args.weights is None else {"weights": args.weights}
    sets = [[make(n_patients=6, n_windows=30, n_patches=1, random_state=s) for s in args.seeds]
            for make in (make_seeg_windows, make_neural_mass_windows)]
    bonn = bonn_tasks(args.bonn)

    rows = {"8 log band powers (baseline)": band_power_features}
    for depth_name, depth in DEPTHS.items():
        for readout, params in READOUTS.items():
            rows[f"{depth_name}, {readout}"] = (
                lambda X, d=depth, p=params: depth_features(X, d, {**p, **weights}))
    for depth_name in list(DEPTHS)[:3]:
        rows[f"random init, {depth_name}, every column"] = (
            lambda X, d=DEPTHS[depth_name]: depth_features(
                X, d, dict(READOUTS["every column"], weights=None, random_state=0)))

    cols = [f"{s} {m}" for s in ("seeg", "NM") for m in ("all", "few", "few BA")]
    cols += ["Bonn E/CD", "Bonn D/C", "D/C few", "D/C by seg"]
    print(f"AUC (few BA: balanced accuracy), embeddings alone; seeg: make_seeg, NM: the "
          f"neural-mass family, each the mean over random states {args.seeds}")
    print(f"{'arm':48s}" + "".join(f"{c:>12s}" for c in cols))
    for name, features in rows.items():
        t0 = time.perf_counter()
        scores = []
        for per_seed in sets:
            scores += list(np.mean([lopo(features(X), y, g) for X, y, _, g in per_seed], axis=0))
        scores += bonn_scores(features, bonn)
        print(f"{name:48s}" + "".join(f"{s:12.3f}" for s in scores)
              + f"   ({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
