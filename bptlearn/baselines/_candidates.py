"""The candidates :class:`~bptlearn.BPTImputer` adds to the imputation baselines for each
pattern of missing samples, by name: estimators more elaborate than the baselines a user
tries first, which the imputer chooses among on held-back samples."""

from __future__ import annotations

from typing import Any

from ._channel_mixing import WINDOW_PRIOR, ChannelRegressionImputer
from ._var_impute import MAX_VAR_CHANS, VARImputer

# the per-window regression with its residual carried into the missing samples (by AR
# interpolation, or linearly), named by how it carries it
RESIDUAL = "cross-channel regression, window, {} residual"
RESIDUAL_AR = RESIDUAL.format("AR")
_CARRIED = {"ar": "AR", "window_ar": "window AR"}  # how each residual option is named
WINDOW_AUTO = "cross-channel regression, window, prior chosen"  # window_prior='auto'
VAR_WINDOW = "VAR interpolation on each window"  # VARImputer


def imputer_candidates(pattern: str, n_chans: int) -> dict[str, Any]:
    """The candidates :class:`~bptlearn.BPTImputer` adds for ``pattern``.

    The per-window regression with its residual carried into the missing samples, by AR
    interpolation for scattered samples and gaps (for gaps also by an AR fitted on each
    window's own residual: it follows a recording unlike the fit data), also linearly
    for scattered samples. Not for whole patches: continued over 6 s the residual cost
    1-9 % on held-out simulated sets and the real recording; nor for whole channels,
    which have no residual to carry. A spline through the residual of scattered samples
    took the real 19-s recording to 1.035 of the best baseline (transform's check
    preferred it on the samples it hid).

    For whole patches also the per-window regression with the weight of its prior chosen
    on the window (``window_prior='auto'``, named :data:`WINDOW_AUTO`): where channels
    mix unlike in the fit data, as in the real 19-s recording fitted on ``make_seeg``,
    the pooled prior pulls each window's regression the wrong way. Not for gaps, which
    leave few complete instants (10-25 % worse on simulated sets, twice on the real one).

    For gaps and whole patches, with up to :data:`MAX_VAR_CHANS` channels, also the
    multichannel autoregression of each window (:class:`VARImputer`, named
    :data:`VAR_WINDOW`): it reads the other channels before and after each instant too.
    For patches its first fill weighs its prior on each window (``window_prior='auto'``):
    on the real 19-s recording that fill took the VAR's patch error from 0.46 to 0.34 of
    the per-window regression's (0.744 against 0.776 for gaps on ``make_seeg``, where
    the default prior stays).
    Not for scattered samples, whose first fill is too rough to fit a VAR on (4-13 times
    the per-window regression's error on held-out sets), nor for whole channels, whose
    dynamics the window cannot show.
    """
    if n_chans < 2:
        return {}
    kinds = {"scattered": ("ar", "linear"), "gaps": ("ar", "window_ar")}.get(pattern, ())
    out: dict[str, Any] = {RESIDUAL.format(_CARRIED.get(kind, kind)): ChannelRegressionImputer(
        adapt="window", residual=kind) for kind in kinds}
    if pattern == "patch":
        out[WINDOW_AUTO] = ChannelRegressionImputer(adapt="window", window_prior="auto")
    if pattern in ("gaps", "patch") and n_chans <= MAX_VAR_CHANS:
        out[VAR_WINDOW] = VARImputer(window_prior="auto" if pattern == "patch" else WINDOW_PRIOR)
    return out
