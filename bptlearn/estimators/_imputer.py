"""BPTImputer: fill missing samples of SEEG windows with a Brant encoder."""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.utils._param_validation import Interval
from torch import nn

from ..baselines import InterpolationImputer
from ..nn.heads import ImputationHead, ImputationModel
from ..nn.losses import MaskedMSELoss
from ..weights import DEFAULT_WEIGHTS
from ._input import Signals
from ._net import _BPTNet


def _packed(scaled: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """(n, C, L, 2P) model input: hidden samples linearly interpolated, then the mask."""
    n, C, L, P = scaled.shape
    flat = scaled.reshape(n, C, L * P)
    interp = InterpolationImputer(kind="linear").fit_transform(
        flat, mask=hidden.reshape(flat.shape))
    return np.concatenate([interp.reshape(scaled.shape), hidden.astype(np.float32)], axis=-1)


class BPTImputer(TransformerMixin, _BPTNet):
    """Fill NaN (or masked) samples; observed samples come back bit-identical.

    ``fit`` learns to reconstruct samples hidden at random (each sample hidden with
    probability ``mask_rate``, as in the paper). Hidden samples are first linearly
    interpolated; the model sees that signal and learns a correction to it: the paper's
    linear head on every token plus a small local filter along each channel
    (:class:`~bptlearn.nn.heads.ImputationHead`). ``transform`` fills the missing samples
    of new windows. Read more in the
    :ref:`User Guide <imputation>`.

    Parameters
    ----------
    mask_rate : float, default=0.4
        Probability that a training sample is hidden.
    weights, preset, layer, finetune, last_k, lr, encoder_lr, max_epochs, batch_size, \
scaling, callbacks, train_split, device, verbose, random_state, **kwargs
        As in :class:`BPTSeizureClassifier`.
    sfreq : float, default=250.0
        Sampling rate of array input; it must be the model's 250 Hz (imputing at another
        rate would resample the observed samples too).

    Attributes
    ----------
    net_, encoder_, history_, n_chans_in_, sfreq_in_, n_patches_in_, scaling_, center_, \
scale_, device_
        As in :class:`BPTSeizureClassifier`.

    See Also
    --------
    bptlearn.baselines.InterpolationImputer : Linear or cubic interpolation, the baseline.

    Notes
    -----
    One random mask per training window is drawn per fit (seeded by ``random_state``).
    With ``finetune='probe'`` the encoder is frozen while the head trains. The paper
    feeds zeros at hidden samples instead of an interpolation; starting from the
    interpolation makes the model at worst as good as that baseline.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn import BPTImputer
    >>> from bptlearn.data import make_seeg_windows
    >>> X, *_ = make_seeg_windows(n_patients=1, n_windows=6, n_patches=1, random_state=0)
    >>> imp = BPTImputer(max_epochs=2, random_state=0).fit(X)
    >>> X_gap = X.copy(); X_gap[0, 0, 100:200] = np.nan
    >>> filled = imp.transform(X_gap)
    >>> bool(np.isfinite(filled).all()), bool((filled[1:] == X[1:]).all())
    (True, True)
    """

    _parameter_constraints: dict = {
        **_BPTNet._parameter_constraints,
        "mask_rate": [Interval(Real, 0, 1, closed="neither")],
    }

    def __init__(self, *, mask_rate: float = 0.4, weights: Any = DEFAULT_WEIGHTS,
                 preset: str = "nano", layer: str = "temporal", finetune: str = "probe",
                 last_k: int = 1, lr: float | None = None, encoder_lr: float | None = None,
                 max_epochs: int = 20, batch_size: int = 32, scaling: str | None = "auto",
                 sfreq: float = 250.0, callbacks: list | None = None, train_split: Any = None,
                 device: Any = "auto", verbose: int = 0, random_state: Any = None,
                 **kwargs: Any) -> None:
        self.mask_rate = mask_rate
        self.weights = weights
        self.preset = preset
        self.layer = layer
        self.finetune = finetune
        self.last_k = last_k
        self.lr = lr
        self.encoder_lr = encoder_lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.scaling = scaling
        self.sfreq = sfreq
        self.callbacks = callbacks
        self.train_split = train_split
        self.device = device
        self.verbose = verbose
        self.random_state = random_state
        self._store_skorch_kwargs(kwargs)

    def _check_rate(self, signals: Signals) -> None:
        if signals.sfreq != 250.0:
            raise ValueError(
                f"BPTImputer fills samples at the model's 250 Hz, but X is at {signals.sfreq:g} "
                "Hz. Resample first (epochs.resample(250) or bptlearn.data.to_windows), so "
                "that the observed samples you get back are the ones you passed."
            )

    def fit(self, X: Any, y: Any = None, groups: Any = None) -> BPTImputer:
        """Learn to reconstruct randomly hidden samples of complete windows.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times) or mne.Epochs
            Complete (finite) windows at 250 Hz.
        y : None
            Ignored.
        groups : array-like of shape (n_windows,) or None, default=None
            Patient ids, passed to ``train_split``.

        Returns
        -------
        self : BPTImputer
        """
        return self._fit_task(X, None, groups)

    def _task_targets(self, y: Any, signals: Signals, n_patches: int):
        self._check_rate(signals)
        return None, {}

    def _task_module(self, head: nn.Module) -> ImputationModel:
        return ImputationModel(self.encoder_.train(), head, self.layer)

    def _train(self, signals: Signals, targets: Any, groups: Any, inputs: Any = None):
        clean = self._run(signals, lambda x: x)  # scaled patches (n, C, L, P)
        rng = np.random.default_rng(self._seed())
        hidden = rng.random(clean.shape, dtype=np.float32) < self.mask_rate
        targets = np.concatenate([clean, hidden.astype(np.float32)], axis=-1)
        return super()._train(signals, targets, groups, inputs=_packed(clean, hidden))

    def _task_head(self, config) -> ImputationHead:
        return ImputationHead(config.d_model, config.patch_len)

    def _task_criterion(self, targets: np.ndarray) -> MaskedMSELoss:
        return MaskedMSELoss()

    def transform(self, X: Any, mask: Any = None) -> np.ndarray:
        """Fill missing samples.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            Windows at 250 Hz with NaN where samples are missing.
        mask : array-like of bool of the shape of X, or None, default=None
            Samples to fill (True), on top of the NaNs.

        Returns
        -------
        X_filled : ndarray of the shape and dtype of X
            A new array: filled where missing, bit-identical to X elsewhere.
        """
        signals = self._check_fitted_input(X, same_chans=True, same_patches=True, allow_nan=True,
                                           why="BPTImputer fills windows of the shape it was "
                                               "fitted on.")
        self._check_rate(signals)
        if len(signals.parts) > 1:
            raise ValueError(f"BPTImputer.transform takes one array or mne.Epochs, but X is a list "
                             f"of {len(signals.parts)} parts; transform each part separately.")
        original = signals.parts[0]
        hidden = np.isnan(original)
        if mask is not None:
            mask = np.asarray(mask)
            if mask.shape != original.shape or mask.dtype != bool:
                raise ValueError(f"mask must be a bool array of X's shape {original.shape} (True "
                                 f"= fill), got {mask.dtype} of shape {mask.shape}.")
            hidden = hidden | mask
        if not hidden.any():
            return np.array(original, copy=True)
        n, C, T = original.shape
        x = np.where(hidden, np.nan, original).astype(np.float32).reshape(n, C, -1, 1500)
        center, scale = self._scaling_stats(x)
        hidden4 = hidden.reshape(x.shape)
        packed = _packed(np.nan_to_num((x - center) / scale), hidden4)
        module = self._inference_module()
        out = self._map_array(packed, module) * scale + center
        return np.where(hidden, out.reshape(n, C, T).astype(original.dtype), original)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
