"""Scikit-learn scorers for every bptlearn metric, for ``cross_val_score(..., scoring=...)``.

Errors are wrapped with ``greater_is_better=False``, so their scorers return the
negated error (``neg_*``) and higher is always better, as scikit-learn expects.
"""

from __future__ import annotations

from sklearn.metrics import make_scorer

from ._forecast import dominant_frequency_error, mae, mape, mse, phase_locking_value, rmse
from ._seizure import event_sensitivity, f2_score, false_alarms_per_hour

f2_scorer = make_scorer(f2_score)
event_sensitivity_scorer = make_scorer(event_sensitivity)
neg_false_alarms_per_hour_scorer = make_scorer(false_alarms_per_hour, greater_is_better=False)
neg_mae_scorer = make_scorer(mae, greater_is_better=False)
neg_mse_scorer = make_scorer(mse, greater_is_better=False)
neg_rmse_scorer = make_scorer(rmse, greater_is_better=False)
neg_mape_scorer = make_scorer(mape, greater_is_better=False)
neg_dominant_frequency_error_scorer = make_scorer(
    dominant_frequency_error, greater_is_better=False, sfreq=250.0
)
plv_scorer = make_scorer(phase_locking_value)

SCORERS = {
    "f2": f2_scorer,
    "event_sensitivity": event_sensitivity_scorer,
    "neg_false_alarms_per_hour": neg_false_alarms_per_hour_scorer,
    "neg_mae": neg_mae_scorer,
    "neg_mse": neg_mse_scorer,
    "neg_rmse": neg_rmse_scorer,
    "neg_mape": neg_mape_scorer,
    "neg_dominant_frequency_error": neg_dominant_frequency_error_scorer,
    "plv": plv_scorer,
}
