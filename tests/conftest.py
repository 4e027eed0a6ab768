"""Hypothesis draws the same examples on every run, so the suite passes or fails the same
way on every machine; ``HYPOTHESIS_PROFILE=explore`` draws new ones to look for bugs."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("deterministic", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
