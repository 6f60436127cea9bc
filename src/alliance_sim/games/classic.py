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
    "coordination",
    "von_stengel_75",
    "savani_von_stengel_6x6",
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


# --- games with many (or hard-to-find) equilibria --------------------------------


def coordination(n: int) -> NormalFormGame:
    """The ``n x n`` coordination game: both players get 1 on a match, 0 otherwise.

    Payoffs ``A = B = I_n``. Nondegenerate, with ``2^n - 1`` Nash
    equilibria: for every nonempty support ``S``, both players mix
    uniformly on ``S``. Quint & Shubik (1997, "A theorem on the number of
    Nash equilibria in a bimatrix game", *Int. J. Game Theory* 26) conjectured
    this to be the most a nondegenerate ``n x n`` game can have; true for
    ``n <= 5``, false from ``n = 6`` (:func:`von_stengel_75`).
    """
    if n < 2:
        raise ValueError(f"n must be >= 2, got {n}")
    eye = np.eye(n)
    return NormalFormGame([eye, eye.copy()])


# B. von Stengel (1999), "New maximal numbers of equilibria in bimatrix
# games", Discrete & Computational Geometry 21, 557-568: the 6x6 example
# (from dual cyclic polytopes with permuted facet labels) as published there;
# also in Gambit's catalogue as journals/dcg/vonstengel1999/6x6_game_with_75_eq.
_VS75_A = [
    [9504, -660, 19976, -20526, 1776, -8976],
    [-111771, 31680, -130944, 168124, -8514, 52764],
    [397584, -113850, 451176, -586476, 29216, -178761],
    [171204, -45936, 208626, -263076, 14124, -84436],
    [1303104, -453420, 1227336, -1718376, 72336, -461736],
    [737154, -227040, 774576, -1039236, 48081, -300036],
]
_VS75_B = [
    [72336, 48081, 29216, 14124, 1776, -8514],
    [-461736, -300036, -178761, -84436, -8976, 52764],
    [1227336, 774576, 451176, 208626, 19976, -130944],
    [-1718376, -1039236, -586476, -263076, -20526, 168124],
    [1303104, 737154, 397584, 171204, 9504, -111771],
    [-453420, -227040, -113850, -45936, -660, 31680],
]


def von_stengel_75() -> NormalFormGame:
    """Von Stengel's 6x6 bimatrix game with 75 Nash equilibria.

    B. von Stengel (1999), "New maximal numbers of equilibria in bimatrix
    games", *Discrete & Computational Geometry* 21, 557-568. Nondegenerate,
    with 75 equilibria, more than the ``2^6 - 1 = 63`` of
    :func:`coordination` (the counterexample to Quint and Shubik's
    conjecture). Among them are the pure equilibria (row 2, column 6) and
    (row 5, column 1), and ``x = (20/23, 3/23, 0, 0, 0, 0)`` with
    ``y = (4/19, 15/19, 0, 0, 0, 0)``; two have supports of size 5 and 6.
    The payoffs are large integers (up to about 1.7e6), and the best-response
    polytopes are ill-conditioned (condition numbers of bases up to about
    2e7 after rescaling into ``[1, 2]``), which makes it a hard test for
    floating-point vertex enumeration.
    """
    return NormalFormGame([np.array(_VS75_A, dtype=float), np.array(_VS75_B, dtype=float)])


def savani_von_stengel_6x6() -> NormalFormGame:
    """A 6x6 game with a unique equilibrium and long Lemke–Howson paths.

    R. Savani & B. von Stengel (2006), "Hard-to-solve bimatrix games",
    *Econometrica* 74(2), 397-429: the ``d = 6`` member of their family
    built from dual cyclic polytopes, whose Lemke–Howson paths grow
    exponentially with ``d`` from every starting label (payoffs as listed in
    Gambit's test suite). The unique Nash equilibrium is completely mixed:
    ``x = (1/30, 1/6, 3/10, 3/10, 1/6, 1/30)``,
    ``y = (1/6, 1/30, 3/10, 3/10, 1/30, 1/6)``.
    """
    a = [
        [-180, 72, -333, 297, -153, 270],
        [-30, 17, -33, 42, -3, 20],
        [-81, 36, -126, 126, -36, 90],
        [90, -36, 126, -126, 36, -81],
        [20, -3, 42, -33, 17, -30],
        [270, -153, 297, -333, 72, -180],
    ]
    b = [
        [72, 36, 17, -3, -36, -153],
        [-180, -81, -30, 20, 90, 270],
        [297, 126, 42, -33, -126, -333],
        [-333, -126, -33, 42, 126, 297],
        [270, 90, 20, -30, -81, -180],
        [-153, -36, -3, 17, 36, 72],
    ]
    return NormalFormGame([np.array(a, dtype=float), np.array(b, dtype=float)])
