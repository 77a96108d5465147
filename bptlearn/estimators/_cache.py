"""Cache of embeddings on disk, one row per window, keyed on the window and the encoder.

``BPTEncoder(memory=...)`` takes a folder or a :class:`joblib.Memory` (scikit-learn's
``Pipeline(memory=...)`` convention) and keeps each window's embedding in it, so that a
window embedded once is never embedded again by an encoder in the same state, whatever
other windows come with it (the draws of a low-label curve, the folds of a CV). The key of
a row is a hash of

- the window: every byte of it, and the sampling rate;
- the weights: every tensor of the fitted model (hashed once per fitted model);
- the readout and arithmetic: ``layer``, ``pooling``, ``extra_features``, ``precision``,
  the device type;
- the scaling learned in ``fit``: ``scaling_``, ``center_``, ``scale_``.

A hit returns the row the encoder computed for that window (batched with other windows,
so equal to a fresh computation up to float rounding, ~1e-7), and anything that changes
the output (other weights, readout or scaling statistics) misses. Rows are ``.npy`` files
under ``<memory>/bptlearn_embeddings/<state>/``; delete the folder to clear the cache.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import torch
from sklearn.utils.validation import check_memory

from ._input import Signals

# parameters that change what transform returns (batch size, progress, device do not)
_OUTPUT_PARAMS = ("layer", "pooling", "extra_features", "precision")


def _weights_hash(model: torch.nn.Module) -> str:
    """SHA-256 of a model's state dict, serialised with :func:`torch.save`."""
    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() if isinstance(v, torch.Tensor) else v
                for k, v in model.state_dict().items()}, buffer)
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def state_key(estimator: Any, model: torch.nn.Module) -> str:
    """Hash of everything in a fitted encoder that determines its embeddings."""
    memo = vars(estimator).get("_weights_digest")
    if memo is None or memo[0] != id(model):
        memo = (id(model), _weights_hash(model))
        vars(estimator)["_weights_digest"] = memo  # private: not a parameter, not fitted state
    state = {
        "class": type(estimator).__name__,
        "params": {k: getattr(estimator, k) for k in _OUTPUT_PARAMS if hasattr(estimator, k)},
        "weights": memo[1],
        "device": estimator.device_.type,
        "scaling": (estimator.scaling_, np.asarray(estimator.center_),
                    np.asarray(estimator.scale_)),
    }
    return joblib.hash(state)


def _save(path: Path, row: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        np.save(f, row)
    os.replace(tmp, path)  # atomic: a reader never sees half a row


def cached(estimator: Any, model: torch.nn.Module, signals: Signals,
           compute: Callable[[Signals], np.ndarray]) -> np.ndarray:
    """``compute(signals)``, with each window's row served from ``estimator.memory``.

    Parameters
    ----------
    estimator : BPTEncoder
        A fitted encoder; its ``memory`` is ``None``, a folder or a :class:`joblib.Memory`.
    model : torch.nn.Module
        The fitted model whose weights the key covers.
    signals : Signals
        The checked windows.
    compute : callable
        Embeds the windows it is given (those not in the cache).

    Returns
    -------
    X_new : ndarray of shape (n_windows, n_features)
        The embeddings, in the order of ``signals``.
    """
    memory = check_memory(estimator.memory)
    if memory.location is None:
        return compute(signals)
    state = joblib.hash((state_key(estimator, model), float(signals.sfreq)))
    folder = Path(memory.location) / "bptlearn_embeddings" / state
    digests = [hashlib.blake2b(np.ascontiguousarray(w).tobytes()
                               + str((w.dtype.str, w.shape)).encode(), digest_size=16).hexdigest()
               for part in signals.parts for w in part]
    paths = [folder / d[:2] / f"{d}.npy" for d in digests]
    missing = np.array([not p.is_file() for p in paths])
    new = compute(signals.subset(missing)) if missing.any() else None
    at = np.cumsum(missing) - 1  # row of window i in `new`, when it was missing
    rows = []
    for i, path in enumerate(paths):
        if missing[i]:
            _save(path, new[at[i]])
            rows.append(new[at[i]])
        else:
            rows.append(np.load(path))
    return np.stack(rows)
