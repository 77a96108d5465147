"""Data layer: synthetic SEEG, MNE objects and files in, model windows out.

NumPy, SciPy and MNE only: nothing here imports torch or scikit-learn.
"""

from ._labels import SEIZURE_REGEX, annotations_to_labels
from ._neural_mass import make_neural_mass
from ._preprocess import VOLTAGE_TYPES
from ._randomize import NATIVE_RATES, randomize_recording
from ._readers import RECORDING_EXTENSIONS, read_bids, read_manifest, read_recording
from ._recording import SEEGRecording
from ._reference import (
    REFERENCE_METHODS,
    parse_contact,
    reference_matrix,
    rereference,
    rereference_mne,
)
from ._resample import resample, resample_ratio
from ._scaling import FLAT_SCALE, robust_channel_stats, scale_by_recording
from ._stream import iter_windows
from ._synthetic import make_seeg
from ._synthetic_windows import make_neural_mass_windows, make_seeg_windows
from ._walk import RecordingSource, list_recordings
from ._windows import Windows, to_windows

__all__ = [
    "FLAT_SCALE",
    "NATIVE_RATES",
    "RECORDING_EXTENSIONS",
    "REFERENCE_METHODS",
    "RecordingSource",
    "SEEGRecording",
    "SEIZURE_REGEX",
    "VOLTAGE_TYPES",
    "Windows",
    "annotations_to_labels",
    "iter_windows",
    "list_recordings",
    "make_neural_mass",
    "make_neural_mass_windows",
    "make_seeg",
    "make_seeg_windows",
    "parse_contact",
    "randomize_recording",
    "read_bids",
    "read_manifest",
    "read_recording",
    "reference_matrix",
    "rereference",
    "rereference_mne",
    "resample",
    "resample_ratio",
    "robust_channel_stats",
    "scale_by_recording",
    "to_windows",
]
