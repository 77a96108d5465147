"""BPTEncoder: SEEG windows in, Brant embeddings out, as a scikit-learn transformer."""

from __future__ import annotations

import os
import warnings
from numbers import Integral
from typing import Any

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..data import iter_windows
from ..nn import PRECISIONS, quantize_int8
from ..nn.pipeline import InferenceModule, InputScaling
from ..nn.readout import POOLINGS, Readout
from ..weights import DEFAULT_WEIGHTS
from ._adapt import adapt_encoder
from ._base import _BPTBase
from ._cache import cached
from ._columns import column_names, compression_module, fit_compression, n_extra_columns


class BPTEncoder(TransformerMixin, _BPTBase):
    """Embed SEEG windows with a pretrained Brant encoder.

    Each window of ``n_chans`` channels and 1 to 15 patches of 6 s becomes one row of
    features: the encoder's tokens pooled over channels and patches (compressed to
    ``n_components`` whitened principal components), plus cheap spectral extras.
    ``fit`` trains no network: it loads the weights, checks the input, learns the input
    scaling and the compression from X without labels; ``transform`` embeds in batches
    under :func:`torch.inference_mode`. Read more in the :ref:`User Guide <encoder>`.

    Parameters
    ----------
    weights : str, path-like, tuple or None, default='bpt_nano.shipped'
        Pretrained weights: a registered name (:func:`bptlearn.weights.list_pretrained`),
        a file or folder :func:`bptlearn.weights.load` reads, or ``None`` for a randomly
        initialised model of size ``preset`` (a baseline for what pretraining adds).
    preset : {'nano', 'tiny', 'small', 'medium', 'large'}, default='nano'
        Model size when ``weights=None``; ignored otherwise.
    layer : {'temporal', 'spatial'}, default='temporal'
        Read out the temporal encoder (each channel alone) or the spatial encoder (after
        mixing channels). For the small shipped model the temporal readout is better.
    pooling : {'mean', 'mean+std', 'channel', 'token'}, default='mean'
        ``'mean'``: (n_windows, d); ``'mean+std'``: mean and standard deviation over
        channels and patches, (n_windows, 2d); ``'channel'``: each channel's mean over
        patches, flattened channel-major to (n_windows, n_chans * d); ``'token'``: every
        token flattened in (channel, patch, feature) order, (n_windows, n_chans * L * d).
    extra_features : tuple of {'log_amplitude', 'band_power', 'log_band_power'}, \
            default=('log_amplitude', 'log_band_power')
        Per-patch features pooled like the embeddings and appended: the log standard
        deviation of the scaled patch; Brant's 8 band powers, ``log10(power + 1)`` (what
        its embedding mixes); or the same bands as a true log, ``log10(power + 1e-6)``.
    n_components : int or None, default=1
        Compress the embedding columns (not the extras) to this many principal
        components, whitened, learned in :term:`fit` from X without labels
        (:class:`~sklearn.decomposition.PCA`). A compact readout overfits less when
        labels are few; ``None`` keeps every column.
    adapt_steps : int, default=0
        Continue the masked self-supervised training of a copy of the encoder on X in
        :term:`fit`, for this many steps of ``batch_size`` windows (no labels; inside
        cross-validation, the training fold only). Costs 20-40 ms a step on a 2-core CPU
        for 32 windows of 1 channel x 3 patches (``nano``; Bonn: 4-8 s a fit of 200),
        more with channels x patches; it moved no Bonn score (:ref:`encoder_adapt`).
    scaling : {'auto', 'channel', 'global', 'window'} or None, default='auto'
        Input scaling learned in :term:`fit`, as :class:`~sklearn.preprocessing.RobustScaler`
        would: ``'channel'`` subtracts each channel's median and divides by 1.4826 x its
        median absolute deviation over the fit data; ``'global'`` does so with one pair of
        numbers for all channels (any channel count); ``'window'`` z-scores each window and
        channel (this erases the amplitude that separates ictal from interictal windows);
        ``None`` passes the signal as is. ``'auto'`` follows the weights' contract:
        ``'channel'`` for the shipped weights (``'global'`` for ragged input).
    sfreq : float, default=250.0
        Sampling rate of array input, in Hz; the data are resampled to the model's 250 Hz.
        Ignored for :class:`mne.Epochs`, whose ``info['sfreq']`` is used.
    precision : {'fp32', 'bf16', 'fp16', 'int8'}, default='fp32'
        Arithmetic of the forward pass: bf16/fp16 autocast, or dynamic int8 quantisation of
        the linear layers (CPU). Faster, at a small cost in accuracy (see
        ``benchmarks/encoder_throughput.py``).
    batch_size : int, default=32
        Windows per forward pass; halved automatically on a GPU out-of-memory error.
    device : str or torch.device, default='auto'
        ``'auto'`` picks the GPU when one is visible.
    progress : bool, default=False
        Show a progress bar during ``transform``.
    random_state : int, RandomState instance or None, default=None
        Seeds the random initialisation when ``weights=None``, and the adaptation.
    memory : str, path-like, joblib.Memory or None, default=None
        Keep each window's embedding on disk (as ``Pipeline(memory=...)`` does): a
        folder, or a :class:`joblib.Memory`. A window is embedded again only when the
        window, the weights, the readout (``layer``, ``pooling``, ``extra_features``,
        ``precision``) or the scaling statistics learned in fit change. With
        ``scaling='window'`` (or ``None``) the statistics do not depend on the fit data,
        so refits on other windows (folds, low-label draws) hit too; see
        :ref:`low_label`.

    Attributes
    ----------
    encoder_ : BPTModel
        The encoder, in eval mode, on ``device_`` (the same name in every estimator).
        ``model_`` is a deprecated alias, kept until the next release.
    device_ : torch.device
        Where the model runs.
    pipeline_ : bptlearn.nn.pipeline.InferenceModule
        Scaling, encoder, readout and the compression ``pca_`` (its ``head``) as one
        module: ``transform`` runs its stages batch by batch,
        :func:`bptlearn.export.inference_module` traces it.
    scaling_ : str or None
        The scaling applied (``'auto'`` resolved).
    center_, scale_ : ndarray of shape ``(n_chans_in_,)`` or ``(1,)``
        Scaling statistics learned in fit.
    n_chans_in_ : int or None
        Channels seen during :term:`fit` (``None`` for ragged input).
    ch_names_in_ : ndarray of str
        Channel names seen during fit; only defined when X carried names (MNE Epochs).
    sfreq_in_ : float
        Sampling rate of the fit data, in Hz.
    n_patches_in_ : int
        Patches per window in the fit data.
    embedding_dim_ : int
        Width d of the encoder's tokens.
    pca_ : sklearn.decomposition.PCA or None
        The compression of the embedding columns learned in fit (``n_components``).
    adapt_loss_ : tuple of float or None
        Masked loss on fixed batches of the fit windows before and after adaptation
        (``None`` when ``adapt_steps=0``).
    adapt_seconds_ : float
        Wall time of the adaptation in fit, in seconds.

    See Also
    --------
    BPTSeizureClassifier : Fine-tune the encoder with a seizure head.
    bptlearn.data.to_windows : Cut MNE recordings into windows.

    Notes
    -----
    The defaults are the readout that measured best with few labels
    (``benchmarks/encoder_readout.py``: ``BPTEncoder`` -> ``StandardScaler`` ->
    ``LogisticRegression``, AUC, shipped weights; sims: leave-one-patient-out over 6
    held-out patients, few = 5 labels per class; Bonn: real intracranial EEG, folds by
    groups of segments cut at the same moment, see ``benchmarks/real_bonn.py``):

    ========================================  =========  ==========  =====  =========
    readout                                   make_seeg  neural      Bonn   Bonn D/C
                                              all / few  mass        D/C    5 labels
                                                         all / few   all    per class
    ========================================  =========  ==========  =====  =========
    8 log band powers (the baseline)          .99 / .99  .99 / .99   .68    .53
    default: mean, log extras, 1 PC           1.0 / .98  .98 / .96   .71    .53
    mean, log extras only (no embedding)      1.0 / .99  .99 / .98   .72    .53
    mean, log extras, 2 PCs                   1.0 / .93  .98 / .86   .70    .53
    mean, log extras, 4 PCs                   .96 / .84  .97 / .85   .69    .53
    mean, Brant's extras, 1 PC                1.0 / .97  .89 / .91   .72    .50
    mean+std, every column (the old default)  .90 / .80  .86 / .75   .54    .51
    embeddings alone, mean+std                .85 / .77  .84 / .74   .50    .51
    random init, embeddings alone             .63 / .51  .62 / .49   .58    .54
    ========================================  =========  ==========  =====  =========

    Every further embedding column costs accuracy when labels are few: the shipped
    embeddings carry the seizure state in their first direction, not in the next ones.
    One whitened principal component costs little, not nothing: the extras alone score a
    little higher with 5 labels per class (over eight simulated sets .983 / .963 against
    .973 / .955; the balanced accuracy is level). It stays because an encoder
    that returns no embedding is the band-power baseline under another name. Every
    column (``n_components=None, pooling='mean+std'``) does not help with all labels
    either: below the default on the simulated families, and nothing about Bonn's
    epileptogenic zone (its lead there with folds by segment was the moment the siblings
    share). The extras are true log band powers (Brant's ``log10(power + 1)`` is nearly
    linear in the small band powers of scaled signals). The temporal readout is
    the default because channel mixing blurs a seizure confined to a few channels, and
    per-channel scaling learned in ``fit`` because it keeps the amplitude that tells
    ictal from interictal windows.

    Examples
    --------
    >>> from bptlearn import BPTEncoder
    >>> from bptlearn.data import make_seeg_windows
    >>> X, y, _, groups = make_seeg_windows(n_patients=2, n_windows=4, n_patches=1,
    ...                                     random_state=0)
    >>> emb = BPTEncoder().fit_transform(X)
    >>> emb.shape  # 1 principal component, log amplitude, 8 log band powers
    (8, 10)
    """

    _parameter_constraints: dict = {
        **_BPTBase._parameter_constraints,
        "pooling": [StrOptions(set(POOLINGS))],
        "extra_features": [tuple, list],
        "precision": [StrOptions(set(PRECISIONS))],
        "progress": ["boolean"],
        "memory": [None, str, os.PathLike, HasMethods(["cache"])],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "adapt_steps": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, *, weights: Any = DEFAULT_WEIGHTS, preset: str = "nano",
                 layer: str = "temporal", pooling: str = "mean",
                 extra_features: tuple[str, ...] = ("log_amplitude", "log_band_power"),
                 n_components: int | None = 1, adapt_steps: int = 0, scaling: str | None = "auto",
                 sfreq: float = 250.0, precision: str = "fp32", batch_size: int = 32,
                 device: Any = "auto", progress: bool = False, random_state: Any = None,
                 memory: Any = None) -> None:
        self.weights = weights
        self.preset = preset
        self.layer = layer
        self.pooling = pooling
        self.extra_features = extra_features
        self.n_components = n_components
        self.adapt_steps = adapt_steps
        self.scaling = scaling
        self.sfreq = sfreq
        self.precision = precision
        self.batch_size = batch_size
        self.device = device
        self.progress = progress
        self.random_state = random_state
        self.memory = memory

    @property
    def model_(self) -> Any:
        """Deprecated alias of ``encoder_`` (the name every estimator uses); it goes in
        the next release."""
        encoder = self.encoder_  # AttributeError before fit, as for any fitted attribute
        warnings.warn("BPTEncoder.model_ is deprecated and will be removed in the next "
                      "release; use BPTEncoder.encoder_ (the name every estimator uses).",
                      FutureWarning, stacklevel=2)
        return encoder

    def fit(self, X: Any, y: Any = None) -> BPTEncoder:
        """Load the weights, check X, learn the input scaling and the compression.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times), mne.Epochs, or list of them
            Windows of 1 to 15 patches of 6 s. A list may mix channel counts (ragged input)
            when the readout does not depend on them (``pooling='mean'`` or ``'mean+std'``).
        y : None
            Ignored.

        Returns
        -------
        self : BPTEncoder
            The fitted encoder.
        """
        self._fit(X)
        return self

    def _fit(self, X: Any) -> tuple[Any, np.ndarray | None]:
        """Fit; return the checked windows and, when ``pca_`` needed them, their raw features."""
        self._check_params()
        signals = self._signals(X)
        device = self._resolve_device()
        if self.precision == "int8" and device.type != "cpu":
            raise ValueError("precision='int8' runs on the CPU only; use device='cpu', or "
                             "precision='bf16' on a GPU.")
        if signals.ragged and self.pooling in ("channel", "token"):
            raise ValueError(
                f"pooling={self.pooling!r} gives one block of columns per channel, so every "
                "window needs the same channels, but the parts of X have different channel "
                "counts. Use pooling='mean' or 'mean+std'."
            )
        model = self._load_model()
        n_patches = self._n_patches(signals, model.config)
        self._check_contract(signals, model, X)
        state = self._input_state(signals, model, n_patches)
        scaling = InputScaling(state["scaling_"], state["center_"], state["scale_"])
        model, adapted = adapt_encoder(model.to(device), signals, scaling,
                                       steps=self.adapt_steps, batch_size=int(self.batch_size),
                                       random_state=self.random_state, device=device)
        if self.precision == "int8":
            model = quantize_int8(model)
        readout = Readout(self.pooling, tuple(self.extra_features), model.config.band_sfreq)
        pipeline = InferenceModule(scaling, model, self.layer, readout,
                                   precision=self.precision).to(device)
        self._set_fitted({**state, **adapted, "encoder_": model, "device_": device,
                          "pipeline_": pipeline, "embedding_dim_": model.config.d_model,
                          "pca_": None})
        if self.n_components is None:
            return signals, None
        features = self._features(signals)
        self.pca_ = fit_compression(features, self.n_components, self._n_extra_columns())
        self.pipeline_.head = compression_module(self.pca_)  # it ends where transform does
        return signals, features

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """Fit to X and embed it, running the encoder once.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times), mne.Epochs, or list of them
            Windows as in :meth:`fit`.
        y : None
            Ignored.

        Returns
        -------
        X_new : ndarray of shape (n_windows, n_features_out)
            As :meth:`transform` gives them.
        """
        signals, features = self._fit(X)
        return self._project(self._features(signals) if features is None else features)

    def _n_extra_columns(self) -> int:
        return n_extra_columns(self.pooling, tuple(self.extra_features), self.n_chans_in_,
                               self.n_patches_in_)

    def _features(self, signals: Any) -> np.ndarray:
        """The readout's columns before ``pca_``: pooled embeddings, then the extras."""
        pipeline = self._current_pipeline()
        return cached(self, self.encoder_, signals,
                      lambda todo: self._run(todo, pipeline.features_scaled,
                                             progress=self.progress))

    def _current_pipeline(self):
        """``pipeline_``, its readout following ``layer``, ``pooling``, ``extra_features``
        and ``precision`` if they were set after fit (as the cache key does)."""
        pipeline, extras = self.pipeline_, tuple(self.extra_features)
        pipeline.layer, pipeline.precision = self.layer, self.precision
        if (pipeline.readout.pooling, pipeline.readout.extra_features) != (self.pooling, extras):
            pipeline.readout = Readout(self.pooling, extras, self.encoder_.config.band_sfreq)
        return pipeline

    def _project(self, features: np.ndarray) -> np.ndarray:
        """The compression ``pca_`` learned in fit (the pipeline's head), if any."""
        if self.pipeline_.head is None:
            return features
        with torch.inference_mode():
            return self.pipeline_.head(torch.from_numpy(features)).numpy()

    def transform(self, X: Any) -> np.ndarray:
        """Embed windows.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times), mne.Epochs, or list of them
            Windows as in :meth:`fit`.

        Returns
        -------
        X_new : ndarray of shape (n_windows, n_features_out)
            Embeddings (float32), one row per window; columns named by
            :meth:`get_feature_names_out`.
        """
        per_channel = self.pooling in ("channel", "token")
        signals = self._check_fitted_input(
            X, same_chans=per_channel, same_patches=self.pooling == "token",
            why=f"With pooling={self.pooling!r} each channel fills its own block of output "
                "columns, so the channels must match in number and order.")
        return self._project(self._features(signals))

    def transform_recording(self, source: Any, *, sfreq: float | None = None,
                            **window_params: Any) -> tuple[np.ndarray, np.ndarray]:
        """Embed a long recording window by window, never holding all of it in memory.

        Windows are streamed with :func:`bptlearn.data.iter_windows` (file opened lazily,
        read stretch by stretch) and embedded batch by batch.

        Parameters
        ----------
        source : path-like, mne.io.Raw or ndarray of shape (n_chans, n_times)
            A recording file (EDF, BDF, BrainVision, FIF, ``.npy``), a Raw, or an array.
        sfreq : float or None, default=None
            Sampling rate of ``.npy`` or array input, in Hz.
        **window_params
            Passed to :func:`~bptlearn.data.iter_windows` (``stride``, ``picks``,
            ``l_freq``, ``h_freq``, ``notch``, ...); ``n_patches`` defaults to the
            patches per window seen in fit.

        Returns
        -------
        X_new : ndarray of shape (n_windows, n_features_out)
            Embeddings, as :meth:`transform` gives them.
        onsets : ndarray of shape (n_windows,)
            Start of each window in seconds, on the recording's clock.
        """
        check_is_fitted(self)
        window_params.setdefault("n_patches", self.n_patches_in_)
        window_params.setdefault("batch_size", self.batch_size)
        rows, onsets = [], []
        for batch in iter_windows(source, sfreq, **window_params):
            rows.append(self.transform(batch))
            onsets.append(batch.onsets)
        return np.concatenate(rows), np.concatenate(onsets)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns: ``bptencoder<i>`` for embeddings, then the extras.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self)
        chans = getattr(self, "ch_names_in_", None)
        chans = list(chans) if chans is not None else \
            [f"ch{c}" for c in range(self.n_chans_in_ or 0)]
        names = column_names(self.pooling, self.embedding_dim_, tuple(self.extra_features),
                             chans, self.n_patches_in_,
                             None if self.pca_ is None else self.pca_.n_components_,
                             self._n_extra_columns())
        return np.asarray([f"bptencoder{n}" for n in names], dtype=object)
