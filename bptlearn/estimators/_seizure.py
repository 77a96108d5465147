"""BPTSeizureClassifier: seizure detection per window or per channel and 6-s patch."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets

from ..nn.heads import SeizureHead
from ..nn.losses import ClassLastCrossEntropy
from ..nn.readout import Readout
from ..weights import DEFAULT_WEIGHTS
from ._input import Signals
from ._net import _BPTNet


class BPTSeizureClassifier(ClassifierMixin, _BPTNet):
    """Detect seizures in SEEG windows with a pretrained Brant encoder and an MLP head.

    Labels may be given per window, ``y`` of shape (n_windows,), or per channel and 6-s
    patch as in the paper, ``y`` of shape (n_windows, n_chans, n_patches); predictions come
    back in the same shape. The head is the paper's MLP d -> d/2 -> d/4 -> n_classes (ReLU),
    on every token, or on the window's pooled tokens; by default it also reads the cheap
    spectral features :class:`BPTEncoder` appends. Read more in the
    :ref:`User Guide <seizure_detection>`.

    Parameters
    ----------
    weights : str, path-like, tuple or None, default='bpt_nano.shipped'
        Pretrained encoder weights (see :class:`BPTEncoder`); ``None`` for a random init.
    preset : {'nano', 'tiny', 'small', 'medium', 'large'}, default='nano'
        Model size when ``weights=None``.
    layer : {'temporal', 'spatial'}, default='temporal'
        Encoder output the head reads.
    pooling : {'mean', 'mean+std', 'channel'}, default='mean+std'
        How window-level labels pool the tokens (as in :class:`BPTEncoder`); token-level
        labels give every token to the head. ``'channel'`` gives the head each channel's
        mean over patches side by side, so it can learn which contacts matter; the
        windows must then keep the channels (number and order) seen in fit.
    extra_features : tuple of {'log_amplitude', 'band_power'}, \
            default=('log_amplitude', 'band_power')
        Per-patch spectral features appended to what the head reads (see
        :class:`BPTEncoder`); ``()`` for the paper's head on embeddings alone.
    finetune : {'probe', 'last_k', 'full'}, default='probe'
        ``'probe'`` ("Brant-Freeze"): the encoder stays frozen, its embeddings are computed
        once and standardised, and only the head trains (fast; wins with few labels).
        ``'last_k'``: the last ``last_k`` encoder layers on the readout path train with the
        head. ``'full'``: everything trains, with the paper's two learning rates (head
        ``lr``, encoder ``encoder_lr``). See Notes for the defaults.
    last_k : int, default=1
        Trainable encoder layers with ``finetune='last_k'``.
    lr : float or None, default=None
        Head learning rate (Adam); ``None`` takes the recipe's (probe 1e-3, last_k 1e-3,
        full 1e-4).
    encoder_lr : float or None, default=None
        Encoder learning rate with ``finetune='full'`` or ``'last_k'``; ``None`` takes the
        recipe's (last_k 1e-4, full 1e-7 as in the paper).
    class_weight : dict, 'balanced' or None, default='balanced'
        Weights of the classes in the loss; ``'balanced'`` counters rare seizures.
    max_epochs : int, default=20
        Training epochs (the paper: 20).
    batch_size : int, default=32
        Windows per batch, for training and inference.
    scaling : {'auto', 'channel', 'global', 'window'} or None, default='auto'
        Input scaling learned in fit (see :class:`BPTEncoder`).
    sfreq : float, default=250.0
        Sampling rate of array input in Hz (MNE input carries its own).
    callbacks : list or None, default=None
        skorch callbacks, e.g. ``[EarlyStopping(patience=3)]`` (needs ``train_split``).
    train_split : callable or None, default=None
        skorch's validation split; ``None`` trains on everything. Use
        :class:`bptlearn.model_selection.GroupValidSplit` with ``fit(X, y, groups=...)``
        so that no patient is in both parts.
    device : str or torch.device, default='auto'
    verbose : int or 'auto', default='auto'
        ``1`` prints one line when fit ends (epochs, last train and validation loss,
        seconds); ``2`` adds skorch's per-epoch table; ``0`` is silent; ``'auto'`` prints
        the line for fits longer than a minute only.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling and dropout; same seed, same model on the CPU.
    **kwargs
        skorch's prefixed parameters: ``optimizer__*``, ``iterator_train__*``,
        ``iterator_valid__*``, ``callbacks__*``, ``criterion__*``, ``dataset__*``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    target_level_ : {'window', 'token'}
        Level of the labels seen in fit.
    net_ : skorch.NeuralNet
        The trained net (its ``module_`` holds the head, and the encoder unless probing).
    encoder_ : BPTModel
        The encoder.
    history_ : skorch.History
        Loss per epoch.
    n_chans_in_, sfreq_in_, n_patches_in_, ch_names_in_, scaling_, center_, scale_, device_
        As in :class:`BPTEncoder`.

    See Also
    --------
    BPTEncoder : Embeddings for any scikit-learn classifier.
    bptlearn.baselines.BandPowerSeizureDetector : The baseline to beat.

    Notes
    -----
    The paper fine-tunes everything for 20 epochs with Adam, learning rates 1e-4 (head) and
    1e-7 (encoder), MultiStepLR at epochs 5, 10, 15; that is ``finetune='full'`` (add
    ``callbacks=[LRScheduler(MultiStepLR, milestones=[5, 10, 15])]`` for the schedule).
    The default here is the probe, which costs one encoder pass over the data and beats
    full fine-tuning of a small model when labels are few.

    Examples
    --------
    >>> from bptlearn import BPTSeizureClassifier
    >>> from bptlearn.data import make_seeg_windows
    >>> X, y, y_tokens, groups = make_seeg_windows(n_patients=2, n_windows=10, n_patches=1,
    ...                                            random_state=0)
    >>> clf = BPTSeizureClassifier(max_epochs=5, random_state=0).fit(X, y)
    >>> clf.predict(X).shape, clf.predict_proba(X).shape
    ((20,), (20, 2))
    """

    _parameter_constraints: dict = {
        **_BPTNet._parameter_constraints,
        "pooling": [StrOptions({"mean", "mean+std", "channel"})],
        "extra_features": [tuple, list],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(self, *, weights: Any = DEFAULT_WEIGHTS, preset: str = "nano",
                 layer: str = "temporal", pooling: str = "mean+std",
                 extra_features: tuple[str, ...] = ("log_amplitude", "band_power"),
                 finetune: str = "probe", last_k: int = 1,
                 lr: float | None = None, encoder_lr: float | None = None,
                 class_weight: Any = "balanced", max_epochs: int = 20, batch_size: int = 32,
                 scaling: str | None = "auto", sfreq: float = 250.0, callbacks: list | None = None,
                 train_split: Any = None, device: Any = "auto", verbose: int | str = "auto",
                 random_state: Any = None, **kwargs: Any) -> None:
        self.weights = weights
        self.preset = preset
        self.layer = layer
        self.pooling = pooling
        self.extra_features = extra_features
        self.finetune = finetune
        self.last_k = last_k
        self.lr = lr
        self.encoder_lr = encoder_lr
        self.class_weight = class_weight
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

    def fit(self, X: Any, y: Any, groups: Any = None) -> BPTSeizureClassifier:
        """Train the head (and, unless probing, the encoder) on labelled windows.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times), mne.Epochs, or list of them
            Windows of 1 to 15 patches of 6 s.
        y : array-like of shape (n_windows,) or (n_windows, n_chans, n_patches)
            Labels per window, or per channel and patch.
        groups : array-like of shape (n_windows,) or None, default=None
            Patient ids, passed to ``train_split`` so that validation is patient-wise.

        Returns
        -------
        self : BPTSeizureClassifier
        """
        return self._fit_task(X, y, groups)

    def _task_targets(self, y: Any, signals: Signals, n_patches: int, config: Any):
        y = np.asarray(y)
        n = signals.n_windows
        token_shape = (n, signals.n_chans, n_patches)
        if y.shape == (n,):
            level = "window"
        elif y.shape == token_shape and not signals.ragged:
            level = "token"
        else:
            raise ValueError(
                f"y has shape {y.shape}, but X has {n} windows of {signals.n_chans} channels and "
                f"{n_patches} patches: pass window labels of shape ({n},) or channel x patch "
                f"labels of shape {token_shape}."
            )
        if self.pooling == "channel" and signals.ragged:
            raise ValueError(
                "pooling='channel' gives the head one block of features per channel, so every "
                "window needs the same channels, but the parts of X have different channel "
                "counts. Use pooling='mean' or 'mean+std'.")
        if y.dtype.kind == "f" and np.isnan(y).any():
            raise ValueError(f"y holds {int(np.isnan(y).sum())} NaN label(s); every window (or "
                             "token) needs a class. Drop those windows or label them.")
        try:  # continuous, inf, None: what scikit-learn's classifiers refuse
            with np.errstate(invalid="ignore"):  # inf cast to int, inside scikit-learn
                check_classification_targets(y.ravel())
        except ValueError as err:
            raise ValueError(
                f"y cannot be read as class labels: {err} BPTSeizureClassifier needs class "
                "labels such as 0/1 or 'ictal'/'interictal', without NaN, inf or None; for a "
                "continuous target use a regressor on BPTEncoder features.") from None
        encoder = LabelEncoder().fit(y.ravel())
        if len(encoder.classes_) < 2:
            raise ValueError(f"y holds a single class ({encoder.classes_[0]!r}); a classifier "
                             "needs windows of at least two classes, e.g. seizure and not.")
        if isinstance(self.class_weight, dict):
            unknown = [k for k in self.class_weight if k not in set(encoder.classes_.tolist())]
            if unknown:
                raise ValueError(
                    f"class_weight has key(s) {unknown} that are not classes of y; the classes "
                    f"are {encoder.classes_.tolist()}. Weigh those classes only, as "
                    "scikit-learn's classifiers require.")
        codes = encoder.transform(y.ravel()).reshape(y.shape).astype(np.int64)
        return codes, {"classes_": encoder.classes_, "target_level_": level}

    def _task_needs_same_chans(self) -> bool:
        return self.target_level_ == "token" or self.pooling == "channel"

    def _task_readout(self) -> Readout:
        pooling = self.pooling if self.target_level_ == "window" else None
        return Readout(pooling, tuple(self.extra_features), self.encoder_.config.band_sfreq)

    def _task_head(self, config) -> SeizureHead:
        readout = self._task_readout()
        if readout.pooling == "channel":  # one block of (d + extras) features per channel
            per_chan = Readout("mean", readout.extra_features).n_features(config.d_model)
            return SeizureHead(per_chan * self.n_chans_in_, len(self.classes_))
        return SeizureHead(readout.n_features(config.d_model), len(self.classes_))

    def _task_criterion(self, targets: np.ndarray) -> ClassLastCrossEntropy:
        weight = None
        if self.class_weight is not None:
            codes = np.arange(len(self.classes_))
            if isinstance(self.class_weight, dict):
                weight = np.array([self.class_weight.get(c, 1.0) for c in self.classes_])
            else:
                weight = compute_class_weight("balanced", classes=codes, y=targets.ravel())
            weight = torch.as_tensor(weight, dtype=torch.float32)
        return ClassLastCrossEntropy(weight)

    def _logits(self, X: Any) -> np.ndarray:
        return self._predict_raw(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, (n_windows, n_classes) or (n_windows, n_chans, n_patches,
        n_classes) for token labels."""
        logits = self._logits(X)
        return torch.softmax(torch.from_numpy(logits), dim=-1).numpy()

    def decision_function(self, X: Any) -> np.ndarray:
        """Logit of the second class minus the first (binary) or all logits (multiclass)."""
        logits = self._logits(X)
        return logits[..., 1] - logits[..., 0] if logits.shape[-1] == 2 else logits

    def predict(self, X: Any) -> np.ndarray:
        """Labels in the shape of the ``y`` seen in fit."""
        logits = self._logits(X)
        return self.classes_[logits.argmax(axis=-1)]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy over all labels (windows, or channel x patch tokens)."""
        from sklearn.metrics import accuracy_score

        return float(accuracy_score(np.asarray(y).ravel(), self.predict(X).ravel(),
                                    sample_weight=sample_weight))
