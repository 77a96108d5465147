"""IEEGReference: SEEG re-referencing (bipolar, Laplacian, averages) as a transformer."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions, validate_parameter_constraints
from sklearn.utils.validation import check_is_fitted

from ..data import REFERENCE_METHODS, VOLTAGE_TYPES, reference_matrix
from ..data._reference import _apply_to_mne
from ..exceptions import ChannelMismatchError
from ..utils._tags import _ThreeDMixin
from ._base import _FitAside


def _is_mne(X) -> bool:
    import mne

    return isinstance(X, (mne.io.BaseRaw, mne.BaseEpochs))


def _real_array(X) -> np.ndarray:
    """X as an array of real numbers; complex, string or object arrays are refused."""
    X = np.asarray(X)
    if X.dtype.kind not in "fiub":
        raise TypeError(
            f"X must hold real numbers (float or int), got an array of dtype {X.dtype} (kind "
            f"{X.dtype.kind!r}). Pass the signal in µV as floats: take np.real or np.abs of "
            "complex data, and convert text with X.astype(float).")
    return X


class IEEGReference(_FitAside, TransformerMixin, _ThreeDMixin, BaseEstimator):
    """Re-reference SEEG contacts: bipolar, Laplacian, common or per-shaft average.

    Contact names are parsed as shaft letters then contact number (``LA1``, ``RHH10``,
    ``A'12``, ``LA 1``); neighbours are consecutive contacts on one shaft. Bad contacts
    are never used, and the gap they leave is skipped (``LA2-LA4`` is not made unless
    ``max_gap=2``). The transform is a fixed linear map built in :term:`fit` from the
    channel names; nothing is learnt from the signal.

    Parameters
    ----------
    method : {'bipolar', 'laplacian', 'car', 'shaft_car'}, default='bipolar'
        ``'bipolar'``: each contact minus the next on its shaft, named ``'LA1-LA2'``.
        ``'laplacian'``: minus the mean of its good shaft neighbours.
        ``'car'``: minus the mean of all good contacts. ``'shaft_car'``: minus the mean of
        its shaft's good contacts.
    ch_names : list of str or None, default=None
        Names of the channels of array input, in order; required for arrays, ignored for
        MNE input (its ``ch_names`` are used).
    bads : list of str or None, default=None
        Bad contacts to leave out, on top of MNE's ``info['bads']``.
    max_gap : int, default=1
        Largest contact-number difference that still counts as neighbours.

    Attributes
    ----------
    ch_names_in_ : list of str
        Input channel names seen in :term:`fit` (for MNE input, its SEEG/ECoG/DBS/EEG
        channels, bad ones included).
    n_chans_in_ : int
        Number of input channels.
    ch_names_out_ : list of str
        Output channel names (``'LA1-LA2'`` for bipolar, contact names otherwise).
    bads_ : list of str
        Contacts left out.
    weights_ : ndarray of shape (n_chans_out, n_chans_in)
        The linear map: output = ``weights_ @ X`` along the channel axis.

    See Also
    --------
    bptlearn.data.rereference : The same on arrays, as a function.
    bptlearn.data.rereference_mne : The same on MNE objects, as a function.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.estimators._reference import IEEGReference
    >>> X = np.random.default_rng(0).normal(size=(2, 5, 100))  # 2 windows, 5 contacts
    >>> ref = IEEGReference("bipolar", ch_names=["LA1", "LA2", "LA3", "LA4", "LA5"],
    ...                     bads=["LA3"])
    >>> ref.fit_transform(X).shape, ref.ch_names_out_
    ((2, 2, 100), ['LA1-LA2', 'LA4-LA5'])
    """

    _parameter_constraints: dict = {
        "method": [StrOptions(set(REFERENCE_METHODS))],
        "ch_names": [list, tuple, None],
        "bads": [list, tuple, None],
        "max_gap": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, method: str = "bipolar", *, ch_names: list[str] | None = None,
                 bads: list[str] | None = None, max_gap: int = 1) -> None:
        self.method = method
        self.ch_names = ch_names
        self.bads = bads
        self.max_gap = max_gap

    def _input_names(self, X) -> tuple[list[str], list[str]]:
        """Channel names and bad channels of ``X`` (checked), without fitting anything."""
        if _is_mne(X):
            names = [n for n, t in zip(X.ch_names, X.get_channel_types(), strict=True)
                     if t in VOLTAGE_TYPES]
            return names, [n for n in X.info["bads"] if n in names]
        X = _real_array(X)
        if X.ndim not in (2, 3):
            raise ValueError(
                f"X must be an mne.io.Raw, mne.Epochs or an array of shape (n_windows, "
                f"n_chans, n_times) or (n_chans, n_times); got shape {X.shape}.")
        if self.ch_names is None:
            raise ValueError(
                f"X is a NumPy array with {X.shape[-2]} channels, so IEEGReference cannot tell "
                f"which contact each row is. Pass ch_names (e.g. IEEGReference(ch_names=["
                f"'LA1', 'LA2', ...])), or pass an mne.io.Raw / mne.Epochs.")
        if len(self.ch_names) != X.shape[-2]:
            raise ChannelMismatchError(
                f"X has {X.shape[-2]} channels (axis -2) but ch_names has "
                f"{len(self.ch_names)} names. Pass one name per channel, in order.")
        return list(self.ch_names), []

    def fit(self, X, y=None) -> IEEGReference:
        """Build the re-referencing map from the channel names of ``X``.

        Parameters
        ----------
        X : mne.io.Raw, mne.Epochs or array of shape (n_windows, n_chans, n_times)
            Input; only its channel names (and MNE's bads) are used.
        y : None
            Ignored.

        Returns
        -------
        self : IEEGReference
            The fitted transformer.
        """
        validate_parameter_constraints(self._parameter_constraints, self.get_params(deep=False),
                                       caller_name=type(self).__name__)
        names, bads = self._input_names(X)
        bads = sorted(set(bads) | set(self.bads or ()))
        W, names_out = reference_matrix(names, self.method, bads=bads, max_gap=self.max_gap)
        self.ch_names_in_ = names
        self.n_chans_in_ = len(names)
        self.bads_ = bads
        self.weights_ = W
        self.ch_names_out_ = names_out
        return self

    def transform(self, X):
        """Re-reference ``X`` with the fitted map.

        Parameters
        ----------
        X : mne.io.Raw, mne.Epochs or array of shape (n_windows, n_chans, n_times)
            Input with the channels seen in :term:`fit`; never modified.

        Returns
        -------
        X_out : same kind as ``X``
            An MNE object (a copy) for MNE input, else an array of shape
            ``(n_windows, len(ch_names_out_), n_times)``.
        """
        check_is_fitted(self, "weights_")
        if _is_mne(X):
            missing = [n for n in self.ch_names_in_ if n not in X.ch_names]
            if missing:
                raise ChannelMismatchError(
                    f"X lacks {len(missing)} channel(s) seen in fit: {missing}. This "
                    f"IEEGReference was fitted on {self.n_chans_in_} channels (see "
                    f"ch_names_in_); refit it on this recording or rename its channels.")
            out = X.copy().pick(self.ch_names_in_).load_data()
            return _apply_to_mne(out, self.weights_, list(self.ch_names_out_), self.method)
        X = _real_array(X)
        if X.ndim not in (2, 3) or X.shape[-2] != self.n_chans_in_:
            raise ChannelMismatchError(
                f"X has shape {X.shape}, but this IEEGReference was fitted on "
                f"{self.n_chans_in_} channels (see ch_names_in_); pass (n_windows, "
                f"{self.n_chans_in_}, n_times) in the fitted channel order, or refit.")
        dtype = np.float32 if X.dtype == np.float32 else np.float64
        return np.matmul(self.weights_.astype(dtype), X.astype(dtype, copy=False))
