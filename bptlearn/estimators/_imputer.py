"""BPTImputer: fill missing samples of SEEG windows with a Brant encoder."""

from __future__ import annotations

import logging
import warnings
from numbers import Real
from typing import Any

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.utils._param_validation import Interval
from torch import nn

from ..baselines import (
    PATTERNS,
    BestBaselineImputer,
    ChannelRegressionImputer,
    default_imputers,
    make_missing_mask,
    missing_pattern,
    shrinkage,
    validation_masks,
)
from ..baselines._backtest import clearly_better
from ..baselines._candidates import imputer_candidates
from ..baselines._select import _held_back, channel_groups
from ..baselines._select_impute import fill_by_pattern
from ..exceptions import BPTWarning
from ..nn.heads import ImputationHead, ImputationModel
from ..nn.losses import MaskedMSELoss
from ..nn.pipeline import ImputationPipeline
from ..utils._random import draw_seed
from ..weights import DEFAULT_WEIGHTS
from ._input import Signals
from ._net import _BPTNet

logger = logging.getLogger(__name__)
_HELD_BACK = 0.2  # fraction of the fit windows that measure the baselines and the shrinkage
_TRAIN_MIX = (0.5, 0.2, 0.15, 0.15)  # share of training windows per pattern (PATTERNS order)
# patterns whose baseline transform re-checks on the data (not whole channels: a channel
# hidden on purpose in a window that already misses one leaves two missing, which favours
# the adapted regression over the fitted one; in examples/plot_imputation.py the check
# preferred the adapted one by 4 % where the fitted one was 5 % better)
_ADAPTED = ("scattered", "gaps", "patch")
# another baseline replaces the fitted one where >1 % better on X itself and by 2 standard
# errors across channels of windows, or >5 % better (channels can differ in which
# baseline suits them, and the test then misses a gain the pooled error shows); the
# correction stays, at the weight checked over the new fill
_SWITCH, _SWITCH_WIDE = 0.99, 0.95


def _pack(fill: np.ndarray, hidden: np.ndarray, shape: tuple) -> np.ndarray:
    """(n, C, L, 2P) model input: the baseline's fill, then the mask."""
    return np.concatenate([fill.reshape(shape), hidden.reshape(shape).astype(np.float32)],
                          axis=-1)


