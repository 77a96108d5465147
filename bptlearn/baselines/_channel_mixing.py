"""Imputation from the other channels: :class:`ChannelRegressionImputer`, and how channels
mix in the windows being filled (the covariance of their observed samples, the
per-window regression of ``adapt='window'``; conditional means in :mod:`._gaussian`)."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.utils._param_validation import Interval, StrOptions

from ..exceptions import BPTWarning
from ._ar_impute import ARImputer, WindowARImputer
from ._base import one_blas_thread
from ._gaussian import conditional, conditionals, unique_columns
from ._impute import KINDS, InterpolationImputer, _BaseImputer, _interpolate
from ._masks import in_gaps

MIN_PAIRS = 1000  # instants at which every pair with a channel must be observed (adapt)
WINDOW_PRIOR = 1000  # instants the prior counts as in a window's regression, by default
PRIOR_GRID = (0, 300, 1000, 3000)  # window_prior='auto': the weights tried on half a window


def observed_cov(X: np.ndarray, missing: np.ndarray, prior: np.ndarray, n_prior: int = 22500
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Covariance (C, C) of the observed samples of (n, C, T) ``X`` (pairwise complete),
    pooled with the fit data's ``prior`` counted as ``n_prior`` instants, at the observed
    samples' variances (:func:`at_scale`); the channel means; and the instants at which
    each pair of channels is observed together."""
    observed = np.where(missing, np.nan, X).transpose(0, 2, 1).reshape(-1, X.shape[1])
    seen = np.isfinite(observed).astype(float)
    pairs = seen.T @ seen
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a channel never observed
        mean = np.nan_to_num(np.nanmean(observed, axis=0))
    scatter = np.nan_to_num(observed - mean)
    scatter = scatter.T @ scatter
    var = np.where(np.diag(pairs) > 0, np.diag(scatter) / np.maximum(np.diag(pairs), 1),
                   np.diag(prior))
    return (scatter + n_prior * at_scale(prior, var)) / (pairs + n_prior), mean, pairs


def at_scale(cov: np.ndarray, var: np.ndarray) -> np.ndarray:
    """The correlations of ``cov`` at the variances ``var``: a prior learnt on data in
    other units, or with other gains, says how channels mix, not how large they are."""
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.nan_to_num(cov / np.outer(sd, sd))
    np.fill_diagonal(corr, 1.0)
    return corr * np.sqrt(np.outer(var, var))


def fill_by_window(out: np.ndarray, X: np.ndarray, missing: np.ndarray, base: np.ndarray,
                   prior: np.ndarray, n_prior: int | str = WINDOW_PRIOR) -> None:
    """In place: each channel still observed in its window, at every sample, from
    the other channels of ``base`` (n, C, T: each channel interpolated through its own
    gaps), with the covariance of the instants at which that channel is observed pooled
    with ``prior`` counted as ``n_prior`` instants (``prior`` alone for pairs with a
    channel missing from the whole window), around the window's own means (``base``'s
    for a channel missing from the whole window); where the channel is missing, from
    the channels not inside a gap there (:func:`_read_observed`). ``n_prior='auto'``:
    the weight of :func:`_chosen_prior`, over the window's complete instants (at which
    every channel with a sample in the window is observed) when it has 4 or more, on
    the channels observed wherever the channel is missing (if any): trusted more than
    the prior, the window must neither learn from nor read a channel interpolated
    through a gap."""
    for w in np.flatnonzero((missing.any(axis=-1) & ~missing.all(axis=-1)).any(axis=-1)):
        present = np.flatnonzero(~missing[w].all(axis=-1))  # channels with a sample here
        observed = np.ma.masked_array(X[w], missing[w])
        mean = observed.mean(axis=1).filled(np.nan)
        mean = np.where(np.isnan(mean), base[w].mean(axis=1), mean)
        block = np.ix_(present, present)
        every = base[w][present] - base[w][present].mean(axis=1, keepdims=True)  # (C', T)
        total, gram = every.sum(axis=1), every @ every.T
        incomplete = missing[w][present].any(axis=0)  # instants with a channel interpolated
        inside = in_gaps(missing[w])  # (C, T): the samples inside a gap
        for c in np.flatnonzero(missing[w].any(axis=-1) & ~missing[w].all(axis=-1)):
            # the instants at which c is missing drop out; the fill reads every channel
            drop, use, weight = missing[w, c], np.arange(len(prior)), n_prior
            if n_prior == "auto":  # complete instants; channels observed wherever c is not
                drop = incomplete if (~incomplete).sum() >= 4 else drop
                held = ~missing[w][:, missing[w, c]].any(axis=1)
                use = np.union1d(np.flatnonzero(held), [c]) if held.any() else use
                rows = np.isin(present, use)  # of every
                weight = _chosen_prior(every[rows], np.searchsorted(present[rows], c),
                                       np.flatnonzero(~drop), prior[block][np.ix_(rows, rows)])
            gone = every[:, drop]
            n_seen, seen_sum = every.shape[1] - gone.shape[1], total - gone.sum(axis=1)
            scatter = gram - gone @ gone.T - np.outer(seen_sum, seen_sum) / n_seen
            cov = prior.copy()
            cov[block] = (scatter + weight * prior[block]) / (n_seen + weight)
            k = np.searchsorted(use, c)
            others = np.delete(use, k)
            out[w, c] = mean[c] + (base[w, others] - mean[others, None]).T @ conditional(
                cov[np.ix_(use, use)], k)
            _read_observed(out[w, c], base[w], missing[w, c], inside, mean, cov, use, c)


