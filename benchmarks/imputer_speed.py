"""How much faster do the imputation baselines fill gaps than the plain computation?

Three inner steps are timed beside the plain code they replace, in one run and on the same
windows (16 channels by default, 18 s at 250 Hz, gaps of 0.2-2 s over 20 % of each channel):

* AR interpolation (``ARImputer``, ``WindowARImputer`` and the AR residual of the
  cross-channel regression): the unknown samples of a channel minimise a banded quadratic;
  ``_solve_holes`` solves it by banded Cholesky, the plain way by ``scipy.sparse`` LU
  (``spsolve``) on the rows and columns of the unknowns.
* The per-window cross-channel regression reads, at each missing instant, only the
  channels not inside a gap there: one conditional mean per pattern of such channels.
  ``_read_observed`` groups the instants by pattern with packed bits and gets every
  pattern's coefficients from one inverse per channel, by a solve of the size of the
  channels left out (batched); the plain way groups them with ``np.unique(axis=0)`` and
  solves each pattern's system of the channels read.
* VAR interpolation (``VARImputer``, a candidate of ``BPTImputer`` for gaps and patches):
  ``_normal_band`` builds the unknowns' banded normal matrix from prefix sums of the
  VAR's block products, solved by banded Cholesky; the plain way builds the whitened
  innovations as a sparse operator on the unknowns, its normal matrix by a sparse
  product, solved by sparse LU.

``--chans`` sets the channel count: the second step grows fastest with it. Then
``BPTImputer.transform`` end to end (its check on hidden samples runs every
candidate) with every step plain and fast. Each row prints the best CPU time of each
(``time.process_time``, alternated), their ratio and the largest difference of the fills.

Run (about two CPU-minutes)::

    python benchmarks/imputer_speed.py [--windows N] [--chans C] [--repeats R] [--skip-imputer]
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from scipy import sparse
from scipy.sparse.linalg import spsolve

from bptlearn import BPTImputer
from bptlearn.baselines import (
    ChannelRegressionImputer,
    VARImputer,
    WindowARImputer,
    _ar_impute,
    _channel_mixing,
    _var_impute,
    make_missing_mask,
)
from bptlearn.baselines._gaussian import CONDITIONAL_LOAD

sys.path.insert(0, str(Path(__file__).parent))
from _timing import interleaved  # noqa: E402


def plain_solve_holes(band, gram, x0, hole, load):
    """The unknowns' rows and columns of the sparse system, solved by sparse LU."""
    sub = gram[hole]
    lhs = sub[:, hole] + load * sparse.identity(hole.size, format="csr")
    return np.atleast_1d(spsolve(lhs.tocsc(), -(sub @ x0)))


def plain_read_observed(row, base, missing, inside, mean, cov, use, c):
    """One solve per pattern of channels read (grouped by ``np.unique``), of the size of
    that pattern, with the ridge of :func:`conditional` on all the other channels."""
    gap = np.flatnonzero(missing)
    seen = ~inside[np.ix_(use, gap)]
    seen[np.searchsorted(use, c)] = True
    patterns, which = np.unique(seen.T, axis=0, return_inverse=True)
    others = np.delete(use, np.searchsorted(use, c))
    load = CONDITIONAL_LOAD * np.diag(cov)[others].mean()
    for j, pattern in enumerate(patterns):
        if pattern.all() or pattern.sum() < 2:
            continue
        sub = np.delete(use[pattern], np.searchsorted(use[pattern], c))
        at = gap[which.ravel() == j]
        beta = np.linalg.solve(cov[np.ix_(sub, sub)] + load * np.eye(len(sub)), cov[sub, c])
        row[at] = mean[c] + (base[sub][:, at] - mean[sub, None]).T @ beta


