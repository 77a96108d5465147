"""bptlearn: the Brant foundation model for intracranial signals, as scikit-learn estimators.

>>> from bptlearn import BPTEncoder          # embeddings for any scikit-learn model
>>> from bptlearn.data import make_seeg      # synthetic SEEG for tests and demos
"""

from ._version import __version__

__all__ = ["BPTEncoder", "BPTForecaster", "BPTImputer", "BPTSeizureClassifier", "__version__"]
_ESTIMATORS = ("BPTEncoder", "BPTForecaster", "BPTImputer", "BPTSeizureClassifier")


def __getattr__(name: str):
    # the estimators (torch, MNE, scikit-learn) load on first use, so that the
    # ``bptlearn`` command answers --help without importing them (PEP 562)
    if name in _ESTIMATORS:
        from . import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module 'bptlearn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
