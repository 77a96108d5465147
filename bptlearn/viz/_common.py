"""What the figures share: axes, numeric input, group colours."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from ..utils._check import _validate_type


def _get_ax(ax: Any) -> Axes:
    _validate_type(ax, (Axes, None), "ax")
    return plt.subplots()[1] if ax is None else ax


def _as_numeric(x: Any, name: str, ndims: tuple[int, ...]) -> np.ndarray:
    x = np.asarray(x)
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise TypeError(f"{name} must hold numbers, got an array of dtype {x.dtype} instead.")
    if x.ndim not in ndims or x.size == 0:
        shapes = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be a non-empty {shapes} array, got shape {x.shape}.")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} holds NaN or infinite values; drop or impute them first.")
    return x


def _colours(groups: list[Any], palette: Any) -> dict[Any, Any]:
    """One colour per group: a list or dict of colours, or a colormap name."""
    n = len(groups)
    if isinstance(palette, dict):
        missing = [g for g in groups if g not in palette]
        if missing:
            raise ValueError(f"palette has no colour for the label(s) {missing[:5]}; give one "
                             f"per label ({groups[:10]}).")
        return {g: palette[g] for g in groups}
    if isinstance(palette, (list, tuple)):
        if len(palette) < n:
            raise ValueError(f"palette holds {len(palette)} colours for {n} labels; give at "
                             f"least {n}, or a colormap name.")
        return dict(zip(groups, palette, strict=False))
    _validate_type(palette, ("str", None), "palette")
    name = palette or ("tab10" if n <= 10 else "tab20" if n <= 20 else "turbo")
    cmap = plt.get_cmap(name)
    if getattr(cmap, "N", 256) >= 256:  # a continuous map: spread the groups over it
        return {g: cmap(i / max(n - 1, 1)) for i, g in enumerate(groups)}
    return {g: cmap(i % cmap.N) for i, g in enumerate(groups)}
