"""scikit-learn tags shared by every estimator of bptlearn."""

from __future__ import annotations

from typing import Any


class _ThreeDMixin:
    """Declare 3-D window input, (n_windows, n_chans, n_times), in the scikit-learn tags."""

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags
