"""Test-wide settings: hypothesis profiles.

Timing deadlines are off everywhere (tests never assert timings; a loaded CI
machine must not fail a correct property). On CI (``CI=true``) examples are
derandomised so a run is reproducible; locally they are random, to keep
exploring.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("ci" if os.environ.get("CI", "").lower() in {"1", "true", "yes"} else "dev")
