"""Local Sphinx extension of the bptlearn docs.

* Stages ``examples/`` into ``doc/_gallery_src`` for sphinx-gallery, adding a gallery
  header when the examples folder has none, so the gallery builds with whatever exists.
* ``.. bptlearn-cli::`` renders the ``--help`` of every registered ``bptlearn``
  subcommand, read from :func:`bptlearn.cli.build_parser` at build time.
* ``.. bptlearn-layers::`` and ``.. bptlearn-modules::`` tabulate the package's
  components, what each imports (read from the source with :mod:`ast`) and each
  module's one-line docstring, so the architecture page stays true to the code.
* Checks that every public name of the documented modules is listed in ``api.rst``
  (a warning, hence an error under ``-W``, names the missing ones) and, with
  ``BPTLEARN_DOCS_REQUIRE_EXAMPLES=1``, that each public class and function has an
  Examples section.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import re
import shutil
import sys
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)

DOC_DIR = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = DOC_DIR.parent / "examples"  # doc/ and examples/ sit side by side
# the package the docs describe: the one Python imports (editable or installed)
PACKAGE_DIR = Path(importlib.import_module("bptlearn").__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent

#: Modules whose public names must all appear in api.rst, besides every public
#: subpackage and top-level module of bptlearn (found at build time, see api_modules).
API_SUBMODULES = ("bptlearn.nn.heads", "bptlearn.nn.readout", "bptlearn.nn.pipeline")
#: Public-looking top-level modules that hold no API (the command line is in cli.rst).
NOT_API = ("bptlearn.cli",)

GALLERY_HEADERS = ("GALLERY_HEADER.rst", "README.txt", "README.rst")
GALLERY_HEADER = """\
.. _gallery:

Examples
========

Runnable scripts, one per task, on synthetic SEEG (:func:`bptlearn.data.make_seeg`) so
that they run offline. The documentation build runs them with ``BPTLEARN_FAST=1`` (small
data, few epochs); run a script without it for the full-size version.
"""


# -- gallery staging ----------------------------------------------------------------------
def stage_gallery(app: Sphinx, config) -> None:
    """Copy ``examples/`` to ``doc/_gallery_src`` (header added if missing)."""
    src, dst = EXAMPLES_DIR, DOC_DIR / "_gallery_src"
    if dst.exists():
        shutil.rmtree(dst)
    if src.is_dir():
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "figures"))
    else:
        dst.mkdir(parents=True)
    if not any((dst / name).is_file() for name in GALLERY_HEADERS):
        (dst / "GALLERY_HEADER.rst").write_text(GALLERY_HEADER, encoding="utf-8")


# -- CLI help -----------------------------------------------------------------------------
class BptlearnCliDirective(SphinxDirective):
    """Sections with the ``--help`` text of ``bptlearn`` and of each subcommand."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        old = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "88"  # argparse wraps help text to the terminal width
        try:
            from bptlearn.cli import build_parser

            parser = build_parser()
            sub = next(a for a in parser._actions if a.dest == "command")
            blocks = [("bptlearn", "", parser.format_help())]
            for name, subparser in sub.choices.items():
                blocks.append((f"bptlearn {name}", name, subparser.format_help()))
        finally:
            if old is None:
                os.environ.pop("COLUMNS", None)
            else:
                os.environ["COLUMNS"] = old
        lines: list[str] = []
        for title, anchor, text in blocks:
            heading = f"``{title}``"
            if anchor:
                lines += [f".. _cli_{anchor}:", ""]
            lines += [heading, "~" * len(heading), "", ".. code-block:: text", ""]
            lines += ["   " + line if line else "" for line in text.rstrip().splitlines()]
            lines.append("")
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, StringList(lines, source="bptlearn --help"),
                                 container)
        return list(container.children)


# -- architecture tables ------------------------------------------------------------------
def _module_name(path: Path) -> str:
    rel = path.relative_to(REPO_DIR).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _component(module: str) -> str:
    """``bptlearn.nn.model`` -> ``nn``; ``bptlearn.viz`` -> ``viz``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "bptlearn"


def _imports(path: Path) -> set[str]:
    """Absolute names of every module imported anywhere in a file (lazy imports included)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.add(name)
    return found


_ROLE = re.compile(r":\w+(?::\w+)?:`~?(?:[^`<]*<)?([^`>]+)>?`")


