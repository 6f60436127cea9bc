"""Cross-check against pygambit through the committed fixture (pygambit not needed).

The fixture is written by ``benchmarks/make_gambit_fixtures.py`` (see its
docstring to regenerate it).
"""

import json
from pathlib import Path

import numpy as np
import pytest

from alliance_sim.games import logit_qre, mixed_equilibria, mixed_equilibria_batch

FIXTURES = Path(__file__).parent / "fixtures" / "gambit"


def _load(name):
    return json.loads((FIXTURES / name).read_text())


ENUM = _load("enummixed.json")["games"]
QRE = _load("qre.json")["games"]


def _sorted_profiles(eqs):
    return sorted((np.concatenate([np.asarray(x, float), np.asarray(y, float)]) for x, y in eqs),
                  key=lambda v: tuple(np.round(v, 9)))


def _assert_same_sets(ours, gambit):
    assert len(ours) == len(gambit), f"{len(ours)} equilibria, gambit found {len(gambit)}"
    for a, b in zip(_sorted_profiles(ours), _sorted_profiles(gambit)):
        np.testing.assert_allclose(a, b, atol=1e-9)


def test_fixture_coverage():
    shapes = [tuple(g["shape"]) for g in ENUM if not g["degenerate"]]
    assert len(shapes) >= 100
    assert shapes.count((4, 4)) >= 15 and shapes.count((6, 6)) >= 15
    assert {len(g["shape"]) for g in QRE} >= {2, 3}


@pytest.mark.parametrize(
    "game", [g for g in ENUM if not g["degenerate"]], ids=lambda g: "x".join(map(str, g["shape"]))
)
def test_mixed_equilibria_match_gambit_enummixed(game):
    A, B = (np.array(p, dtype=float) for p in game["payoffs"])
    _assert_same_sets(mixed_equilibria((A, B)), game["equilibria"])


@pytest.mark.parametrize(
    "game", [g for g in ENUM if g["degenerate"]], ids=lambda g: "x".join(map(str, g["shape"]))
)
def test_degenerate_games_match_gambit_extreme_equilibria(game):
    # Not guaranteed in general (see mixed_equilibria's notes: ties are
    # resolved with a tolerance), but exact for small integer payoffs.
    A, B = (np.array(p, dtype=float) for p in game["payoffs"])
    _assert_same_sets(mixed_equilibria((A, B)), game["equilibria"])


def test_gambit_games_solved_as_batches_match_gambit_and_single_games():
    # All fixture games of one shape in one batch (degenerate ones included).
    by_shape = {}
    for g in ENUM:
        by_shape.setdefault(tuple(g["shape"]), []).append(g)
    for games in by_shape.values():
        A = np.array([g["payoffs"][0] for g in games], dtype=float)
        B = np.array([g["payoffs"][1] for g in games], dtype=float)
        for r, (g, got) in enumerate(zip(games, mixed_equilibria_batch([A, B]))):
            _assert_same_sets(got, g["equilibria"])
            single = mixed_equilibria((A[r], B[r]))
            assert len(single) == len(got)
            for (x, y), (u, v) in zip(got, single):
                assert np.array_equal(x, u) and np.array_equal(y, v)


@pytest.mark.parametrize("game", QRE, ids=lambda g: "x".join(map(str, g["shape"])))
def test_logit_qre_matches_gambit_logit_solve_lambda(game):
    payoffs = [np.array(p, dtype=float) for p in game["payoffs"]]
    for lam, profile in zip(game["lams"], game["profiles"]):
        for ours, theirs in zip(logit_qre(payoffs, lam), profile):
            np.testing.assert_allclose(ours, theirs, atol=1e-6)
