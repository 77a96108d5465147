"""Display names and value ranges of scoring names, for plots and tables."""

from __future__ import annotations

import math
from typing import Any

# scoring name -> (display name, (lowest, highest) value it can take)
_KNOWN: dict[str, tuple[str, tuple[float, float]]] = {
    "accuracy": ("Accuracy", (0.0, 1.0)),
    "balanced_accuracy": ("Balanced accuracy", (0.0, 1.0)),
    "f1": ("F1", (0.0, 1.0)),
    "f2": ("F2", (0.0, 1.0)),
    "precision": ("Precision", (0.0, 1.0)),
    "recall": ("Recall", (0.0, 1.0)),
    "roc_auc": ("ROC AUC", (0.0, 1.0)),
    "average_precision": ("Average precision", (0.0, 1.0)),
    "event_sensitivity": ("Event sensitivity", (0.0, 1.0)),
    "plv": ("Phase-locking value", (0.0, 1.0)),
    "r2": ("R²", (-math.inf, 1.0)),
    "matthews_corrcoef": ("Matthews correlation", (-1.0, 1.0)),
}
_PREFIXES = ("f1_", "precision_", "recall_", "roc_auc_", "jaccard")


def scoring_name(scoring: Any) -> str | None:
    """A name for a ``scoring`` argument: the string, a scorer's function name, or None."""
    if scoring is None or isinstance(scoring, str):
        return scoring
    func = getattr(scoring, "_score_func", scoring)
    name = getattr(func, "__name__", None)
    return None if name in (None, "<lambda>") else name.removesuffix("_score")


def metric_label(name: str | None) -> str:
    """Axis label of a scoring name: ``'balanced_accuracy'`` -> ``'Balanced accuracy'``."""
    if not name:
        return "Score"
    if name in _KNOWN:
        return _KNOWN[name][0]
    if name.startswith("neg_"):
        return "−" + metric_label(name[4:]).lower()
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def metric_range(name: str | None) -> tuple[float, float]:
    """The values a scoring name can take; ``(-inf, inf)`` when unknown."""
    if not name:
        return (-math.inf, math.inf)
    if name in _KNOWN:
        return _KNOWN[name][1]
    if name.startswith(_PREFIXES):
        return (0.0, 1.0)
    if name.startswith("neg_"):
        return (-math.inf, 0.0)
    return (-math.inf, math.inf)
