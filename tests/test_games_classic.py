"""Classic games with known answers: pure, mixed, Lemke–Howson and logit QRE."""

import numpy as np
import pytest

from alliance_sim.games import classic, lemke_howson, logit_qre, mixed_equilibria, pure_equilibria


def _as_sets(eqs, decimals=9):
    return sorted(tuple(np.round(np.concatenate(e), decimals)) for e in eqs)


KNOWN = {
    # name: (pure equilibria, all (extreme) equilibria as (x, y))
    "prisoners_dilemma": ([(1, 1)], [([0, 1], [0, 1])]),
    "matching_pennies": ([], [([0.5, 0.5], [0.5, 0.5])]),
    "battle_of_the_sexes": (
        [(0, 0), (1, 1)],
        [([1, 0], [1, 0]), ([0.6, 0.4], [0.4, 0.6]), ([0, 1], [0, 1])],
    ),
    "chicken": ([(0, 1), (1, 0)], [([1, 0], [0, 1]), ([0.9, 0.1], [0.9, 0.1]), ([0, 1], [1, 0])]),
    "stag_hunt": ([(0, 0), (1, 1)], [([1, 0], [1, 0]), ([0.75, 0.25], [0.75, 0.25]), ([0, 1], [0, 1])]),
    "rock_paper_scissors": ([], [([1 / 3] * 3, [1 / 3] * 3)]),
    "asymmetric_matching_pennies": ([], [([0.5, 0.5], [0.1, 0.9])]),
}


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_pure_and_mixed_equilibria(name):
    game = getattr(classic, name)()
    pure, mixed = KNOWN[name]
    assert pure_equilibria(game) == pure
    expected = [(np.array(x, float), np.array(y, float)) for x, y in mixed]
    assert _as_sets(mixed_equilibria(game)) == _as_sets(expected)


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_lemke_howson_finds_a_known_equilibrium_from_every_label(name):
    game = getattr(classic, name)()
    known = _as_sets([(np.array(x, float), np.array(y, float)) for x, y in KNOWN[name][1]])
    for label in range(sum(game.shape)):
        assert _as_sets([lemke_howson(game, label)])[0] in known


def test_lemke_howson_labels_reach_different_equilibria():
    # In battle of the sexes, dropping a row label from the artificial
    # equilibrium leads to a pure equilibrium determined by that label.
    bos = classic.battle_of_the_sexes()
    reached = {_as_sets([lemke_howson(bos, k)])[0] for k in range(4)}
    assert len(reached) >= 2


def test_qre_symmetric_zero_sum_games_stay_uniform():
    for game, k in ((classic.matching_pennies(), 2), (classic.rock_paper_scissors(), 3)):
        for lam in (0.0, 0.7, 5.0, 40.0):
            for p in logit_qre(game, lam):
                np.testing.assert_allclose(p, np.full(k, 1 / k), atol=1e-12)


def test_qre_limits_select_the_expected_equilibrium():
    # Dominance solvable: the QRE converges to (defect, defect).
    x, y = logit_qre(classic.prisoners_dilemma(), 50.0)
    assert x[1] > 1 - 1e-12 and y[1] > 1 - 1e-12
    # Stag hunt: the principal branch selects the risk-dominant (hare, hare).
    x, y = logit_qre(classic.stag_hunt(), 200.0)
    np.testing.assert_allclose([x[1], y[1]], 1.0, atol=1e-10)
    # Chicken: symmetric game, symmetric branch, mixed equilibrium (0.9, 0.1).
    x, y = logit_qre(classic.chicken(), 500.0)
    np.testing.assert_allclose(x, [0.9, 0.1], atol=1e-3)
    np.testing.assert_allclose(y, x, atol=1e-12)
    # Battle of the sexes: symmetric payoff structure, limit is a NE.
    x, y = logit_qre(classic.battle_of_the_sexes(), 300.0)
    eqs = mixed_equilibria(classic.battle_of_the_sexes())
    assert min(max(abs(x - ex).max(), abs(y - ey).max()) for ex, ey in eqs) < 1e-2
