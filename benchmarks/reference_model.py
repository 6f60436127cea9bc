"""The reference a user would build: the same model, one replicate at a time, games solved by Gambit.

Used by ``benchmarks/ensemble.py`` (issue 16) as the yardstick for the
batched model's speed, and by ``tests/test_speed.py`` (with the numpy
solvers) to check that the batched model is the same model.

``ReferenceModel(scenario, replicate, seed)`` is a plain Mesa model of ONE
replicate: six ``mesa.Agent`` actors, a ``mesa.DataCollector`` recording
every metric and each actor's payoff and action each month. It reuses the
library's domain layer (state, parameters, payoff terms, events, the
monthly transition) and the replicate's own random numbers
(``abm.streams.replicate_noise``: the same uniforms and normals the batched
model gives that replicate), but solves each month's stage games itself:

- ``solver="gambit"`` (needs pygambit, ``pip install pygambit==16.7.0``,
  about 7 minutes to compile): the linked bargain, played in turn, as a
  Gambit extensive game of perfect information (21 decision nodes, 112
  outcomes; the tree is built once, its payoffs are set each month) solved
  by ``pygambit.qre.logit_solve_lambda(..., use_strategic=False)``, the
  agent logit QRE; the front (three decision makers) as a 2x2x2 strategic
  game and the Korean crisis as a one-player game, both by
  ``logit_solve_lambda`` on the strategic form (its QRE there is each
  player's own logit choice).
- ``solver="numpy"``: the same equilibria in closed form (a softmax, and
  backward induction for the bargain), for machines without pygambit.

Only the ``qre`` solution concept (the default) is modelled. Actions are
drawn from the equilibrium with the replicate's own uniforms by inverse CDF,
as the batched model does, so with equal choice probabilities the two give
the same trajectory (common random numbers): the comparison is per
replicate, not only in distribution.
"""
from __future__ import annotations

import itertools
from decimal import Decimal

import mesa
import numpy as np

from alliance_sim.abm.model import AllianceModel
from alliance_sim.abm.streams import CHOICE_COLUMNS, NORMALS, U_DEAL, U_SETTLE, replicate_noise
from alliance_sim.domain.actors import ACTORS, ARENAS, BARGAIN
from alliance_sim.domain.dynamics import transition
from alliance_sim.domain.mechanisms import Acts, sample_actions
from alliance_sim.domain.metrics import METRICS
from alliance_sim.domain.parameters import Params
from alliance_sim.domain.payoffs import arena_payoffs, realised_payoffs
from alliance_sim.domain.scenario import load_scenario
from alliance_sim.domain.state import State
from alliance_sim.games.sequential import logit_backward_induction, realised_path

SOLVERS = ("gambit", "numpy")


class ReferenceActor(mesa.Agent):
    """One state actor of one replicate: its strategies, actions and payoff this month."""

    def __init__(self, model, code: str):
        super().__init__(model)
        self.code = code
        self.strategy: dict[str, np.ndarray] = {}
        self.action: dict[str, int] = {}
        self.payoff = float("nan")


class _GambitBargain:
    """The linked bargain as a Gambit tree (built once); payoffs are set before each solve."""

    def __init__(self, gbt, arena):
        self.gbt, self.shape = gbt, arena.shape
        n = len(arena.players)
        g = gbt.Game.new_tree(players=list(arena.players))
        nodes = {(): g.root}
        for depth in range(n):
            for history in itertools.product(*(range(k) for k in self.shape[:depth])):
                g.append_move(nodes[history], arena.players[depth], [str(a) for a in range(self.shape[depth])])
                nodes[history].infoset.label = f"{depth}@{'-'.join(map(str, history))}"
                for a in range(self.shape[depth]):
                    nodes[history + (a,)] = nodes[history].children[str(a)]
        self.outcomes = {}
        for profile in itertools.product(*(range(k) for k in self.shape)):
            o = g.add_outcome("-".join(map(str, profile)), [0] * n)
            g.set_outcome(nodes[profile], o)
            self.outcomes[profile] = o
        # Gambit numbers behaviour-profile entries player by player, infoset by infoset, action by action.
        self.position, k = {}, 0
        for i, player in enumerate(g.players):
            for infoset in player.infosets:
                history = tuple(int(x) for x in infoset.label.split("@")[1].split("-") if x)
                for a in range(len(infoset.actions)):
                    self.position[(i, history, a)] = k
                    k += 1
        self.game, self.players = g, list(arena.players)

    def solve(self, payoffs, lam: float) -> list[np.ndarray]:
        """Each mover's behaviour strategy ``(1, a_1, ..., a_i)`` in the agent logit QRE at ``lam``."""
        for profile, o in self.outcomes.items():
            for i, player in enumerate(self.players):
                o[player] = Decimal(repr(float(payoffs[i][(0,) + profile])))  # the exact double
        res = self.gbt.qre.logit_solve_lambda(self.game, lam=[float(lam)], use_strategic=False)[0]
        out = []
        for i in range(len(self.shape)):
            sigma = np.zeros((1,) + self.shape[: i + 1])
            for history in itertools.product(*(range(k) for k in self.shape[:i])):
                for a in range(self.shape[i]):
                    sigma[(0,) + history + (a,)] = float(res[self.position[(i, history, a)]])
            out.append(sigma)
        return out


def _gambit_strategic(gbt, payoffs, lam: float) -> list[np.ndarray]:
    """Each player's ``(1, a_i)`` mixed strategy in the logit QRE of a strategic game at ``lam``."""
    arrays = [np.vectorize(lambda x: Decimal(repr(float(x))), otypes=[object])(p[0]) for p in payoffs]
    g = gbt.Game.from_arrays(*arrays)
    res = gbt.qre.logit_solve_lambda(g, lam=[float(lam)])[0]
    out, k = [], 0
    for n in payoffs[0].shape[1:]:
        out.append(np.array([[float(res[k + a]) for a in range(n)]]))
        k += n
    return out


