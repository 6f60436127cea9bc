"""The Mesa model: six state actors, two stage games a month, all replicates at once.

One code path: one model advances all N replicates together (each agent's
strategies and actions are arrays over replicates) and a single run is N=1.
Each month: apply the scenario's events; in each arena played that month
every player states its payoff tensor and the game is solved (``choice``);
the agents draw their actions and score their payoffs; the world moves
(``domain.dynamics``).
"""
from __future__ import annotations

from functools import partial

import mesa
import numpy as np

from ..domain.actors import ACTORS, ARENAS
from ..domain.dynamics import transition
from ..domain.mechanisms import Acts
from ..domain.metrics import METRICS
from ..domain.parameters import Params
from ..domain.payoffs import arena_context
from ..games.sequential import realised_path
from ..domain.scenario import Scenario, load_scenario
from ..domain.state import State
from .agents import StateActor
from .choice import check_concept, solve, solve_sequential
from .recorder import Recorder, metric_values
from .streams import CHOICE_COLUMNS, NORMALS, U_DEAL, U_SETTLE, choice_columns, replicate_noise


def _mean_metric(name: str, model: "AllianceModel") -> float:
    """Model-level series for Mesa's DataCollector: a metric's mean over the replicates.

    ``np.mean`` of a 1-D float array, computed the way it does (sum, then one
    division), without its per-call overhead (the model calls this 26 times a month).
    """
    recorder = model.recorder
    v = recorder.latest.get(name) if recorder is not None else None  # what the recorder just kept
    if v is None:
        v = metric_values(name, model.state, model.params, model.flows)
    v = np.asarray(v, dtype=float)
    return float(np.add.reduce(v) / v.size)


