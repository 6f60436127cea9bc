"""Cutting a job's runs into batches, and how many workers to use.

A job is a list of runs (each a replicate id and its parameter values, see
``batches.Job``). Because the model takes explicit replicate ids, any
consecutive slice of runs is a valid batch, whatever ids it holds: a Sobol
or Morris design with one run per point is cut into a few large batches,
exactly like an ensemble of consecutive replicates.
"""
from __future__ import annotations

import numpy as np

from ..errors import UserError

DEFAULT_BATCH = 1000


def spans(runs: int, batch_size: int | None = None) -> list[tuple[int, int]]:
    """``[(lo, hi), ...]`` covering ``range(runs)`` in batches of ``batch_size`` (default up to 1,000)."""
    size = int(batch_size or min(runs, DEFAULT_BATCH))
    if size < 1:
        raise UserError(f"chunk size {batch_size} must be at least 1", key="chunk_size")
    return [(lo, min(lo + size, runs)) for lo in range(0, runs, size)]


def slice_overrides(overrides: dict, lo: int, hi: int) -> dict:
    """Overrides for runs ``lo..hi-1``: arrays over runs sliced, scalars kept."""
    return {k: (v[lo:hi] if isinstance(v, np.ndarray) else v) for k, v in overrides.items()}


def default_workers() -> int:
    """One worker per core available to this process (CPU affinity, not the machine's count)."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def cap_workers(workers: int | None, n_tasks: int) -> int:
    """Local workers: as asked (default one per core), but no more than batches to compute."""
    return max(1, min(workers or default_workers(), n_tasks))
