"""Study arm of issue 13: pretraining labels that teach interictal differences.

Runs ``bptlearn pretrain`` with every ``make_seeg`` patient given an *irritative zone*:
2-4 neighbouring contacts of one shaft (fewer at its end) where, between seizures,
1-4 Hz activity is stronger and spikes and ripple-band bursts cluster, each patient to its
own degree (the tissue that generates interictal epileptiform activity; Bonn's set D, inside the
epileptogenic zone, against set C outside it, is the real task it aims at). The zone's
contacts are marked as a fifth event, ``'irritative_zone'``, for the event heads of the
``spectral_events`` objective; its spikes and bursts are marked ``'spike'`` and ``'hfo'``.

This is a measured arm, not a library feature: it patches the corpus and the event list
for one run only, and it did not earn a place in the package (the model card's study
records it). Every other argument goes to ``bptlearn pretrain`` unchanged; the model
card's shipped command with ``--out`` changed gives the arm at the shipped budget::

    python benchmarks/pretrain_irritative_zone.py --synthetic 100 --synthetic-duration 600 \\
        --preset nano --objective spectral_events --model '{"dropout": 0.0}' \\
        --n-patches 15 --batch-size 8 --steps 3000 --lr-min 5e-5 --lr-max 1e-3 \\
        --lr-step 1500 --seed 0 --threads 1 --checkpoint-every 250 --save-dtype float16 \\
        --no-progress --out /tmp/irritative_zone

Then score it with ``benchmarks/real_bonn.py --weights /tmp/irritative_zone/model.safetensors``
and ``benchmarks/encoder_readout.py --weights ...``.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
from scipy.signal import butter, sosfiltfilt

import bptlearn.pretraining._data as data_module
import bptlearn.pretraining._objectives as objectives_module
import bptlearn.pretraining._synthetic as corpus_module
from bptlearn.cli import main
from bptlearn.data import SEEGRecording, make_seeg, parse_contact
from bptlearn.data._randomize import _add_hfos
from bptlearn.data._synthetic import _add_spikes

EVENT_NAMES = objectives_module.EVENT_NAMES + ("irritative_zone",)


def add_irritative_zone(rec: SEEGRecording, rng: np.random.Generator) -> SEEGRecording:
    """``rec`` with an irritative zone added to its signals and marked in its events."""
    data = np.array(rec.data)
    n_chans, n_times = data.shape
    shafts = np.array([parse_contact(name)[0] for name in rec.ch_names])
    first = int(rng.integers(0, n_chans))
    same = np.flatnonzero(shafts == shafts[first])
    width = int(rng.integers(2, 5))
    zone = np.unique(same[np.clip(np.searchsorted(same, first) + np.arange(width), 0,
                                  len(same) - 1)])
    rms = np.array([data[c, ~rec.labels[c]].std() for c in range(n_chans)])  # background
    strength = rng.uniform(0.3, 1.0)  # how visible this patient's zone is

    sos = butter(4, [1.0, 4.0], btype="band", fs=rec.sfreq, output="sos")
    slow = sosfiltfilt(sos, rng.standard_normal((len(zone), n_times)), axis=-1)
    data[zone] += (strength * rng.uniform(0.3, 0.8) * rms[zone] / slow.std(axis=1))[:, None] * slow
    spikes = np.zeros(data.shape, dtype=bool)
    in_zone = data[zone]
    spikes[zone] = _add_spikes(rng, {"spike_rate": strength * rng.uniform(0.1, 0.5)}, in_zone,
                               rms[zone], rec.sfreq)
    data[zone] = in_zone
    hfo = np.zeros(data.shape, dtype=bool)
    _add_hfos(rng, data, hfo, rec.sfreq, rms, strength * rng.uniform(0.2, 1.0) / n_chans,
              weights=np.isin(np.arange(n_chans), zone).astype(float))
    marked = np.zeros(data.shape, dtype=bool)
    marked[zone] = True
    events = dict(rec.events, spike=(rec.events["spike"] | spikes) & ~rec.labels,
                  hfo=hfo & ~rec.labels, irritative_zone=marked)
    return dataclasses.replace(rec, data=data, events=events)


def make_seeg_with_zone(*args, random_state: int, **kwargs) -> list[SEEGRecording]:
    """``make_seeg``'s patients, each given an irritative zone (a random stream of their own)."""
    rng = np.random.default_rng([random_state, 2026])
    return [add_irritative_zone(rec, rng)
            for rec in make_seeg(*args, random_state=random_state, **kwargs)]


if __name__ == "__main__":
    for module in (objectives_module, data_module, corpus_module):
        module.EVENT_NAMES = EVENT_NAMES  # the event heads get a fifth output
    corpus_module.make_seeg = make_seeg_with_zone
    sys.exit(main(["pretrain", *sys.argv[1:]]))