class BPTImputer(TransformerMixin, _BPTNet):
    """Fill NaN (or masked) samples; observed samples come back bit-identical.

    Missing samples come in four patterns (:func:`~bptlearn.baselines.missing_pattern`):
    scattered samples, gaps of 0.2 s or more, a whole 6-s patch, a whole channel. For
    each, ``fit`` chooses the best simple imputer (linear, cubic (PCHIP), spline or
    autoregressive interpolation, the channel mean, or the other channels by ridge
    regression, fitted on the fit data, adapted to the windows filled or to each window
    filled; for scattered samples and gaps also the per-window regression whose residual
    is carried into the missing samples by autoregressive interpolation,
    ``ChannelRegressionImputer(adapt='window', residual='ar')``, for gaps also by an AR
    fitted on each window's residual, ``residual='window_ar'``, and for scattered samples
    linearly, ``residual='linear'``; for whole patches also the per-window regression
    with the weight of its prior chosen on each window, ``window_prior='auto'``, for
    recordings whose channels mix unlike the fit data's), or their least-squares blend,
    on samples of held-back windows hidden on purpose
    (:class:`~bptlearn.baselines.BestBaselineImputer` with ``blend=True``). The model
    sees that baseline's fill and the mask, and learns a correction to it on the other
    windows, from samples hidden in all four patterns (scattered ones with probability
    ``mask_rate``, as in the paper): the paper's linear head on every token plus a small
    local filter across time and neighbouring channels
    (:class:`~bptlearn.nn.heads.ImputationHead`). The
    correction is then shrunk, per pattern, by a weight in [0, 1] fitted on held-back
    windows, exactly 0 where it does not lower their error by 2 standard errors across
    channels of windows (:func:`~bptlearn.baselines.shrinkage`): on data like the fit data
    the imputer is never worse than its baseline. ``transform`` fills the missing
    samples of new windows; for each pattern present it first hides observed samples of
    those windows on purpose, in that pattern, and checks there which baseline fills
    them best (scattered samples, gaps and patches: where another, or for scattered
    samples and gaps the blend re-weighted on those samples, is better by more than
    1 % and 2 standard errors across channels of windows, or by more than 5 %, it
    replaces the fitted one) and how much of the correction helps: the weight
    used is the smaller of the fitted one and that one (0 where the correction does not
    help on the data at hand, as on data unlike the fit data).
    Read more in the :ref:`User Guide <imputation>`.

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
    baseline_name_ : dict of str to str
        For each pattern ('scattered', 'gaps', 'patch', 'channel'), the baseline chosen
        ('blend of baselines': a blend, whose weights are in
        ``baselines_[pattern].best_estimator_.weights``). A whole missing channel is
        predicted from the other channels (a 'cross-channel regression', alone or in the
        blend) when the fit data show that they carry information about it.
    baselines_ : dict of str to BestBaselineImputer
        Those baselines, fitted on the scaled fit windows (their ``scores_`` compare
        every candidate).
    shrinkage_ : dict of str to float
        Weight of the learned correction for each pattern (0: the baseline alone).
    residual_gain_ : dict of str to float
        Held-back MSE of the imputer divided by that of the baseline, per pattern
        (<= 1 by construction).
    pipeline_ : bptlearn.nn.pipeline.ImputationPipeline
        The fitted scaling, then the encoder and head that read the baseline's fill and
        the mask; ``transform`` runs the two in turn, the baseline fill between them.
    net_, encoder_, history_, n_chans_in_, sfreq_in_, n_patches_in_, scaling_, center_, \
scale_, device_
        As in :class:`BPTSeizureClassifier`.

    See Also
    --------
    bptlearn.baselines.BestBaselineImputer : The baselines to beat, best one chosen.

    Notes
    -----
    One random mask per training window is drawn per fit (seeded by ``random_state``);
    the last 20 % of the fit windows are held back to choose the baselines and the
    shrinkage, so the network trains on the others. With ``finetune='probe'`` the
    encoder is frozen while the head trains. The paper feeds zeros at hidden samples
    instead of a baseline's fill. ``transform`` returns float64 for float64 input and
    float32 otherwise: integer and float16 input are converted to float32 (as every
    estimator reads them), since filled values would not fit them exactly.

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
    >>> imp.baseline_name_["scattered"], bool(imp.residual_gain_["scattered"] <= 1.0)
    ('cross-channel regression, window, AR residual', True)
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
                 device: Any = "auto", verbose: int | str = "auto", random_state: Any = None,
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

    def _check_rate(self, signals: Signals, config: Any) -> None:
        if signals.sfreq != config.sfreq:
            raise ValueError(
                f"BPTImputer fills samples at the model's {config.sfreq:g} Hz, but X is at "
                f"{signals.sfreq:g} Hz. Resample first (epochs.resample({config.sfreq:g}) or "
                "bptlearn.data.to_windows), so that the observed samples you get back are the "
                "ones you passed."
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
            Patient (or recording) ids, passed to ``train_split``. With 3 or more, the
            windows that choose the baseline and the correction's weight are whole
            patients held back, not the last 20 % of the windows.

        Returns
        -------
        self : BPTImputer
        """
        return self._fit_task(X, None, groups)

    def _task_targets(self, y: Any, signals: Signals, n_patches: int, config: Any):
        self._check_rate(signals, config)
        return None, {}

    def _task_pipeline(self) -> ImputationPipeline:
        return ImputationPipeline(self._input_scaling(), self._inference_module()).to(self.device_)

    def _task_module(self, head: nn.Module) -> ImputationModel:
        return ImputationModel(self.encoder_.train(), head, self.layer)

    def _train(self, signals: Signals, targets: Any, groups: Any, inputs: Any = None):
        clean = self._run(signals, lambda x: x)  # scaled patches (n, C, L, P)
        n, C, L, P = clean.shape
        flat = clean.reshape(n, C, L * P)
        rows, held = _held_back(n, _HELD_BACK, groups)
        seed = draw_seed(self.random_state)
        candidates = default_imputers(C)
        if C > 1:  # the other channels as they mix in the windows filled, or in each one
            candidates["cross-channel regression, adapted"] = ChannelRegressionImputer(adapt=True)
            candidates["cross-channel regression, window"] = ChannelRegressionImputer(
                adapt="window")
        baselines = {pattern: BestBaselineImputer(
            pattern, candidates={**candidates, **imputer_candidates(pattern, C)}, patch_len=P,
            random_state=seed, blend=True).fit(flat, groups=groups) for pattern in PATTERNS}
        hidden = self._masks(flat.shape, P, seed)
        best = {k: b.best_estimator_ for k, b in baselines.items()}
        fill, patterns = fill_by_pattern(best, flat, hidden, P)
        # each pattern weighs alike: errors relative to its baseline's held-back MSE
        error = {k: b.scores_[b.best_name_] for k, b in baselines.items()}
        weight = np.vectorize(lambda k: 1.0 / max(error.get(k, 1.0), 1e-6),
                              otypes=[np.float32])(patterns)
        weight = hidden * (weight / weight[hidden.any(-1)].mean())[..., None]
        targets = np.concatenate([clean, weight.reshape(clean.shape).astype(np.float32)], -1)
        net = super()._train(signals.subset(rows), targets[rows],
                             None if groups is None else np.asarray(groups)[rows],
                             inputs=_pack(fill, hidden, clean.shape)[rows])
        module = self._inference_module(net)
        weights, gains = {}, {}
        for i, pattern in enumerate(PATTERNS):  # shrink the correction on held-back windows
            val, mask = validation_masks(flat[held], pattern, patch_len=P, random_state=seed + i,
                                         rate=self.mask_rate if pattern == "scattered" else None)
            weights[pattern], gains[pattern] = self._shrinkage(module, best, val, mask, mask,
                                                               len(held))
        vars(self).update(baselines_=baselines, shrinkage_=weights, residual_gain_=gains,
                          baseline_name_={k: b.best_name_ for k, b in baselines.items()})
        return net

    def _shrinkage(self, module: nn.Module, best: dict, X: np.ndarray, hidden: np.ndarray,
                   scored: np.ndarray, block: int) -> tuple[float, float]:
        """Weight of the correction that best fills the ``scored`` samples of scaled
        (n, C, T) ``X`` (observed, hidden on purpose among the ``hidden`` ones; 0 unless
        significant across channels of windows), and the
        MSE ratio it leaves over the baseline fill; ``block``: windows per repeat (the
        adaptive fills of one repeat must not see the others)."""
        P = self.encoder_.config.patch_len
        fill = np.concatenate([fill_by_pattern(best, X[j:j + block], hidden[j:j + block], P)[0]
                               for j in range(0, len(X), block)])
        out = self._map_array(_pack(fill, hidden, (*X.shape[:2], -1, P)), module)
        correction = (out.reshape(fill.shape) - fill)[scored].astype(float)
        target = (X - fill)[scored].astype(float)
        weight = shrinkage(target, correction, groups=channel_groups(X.shape)[scored])
        return weight, float(np.mean((target - weight * correction) ** 2)
                             / max(np.mean(target ** 2), 1e-30))

    def _masks(self, shape: tuple, patch_len: int, seed: int) -> np.ndarray:
        """Training masks: each window hides samples in one pattern, drawn at random."""
        rng = np.random.default_rng(seed)
        masks = np.stack([make_missing_mask(shape, pattern, patch_len=patch_len,
                                            rate=self.mask_rate if pattern == "scattered"
                                            else None, random_state=seed + i)
                          for i, pattern in enumerate(PATTERNS)])
        which = rng.choice(len(PATTERNS), size=shape[0], p=_TRAIN_MIX)
        return masks[which, np.arange(shape[0])]

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
        X_filled : ndarray of the shape of X, float64 for float64 input, else float32
            A new array: filled where missing, bit-identical to X elsewhere.
        """
        signals = self._check_fitted_input(X, same_chans=True, same_patches=True, allow_nan=True,
                                           why="BPTImputer fills windows of the shape it was "
                                               "fitted on.")
        self._check_rate(signals, self.encoder_.config)
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
        result = np.array(original, copy=True)  # int and float16 were read as float32
        if not hidden.any():
            return result
        n, C, T = original.shape
        P = self.encoder_.config.patch_len
        x = np.where(hidden, np.nan, original).astype(np.float32).reshape(n, C, -1, P)
        scaled, center, scale = (t.cpu().numpy() for t in
                                 self.pipeline_.scaling(torch.from_numpy(x).to(self.device_)))
        scaled = scaled.reshape(n, C, T)
        patterns = missing_pattern(hidden, patch_len=P)
        chosen, weights, names = self._adapted_baselines(scaled, hidden, patterns)
        fill, _ = fill_by_pattern(chosen, scaled, hidden, P, patterns)
        self._report_channels(patterns, names["channel"])
        out = self._map_array(_pack(fill, hidden, x.shape), self.pipeline_)
        weight = np.vectorize(lambda k: weights.get(k, 0.0), otypes=[np.float32])(
            patterns)[..., None]
        filled = fill + weight * (out.reshape(fill.shape) - fill)
        filled = (filled.reshape(x.shape) * scale + center).reshape(n, C, T)
        result[hidden] = filled[hidden]
        return result

    def _adapted_baselines(self, scaled: np.ndarray, hidden: np.ndarray, patterns: np.ndarray
                           ) -> tuple[dict, dict, dict]:
        """Per pattern present, the baseline and the weight of the correction, checked on
        observed samples of X hidden on purpose in that pattern: another baseline
        replaces the fitted one where it is more than 1 % better there and by 2
        standard errors across channels of windows, or more than 5 % better (not for
        whole channels, see ``_ADAPTED``), and the correction's weight is the smaller of the
        fitted shrinkage and the one that fills those samples best (data unlike the fit
        data get less of it, or none)."""
        best = {k: b.best_estimator_ for k, b in self.baselines_.items()}
        chosen, weights = dict(best), dict.fromkeys(PATTERNS, 0.0)
        names = {k: b.best_name_ for k, b in self.baselines_.items()}
        for i, pattern in enumerate(PATTERNS):
            if not (patterns == pattern).any():
                continue
            select = self.baselines_[pattern]
            X, missing, probe, block = select._probe(
                scaled, hidden, random_state=draw_seed(self.random_state) + i)
            if not probe.any():  # nothing observed to check on: as fitted
                weights[pattern] = self.shrinkage_[pattern]
                continue
            if pattern in _ADAPTED:
                errors, adapted = select._scores(X, missing, probe, block)
                names[pattern] = clearly_better(errors, select.best_name_, _SWITCH, _SWITCH_WIDE)
                chosen[pattern] = select.estimators_.get(names[pattern], adapted)
            if names[pattern] != select.best_name_:
                logger.info("Missing samples in pattern %r: %r fills this data best, not %r "
                            "as in fit.", pattern, names[pattern], select.best_name_)
            if self.shrinkage_[pattern] > 0:
                weight, _ = self._shrinkage(self.pipeline_, chosen, X, missing | probe, probe,
                                            block)
                weights[pattern] = min(self.shrinkage_[pattern], weight)
        return chosen, weights, names

    def _report_channels(self, patterns: np.ndarray, how: str) -> None:
        n_empty = int((patterns == "channel").sum())
        if not n_empty:
            return
        parts = getattr(self.baselines_["channel"].estimators_[how], "weights", None) or {how: 1}
        if any(w > 0 and k.startswith("cross-channel") for k, w in parts.items()):
            logger.info("%d channel(s) had no observed sample in their window; filled from the "
                        "other channels (%s).", n_empty, how)
        else:
            warnings.warn(
                f"{n_empty} channel(s) had no observed sample in their window and were filled "
                f"by the '{how}' baseline: the other channels did not predict a missing channel "
                "better (in the fit data, or on channels of X hidden on purpose). Treat those "
                "channels as unknown.",
                BPTWarning, stacklevel=3)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
