"""Adaptation: continue Brant's masked self-supervised training on the windows ``fit`` sees.

``BPTEncoder(adapt_steps=N)`` trains a copy of the loaded encoder for ``N`` optimiser steps
on ``fit``'s X, without labels, so that inside cross-validation it learns from the training
fold only (scikit-learn's meaning of ``fit``). The objective is the masked reconstruction the
shipped weights were pretrained with, minus its spectral and event heads (not part of the
weights file; the user's windows carry no event labels): 40 % of the channel x patch
tokens hidden, samples and band power (:meth:`~bptlearn.nn.BPTModel.reconstruct` with
``mask_power=True``), mean squared error of the reconstruction over the hidden tokens.
Adam at a constant learning rate, gradients clipped at norm 1, batches of ``batch_size``
windows drawn at random, fp32.

The model maths and the token mask are :mod:`bptlearn.nn`'s. The pretraining loop
(:mod:`bptlearn.pretraining`) is not used here: it sits on the same floor as the estimators
(``tests/test_layering.py``), and it trains on recordings in a run folder, not on windows in
memory.
"""

from __future__ import annotations

import copy
import time
from typing import Any

import numpy as np
import torch

from ..nn import BPTModel
from ..nn.masking import MASK_RATIO, masked_loss, random_mask
from ..nn.pipeline import InputScaling
from ..utils._random import draw_seed
from ._input import Signals, to_patches

ADAPT_LR = 1e-4  # the shipped run's cyclic rate ends at 5e-5; a constant 1e-4 adapts in ~100 steps
CLIP_NORM = 1.0
N_PROBE_BATCHES = 4  # fixed batches on which the loss is measured before and after


def _draw_batch(signals: Signals, scaling: InputScaling, config: Any, batch_size: int,
                generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled patches (b, C, L, P) of windows drawn without replacement from one part (parts
    drawn in proportion to their size), and a token mask for them. X is only read."""
    sizes = torch.tensor([len(p) for p in signals.parts], dtype=torch.float64)
    part = signals.parts[int(torch.multinomial(sizes, 1, generator=generator))]
    rows = torch.randperm(len(part), generator=generator)[:batch_size].sort().values.numpy()
    x = torch.from_numpy(to_patches(part[rows], signals.sfreq, config.sfreq, config.patch_len))
    x = scaling(x)[0]
    return x, random_mask(tuple(x.shape[:3]), MASK_RATIO, generator)


def adapt_encoder(model: BPTModel, signals: Signals, scaling: InputScaling, *, steps: int,
                  batch_size: int, random_state: Any, device: torch.device
                  ) -> tuple[BPTModel, dict[str, Any]]:
    """Train a copy of ``model`` for ``steps`` steps on the windows; ``model`` is untouched.

    Parameters
    ----------
    model : BPTModel
        The loaded encoder, on ``device``.
    signals : Signals
        The checked fit windows.
    scaling : bptlearn.nn.pipeline.InputScaling
        The input scaling learned in fit (on the CPU).
    steps : int
        Optimiser steps; 0 returns ``model`` itself.
    batch_size : int
        Windows per step (fewer when the data hold fewer).
    random_state : int, RandomState instance or None
        Seeds the window draws, the masks and dropout.
    device : torch.device
        Where to train.

    Returns
    -------
    encoder : BPTModel
        The adapted copy in eval mode (``model`` when ``steps == 0``).
    fitted : dict
        ``adapt_loss_``: the masked loss on fixed batches of the fit windows before and
        after (``None`` when ``steps == 0``); ``adapt_seconds_``: the wall time it took.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from bptlearn.estimators._adapt import adapt_encoder
    >>> from bptlearn.estimators._input import Signals
    >>> from bptlearn.nn import BPTModel
    >>> from bptlearn.nn.pipeline import InputScaling
    >>> X = np.random.default_rng(0).standard_normal((4, 2, 3000)).astype(np.float32)
    >>> model = BPTModel(preset="nano", d_model=16, nhead=2, dim_feedforward=32,
    ...                  n_temporal_layers=1, n_spatial_layers=1).eval()
    >>> encoder, fitted = adapt_encoder(
    ...     model, Signals((X,), 250.0, None, False), InputScaling(None, [0.0], [1.0]),
    ...     steps=2, batch_size=2, random_state=0, device=torch.device("cpu"))
    >>> encoder is model, sorted(fitted), len(fitted["adapt_loss_"])
    (False, ['adapt_loss_', 'adapt_seconds_'], 2)
    """
    if steps == 0:
        return model, {"adapt_loss_": None, "adapt_seconds_": 0.0}
    start = time.perf_counter()
    seed = draw_seed(random_state)
    generator = torch.Generator().manual_seed(seed)
    encoder = copy.deepcopy(model).requires_grad_(True)
    config = encoder.config
    probe = [_draw_batch(signals, scaling, config, batch_size, generator)
             for _ in range(N_PROBE_BATCHES)]
    params = list(encoder.parameters())
    optimizer = torch.optim.Adam(params, lr=ADAPT_LR, betas=(0.9, 0.99))
    cuda = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):  # dropout: seeded, the global stream untouched
        torch.manual_seed(seed)
        before = _probe_loss(encoder, probe, device)
        encoder.train()
        for step in range(steps):
            x, mask = _draw_batch(signals, scaling, config, batch_size, generator)
            loss = masked_loss(encoder, x.to(device), mask.to(device))
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"The adaptation loss became {float(loss)} at step {step} of adapt_steps="
                    f"{steps}; the input holds huge or flat channels after scaling. Check X, "
                    "use scaling='channel', or set adapt_steps=0.")
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, CLIP_NORM)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        after = _probe_loss(encoder, probe, device)
    return encoder.eval(), {
        "adapt_loss_": (before, after), "adapt_seconds_": time.perf_counter() - start}


def _probe_loss(model: BPTModel, probe: list, device: torch.device) -> float:
    """Mean masked loss over fixed (x, mask) batches, in eval mode (no dropout)."""
    model.eval()
    with torch.no_grad():
        return float(np.mean([float(masked_loss(model, x.to(device), mask.to(device)))
                              for x, mask in probe]))
