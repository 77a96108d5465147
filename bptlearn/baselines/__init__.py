"""Baselines in the box: the estimators a Brant result must be compared with.

Each is a scikit-learn estimator on windows of shape ``(n_windows, n_chans,
n_times)``. Forecasters (:class:`MeanForecaster`, :class:`RepeatLastForecaster`,
:class:`ARForecaster`, :class:`HistoryARForecaster`, :class:`SinusoidForecaster`) predict
``(n_windows, n_chans, horizon * patch_len)`` and score by negative MAE; imputers
(:class:`InterpolationImputer`, :class:`ARImputer`, :class:`WindowARImputer`,
:class:`ChannelMeanImputer`, :class:`ChannelRegressionImputer`, :class:`VARImputer`) fill
missing samples;
:class:`BestBaselineForecaster` and :class:`BestBaselineImputer` pick the best of them on
held-back data, the baseline :class:`~bptlearn.BPTForecaster` and
:class:`~bptlearn.BPTImputer` build on;
:class:`BandPowerSeizureDetector` classifies windows from band powers.
"""

from ._ar_impute import ARImputer, WindowARImputer
from ._channel_mixing import ChannelRegressionImputer
from ._forecast import ARForecaster, HistoryARForecaster, MeanForecaster, RepeatLastForecaster
from ._impute import ChannelMeanImputer, InterpolationImputer
from ._masks import PATTERNS, make_missing_mask, missing_pattern, validation_masks
from ._seizure import BandPowerSeizureDetector
from ._select import BestBaselineForecaster, default_forecasters, shrinkage
from ._select_impute import BestBaselineImputer, default_imputers
from ._sinusoid import SinusoidForecaster
from ._var_impute import VARImputer

__all__ = [
    "PATTERNS",
    "ARForecaster",
    "ARImputer",
    "BandPowerSeizureDetector",
    "BestBaselineForecaster",
    "BestBaselineImputer",
    "ChannelMeanImputer",
    "ChannelRegressionImputer",
    "HistoryARForecaster",
    "InterpolationImputer",
    "MeanForecaster",
    "RepeatLastForecaster",
    "SinusoidForecaster",
    "VARImputer",
    "WindowARImputer",
    "default_forecasters",
    "default_imputers",
    "make_missing_mask",
    "missing_pattern",
    "shrinkage",
    "validation_masks",
]