def _first_line(path: Path) -> str:
    """First docstring line, cross-references turned into literals (no module context)."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    line = doc.strip().splitlines()[0] if doc.strip() else ""
    return _ROLE.sub(lambda m: f"``{m.group(1)}``", line)


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts)


def _list_table(header: list[str], rows: list[list[str]], widths: str) -> list[str]:
    lines = [".. list-table::", "   :header-rows: 1", f"   :widths: {widths}", ""]
    for row in [header, *rows]:
        lines.append(f"   * - {row[0]}")
        lines += [f"     - {cell}" for cell in row[1:]]
    return lines + [""]


class _TableDirective(SphinxDirective):
    has_content = False

    def lines(self) -> list[str]:
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, StringList(self.lines(), source="bptlearn"),
                                 container)
        return list(container.children)


#: What the two base layers must never import (components of bptlearn, libraries).
LAYER_RULES = {
    "nn": ({"data", "estimators", "weights", "pretraining", "metrics", "model_selection",
            "baselines", "viz"}, {"sklearn", "skorch", "mne", "mne_bids", "pandas", "matplotlib"}),
    "data": ({"nn", "estimators", "weights", "pretraining", "baselines", "model_selection",
              "viz"}, {"torch", "sklearn", "skorch"}),
}


class LayersDirective(_TableDirective):
    """One row per component: its purpose, the components and libraries it imports.

    Warns (an error under ``-W``) when ``nn`` or ``data`` imports what
    :data:`LAYER_RULES` forbids, since the architecture page states those rules.
    """

    def lines(self) -> list[str]:
        stdlib = set(sys.stdlib_module_names)
        uses: dict[str, set[str]] = {}
        libs: dict[str, set[str]] = {}
        purpose: dict[str, str] = {}
        for path in _sources():
            comp = _component(_module_name(path))
            if comp == "bptlearn":
                continue
            if path.name == "__init__.py" or path.parent == PACKAGE_DIR:
                purpose.setdefault(comp, _first_line(path))
            for name in _imports(path):
                top = name.split(".")[0]
                if top == "bptlearn":
                    other = _component(name)
                    if other not in (comp, "bptlearn"):
                        uses.setdefault(comp, set()).add(other)
                elif top and top not in stdlib and not top.startswith("_"):
                    libs.setdefault(comp, set()).add(top)
        for comp, (bad_comps, bad_libs) in LAYER_RULES.items():
            broken = sorted(uses.get(comp, set()) & bad_comps) + \
                sorted(libs.get(comp, set()) & bad_libs)
            if broken:
                logger.warning("bptlearn.%s imports %s, which the layering forbids (see "
                               "doc/architecture.rst).", comp, ", ".join(broken),
                               location=(self.env.docname, self.lineno))
        rows = [[f"``{c}``", purpose.get(c, ""),
                 ", ".join(f"``{u}``" for u in sorted(uses.get(c, ()))) or "—",
                 ", ".join(sorted(libs.get(c, ()))) or "—"]
                for c in sorted(purpose, key=lambda c: (c.startswith("_"), c))]
        return _list_table(["component", "what it is", "uses (bptlearn)", "uses (libraries)"],
                           rows, "14 46 20 20")


class ModulesDirective(_TableDirective):
    """One row per module file: its dotted name and the first line of its docstring."""

    def lines(self) -> list[str]:
        rows = [[f"``{_module_name(p)}``", _first_line(p)] for p in _sources()
                if p.name != "__init__.py" or p.parent != PACKAGE_DIR]
        return _list_table(["module", "what it holds"], rows, "35 65")


# -- API completeness ---------------------------------------------------------------------
def public_names(module_name: str) -> set[str]:
    """``__all__``, or the public objects defined in the module itself."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, obj in vars(module).items() if not n.startswith("_")
                 and not inspect.ismodule(obj)
                 and getattr(obj, "__module__", None) == module_name]
    return {n for n in names if not n.startswith("_")}


