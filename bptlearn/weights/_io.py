"""Safe reading and atomic writing of weight files.

Only two ways in: :func:`safetensors.torch.load_file` and
``torch.load(..., weights_only=True)``. Nothing here ever runs a plain unpickle, so a
checkpoint crafted to execute code is refused, not executed.
"""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import Tensor

from ..exceptions import CheckpointError
from ..utils._io import atomic_write

FORMAT_KEY = "format"
FORMAT_VALUE = "bptlearn"
FORMAT_VERSION = "1"


#: Oldest torch whose ``torch.load(weights_only=True)`` runs no code (CVE-2025-32434).
SAFE_TORCH = (2, 6)


def _check_torch_floor(path: Path) -> None:
    """Refuse to unpickle under a torch whose ``weights_only`` loader could run code."""
    version = torch.torch_version.TorchVersion(torch.__version__)
    if version < SAFE_TORCH:
        raise CheckpointError(
            f"Refused to load {str(path)!r} with torch {torch.__version__}: before torch 2.6, "
            "torch.load(weights_only=True) could run code hidden in a .pt file "
            "(CVE-2025-32434). Upgrade torch (pip install 'torch>=2.6'), or convert the "
            "weights to .safetensors on a trusted machine."
        )


def _first_line(err: BaseException) -> str:
    return (str(err).splitlines() or [type(err).__name__])[0]


def torch_load_safe(path: str | os.PathLike, map_location: Any = "cpu") -> Any:
    """``torch.load`` restricted to tensors and plain containers (``weights_only=True``).

    Raises :class:`~bptlearn.exceptions.CheckpointError` for a missing, truncated or
    unsafe file; the unsafe file's code is never run.

    Examples
    --------
    >>> import os, tempfile, torch
    >>> from fractions import Fraction
    >>> from bptlearn.weights import torch_load_safe
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = os.path.join(folder.name, "state.pt")
    >>> torch.save({"weight": torch.ones(2)}, path)
    >>> torch_load_safe(path)
    {'weight': tensor([1., 1.])}
    >>> torch.save({"ratio": Fraction(1, 3)}, path)  # a Python object, not a tensor
    >>> torch_load_safe(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    bptlearn.exceptions.CheckpointError: Refused to load '...': it holds Python objects ...
    >>> folder.cleanup()
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"Checkpoint file {str(path)!r} does not exist.")
    _check_torch_floor(path)
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        raise CheckpointError(
            f"Refused to load {str(path)!r}: it holds Python objects other than tensors and "
            "plain containers, which could run code when unpickled, and bptlearn only loads "
            "weights_only checkpoints. If you trust the file, re-save its state_dict() from "
            f"the program that wrote it. (torch said: {_first_line(err)})"
        ) from None
    except Exception as err:  # noqa: BLE001 - any parse failure: a damaged or foreign file
        raise CheckpointError(
            f"Could not read {str(path)!r} ({path.stat().st_size} bytes): it is truncated or "
            f"not a PyTorch checkpoint ({type(err).__name__}: {_first_line(err)}). "
            "Copy the file again, or pass the file that holds the weights."
        ) from None


def read_safetensors(path: str | os.PathLike,
                     map_location: Any = "cpu") -> tuple[dict[str, Tensor], dict[str, str]]:
    """Tensors and metadata of a ``.safetensors`` file, as (state_dict, metadata)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"Checkpoint file {str(path)!r} does not exist.")
    device = str(map_location) if map_location is not None else "cpu"
    try:
        with safe_open(str(path), framework="pt", device=device) as fh:
            metadata = dict(fh.metadata() or {})
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(
            f"Could not read {str(path)!r} ({path.stat().st_size} bytes): it is truncated or "
            f"not a safetensors file ({err}). Copy the file again."
        ) from None
    return tensors, metadata


def write_safetensors(path: str | os.PathLike, tensors: Mapping[str, Tensor],
                      metadata: Mapping[str, Any]) -> Path:
    """Atomically write tensors and string metadata (non-strings are JSON-encoded)."""
    meta = {k: v if isinstance(v, str) else json.dumps(v) for k, v in metadata.items()}
    flat = {k: v.detach().contiguous().cpu().clone() for k, v in tensors.items()}
    return atomic_write(path, lambda tmp: save_file(flat, tmp, metadata=meta))


def parse_metadata(metadata: Mapping[str, str], path: str | os.PathLike) -> dict[str, Any]:
    """Decode the JSON fields of a bptlearn safetensors header (config, contract)."""
    out: dict[str, Any] = dict(metadata)
    for key in ("config", "contract"):
        if key in out:
            try:
                out[key] = json.loads(out[key])
            except json.JSONDecodeError as err:
                raise CheckpointError(
                    f"The {key!r} metadata of {str(path)!r} is not valid JSON ({err}); the "
                    "file header is damaged."
                ) from None
    return out
