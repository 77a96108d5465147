"""Export fitted estimators for deployment: one module, ONNX, torch.export, TorchScript.

:func:`inference_module` turns a fitted :class:`~bptlearn.BPTEncoder`,
:class:`~bptlearn.BPTSeizureClassifier` or :class:`~bptlearn.BPTForecaster` into one
:class:`torch.nn.Module` from raw patches to outputs; :func:`export_onnx`,
:func:`export_program` (:mod:`torch.export`, ``.pt2``) and :func:`export_torchscript`
(deprecated by PyTorch; kept while torch has it) write it to a file that runs without
bptlearn (ONNX Runtime, ``torch.export.load``, AOTInductor, ``torch.jit.load``).

Inside the exported graph: the fitted input scaling (``scaling_``, ``center_``,
``scale_``), Brant's band power (as a DFT matrix product, :class:`~bptlearn.nn.BandPowerDFT`), the
embedding and encoders, the readout (pooling, spectral extras), the head. Outside it,
to be done by the caller: reading the recording, resampling to 250 Hz, filtering,
picking channels in the fitted order, and cutting windows of ``L`` patches of 1500
samples; :func:`bptlearn.data.iter_windows` does all of that, batch by batch. The
input is ``windows.reshape(B, C, L, 1500)`` in µV, float32.
"""

# The traced module lives in bptlearn.nn.pipeline; these names stay importable from here.
from ..nn.pipeline import InferenceModule, InputScaling  # noqa: F401
from ._export import (
    DEFAULT_OPSET,
    export_onnx,
    export_program,
    export_torchscript,
    inference_module,
)

__all__ = [
    "DEFAULT_OPSET",
    "export_onnx",
    "export_program",
    "export_torchscript",
    "inference_module",
]
