"""Simulated pretraining patients: one or more generator families, with event labels."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..data import make_neural_mass, make_seeg, randomize_recording
from ._data import Recording, make_recording
from ._objectives import EVENT_NAMES


def _check_families(families: Any) -> tuple[str, ...]:
    families = (families,) if isinstance(families, str) else tuple(families)
    bad = [f for f in families if not isinstance(f, str)
           or (f not in ("seeg", "neural_mass") and not f.startswith("neural_mass:"))]
    if not families or bad or len(set(families)) != len(families):
        raise ValueError(
            "synthetic_families must hold distinct names among 'seeg', 'neural_mass' and "
            f"'neural_mass:<model>' (a model of bptlearn.data.make_neural_mass), got "
            f"{families!r} instead."
        )
    return families


def synthetic_recordings(n_patients: int, duration: float, seed: int,
                         families: Any = ("seeg",), randomize: bool = False) -> list[Recording]:
    """Simulated patients of one or more generator families, with their event labels.

    Patient ``i`` (6-16 channels) comes from family ``families[i % len(families)]``:
    ``'seeg'`` is :func:`bptlearn.data.make_seeg` (one seizure per 300 s);
    ``'neural_mass'`` is :func:`bptlearn.data.make_neural_mass` with its default model, and
    ``'neural_mass:<model>'`` with that model (e.g. ``'neural_mass:wendling'``). With
    ``randomize``, every patient goes through :func:`bptlearn.data.randomize_recording`
    (aperiodic background, bursts, HFOs, line noise, artefacts, montage, gain, and a native
    rate of 100 Hz to 2 kHz), then is resampled to 250 Hz like any recording. The events
    the simulator marks (``rec.events``, or ``make_seeg``'s ``labels`` as ``'seizure'``)
    are kept for :func:`collate_events`.

    Examples
    --------
    >>> from bptlearn.pretraining import synthetic_recordings
    >>> recs = synthetic_recordings(2, duration=60.0, seed=0)
    >>> [(r.name, r.n_chans, r.n_times) for r in recs], "seizure" in recs[0].events
    ([('synthetic-P01', 15, 15000), ('synthetic-P02', 13, 15000)], True)
    """
    families = _check_families(families)
    rng = np.random.default_rng(seed)
    n_chans = [int(c) for c in rng.integers(6, 17, size=n_patients)]  # as before families
    out: list[Recording] = [None] * n_patients  # type: ignore[list-item]
    for f, family in enumerate(families):
        idx = list(range(f, n_patients, len(families)))
        if not idx:
            continue
        kwargs = dict(n_patients=len(idx), n_chans=[n_chans[i] for i in idx],
                      duration=duration, random_state=seed)
        if family == "seeg":
            recs = make_seeg(n_seizures=max(1, int(duration // 300)), **kwargs)
        else:
            model = {"model": family.split(":", 1)[1]} if ":" in family else {}
            recs = make_neural_mass(randomize=False, **kwargs, **model)
        prefix = "synthetic-" if family == "seeg" else f"synthetic-{family.replace(':', '-')}-"
        for i, rec in zip(idx, recs, strict=True):
            if randomize:
                rec = randomize_recording(rec, np.random.default_rng([seed, i]))
            events = getattr(rec, "events", None) or {"seizure": rec.labels}
            out[i] = make_recording(rec.data.astype(np.float32), rec.sfreq,
                                    prefix + rec.patient_id,
                                    events={k: v for k, v in events.items()
                                            if k in EVENT_NAMES})
    return out
