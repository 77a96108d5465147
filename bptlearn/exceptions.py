"""Errors and warnings raised by bptlearn.

Each subclasses what users already catch: a :class:`CheckpointError` is a
:class:`ValueError`, so ``except ValueError`` keeps working. "Not fitted" stays
scikit-learn's :class:`~sklearn.exceptions.NotFittedError`.
"""


class CheckpointError(ValueError):
    """A checkpoint file is missing, truncated, unsafe or does not fit the model."""


class ChannelMismatchError(ValueError):
    """The channels given do not match the channels seen during ``fit``."""


class BPTWarning(UserWarning):
    """Base class of the warnings bptlearn emits."""


class InputContractWarning(BPTWarning):
    """The input departs from what the model was pretrained on (rate, length, scale)."""
