"""The six state actors as Mesa agents.

Each agent holds, for every arena it plays in, its equilibrium mixed strategy
(an ``(R, n_actions)`` array over replicates) and the action it drew; the
model builds and solves the stage games, the agents choose.
"""
from __future__ import annotations

import mesa
import numpy as np

from ..domain.actors import ACTOR_NAMES, arenas_of
from ..domain.mechanisms import sample_actions
from .streams import CHOICE_COLUMNS


class StateActor(mesa.Agent):
    """One state (USA, RUS, PRK, KOR, CHN or UKR), vectorised over replicates."""

    def __init__(self, model: mesa.Model, code: str):
        super().__init__(model)
        self.code = code
        self.name = ACTOR_NAMES[code]
        self.arenas = arenas_of(code)
        self.strategy: dict[str, np.ndarray] = {}
        self.action: dict[str, np.ndarray] = {}
        self.payoff: np.ndarray | None = None

    def choose(self, uniforms: np.ndarray) -> None:
        """Draw this month's action in each arena from the equilibrium strategy.

        ``uniforms`` is the month's ``(R, N_UNIFORM)`` slice of the replicates'
        own streams; each (arena, actor) has its own column, so the order in
        which agents choose does not matter.
        """
        for arena in self.arenas:
            u = uniforms[:, CHOICE_COLUMNS[(arena.name, self.code)]]
            self.action[arena.name] = sample_actions(self.strategy[arena.name], u)

    def action_labels(self) -> np.ndarray:
        """This month's action per replicate as a label; ``war/talks`` for actors in both arenas."""
        parts = [np.asarray(a.actions_of(self.code), dtype=object)[self.action[a.name]] for a in self.arenas]
        out = parts[0]
        for p in parts[1:]:
            out = out + "/" + p
        return out

    def __repr__(self) -> str:
        return f"StateActor({self.code})"
