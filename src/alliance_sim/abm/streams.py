"""Per-replicate random streams.

Replicate ``i`` of a run with seed ``S`` draws all its noise from
``SeedSequence(S, spawn_key=(i,))``, generated up front for the whole horizon,
so its trajectory is the same whether it runs alone or in a batch of any size
or chunking.
"""
from __future__ import annotations

import numpy as np

from ..domain.actors import ARENAS

# One uniform per (arena, player) for sampling actions, then the deal draw.
CHOICE_COLUMNS: dict[tuple[str, str], int] = {}
for _arena in ARENAS:
    for _actor in _arena.players:
        CHOICE_COLUMNS[(_arena.name, _actor)] = len(CHOICE_COLUMNS)
U_DEAL = len(CHOICE_COLUMNS)
N_UNIFORM = U_DEAL + 1
NORMALS = ("z_casualty", "z_war")


def replicate_noise(seed: int, replicates: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniforms ``(horizon, R, N_UNIFORM)`` and normals ``(horizon, R, 2)`` for the given replicate ids."""
    replicates = np.asarray(replicates, dtype=np.int64)
    u = np.empty((horizon, replicates.size, N_UNIFORM))
    z = np.empty((horizon, replicates.size, len(NORMALS)))
    for j, r in enumerate(replicates):
        g = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(r),)))
        u[:, j, :] = g.random((horizon, N_UNIFORM))
        z[:, j, :] = g.standard_normal((horizon, len(NORMALS)))
    return u, z
