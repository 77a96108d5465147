"""Masked-reconstruction pretraining of Brant, from a laptop CPU to many GPUs.

:func:`pretrain` (also ``bptlearn pretrain``) reads a folder or manifest of recordings
and/or simulated patients, cuts windows on the fly (batches share a channel count),
scales each recording's channels robustly, and trains with the paper's optimiser and
cyclic learning rate, gradient accumulation, clipping, optional bf16 autocast and
DistributedDataParallel under ``torchrun``. Checkpoints are atomic and resumable to the
bit on CPU. The objective is a choice (:data:`OBJECTIVES`): the paper's, or variants that
score only masked tokens, hide their band power, or also predict their spectrum; options
add auxiliary heads for the events simulators mark (:data:`EVENT_NAMES`) and a VICReg-style
variance-covariance regulariser. Simulated patients may mix generator families
(:func:`synthetic_recordings`).
"""

from ..nn.masking import random_mask
from ._config import DEFAULT_OBJECTIVE, TRAIN_PRECISIONS, PretrainConfig
from ._data import (
    Recording,
    collate,
    collate_events,
    load_recordings,
    make_recording,
    plan_epoch,
)
from ._loop import pretrain
from ._objectives import (
    EVENT_NAMES,
    OBJECTIVES,
    EventHead,
    Objective,
    PretrainModule,
    SpectralHead,
    event_loss,
    get_objective,
    spectral_target,
    variance_covariance,
)
from ._synthetic import synthetic_recordings

__all__ = [
    "DEFAULT_OBJECTIVE",
    "EVENT_NAMES",
    "OBJECTIVES",
    "TRAIN_PRECISIONS",
    "EventHead",
    "Objective",
    "PretrainConfig",
    "PretrainModule",
    "Recording",
    "SpectralHead",
    "collate",
    "collate_events",
    "event_loss",
    "get_objective",
    "load_recordings",
    "make_recording",
    "plan_epoch",
    "pretrain",
    "random_mask",
    "spectral_target",
    "synthetic_recordings",
    "variance_covariance",
]
