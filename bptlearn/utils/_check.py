"""MNE-style input checks: one mistake always gets one sentence.

These helpers raise the same messages everywhere in the package, so a user who
mistypes a parameter in the model, the data layer or an estimator reads the same
kind of sentence: what was expected, what came, and how to fix it.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable
from typing import Any

_TYPE_NAMES: dict[str, tuple[type, ...]] = {
    "int-like": (numbers.Integral,),
    "numeric": (numbers.Real,),
    "path-like": (str, os.PathLike),
    "str": (str,),
}


def _type_name(kind: Any) -> str:
    if isinstance(kind, str):
        return kind
    if kind is None:
        return "None"
    return kind.__name__


def _validate_type(item: Any, types: Any, item_name: str) -> Any:
    """Raise ``TypeError`` unless ``item`` is an instance of ``types``.

    ``types`` is a type, a name from ``'int-like'``, ``'numeric'``, ``'path-like'``,
    ``'str'``, ``None``, or a tuple of those. Booleans are not int-like or numeric.
    Returns ``item`` so that the check can be used inline.
    """
    kinds = types if isinstance(types, tuple) else (types,)
    allowed: list[type] = []
    for kind in kinds:
        if kind is None:
            allowed.append(type(None))
        elif isinstance(kind, str):
            allowed.extend(_TYPE_NAMES[kind])
        else:
            allowed.append(kind)
    is_bool = isinstance(item, bool) and bool not in allowed
    if is_bool or not isinstance(item, tuple(allowed)):
        names = [_type_name(k) for k in kinds]
        expected = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        raise TypeError(
            f"{item_name} must be an instance of {expected}, "
            f"got {type(item).__name__} instead."
        )
    return item


def _check_option(parameter: str, value: Any, allowed_values: Iterable[Any],
                  extra: str = "") -> Any:
    """Raise ``ValueError`` unless ``value`` is one of ``allowed_values``; return it."""
    allowed = list(allowed_values)
    if value in allowed:
        return value
    extra = f" {extra}" if extra else ""
    options = ", ".join(repr(v) for v in allowed)
    raise ValueError(
        f"Invalid value for the '{parameter}' parameter{extra}. "
        f"Allowed values are {options}, but got {value!r} instead."
    )


def _check_sfreq(sfreq: Any, name: str = "sfreq") -> float:
    """Return ``sfreq`` as a float after checking it is a positive, finite number in Hz."""
    _validate_type(sfreq, "numeric", name)
    if not math.isfinite(sfreq) or sfreq <= 0:
        raise ValueError(
            f"{name} must be a positive, finite sampling rate in Hz, got {sfreq!r} instead."
        )
    return float(sfreq)
