"""The one key map between the official / braindecode layouts and ours.

Pure functions from state dict to state dict; no I/O. The map, official -> bptlearn:

==========================================  =============================================
official / braindecode key                  bptlearn key
==========================================  =============================================
``module.<key>`` (DDP)                      ``<key>`` (prefix stripped)
``input_embedding.proj.0.<w|b>``            ``embed.proj.<w|b>``
``input_embedding.<name>``                  ``embed.<name>``
``trans_enc.layers.i.<k>`` (time file)      ``temporal.layers.i.<k>``
``trans_enc.layers.i.<k>`` (channel file)   ``spatial.layers.i.<k>``
``proj_out.0.<w|b>`` (channel file)         ``rec_head.<w|b>``
``...self_attn.in_proj_weight``             ``...self_attn.in_proj.weight``
``...self_attn.in_proj_bias``               ``...self_attn.in_proj.bias``
``temporal_encoder.<time key>``             as the time file (braindecode)
``spatial_encoder.<channel key>``           as the channel file (braindecode)
``final_layer.mlp.*``                       returned in ``extras`` (seizure head)
==========================================  =============================================

braindecode drops the two mask tokens; :func:`braindecode_to_bptlearn` restores them as
zeros (they only matter for pretraining).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

import torch
from torch import Tensor

from ..exceptions import CheckpointError
from ..nn.config import BPTConfig

_LAYER = re.compile(r"^trans_enc\.layers\.(\d+)\.(.+)$")
_OURS_LAYER = re.compile(r"^(temporal|spatial)\.layers\.(\d+)\.")


class Converted(NamedTuple):
    """Result of a key-map conversion.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.weights import braindecode_to_bptlearn
    >>> state_dict, extras, unexpected = braindecode_to_bptlearn(
    ...     {"final_layer.mlp.0.bias": torch.zeros(2), "norm.weight": torch.ones(2)})
    >>> state_dict, list(extras), unexpected
    ({}, ['final_layer.mlp.0.bias'], ['norm.weight'])
    """

    state_dict: dict[str, Tensor]
    """Tensors under bptlearn's key names."""
    extras: dict[str, Tensor]
    """Known tensors that are not part of :class:`~bptlearn.nn.BPTModel` (a seizure head)."""
    unexpected: list[str]
    """Keys of the source that have no place in either."""