def _read_observed(row: np.ndarray, base: np.ndarray, missing: np.ndarray, inside: np.ndarray,
                   mean: np.ndarray, cov: np.ndarray, use: np.ndarray, c: int) -> None:
    """In place: at each instant at which channel ``c`` is missing, ``row`` from the
    channels of ``use`` not ``inside`` a gap at that instant (:func:`in_gaps`; their
    Gaussian conditional mean under ``cov``, with the ridge of all the other channels of
    ``use``, :func:`conditionals`): not from a channel interpolated through a
    gap there, which is a straight line, while scattered samples interpolate well; an
    instant with no such channel keeps ``row``. ``base``, ``inside``: (C, T) of one
    window; ``missing``: (T,), channel ``c``'s."""
    gap = np.flatnonzero(missing)
    k = np.searchsorted(use, c)
    others = np.delete(use, k)
    seen = ~inside[np.ix_(others, gap)]  # (other channels of use, instants c is missing)
    patterns, which = unique_columns(seen)  # (other channels, P), (instants,)
    todo = ~patterns.all(axis=0) & patterns.any(axis=0)  # else all read already, or none
    if not todo.any():
        return
    beta = np.zeros(patterns.shape[::-1])  # (P, other channels): 0 for channels not read
    beta[todo] = conditionals(cov[np.ix_(use, use)], k, patterns[:, todo].T)
    at = todo[which]
    centred = base[others][:, gap[at]] - mean[others, None]  # (other channels, instants)
    row[gap[at]] = mean[c] + np.einsum("ut,tu->t", centred, beta[which[at]])


def _chosen_prior(every: np.ndarray, c: int, seen: np.ndarray, prior: np.ndarray) -> int:
    """``window_prior='auto'``: of :data:`PRIOR_GRID`, the weight of ``prior`` under which
    row ``c`` of ``every`` (C', T), regressed on the other rows over one half of the
    instants ``seen``, best predicts the other half (both ways round); doubled, since
    the fill counts twice as many instants (the prior's share stays the same)."""
    if len(seen) < 4 or len(every) < 2:  # too few instants, or no other channel here
        return WINDOW_PRIOR
    halves = np.array_split(seen, 2)
    others = np.delete(np.arange(len(every)), c)
    errors = np.zeros(len(PRIOR_GRID))
    for fit, test in (halves, halves[::-1]):
        mean = every[:, fit].mean(axis=1)
        part = every[:, fit] - mean[:, None]
        for i, k in enumerate(PRIOR_GRID):
            beta = conditional((part @ part.T + k * prior) / (len(fit) + k), c)
            pred = mean[c] + (every[others][:, test] - mean[others, None]).T @ beta
            errors[i] += np.sum((every[c, test] - pred) ** 2)
    return 2 * PRIOR_GRID[int(np.argmin(errors))]


