"""Masked-reconstruction pretraining of Brant, from a laptop CPU to many GPUs.

:func:`pretrain` (also ``bptlearn pretrain``) reads a folder or manifest of recordings
and/or simulated patients, cuts windows on the fly (batches share a channel count),
scales each recording's channels robustly, and trains with the paper's optimiser and
cyclic learning rate, gradient accumulation, clipping, optional bf16 autocast and
DistributedDataParallel under ``torchrun``. Checkpoints are atomic and resumable to the
bit on CPU. The objective is a choice (:data:`OBJECTIVES`): the paper's, or variants that
score only masked tokens, hide their band power, or also predict their spectrum.
"""

from ._config import DEFAULT_OBJECTIVE, PretrainConfig
from ._data import Recording, collate, load_recordings, make_recording, plan_epoch
from ._loop import pretrain
from ._objectives import (
    OBJECTIVES,
    Objective,
    PretrainModule,
    SpectralHead,
    get_objective,
    random_mask,
    spectral_target,
)

__all__ = [
    "DEFAULT_OBJECTIVE",
    "OBJECTIVES",
    "Objective",
    "PretrainConfig",
    "PretrainModule",
    "Recording",
    "SpectralHead",
    "collate",
    "get_objective",
    "load_recordings",
    "make_recording",
    "plan_epoch",
    "pretrain",
    "random_mask",
    "spectral_target",
]
