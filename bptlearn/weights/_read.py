"""Read Brant weights from any layout users bring, into our key layout (no model built)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torch import Tensor

from ..exceptions import CheckpointError
from ..nn.config import PRESETS
from ..utils._check import _validate_type
from ..utils._io import file_sha256
from ._convert import (
    Converted,
    braindecode_to_bptlearn,
    detect_layout,
    official_to_bptlearn,
    strip_ddp_prefix,
)
from ._hub import is_hub_source, read_hub, registered_path
from ._io import (
    FORMAT_KEY,
    FORMAT_VALUE,
    parse_metadata,
    read_safetensors,
    torch_load_safe,
)
from ._registry import (
    _REGISTRY,
    CONTRACT_FIELDS,
    PretrainedCfg,
    contract_from,
    get_pretrained_cfg,
)

logger = logging.getLogger(__name__)

#: ``format`` value of the training checkpoints written by :mod:`bptlearn.pretraining`.
TRAIN_FORMAT = "bptlearn-train"
_OFFICIAL_FILES = ("time_encoder.pt", "channel_encoder.pt")
_NAME_LIKE = re.compile(r"^bpt_\w+\.\w+$")


@dataclass
class Checkpoint:
    """What a weight source holds, in our key layout (see :func:`read_checkpoint`).

    Examples
    --------
    >>> from bptlearn.nn import BPTModel
    >>> from bptlearn.weights import read_checkpoint
    >>> model = BPTModel(preset="nano", d_model=32, nhead=2, dim_feedforward=64,
    ...                  n_temporal_layers=1, n_spatial_layers=1)
    >>> ckpt = read_checkpoint(model.state_dict())  # a Checkpoint
    >>> ckpt.format, ckpt.state_dict["embed.proj.weight"].shape, ckpt.pretrained_cfg
    ('bptlearn', torch.Size([32, 1500]), None)
    """

    state_dict: dict[str, Tensor]
    extras: dict[str, Tensor] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)
    config: dict[str, Any] | None = None
    pretrained_cfg: PretrainedCfg | None = None
    files: tuple[Path, ...] = ()
    format: str = "bptlearn"


def _preset_of(d_model: int, n_t: int, n_s: int) -> str:
    for name, sizes in PRESETS.items():
        if (sizes["d_model"], sizes["n_temporal_layers"], sizes["n_spatial_layers"]) == (
                d_model, n_t, n_s):
            return name
    return "custom"


def _file_cfg(base: PretrainedCfg | None, files: tuple[Path, ...], fmt: str,
              contract: Mapping[str, Any] | None, state: Mapping[str, Tensor],
              notes: str = "") -> PretrainedCfg:
    """A PretrainedCfg describing weights read from files the registry does not name."""
    proj = state.get("embed.proj.weight")
    n_t = len({k.split(".")[2] for k in state if k.startswith("temporal.layers.")})
    n_s = len({k.split(".")[2] for k in state if k.startswith("spatial.layers.")})
    preset = _preset_of(int(proj.shape[0]), n_t, n_s) if proj is not None else "custom"
    if base is None and fmt != "bptlearn":  # foreign weights: the authors' contract
        base = (_REGISTRY.get(f"bpt_{preset}.{fmt}") or _REGISTRY.get(f"bpt_{preset}.official")
                or _REGISTRY["bpt_large.official"])
    fields = (_stored_contract(contract, files) if contract is not None
              else (base.contract if base else {}))
    fields["channel_types"] = tuple(fields.get("channel_types", ("seeg",)))
    return PretrainedCfg(
        name=str(files[0]) if files else "<state dict>", preset=preset,
        files=tuple((p.name, None) for p in files), format=fmt,
        license=base.license if base else "", origin_url=base.origin_url if base else "",
        notes=notes or (base.notes if base else ""), **fields,
    )


def _stored_contract(contract: Any, files: tuple[Path, ...]) -> dict[str, Any]:
    """The input contract stored in a file, checked; a bad one names the file and the fix."""
    where = repr(str(files[0])) if files else "The state dict"
    fix = ("Re-save the weights with bptlearn.weights.save(model, path, contract={...}), or "
           "load the file's tensors with bptlearn.weights.load(safetensors.torch.load_file(...))")
    if not isinstance(contract, Mapping):
        raise CheckpointError(
            f"{where}: its stored input contract must be a JSON object with the fields "
            f"{list(CONTRACT_FIELDS)}, got a {type(contract).__name__} ({contract!r:.80}). "
            f"{fix}.")
    try:
        return dict(contract_from(dict(contract)))
    except (TypeError, ValueError) as err:
        raise CheckpointError(f"{where}: its stored input contract is invalid: {err} {fix}."
                              ) from None


def _read_file_pair(paths: tuple[Path, Path], map_location: Any) -> Converted:
    states = {}
    for p in paths:
        layout = detect_layout(sd := torch_load_safe(p, map_location))
        if layout not in ("official_time", "official_channel"):
            raise CheckpointError(
                f"{str(p)!r} is not an official Brant file (its keys look like the "
                f"{layout!r} layout, e.g. {list(sd)[:3]}); expected time_encoder.pt with "
                "input_embedding.* keys and channel_encoder.pt with proj_out.* keys."
            )
        states[layout] = sd
    if len(states) != 2:
        raise CheckpointError(
            f"{[str(p) for p in paths]} are not one time_encoder.pt and one "
            "channel_encoder.pt: both hold the same part of the model."
        )
    return official_to_bptlearn(states["official_time"], states["official_channel"])


def _sibling_pair(path: Path, layout: str) -> tuple[Path, Path]:
    other = "channel_encoder.pt" if layout == "official_time" else "time_encoder.pt"
    sibling = path.with_name(other)
    if not sibling.is_file():
        raise CheckpointError(
            f"{str(path)!r} is one half of an official Brant checkpoint; its other half "
            f"{other!r} is not beside it in {str(path.parent)!r}. Put both files in one folder "
            "and pass the folder, or pass the two paths as a tuple."
        )
    return (path, sibling) if layout == "official_time" else (sibling, path)


def _read_state(state: Mapping[str, Any], name: str) -> tuple[Converted, str]:
    """Convert an in-memory state dict of any layout; returns (converted, format)."""
    layout = detect_layout(state)
    if layout == "braindecode":
        return braindecode_to_bptlearn(state), "braindecode"
    if layout == "bptlearn":
        return Converted(strip_ddp_prefix(state), {}, []), "bptlearn"
    if layout in ("official_time", "official_channel"):
        raise CheckpointError(
            f"{name} holds only the {layout.split('_')[1]} half of an official Brant "
            "checkpoint; pass both files (a folder holding time_encoder.pt and "
            "channel_encoder.pt, or a tuple of the two paths)."
        )
    raise CheckpointError(
        f"{name} is not a Brant state dict: none of its keys ({list(state)[:4]} ...) match the "
        "bptlearn (embed.*, temporal.*), official (input_embedding.*, trans_enc.*) or "
        "braindecode (temporal_encoder.*) layouts."
    )


def _read_path(path: Path, map_location: Any) -> Checkpoint:
    """Read one file or folder of any supported layout."""
    if path.is_dir():
        if all((path / f).is_file() for f in _OFFICIAL_FILES):
            pair = (path / _OFFICIAL_FILES[0], path / _OFFICIAL_FILES[1])
            conv = _read_file_pair(pair, map_location)
            return Checkpoint(*conv, files=pair, format="official")
        candidates = sorted(path.glob("*.safetensors"))
        if len(candidates) != 1:
            raise CheckpointError(
                f"Folder {str(path)!r} holds no checkpoint bptlearn can pick: it needs "
                "time_encoder.pt and channel_encoder.pt (official), or exactly one "
                f".safetensors file (found {[c.name for c in candidates]}). Pass a file path."
            )
        path = candidates[0]
    if not path.is_file():
        raise CheckpointError(f"Checkpoint file {str(path)!r} does not exist.")
    if path.suffix == ".safetensors":
        tensors, raw_meta = read_safetensors(path, map_location)
        if raw_meta.get(FORMAT_KEY) == FORMAT_VALUE:
            meta = parse_metadata(raw_meta, path)
            return Checkpoint(tensors, config=meta.get("config"), files=(path,),
                              pretrained_cfg=_file_cfg(None, (path,), "bptlearn",
                                                       meta.get("contract"), tensors,
                                                       meta.get("notes", "")))
        conv, fmt = _read_state(tensors, repr(str(path)))
        return Checkpoint(*conv, files=(path,), format=fmt)
    obj = torch_load_safe(path, map_location)
    if isinstance(obj, Mapping) and obj.get(FORMAT_KEY) == TRAIN_FORMAT:
        state = obj.get("model")
        if not isinstance(state, Mapping):
            raise CheckpointError(
                f"{str(path)!r} is a bptlearn training checkpoint without a 'model' state dict "
                f"(keys {sorted(map(str, obj))}); the file is damaged or was written by another "
                "tool.")
        return Checkpoint(dict(state), config=obj.get("config"), files=(path,),
                          pretrained_cfg=_file_cfg(None, (path,), "bptlearn",
                                                   obj.get("contract"), state))
    if not isinstance(obj, Mapping):
        raise CheckpointError(
            f"{str(path)!r} holds a {type(obj).__name__}, not a state dict of tensors."
        )
    layout = detect_layout(obj)
    if layout in ("official_time", "official_channel"):
        pair = _sibling_pair(path, layout)
        conv = _read_file_pair(pair, map_location)
        return Checkpoint(*conv, files=pair, format="official")
    conv, fmt = _read_state(obj, repr(str(path)))
    return Checkpoint(*conv, files=(path,), format=fmt)


def _registered_files(cfg: PretrainedCfg, path: Any) -> tuple[Path, ...]:
    """The files of a registered entry, from ``path`` or the default folder, hash-checked."""
    if isinstance(path, (tuple, list)):
        files = tuple(Path(p) for p in path)
    elif path is not None and Path(path).is_file() and len(cfg.files) == 1:
        files = (Path(path),)
    else:
        folder = Path(path) if path is not None else cfg.default_dir
        files = tuple(folder / fname for fname, _ in cfg.files)
    missing = [str(p) for p in files if not p.is_file()]
    if missing or len(files) != len(cfg.files):
        where = Path(path) if path is not None else cfg.default_dir
        source = f"Get them from {cfg.origin_url}" if cfg.origin_url else "Get them"
        if cfg.packaged and path is None:
            raise CheckpointError(
                f"The weights {cfg.name!r} ship inside bptlearn, but {missing} is missing: "
                "this installation is incomplete. Reinstall bptlearn (pip install "
                "--force-reinstall bptlearn), or pass path= to a copy of the file."
            )
        raise CheckpointError(
            f"The weights {cfg.name!r} need the file(s) {[f for f, _ in cfg.files]}, which are "
            f"not in {str(where)!r} (missing: {missing}). bptlearn never downloads: "
            f"{source} and put them in {str(cfg.default_dir)!r}, or pass "
            f"path='folder holding them' (e.g. load({cfg.name!r}, path=...))."
        )
    for p, (fname, expected) in zip(files, cfg.files, strict=True):
        if expected is None:
            logger.info("%s: no published SHA-256 for %s; not verified", cfg.name, fname)
            continue
        got = file_sha256(p)
        if got != expected:
            raise CheckpointError(
                f"{str(p)!r} is not the registered file of {cfg.name!r}: its SHA-256 is {got}, "
                f"the registry expects {expected}. The file is damaged or a different one; "
                "copy it again, or load it by path to skip the check."
            )
    return files


def read_checkpoint(source: Any, *, path: Any = None, map_location: Any = "cpu") -> Checkpoint:
    """Read weights from any supported source without building a model.

    Parameters
    ----------
    source : str, path-like, tuple of two paths, or mapping
        See :func:`load`.
    path : path-like or tuple of two path-likes or None, default=None
        For a registered name: the folder (or file(s)) holding its files.
    map_location : str or torch.device, default='cpu'
        Where the tensors are loaded.

    Returns
    -------
    checkpoint : Checkpoint
        ``state_dict`` in bptlearn's key layout, ``extras`` (e.g. braindecode's seizure
        head ``final_layer.mlp.*``), ``unexpected`` keys, the stored ``config`` (ours only),
        ``pretrained_cfg`` (the input contract; ``None`` for a bare state dict), the
        ``files`` read, and their ``format``.

    Examples
    --------
    >>> from bptlearn.weights import read_checkpoint
    >>> ckpt = read_checkpoint("bpt_nano.shipped")
    >>> ckpt.format, [p.name for p in ckpt.files], ckpt.config["d_model"]
    ('bptlearn', ['bpt_nano.shipped.safetensors'], 128)
    >>> ckpt.pretrained_cfg.sfreq, ckpt.pretrained_cfg.patch_len
    (250.0, 1500)
    """
    if isinstance(source, Mapping):
        conv, fmt = _read_state(source, "The state dict")
        return Checkpoint(*conv, format=fmt)
    if isinstance(source, (tuple, list)):
        if len(source) != 2:
            raise CheckpointError(
                f"A tuple source must hold the two official files (time_encoder.pt, "
                f"channel_encoder.pt), got {len(source)} item(s)."
            )
        pair = (Path(source[0]), Path(source[1]))
        ckpt = Checkpoint(*_read_file_pair(pair, map_location), files=pair, format="official")
    else:
        _validate_type(source, ("path-like", Mapping, tuple, list), "source")
        if is_hub_source(source):
            return read_hub(source, map_location)
        if isinstance(source, str) and source in _REGISTRY:
            cfg = get_pretrained_cfg(source)
            files = _registered_files(cfg, registered_path(cfg, path))
            if cfg.format == "official":
                ckpt = Checkpoint(*_read_file_pair(files, map_location), files=files,
                                  format="official")
            else:
                ckpt = _read_path(files[0], map_location)
            ckpt.pretrained_cfg = cfg
            return ckpt
        p = Path(source)
        bare = isinstance(source, str) and "/" not in source and os.sep not in source
        if bare and not p.exists() and (_NAME_LIKE.match(source) or not p.suffix):
            get_pretrained_cfg(source)  # raises: unknown name, with suggestions
        ckpt = _read_path(p, map_location)
    if ckpt.pretrained_cfg is None and ckpt.format in ("official", "braindecode"):
        ckpt.pretrained_cfg = _file_cfg(None, ckpt.files, ckpt.format, None, ckpt.state_dict)
    return ckpt


