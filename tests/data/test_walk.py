"""One recording walker for embed and pretraining: folders recursively, manifests, files."""

import numpy as np
import pytest

from bptlearn.data import list_recordings


@pytest.fixture
def tree(tmp_path):
    for name in ("b.npy", "sub/a.npy", "sub/deeper/c_raw.fif", "notes.txt"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, np.zeros((2, 10), np.float32)) if name.endswith(".npy") else \
            path.write_bytes(b"")
    return tmp_path


def test_a_folder_is_walked_recursively_in_sorted_order(tree):
    found = list_recordings(tree, sfreq=500.0)
    assert [r.relative.as_posix() for r in found] == ["b.npy", "sub/a.npy",
                                                      "sub/deeper/c_raw.fif"]
    assert {r.sfreq for r in found} == {500.0} and found[0].path == tree / "b.npy"


def test_an_excluded_folder_is_skipped(tree):
    found = list_recordings(tree, exclude=tree / "sub")
    assert [r.relative.as_posix() for r in found] == ["b.npy"]


def test_manifest_rows_keep_their_rate_subject_and_other_columns(tree):
    (tree / "m.csv").write_text("path,sfreq,subject,notch\nsub/a.npy,1000,P1,50\nb.npy,,,\n")
    a, b = list_recordings(tree / "m.csv", sfreq=250.0)
    assert (a.path, a.sfreq, a.subject, a.options) == (tree / "sub" / "a.npy", 1000.0, "P1",
                                                        {"notch": "50"})
    assert (b.sfreq, b.subject, b.options) == (250.0, None, {})


def test_a_manifest_with_a_bad_rate_names_the_line(tree):
    (tree / "m.csv").write_text("path,sfreq\nb.npy,abc\n")
    with pytest.raises(ValueError, match=r"m\.csv', line 2: sfreq 'abc' is not a positive"):
        list_recordings(tree / "m.csv")


def test_one_wording_for_an_empty_folder_and_a_missing_path(tmp_path):
    with pytest.raises(ValueError, match=r"holds no recording \(\.edf, .*\); check the path"):
        list_recordings(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"is not a folder, a \.csv manifest or a "
                                                r"recording file"):
        list_recordings(tmp_path / "missing.npy")


def test_pretraining_walks_subfolders_too(tree):
    from bptlearn.pretraining import load_recordings

    (tree / "sub/deeper/c_raw.fif").unlink()
    for name in ("b.npy", "sub/a.npy"):
        np.save(tree / name, np.random.default_rng(0).normal(size=(2, 2500)))
    names = [r.name for r in load_recordings(tree, sfreq=250.0)]
    assert names == ["b.npy", "sub/a.npy"]
