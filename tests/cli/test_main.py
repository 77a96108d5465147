import subprocess
import sys

import pytest

from bptlearn.cli import COMMANDS, build_parser, main


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ("demo", "info", "pretrain", "embed"):
        assert command in out


def test_demo_runs_offline_on_the_shipped_weights(capsys):
    assert main(["demo", "--patients", "2", "--windows", "8"]) == 0
    out = capsys.readouterr().out
    assert "bpt_nano.shipped (shipped with the package, loaded offline)" in out
    rows = [line for line in out.splitlines() if "balanced accuracy" in line]
    assert len(rows) == 4  # shipped, random init, band power per channel and averaged
    assert sum("band power" in row for row in rows) == 2
    for row in rows:
        bacc = float(row.split("balanced accuracy")[1].split()[0])
        assert 0.0 <= bacc <= 1.0


def test_unknown_subcommand_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["train"])
    assert exit_.value.code == 2
    assert "invalid choice: 'train'" in capsys.readouterr().err


def test_help_imports_neither_torch_nor_mne_nor_sklearn():
    code = ("import sys\nfrom bptlearn.cli import main\ntry:\n    main(['--help'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('torch', 'mne', 'sklearn', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_python_dash_m_runs_the_command_line():
    out = subprocess.run([sys.executable, "-m", "bptlearn.cli", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert out.startswith("usage: bptlearn") and "``" not in out


def test_every_subcommand_module_has_the_same_surface():
    for name, module in COMMANDS.items():
        assert module.NAME == name and module.HELP
        assert callable(module.add_arguments) and callable(module.run)