def strip_ddp_prefix(state_dict: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """Drop the ``module.`` prefix that DistributedDataParallel adds to every key.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.weights import strip_ddp_prefix
    >>> list(strip_ddp_prefix({"module.proj_out.0.bias": torch.zeros(2)}))
    ['proj_out.0.bias']
    """
    return {k.removeprefix("module."): v for k, v in state_dict.items()}


def _layer_key(rest: str) -> str:
    if rest == "self_attn.in_proj_weight":
        return "self_attn.in_proj.weight"
    if rest == "self_attn.in_proj_bias":
        return "self_attn.in_proj.bias"
    return rest


def _map_official_key(key: str, encoder: str) -> str | None:
    """Our name of one official key of the ``'time'`` or ``'channel'`` file, or None."""
    layer = _LAYER.match(key)
    if layer:
        prefix = "temporal" if encoder == "time" else "spatial"
        return f"{prefix}.layers.{layer.group(1)}.{_layer_key(layer.group(2))}"
    if encoder == "time" and key.startswith("input_embedding."):
        name = key.removeprefix("input_embedding.")
        return "embed." + (name.replace("proj.0.", "proj.", 1) if name.startswith("proj.0.")
                           else name)
    if encoder == "channel" and key.startswith("proj_out.0."):
        return "rec_head." + key.removeprefix("proj_out.0.")
    return None


def official_to_bptlearn(time_state: Mapping[str, Tensor],
                         channel_state: Mapping[str, Tensor]) -> Converted:
    """Map the official two state dicts (``time_encoder.pt``, ``channel_encoder.pt``) to ours.

    A ``module.`` prefix (DDP) is stripped from either.

    Parameters
    ----------
    time_state, channel_state : mapping of str to torch.Tensor
        The two state dicts as saved by the official code.

    Returns
    -------
    converted : Converted
        ``state_dict`` in our names, ``extras`` (empty here) and the ``unexpected`` keys,
        named with their file (``'time_encoder.pt:foo'``).

    Examples
    --------
    >>> import torch
    >>> from bptlearn.weights import official_to_bptlearn
    >>> out = official_to_bptlearn(
    ...     {"input_embedding.proj.0.weight": torch.zeros(4, 6),
    ...      "trans_enc.layers.0.self_attn.in_proj_weight": torch.zeros(12, 4)},
    ...     {"module.proj_out.0.bias": torch.zeros(6)})
    >>> sorted(out.state_dict)
    ['embed.proj.weight', 'rec_head.bias', 'temporal.layers.0.self_attn.in_proj.weight']
    """
    mapped: dict[str, Tensor] = {}
    unexpected: list[str] = []
    for encoder, fname, state in (("time", "time_encoder.pt", time_state),
                                  ("channel", "channel_encoder.pt", channel_state)):
        for key, value in strip_ddp_prefix(state).items():
            ours = _map_official_key(key, encoder)
            if ours is None:
                unexpected.append(f"{fname}:{key}")
            else:
                mapped[ours] = value
    return Converted(mapped, {}, unexpected)


def braindecode_to_bptlearn(state_dict: Mapping[str, Tensor]) -> Converted:
    """Map braindecode's single ``model.safetensors`` state dict to ours.

    ``temporal_encoder.*`` keys follow the official time file, ``spatial_encoder.*`` the
    channel file; ``final_layer.mlp.*`` (the seizure head) go to ``extras``. The two mask
    tokens, dropped by braindecode, are restored as zeros.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.weights import braindecode_to_bptlearn
    >>> out = braindecode_to_bptlearn({
    ...     "temporal_encoder.input_embedding.proj.0.weight": torch.zeros(4, 6),
    ...     "final_layer.mlp.0.bias": torch.zeros(2)})
    >>> sorted(out.state_dict), sorted(out.extras)
    (['embed.mask_encoding', 'embed.power_mask_encoding', 'embed.proj.weight'], \
['final_layer.mlp.0.bias'])
    """
    time_state: dict[str, Tensor] = {}
    channel_state: dict[str, Tensor] = {}
    extras: dict[str, Tensor] = {}
    unexpected: list[str] = []
    for key, value in strip_ddp_prefix(state_dict).items():
        if key.startswith("temporal_encoder."):
            time_state[key.removeprefix("temporal_encoder.")] = value
        elif key.startswith("spatial_encoder."):
            channel_state[key.removeprefix("spatial_encoder.")] = value
        elif key.startswith("final_layer."):
            extras[key] = value
        else:
            unexpected.append(key)
    out = official_to_bptlearn(time_state, channel_state)
    state = out.state_dict
    proj = state.get("embed.proj.weight")
    if proj is not None:  # restore the mask tokens braindecode dropped
        d, P = proj.shape
        state.setdefault("embed.mask_encoding", torch.zeros(P, dtype=proj.dtype))
        state.setdefault("embed.power_mask_encoding", torch.zeros(d, dtype=proj.dtype))
    renamed = [k.replace("time_encoder.pt:", "temporal_encoder.")
               .replace("channel_encoder.pt:", "spatial_encoder.") for k in out.unexpected]
    return Converted(state, extras, unexpected + renamed)


def detect_layout(state_dict: Mapping[str, Any]) -> str:
    """Name the key layout of a state dict.

    Returns one of ``'bptlearn'``, ``'braindecode'``, ``'official_time'``,
    ``'official_channel'``, or ``'unknown'``. A ``module.`` prefix is ignored.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.weights import detect_layout
    >>> detect_layout({"module.input_embedding.band_encoding": torch.zeros(8, 4)})
    'official_time'
    """
    keys = [k.removeprefix("module.") for k in state_dict]
    if any(k.startswith(("temporal_encoder.", "spatial_encoder.")) for k in keys):
        return "braindecode"
    if any(k.startswith("input_embedding.") for k in keys):
        return "official_time"
    if any(k.startswith("proj_out.") for k in keys):
        return "official_channel"
    if any(k.startswith(("embed.", "temporal.", "spatial.", "rec_head.")) for k in keys):
        return "bptlearn"
    if any(k.startswith("trans_enc.") for k in keys):
        return "official_channel"  # a channel file whose head was not saved
    return "unknown"


def _shape_fields(state_dict: Mapping[str, Tensor]) -> dict[str, int]:
    """Config fields that follow from the shapes of a state dict in our layout."""
    fields: dict[str, int] = {}
    proj = state_dict.get("embed.proj.weight")
    if proj is not None and proj.ndim == 2:
        fields["d_model"], fields["patch_len"] = int(proj.shape[0]), int(proj.shape[1])
    pos = state_dict.get("embed.positional_encoding")
    if pos is not None and pos.ndim == 2:
        fields["n_patches"] = int(pos.shape[0])
    for which, name in (("temporal", "n_temporal_layers"), ("spatial", "n_spatial_layers")):
        idx = {int(m.group(2)) for k in state_dict if (m := _OURS_LAYER.match(k))
               and m.group(1) == which}
        if idx:
            fields[name] = max(idx) + 1
    for which in ("temporal", "spatial"):
        lin = state_dict.get(f"{which}.layers.0.linear1.weight")
        if lin is not None and lin.ndim == 2:
            fields.setdefault("dim_feedforward", int(lin.shape[0]))
            if "d_model" not in fields:
                fields["d_model"] = int(lin.shape[1])
    return fields


def infer_config(state_dict: Mapping[str, Tensor], *, nhead: int = 16,
                 source: str = "the checkpoint", **overrides: Any) -> BPTConfig:
    """The :class:`~bptlearn.nn.BPTConfig` a state dict in our layout was built with.

    Width, layer counts, feed-forward size, patch length and positional rows follow from
    the shapes; the head count does not, so it is a parameter (16 in every published size).
    ``overrides`` set the remaining fields (``dropout``, ``band_sfreq``, ``learnable_mask``);
    one that contradicts a shape raises :class:`~bptlearn.exceptions.CheckpointError`.

    Examples
    --------
    >>> from bptlearn.nn import BPTModel
    >>> from bptlearn.weights import infer_config
    >>> sd = BPTModel(preset="nano").state_dict()
    >>> infer_config(sd, nhead=4) == BPTModel(preset="nano").config
    True
    """
    shapes = _shape_fields(state_dict)
    for required in ("d_model", "n_temporal_layers", "n_spatial_layers", "dim_feedforward"):
        if required not in shapes:
            raise CheckpointError(
                f"{source} does not say its {required}: the keys it needs "
                "(embed.proj.weight, temporal.layers.0.linear1.weight, ...) are missing. "
                "Is it a complete Brant checkpoint?"
            )
    clash = {k: (v, shapes[k]) for k, v in overrides.items() if k in shapes and v != shapes[k]}
    if clash:
        detail = "; ".join(f"{k}={want!r} was asked but the weights have {k}={got}"
                           for k, (want, got) in clash.items())
        raise CheckpointError(
            f"{source} does not fit the requested configuration: {detail}. Leave these out "
            "(they are read from the weights) or load weights of the size you want."
        )
    try:
        return BPTConfig(**{"nhead": nhead, **overrides, **shapes})
    except (TypeError, ValueError) as err:
        raise CheckpointError(f"{source}: cannot build a model from its shapes: {err}") from err
