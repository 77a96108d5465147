"""Small helpers shared by every layer of bptlearn."""

from ._check import _check_option, _check_sfreq, _validate_type

__all__ = ["_check_option", "_check_sfreq", "_validate_type"]