class AllianceModel(mesa.Model):
    """What happens to the Russia-PRK alliance, month by month, under a scenario.

    Parameters
    ----------
    scenario : str, path or Scenario
        A shipped scenario name (``"baseline"``) or a scenario file.
    replicates : int
        Number of replicates advanced together (ids ``first_replicate ..``).
    seed : int
        Run seed; replicate ``i`` draws from ``SeedSequence(seed, spawn_key=(i,))``.
    overrides : dict, optional
        Parameter values by name (scalars, or arrays of length ``replicates``
        to run many parameter sets as one batch).
    solution : {"qre", "nash", "pure"}
        How stage games are solved (see ``alliance_sim.abm.choice``).
    first_replicate : int
        Global id of this batch's first replicate (for chunked ensembles).
    replicate_ids : array of int, optional
        Explicit replicate ids, one per run in the batch (any order, repeats
        allowed: runs with the same id share their random numbers). Overrides
        ``replicates`` and ``first_replicate``.
    rng : int, optional
        The run seed under Mesa's name, for Mesa's tools (``batch_run``); it
        replaces ``seed``. Noise comes from the replicates' own streams (``streams``).

    Attributes
    ----------
    datacollector : mesa.DataCollector
        The model-level series (each metric's mean over replicates, month 0
        on), for Mesa's own tools; ``trajectories()`` is the per-replicate table.
    """

    def __init__(self, scenario="baseline", replicates: int = 1, seed: int = 0, *, overrides=None,
                 solution: str = "qre", first_replicate: int = 0, replicate_ids=None, rng=None):
        if rng is not None:  # Mesa's tools (batch_run) may pass ``rng``: an integer is the run seed
            seed = int(rng)
        if seed is None:  # newer Mesa's batch_run passes seed=None when no seed was asked for
            seed = 0
        super().__init__(rng=int(seed))
        # ``spec``, not ``scenario``: Mesa 3.5+ reserves Model.scenario for its own Scenario.
        self.spec: Scenario = load_scenario(scenario)
        if replicate_ids is None:
            replicate_ids = np.arange(first_replicate, first_replicate + int(replicates))
        self.replicate_ids = np.asarray(replicate_ids, dtype=np.int64)
        self.n = int(self.replicate_ids.size)
        self.seed = int(seed)
        self.solution = check_concept(solution)
        self.params = Params.build({**self.spec.parameters, **(overrides or {})}, self.n)
        self.state = State.initial(self.params, self.n)
        self.flows = {"prk_casualties_month": np.zeros(self.n)}
        self.horizon = self.spec.horizon
        self.month = 0
        self._uniforms, self._normals = replicate_noise(self.seed, self.replicate_ids, self.horizon)
        for code in ACTORS:
            StateActor(self, code, precision=self.spec.precision.get(code, 1.0), choice_columns=choice_columns(code))
        self._by_code = {agent.code: agent for agent in self.agents}  # arena axis order needs lookup by code
        self._equilibria: dict[str, list[np.ndarray]] = {}
        self._on_grid: dict | None = None  # during a month: the payoff terms' values on its game grids
        self.recorder = Recorder(self.n, self.replicate_ids, self.spec.start)
        self.recorder.record_initial(self.state, self.params, [self.actor(c) for c in ACTORS], self.flows)  # month 0
        self.datacollector = mesa.DataCollector(model_reporters={m: partial(_mean_metric, m) for m in METRICS})
        self.datacollector.collect(self)

    def actor(self, code: str) -> StateActor:
        return self._by_code[code]

    # -- one month ---------------------------------------------------------------------
    def step(self) -> None:
        self.month += 1
        self._apply_events()
        s, p = self.state, self.params
        self.solved_at = (s, p)  # the state and parameters this month's games are played at (after its events)
        uniforms = self._uniforms[self.month - 1]
        played = [arena for arena in ARENAS if arena.when is None or np.any(getattr(s, arena.when) > 0)]
        self._on_grid = {}  # each payoff term's value on this month's game grids, for the realised payoffs
        for arena in ARENAS:
            if arena in played:
                self._solve(arena, s, p, uniforms)
            else:  # e.g. no Korean crisis this month: nobody plays that game
                for code in arena.players:
                    self.actor(code).strategy.pop(arena.name, None)
        self.agents.shuffle_do("choose", uniforms)  # each agent has its own uniforms: order is immaterial
        # Bound to this month's state and parameters: mechanisms shared by the
        # payoffs and the transition are computed once.
        acts = {a.name: Acts(a, {c: self.actor(c).action[a.name] for c in a.players}).bind(s, p) for a in played}
        self.agents.do("score", s, acts, p, self._on_grid)
        self._on_grid = None
        noise = {name: self._normals[self.month - 1][:, k] for k, name in enumerate(NORMALS)}
        noise["u_deal"], noise["u_settle"] = uniforms[:, U_DEAL], uniforms[:, U_SETTLE]
        self.state, self.flows = transition(s, acts, p, noise)
        self.recorder.record(self.month, self.state, p, [self.actor(c) for c in ACTORS], self.flows)
        self.datacollector.collect(self)
        if self.month >= self.horizon:
            self.running = False

    def _solve(self, arena, s, p, uniforms) -> None:
        """Each player states its payoff tensor; the arena's game is solved; each gets its strategy."""
        players = [self.actor(c) for c in arena.players]
        context, shape = arena_context(arena, s, p), (self.n,) + arena.shape
        payoffs = [agent.payoff_tensor(arena, context, shape, self._on_grid) for agent in players]
        if arena.sequential:  # solved backwards, played forwards: each mover draws with its own uniforms
            tree = solve_sequential(payoffs, self.solution, p.rationality)
            path = realised_path(tree, [uniforms[:, CHOICE_COLUMNS[(arena.name, c)]] for c in arena.players])
            for agent, (action, probs) in zip(players, path):
                agent.move(arena, probs, action)
            return
        if arena.independent:  # decision problems: each player's payoff varies only along its own axis
            for i, agent in enumerate(players):
                own = payoffs[i][(slice(None),) + tuple(slice(None) if j == i else 0 for j in range(len(players)))]
                agent.strategy[arena.name] = solve([own], self.solution, p.rationality)[0]
            return
        u = uniforms[:, CHOICE_COLUMNS[(arena.name, arena.players[0])]]  # picks among several pure equilibria
        eq = solve(payoffs, self.solution, p.rationality, start=self._equilibria.get(arena.name), u=u)
        self._equilibria[arena.name] = eq
        for agent, strategy in zip(players, eq):
            agent.strategy[arena.name] = strategy

    def _apply_events(self) -> None:
        for ev in self.spec.events:  # an event with an end (a crisis) sets its variables back to 0 then
            if ev.until == self.month:
                self.state = self.state.replace(**{k: np.zeros(self.n) for k in ev.state_set})
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

    def run(self, until: int | None = None) -> "AllianceModel":
        """Run to month ``until`` (default: the scenario's horizon)."""
        last = self.horizon if until is None else min(int(until), self.horizon)
        while self.running and self.month < last:
            self.step()
        return self

    def trajectories(self):
        """The tidy table: one row per replicate x month."""
        return self.recorder.frame()
