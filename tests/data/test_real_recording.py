"""A real LFP/ECoG recording (19 s, 1 kHz; see tests/data/real/README.md) through the
readers, the windowing and the encoder."""

import csv
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from bptlearn import BPTEncoder
from bptlearn.data import read_recording, to_windows

REAL = Path(__file__).parent / "real"
VHDR = REAL / "sub-testsub_ses-EphysMedOff_task-gripforce_run-0_ieeg.vhdr"


@pytest.fixture(scope="module")
def raw():
    with open(REAL / "sub-testsub_ses-EphysMedOff_task-gripforce_run-0_channels.tsv",
              encoding="utf-8-sig") as fh:
        types = {row["name"]: row["type"].lower() for row in csv.DictReader(fh, delimiter="\t")}
    return read_recording(VHDR, ch_types=types)


def test_the_brainvision_file_is_read_with_its_bids_channel_types(raw):
    assert raw.info["sfreq"] == 1000.0 and raw.n_times == 19_001
    assert raw.get_channel_types().count("dbs") == 3
    assert raw.get_channel_types().count("ecog") == 6
    assert raw.ch_names[-1] == "MOV_RIGHT"


def test_windows_are_resampled_to_250_hz_with_the_polyphase_filter(raw):
    w = to_windows(raw, n_patches=1, stride=6.0)
    assert w.X.shape == (3, 9, 1500) and w.sfreq == 250.0
    assert "MOV_RIGHT" not in w.ch_names  # 'misc' is not an intracranial type
    uv = {"dbs": "uV", "ecog": "uV"}
    expected = resample_poly(raw.get_data(picks=w.ch_names, units=uv), 1, 4, axis=-1)
    np.testing.assert_allclose(w.X[1], expected[:, 1500:3000], rtol=1e-4,
                               atol=1e-4 * np.abs(expected).max())


def test_embeddings_do_not_depend_on_a_wrong_unit(raw):
    # the file stores volts as microvolts: robust per-channel scaling makes that harmless
    X = to_windows(raw, n_patches=1, stride=6.0).X
    as_stored = BPTEncoder(n_components=None, device="cpu").fit_transform(X)
    rescaled = BPTEncoder(n_components=None, device="cpu").fit_transform(X * 1e-6)
    assert np.isfinite(as_stored).all() and as_stored.shape == (3, 128 + 9)
    emb = slice(0, 128)  # the embeddings; the extras are logs of the scaled signal too
    np.testing.assert_allclose(rescaled[:, emb], as_stored[:, emb], rtol=1e-3, atol=1e-3)
