"""Data layer: synthetic SEEG, MNE objects and files in, model windows out.

NumPy, SciPy and MNE only: nothing here imports torch or scikit-learn.
"""

from ._labels import SEIZURE_REGEX, annotations_to_labels
from ._preprocess import VOLTAGE_TYPES
from ._readers import RECORDING_EXTENSIONS, read_bids, read_manifest, read_recording
from ._reference import (
    REFERENCE_METHODS,
    parse_contact,
    reference_matrix,
    rereference,
    rereference_mne,
)
from ._scaling import FLAT_SCALE, robust_channel_stats
from ._stream import iter_windows
from ._synthetic import SEEGRecording, make_seeg
from ._synthetic_windows import make_seeg_windows
from ._windows import Windows, to_windows

__all__ = [
    "FLAT_SCALE",
    "RECORDING_EXTENSIONS",
    "REFERENCE_METHODS",
    "SEEGRecording",
    "SEIZURE_REGEX",
    "VOLTAGE_TYPES",
    "Windows",
    "annotations_to_labels",
    "iter_windows",
    "make_seeg",
    "make_seeg_windows",
    "parse_contact",
    "read_bids",
    "read_manifest",
    "read_recording",
    "reference_matrix",
    "rereference",
    "rereference_mne",
    "robust_channel_stats",
    "to_windows",
]
