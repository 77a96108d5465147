"""bptlearn: the Brant foundation model for intracranial signals, as scikit-learn estimators.

>>> from bptlearn import BPTEncoder          # embeddings for any scikit-learn model
>>> from bptlearn.data import make_seeg      # synthetic SEEG for tests and demos
"""

__version__ = "0.1.0.dev0"

from .estimators import (  # noqa: E402
    BPTEncoder,
    BPTForecaster,
    BPTImputer,
    BPTSeizureClassifier,
)

__all__ = ["BPTEncoder", "BPTForecaster", "BPTImputer", "BPTSeizureClassifier", "__version__"]
