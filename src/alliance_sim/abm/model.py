"""The Mesa model: six state actors, two stage games a month, all replicates at once.

One code path: one model advances all N replicates together (each agent's
strategies and actions are arrays over replicates) and a single run is N=1.
Each month: apply the scenario's events, build each arena's stage game from
the actors' payoff terms at the current state, solve it, let the agents draw
their actions, score realised payoffs, then move the world.
"""
from __future__ import annotations

import mesa
import numpy as np

from ..domain.actors import ACTORS, ARENAS
from .agents import StateActor
from .choice import check_concept, solve
from ..domain.dynamics import transition
from ..domain.mechanisms import Acts
from ..domain.parameters import Params
from ..domain.payoffs import arena_payoffs, realised_payoffs
from .recorder import Recorder
from ..domain.scenario import Scenario, load_scenario
from ..domain.state import State
from .streams import CHOICE_COLUMNS, NORMALS, U_DEAL, replicate_noise


class AllianceModel(mesa.Model):
    """What happens to the Russia-PRK alliance, month by month, under a scenario.

    Parameters
    ----------
    scenario : str, path or Scenario
        A shipped scenario name (``"baseline"``) or a scenario file.
    replicates : int
        Number of replicates advanced together.
    seed : int
        Run seed; replicate ``i`` draws from ``SeedSequence(seed, spawn_key=(i,))``.
    overrides : dict, optional
        Parameter values by name (scalars, or arrays of length ``replicates``
        to run many parameter sets as one batch).
    solution : {"qre", "nash", "pure"}
        How stage games are solved (see ``alliance_sim.choice``).
    first_replicate : int
        Global index of this batch's first replicate (for chunked ensembles).
    """

    def __init__(self, scenario="baseline", replicates: int = 1, seed: int = 0, *, overrides=None,
                 solution: str = "qre", first_replicate: int = 0):
        super().__init__(rng=int(seed))
        # ``spec``, not ``scenario``: Mesa 3.5+ reserves Model.scenario for its own Scenario.
        self.spec: Scenario = load_scenario(scenario)
        self.n = int(replicates)
        self.seed = int(seed)
        self.solution = check_concept(solution)
        self.replicate_ids = np.arange(first_replicate, first_replicate + self.n)
        self.params = Params.build({**self.spec.parameters, **(overrides or {})}, self.n)
        self.state = State.initial(self.params, self.n)
        self.horizon = self.spec.horizon
        self.month = 0
        self._uniforms, self._normals = replicate_noise(self.seed, self.replicate_ids, self.horizon)
        self.actors = {code: StateActor(self, code) for code in ACTORS}
        self._equilibria: dict[str, list[np.ndarray]] = {}
        self.recorder = Recorder(self.n, self.replicate_ids, self.spec.start)

    # -- one month ---------------------------------------------------------------------
    def step(self) -> None:
        self.month += 1
        self._apply_events()
        s, p = self.state, self.params
        uniforms = self._uniforms[self.month - 1]
        for arena in ARENAS:
            payoffs = arena_payoffs(arena, s, p)
            for i, actor in enumerate(arena.players):
                if actor in self.spec.precision:
                    payoffs[i] *= self.spec.precision[actor]
            u = uniforms[:, CHOICE_COLUMNS[(arena.name, arena.players[0])]]
            eq = solve(payoffs, self.solution, p.rationality, start=self._equilibria.get(arena.name), u=u)
            self._equilibria[arena.name] = eq
            for actor, strategy in zip(arena.players, eq):
                self.actors[actor].strategy[arena.name] = strategy
        self.agents.do("choose", uniforms)

        # Bound to this month's state and parameters: mechanisms shared by the
        # realised payoffs and the transition are computed once.
        acts = {a.name: Acts(a, {c: self.actors[c].action[a.name] for c in a.players}).bind(s, p) for a in ARENAS}
        payoffs = realised_payoffs(s, acts, p)
        for code, agent in self.actors.items():
            agent.payoff = payoffs[code]
        noise = {name: self._normals[self.month - 1][:, k] for k, name in enumerate(NORMALS)}
        noise["u_deal"] = uniforms[:, U_DEAL]
        self.state, casualties = transition(s, acts["war"], acts["talks"], p, noise)
        self.recorder.record(self.month, self.state, self.actors, casualties)
        if self.month >= self.horizon:
            self.running = False

    def _apply_events(self) -> None:
        for ev in self.spec.events_at(self.month):
            if ev.params:
                self.params = self.params.replace(**ev.params)
            if ev.state_set or ev.state_add:
                changes = {k: np.full(self.n, float(v)) for k, v in ev.state_set.items()}
                changes.update({k: getattr(self.state, k) + v for k, v in ev.state_add.items()})
                self.state = self.state.replace(**changes)

    def release(self) -> None:
        """Drop the bulk (recorded months, noise) once the table has been taken.

        The model and its agents reference each other, so only the cyclic
        garbage collector would free them; long chunked runs call this so
        finished chunks do not pile up in memory.
        """
        self.recorder = self._uniforms = self._normals = None

    def run(self) -> "AllianceModel":
        """Run to the scenario's horizon."""
        while self.running and self.month < self.horizon:
            self.step()
        return self

    def trajectories(self):
        """The tidy table: one row per replicate x month."""
        return self.recorder.frame()