def listed_names(api_rst: Path) -> dict[str, set[str]]:
    """Names under each ``currentmodule`` in the autosummary blocks of ``api_rst``."""
    listed: dict[str, set[str]] = {}
    module, in_block = None, False
    for line in api_rst.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\.\. (?:current|auto)?module:: (\S+)", line.strip())
        if m:
            module = m.group(1)
            continue
        if line.startswith(".. autosummary::"):
            in_block = True
            continue
        if in_block:
            if line and not line.startswith(" "):
                in_block = False
            elif line.strip() and not line.strip().startswith(":") and module:
                name = line.strip()
                if name.startswith("~"):
                    name = name[1:]
                owner, _, short = name.rpartition(".")
                listed.setdefault(f"{module}.{owner}".rstrip(".") if owner else module,
                                  set()).add(short)
    return listed


def api_modules() -> list[str]:
    """``bptlearn``, its public subpackages and modules, and :data:`API_SUBMODULES`."""
    import pkgutil

    package = importlib.import_module("bptlearn")
    found = [f"bptlearn.{m.name}" for m in pkgutil.iter_modules(package.__path__)
             if not m.name.startswith("_")]
    return ["bptlearn", *sorted(set(found) - set(NOT_API)), *API_SUBMODULES]


def missing_examples() -> list[str]:
    """Public classes and functions (exceptions aside) whose docstring has no Examples."""
    out = []
    for module_name in api_modules()[1:]:
        module = importlib.import_module(module_name)
        for name in sorted(public_names(module_name)):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                continue
            if not re.search(r"^Examples\n-{8}", inspect.getdoc(obj) or "", re.M):
                path = Path(inspect.getsourcefile(obj)).resolve()
                line = inspect.getsourcelines(obj)[1]
                out.append(f"{module_name}.{name} ({path.relative_to(REPO_DIR)}:{line})")
    return out


def check_api_complete(app: Sphinx) -> None:
    if os.environ.get("BPTLEARN_DOCS_REQUIRE_EXAMPLES") == "1":
        for item in missing_examples():
            logger.warning("%s has no Examples section in its docstring.", item)
    listed = listed_names(DOC_DIR / "api.rst")
    for module_name in api_modules():
        missing = sorted(public_names(module_name) - listed.get(module_name, set()))
        # names re-exported by the top-level package are documented in bptlearn.estimators
        if module_name == "bptlearn":
            missing = [n for n in missing if n not in public_names("bptlearn.estimators")]
        if missing:
            logger.warning(
                "api.rst does not list %d public name(s) of %s: %s. Add them to the "
                "autosummary block under '.. currentmodule:: %s' in doc/api.rst.",
                len(missing), module_name, ", ".join(missing), module_name)


# -- autodoc ------------------------------------------------------------------------------
_REQUEST_METHOD = re.compile(r"^set_\w+_request$")


def skip_member(app: Sphinx, what: str, name: str, obj, skip: bool, options) -> bool | None:
    """Hide scikit-learn's generated ``set_*_request`` methods (metadata routing).

    scikit-learn attaches them to every estimator class; their docstrings point into
    scikit-learn's own user guide, which these docs do not hold.
    """
    if _REQUEST_METHOD.match(name):
        return True
    return None


# -- top-level aliases --------------------------------------------------------------------
def resolve_alias(app: Sphinx, env, node, contnode):
    """Resolve ``bptlearn.BPTEncoder`` (the top-level re-export) to its documented name.

    The estimators are documented once, in :mod:`bptlearn.estimators`; examples and
    docstrings may name them through the package, as users import them.
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    module, _, name = target.rpartition(".")
    if module == "bptlearn" and name in public_names("bptlearn.estimators"):
        domain = env.get_domain("py")
        return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"],
                                   f"bptlearn.estimators.{name}", node, contnode)
    if target.startswith("bptlearn."):
        # outside names are left unresolved (no intersphinx); ours must exist
        logger.warning("reference to %s, which is not documented: a typo, a private name, "
                       "or a public name missing from doc/api.rst", target,
                       location=node, type="bptlearn", subtype="ref")
    return None


def setup(app: Sphinx) -> dict:
    app.connect("missing-reference", resolve_alias)
    app.connect("autodoc-skip-member", skip_member)
    app.connect("config-inited", stage_gallery, priority=100)  # before sphinx-gallery
    app.connect("builder-inited", check_api_complete)
    app.add_directive("bptlearn-cli", BptlearnCliDirective)
    app.add_directive("bptlearn-layers", LayersDirective)
    app.add_directive("bptlearn-modules", ModulesDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
