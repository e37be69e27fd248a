"""Settings for every test item, doctests of src/ and docs/ included.

matplotlib figures (kpicore.plot's doctests, the charts how-to, tests/test_plot.py)
are closed after each item, so that the open figures never pile up past
matplotlib's ``figure.max_open_warning`` (warnings are errors in this suite).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _close_matplotlib_figures() -> Iterator[None]:
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
