"""Build a fitted estimator's inference module; write it as ONNX, torch.export or TorchScript."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

import torch
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ..estimators import BPTEncoder, BPTForecaster, BPTSeizureClassifier
from ..estimators._forecast_check import is_linear
from ..nn.pipeline import InferenceModule
from ..utils._check import _validate_type
from ..utils._io import atomic_write

logger = logging.getLogger(__name__)

SUPPORTED = (BPTEncoder, BPTSeizureClassifier, BPTForecaster)
DEFAULT_OPSET = 18  # the dynamo exporter's own opset; ONNX Runtime >= 1.14 runs it


def inference_module(estimator: Any) -> InferenceModule:
    """One module from raw patches to a fitted estimator's output.

    The module takes raw patches in µV at the model's rate (250 Hz), a float32 tensor
    of shape ``(B, C, L, 1500)``, and applies, in order: the scaling fitted on the
    estimator (``scaling_``, ``center_``, ``scale_``), the encoder, and the estimator's
    readout or head. Its output equals, to float32 rounding:

    - :class:`~bptlearn.BPTEncoder`: ``transform(X)``, (B, n_features_out);
    - :class:`~bptlearn.BPTSeizureClassifier`: the logits behind ``predict_proba``
      (``softmax`` of the last axis gives the probabilities), (B, n_classes) or
      (B, C, L, n_classes) for token labels;
    - :class:`~bptlearn.BPTForecaster`: ``predict(X)`` in µV at 250 Hz, (B, C, T),
      where ``predict``'s backtest on the histories keeps the fitted baseline and
      correction weights (it logs at INFO when it does not; a forecaster whose
      ``baseline_name_`` is 'AR on each history', fitted on each history when
      ``predict`` runs, has no fixed module and is refused), or
      for ``target='freq_phase'`` (B, C, 1 + T): the network's frequency then phases,
      which are ``predict_frequency`` and ``predict`` where ``shrinkage_`` weighs them
      fully (the sinusoid they are blended with otherwise is not inside).

    What is *not* inside: reading files, resampling to 250 Hz, filtering, and cutting
    recordings into windows of patches (see :func:`bptlearn.data.iter_windows`); feed
    ``windows.reshape(B, C, L, 1500)``. The module is a deep copy (changing it leaves the
    estimator alone), in eval mode, on ``estimator.device_``. It always runs in float32:
    ``precision='bf16'``/``'fp16'`` of an encoder is not applied (an ``'int8'`` model
    stays quantised, which runs in PyTorch but does not export to ONNX).

    Parameters
    ----------
    estimator : BPTEncoder, BPTSeizureClassifier or BPTForecaster
        A fitted estimator.

    Returns
    -------
    module : InferenceModule
        ``module(x)`` with x of shape (B, C, L, 1500).

    Examples
    --------
    >>> import torch
    >>> from bptlearn import BPTEncoder
    >>> from bptlearn.data import make_seeg_windows
    >>> from bptlearn.export import inference_module
    >>> X, *_ = make_seeg_windows(n_patients=1, n_windows=3, n_patches=1, random_state=0)
    >>> enc = BPTEncoder(weights=None, device="cpu", random_state=0).fit(X)
    >>> module = inference_module(enc)
    >>> out = module(torch.from_numpy(X).reshape(3, X.shape[1], 1, 1500))
    >>> out.shape, bool(torch.allclose(out, torch.from_numpy(enc.transform(X)), atol=1e-5))
    (torch.Size([3, 10]), True)
    """
    if not isinstance(estimator, SUPPORTED):
        raise TypeError(
            f"estimator must be an instance of {', '.join(c.__name__ for c in SUPPORTED)}, got "
            f"{type(estimator).__name__} instead. BPTImputer's NaN filling happens outside the "
            "model and is not exported.")
    check_is_fitted(estimator)
    if (isinstance(estimator, BPTForecaster) and estimator.target == "signal"
            and not is_linear(estimator.baseline_)):
        raise ValueError(
            f"This BPTForecaster forecasts with {estimator.baseline_name_!r} alone, an "
            "autoregression fitted on each history when predict is called, which no fixed "
            "module computes: use predict, or export a forecaster whose baseline_name_ is "
            "another baseline.")
    return estimator.pipeline_.exportable()  # a float32, traceable copy of what predicts


def _example_input(estimator: Any, n_chans: int | None, n_patches: int | None,
                   batch: int = 2) -> torch.Tensor:
    """A (batch, C, L, P) example, C and L defaulting to what the estimator was fitted on."""
    n_chans = estimator.n_chans_in_ if n_chans is None else n_chans
    n_patches = estimator.n_patches_in_ if n_patches is None else n_patches
    for name, value in (("n_chans", n_chans), ("n_patches", n_patches)):
        if value is None:  # ragged fit data
            raise ValueError(f"{type(estimator).__name__} was fitted on ragged input, so "
                             f"{name} cannot be inferred; pass {name}= explicitly.")
        _validate_type(value, "int-like", name)
    config = estimator.encoder_.config
    if not 1 <= n_patches <= config.n_patches or n_chans < 1:
        raise ValueError(f"n_chans must be >= 1 and n_patches in 1..{config.n_patches}; got "
                         f"n_chans={n_chans}, n_patches={n_patches}.")
    if estimator.scaling_ == "channel" and n_chans != estimator.n_chans_in_:
        raise ValueError(f"n_chans={n_chans}, but this {type(estimator).__name__} scales each of "
                         f"its {estimator.n_chans_in_} fitted channels by its own statistics; "
                         "export with n_chans=None (the fitted channels) or refit with "
                         "scaling='global'.")
    generator = torch.Generator().manual_seed(0)
    return torch.randn(batch, int(n_chans), int(n_patches), config.patch_len,
                       generator=generator)


def _cpu_module(estimator: Any) -> nn.Module:
    if getattr(estimator, "precision", "fp32") == "int8":
        raise ValueError(
            "This estimator runs an int8-quantised model (precision='int8'), which does not "
            "export. Refit with precision='fp32' and quantise the exported file instead "
            "(onnxruntime.quantization.quantize_dynamic for ONNX).")
    return inference_module(estimator).cpu()


def _check_path(path: Any) -> Path:
    _validate_type(path, "path-like", "path")
    return Path(path)  # atomic_write creates missing folders


def export_onnx(estimator: Any, path: str | os.PathLike, *, n_chans: int | None = None,
                n_patches: int | None = None, opset: int = DEFAULT_OPSET) -> Path:
    """Write a fitted estimator's :func:`inference_module` as an ONNX model.

    The graph has one input ``'patches'``, float32 of shape ``(batch, n_chans, n_patches,
    1500)`` in µV at 250 Hz, with a dynamic batch axis, and one output ``'output'``
    (what :func:`inference_module` returns). Channels and patches are fixed at export.
    Scaling, band power (as a DFT matrix product, see :class:`~bptlearn.nn.BandPowerDFT`),
    encoder and head are inside the graph; resampling, filtering and cutting windows are not.
    Needs ``onnx`` and ``onnxscript`` (``pip install bptlearn[export]``); runs with
    ``onnxruntime``.

    Parameters
    ----------
    estimator : BPTEncoder, BPTSeizureClassifier or BPTForecaster
        A fitted estimator (``precision='fp32'`` or ``'bf16'``/``'fp16'``; the graph is
        float32).
    path : path-like
        Output ``.onnx`` file; the parameters are stored inside it.
    n_chans, n_patches : int or None, default=None
        Input channels and patches per window; ``None`` takes ``n_chans_in_`` and
        ``n_patches_in_``.
    opset : int, default=18
        ONNX opset (ONNX Runtime 1.14 and later run 18).

    Returns
    -------
    path : Path
        The file written.

    Examples
    --------
    >>> import numpy as np, onnxruntime, os, tempfile
    >>> from bptlearn import BPTEncoder
    >>> from bptlearn.data import make_seeg_windows
    >>> from bptlearn.export import export_onnx
    >>> X, *_ = make_seeg_windows(n_patients=1, n_windows=2, n_chans=4, n_patches=1,
    ...                           random_state=0)
    >>> enc = BPTEncoder(weights=None, extra_features=(), n_components=None, device="cpu",
    ...                  random_state=0).fit(X)
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = export_onnx(enc, os.path.join(folder.name, "encoder.onnx"))
    >>> session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    >>> session.run(None, {"patches": X.reshape(2, 4, 1, 1500)})[0].shape  # every embedding
    (2, 128)
    >>> folder.cleanup()
    """
    try:
        import onnx  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as err:
        raise ImportError(
            "export_onnx needs the optional packages onnx and onnxscript, which are not "
            "installed. Install them with: pip install bptlearn[export]  (or: pip install "
            "onnx onnxscript onnxruntime).") from err
    _validate_type(opset, "int-like", "opset")
    path = _check_path(path)
    module = _cpu_module(estimator)
    example = _example_input(estimator, n_chans, n_patches)
    batch = torch.export.Dim("batch", min=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # exporter chatter (deprecations, optional packages)
        logging.getLogger("torch.onnx").setLevel(logging.ERROR)
        program = torch.onnx.export(
            module, (example,), dynamo=True, opset_version=int(opset),
            input_names=["patches"], output_names=["output"],
            dynamic_shapes=({0: batch},), verbose=False)
        atomic_write(path, program.save)  # readers never see a half-written file
    logger.info("wrote %s (opset %d)", path, opset)
    return path


def export_program(estimator: Any, path: str | os.PathLike, *, n_chans: int | None = None,
                   n_patches: int | None = None) -> Path:
    """Write a fitted estimator's :func:`inference_module` as a :mod:`torch.export` program.

    The program (a ``.pt2`` file written by :func:`torch.export.save`) is PyTorch's
    successor to TorchScript: load it without bptlearn with
    ``torch.export.load(path).module()``, or compile it ahead of time with AOTInductor. It
    takes the same input as :func:`inference_module`, any batch size; channels and patches
    are fixed at export, and the program refuses input of another shape.

    Parameters
    ----------
    estimator : BPTEncoder, BPTSeizureClassifier or BPTForecaster
        A fitted estimator (not ``precision='int8'``).
    path : path-like
        Output file, normally ending in ``.pt2``. Written atomically.
    n_chans, n_patches : int or None, default=None
        Input channels and patches per window; ``None`` takes ``n_chans_in_`` and
        ``n_patches_in_``.

    Returns
    -------
    path : Path
        The file written.

    Examples
    --------
    >>> import os, tempfile, torch
    >>> from bptlearn import BPTEncoder
    >>> from bptlearn.data import make_seeg_windows
    >>> from bptlearn.export import export_program
    >>> X, *_ = make_seeg_windows(n_patients=1, n_windows=2, n_chans=4, n_patches=1,
    ...                           random_state=0)
    >>> enc = BPTEncoder(weights=None, device="cpu", random_state=0).fit(X)
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = export_program(enc, os.path.join(folder.name, "encoder.pt2"))
    >>> program = torch.export.load(path).module()
    >>> program(torch.from_numpy(X).reshape(2, 4, 1, 1500)).shape
    torch.Size([2, 10])
    >>> folder.cleanup()
    """
    path = _check_path(path)
    module = _cpu_module(estimator)
    example = _example_input(estimator, n_chans, n_patches)
    batch = torch.export.Dim("batch", min=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # exporter chatter
        program = torch.export.export(module, (example,), dynamic_shapes=({0: batch},))
    atomic_write(path, lambda tmp: torch.export.save(program, tmp))
    logger.info("wrote %s", path)
    return path


def export_torchscript(estimator: Any, path: str | os.PathLike, *,
                       n_chans: int | None = None, n_patches: int | None = None) -> Path:
    """Write a fitted estimator's :func:`inference_module` as TorchScript (traced).

    Load it without bptlearn with ``torch.jit.load(path)``; it takes the same input as
    :func:`inference_module`, any batch size. Tracing records the operations run on an
    example of ``n_chans`` channels and ``n_patches`` patches: keep those when calling it.
    PyTorch has deprecated TorchScript (``torch.jit.load`` warns): this function stays
    only while torch still has ``torch.jit``. Prefer :func:`export_program`
    (:mod:`torch.export`) or :func:`export_onnx` for new deployments.

    Parameters
    ----------
    estimator : BPTEncoder, BPTSeizureClassifier or BPTForecaster
        A fitted estimator.
    path : path-like
        Output file (``.pt``).
    n_chans, n_patches : int or None, default=None
        Shape of the example traced; ``None`` takes ``n_chans_in_`` and ``n_patches_in_``.

    Returns
    -------
    path : Path
        The file written.

    Examples
    --------
    >>> import os, tempfile, torch
    >>> from bptlearn import BPTEncoder
    >>> from bptlearn.data import make_seeg_windows
    >>> from bptlearn.export import export_torchscript
    >>> X, *_ = make_seeg_windows(n_patients=1, n_windows=2, n_chans=4, n_patches=1,
    ...                           random_state=0)
    >>> enc = BPTEncoder(weights=None, device="cpu", random_state=0).fit(X)
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = export_torchscript(enc, os.path.join(folder.name, "encoder.pt"))
    >>> torch.jit.load(path)(torch.from_numpy(X).reshape(2, 4, 1, 1500)).shape
    torch.Size([2, 10])
    >>> folder.cleanup()
    """
    if not hasattr(getattr(torch, "jit", None), "trace"):
        raise RuntimeError(
            f"torch {torch.__version__} no longer has TorchScript (torch.jit.trace). Use "
            "bptlearn.export.export_program (torch.export, a .pt2 file) or export_onnx.")
    path = _check_path(path)
    module = _cpu_module(estimator)
    example = _example_input(estimator, n_chans, n_patches)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # TracerWarnings on shape arithmetic, deprecations
        traced = torch.jit.trace(module, (example,), check_trace=False)
    atomic_write(path, traced.save)
    logger.info("wrote %s", path)
    return path
