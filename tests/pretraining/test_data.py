"""Recordings in, scaled windows out: folders, manifests, rates, buckets and ranks."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from bptlearn.data import robust_channel_stats
from bptlearn.pretraining import collate, load_recordings, make_recording, plan_epoch


@pytest.fixture
def recordings(rng):
    sizes = [(4, 9000), (6, 12000), (4, 6000), (6, 9000), (5, 7500)]
    return [make_recording(rng.normal(0, 30, s), 250.0, f"r{i}") for i, s in enumerate(sizes)]


def test_every_batch_holds_one_channel_count(recordings):
    plan = plan_epoch(recordings, 1500, 3, seed=0, epoch=0)
    assert all(len({recordings[i].n_chans for i, _ in batch}) == 1 for batch in plan)


def test_plan_is_a_function_of_seed_and_epoch(recordings):
    a = plan_epoch(recordings, 1500, 3, seed=0, epoch=1)
    assert a == plan_epoch(recordings, 1500, 3, seed=0, epoch=1)
    assert a != plan_epoch(recordings, 1500, 3, seed=0, epoch=2)


def test_ranks_get_disjoint_shares_of_equal_length(recordings):
    full = plan_epoch(recordings, 1500, 2, seed=0, epoch=0)
    shares = [plan_epoch(recordings, 1500, 2, seed=0, epoch=0, rank=r, world_size=3)
              for r in range(3)]
    assert len({len(s) for s in shares}) == 1 and len(shares[0]) == len(full) // 3
    items = [item for share in shares for batch in share for item in batch]
    assert len(set(items)) == len(items)


def test_windows_stay_inside_their_recording(recordings):
    for batch in plan_epoch(recordings, 3000, 4, seed=3, epoch=5):
        assert all(0 <= s and s + 3000 <= recordings[i].n_times for i, s in batch)


def test_collate_scales_each_channel_by_its_robust_statistics(rng):
    data = rng.normal(50, 20, (3, 6000)) * np.array([[1], [5], [0.1]])
    rec = make_recording(data, 250.0, "x")
    x = collate([rec], [(0, 1500)], 2, 1500)
    center, scale = robust_channel_stats(data)
    expected = (data[:, 1500:4500] - center[:, None]) / scale[:, None]
    assert x.shape == (1, 3, 2, 1500)
    np.testing.assert_allclose(x.reshape(3, -1).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_npy_folder_is_resampled_to_250_hz(tmp_path, rng):
    data = rng.normal(size=(3, 10000))
    np.save(tmp_path / "a.npy", data)
    (recording,) = load_recordings(tmp_path, sfreq=500.0)
    assert recording.data.shape == (3, 5000) and recording.name == "a.npy"


def test_manifest_gives_each_file_its_rate(tmp_path, rng):
    np.save(tmp_path / "a.npy", rng.normal(size=(2, 4000)))
    np.save(tmp_path / "b.npy", rng.normal(size=(2, 4000)))
    (tmp_path / "m.csv").write_text("path,sfreq\na.npy,250\nb.npy,1000\n")
    recs = load_recordings(tmp_path / "m.csv")
    assert [r.n_times for r in recs] == [4000, 1000]


def test_npy_without_rate_asks_for_sfreq(tmp_path, rng):
    np.save(tmp_path / "a.npy", rng.normal(size=(2, 4000)))
    with pytest.raises(ValueError, match=r"does not store its sampling rate.*--sfreq"):
        load_recordings(tmp_path)


def test_manifest_without_path_column_is_refused(tmp_path):
    (tmp_path / "m.csv").write_text("file,sfreq\na.npy,250\n")
    with pytest.raises(ValueError, match="'path' column.*'file', 'sfreq'"):
        load_recordings(tmp_path / "m.csv")


def test_short_recordings_are_skipped_with_a_warning(rng, caplog):
    arrays = [rng.normal(size=(2, 3000)), rng.normal(size=(2, 1000))]
    with caplog.at_level(logging.WARNING):
        recs = load_recordings(arrays, sfreq=250.0, min_times=1500)
    assert len(recs) == 1 and "skipping array1" in caplog.text


def test_only_short_recordings_is_an_error(rng):
    with pytest.raises(ValueError, match="No recording is long enough"):
        load_recordings([rng.normal(size=(2, 100))], sfreq=250.0, min_times=1500)


def test_nan_samples_are_refused(rng):
    data = rng.normal(size=(2, 3000))
    data[1, 7] = np.nan
    with pytest.raises(ValueError, match="'bad' holds NaN"):
        make_recording(data, 250.0, "bad")


def test_inputs_are_not_modified(rng):
    data = rng.normal(size=(2, 3000))
    before = data.copy()
    recs = load_recordings([data], sfreq=250.0)
    collate(recs, [(0, 0)], 2, 1500)
    np.testing.assert_array_equal(data, before)


def test_synthetic_patients_have_varied_channel_counts():
    recs = load_recordings(synthetic=4, synthetic_duration=60.0, seed=0)
    assert len(recs) == 4 and len({r.n_chans for r in recs}) > 1
    assert all(r.name.startswith("synthetic-P0") for r in recs)


def test_fif_recording_is_read_in_microvolts_without_bad_channels(tmp_path, rng):
    import mne
    info = mne.create_info(["LA1", "LA2", "LA3", "TRIG"], 500.0,
                           ["seeg", "seeg", "seeg", "stim"])
    raw = mne.io.RawArray(rng.normal(0, 50e-6, (4, 5000)), info)
    raw.info["bads"] = ["LA2"]
    raw.save(tmp_path / "rec_raw.fif")
    (rec,) = load_recordings(tmp_path)
    assert rec.data.shape == (2, 2500)  # LA1, LA3 at 250 Hz
    assert 20 < float(rec.scale.mean()) < 80  # µV, not volts
