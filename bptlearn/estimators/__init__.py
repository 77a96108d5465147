"""scikit-learn estimators around the Brant model (skorch for the trainable heads)."""

from ._encoder import BPTEncoder
from ._forecaster import BPTForecaster
from ._imputer import BPTImputer
from ._reference import IEEGReference
from ._seizure import BPTSeizureClassifier

__all__ = ["BPTEncoder", "BPTForecaster", "BPTImputer", "BPTSeizureClassifier", "IEEGReference"]
