"""Sphinx configuration of the documentation site (``make docs`` builds it into ``site/``, warnings as errors).

Sphinx rather than mkdocs: the docstrings are torch-style reStructuredText (``.. math::``, ``:math:`` roles,
``Example::`` literal blocks, ``:func:`` cross-references) inside Google-style sections (``Args:``, ``Shape:``), which
Sphinx's autodoc + napoleon render as PyTorch's own documentation does; mkdocstrings would show that markup raw. The
hand-written pages stay Markdown (MyST), so docs/RESULTS.md, docs/BENCHMARKS.md and docs/ARCHITECTURE.md are pages as
they are.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the checkout's package, also when it is not installed
sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

import deepcomplex  # noqa: E402

project = "deepcomplex"
author = "the deepcomplex developers"
copyright = "the deepcomplex developers, MIT licence"
release = version = deepcomplex.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "myst_parser",
    "catalogue",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]

# Google-style sections, as the docstrings write them ("Args:", "Returns:", and torch's "Shape:").
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_custom_sections = ["Shape"]
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autosummary_generate = False  # the catalogue documents every name on its own page; no stub files
add_module_names = False

myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"deepcomplex {release}"
html_static_path: list[str] = []

# The docstrings write the modulus as |z| in plain text too, which reST would read as a substitution reference.
rst_prolog = r"""
.. |z| replace:: \|z\|
"""
