"""Pick the best imputation baseline, or their blend, on samples of held-back windows
hidden on purpose."""

from __future__ import annotations

import warnings
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import _fit_context, clone
from sklearn.linear_model import LinearRegression
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, check_random_state

from ..exceptions import BPTWarning
from ._ar_impute import ARImputer, WindowARImputer
from ._base import evenly_spaced
from ._channel_mixing import ChannelRegressionImputer
from ._impute import ChannelMeanImputer, InterpolationImputer, _BaseImputer, _BlendImputer
from ._masks import PATTERNS, _repeats, make_missing_mask, missing_pattern, validation_masks
from ._select import _SELECT_PARAMS, _held_back


def _fill_blocks(imputer: Any, X_val: np.ndarray, hidden: np.ndarray, block: int
                ) -> np.ndarray:
    """``imputer.transform(X_val, mask=hidden)`` one block of ``block`` windows at a time:
    :func:`validation_masks` repeats the windows, and an imputer that adapts to the
    windows it fills must not see, in one repeat, the samples hidden in another (also
    :meth:`BestBaselineImputer.rank`)."""
    return np.concatenate([imputer.transform(X_val[i:i + block], mask=hidden[i:i + block])
                           for i in range(0, len(X_val), block)])


def fill_by_pattern(baselines: dict, x: np.ndarray, hidden: np.ndarray, patch_len: int,
                    patterns: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Fill the hidden samples of (n, C, T) ``x``, each channel of each window by the
    baseline (any imputer) given for its pattern of missing samples; also return those
    patterns."""
    if patterns is None:
        patterns = missing_pattern(hidden, patch_len=patch_len)
    x_nan = np.where(hidden, np.nan, x)
    out = np.where(hidden, 0.0, x).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BPTWarning)  # rows of other patterns, unused
        for pattern in PATTERNS:
            rows = hidden & (patterns == pattern)[..., None]
            if rows.any():
                out[rows] = baselines[pattern].transform(x_nan, mask=rows)[rows]
    return out, patterns


BLEND = "blend of baselines"
ADAPTED = "blend of baselines, adapted"  # re-weighted on the windows filled (rank)
_PROBE_GAPS = 2  # copies of the windows that score gaps hidden on purpose
# channels of windows the check fills where every channel misses samples (scattered, gaps):
# 64 windows of 16 channels; windows of many channels cost more each and score more rows
_PROBE_ROWS = 1024


def _stack(fills: dict[str, np.ndarray], target: np.ndarray, fold: np.ndarray,
           base: np.ndarray) -> tuple[np.ndarray, dict[str, float]]:
    """Non-negative least-squares blend of the candidates' ``fills`` of the hidden samples
    towards ``target`` (stacking, Breiman 1996) around the anchor's fill ``base`` (the
    channel mean: the weight the candidates leave goes to it), leaving out candidates 10
    times worse than the best: its out-of-fold fill (weights fitted on the samples of
    one ``fold``, 0 or 1, applied to the other, and the other way round) and its weights
    on every sample."""
    mse = {k: float(np.mean((f - target) ** 2)) for k, f in fills.items()}
    parts = [k for k, v in mse.items() if v <= 10 * min(mse.values())
             and not np.array_equal(fills[k], base)]  # the anchor itself adds nothing
    if not parts:  # no candidate within reach but the anchor: the anchor alone
        return base.copy(), {}
    F = np.stack([fills[k] - base for k in parts], axis=1)
    lsq = LinearRegression(fit_intercept=False, positive=True)
    out_of_fold = np.empty_like(target)
    for f in (0, 1):
        out_of_fold[fold == f] = base[fold == f] + lsq.fit(
            F[fold != f], (target - base)[fold != f]).predict(F[fold == f])
    weights = dict(zip(parts, lsq.fit(F, target - base).coef_.tolist(), strict=True))
    return out_of_fold, weights


def _row_errors(fill: np.ndarray, target: np.ndarray, probe: np.ndarray) -> np.ndarray:
    """Squared error of ``fill`` (the ``probe`` samples, in order) per channel of each
    window holding probe samples, each row's sum over the rows' mean count: their mean is
    the MSE over every probe sample, and their spread gives a paired test."""
    rows = np.nonzero(probe.reshape(-1, probe.shape[-1]))[0]
    sums = np.bincount(rows, weights=(fill - target) ** 2, minlength=probe[..., 0].size)
    counts = np.bincount(rows, minlength=probe[..., 0].size)
    return sums[counts > 0] / counts[counts > 0].mean()


def default_imputers(n_chans: int = 2) -> dict[str, Any]:
    """The imputation baselines a Brant imputation must beat, by name.

    Parameters
    ----------
    n_chans : int, default=2
        Channels of the data; the cross-channel regression needs at least 2.

    Returns
    -------
    candidates : dict of str to estimator
        Linear, cubic (PCHIP) and spline interpolation, autoregressive interpolation (one
        autoregression fitted on the fit windows, and one fitted on each window filled),
        the channel mean, and (with 2 channels or more) the cross-channel regression.

    Examples
    --------
    >>> from bptlearn.baselines import default_imputers
    >>> list(default_imputers(n_chans=1))  # doctest: +NORMALIZE_WHITESPACE
    ['linear', 'cubic (PCHIP)', 'spline', 'AR interpolation', 'AR interpolation on each window',
     'channel mean']
    """
    out = {"linear": InterpolationImputer("linear"), "cubic (PCHIP)": InterpolationImputer("cubic"),
           "spline": InterpolationImputer("spline"), "AR interpolation": ARImputer(),
           "AR interpolation on each window": WindowARImputer(),
           "channel mean": ChannelMeanImputer()}
    if n_chans >= 2:
        out["cross-channel regression"] = ChannelRegressionImputer()
    return out


class BestBaselineImputer(_BaseImputer):
    """The imputation baseline with the lowest MSE on samples hidden on purpose.

    ``fit`` hides samples of the last ``validation_fraction`` of the windows (or of whole
    held-back patients, when given their ids) in the given ``pattern``
    (:func:`make_missing_mask`), fills them with each candidate fitted on the other
    windows, and keeps the best, refitted on every window.

    Parameters
    ----------
    pattern : {'scattered', 'gaps', 'patch', 'channel'}, default='scattered'
        How samples go missing; see :func:`make_missing_mask`.
    candidates : dict of str to estimator or None, default=None
        Imputers by name; ``None``: :func:`default_imputers`.
    validation_fraction : float, default=0.2
        Fraction of the windows used to score the candidates.
    patch_len : int, default=1500
        Samples per patch, for ``pattern='patch'``.
    random_state : int or None, default=None
        Seed of the hidden samples.
    blend : bool, default=False
        Also try the blend of the candidates' fills with non-negative least-squares
        weights on the hidden samples (stacking, Breiman 1996; named 'blend of
        baselines'; candidates 10 times worse than the best are left out; needs 4
        held-back windows or more), around the channel mean: it fills ``mean + sum_k
        w_k * (fill_k - mean)``, so the weight the candidates leave goes to each
        window's own mean, not to 0. Its score is out of fold (weights fitted on half of
        the held-back windows, scored on the other half, and the other way round); it
        is chosen, like any candidate, only if that score is the lowest: for
        instance where one candidate follows the channel's own rhythm (AR) and another
        the other channels.

    Attributes
    ----------
    best_name_ : str
        Name of the chosen candidate.
    best_estimator_ : estimator
        The chosen candidate, refitted on every window.
    estimators_ : dict of str to estimator
        Every candidate, refitted on every window (for :meth:`rank`), and the blend
        (weights in its ``weights`` parameter) when ``blend``.
    scores_ : dict of str to float
        Held-back MSE of each candidate on the hidden samples.
    n_chans_in_ : int
        Number of channels seen during fit.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines import BestBaselineImputer
    >>> t = np.arange(300) / 250.0
    >>> X = np.sin(2 * np.pi * np.array([3.0, 5.0])[:, None] * t)[None].repeat(10, axis=0)
    >>> BestBaselineImputer(random_state=0).fit(X).best_name_  # sinusoids are AR processes
    'AR interpolation'
    """

    _parameter_constraints: dict = {**_SELECT_PARAMS, "pattern": [StrOptions(set(PATTERNS))],
                                    "patch_len": [Interval(Integral, 1, None, closed="left")],
                                    "random_state": ["random_state"], "blend": ["boolean"]}

    def __init__(self, pattern: str = "scattered", *, candidates: dict | None = None,
                 validation_fraction: float = 0.2, patch_len: int = 1500,
                 random_state: Any = None, blend: bool = False) -> None:
        self.pattern = pattern
        self.candidates = candidates
        self.validation_fraction = validation_fraction
        self.patch_len = patch_len
        self.random_state = random_state
        self.blend = blend

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None, groups: Any = None) -> BestBaselineImputer:
        """Score every candidate on samples hidden in held-back windows; keep the best.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            Windows, NaN where samples are missing.
        y : None
            Ignored.
        groups : array-like of shape (n_windows,) or None, default=None
            Patient (or recording) ids. With 3 or more, whole groups are held back
            (about ``validation_fraction`` of them, evenly spaced in order of first
            appearance) instead of the last windows.

        Returns
        -------
        self : BestBaselineImputer
        """
        return self._fit_checked(X, groups=groups)

    def _fit(self, X: np.ndarray, groups: Any = None) -> dict:
        candidates = self.candidates or default_imputers(X.shape[1])
        train, val = _held_back(len(X), self.validation_fraction, groups)
        X_val, hidden = validation_masks(X[val], self.pattern, patch_len=self.patch_len,
                                         random_state=self.random_state)
        scores, fills = {}, {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zero-filled channels are what we measure
            for name, est in candidates.items():
                fills[name] = _fill_blocks(clone(est).fit(X[train]), X_val, hidden,
                                          len(val))[hidden]
                scores[name] = float(np.mean((fills[name] - X_val[hidden]) ** 2))
        fitted = {name: clone(est).fit(X) for name, est in candidates.items()}
        if self.blend and len(val) >= 4:  # two windows or more per fold
            fold = np.nonzero(hidden)[0] % len(val) % 2  # repeats of a window share a fold
            anchor = ChannelMeanImputer()
            base = _fill_blocks(anchor.fit(X[train]), X_val, hidden, len(val))[hidden]
            blend, weights = _stack(fills, X_val[hidden], fold, base)
            scores[BLEND] = float(np.mean((blend - X_val[hidden]) ** 2))
            fitted[BLEND] = _BlendImputer({k: fitted[k] for k in weights}, weights,
                                          anchor.fit(X)).fit(X[:1])
        best = min(scores, key=scores.get)
        return {"best_name_": best, "scores_": scores, "estimators_": fitted,
                "best_estimator_": fitted[best]}

    def _fill(self, X: np.ndarray, missing: np.ndarray) -> np.ndarray:
        return self.best_estimator_.transform(X, mask=missing)

    def rank(self, X: np.ndarray, missing: np.ndarray, *, max_windows: int = 64,
             rate: float = 0.1, random_state: Any = None) -> dict[str, float]:
        """MSE of every fitted candidate on observed samples of ``X`` hidden in this pattern.

        Chooses the baseline on the data being filled rather than on the fit data: some
        still-observed samples of up to ``max_windows`` windows are hidden as
        :func:`make_missing_mask` draws them (for 'patch' and 'channel': one patch or
        channel per window, in up to 4 copies of the windows with other draws; a patch
        of a channel that already misses one where there is one; for 'gaps', in 2
        copies), and every candidate fills them. With ``blend=True``, for
        scattered samples and gaps in 4 windows or more, the blend re-weighted on those
        samples is scored too, out of fold (weights fitted on every other window, scored
        on the rest): 'blend of baselines, adapted'.

        Parameters
        ----------
        X : ndarray of shape (n_windows, n_chans, n_times)
            Windows to fill.
        missing : ndarray of bool of X's shape
            Samples already missing (never scored).
        max_windows : int, default=64
            Windows used, evenly spaced; for 'scattered' and 'gaps', at most 1024
            channels of windows in all (16 windows of 64 channels), and 8 windows or more.
        rate : float, default=0.1
            Fraction of the samples hidden in 'scattered' and 'gaps' patterns: small, so
            that the density of missing samples, which decides between interpolators,
            stays close to that of ``X``.
        random_state : int or None, default=None
            Seed of the hidden samples.

        Returns
        -------
        scores : dict of str to float
            MSE per candidate name; empty when nothing observed is left to hide.

        Examples
        --------
        >>> import numpy as np
        >>> from bptlearn.baselines import BestBaselineImputer
        >>> t = np.arange(300) / 250.0
        >>> X = np.sin(2 * np.pi * 5.0 * t)[None, None].repeat(10, axis=0)
        >>> best = BestBaselineImputer(random_state=0).fit(X + np.random.default_rng(0).normal(
        ...     scale=0.5, size=X.shape))  # noisy fit data: the AR model is best
        >>> scores = best.rank(X, np.zeros(X.shape, dtype=bool), random_state=0)
        >>> best.best_name_, min(scores, key=scores.get)  # smooth data: the spline is best
        ('AR interpolation', 'spline')
        """
        check_is_fitted(self)
        errors, _ = self._scores(*self._probe(X, missing, max_windows=max_windows, rate=rate,
                                              random_state=random_state))
        return {k: float(np.mean(e)) for k, e in errors.items()}

    def _probe(self, X: np.ndarray, missing: np.ndarray, *, max_windows: int = 64,
               rate: float = 0.1, random_state: Any = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Up to ``max_windows`` windows of ``X`` (for scattered samples and gaps, also at
        most :data:`_PROBE_ROWS` channels of windows, but 8 windows or more), repeated
        with another draw in each copy
        (up to 4 copies for 'patch' and 'channel', 2 for 'gaps', whose one draw hides
        only a few gaps per window), the samples already missing in them, the observed
        samples to hide on purpose, and the windows per copy."""
        if self.pattern in ("scattered", "gaps"):  # every channel filled: bound the rows
            max_windows = min(max_windows, max(8, _PROBE_ROWS // X.shape[1]))
        rows = evenly_spaced(len(X), max_windows)
        repeats = _PROBE_GAPS if self.pattern == "gaps" else _repeats(self.pattern, X.shape[1])
        X, missing = np.concatenate([X[rows]] * repeats), np.concatenate([missing[rows]] * repeats)
        if self.pattern in ("patch", "channel"):
            probe = self._probe_rows(missing, random_state)
        else:
            probe = make_missing_mask(X.shape, self.pattern, patch_len=self.patch_len,
                                      rate=rate, random_state=random_state) & ~missing
        return X, missing, probe, len(rows)

    def _scores(self, X: np.ndarray, missing: np.ndarray, probe: np.ndarray, block: int
                ) -> tuple[dict[str, np.ndarray], _BlendImputer | None]:
        """Squared errors per channel-window (:func:`_row_errors`) of every fitted
        candidate on the ``probe`` samples of ``X`` and, with ``blend`` (scattered samples
        and gaps in 4 windows or more), of their blend re-weighted on those samples (out
        of fold), with that blend."""
        if not probe.any():
            return {}, None
        X_obs, target = np.where(missing, np.nan, X), X[probe]
        fills = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, est in self.estimators_.items():
                fills[name] = _fill_blocks(est, X_obs, probe, block)[probe]
        # every other window; the copies of a window in one fold
        adapted, fold = None, np.nonzero(probe)[0] % block % 2
        if (BLEND in self.estimators_ and len(X) >= 4 and self.pattern in ("scattered", "gaps")
                and np.unique(fold).size == 2):  # else too few to re-weigh on
            singles = {k: f for k, f in fills.items() if k != BLEND}
            anchor = self.estimators_[BLEND].anchor
            base = _fill_blocks(anchor, X_obs, probe, block)[probe]
            fills[ADAPTED], weights = _stack(singles, target, fold, base)
            adapted = _BlendImputer({k: self.estimators_[k] for k in weights}, weights,
                                    anchor).fit(X[:1])
        return {k: _row_errors(f, target, probe) for k, f in fills.items()}, adapted

    def _probe_rows(self, missing: np.ndarray, random_state: Any) -> np.ndarray:
        """Hide one complete channel (or one patch of it) per window. For 'patch', a
        complete patch of a channel that already misses one in that window, where there
        is one: how well a channel is read depends on the channel (on the real 19-s
        recording, the ECoG channels sum to zero, which the same-instant regression reads
        exactly, while the depth channels follow their own past), so the check scores
        the channels being filled. Otherwise a channel away from the rows already
        missing, so that a regression on the other channels keeps its nearest neighbours
        (SEEG contacts are listed along their shafts); for 'patch', failing that, any
        complete patch (a single channel that already misses a patch)."""
        rng = check_random_state(random_state)
        probe = np.zeros(missing.shape, dtype=bool)
        taken = missing.any(axis=-1)
        P = self.patch_len
        n_patches = max(1, missing.shape[-1] // P)
        by_patch = missing[..., :n_patches * P].reshape(*missing.shape[:2], n_patches, P)
        for w in range(len(missing)):
            whole = ~by_patch[w].any(axis=-1)  # (C, n_patches): patches still complete
            own = whole & by_patch[w].all(axis=-1).any(axis=-1, keepdims=True)
            bad = np.flatnonzero(taken[w])
            free = [c for c in np.flatnonzero(~taken[w]) if np.all(np.abs(bad - c) > 1)]
            if self.pattern == "patch" and own.any():
                c, p = np.argwhere(own)[rng.randint(own.sum())]
                probe[w, c, p * P:(p + 1) * P] = True
            elif free:
                c = free[rng.randint(len(free))]
                start = 0 if self.pattern == "channel" else rng.randint(n_patches) * P
                stop = missing.shape[-1] if self.pattern == "channel" else start + P
                probe[w, c, start:stop] = True
            elif self.pattern == "patch" and whole.any() and missing.shape[-1] >= P:
                c, p = np.argwhere(whole)[rng.randint(whole.sum())]
                probe[w, c, p * P:(p + 1) * P] = True
        return probe
