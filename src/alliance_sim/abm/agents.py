"""The six state actors as Mesa agents, each carrying its action sets and payoff function.

An agent is vectorised over replicates: its strategy in each arena is an
``(R, n_actions)`` array, its action an ``(R,)`` array of action indices.
It answers for its own payoff tensor in an arena (the sum of its cited
terms, ``domain.payoffs``), draws its action from the equilibrium strategy,
and scores its realised payoff.
"""
from __future__ import annotations

import mesa
import numpy as np

from ..domain.actors import ACTOR_NAMES, Arena, arenas_of
from ..domain.mechanisms import sample_actions
from ..domain.payoffs import payoff_tensor, realised_payoff, terms_of


class StateActor(mesa.Agent):
    """One state (USA, RUS, PRK, KOR, CHN or UKR).

    Parameters
    ----------
    model : mesa.Model
    code : str
        ISO 3166 alpha-3 code.
    precision : float
        Multiplier of this actor's payoffs in its choices (the scenario's
        ``[precision]``): a per-actor rationality.
    choice_columns : dict
        ``{arena name: column}`` of the month's uniforms this actor draws its
        action with (its own stream, so the order agents choose in does not matter).
    """

    def __init__(self, model: mesa.Model, code: str, *, precision: float = 1.0, choice_columns: dict | None = None):
        super().__init__(model)
        self.code = code
        self.name = ACTOR_NAMES[code]
        self.arenas: tuple[Arena, ...] = arenas_of(code)
        self.recorded = arenas_of(code, recorded_only=True)  # the arenas its ``action_<CODE>`` column shows
        self.actions: dict[str, tuple[str, ...]] = {a.name: a.actions_of(code) for a in self.arenas}
        # The payoff function: this actor's terms, per arena for its choices, all of them for its score.
        self.terms = {a.name: tuple(terms_of(code, a.name)) for a in self.arenas}
        self.all_terms = tuple(terms_of(code))
        self.precision = float(precision)
        self.choice_columns = dict(choice_columns or {})
        self.strategy: dict[str, np.ndarray] = {}
        self.action: dict[str, np.ndarray] = {}
        self.decided: set[str] = set()  # arenas whose move was drawn in turn this month (sequential games)
        self.payoff: np.ndarray | None = None

    def payoff_tensor(self, arena: Arena, context, shape: tuple[int, ...], keep: dict | None = None) -> np.ndarray:
        """This actor's payoffs over the arena's profile grid, ``(R, a_1, ..., a_k)``, as it weighs them.

        ``keep`` receives each term's value on the grid (see ``domain.payoffs.payoff_tensor``).
        """
        tensor = payoff_tensor(self.terms[arena.name], context, shape, keep=keep)
        if self.precision != 1.0:
            tensor *= self.precision
        return tensor

    def choose(self, uniforms: np.ndarray) -> None:
        """Draw this month's action in each arena played this month from the equilibrium strategy (inverse CDF)."""
        for arena in self.arenas:
            if arena.name in self.decided:
                continue
            if arena.name not in self.strategy:
                self.action.pop(arena.name, None)  # not played this month
                continue
            u = uniforms[:, self.choice_columns[arena.name]]
            self.action[arena.name] = sample_actions(self.strategy[arena.name], u)
        self.decided.clear()

    def move(self, arena: Arena, probs: np.ndarray, action: np.ndarray) -> None:
        """Its move in a game played in turn: the choice probabilities it faced and the action drawn."""
        self.strategy[arena.name] = probs
        self.action[arena.name] = action
        self.decided.add(arena.name)

    def score(self, state, acts: dict, params, on_grid: dict | None = None) -> None:
        """This month's realised payoff ``(R,)``: every term at the actions taken.

        ``on_grid``: the terms' values on this month's game grids, read at the
        actions taken instead of computed again (bitwise the same).
        """
        self.payoff = realised_payoff(self.all_terms, state, acts, params, on_grid)

    def action_code(self) -> np.ndarray:
        """This month's action per replicate as one integer (recorded arenas' actions in mixed radix)."""
        code = None
        for arena in self.recorded:
            act = self.action[arena.name]
            code = act if code is None else code * len(self.actions[arena.name]) + act
        return code

    def action_labels(self) -> np.ndarray:
        """This month's action per replicate as a label; ``war/talks`` for actors in both arenas."""
        parts = [np.asarray(self.actions[a.name], dtype=object)[self.action[a.name]] for a in self.recorded]
        out = parts[0]
        for p in parts[1:]:
            out = out + "/" + p
        return out

    def __repr__(self) -> str:
        return f"StateActor({self.code})"
