"""The one way a ``random_state`` becomes a torch seed."""

from __future__ import annotations

from typing import Any


def draw_seed(random_state: Any) -> int:
    """An integer seed in ``[0, 2**31)`` drawn from a scikit-learn ``random_state``.

    Parameters
    ----------
    random_state : int, numpy.random.RandomState or None
        As scikit-learn takes it (:func:`sklearn.utils.check_random_state`): an int gives
        the same seed every call, a ``RandomState`` advances, None draws from NumPy's
        global generator.

    Returns
    -------
    seed : int
        For :func:`torch.manual_seed`.

    Examples
    --------
    >>> from bptlearn.utils._random import draw_seed
    >>> draw_seed(0) == draw_seed(0)
    True
    """
    from sklearn.utils import check_random_state  # lazily: nn imports utils, not sklearn

    return int(check_random_state(random_state).randint(2**31))
