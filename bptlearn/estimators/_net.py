"""The skorch glue shared by the trainable estimators (seizure, forecasting, imputation).

Each estimator is a plain scikit-learn estimator whose ``fit`` builds a skorch
:class:`~skorch.NeuralNet` (``net_``) around a :class:`~bptlearn.nn.heads.TaskModel`, so
that scikit-learn's contract holds exactly (``__init__`` stores, nothing is set before
``fit``) while skorch runs the loop: callbacks, ``optimizer__*`` and ``iterator_train__*``
parameters pass straight through to it.
"""

from __future__ import annotations

import difflib
import time
from functools import partial
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.callbacks import Freezer
from torch import nn

from ..nn import BPTConfig
from ..nn.heads import Standardize, TaskModel
from ..nn.pipeline import InferenceModule
from ..utils._random import draw_seed
from ._base import _BPTBase
from ._input import Signals

# Prefixed parameters handed to skorch untouched.
SKORCH_PREFIXES = ("optimizer__", "iterator_train__", "iterator_valid__", "callbacks__",
                   "criterion__", "dataset__")
FINETUNES = ("probe", "last_k", "full")
# finetune -> (head lr, encoder lr) when lr / encoder_lr are None
LONG_FIT_S = 60.0  # verbose='auto' reports fits longer than this
_RECIPE_LR = {"probe": (1e-3, 0.0), "last_k": (1e-3, 1e-4), "full": (1e-4, 1e-7)}


def _fit_summary(name: str, finetune: str, history: Any, seconds: float) -> str:
    """One line on a finished fit: epochs, last train (and valid) loss, time."""
    last = history[-1]
    losses = f"train loss {last['train_loss']:.4g}"
    if "valid_loss" in last:
        losses += f", valid loss {last['valid_loss']:.4g}"
    return (f"{name}: {len(history)} epoch(s), finetune={finetune!r}, {losses}, "
            f"{seconds:.1f} s")


