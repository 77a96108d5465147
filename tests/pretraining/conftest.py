"""Tiny pretraining runs: a 16-wide model on two short simulated patients."""

from __future__ import annotations

import pytest

TINY_MODEL = {"d_model": 16, "nhead": 2, "dim_feedforward": 32, "n_temporal_layers": 1,
              "n_spatial_layers": 1}
# 2 patients x 60 s, 2-patch (12 s) windows: 10 windows, 5 batches of 2 per epoch
TINY_RUN = {"synthetic": 2, "synthetic_duration": 60.0, "n_patches": 2, "batch_size": 2,
            "model_overrides": TINY_MODEL, "progress": False, "num_threads": 1,
            "lr_min": 1e-4, "lr_max": 1e-3, "lr_step": 4}


def cli_args(out, steps: int, *extra: str) -> list[str]:
    """``bptlearn pretrain`` arguments of TINY_RUN."""
    import json
    return ["pretrain", "--out", str(out), "--synthetic", "2", "--synthetic-duration", "60",
            "--n-patches", "2", "--batch-size", "2", "--model", json.dumps(TINY_MODEL),
            "--no-progress", "--threads", "1", "--lr-min", "1e-4", "--lr-max", "1e-3",
            "--lr-step", "4", "--steps", str(steps), *extra]


@pytest.fixture
def tiny_run():
    return dict(TINY_RUN)