class ChannelRegressionImputer(_BaseImputer):
    """Fill each channel from the other channels at the same instant (ridge regression).

    SEEG contacts on one shaft record overlapping fields, so a channel is partly
    predictable from its neighbours. ``fit`` learns, for each channel, a
    :class:`sklearn.linear_model.Ridge` on the other channels' samples (complete
    instants of the fit data). ``transform`` first interpolates each channel linearly
    along time (a channel with no observed sample: its fit mean), then predicts every
    missing sample of a channel from the others. It is the baseline for a whole channel
    missing; ``r2_`` says how much of each channel the others explain in the fit data.

    How channels mix depends on where the contacts sit, which differs between patients.
    With ``adapt=True`` the regression of a channel is estimated at ``transform`` from
    the windows being filled: from the covariance of their observed samples (each pair
    of channels over the instants where both are observed), pooled with the fit data's
    covariance counted as 22500 instants (90 s at 250 Hz), as a Gaussian conditional
    mean with a small ridge, wherever every pair involving that channel is observed
    together for at least 1000 samples; from the fit data otherwise. The windows
    themselves then decide how a channel missing in one window follows the others, as
    learnt from the windows where it was observed.

    Mixing also drifts within a recording. With ``adapt='window'`` a channel that still
    has observed samples in its window (a gap, a missing patch) is regressed on the
    others (each interpolated linearly through its own gaps) with their covariance over
    the instants at which that channel is observed, pooled with the ``adapt=True``
    covariance counted as ``window_prior`` instants (1000: 4 s at 250 Hz), around the
    window's own channel means; a channel missing from its whole window is filled as
    with ``adapt=True``. The fit data's covariance enters at the variances of the
    observed samples (its correlations only): fitted on data in other units or with
    other gains, it says how channels mix, not how large they are.
    Every instant at which the channel is observed counts, not only those at which all
    channels are: with gaps in 20 % of each of 8 channels, 80 % of the window instead of
    17 %, so that the window's own mixing outweighs the prior. Where the channel is
    missing, it is read from the other channels that are not inside a gap (0.2 s or
    more) at that instant, by the Gaussian conditional mean on them: a channel
    interpolated through a gap is a straight line there (scattered missing samples
    interpolate well and are read).

    What the other channels do not explain runs on in time. With ``residual`` set, the
    regression predicts every sample of a channel that misses some, and its error at
    the observed ones (the residual) is carried into the gaps and added: by
    autoregressive interpolation (``'ar'``: :class:`ARImputer`, fitted in ``fit`` on the
    residuals of the fit data; ``'window_ar'``: :class:`WindowARImputer`, fitted on each
    window's own residual when it is filled), or by interpolation along time
    (``'linear'``, ``'cubic'``, ``'spline'``: :class:`InterpolationImputer`). Near a
    gap's edges the channel's own recent samples count; in the middle of a long gap
    (``'ar'``) the regression alone.

    Parameters
    ----------
    alpha : float, default=1.0
        Ridge penalty, in squared signal units.
    adapt : bool or 'window', default=False
        Estimate the regressions on the observed samples of the windows being filled
        (``True``), and for each window on its own samples (``'window'``).
    residual : {None, 'ar', 'window_ar', 'linear', 'cubic', 'spline'}, default=None
        Carry the regression's residual into the gaps by autoregressive interpolation
        (one AR of the fit data, or one of each window) or by interpolation of that kind.
    window_prior : int or 'auto', default=1000
        With ``adapt='window'``: instants the pooled covariance counts as beside a
        window's own (0: the window alone). ``'auto'`` chooses it for each channel of
        each window, among 0, 300, 1000 and 3000 instants per half window: the one under
        which the regression fitted on one half of the window's complete instants (every
        channel observed) best predicts the other half, both ways round; it counts
        those instants only, and regresses on the channels observed wherever the channel
        is missing (for recordings whose channels mix unlike the fit data's, where the
        prior pulls the regression the wrong way). It suits a channel missing one long
        stretch (a patch), not gaps in every channel, which leave few complete instants.

    Attributes
    ----------
    estimators_ : list of sklearn.linear_model.Ridge
        One per channel, on the other channels in their order.
    r2_ : ndarray of shape (n_chans,)
        In-sample R² of each channel's regression on the fit data.
    mean_ : ndarray of shape (n_chans,)
        Mean of each channel in the fit data.
    cov_ : ndarray of shape (n_chans, n_chans)
        Covariance of the channels in the fit data (what ``adapt`` starts from).
    residual_ : ARImputer, WindowARImputer or InterpolationImputer
        With ``residual`` set: what carries the residual (for ``'ar'``, the
        autoregression of the fit data's residuals; for ``'window_ar'``, one fitted on
        each window's residual when it is filled).
    n_chans_in_ : int
        Number of channels seen during fit; transform needs the same channels.

    See Also
    --------
    ChannelMeanImputer : The channel mean.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines import ChannelRegressionImputer
    >>> s = np.random.default_rng(0).normal(size=(4, 1, 200))
    >>> X = np.concatenate([s, 2 * s], axis=1)  # channel 1 is twice channel 0
    >>> imp = ChannelRegressionImputer(alpha=1e-6).fit(X)
    >>> X_gap = X.copy(); X_gap[0, 1] = np.nan  # a whole channel missing
    >>> bool(np.allclose(imp.transform(X_gap), X, atol=1e-6)), imp.r2_.round(3).tolist()
    (True, [1.0, 1.0])
    """

    _parameter_constraints: dict = {"alpha": [Interval(Real, 0, None, closed="left")],
                                    "adapt": ["boolean", StrOptions({"window"})],
                                    "residual": [None, StrOptions({"ar", "window_ar", *KINDS})],
                                    "window_prior": [Interval(Integral, 0, None, closed="left"),
                                                     StrOptions({"auto"})]}
    _same_chans = True

    def __init__(self, alpha: float = 1.0, *, adapt: bool | str = False,
                 residual: str | None = None, window_prior: int | str = WINDOW_PRIOR
                 ) -> None:
        self.alpha = alpha
        self.adapt = adapt
        self.residual = residual
        self.window_prior = window_prior

    def _fit(self, X: np.ndarray) -> dict:
        samples = X.transpose(0, 2, 1).reshape(-1, X.shape[1])  # (instants, C)
        samples = samples[np.isfinite(samples).all(axis=1)]
        C = X.shape[1]
        if C < 2 or len(samples) < 2:
            raise ValueError(
                f"ChannelRegressionImputer predicts each channel from the others, so it needs "
                f"at least 2 channels and 2 complete instants in X, got {C} channel(s) and "
                f"{len(samples)} complete instant(s). Use InterpolationImputer instead.")
        estimators, r2 = [], np.empty(C)
        for c in range(C):
            others = np.delete(samples, c, axis=1)
            est = Ridge(alpha=self.alpha).fit(others, samples[:, c])
            estimators.append(est)
            r2[c] = est.score(others, samples[:, c])
        state = {"estimators_": estimators, "r2_": r2, "mean_": samples.mean(axis=0),
                 "cov_": np.cov(samples.T, bias=True)}
        if self.residual in ("ar", "window_ar"):  # the fit data's regressions, every sample
            missing = np.isnan(X)
            every = np.ones(X.shape[:2], dtype=bool)
            pred = _predict(every, _linear_base(X, missing, state["mean_"]), estimators)
            carry = ARImputer() if self.residual == "ar" else WindowARImputer()
            state["residual_"] = carry.fit(np.where(missing, np.nan, X - pred))
        elif self.residual is not None:
            state["residual_"] = InterpolationImputer(self.residual).fit(X)
        return state

    def _fill(self, X: np.ndarray, missing: np.ndarray) -> np.ndarray:
        with one_blas_thread():  # many small solves
            return self._fill_each(X, missing)

    def _fill_each(self, X: np.ndarray, missing: np.ndarray) -> np.ndarray:
        base = _linear_base(X, missing, self.mean_)
        cov = observed_cov(X, missing, self.cov_) if self.adapt else None
        pred = _predict(missing.any(axis=-1), base, self.estimators_, cov)
        if self.adapt == "window":
            fill_by_window(pred, X, missing, base, cov[0], self.window_prior)
        if self.residual is not None:
            with warnings.catch_warnings():  # a channel missing from its window: residual 0
                warnings.simplefilter("ignore", BPTWarning)
                pred = pred + self.residual_.transform(np.where(missing, np.nan, X - pred),
                                                       mask=missing)
        return np.where(missing, pred, base).astype(X.dtype, copy=False)


