"""How a bad input is checked: the right error, a message that names the problem, and
nothing changed, neither the caller's inputs nor the state of the object called.

A case builds its call lazily (``build(env, tmp_path) -> Call``) so that every case gets
fresh arrays and a fresh copy of any fitted estimator it uses.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mne
import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator
from skorch import NeuralNet
from torch import nn


@dataclass
class Call:
    """A call to make, and the object whose state it must leave alone (if any)."""

    fn: Callable[..., Any]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    owner: Any = None


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Call:
    """``fn(*args, **kwargs)``; a bound method of an estimator or module owns the state."""
    owner = getattr(fn, "__self__", None)
    if isinstance(fn, nn.Module):
        owner = fn
    if not isinstance(owner, (BaseEstimator, nn.Module)):
        owner = None
    return Call(fn, args, kwargs, owner)


@dataclass(frozen=True)
class Bad:
    """One distinct bad input: what is called, the error type and a regex of its message."""

    id: str
    error: type[BaseException]
    match: str
    build: Callable[[Any, Path], Call]

    def __repr__(self) -> str:  # pytest shows the id
        return self.id


# ---------------------------------------------------------------------------- snapshots
def fingerprint(value: Any) -> Any:
    """A copy of what ``value`` holds, for values whose content could change in place."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, nn.Module):
        return ({k: v.detach().clone() for k, v in value.state_dict().items()},
                value.training)
    if isinstance(value, NeuralNet):
        return fingerprint(value.module_) if hasattr(value, "module_") else None
    if isinstance(value, (mne.io.BaseRaw, mne.BaseEpochs)):
        return value.get_data().copy(), list(value.ch_names)
    if isinstance(value, (str, os.PathLike)) and Path(value).is_file():
        return Path(value).read_bytes()
    if isinstance(value, (list, tuple)):
        return [fingerprint(v) for v in value]
    if isinstance(value, Mapping):
        return {k: fingerprint(v) for k, v in value.items()}
    return None  # immutable, or compared by identity only


def same(a: Any, b: Any) -> bool:
    """Equality of two fingerprints (NaN equals NaN, bit for bit for arrays)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        nan_ok = a.dtype.kind in "fc"
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(
            a, b, equal_nan=nan_ok)
    if isinstance(a, torch.Tensor):
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.is_floating_point():
            return torch.equal(a.isnan(), b.isnan()) and torch.equal(a.nan_to_num(0.0),
                                                                     b.nan_to_num(0.0))
        return torch.equal(a, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def snapshot_state(owner: Any) -> dict[str, tuple[Any, Any]] | None:
    """Attributes of an estimator (identity and content), or a module's tensors."""
    if owner is None:
        return None
    if isinstance(owner, nn.Module):
        return {"<module>": (owner, fingerprint(owner))}
    return {k: (v, fingerprint(v)) for k, v in vars(owner).items()}


def assert_state_unchanged(before: dict | None, owner: Any) -> None:
    if before is None:
        return
    if isinstance(owner, nn.Module):
        assert same(before["<module>"][1], fingerprint(owner)), \
            "the module's weights or train/eval mode changed before raising"
        return
    after = vars(owner)
    added, removed = sorted(set(after) - set(before)), sorted(set(before) - set(after))
    assert not added and not removed, \
        f"the failed call added attributes {added} and removed {removed}"
    changed = [k for k, (value, content) in before.items()
               if after[k] is not value or not same(content, fingerprint(after[k]))]
    assert not changed, f"the failed call changed the attributes {changed}"


def assert_inputs_unchanged(before: list, call_: Call) -> None:
    now = fingerprint([*call_.args, *call_.kwargs.values()])
    changed = [i for i, (a, b) in enumerate(zip(before, now, strict=True)) if not same(a, b)]
    assert not changed, f"the failed call modified its input argument(s) {changed}"


def check_bad_input(case: Bad, env: Any, tmp_path: Path) -> None:
    """Run one case: it must raise ``case.error`` matching ``case.match``, changing nothing."""
    call_ = case.build(env, tmp_path)
    inputs = fingerprint([*call_.args, *call_.kwargs.values()])
    state = snapshot_state(call_.owner)
    with pytest.raises(case.error, match=case.match):
        call_.fn(*call_.args, **call_.kwargs)
    assert_inputs_unchanged(inputs, call_)
    assert_state_unchanged(state, call_.owner)
