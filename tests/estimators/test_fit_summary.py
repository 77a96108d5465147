"""verbose=1: one line when a task estimator's fit ends; verbose=2: skorch's table too."""

from __future__ import annotations

import re

from bptlearn import BPTSeizureClassifier
from bptlearn.model_selection import GroupValidSplit

FAST = dict(device="cpu", max_epochs=2, random_state=0)


def test_verbose_1_prints_one_summary_line_with_epochs_losses_and_seconds(seeg, capsys):
    X, y, _, groups = seeg
    BPTSeizureClassifier(verbose=1, train_split=GroupValidSplit(2), **FAST).fit(X, y,
                                                                               groups=groups)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert re.fullmatch(r"BPTSeizureClassifier: 2 epoch\(s\), finetune='probe', train loss "
                        r"[\d.e+-]+, valid loss [\d.e+-]+, [\d.]+ s", out[0])


def test_verbose_0_is_silent_and_verbose_2_adds_the_epoch_table(seeg, capsys):
    X, y, _, _ = seeg
    BPTSeizureClassifier(verbose=0, **FAST).fit(X, y)
    assert capsys.readouterr().out == ""
    BPTSeizureClassifier(verbose=2, **FAST).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out and "BPTSeizureClassifier:" not in out


def test_verbose_auto_reports_only_fits_longer_than_a_minute(seeg, capsys, monkeypatch):
    from bptlearn.estimators import _net

    X, y, _, _ = seeg
    clf = BPTSeizureClassifier(**FAST)
    assert clf.verbose == "auto"
    clf.fit(X, y)  # a few seconds: quiet
    assert capsys.readouterr().out == ""
    monkeypatch.setattr(_net, "LONG_FIT_S", 0.0)  # every fit is long now
    clf.fit(X, y)
    assert capsys.readouterr().out.startswith("BPTSeizureClassifier: 2 epoch(s)")
