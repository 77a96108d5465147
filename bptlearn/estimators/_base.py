"""What every bptlearn estimator shares: weights, devices, input checks, scaling, batching."""

from __future__ import annotations

import copy
import functools
import logging
import os
import warnings
from collections.abc import Callable, Iterator
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions, validate_parameter_constraints
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ..data import robust_channel_stats
from ..data._units import implausible_amplitude
from ..exceptions import BPTWarning, InputContractWarning
from ..nn import LAYERS, PRESETS, BPTModel
from ..nn.pipeline import InputScaling
from ..nn.readout import EXTRA_FEATURES
from ..utils._random import draw_seed
from ..utils._tags import _ThreeDMixin
from ..weights import load
from ._input import (
    Signals,
    check_channels,
    check_signals,
    match_channels,
    n_patches_of,
    to_patches,
)

logger = logging.getLogger(__name__)
# (class, parameters, message) of the input-contract warnings already given
_WARNED: set[tuple[str, str, str]] = set()

SCALINGS = ("auto", "channel", "global", "window")
# contract normalisation of the weights -> what scaling='auto' applies
_AUTO_SCALING = {"robust_channel": "channel", "zscore_window": "window", "unknown": "window",
                 "none": None}


def _fit_aside(fit: Callable) -> Callable:
    """Run ``fit`` on a shallow copy of the estimator; the copy's state replaces the
    estimator's only when ``fit`` returns, so a fit that fails keeps the previous fit."""

    @functools.wraps(fit)
    def fit_aside(self, *args, **kwargs):
        if vars(self).get("_fitting_aside"):  # a nested fit (super().fit): already aside
            return fit(self, *args, **kwargs)
        trial = object.__new__(type(self))
        vars(trial).update(vars(self), _fitting_aside=True)
        out = fit(trial, *args, **kwargs)
        del vars(trial)["_fitting_aside"]
        vars(self).clear()
        vars(self).update(vars(trial))
        return self if out is trial else out

    fit_aside._fits_aside = True
    return fit_aside


class _FitAside:
    """Mixin: every ``fit``, ``partial_fit`` and ``fit_transform`` a subclass defines builds
    the new state aside and assigns it only on success (see :func:`_fit_aside`)."""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        for name in ("fit", "partial_fit", "fit_transform"):
            method = cls.__dict__.get(name)
            if callable(method) and not getattr(method, "_fits_aside", False):
                setattr(cls, name, _fit_aside(method))


