"""Classic two-player games with known equilibria, for tests and examples.

Each function returns a :class:`~alliance_sim.games.NormalFormGame`; the row
player is player 0. The docstrings state the known answers (the test suite
checks them), in the way SALib ships analytic test functions.
"""

from __future__ import annotations

import numpy as np

from .normal_form import NormalFormGame

__all__ = [
    "prisoners_dilemma",
    "matching_pennies",
    "battle_of_the_sexes",
    "chicken",
    "stag_hunt",
    "rock_paper_scissors",
    "asymmetric_matching_pennies",
]


def _symmetric(row: list[list[float]]) -> NormalFormGame:
    a = np.array(row, dtype=float)
    return NormalFormGame([a, a.T])


def prisoners_dilemma() -> NormalFormGame:
    """Prisoner's dilemma; actions (cooperate, defect), payoffs T=5 > R=3 > P=1 > S=0.

    Defect strictly dominates: the unique equilibrium is (defect, defect),
    pure profile ``(1, 1)``.
    """
    return _symmetric([[3, 0], [5, 1]])


def matching_pennies() -> NormalFormGame:
    """Matching pennies; the row player wins 1 on a match, loses 1 otherwise.

    Zero-sum; the unique equilibrium is both players mixing (1/2, 1/2), and
    by symmetry every logit QRE is (1/2, 1/2) too. No pure equilibrium.
    """
    a = np.array([[1.0, -1.0], [-1.0, 1.0]])
    return NormalFormGame([a, -a])


def battle_of_the_sexes() -> NormalFormGame:
    """Battle of the sexes; actions (opera, football), row prefers opera (3 vs 2).

    Three equilibria: pure (0, 0) and (1, 1), and the mixed one where the row
    player plays (3/5, 2/5) and the column player (2/5, 3/5).
    """
    return NormalFormGame([[[3, 0], [0, 2]], [[2, 0], [0, 3]]])


def chicken() -> NormalFormGame:
    """Chicken (hawk–dove); actions (swerve, straight).

    Payoffs: both swerve 0, swerve against straight -1 / 1, crash -10.
    Pure equilibria (0, 1) and (1, 0); symmetric mixed equilibrium with
    each player swerving with probability 9/10.
    """
    return _symmetric([[0, -1], [1, -10]])


def stag_hunt() -> NormalFormGame:
    """Stag hunt; actions (stag, hare): stag together 4, hare 3 always, stag alone 0.

    Pure equilibria (stag, stag) = (0, 0) (payoff dominant) and (hare, hare)
    = (1, 1) (risk dominant); mixed equilibrium with stag played with
    probability 3/4 by each player.
    """
    return _symmetric([[4, 0], [3, 3]])


def rock_paper_scissors() -> NormalFormGame:
    """Rock–paper–scissors; win 1, lose -1, tie 0.

    Zero-sum; the unique equilibrium is uniform play (1/3 each) by both, and
    every logit QRE is uniform. No pure equilibrium.
    """
    a = np.array([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]])
    return NormalFormGame([a, -a])


def asymmetric_matching_pennies() -> NormalFormGame:
    """Asymmetric matching pennies of McKelvey & Palfrey (1995), the 9/1 variant.

    Row player: 9 at (up, left), 1 at (down, right), 0 otherwise; column
    player: 1 on a mismatch, 0 on a match. The unique Nash equilibrium has the
    row player mixing (1/2, 1/2) and the column player (1/10, 9/10): the row
    player's own payoff does not move its equilibrium mix. In the logit QRE
    the row player plays up with probability above 1/2 for every ``lam > 0``
    (the "own-payoff effect"), tending to 1/2 as ``lam -> inf``, while the
    column player's probability of left falls from 1/2 towards 1/10.
    """
    return NormalFormGame([[[9, 0], [0, 1]], [[0, 1], [1, 0]]])