def plain_var_fill(x, missing, order, alpha):
    """The VAR's whitened innovations as a sparse operator on the unknowns; its normal
    matrix by a sparse product, solved by sparse LU."""
    C, T = x.shape
    p, centre = order, x.mean(axis=1, keepdims=True)
    blocks = _var_impute.white_blocks(*_var_impute.fit_var(x - centre, order, alpha))
    seen = np.where(missing, 0.0, x - centre)
    known = sum(blocks[k] @ seen[:, p - k:T - k] for k in range(p + 1))  # (C, T - p)
    t, c = np.nonzero(missing.T)
    k, i = np.arange(p + 1)[None, :, None], np.arange(C)[None, None, :]
    at = t[:, None, None] + k  # the innovation each unknown enters through lag k
    shape = (len(t), p + 1, C)
    keep = np.broadcast_to((at >= p) & (at < T), shape)
    ops = sparse.csc_matrix((blocks[k, i, c[:, None, None]][keep],
                             (((at - p) * C + i)[keep],
                              np.broadcast_to(np.arange(len(t))[:, None, None], shape)[keep])),
                            shape=((T - p) * C, len(t)))
    out = x.copy()
    out[c, t] = spsolve((ops.T @ ops).tocsc(), -(ops.T @ known.T.ravel())) + centre[c, 0]
    return out


STEPS = ((_ar_impute, "_solve_holes", plain_solve_holes),
         (_channel_mixing, "_read_observed", plain_read_observed),
         (_var_impute, "var_fill", plain_var_fill))


@contextmanager
def plain(on: bool):
    """Every step plain inside the block when ``on``."""
    saved = [getattr(module, name) for module, name, _ in STEPS]
    if on:
        for module, name, slow in STEPS:
            setattr(module, name, slow)
    try:
        yield
    finally:
        for (module, name, _), fast in zip(STEPS, saved, strict=True):
            setattr(module, name, fast)


def windows(n: int, n_chans: int = 16, n_times: int = 4500, seed: int = 0) -> np.ndarray:
    """Six slow sources mixed into ``n_chans`` channels, plus white noise per channel."""
    rng = np.random.default_rng(seed)
    src = np.cumsum(rng.standard_normal((n, 6, n_times)), axis=-1) * 0.05
    src -= src.mean(axis=-1, keepdims=True)
    mixing = rng.standard_normal((n_chans, 6))
    noise = rng.standard_normal((n, n_chans, n_times))
    return (np.einsum("cs,nst->nct", mixing, src) + noise).astype(np.float32)


def compare(name: str, fn, repeats: int) -> None:
    outs = {}

    def run(is_plain):
        with plain(is_plain):
            outs[is_plain] = fn()

    best = interleaved({"plain": lambda: run(True), "fast": lambda: run(False)},
                       torch.device("cpu"), repeats, clock=time.process_time)
    diff = float(np.nanmax(np.abs(outs[True] - outs[False])))
    print(f"{name:<46} {best['plain']:8.2f} {best['fast']:8.2f} "
          f"{best['plain'] / best['fast']:7.2f}x {diff:10.1e}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--windows", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--chans", type=int, default=16)
    parser.add_argument("--skip-imputer", action="store_true",
                        help="only the three inner steps (BPTImputer takes minutes)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    X = windows(args.windows, n_chans=args.chans)
    gaps = make_missing_mask(X.shape, "gaps", rate=0.2, random_state=1)
    X_gaps = np.where(gaps, np.nan, X)
    print(f"{args.windows} windows x {args.chans} channels x 18 s, gaps over 20 % of each channel; "
          "CPU seconds (best of each, alternated)")
    print(f"{'what':<46} {'plain':>8} {'fast':>8} {'ratio':>8} {'max diff':>10}")
    window_ar = WindowARImputer().fit(X)
    compare("WindowARImputer.transform (banded solve)", lambda: window_ar.transform(X_gaps),
            args.repeats)
    regression = ChannelRegressionImputer(adapt="window").fit(X)
    compare("per-window regression (grouped conditionals)",
            lambda: regression.transform(X_gaps), args.repeats)
    var = VARImputer().fit(X)
    compare("VARImputer.transform (banded normal matrix)", lambda: var.transform(X_gaps),
            args.repeats)
    if args.skip_imputer:
        return
    imputer = BPTImputer(max_epochs=2, random_state=0).fit(X)
    compare("BPTImputer.transform, every step", lambda: imputer.transform(X_gaps), 1)


if __name__ == "__main__":
    main()
