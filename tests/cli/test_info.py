"""``bptlearn info``: presets with exact sizes, weights with their presence."""

from __future__ import annotations

import json

from bptlearn.cli import main
from bptlearn.cli.info import collect_info, format_info, preset_table


def test_paper_presets_have_the_paper_parameter_counts():
    counts = {r["preset"]: round(r["params_m"], 2) for r in preset_table()}
    assert counts == {"nano": 1.18, "tiny": 68.49, "small": 103.90, "medium": 249.23,
                      "large": 505.69}


def test_shipped_weights_are_present_and_official_ones_absent(monkeypatch, tmp_path):
    monkeypatch.setenv("BPTLEARN_HOME", str(tmp_path))
    weights = {r["name"]: r for r in collect_info()["weights"]}
    assert weights["bpt_nano.shipped"]["present"] and weights["bpt_nano.shipped"]["default"]
    assert not weights["bpt_large.official"]["present"]
    assert weights["bpt_large.official"]["where"] == str(tmp_path / "weights" /
                                                         "bpt_large.official")


def test_text_report_lists_every_preset_and_weight():
    text = format_info(collect_info())
    for name in ("nano", "large", "bpt_large.official", "bpt_nano.shipped"):
        assert name in text
    assert "505.69M" in text and "never downloaded" in text


def test_cli_prints_json(capsys):
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert {r["preset"] for r in info["presets"]} == {"nano", "tiny", "small", "medium", "large"}
