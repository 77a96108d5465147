"""Metrics for the Brant tasks: seizure detection, forecasting, frequency and phase.

Every metric takes arrays of the library's shapes (window labels ``(n_windows,)``,
token labels ``(n_windows, n_chans, n_patches)``, signals ``(n_windows, n_chans,
horizon_samples)``) and has a scikit-learn scorer, so that
``cross_val_score(est, X, y, groups=groups, cv=GroupKFold(), scoring=neg_mae_scorer)``
works. Scorers of errors return the negated error (higher is better). Each scorer is
also listed in :data:`SCORERS` under its name (``'f2'``, ``'neg_mae'``, ...).

For other metric options, wrap the function yourself, e.g.
``make_scorer(event_sensitivity, tolerance_s=0.0)`` or
``make_scorer(dominant_frequency_error, sfreq=512.0, greater_is_better=False)``.
"""

from ._events import event_table
from ._forecast import (
    dominant_frequency,
    dominant_frequency_error,
    instantaneous_phase,
    mae,
    mape,
    mse,
    phase_locking_value,
    rmse,
)
from ._scorers import (
    SCORERS,
    event_sensitivity_scorer,
    f2_scorer,
    neg_dominant_frequency_error_scorer,
    neg_false_alarms_per_hour_scorer,
    neg_mae_scorer,
    neg_mape_scorer,
    neg_mse_scorer,
    neg_rmse_scorer,
    plv_scorer,
)
from ._seizure import event_metrics, event_sensitivity, f2_score, false_alarms_per_hour

__all__ = [
    "SCORERS",
    "dominant_frequency",
    "dominant_frequency_error",
    "event_metrics",
    "event_sensitivity",
    "event_sensitivity_scorer",
    "event_table",
    "f2_score",
    "f2_scorer",
    "false_alarms_per_hour",
    "instantaneous_phase",
    "mae",
    "mape",
    "mse",
    "neg_dominant_frequency_error_scorer",
    "neg_false_alarms_per_hour_scorer",
    "neg_mae_scorer",
    "neg_mape_scorer",
    "neg_mse_scorer",
    "neg_rmse_scorer",
    "phase_locking_value",
    "plv_scorer",
    "rmse",
]
