"""The gallery: every example runs in fast mode, saves its figure and reports finite numbers.

Each script runs in this process (``runpy``, so bptlearn is imported once) with
``BPTLEARN_FAST=1`` and its figures redirected to a temporary folder, single-threaded so
that its time does not depend on what else shares the CPU.
"""

from __future__ import annotations

import ast
import math
import runpy
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"

# script -> the figure it must write
FIGURES = {
    "plot_encoder_quickstart.py": "encoder_quickstart.png",
    "plot_forecasting.py": "forecasting.png",
    "plot_frequency_phase.py": "frequency_phase.png",
    "plot_imputation.py": "imputation.png",
    "plot_low_label.py": "low_label.png",
    "plot_mne_windows.py": "mne_windows.png",
    "plot_online_detection.py": "online_detection.png",
    "plot_scaling.py": "scaling.png",
    "plot_seizure_detection.py": "seizure_detection.png",
    "plot_tsne.py": "tsne.png",
}


@pytest.fixture
def fast_mode(monkeypatch, tmp_path):
    """Fast mode, figures and working directory in ``tmp_path``, one torch thread."""
    monkeypatch.setenv("BPTLEARN_FAST", "1")
    monkeypatch.setenv("BPTLEARN_FIGURES_DIR", str(tmp_path / "figures"))
    monkeypatch.chdir(tmp_path)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield tmp_path / "figures"
    torch.set_num_threads(threads)
    plt.close("all")


def test_every_example_is_listed_with_its_figure():
    assert sorted(p.name for p in EXAMPLES_DIR.glob("plot_*.py")) == sorted(FIGURES)


@pytest.mark.parametrize("script", sorted(FIGURES))
def test_example_docstring_starts_with_an_rst_title(script):
    source = (EXAMPLES_DIR / script).read_text()
    doc = ast.get_docstring(ast.parse(source), clean=False)
    title, underline = doc.splitlines()[1:3]
    assert doc.startswith("\n") and title.strip()
    assert underline == "=" * len(title)
    assert "# %%" in source


@pytest.mark.parametrize("script", sorted(FIGURES))
def test_example_runs_in_fast_mode_and_saves_its_figure(script, fast_mode, capsys):
    namespace = runpy.run_path(str(EXAMPLES_DIR / script), run_name="__main__")
    figure = fast_mode / FIGURES[script]
    assert figure.is_file()
    assert 1_000 < figure.stat().st_size < 200_000
    results = namespace["results"]
    assert results, "the example reports no number"
    bad = {name: value for name, value in results.items() if not math.isfinite(value)}
    assert not bad
    out = capsys.readouterr().out
    assert out.strip()
