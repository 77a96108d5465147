"""Settings of a pretraining run: one frozen dataclass, the paper's optimiser by default."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..nn.config import PRESETS
from ..utils._check import _check_option
from ._objectives import get_objective
from ._synthetic import _check_families

#: The objective that measured best (doc/model_card.rst); 'official' is the paper's.
DEFAULT_OBJECTIVE = "spectral"
#: Precisions pretraining runs in: those of :data:`bptlearn.nn.PRECISIONS` that train
#: (bf16 through autocast; fp16 would need loss scaling, int8 does not train).
TRAIN_PRECISIONS = ("fp32", "bf16")
#: Fields that may change between a run and its resumption; every other one must match.
RESUMABLE = frozenset({"steps", "checkpoint_every", "progress", "num_threads", "device",
                       "log_format", "save_dtype"})


@dataclass(frozen=True)
class PretrainConfig:
    """Every knob of :func:`pretrain` (the paper's optimiser and schedule by default).

    Parameters
    ----------
    preset : str, default='nano'
        Model size (:data:`bptlearn.nn.PRESETS`).
    model_overrides : dict, default={}
        :class:`~bptlearn.nn.BPTConfig` fields changed from the preset.
    init : str or None, default=None
        Weights to start from (anything :func:`bptlearn.weights.load` accepts).
    objective : str or dict, default='spectral'
        A name of :data:`OBJECTIVES` or the fields of an :class:`Objective`. The default
        measured best on held-out patients (see the model card); ``'official'`` is the
        paper's objective (loss over all tokens, band power visible).
    learnable_mask : bool, default=True
        Train the mask tokens (as the released weights were).
    n_patches : int, default=15
        Patches per window (15 x 6 s = 90 s, as in the paper).
    batch_size : int, default=8
        Windows per batch and process (the paper: 8 boards per GPU).
    accum_steps : int, default=1
        Batches accumulated per optimiser step (the paper: 4).
    steps : int, default=1000
        Optimiser steps of the whole run (a resumed run may raise it).
    lr_min, lr_max : float, default=3e-6, 1e-5
        Bounds of the triangular cyclic learning rate (the paper's values).
    lr_step : int, default=8000
        Optimiser steps from ``lr_min`` to ``lr_max`` (the paper: 8000).
    betas : tuple of float, default=(0.9, 0.99)
        Adam's betas (the paper's).
    weight_decay : float, default=0.0
    clip_norm : float or None, default=1.0
        Gradient clipping by global norm (``None`` turns it off).
    precision : {'fp32', 'bf16'}, default='fp32'
        ``'bf16'`` runs forward passes under bf16 autocast (the paper's setting on GPU).
    device : str, default='cpu'
        ``'cpu'``, ``'cuda'`` or ``'cuda:N'``; under torchrun each rank takes its
        ``LOCAL_RANK`` GPU.
    seed : int, default=0
    checkpoint_every : int, default=100
        Steps between checkpoints (one is always written at the end).
    sfreq : float or None, default=None
        Rate of ``.npy`` recordings and arrays, in Hz.
    synthetic : int, default=0
        Add this many simulated patients (:func:`bptlearn.data.make_seeg`).
    synthetic_duration : float, default=600.0
        Seconds per simulated patient.
    synthetic_families : tuple of str, default=('seeg',)
        Generator families the simulated patients are shared among, in turn: ``'seeg'``
        (:func:`bptlearn.data.make_seeg`), ``'neural_mass'`` or ``'neural_mass:<model>'``
        (:func:`bptlearn.data.make_neural_mass`); see
        :func:`~bptlearn.pretraining.synthetic_recordings`.
    synthetic_randomize : bool, default=False
        Domain randomisation of every simulated patient
        (:func:`bptlearn.data.randomize_recording`: nuisances, events, montage, gain and
        a native rate of 100 Hz to 2 kHz, resampled to 250 Hz).
    log_format : {'csv', 'json'}, default='csv'
        ``log.csv``, or ``log.jsonl`` with one JSON object per step.
    progress : bool, default=True
        Show a tqdm bar with loss and tokens/s (rank 0 only).
    num_threads : int or None, default=None
        CPU threads for torch during the run (restored afterwards).
    save_dtype : {'float32', 'float16', 'bfloat16'}, default='float32'
        Storage dtype of the final ``model.safetensors`` (loading casts back to float32).

    Examples
    --------
    >>> from bptlearn.pretraining import PretrainConfig
    >>> cfg = PretrainConfig(steps=10, batch_size=2, objective="official")
    >>> cfg.preset, cfg.lr_max, cfg.to_dict()["betas"]
    ('nano', 1e-05, [0.9, 0.99])
    >>> PretrainConfig(batch_size=0)
    Traceback (most recent call last):
        ...
    ValueError: batch_size must be a positive int, got 0 instead.
    """

    preset: str = "nano"
    model_overrides: dict[str, Any] = field(default_factory=dict)
    init: str | None = None
    objective: str | dict[str, Any] = DEFAULT_OBJECTIVE
    learnable_mask: bool = True
    n_patches: int = 15
    batch_size: int = 8
    accum_steps: int = 1
    steps: int = 1000
    lr_min: float = 3e-6
    lr_max: float = 1e-5
    lr_step: int = 8000
    betas: tuple[float, float] = (0.9, 0.99)
    weight_decay: float = 0.0
    clip_norm: float | None = 1.0
    precision: str = "fp32"
    device: str = "cpu"
    seed: int = 0
    checkpoint_every: int = 100
    sfreq: float | None = None
    synthetic: int = 0
    synthetic_duration: float = 600.0
    synthetic_families: tuple[str, ...] = ("seeg",)
    synthetic_randomize: bool = False
    log_format: str = "csv"
    progress: bool = True
    num_threads: int | None = None
    save_dtype: str = "float32"

    def __post_init__(self) -> None:
        _check_option("preset", self.preset, PRESETS)
        _check_option("precision", self.precision, TRAIN_PRECISIONS)
        _check_option("log_format", self.log_format, ("csv", "json"))
        _check_option("save_dtype", self.save_dtype, ("float32", "float16", "bfloat16"))
        get_objective(self.objective)
        object.__setattr__(self, "synthetic_families", _check_families(self.synthetic_families))
        for name in ("n_patches", "batch_size", "accum_steps", "steps", "lr_step",
                     "checkpoint_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r} instead.")
        if not 0 < self.lr_min <= self.lr_max:
            raise ValueError(
                f"Need 0 < lr_min <= lr_max, got lr_min={self.lr_min}, lr_max={self.lr_max}."
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of the fields."""
        out = asdict(self)
        out["betas"] = list(self.betas)
        out["synthetic_families"] = list(self.synthetic_families)
        return out
