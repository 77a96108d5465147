"""Gaussian conditional means of one channel on others, one subset of the others or many
at once, and the grouping of instants by which channels they read."""

from __future__ import annotations

import numpy as np

CONDITIONAL_LOAD = 1e-3  # ridge of a conditional mean, in units of the mean variance
_BATCH = 2 ** 22  # matrix entries per batched solve (32 MB)


def _normal_equations(cov: np.ndarray, c: int, load: float) -> tuple[np.ndarray, np.ndarray]:
    """The other channels' covariance (C - 1, C - 1) with a ridge of ``load`` times their
    mean variance (``load`` where they are all flat), and their covariance with channel
    ``c`` (C - 1,)."""
    others = np.delete(np.arange(len(cov)), c)
    lhs = cov[np.ix_(others, others)]
    scale = np.trace(lhs) / len(others)
    return lhs + load * (scale if scale > 0 else 1.0) * np.eye(len(others)), cov[others, c]


def conditional(cov: np.ndarray, c: int, load: float = CONDITIONAL_LOAD) -> np.ndarray:
    """Coefficients of channel ``c``'s Gaussian conditional mean on the other channels,
    with a ridge of ``load`` times their mean variance."""
    return np.linalg.solve(*_normal_equations(cov, c, load))


def unique_columns(seen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct columns of boolean (U, G) ``seen`` (U, P), and which each column is
    (G,): columns packed into integers, fast where ``np.unique(axis=1)`` sorts rows
    of booleans."""
    packed = np.packbits(seen, axis=0, bitorder="little")  # (ceil(U / 8), G)
    packed = np.pad(packed, ((0, -len(packed) % 8), (0, 0)))
    words = np.ascontiguousarray(packed.T).view(np.uint64)  # (G, ceil(U / 64))
    if words.shape[1] == 1:
        _, first, which = np.unique(words[:, 0], return_index=True, return_inverse=True)
    else:
        _, first, which = np.unique(words, axis=0, return_index=True, return_inverse=True)
    return seen[:, first], which.ravel()


def conditionals(cov: np.ndarray, c: int, read: np.ndarray) -> np.ndarray:
    """Coefficients of channel ``c``'s Gaussian conditional mean on each subset of the
    other channels that boolean (P, C - 1) ``read`` marks (P, C - 1; 0 for the channels
    not read), with the ridge of :func:`conditional` on all of them. From one inverse:
    leaving out the set E of channels, a system of the others is solved by the rows of
    the full inverse on E alone (the block-inverse identity), so each subset costs a
    solve of its size |E|, not of the C - 1 channels read."""
    lhs, rhs = _normal_equations(cov, c, CONDITIONAL_LOAD)  # (C - 1, C - 1), (C - 1,)
    inv = np.linalg.inv(lhs)
    left = ~read
    n_left = int(left.sum(axis=1).max())
    out = np.empty(read.shape)
    step = max(1, _BATCH // max(1, len(lhs) * n_left))
    for i in range(0, len(read), step):
        part = left[i:i + step]  # (p, C - 1)
        at = np.argsort(~part, axis=1, kind="stable")[:, :n_left]  # E first: (p, |E| max)
        real = np.take_along_axis(part, at, axis=1)  # padding beyond |E|: False
        cols = inv[:, at].transpose(1, 0, 2)  # (p, C - 1, |E| max): inverse's columns on E
        z = inv @ rhs - np.einsum("pne,pe->pn", cols, np.where(real, rhs[at], 0.0))
        block = np.where(real[:, :, None] & real[:, None, :], inv[at[:, :, None], at[:, None]],
                         0.0)  # (p, |E|, |E|), the unit matrix on the padding
        block[:, np.arange(n_left), np.arange(n_left)] += ~real
        y = np.linalg.solve(block, np.where(real, np.take_along_axis(z, at, axis=1), 0.0
                                            )[..., None])[..., 0]
        out[i:i + step] = np.where(part, 0.0, z - np.einsum("pne,pe->pn", cols, y))
    return out
