"""Per-replicate random streams: the model's only source of randomness.

Replicate ``i`` of a run with seed ``S`` draws all its noise from
``SeedSequence(S, spawn_key=(i,))``, generated up front for the whole horizon,
so its trajectory is the same whether it runs alone or in a batch of any size,
order or composition. A batch may hold any replicate ids, repeated ones too:
runs that share an id share their random numbers (common random numbers in
sensitivity designs).
"""
from __future__ import annotations

import numpy as np

from ..domain.actors import ARENAS

# One uniform per (arena, player) for sampling actions, then the deal and settlement draws.
CHOICE_COLUMNS: dict[tuple[str, str], int] = {}
for _arena in ARENAS:
    for _actor in _arena.players:
        CHOICE_COLUMNS[(_arena.name, _actor)] = len(CHOICE_COLUMNS)
U_DEAL = len(CHOICE_COLUMNS)
U_SETTLE = U_DEAL + 1
N_UNIFORM = U_SETTLE + 1
NORMALS = ("z_casualty", "z_war", "z_front")


def choice_columns(code: str) -> dict[str, int]:
    """``{arena: column}`` of the uniforms an actor draws its actions with."""
    return {arena: col for (arena, actor), col in CHOICE_COLUMNS.items() if actor == code}


def replicate_noise(seed: int, replicates: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniforms ``(horizon, R, N_UNIFORM)`` and normals ``(horizon, R, 2)`` for the given replicate ids."""
    replicates = np.asarray(replicates, dtype=np.int64)
    unique, inverse = np.unique(replicates, return_inverse=True)
    u = np.empty((horizon, unique.size, N_UNIFORM))
    z = np.empty((horizon, unique.size, len(NORMALS)))
    for j, r in enumerate(unique):
        g = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(r),)))
        u[:, j, :] = g.random((horizon, N_UNIFORM))
        z[:, j, :] = g.standard_normal((horizon, len(NORMALS)))
    if unique.size == replicates.size and np.array_equal(unique, replicates):
        return u, z
    return u[:, inverse], z[:, inverse]
