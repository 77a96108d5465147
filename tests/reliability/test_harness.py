"""The bad-input harness can fail: it catches mutated inputs, changed state, wrong messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator

from ._harness import Bad, call, check_bad_input


class _Sloppy(BaseEstimator):
    """Raises, but only after writing to its input or to itself."""

    def fit(self, X):
        self.n_chans_in_ = X.shape[1]
        raise ValueError("X is bad")

    def scale(self, X):
        X *= 2
        raise ValueError("X is bad")


def _assert_harness_fails(case: Bad, tmp_path, match: str) -> None:
    with pytest.raises(AssertionError, match=match):
        check_bad_input(case, None, tmp_path)


def test_harness_catches_a_call_that_writes_to_its_input(tmp_path):
    case = Bad("scale writes to X", ValueError, "bad",
               lambda e, _: call(_Sloppy().scale, np.ones((2, 3, 4))))
    _assert_harness_fails(case, tmp_path, r"modified its input argument\(s\) \[0\]")


def test_harness_catches_an_attribute_set_before_raising(tmp_path):
    case = Bad("fit sets state", ValueError, "bad", lambda e, _: call(_Sloppy().fit,
                                                                      np.ones((2, 3, 4))))
    _assert_harness_fails(case, tmp_path, r"added attributes \['n_chans_in_'\]")


def test_harness_catches_weights_changed_before_raising(tmp_path):
    layer = torch.nn.Linear(2, 2)

    def forward(x):
        with torch.no_grad():
            layer.weight.zero_()
        raise ValueError("x is bad")

    layer.forward = forward
    case = Bad("forward zeroes weights", ValueError, "bad", lambda e, _: call(layer, 1))
    _assert_harness_fails(case, tmp_path, "weights or train/eval mode changed")


def test_harness_catches_a_message_that_does_not_name_the_problem(tmp_path):
    case = Bad("vague message", ValueError, r"X has 3 channels",
               lambda e, _: call(_Sloppy().fit, np.ones((2, 3, 4))))
    _assert_harness_fails(case, tmp_path, "Regex pattern did not match")


def test_harness_catches_a_file_rewritten_by_a_failed_load(tmp_path):
    path = tmp_path / "ckpt.pt"
    path.write_bytes(b"old")

    def load(p):
        p.write_bytes(b"new")
        raise ValueError("bad checkpoint")

    case = Bad("load rewrites", ValueError, "bad", lambda e, _: call(load, path))
    _assert_harness_fails(case, tmp_path, r"modified its input")
