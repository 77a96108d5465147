"""bptlearn embed: recordings on disk in, one embedding file per recording out."""

import json
import os
import sys

import mne
import numpy as np
import pytest

from bptlearn import BPTEncoder
from bptlearn.cli import embed as _embed_cli
from bptlearn.cli import main
from bptlearn.cli.embed import embed_recordings
from bptlearn.data import iter_windows

N_FIT = 3  # windows the per-recording scaling is fitted on
FAST = dict(weights=None, n_patches=1, n_fit_windows=N_FIT, device="cpu", progress=False)


def _signal(seed: int, n_chans: int, seconds: float, sfreq: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    gain = rng.uniform(5.0, 50.0, size=(n_chans, 1))  # channels of different amplitude
    return (rng.normal(size=(n_chans, int(seconds * sfreq))) * gain).astype(np.float32)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two FIF recordings (one at 500 Hz, in a subfolder) and a .npy with a manifest."""
    root = tmp_path_factory.mktemp("recordings")
    (root / "sub").mkdir()
    for name, n_chans, sfreq, seed in (("p01_raw.fif", 3, 250.0, 0),
                                       ("sub/p02_raw.fif", 4, 500.0, 1)):
        info = mne.create_info([f"LA{i + 1}" for i in range(n_chans)], sfreq, "seeg")
        raw = mne.io.RawArray(_signal(seed, n_chans, 42.0, sfreq) * 1e-6, info, verbose="error")
        raw.save(root / name, verbose="error")
    npy = tmp_path_factory.mktemp("arrays")
    np.save(npy / "p03.npy", _signal(2, 5, 36.0, 1000.0))
    (npy / "manifest.csv").write_text("path,sfreq,subject\np03.npy,1000,P03\n")
    return root, npy / "manifest.csv"


def expected(path, sfreq=None):
    """What BPTEncoder gives, fitted on the recording's first windows, then streamed."""
    first = next(iter_windows(path, sfreq, batch_size=N_FIT, n_patches=1))
    enc = BPTEncoder(weights=None, n_components=None, device="cpu", random_state=0).fit(first)
    return (*enc.transform_recording(path, sfreq=sfreq, n_patches=1),
            list(enc.get_feature_names_out()))


def test_folder_outputs_equal_transform_recording_per_recording(folder, tmp_path):
    root, _ = folder
    report = embed_recordings(root, tmp_path, **FAST)
    assert report["written"] == [tmp_path / "p01_raw.npy", tmp_path / "sub" / "p02_raw.npy"]
    for out, src in zip(report["written"], ("p01_raw.fif", "sub/p02_raw.fif"), strict=True):
        emb, onsets, _ = expected(root / src)
        assert np.load(out).shape == (7, 137) and emb.shape == (7, 137)
        np.testing.assert_allclose(np.load(out), emb, atol=1e-5)
        np.testing.assert_allclose(np.load(str(out)[:-4] + ".onsets.npy"), onsets)


def test_manifest_npy_recording_to_parquet_has_onsets_features_and_subject(folder, tmp_path):
    import pyarrow.parquet as pq

    _, manifest = folder
    report = embed_recordings(manifest, tmp_path, fmt="parquet", **FAST)
    table = pq.read_table(report["written"][0])
    emb, onsets, names = expected(manifest.parent / "p03.npy", sfreq=1000.0)
    assert table.column_names == ["onset", *names]
    assert table.schema.metadata[b"subject"] == b"P03"
    np.testing.assert_allclose(table.column("onset").to_numpy(), onsets)
    features = np.column_stack([table.column(n).to_numpy() for n in names])
    np.testing.assert_allclose(features, emb, atol=1e-5)


def test_npz_holds_embeddings_onsets_and_feature_names(folder, tmp_path):
    _, manifest = folder
    out = embed_recordings(manifest, tmp_path, fmt="npz", **FAST)["written"][0]
    with np.load(out) as npz:
        assert npz["embeddings"].shape == (6, 137) and npz["onsets"].tolist() == [
            0.0, 6.0, 12.0, 18.0, 24.0, 30.0]
        assert npz["feature_names"][0] == "bptencoder0"


def test_resume_skips_finished_recordings_and_no_resume_redoes_them(folder, tmp_path):
    root, _ = folder
    first = embed_recordings(root, tmp_path, **FAST)["written"]
    os.utime(first[0], (0, 0))  # mark the file: a rewrite would change its mtime
    again = embed_recordings(root, tmp_path, **FAST)
    assert again["written"] == [] and again["skipped"] == first
    assert os.stat(first[0]).st_mtime == 0
    redo = embed_recordings(root, tmp_path, resume=False, **FAST)
    assert redo["written"] == first and os.stat(first[0]).st_mtime > 0


def test_two_ranks_embed_disjoint_shards_that_cover_every_recording(folder, tmp_path,
                                                                   monkeypatch):
    root, manifest = folder
    sources = [root, manifest]
    monkeypatch.setenv("WORLD_SIZE", "2")
    shards = []
    for rank in ("0", "1"):
        monkeypatch.setenv("RANK", rank)
        shards.append(set(embed_recordings(sources, tmp_path, **FAST)["written"]))
    assert shards[0].isdisjoint(shards[1])
    assert shards[0] | shards[1] == {tmp_path / "p01_raw.npy", tmp_path / "sub" / "p02_raw.npy",
                                     tmp_path / "p03.npy"}
    assert len(shards[0]) == 2  # recordings 0 and 2 of the sorted list


def test_device_is_the_local_rank_gpu_under_torchrun(monkeypatch):
    monkeypatch.setattr("torch.cuda.is_available", lambda: True)
    assert _embed_cli._device("auto", 3, "fp32") == "cuda:3"
    assert _embed_cli._device("auto", 3, "int8") == "cpu"
    assert _embed_cli._device("cuda:0", 3, "fp32") == "cuda:0"


def test_a_bad_rank_environment_is_refused(folder, tmp_path, monkeypatch):
    monkeypatch.setenv("RANK", "2")
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(ValueError, match=r"RANK=2 must lie in 0\.\.WORLD_SIZE-1"):
        embed_recordings(folder[0], tmp_path, **FAST)


def test_command_line_embeds_a_folder(folder, tmp_path):
    code = main(["embed", str(folder[0]), str(tmp_path), "--weights", "none", "--n-patches",
                 "1", "--n-fit-windows", "3", "--device", "cpu", "--no-progress"])
    assert code == 0
    assert sorted(p.name for p in tmp_path.rglob("*.npy")) == [
        "p01_raw.npy", "p01_raw.onsets.npy", "p02_raw.npy", "p02_raw.onsets.npy"]


def test_skip_errors_logs_a_broken_recording_and_goes_on(folder, tmp_path):
    root, _ = folder
    broken = tmp_path / "in"
    broken.mkdir()
    (broken / "bad.fif").write_bytes(b"not a fif file")
    report = embed_recordings([broken / "bad.fif", root / "p01_raw.fif"], tmp_path / "out",
                              skip_errors=True, **FAST)
    assert report["failed"] == [tmp_path / "out" / "bad.npy"]
    assert report["written"] == [tmp_path / "out" / "p01_raw.npy"]
    assert not (tmp_path / "out" / "bad.npy").exists()


def test_manifest_without_a_path_column_is_refused(tmp_path):
    (tmp_path / "m.csv").write_text("file,sfreq\na.npy,250\n")
    with pytest.raises(ValueError, match="must be a CSV file with a 'path' column"):
        embed_recordings(tmp_path / "m.csv", tmp_path / "out", **FAST)


def test_two_recordings_with_one_output_name_are_refused(folder, tmp_path):
    root, _ = folder
    with pytest.raises(ValueError, match="would both be written to"):
        embed_recordings([root / "p01_raw.fif", root / "p01_raw.fif"], tmp_path, **FAST)


def test_parquet_without_pyarrow_raises_a_clear_import_error(folder, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ImportError, match=r"fmt='parquet' needs pyarrow.*pip install pyarrow"):
        embed_recordings(folder[0], tmp_path, fmt="parquet", **FAST)
    assert not any(tmp_path.iterdir())


def _fif(path, seconds, n_chans=3, sfreq=250.0, his_id=None, kind="seeg", seed=0):
    info = mne.create_info([f"LA{i + 1}" for i in range(n_chans)], sfreq, kind)
    raw = mne.io.RawArray(_signal(seed, n_chans, seconds, sfreq) * 1e-6, info, verbose="error")
    if his_id is not None:
        raw.info["subject_info"] = {"his_id": his_id}
    raw.save(path, verbose="error")
    return path


def test_short_recordings_are_summarised_and_the_batch_goes_on(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    _fif(src / "a_raw.fif", 4.0)  # shorter than one 6-s patch
    _fif(src / "b_raw.fif", 13.0)
    args = ["embed", str(src), str(tmp_path / "out"), "--weights", "none", "--n-patches", "1",
            "--n-fit-windows", "2", "--device", "cpu", "--no-progress"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "1 embedded, 0 up to date, 1 too short, 0 failed" in out
    assert "a_raw.npy: shorter than one window" in out
    assert (tmp_path / "out" / "b_raw.npy").is_file()
    assert not (tmp_path / "out" / "a_raw.npy").exists()
    assert main([*args, "--strict"]) == 1  # b is up to date, a still too short


def test_exit_status_is_1_when_no_recording_is_long_enough(tmp_path, capsys):
    _fif(tmp_path / "a_raw.fif", 4.0)
    assert main(["embed", str(tmp_path / "a_raw.fif"), str(tmp_path / "out"), "--weights",
                 "none", "--n-patches", "1", "--device", "cpu", "--no-progress"]) == 1
    assert "0 embedded, 0 up to date, 1 too short" in capsys.readouterr().out


def test_edf_channels_loaded_as_eeg_are_embedded_with_ch_types_and_filters(tmp_path):
    info = mne.create_info(["LA1", "LA2"], 250.0, "eeg")
    raw = mne.io.RawArray(_signal(0, 2, 30.0, 250.0) * 1e-6, info, verbose="error")
    mne.export.export_raw(tmp_path / "p.edf", raw, verbose="error")
    args = ["embed", str(tmp_path / "p.edf"), str(tmp_path / "out"), "--weights", "none",
            "--n-patches", "1", "--n-fit-windows", "2", "--device", "cpu", "--no-progress"]
    with pytest.raises(ValueError, match=r"no channel of type \['seeg', 'ecog', 'dbs'\]"):
        main(args)
    assert main([*args, "--ch-types", "seeg", "--l-freq", "0.5", "--notch", "50"]) == 0
    settings = json.loads((tmp_path / "out" / "p.embed.json").read_text())
    assert (settings["ch_types"], settings["l_freq"], settings["notch"]) == ("seeg", 0.5, 50.0)
    assert main([*args[:2], str(tmp_path / "out2"), *args[3:], "--picks", "eeg"]) == 0
    assert np.load(tmp_path / "out2" / "p.npy").shape == (5, 137)


def test_parquet_subject_comes_from_the_fif_his_id(tmp_path):
    import pyarrow.parquet as pq

    path = _fif(tmp_path / "p07_raw.fif", 13.0, his_id="P07")
    out = embed_recordings(path, tmp_path / "out", fmt="parquet", **FAST)["written"][0]
    assert pq.read_table(out).schema.metadata[b"subject"] == b"P07"
    out = embed_recordings(path, tmp_path / "o2", fmt="parquet", subject="S1", **FAST)
    assert pq.read_table(out["written"][0]).schema.metadata[b"subject"] == b"S1"


def test_manifest_columns_set_channel_types_picks_and_filters_per_row(tmp_path):
    _fif(tmp_path / "a_raw.fif", 13.0, kind="eeg")
    _fif(tmp_path / "b_raw.fif", 13.0, kind="ecog", seed=1)
    (tmp_path / "m.csv").write_text('path,ch_types,picks,h_freq\na_raw.fif,seeg,,40\n'
                                    'b_raw.fif,,"ecog,seeg",\n')
    report = embed_recordings(tmp_path / "m.csv", tmp_path / "out", **FAST)
    assert [p.name for p in report["written"]] == ["a_raw.npy", "b_raw.npy"]
    a = json.loads((tmp_path / "out" / "a_raw.embed.json").read_text())
    b = json.loads((tmp_path / "out" / "b_raw.embed.json").read_text())
    assert (a["ch_types"], a["h_freq"], b["picks"]) == ("seeg", 40.0, "('ecog', 'seeg')")


def test_a_bad_frequency_in_a_manifest_names_the_row(tmp_path):
    _fif(tmp_path / "a_raw.fif", 13.0)
    (tmp_path / "m.csv").write_text("path,l_freq\na_raw.fif,low\n")
    with pytest.raises(ValueError, match=r"a_raw\.fif'.*l_freq 'low' is not a frequency"):
        embed_recordings(tmp_path / "m.csv", tmp_path / "out", **FAST)


def test_help_shows_defaults_and_no_rst_markup(capsys):
    with pytest.raises(SystemExit):
        main(["embed", "--help"])
    text = capsys.readouterr().out
    assert "6-s patches per window (default: 15)" in text
    assert "(default: seeg,ecog,dbs)" in text and "(default: bpt_nano.shipped)" in text
    assert "``" not in text and ":func:" not in text and "::\n" not in text


def test_the_default_weights_name_matches_the_registry():
    from bptlearn.weights import DEFAULT_WEIGHTS

    assert _embed_cli.DEFAULT_WEIGHTS == DEFAULT_WEIGHTS
