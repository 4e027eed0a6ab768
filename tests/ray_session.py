"""A local Ray with 2 CPUs for a test module (as CI runs Ray), skipped with the reason where
Ray is not installed."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest

from modelcheck.explore import cluster


def local_ray() -> Iterator[Any]:
    """Ray, started here with 2 CPUs until the generator is closed."""
    try:
        ray = importlib.import_module("ray")
    except ImportError:
        pytest.skip(f"Ray is not installed here ({cluster.INSTALL_RAY}, or make ray)")
    for attempt in (1, 2):  # a loaded machine may start Ray's own services too slowly once
        try:
            ray.init(
                num_cpus=2, log_to_driver=False, logging_level="ERROR", include_dashboard=False
            )
            break
        except Exception:
            ray.shutdown()
            if attempt == 2:
                raise
    yield ray
    ray.shutdown()
