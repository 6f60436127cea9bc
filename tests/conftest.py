"""Shared test configuration.

Hypothesis profiles: ``default`` (hypothesis's own defaults) and ``ci`` (more
examples). Choose with ``HYPOTHESIS_PROFILE=ci pytest``.
"""
import os

os.environ.setdefault("MPLBACKEND", "Agg")  # the CLI tests run in-process and draw figures

from hypothesis import HealthCheck, settings

settings.register_profile("default", settings.get_profile("default"))
settings.register_profile(
    "ci",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

from _browser import browser, page  # noqa: E402,F401  (fixtures for the headless-Chromium tests)
