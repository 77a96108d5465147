"""Build a model from weights of any layout; save ours with their input contract."""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Any

import torch
from torch import Tensor
from torch.overrides import TorchFunctionMode

from .._version import __version__
from ..exceptions import CheckpointError
from ..nn.config import PRESETS, BPTConfig
from ..nn.model import BPTModel
from ..utils._check import _check_option, _validate_type
from ._convert import infer_config
from ._io import FORMAT_KEY, FORMAT_VALUE, FORMAT_VERSION, write_safetensors
from ._read import Checkpoint, _preset_of, read_checkpoint
from ._registry import _REGISTRY, check_contract_fits, contract_from

logger = logging.getLogger(__name__)


def _build_config(ckpt: Checkpoint, overrides: dict[str, Any], source_name: str) -> BPTConfig:
    preset = overrides.pop("preset", None)
    if preset is not None:
        _check_option("preset", preset, PRESETS)
        overrides = {**PRESETS[preset], **overrides}
    base: dict[str, Any] = dict(ckpt.config or {})
    if ckpt.pretrained_cfg is not None and not ckpt.config:
        base.update(band_sfreq=ckpt.pretrained_cfg.band_sfreq,
                    learnable_mask=ckpt.format == "official")
    if ckpt.pretrained_cfg is not None and ckpt.pretrained_cfg.preset in PRESETS:
        base.setdefault("nhead", PRESETS[ckpt.pretrained_cfg.preset].get("nhead", 16))
    merged = {**base, **overrides}
    try:
        return infer_config(ckpt.state_dict, source=source_name, **merged)
    except CheckpointError as err:
        if preset is None:
            raise
        got = infer_config(ckpt.state_dict, source=source_name, nhead=1)
        have = _preset_of(got.d_model, got.n_temporal_layers, got.n_spatial_layers)
        want = PRESETS[preset]["d_model"]
        if have in PRESETS:
            fix = (f"Build it with preset={have!r}, or load it by name with "
                   f"bptlearn.weights.load('bpt_{have}.official', path=...), which takes the "
                   "preset from the name.")
        else:  # a size of its own: the shapes fix every field but nhead
            fix = "Leave preset out: the model is then sized from the file's shapes."
        raise CheckpointError(
            f"{source_name} holds weights with d_model={got.d_model} (preset {have!r}), but the "
            f"model was built with preset={preset!r} (d_model={want}). {fix}"
        ) from err


def _names(keys: list[str]) -> str:
    return ", ".join(keys[:8]) + (f" and {len(keys) - 8} more" if len(keys) > 8 else "")


# in-place ops that change values only: skipped when a model is built for its shapes
_VALUE_OPS = frozenset({"normal_", "uniform_", "erfinv_", "random_", "exponential_",
                        "bernoulli_", "mul_", "add_", "clamp_", "fill_", "zero_", "copy_"})


