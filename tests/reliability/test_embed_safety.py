"""``bptlearn embed`` never writes over an input and resumes only what it can trust.

Issue 15, items 1, 7 and 14 (last bullet). Each test failed before the fix: the output
folder was not checked, and a rerun trusted any file with the output's name.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from bptlearn.cli import main
from bptlearn.cli.embed import embed_recordings

FAST = dict(weights=None, n_patches=1, n_fit_windows=2, device="cpu", progress=False)
CLI_FAST = ["--weights", "none", "--n-fit-windows", "2", "--device", "cpu", "--no-progress"]


@pytest.fixture
def data(tmp_path):
    """data/p01.npy: 4 channels, 60 s at 250 Hz."""
    folder = tmp_path / "data"
    folder.mkdir()
    signal = np.random.default_rng(0).normal(0.0, 20.0, size=(4, 15000)).astype(np.float32)
    np.save(folder / "p01.npy", signal)
    return folder


def test_embedding_a_file_into_its_own_folder_is_refused_and_the_file_kept(data):
    before = (data / "p01.npy").read_bytes()
    with pytest.raises(ValueError, match=r"output folder .*data' contains the input .*p01\.npy'"
                                         r".*never writes where its inputs are"):
        main(["embed", str(data / "p01.npy"), str(data), "--sfreq", "250", "--n-patches", "1",
              *CLI_FAST])
    assert (data / "p01.npy").read_bytes() == before
    assert sorted(p.name for p in data.iterdir()) == ["p01.npy"]


def test_a_source_folder_as_output_folder_gets_the_overwrite_message(data):
    with pytest.raises(ValueError, match=r"output folder .*data' is the input") as err:
        embed_recordings(data, data, sfreq=250.0, **FAST)
    assert "holds no recording" not in str(err.value)


def test_a_manifest_whose_recordings_are_in_the_output_folder_is_refused(data, tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,sfreq\ndata/p01.npy,250\n")
    with pytest.raises(ValueError, match=r"contains the input .*p01\.npy'"):
        embed_recordings(manifest, data, **FAST)
    assert sorted(p.name for p in data.iterdir()) == ["p01.npy"]


def test_an_output_folder_inside_the_source_folder_is_allowed_and_not_read(data):
    report = embed_recordings(data, data / "emb", sfreq=250.0, **FAST)
    assert report["written"] == [data / "emb" / "p01.npy"]
    again = embed_recordings(data, data / "emb", sfreq=250.0, **FAST)  # emb/*.npy not inputs
    assert again["skipped"] == [data / "emb" / "p01.npy"] and again["written"] == []


def test_a_rerun_with_other_settings_embeds_again(data, tmp_path):
    out = tmp_path / "out"
    embed_recordings(data, out, sfreq=250.0, **FAST)
    settings = json.loads((out / "p01.embed.json").read_text())
    assert settings["n_patches"] == 1 and len(settings["source_sha256"]) == 64
    report = embed_recordings(data, out, sfreq=250.0, **{**FAST, "n_patches": 2})
    assert report["written"] == [out / "p01.npy"] and report["skipped"] == []
    assert np.load(out / "p01.npy").shape[0] == 5  # 60 s in windows of 12 s


def test_a_rerun_with_other_settings_is_refused_under_strict(data, tmp_path):
    out = tmp_path / "out"
    embed_recordings(data, out, sfreq=250.0, **FAST)
    first = np.load(out / "p01.npy")
    with pytest.raises(ValueError, match=r"not made from this input with these settings "
                                         r"\(.*n_patches: 1 -> 2.*without --strict"):
        embed_recordings(data, out, sfreq=250.0, strict=True, **{**FAST, "n_patches": 2})
    np.testing.assert_array_equal(np.load(out / "p01.npy"), first)


def test_a_changed_input_is_embedded_again(data, tmp_path):
    out = tmp_path / "out"
    embed_recordings(data, out, sfreq=250.0, **FAST)
    np.save(data / "p01.npy", np.random.default_rng(1).normal(size=(4, 15000)).astype(np.float32))
    report = embed_recordings(data, out, sfreq=250.0, **FAST)
    assert report["written"] == [out / "p01.npy"]


def test_a_foreign_file_with_the_output_name_is_not_trusted(data, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    np.save(out / "p01.npy", np.ones((2, 2)))
    np.save(out / "p01.onsets.npy", np.ones(2))
    report = embed_recordings(data, out, sfreq=250.0, **FAST)
    assert report["written"] == [out / "p01.npy"]
    assert np.load(out / "p01.npy").shape == (10, 137)


def test_stray_temporary_files_are_removed_on_the_next_run(data, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    stray = out / ".p01.npy.k2j4h1.tmp"
    stray.write_bytes(b"half a file")
    embed_recordings(data, out, sfreq=250.0, **FAST)
    assert not stray.exists()
    assert sorted(p.name for p in out.iterdir()) == ["p01.embed.json", "p01.npy",
                                                     "p01.onsets.npy"]
