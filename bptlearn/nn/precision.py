"""Lower-precision inference: bf16/fp16 autocast and dynamic int8 quantisation.

Precision is an explicit choice with a measured cost (``benchmarks/encoder_throughput.py``
prints the cosine similarity of embeddings against fp32 for each option).
"""

from __future__ import annotations

import contextlib
import copy
import warnings
from contextlib import AbstractContextManager

import torch
from torch import nn

from ..utils._check import _check_option

PRECISIONS = ("fp32", "bf16", "fp16", "int8")


def autocast(precision: str, device: torch.device | str) -> AbstractContextManager:
    """Context in which a forward pass runs at ``precision`` on ``device``.

    ``'fp32'`` changes nothing; ``'bf16'`` and ``'fp16'`` use :func:`torch.autocast`
    (matrix products in half precision, reductions and band power in float32);
    ``'int8'`` runs the model as given (quantise it first with :func:`quantize_int8`).

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn import BPTModel, autocast
    >>> model = BPTModel(preset="nano", d_model=32, nhead=2, dim_feedforward=64,
    ...                  n_temporal_layers=1, n_spatial_layers=1).eval()
    >>> x = torch.randn(1, 2, 1, 1500)
    >>> with torch.no_grad(), autocast("bf16", "cpu"):
    ...     h = model(x)
    >>> h.shape, h.dtype
    (torch.Size([1, 2, 1, 32]), torch.bfloat16)
    >>> with torch.no_grad(), autocast("fp32", "cpu"):
    ...     model(x).dtype
    torch.float32
    """
    _check_option("precision", precision, PRECISIONS)
    device_type = torch.device(device).type
    if precision in ("fp32", "int8"):
        return contextlib.nullcontext()
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device_type=device_type, dtype=dtype)


def quantize_int8(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose ``nn.Linear`` layers use dynamic int8 quantisation (CPU only).

    Weights are stored in int8 and activations quantised on the fly per batch; the
    original model is left untouched.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn import BPTModel, quantize_int8
    >>> model = BPTModel(preset="nano", d_model=32, nhead=2, dim_feedforward=64,
    ...                  n_temporal_layers=1, n_spatial_layers=1).eval()
    >>> qmodel = quantize_int8(model)
    >>> qmodel.rec_head.weight().dtype, model.rec_head.weight.dtype
    (torch.qint8, torch.float32)
    >>> with torch.no_grad():
    ...     qmodel(torch.randn(1, 2, 1, 1500)).shape
    torch.Size([1, 2, 1, 32])
    """
    if any(p.device.type != "cpu" for p in model.parameters()):
        raise ValueError(
            "precision='int8' is CPU-only (dynamic quantisation); move the model to the CPU or "
            "use precision='bf16' on a GPU."
        )
    with warnings.catch_warnings():  # torch.ao.quantization is deprecated in favour of torchao
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        from torch.ao.quantization import quantize_dynamic

        return quantize_dynamic(copy.deepcopy(model).eval(), {nn.Linear}, dtype=torch.qint8)