class _NoDraws(TorchFunctionMode):
    """Random draws and value-only in-place ops are skipped: on the meta device they cost
    seconds of one-off imports (``normal_`` loads torch._dynamo), and a model built for its
    shapes needs no values."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is torch.randn:
            func = torch.empty
        elif getattr(func, "__name__", "") in _VALUE_OPS:
            target = (*args, *kwargs.values(), None)[0]  # nn.init passes it by keyword
            if isinstance(target, Tensor):
                return target
        return func(*args, **kwargs)


def _meta_model(config: BPTConfig) -> BPTModel:
    """``BPTModel(config)`` on the meta device: every shape, no memory."""
    with torch.device("meta"), _NoDraws():
        return BPTModel(config)


@functools.lru_cache(maxsize=64)
def _n_params(config: BPTConfig) -> int:
    """Numbers in ``BPTModel(config).state_dict()``, counted on one-layer meta models."""
    one = config.replace(n_temporal_layers=1, n_spatial_layers=1)
    sizes = {k: v.numel() for k, v in _meta_model(one).state_dict().items()}
    per = {w: sum(n for k, n in sizes.items() if k.startswith(f"{w}.layers.0."))
           for w in ("temporal", "spatial")}
    return (sum(sizes.values()) + (config.n_temporal_layers - 1) * per["temporal"]
            + (config.n_spatial_layers - 1) * per["spatial"])


def _largest_preset_params() -> int:
    """Parameter count of the largest preset: the default bound of :func:`load`."""
    return max(_n_params(BPTConfig.preset(name)) for name in PRESETS)


def _check_size(config: BPTConfig, max_params: int | None, source_name: str) -> None:
    """Refuse, before allocating, a model larger than ``max_params`` (default: largest preset)."""
    limit = _largest_preset_params() if max_params is None else int(max_params)
    n = _n_params(config)
    if n > limit:
        which = " (the largest preset, 'large')" if max_params is None else ""
        raise CheckpointError(
            f"{source_name} implies a model of {n / 1e6:,.2f} M parameters (d_model="
            f"{config.d_model}, {config.n_temporal_layers} temporal layers, "
            f"{config.n_spatial_layers} spatial layers, dim_feedforward="
            f"{config.dim_feedforward}, patch_len={config.patch_len}), more than "
            f"max_params={limit}{which}. The file is damaged or crafted; if you trust it, "
            f"pass max_params={n} to build it anyway."
        )


def _check_state(own: dict[str, Tensor], state: dict[str, Tensor], unexpected: list[str],
                 strict: bool, source_name: str, d_model: int) -> None:
    """Check a state dict against the tensors of a (meta) model; nothing is allocated."""
    missing = [k for k in own if k not in state]
    unexpected = unexpected + [k for k in state if k not in own]
    bad = [f"{k}: file {tuple(state[k].shape)} vs model {tuple(own[k].shape)}"
           for k in state if k in own and state[k].shape != own[k].shape]
    if bad:
        raise CheckpointError(
            f"{source_name} does not fit a {d_model}-wide model: shapes differ for "
            f"{_names(bad)}. The file is damaged or mixes two model sizes."
        )
    if strict and (missing or unexpected):
        parts = [f"missing keys: {_names(missing)}" if missing else "",
                 f"unexpected keys: {_names(unexpected)}" if unexpected else ""]
        raise CheckpointError(
            f"{source_name} does not match the model ({'; '.join(p for p in parts if p)}). "
            "The file is truncated or of another layout; pass strict=False to load the "
            "matching tensors only."
        )
    cast = [f"{k} (stored as {v.dtype})" for k, v in state.items()
            if k in own and own[k].is_floating_point() and not v.is_floating_point()]
    if cast:
        raise CheckpointError(
            f"{source_name} stores float weights as another dtype: {_names(cast)}. A bool or "
            "integer copy of float weights has lost their values; use the file the weights "
            "were saved to in a float dtype (float32, float16 or bfloat16)."
        )
    corrupt = [k for k, v in state.items() if k in own and v.is_floating_point()
               and not bool(torch.isfinite(v).all())]
    if corrupt:
        raise CheckpointError(
            f"{source_name} holds NaN or infinite values in {_names(corrupt)}: the weights are "
            "corrupted (e.g. a diverged run). Use an earlier checkpoint."
        )
    if missing or unexpected:
        logger.warning("%s: loaded with strict=False; missing %s, unexpected %s",
                       source_name, missing, unexpected)


def _copy_state(model: BPTModel, state: dict[str, Tensor]) -> None:
    own = model.state_dict()
    with torch.no_grad():
        for k, v in state.items():
            if k in own:
                own[k].copy_(v.to(own[k].dtype))


def load(source: Any, *, path: Any = None, strict: bool = True, map_location: Any = "cpu",
         max_params: int | None = None, **config_overrides: Any) -> BPTModel:
    """Build a :class:`~bptlearn.nn.BPTModel` holding pretrained weights.

    Parameters
    ----------
    source : str, path-like, tuple of two paths, or mapping
        A registered name (:func:`list_pretrained`, e.g. ``'bpt_nano.shipped'``,
        ``'bpt_large.official'``); a ``.safetensors`` file written by :func:`save`; a
        training checkpoint of ``bptlearn pretrain``; the official two files (a folder
        holding ``time_encoder.pt`` and ``channel_encoder.pt``, or a tuple of the two
        paths, with or without the DDP ``module.`` prefix); braindecode's
        ``model.safetensors``; or a state dict already in memory.
    path : path-like or tuple or None, default=None
        For a registered name whose files are not shipped: where they are.
    strict : bool, default=True
        Refuse files with missing or unexpected keys (shapes are always checked).
    map_location : str or torch.device, default='cpu'
        Device of the returned model.
    max_params : int or None, default=None
        Most parameters the file may imply; ``None`` bounds it by the largest preset
        (``'large'``, 505.69 M). The key set, the shapes and this count are checked on the
        meta device before any memory is allocated, so a small crafted file cannot make
        ``load`` build a huge model. Raise it only for files you trust.
    **config_overrides
        :class:`~bptlearn.nn.BPTConfig` fields the shapes do not fix (``nhead``, default 16
        for foreign files; ``dropout``; ``band_sfreq``, default 256 for the official and
        braindecode weights, for parity), or ``preset`` to insist on a size.

    Returns
    -------
    model : BPTModel
        In eval mode, with ``model.pretrained_cfg`` (a :class:`PretrainedCfg` holding the
        input contract; ``None`` for a bare state dict).

    Raises
    ------
    CheckpointError
        Missing, truncated, unsafe, hash-mismatched or ill-fitting files, each named.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.weights import load
    >>> model = load("bpt_nano.shipped")
    >>> model.pretrained_cfg.sfreq, model.pretrained_cfg.normalization
    (250.0, 'robust_channel')
    >>> model(torch.randn(1, 3, 2, 1500)).shape
    torch.Size([1, 3, 2, 128])
    """
    _validate_type(strict, bool, "strict")
    _validate_type(max_params, ("int-like", None), "max_params")
    ckpt = read_checkpoint(source, path=path, map_location="cpu")
    name = (repr(str(ckpt.files[0])) if len(ckpt.files) == 1 else
            str([p.name for p in ckpt.files]) if ckpt.files else "The state dict")
    if isinstance(source, str) and source in _REGISTRY:
        name = f"{source!r} ({name})"
    config = _build_config(ckpt, dict(config_overrides), name)
    registered = ckpt.pretrained_cfg
    if registered is not None and registered.preset in PRESETS:
        want = PRESETS[registered.preset]
        if (config.d_model, config.n_temporal_layers) != (want["d_model"],
                                                          want["n_temporal_layers"]):
            raise CheckpointError(
                f"{name} is registered as preset {registered.preset!r} "
                f"(d_model={want['d_model']}) but holds weights with d_model={config.d_model} "
                f"and {config.n_temporal_layers} temporal layers: the files belong to another "
                "size. Load them by path, or put the right files in place."
            )
    if ckpt.config is not None and ckpt.pretrained_cfg is not None:  # our files: a contract
        try:
            check_contract_fits(ckpt.pretrained_cfg.contract, config)
        except ValueError as err:
            raise CheckpointError(f"{name}: {err}") from None
    _check_size(config, max_params, name)  # before anything is allocated
    _check_state(_meta_model(config).state_dict(), ckpt.state_dict, ckpt.unexpected, strict, name,
                 config.d_model)
    model = BPTModel(config)
    _copy_state(model, ckpt.state_dict)
    if ckpt.extras:
        logger.warning("%s also holds %d tensor(s) that BPTModel has no place for (%s); get "
                       "them with bptlearn.weights.read_checkpoint(...).extras", name,
                       len(ckpt.extras), ", ".join(sorted(ckpt.extras)[:4]))
    model.pretrained_cfg = ckpt.pretrained_cfg
    return model.to(map_location).eval()


def save(model: BPTModel, path: str | os.PathLike, *, contract: Any = None, notes: str = "",
         dtype: torch.dtype | None = None) -> Path:
    """Write a model as one ``.safetensors`` file carrying its config and input contract.

    Parameters
    ----------
    model : BPTModel
        The model to save (the reconstruction head is kept).
    path : path-like
        Destination, normally ending in ``.safetensors``. Written atomically.
    contract : dict or PretrainedCfg or None, default=None
        The input the weights expect (:data:`CONTRACT_FIELDS`). ``None`` takes
        ``model.pretrained_cfg`` when set, else the model's rates and patch sizes with
        ``normalization='robust_channel'`` (what :mod:`bptlearn.pretraining` applies).
    notes : str, default=''
        Free text stored in the header (how the weights were made).
    dtype : torch.dtype or None, default=None
        Storage dtype of floating tensors (e.g. ``torch.float16`` halves the file);
        :func:`load` casts back to float32.

    Returns
    -------
    path : pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from bptlearn.nn import BPTModel
    >>> from bptlearn.weights import load, save
    >>> folder = tempfile.TemporaryDirectory()
    >>> p = save(BPTModel(preset="nano"), pathlib.Path(folder.name) / "m.safetensors",
    ...          contract={"normalization": "zscore_window"})
    >>> load(p).pretrained_cfg.normalization
    'zscore_window'
    >>> folder.cleanup()
    """
    _validate_type(model, BPTModel, "model")
    _validate_type(path, "path-like", "path")
    _validate_type(notes, "str", "notes")
    cfg = model.config
    if contract is None:
        contract = model.pretrained_cfg or {
            "sfreq": cfg.sfreq, "patch_len": cfg.patch_len, "n_patches": cfg.n_patches,
            "band_sfreq": cfg.band_sfreq}
    if isinstance(contract, dict):  # fields left out describe the model itself
        contract = {"sfreq": cfg.sfreq, "patch_len": cfg.patch_len, "n_patches": cfg.n_patches,
                    "band_sfreq": cfg.band_sfreq, **contract}
    contract = contract_from(contract)
    check_contract_fits(contract, cfg)
    state = model.state_dict()
    if dtype is not None:
        state = {k: v.to(dtype) if v.is_floating_point() else v for k, v in state.items()}
    metadata = {FORMAT_KEY: FORMAT_VALUE, "format_version": FORMAT_VERSION,
                "config": cfg.to_dict(), "contract": contract, "notes": notes,
                "bptlearn_version": __version__}
    return write_safetensors(path, state, metadata)