def _linear_base(X: np.ndarray, missing: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Each channel interpolated linearly along time; one with no observed sample in its
    window, ``mean`` (the fit data's channel means)."""
    base, empty = _interpolate(X, missing, "linear")
    return np.where(empty[..., None], mean[:, None], base)


def _predict(rows: np.ndarray, base: np.ndarray, estimators: list, cov: tuple | None = None
             ) -> np.ndarray:
    """Every sample of the channels of windows ``rows`` (n, C) marks, from the other
    channels of ``base`` (n, C, T) at the same instant: the fitted ridge ``estimators``,
    or with ``cov`` (:func:`observed_cov`) the windows' own Gaussian conditional mean
    where every pair with the channel is observed together often enough. Other rows:
    ``base``."""
    pred = base.copy()
    for c, est in enumerate(estimators):
        w = rows[:, c]
        if not w.any():
            continue
        if cov is not None and cov[2][c].min() >= MIN_PAIRS:  # the windows' own mixing
            joint, mean = cov[0], cov[1]
            beta = np.insert(conditional(joint, c), c, 0.0)  # (C,), 0 on the channel itself
            pred[w, c] = mean[c] + beta @ (base[w] - mean[:, None])  # (k, T)
        else:  # the fitted ridge: est.predict on the other channels
            pred[w, c] = est.intercept_ + np.insert(est.coef_, c, 0.0) @ base[w]
    return pred
