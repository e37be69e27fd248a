"""Sphinx configuration for kpicore's documentation (built with -W: warnings fail)."""

from __future__ import annotations

import kpicore

project = "kpicore"
author = "kpicore developers"
copyright = "2026, kpicore developers"
release = kpicore.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_default_options = {"members": True, "show-inheritance": False}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True
nitpicky = False
suppress_warnings = ["ref.python"]
html_theme = "furo"
html_title = f"kpicore {release}"
exclude_patterns = ["_build"]