class _BPTNet(_BPTBase):
    """Base of the trainable estimators. Subclasses implement the ``_task_*`` hooks."""

    _parameter_constraints: dict = {
        **_BPTBase._parameter_constraints,
        "finetune": [StrOptions(set(FINETUNES))],
        "last_k": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither"), None],
        "encoder_lr": [Interval(Real, 0, None, closed="left"), None],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [list, None],
        "train_split": [callable, None],
        "verbose": ["verbose", StrOptions({"auto"})],
    }

    def _store_skorch_kwargs(self, kwargs: dict[str, Any]) -> None:
        """Keep extra keyword arguments for skorch; :meth:`_check_params` vets them in fit."""
        vars(self).update(kwargs)

    def _skorch_kwargs(self) -> dict[str, Any]:
        """The extra keyword arguments given to ``__init__`` or ``set_params``."""
        own = set(self._get_param_names())
        return {k: v for k, v in vars(self).items()
                if k not in own and not k.startswith("_") and not k.endswith("_")}

    def _check_params(self) -> None:
        super()._check_params()
        for key in self._skorch_kwargs():
            if not key.startswith(SKORCH_PREFIXES):
                names = [*self._get_param_names(), *SKORCH_PREFIXES]
                close = difflib.get_close_matches(key, names, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise TypeError(
                    f"{type(self).__name__} got an unexpected keyword argument {key!r}. It takes "
                    f"its own parameters and skorch's prefixed ones "
                    f"({', '.join(p + '*' for p in SKORCH_PREFIXES)}).{hint}"
                )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of this estimator, skorch's prefixed ones included."""
        return {**super().get_params(deep=deep), **self._skorch_kwargs()}

    def set_params(self, **params: Any) -> _BPTNet:
        """Set parameters; prefixed ones (``optimizer__weight_decay``) go to skorch."""
        extra = {k: params.pop(k) for k in list(params) if k in self._skorch_kwargs()
                 or k.startswith(SKORCH_PREFIXES)}
        vars(self).update(extra)
        return super().set_params(**params) if params else self

    # ------------------------------------------------------------------ fit
    def _fit_task(self, X: Any, y: Any, groups: Any, *, allow_nan: bool = False) -> _BPTNet:
        self._check_params()
        signals = self._signals(X, allow_nan=allow_nan)
        device = self._resolve_device()
        model = self._load_model()
        n_patches = self._n_patches(signals, model.config)
        self._readout_path(model.config)  # checks last_k against the model
        targets, fitted = self._task_targets(y, signals, n_patches, model.config)  # checks y
        if signals.ragged and not (self.finetune == "probe"
                                   and fitted.get("target_level_") == "window"):
            raise ValueError(
                f"The parts of X have different channel counts; {type(self).__name__} trains "
                "on such ragged input only with finetune='probe' and window-level labels. "
                "Pick common channels, or fit one model per channel set."
            )
        if groups is not None and len(groups) != signals.n_windows:
            raise ValueError(f"groups has {len(groups)} entries but X has {signals.n_windows} "
                             "windows; pass one patient id per window.")
        self._check_contract(signals, model, X)
        state = self._input_state(signals, model, n_patches)
        # every check has passed: record the fitted state
        self._set_fitted({**state, **fitted, "device_": device, "encoder_": model.to(device),
                          "pipeline_": None})
        self.net_ = self._train(signals, targets, groups)
        if self.finetune != "probe":
            self.encoder_ = self.net_.module_.encoder
        self.pipeline_ = self._task_pipeline()
        return self

    def _train(self, signals: Signals, targets: np.ndarray, groups: Any,
               inputs: np.ndarray | None = None) -> NeuralNet:
        """Build and fit the skorch net. ``inputs`` defaults to the scaled patches of X."""
        lr, encoder_lr = _RECIPE_LR[self.finetune]
        lr = lr if self.lr is None else self.lr
        encoder_lr = encoder_lr if self.encoder_lr is None else self.encoder_lr
        callbacks = list(self.callbacks or [])
        kwargs = self._skorch_kwargs()
        start = time.perf_counter()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(draw_seed(self.random_state))
            head = self._task_head(self.encoder_.config)
            if self.finetune == "probe" and inputs is None:
                inputs = self._task_features(signals)  # frozen embeddings, computed once
                std, mean = torch.std_mean(torch.from_numpy(inputs).flatten(0, -2), dim=0)
                module = TaskModel(None, head, self.layer, Standardize(mean, std + 1e-6))
            else:
                module = self._task_module(head)
                if inputs is None:
                    inputs = self._run(signals, lambda x: x)  # scaled patches
                frozen = self._frozen_patterns()
                if frozen:
                    callbacks.append(("bpt_freezer", Freezer(frozen)))
                kwargs.setdefault("optimizer__param_groups",
                                  [("encoder.*", {"lr": encoder_lr})])
            split = self.train_split
            if split is not None and groups is not None:
                split = partial(split, groups=np.asarray(groups))
            net = NeuralNet(
                module=module, criterion=self._task_criterion(targets), optimizer=torch.optim.Adam,
                lr=lr, max_epochs=self.max_epochs, batch_size=self.batch_size,
                train_split=split, callbacks=callbacks, device=self.device_,
                verbose=int(self.verbose != "auto" and self.verbose >= 2),
                iterator_train__shuffle=True,
                **kwargs,
            )
            net.fit(inputs, targets)
        net.module_.eval()
        seconds = time.perf_counter() - start
        if self.verbose == 1 or (self.verbose == "auto" and seconds > LONG_FIT_S):
            print(_fit_summary(type(self).__name__, self.finetune, net.history, seconds))
        return net

    def _frozen_patterns(self) -> list[str]:
        """fnmatch patterns of the encoder parameters kept frozen by ``finetune``."""
        if self.finetune == "full":
            return []
        if self.finetune == "probe":
            return ["encoder.*"]
        path = self._readout_path(self.encoder_.config)
        trainable = path[len(path) - self.last_k:]
        names = [n for n, _ in TaskModel(self.encoder_, nn.Identity()).named_parameters()]
        return [n for n in names if not n.startswith(tuple(trainable))]

    # ------------------------------------------------------------------ predict
    def _readout_path(self, cfg) -> list[str]:
        """Parameter prefixes of the encoder layers the readout depends on, input to output."""
        path = [f"encoder.temporal.layers.{i}." for i in range(cfg.n_temporal_layers)]
        if self.layer == "spatial":
            path += [f"encoder.spatial.layers.{i}." for i in range(cfg.n_spatial_layers)]
        if self.finetune == "last_k" and self.last_k > len(path):
            raise ValueError(f"last_k={self.last_k} exceeds the {len(path)} encoder layers on the "
                             f"readout path of this model; use finetune='full' or a smaller k.")
        return path

    def _inference_module(self, net: NeuralNet | None = None) -> TaskModel:
        """The module ``predict`` runs; ``net`` (default ``net_``) lets ``fit`` use it early."""
        module = (self.net_ if net is None else net).module_
        if module.encoder is None:  # a probe: put the frozen encoder in front of its head
            module = TaskModel(self.encoder_, module.head, self.layer, module.standardize,
                               self._task_readout())
        return module.eval()

    def _predict_raw(self, X: Any, post=None, *, allow_nan: bool = False) -> np.ndarray:
        check_is_fitted(self)
        signals = self._check_fitted_input(
            X, same_chans=self._task_needs_same_chans(), same_patches=True, allow_nan=allow_nan,
            why=f"{type(self).__name__} predicts per channel and patch, so the windows must "
                "have the shape seen in fit.")
        return self._run(signals, self.pipeline_.forward_scaled, post=post, stats=True)

    @property
    def history_(self):
        """skorch's training history (loss per epoch, and validation scores if any)."""
        return self.net_.history

    # ------------------------------------------------------------------ hooks
    def _task_module(self, head: nn.Module) -> nn.Module:
        """The trainable module when the encoder runs in every step."""
        return TaskModel(self.encoder_.train(), head, self.layer, readout=self._task_readout())

    def _task_features(self, signals: Signals) -> np.ndarray:
        """What a probe's head reads, computed once with the frozen encoder."""
        module = TaskModel(self.encoder_, nn.Identity(), self.layer, readout=self._task_readout())
        return self._run(signals, module.features)

    def _task_readout(self) -> nn.Module | None:
        """Readout between encoder and head (``None``: the head reads the tokens)."""
        return None

    def _task_needs_same_chans(self) -> bool:
        return True

    def _task_pipeline(self) -> InferenceModule | None:
        """``pipeline_``: the trained module as the inference pipeline ``predict`` runs and
        :mod:`bptlearn.export` traces."""
        task = self._inference_module()
        return InferenceModule(self._input_scaling(), task.encoder, task.layer, task.readout,
                               task.head, task.standardize).to(self.device_)

    def _task_targets(self, y: Any, signals: Signals, n_patches: int, config: BPTConfig):
        """Check y and turn it into training targets; also the fitted attributes it gives."""
        raise NotImplementedError

    def _task_head(self, config) -> nn.Module:
        raise NotImplementedError

    def _task_criterion(self, targets: np.ndarray) -> nn.Module:
        raise NotImplementedError
