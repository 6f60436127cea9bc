"""Generate pygambit reference data for games played in turn (``tests/test_games_sequential.py``).

``tests/fixtures/gambit/sequential.json``: random games of perfect information
in which 2 or 3 players move in turn, each seeing the moves before it (integer
payoffs uniform in -5..5, fixed seed), built as Gambit extensive games, with
the agent logit QRE behaviour profile of ``pygambit.qre.logit_solve_lambda``
(``use_strategic=False``) at several ``lam``. In a game of perfect information
the agent logit QRE is unique and is what ``alliance_sim.games.sequential``
computes by backward induction, so the two must agree.

Regenerate (after pygambit's ~7 minute build; see ``make_gambit_fixtures.py``)::

    /tmp/venv-gambit/bin/python benchmarks/make_gambit_sequential_fixtures.py

The script does not import ``alliance_sim``.
"""
from __future__ import annotations

import itertools
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pygambit as gbt

SEED = 20261203
SHAPES = [(2, 2), (3, 2), (2, 3, 2), (4, 4, 3)]
GAMES_PER_SHAPE = 3
LAMS = [0.5, 2.0, 6.0]
OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "gambit" / "sequential.json"


def build(payoffs: np.ndarray):
    """An extensive game: player 0 moves, then player 1 at each of its moves, ... (perfect information)."""
    n = payoffs.shape[0]
    shape = payoffs.shape[1:]
    g = gbt.Game.new_tree(players=[f"P{i}" for i in range(n)])
    nodes = {(): g.root}
    for depth in range(n):
        for history in itertools.product(*(range(k) for k in shape[:depth])):
            g.append_move(nodes[history], f"P{depth}", [str(a) for a in range(shape[depth])])
            nodes[history].infoset.label = f"P{depth}@{'-'.join(map(str, history))}"
            for a in range(shape[depth]):
                nodes[history + (a,)] = nodes[history].children[str(a)]
    for profile in itertools.product(*(range(k) for k in shape)):
        outcome = g.add_outcome("-".join(map(str, profile)),
                                [Fraction(int(payoffs[(i,) + profile])) for i in range(n)])
        g.set_outcome(nodes[profile], outcome)
    return g, nodes


def behaviour(result, g, nodes, shape) -> list:
    """Each player's choice probabilities at every history, as nested lists ``(a_1, ..., a_i)``.

    pygambit 16.7.0's ``LogitQREMixedBehaviorProfile.profile`` raises, so the
    profile is read by position: actions in the order player, information
    set, action, as Gambit numbers them.
    """
    position = {}
    k = 0
    for player in g.players:
        for infoset in player.infosets:
            for action in infoset.actions:
                position[(infoset.label, action.label, player.label)] = k
                k += 1
    out = []
    for i in range(len(shape)):
        sigma = np.zeros(shape[: i + 1])
        for history in itertools.product(*(range(s) for s in shape[:i])):
            infoset = nodes[history].infoset
            for a, action in enumerate(infoset.actions):
                sigma[history + (a,)] = float(result[position[(infoset.label, action.label, f"P{i}")]])
        out.append(sigma.tolist())
    return out


def main() -> None:
    rng = np.random.default_rng(SEED)
    games = []
    for shape in SHAPES:
        for _ in range(GAMES_PER_SHAPE):
            payoffs = rng.integers(-5, 6, size=(len(shape),) + shape)
            g, nodes = build(payoffs)
            profiles = []
            for lam in LAMS:
                res = gbt.qre.logit_solve_lambda(g, lam=[lam], use_strategic=False)[0]
                profiles.append(behaviour(res, g, nodes, shape))
            games.append({"shape": list(shape), "payoffs": payoffs.tolist(), "lams": LAMS, "profiles": profiles})
    OUT.write_text(json.dumps({"generator": "benchmarks/make_gambit_sequential_fixtures.py", "seed": SEED,
                               "pygambit_version": gbt.__version__, "games": games}, separators=(",", ":")))
    print(f"wrote {OUT} ({len(games)} games)")


if __name__ == "__main__":
    main()