class _BPTBase(_FitAside, _ThreeDMixin, BaseEstimator):
    """Shared machinery; subclasses declare their parameters in ``__init__``."""

    _parameter_constraints: dict = {
        "weights": [str, os.PathLike, tuple, None],
        "preset": [StrOptions(set(PRESETS))],
        "layer": [StrOptions(set(LAYERS))],
        "scaling": [StrOptions(set(SCALINGS)), None],
        "sfreq": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
    }

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        """Validate parameters against ``_parameter_constraints`` (sklearn's sentences)."""
        params = {k: v for k, v in self.get_params(deep=False).items()
                  if k in self._parameter_constraints}
        validate_parameter_constraints(self._parameter_constraints, params,
                                       caller_name=type(self).__name__)
        extras = params.get("extra_features", ())
        if set(extras) - set(EXTRA_FEATURES) or len(set(extras)) != len(extras):
            raise ValueError(
                f"The 'extra_features' parameter of {type(self).__name__} must hold distinct "
                f"names from {list(EXTRA_FEATURES)}. Got {extras!r} instead.")

    def _signals(self, X: object, *, allow_nan: bool = False) -> Signals:
        return check_signals(X, float(self.sfreq), type(self).__name__, allow_nan=allow_nan)

    def _n_patches(self, signals: Signals, config) -> int:
        return n_patches_of(signals.parts[0].shape[2], signals.sfreq, config.sfreq,
                            config.patch_len, config.n_patches, type(self).__name__)

    # ------------------------------------------------------------------ model
    def _resolve_device(self) -> torch.device:
        if str(self.device) == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        device = torch.device(self.device)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device={self.device!r} was asked for, but no CUDA GPU is visible. "
                             "Use device='auto' (GPU when present) or device='cpu'.")
        return device

    def _load_model(self) -> BPTModel:
        """Pretrained weights (or a seeded random init when ``weights=None``), in eval mode."""
        if self.weights is None:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(draw_seed(self.random_state))
                return BPTModel(preset=self.preset).eval()
        return load(self.weights)

    # ------------------------------------------------------------------ scaling
    def _fit_scaling(self, signals: Signals, model: BPTModel) -> tuple[str | None, np.ndarray,
                                                                       np.ndarray]:
        """Resolve ``scaling`` and learn its statistics from the fit data."""
        scaling = self.scaling
        if scaling == "auto":
            contract = model.pretrained_cfg
            normalization = contract.normalization if contract is not None else "robust_channel"
            scaling = _AUTO_SCALING[normalization]
            if scaling == "channel" and signals.ragged:
                scaling = "global"
        if scaling == "channel" and signals.ragged:
            raise ValueError(
                "scaling='channel' learns one scale per channel, but the parts of X have "
                "different channel counts. Use scaling='global' (one robust scale for all "
                "channels) or scaling='window' (each window z-scored)."
            )
        if scaling in ("channel", "global"):
            # (windows, channels, time); 'global' treats every channel as one
            sample = np.concatenate([p if scaling == "channel" else p.reshape(-1, 1, p.shape[-1])
                                     for p in signals.parts])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", BPTWarning)  # flat channels are reported below
                center, scale, flat = robust_channel_stats(sample, return_flat=True)
            if flat.any():
                warnings.warn(f"{int(flat.sum())} channel(s) are flat in the fit data; they are "
                              "left unscaled and carry no information.", BPTWarning, stacklevel=3)
            return scaling, center.astype(np.float32), scale.astype(np.float32)
        return scaling, np.zeros(1, np.float32), np.ones(1, np.float32)

    def _check_contract(self, signals: Signals, model: BPTModel, X: object) -> None:
        """Warn when the input departs from what the weights were pretrained on.

        Each warning is given once per estimator configuration (class and parameters):
        the clones that cross-validation fits in every fold stay quiet after the first.
        """
        odd = next(filter(None, (implausible_amplitude(p) for p in signals.parts)), None)
        if odd is not None:
            self._warn_once("amplitude", odd)
        contract = model.pretrained_cfg
        if contract is None:
            return
        items = X if isinstance(X, (list, tuple)) else [X]
        types = {t for item in items if hasattr(item, "get_channel_types")
                 for t in item.get_channel_types()}
        foreign = sorted(types - set(contract.channel_types))
        if foreign:
            self._warn_once(
                f"channel types {foreign}",
                f"The weights were pretrained on {list(contract.channel_types)} channels, but X "
                f"holds {foreign}; embeddings of other signal types may carry less information.")
        if signals.sfreq < contract.sfreq:  # a higher rate is resampled down: no loss
            self._warn_once(
                "sfreq",
                f"X is sampled at {signals.sfreq} Hz, but the weights were pretrained on "
                f"{contract.sfreq} Hz signals: resampling up cannot restore the band above "
                f"{signals.sfreq / 2:g} Hz that the model learnt from. Use recordings sampled "
                f"at {contract.sfreq} Hz or more, or weights pretrained at your rate (check "
                "sfreq= for arrays).")
        n_patches = self._n_patches(signals, model.config)
        if n_patches > contract.n_patches:
            self._warn_once(
                "n_patches",
                f"X has windows of {n_patches} patches, but the weights were pretrained on at "
                f"most {contract.n_patches}; the positions beyond were never trained. Cut "
                f"windows of at most {contract.n_patches} patches.")
        if self.scaling is None and contract.normalization not in ("none", "unknown"):
            self._warn_once(
                "scaling=None",
                f"scaling=None, but the weights expect input normalised as "
                f"{contract.normalization!r}; unscaled signals reach the model at the wrong "
                "amplitude and its embeddings degrade. Use scaling='auto'.")

    def _warn_once(self, kind: str, message: str) -> None:
        """An InputContractWarning, unless this class with these parameters gave this
        ``kind`` of warning before (the message may hold numbers that differ by fold)."""
        params = sorted((k, repr(v)) for k, v in self.get_params(deep=False).items())
        key = (type(self).__name__, repr(params), kind)
        if key not in _WARNED:
            _WARNED.add(key)
            warnings.warn(message + " (Given once per estimator configuration.)",
                          InputContractWarning, stacklevel=4)

    # ------------------------------------------------------------------ batching
    def _batches(self, signals: Signals, config, batch_size: int
                 ) -> Iterator[tuple[np.ndarray, torch.Tensor, np.ndarray, np.ndarray]]:
        """Yield (row indices, scaled (b, C, L, P) float32 tensor, center, scale), by part.

        The scaling is the fitted :class:`~bptlearn.nn.pipeline.InputScaling` (the first
        stage of ``pipeline_``). ``center`` and ``scale`` (b, C, 1, 1) float32 arrays undo
        it: ``x * scale + center``. NaN samples (imputation only) become 0, the scaled median.
        """
        scaling = self._input_scaling()
        offset = 0
        for part in signals.parts:
            for start in range(0, len(part), batch_size):
                windows = part[start:start + batch_size]
                x = torch.from_numpy(to_patches(windows, signals.sfreq, config.sfreq,
                                                config.patch_len))
                x, center, scale = scaling(x)
                shape = (*x.shape[:2], 1, 1)
                rows = np.arange(offset + start, offset + start + len(windows))
                yield (rows, x, center.expand(shape).contiguous().numpy(),
                       scale.expand(shape).contiguous().numpy())
            offset += len(part)

    def _input_scaling(self) -> InputScaling:
        """The scaling learnt in fit, as the module that applies it."""
        return InputScaling(self.scaling_, self.center_, self.scale_)

    def _run(self, signals: Signals, fn: Callable[..., torch.Tensor], progress: bool = False,
             post: Callable | None = None, stats: bool = False) -> np.ndarray:
        """Apply ``fn`` to every window in batches under inference mode; NumPy out, CPU-side.

        ``fn(x)`` gets the scaled patches, or with ``stats=True`` ``fn(x, center, scale)``
        (the pipeline's :meth:`~bptlearn.nn.pipeline.InferenceModule.forward_scaled`).
        Outputs move to the CPU batch by batch (never concatenated on the GPU); ``post(y,
        center, scale)`` may then map them back to signal units. On a GPU out-of-memory
        error the batch is split in halves, with a warning, and retried: results do not
        depend on the batch size.
        """
        from tqdm.auto import tqdm

        out = None
        with tqdm(total=signals.n_windows, disable=not progress, unit="window",
                  desc=type(self).__name__) as bar:
            for rows, x, center, scale in self._batches(signals, self.encoder_.config,
                                                        int(self.batch_size)):
                inputs = (x, torch.from_numpy(center), torch.from_numpy(scale)) if stats else (x,)
                for sub, y in self._forward_backoff(np.arange(len(rows)), inputs, fn):
                    if not np.isfinite(y).all():
                        bad = rows[sub][~np.isfinite(y.reshape(len(y), -1)).all(axis=1)]
                        raise FloatingPointError(
                            f"{type(self).__name__} computed NaN or infinite values for the "
                            f"finite window(s) {bad[:10].tolist()}: the weights are corrupted "
                            "or diverged in training. Reload the weights or refit (a lower lr "
                            "helps a diverging fit).")
                    if post is not None:
                        y = post(y, center[sub], scale[sub])
                    if out is None:
                        out = np.empty((signals.n_windows, *y.shape[1:]), dtype=y.dtype)
                    out[rows[sub]] = y
                    bar.update(len(sub))
        return out

    def _map_array(self, array: np.ndarray, fn: Callable[[torch.Tensor], torch.Tensor]
                   ) -> np.ndarray:
        """``fn`` over the rows of an in-memory (n, ...) array, in batches; NumPy out."""
        out = None
        for start in range(0, len(array), int(self.batch_size)):
            x = torch.from_numpy(array[start:start + int(self.batch_size)])
            for sub, y in self._forward_backoff(np.arange(len(x)), (x,), fn):
                if out is None:
                    out = np.empty((len(array), *y.shape[1:]), dtype=y.dtype)
                out[start + sub] = y
        return out

    def _forward_backoff(self, rows: np.ndarray, inputs: tuple[torch.Tensor, ...], fn: Callable
                         ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``fn(*inputs)`` (batch-first tensors), halving the batch on GPU out-of-memory."""
        try:
            with torch.inference_mode():
                y = fn(*(t.to(self.device_) for t in inputs)).float().cpu().numpy()
        except torch.OutOfMemoryError:
            if len(rows) == 1:
                raise
        else:
            yield rows, y
            return
        half = (len(rows) + 1) // 2
        warnings.warn(f"Out of GPU memory with a batch of {len(rows)} windows; retrying in "
                      f"batches of {half} (same results, slower). Lower batch_size to avoid "
                      "this.", BPTWarning, stacklevel=4)
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        yield from self._forward_backoff(rows[:half], tuple(t[:half] for t in inputs), fn)
        yield from self._forward_backoff(rows[half:], tuple(t[half:] for t in inputs), fn)

    # ------------------------------------------------------------------ state
    def _check_fitted_input(self, X: object, *, same_chans: bool, same_patches: bool,
                            why: str = "", allow_nan: bool = False) -> Signals:
        """Check X against what ``fit`` saw; ``why`` explains a channel/length requirement."""
        check_is_fitted(self)
        self._check_params()  # set_params after fit (batch_size=0) is named, not a crash
        signals = match_channels(self._signals(X, allow_nan=allow_nan),
                                 getattr(self, "ch_names_in_", None), type(self).__name__)
        if same_chans or self.scaling_ == "channel":
            if self.scaling_ == "channel" and not same_chans:
                why = ("scaling='channel' scales each channel by its own statistics from fit, so "
                       "the channels must match in number and order.")
            check_channels(signals, self.n_chans_in_, getattr(self, "ch_names_in_", None),
                           type(self).__name__, why)
        n_patches = self._n_patches(signals, self.encoder_.config)
        if same_patches and n_patches != self.n_patches_in_:
            raise ValueError(
                f"X has windows of {n_patches} patches, but {type(self).__name__} was fitted on "
                f"windows of {self.n_patches_in_}, and its output is laid out per patch. Cut "
                f"windows of {self.n_patches_in_} patches (bptlearn.data.to_windows(..., "
                f"n_patches={self.n_patches_in_})), or refit.")
        return signals

    def _input_state(self, signals: Signals, model: BPTModel, n_patches: int) -> dict:
        """What ``fit`` learns about its input (``*_in_``, the scaling): computed, not set."""
        scaling, center, scale = self._fit_scaling(signals, model)
        state = {"n_chans_in_": None if signals.ragged else signals.n_chans,
                 "sfreq_in_": signals.sfreq, "n_patches_in_": n_patches,
                 "scaling_": scaling, "center_": center, "scale_": scale}
        if signals.ch_names is not None:
            state["ch_names_in_"] = np.asarray(signals.ch_names, dtype=object)
        return state

    def _set_fitted(self, state: dict) -> None:
        """Record fitted attributes once every check has passed; a refit on input without
        channel names forgets the old ``ch_names_in_``."""
        if "ch_names_in_" not in state:
            vars(self).pop("ch_names_in_", None)
        vars(self).update(state)
        if "scaling_" in state and "pipeline_" in vars(self) and "pipeline_" not in state:
            self.pipeline_.scaling = self._input_scaling().to(self.device_)  # new statistics

    def __getstate__(self) -> dict:
        # Torch modules travel on the CPU so that a pickle made on a GPU loads anywhere.
        state = self.__dict__.copy()
        cuda = {key: value for key, value in state.items() if isinstance(value, nn.Module)
                and any(p.is_cuda for p in value.parameters())}
        # one deep copy for all, so modules shared between them (pipeline_ runs encoder_)
        # stay shared
        state.update({key: value.cpu() for key, value in copy.deepcopy(cuda).items()})
        return state

    def __setstate__(self, state: dict) -> None:
        if "model_" in state:  # a BPTEncoder pickled before model_ became encoder_
            state = {**state, "encoder_": state["model_"]}
            del state["model_"]
        self.__dict__.update(state)
        device = state.get("device_")
        if device is not None and device.type == "cuda":
            if not torch.cuda.is_available():
                logger.warning("Unpickled on a machine without CUDA: running on the CPU.")
                self.device_ = torch.device("cpu")
            for value in self.__dict__.values():
                if isinstance(value, nn.Module):
                    value.to(self.device_)

