"""The house's floors: no import runs back up a layer, read from the source with ``ast``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bptlearn

ROOT = Path(bptlearn.__file__).parent

# Lower floors never import higher ones; a floor never imports a sibling on its own floor.
FLOORS = {
    "_version": 0, "exceptions": 0, "utils": 0,
    "nn": 1, "data": 1, "metrics": 1,
    "weights": 2, "baselines": 2, "model_selection": 2, "viz": 2,
    "pretraining": 3, "estimators": 3,
    "export": 4,
    "cli": 5, "_demo": 5, "__init__": 6,
}
# Third-party packages a floor must not use: nn is pure PyTorch, data uses no torch.
FORBIDDEN = {"nn": {"sklearn", "mne", "pandas"}, "data": {"torch"}}


def _imports(path: Path) -> list[tuple[str, int]]:
    """(imported name, line) for every import in a module, relative imports resolved."""
    module = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module[:-1]
    package = package[:-1] if package[-1] == "__init__" else package
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((name, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
    return found


def _floor_of(path: Path) -> str:
    parts = path.relative_to(ROOT).parts
    return parts[0].removesuffix(".py")


MODULES = sorted(ROOT.rglob("*.py"))


def test_every_module_sits_on_a_known_floor():
    assert {_floor_of(p) for p in MODULES} <= set(FLOORS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_runs_back_up_a_layer(path):
    floor = _floor_of(path)
    bad = []
    for name, line in _imports(path):
        parts = name.split(".")
        if parts[0] == "bptlearn":
            target = parts[1] if len(parts) > 1 else "__init__"
            if target != floor and FLOORS[target] >= FLOORS[floor]:
                bad.append(f"line {line}: {name} ({target}, floor {FLOORS[target]})")
        elif parts[0] in FORBIDDEN.get(floor, ()):
            bad.append(f"line {line}: {name} (not allowed in bptlearn.{floor})")
    assert not bad, f"bptlearn/{path.relative_to(ROOT)} (floor {FLOORS[floor]}) imports " \
                    f"upwards or sideways: {bad}"


def test_the_rule_catches_an_upward_import(tmp_path, monkeypatch):
    fake = ROOT / "nn" / "model.py"
    source = fake.read_text(encoding="utf-8") + "\nfrom ..estimators import BPTEncoder\n"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    names = [name for name, _ in _imports(fake)]
    assert "bptlearn.estimators" in names
