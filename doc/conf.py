"""Sphinx configuration of the bptlearn documentation.

Build it with ``.ci/docs`` (warnings are errors, gallery in fast mode), or by hand::

    BPTLEARN_FAST=1 sphinx-build -W --keep-going -b html doc doc/_build/html

Nothing here reaches the network: intersphinx is off, so links to NumPy, scikit-learn,
MNE or PyTorch objects render as plain code.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

# Examples run in fast mode (small data, few epochs) unless the caller says otherwise.
os.environ.setdefault("BPTLEARN_FAST", "1")
os.environ.setdefault("MPLBACKEND", "agg")
# the examples also save their figures; keep those out of the source tree
os.environ.setdefault("BPTLEARN_FIGURES_DIR", str(HERE / "_build" / "example_figures"))

import bptlearn  # noqa: E402

# -- Project ------------------------------------------------------------------------------
project = "bptlearn"
author = "bptlearn developers"
copyright = f"{date.today().year}, {author}"  # noqa: A001
release = bptlearn.__version__
version = release.split(".dev")[0]

# -- General ------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "bptlearn_docs",  # doc/_ext: gallery staging, CLI help pages, API completeness check
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "_gallery_src", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints",
                    "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip"]
root_doc = "index"
default_role = "literal"
# No intersphinx, so references outside bptlearn cannot resolve and are left as code;
# a reference to a ``bptlearn.*`` name that does not exist still fails (doc/_ext).
nitpicky = False
suppress_warnings: list[str] = []

# -- autodoc / autosummary / numpydoc -----------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"inherited-members": False, "member-order": "groupwise"}
autodoc_typehints = "none"  # numpydoc docstrings carry the types
autodoc_inherit_docstrings = False  # no torch/sklearn boilerplate on undocumented overrides
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# No network at build time: no inventories are fetched.
intersphinx_mapping: dict = {}

# -- sphinx-gallery -----------------------------------------------------------------------
sphinx_gallery_conf = {
    # bptlearn_docs copies examples/ here, with a gallery header when examples/ has none
    "examples_dirs": ["_gallery_src"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"(__init__|/_)",
    "within_subsection_order": "FileNameSortKey",
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("bptlearn",),
    "remove_config_comments": True,
    "min_reported_time": 1,
    "show_memory": False,
    "download_all_examples": False,
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,  # a failing example fails the build
    "capture_repr": ("_repr_html_", "__repr__"),
    "matplotlib_animations": False,
}

# -- HTML ---------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"bptlearn {version}"
html_static_path = ["_static"]
html_css_files = ["bptlearn.css"]
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "header_links_before_dropdown": 6,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"index": [], "install": [], "quick_start": []}
html_context = {"default_mode": "light"}