def _logit(payoff: np.ndarray, lam: float) -> np.ndarray:
    z = lam * (payoff - payoff.max(axis=-1, keepdims=True))
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class ReferenceModel(mesa.Model):
    """One replicate of a scenario, month by month, each stage game solved on its own (see the module)."""

    def __init__(self, scenario="baseline", replicate: int = 0, seed: int = 0, solver: str = "gambit"):
        super().__init__(rng=int(seed))
        if solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}")
        self.solver = solver
        if solver == "gambit":
            import pygambit as gbt

            self._gbt = gbt
            self._bargain = _GambitBargain(gbt, BARGAIN)
        self.spec = load_scenario(scenario)
        self.n = 1
        self.params = Params.build(dict(self.spec.parameters), 1)
        self.state = State.initial(self.params, 1)
        self.flows = {"prk_casualties_month": np.zeros(1)}
        self.horizon, self.month = self.spec.horizon, 0
        u, z = replicate_noise(int(seed), np.array([replicate]), self.horizon)
        self._uniforms, self._normals = u, z
        self.actors = {code: ReferenceActor(self, code) for code in ACTORS}
        self.probabilities: list[dict] = []  # per month: {(arena, actor): choice probabilities at the history played}
        reporters = {m: (lambda model, m=m: float(model._metric(m))) for m in METRICS}
        agents = {"payoff": "payoff", "action": lambda a: dict(a.action)}
        self.datacollector = mesa.DataCollector(model_reporters=reporters, agent_reporters=agents)

    def _metric(self, name):
        from alliance_sim.abm.recorder import metric_values

        return metric_values(name, self.state, self.params, self.flows)[0]

    def _solve(self, arena, payoffs, lam):
        if arena.sequential:
            if self.solver == "gambit":
                return self._bargain.solve(payoffs, lam)
            return logit_backward_induction(payoffs, lam)
        if self.solver == "gambit":
            return _gambit_strategic(self._gbt, payoffs, lam)
        out = []
        for i in range(len(payoffs)):  # each decides alone: its payoff varies along its own axis only
            own = payoffs[i][(slice(None),) + tuple(slice(None) if j == i else 0 for j in range(len(payoffs)))]
            out.append(_logit(own, lam))
        return out

    def step(self) -> None:
        self.month += 1
        AllianceModel._apply_events(self)  # the scenario's events, exactly as the batched model applies them
        s, p = self.state, self.params
        lam = float(np.ravel(p.rationality)[0])
        uniforms = self._uniforms[self.month - 1]
        played = [a for a in ARENAS if a.when is None or np.any(getattr(s, a.when) > 0)]
        probs = {}
        for arena in played:
            payoffs = arena_payoffs(arena, s, p)
            for i, code in enumerate(arena.players):
                precision = self.spec.precision.get(code, 1.0)
                if precision != 1.0:
                    payoffs[i] = payoffs[i] * float(precision)
            strategies = self._solve(arena, payoffs, lam)
            if arena.sequential:
                path = realised_path(strategies, [uniforms[:, CHOICE_COLUMNS[(arena.name, c)]] for c in arena.players])
                for code, (action, pr) in zip(arena.players, path):
                    self.actors[code].action[arena.name] = int(action[0])
                    probs[(arena.name, code)] = pr[0]
            else:
                for code, sigma in zip(arena.players, strategies):
                    u = uniforms[:, CHOICE_COLUMNS[(arena.name, code)]]
                    self.actors[code].action[arena.name] = int(sample_actions(sigma, u)[0])
                    probs[(arena.name, code)] = sigma[0]
        for actor in self.actors.values():
            actor.action = {k: v for k, v in actor.action.items() if k in {a.name for a in played}}
        self.probabilities.append(probs)
        acts = {a.name: Acts(a, {c: np.array([self.actors[c].action[a.name]]) for c in a.players}).bind(s, p)
                for a in played}
        for code, value in realised_payoffs(s, acts, p).items():
            self.actors[code].payoff = float(value[0])
        noise = {name: self._normals[self.month - 1][:, k] for k, name in enumerate(NORMALS)}
        noise["u_deal"], noise["u_settle"] = uniforms[:, U_DEAL], uniforms[:, U_SETTLE]
        self.state, self.flows = transition(s, acts, p, noise)
        self.datacollector.collect(self)
        if self.month >= self.horizon:
            self.running = False

    def run(self) -> "ReferenceModel":
        while self.running and self.month < self.horizon:
            self.step()
        return self

    def final(self) -> dict[str, float]:
        """Every metric at the last month."""
        return {m: float(self._metric(m)) for m in METRICS}


def main(argv=None) -> int:
    """``python benchmarks/reference_model.py SCENARIO REPLICATE SEED MONTHS SOLVER``: one replicate's
    first MONTHS months; prints JSON (CPU seconds, each month's choice probabilities, final metrics).

    ``benchmarks/ensemble.py`` runs it in the interpreter that has pygambit (e.g. a separate venv)."""
    import json
    import sys
    import time

    scenario, replicate, seed, months, solver = (argv or sys.argv[1:])[:5]
    t0 = time.process_time()
    model = ReferenceModel(scenario, int(replicate), int(seed), solver)
    for _ in range(int(months)):
        model.step()
    seconds = time.process_time() - t0
    probs = [[[arena, actor, [float(x) for x in pr]] for (arena, actor), pr in month.items()]
             for month in model.probabilities]
    print(json.dumps({"cpu_seconds": seconds, "months": int(months), "probabilities": probs,
                      "final": model.final()}))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
