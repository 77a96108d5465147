"""Patient-wise evaluation: leakage-safe splitters and low-label learning curves.

Windows of one patient are correlated, and overlapping windows share samples, so a
random split overstates every score. Split by patient with
:class:`sklearn.model_selection.GroupKFold` (``groups`` = patient ids), split in time
within patients with :class:`PatientTimeSplit`, and keep skorch's internal
validation patient-wise with :class:`GroupValidSplit`. Where windows were cut at the
same moment from neighbouring contacts (as in some public sets), group the siblings
with :func:`correlated_groups` first.
"""

from ._low_label import low_label_curve
from ._siblings import correlated_groups
from ._split import GroupValidSplit, PatientTimeSplit

__all__ = ["GroupValidSplit", "PatientTimeSplit", "correlated_groups", "low_label_curve"]
