"""Baselines in the box: the estimators a Brant result must be compared with.

Each is a scikit-learn estimator on windows of shape ``(n_windows, n_chans,
n_times)``: forecasters (:class:`RepeatLastForecaster`, :class:`ARForecaster`)
predict ``(n_windows, n_chans, horizon * patch_len)`` and score by negative MAE;
:class:`InterpolationImputer` fills missing samples; :class:`BandPowerSeizureDetector`
classifies windows from band powers.
"""

from ._forecast import ARForecaster, RepeatLastForecaster
from ._impute import InterpolationImputer
from ._seizure import BandPowerSeizureDetector

__all__ = [
    "ARForecaster",
    "BandPowerSeizureDetector",
    "InterpolationImputer",
    "RepeatLastForecaster",
]
