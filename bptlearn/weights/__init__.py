"""Pretrained Brant weights: a registry of named weights, safe loading, converters.

``load(name_or_path)`` builds a :class:`~bptlearn.nn.BPTModel` from a registered name
(``'bpt_nano.shipped'``, the default shipped with the package; ``'bpt_large.official'``
once you have the authors' files), our ``.safetensors`` files, training checkpoints of
``bptlearn pretrain``, the official two-file layout or braindecode's ``model.safetensors``.
Every file bptlearn writes carries its input contract (rate, patch length, band-power rate,
normalisation, channel types); registered files are checked against their SHA-256.
Nothing here downloads, and nothing is ever unpickled beyond tensors.
"""

from ..utils._io import atomic_write, file_sha256
from ._convert import (
    Converted,
    braindecode_to_bptlearn,
    detect_layout,
    infer_config,
    official_to_bptlearn,
    strip_ddp_prefix,
)
from ._io import torch_load_safe
from ._load import load, save
from ._read import TRAIN_FORMAT, Checkpoint, read_checkpoint
from ._registry import (
    CONTRACT_FIELDS,
    DEFAULT_WEIGHTS,
    FORMATS,
    NORMALIZATIONS,
    PACKAGE_DIR,
    PretrainedCfg,
    get_pretrained_cfg,
    list_pretrained,
    weights_home,
)

__all__ = [
    "CONTRACT_FIELDS",
    "DEFAULT_WEIGHTS",
    "FORMATS",
    "NORMALIZATIONS",
    "PACKAGE_DIR",
    "TRAIN_FORMAT",
    "Checkpoint",
    "Converted",
    "PretrainedCfg",
    "atomic_write",
    "braindecode_to_bptlearn",
    "detect_layout",
    "file_sha256",
    "get_pretrained_cfg",
    "infer_config",
    "list_pretrained",
    "load",
    "official_to_bptlearn",
    "read_checkpoint",
    "save",
    "strip_ddp_prefix",
    "torch_load_safe",
    "weights_home",
]
