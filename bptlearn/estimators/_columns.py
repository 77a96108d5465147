"""BPTEncoder's output columns: the compression of the embedding columns, and their names."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.decomposition import PCA

from ..nn.readout import ColumnProjection, extra_names


def n_extra_columns(pooling: str, extra_features: tuple[str, ...], n_chans: int | None,
                    n_patches: int) -> int:
    """Columns the extras take at the end of a row, for each pooling."""
    blocks = {"mean": 1, "mean+std": 2, "channel": n_chans,
              "token": (n_chans or 0) * n_patches}[pooling]
    return len(extra_names(extra_features)) * blocks


def fit_compression(features: np.ndarray, n_components: int, n_extra: int) -> PCA:
    """Whitened PCA of the embedding columns (all but the last ``n_extra``) of fit rows."""
    n_emb = features.shape[1] - n_extra
    if n_components > min(len(features) - 1, n_emb):  # centring costs one window
        raise ValueError(
            f"n_components={n_components} learns that many principal components from the fit "
            f"windows, so it needs more windows than components and at most as many "
            f"components as embedding columns, but fit got {len(features)} window(s) and "
            f"{n_emb} columns. Fit on more windows, lower n_components, or pass "
            "n_components=None to keep every embedding column.")
    return PCA(n_components, whiten=True, svd_solver="full").fit(features[:, :n_emb])


def compression_module(pca: PCA) -> ColumnProjection:
    """``pca`` (whitened) as a torch module that passes the extras through.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.estimators._columns import compression_module, fit_compression
    >>> rows = np.random.default_rng(0).normal(size=(20, 5)).astype(np.float32)
    >>> pca = fit_compression(rows, n_components=2, n_extra=1)
    >>> out = compression_module(pca)(torch.from_numpy(rows)).detach().numpy()
    >>> bool(np.allclose(out[:, :2], pca.transform(rows[:, :4]), atol=1e-5)), out.shape
    (True, (20, 3))
    """
    weight = pca.components_ / np.sqrt(pca.explained_variance_)[:, None]
    return ColumnProjection(torch.from_numpy(weight), torch.from_numpy(-pca.mean_ @ weight.T))


def column_names(pooling: str, embedding_dim: int, extra_features: tuple[str, ...],
                 chans: list[str], n_patches: int, n_components: int | None,
                 n_extra: int) -> list[str]:
    """Suffixes of ``bptencoder`` for each output column, embeddings then extras."""
    emb = [str(i) for i in range(embedding_dim)]
    extras = extra_names(extra_features)
    if pooling == "mean":
        names = emb + [f"_{e}" for e in extras]
    elif pooling == "mean+std":
        names = ([f"_mean{i}" for i in emb] + [f"_std{i}" for i in emb]
                 + [f"_{e}_mean" for e in extras] + [f"_{e}_std" for e in extras])
    else:  # one block per channel (or per channel and patch), embeddings then extras
        tokens = chans if pooling == "channel" else \
            [f"{c}_p{p}" for c in chans for p in range(n_patches)]
        names = ([f"_{t}_{i}" for t in tokens for i in emb]
                 + [f"_{t}_{e}" for t in tokens for e in extras])
    if n_components is not None:  # principal components replace the embedding columns
        names = [f"_pc{i}" for i in range(n_components)] + (names[-n_extra:] if n_extra else [])
    return names
