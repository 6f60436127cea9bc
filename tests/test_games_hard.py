"""Vertex enumeration on hard cases: published equilibrium counts and planted degeneracy.

The expected answers come from the literature (cited per test) and from an
independent exact-rational vertex enumeration (``exact_extreme_equilibria``
below: every square subsystem solved in fractions, no tolerance anywhere).
"""

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_sim.games import classic, lemke_howson, mixed_equilibria, mixed_equilibria_batch

# --- exact reference -----------------------------------------------------------------


def _solve_exact(M, rhs):
    """Solve ``M z = rhs`` over the rationals; None if ``M`` is singular."""
    n = len(M)
    a = [list(row) + [r] for row, r in zip(M, rhs)]
    for c in range(n):
        p = next((r for r in range(c, n) if a[r][c] != 0), None)
        if p is None:
            return None
        a[c], a[p] = a[p], a[c]
        for r in range(n):
            if r != c and a[r][c] != 0:
                f = a[r][c] / a[c][c]
                a[r] = [x - f * y for x, y in zip(a[r], a[c])]
    return [a[r][n] / a[r][r] for r in range(n)]


def _exact_vertices(M):
    """Vertices ``z != 0`` of ``{z >= 0 : M z <= 1}`` (rational ``M > 0``) with their labels.

    Returns ``{z: (tight rows, zero coordinates)}``.
    """
    p, q = len(M), len(M[0])
    out = {}
    for k in range(1, min(p, q) + 1):
        for rows in itertools.combinations(range(p), k):
            for cols in itertools.combinations(range(q), k):
                zc = _solve_exact([[M[i][j] for j in cols] for i in rows], [Fraction(1)] * k)
                if zc is None or min(zc) < 0:
                    continue
                z = [Fraction(0)] * q
                for j, v in zip(cols, zc):
                    z[j] = v
                slack = [sum(M[i][j] * z[j] for j in range(q)) for i in range(p)]
                if max(slack) > 1:
                    continue
                out[tuple(z)] = ({i for i in range(p) if slack[i] == 1}, {j for j in range(q) if z[j] == 0})
    return out


def exact_extreme_equilibria(A, B):
    """All extreme equilibria of an integer bimatrix game, exactly (as Gambit's enummixed)."""
    A = [[Fraction(int(v)) for v in row] for row in np.asarray(A)]
    B = [[Fraction(int(v)) for v in row] for row in np.asarray(B)]
    m, n = len(A), len(A[0])
    sa = 1 - min(map(min, A))
    sb = 1 - min(map(min, B))
    Q = _exact_vertices([[v + sa for v in row] for row in A])  # y: rows best, y_j = 0
    P = _exact_vertices([[B[i][j] + sb for i in range(m)] for j in range(n)])  # x: cols best, x_i = 0
    eqs = set()
    for x, (best_cols, zero_x) in P.items():
        for y, (best_rows, zero_y) in Q.items():
            if zero_x | best_rows == set(range(m)) and best_cols | zero_y == set(range(n)):
                eqs.add((tuple(v / sum(x) for v in x), tuple(v / sum(y) for v in y)))
    return eqs


def as_rounded_set(eqs, decimals=7):
    return sorted(tuple(np.round(np.concatenate([np.asarray(x, float), np.asarray(y, float)]), decimals))
                  for x, y in eqs)


def assert_same_as_exact(A, B, eqs):
    exact = exact_extreme_equilibria(A, B)
    assert len(eqs) == len(exact)
    assert as_rounded_set(eqs) == as_rounded_set(exact)


# --- games with published equilibrium counts ------------------------------------------


def test_von_stengel_6x6_game_has_75_equilibria():
    # B. von Stengel (1999), "New maximal numbers of equilibria in bimatrix
    # games", Discrete & Computational Geometry 21, 557-568: the 6x6 game
    # with 75 equilibria, the counterexample to Quint and Shubik's 2^n - 1.
    # (The previous implementation returned 73: it skipped two
    # well-conditioned bases as "singular", see alliance_sim.games.vertex.)
    g = classic.von_stengel_75()
    A, B = g.payoffs
    eqs = mixed_equilibria(g)
    assert len(eqs) == 75
    assert_same_as_exact(A, B, eqs)
    # Published equilibria (as also listed in Gambit's test suite).
    keys = as_rounded_set(eqs)
    for x, y in [
        ([0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1]),
        ([0, 0, 0, 0, 1, 0], [1, 0, 0, 0, 0, 0]),
        ([20 / 23, 3 / 23, 0, 0, 0, 0], [4 / 19, 15 / 19, 0, 0, 0, 0]),
        ([150 / 157, 0, 0, 7 / 157, 0, 0], [0, 0, 9 / 16, 7 / 16, 0, 0]),
    ]:
        assert as_rounded_set([(x, y)])[0] in keys
    # The two that used to be lost have supports of size 5 and 6.
    sizes = sorted(int(np.count_nonzero(x)) for x, _ in eqs)
    assert sizes[-2:] == [5, 6]


@pytest.mark.parametrize("seed", range(4))
def test_von_stengel_game_keeps_75_equilibria_under_relabelling_and_player_swap(seed):
    # The search must not depend on the order of strategies or on which
    # player is the row player (its starting basis and pivot order change).
    A, B = classic.von_stengel_75().payoffs
    rng = np.random.default_rng(seed)
    rows, cols = rng.permutation(6), rng.permutation(6)
    ix = np.ix_(rows, cols)
    scale = 10.0 ** rng.uniform(-3, 3)
    assert len(mixed_equilibria((scale * A[ix] - 7.0, B[ix]))) == 75
    assert len(mixed_equilibria((B.T[ix], A.T[ix]))) == 75


@pytest.mark.parametrize("n", range(2, 8))
def test_coordination_game_has_2_to_the_n_minus_1_equilibria(n):
    # Quint & Shubik (1997), "A theorem on the number of Nash equilibria in a
    # bimatrix game", Int. J. Game Theory 26, 353-359: the n x n identity
    # (coordination) game has one equilibrium per nonempty support, uniform
    # on it for both players, 2^n - 1 in all.
    eqs = mixed_equilibria(classic.coordination(n))
    assert len(eqs) == 2**n - 1
    expected = []
    for k in range(1, n + 1):
        for support in itertools.combinations(range(n), k):
            x = np.zeros(n)
            x[list(support)] = 1 / k
            expected.append((x, x))
    assert as_rounded_set(eqs) == as_rounded_set(expected)


def test_savani_von_stengel_game_has_a_unique_equilibrium_found_from_every_label():
    # Savani & von Stengel (2006), "Hard-to-solve bimatrix games",
    # Econometrica 74, 397-429: d = 6 member of the family with exponentially
    # long Lemke-Howson paths and a unique, completely mixed equilibrium.
    g = classic.savani_von_stengel_6x6()
    x_star = np.array([1 / 30, 1 / 6, 3 / 10, 3 / 10, 1 / 6, 1 / 30])
    y_star = np.array([1 / 6, 1 / 30, 3 / 10, 3 / 10, 1 / 30, 1 / 6])
    eqs = mixed_equilibria(g)
    assert len(eqs) == 1
    np.testing.assert_allclose(eqs[0][0], x_star, atol=1e-12)
    np.testing.assert_allclose(eqs[0][1], y_star, atol=1e-12)
    assert_same_as_exact(*g.payoffs, eqs)
    for label in range(12):
        x, y = lemke_howson(g, label)
        np.testing.assert_allclose(x, x_star, atol=1e-9)
        np.testing.assert_allclose(y, y_star, atol=1e-9)


@pytest.mark.parametrize("shape", [(2, 2), (3, 4), (5, 5)])
def test_constant_game_has_every_pure_profile_as_an_extreme_equilibrium(shape):
    # Every profile is an equilibrium; the extreme points of that set (the
    # product of the simplices) are the m * n pure profiles (as Gambit's
    # enummixed returns).
    eqs = mixed_equilibria((np.zeros(shape), np.full(shape, 3.0)))
    m, n = shape
    assert as_rounded_set(eqs) == as_rounded_set(
        [(np.eye(m)[i], np.eye(n)[j]) for i in range(m) for j in range(n)]
    )


def test_hard_cases_are_identical_in_a_batch():
    games = [classic.von_stengel_75(), classic.savani_von_stengel_6x6(), classic.coordination(6)]
    batch = mixed_equilibria_batch([np.stack([g.payoffs[i] for g in games]) for i in (0, 1)])
    for g, got in zip(games, batch):
        single = mixed_equilibria(g)
        assert len(got) == len(single)
        for (x, y), (u, v) in zip(got, single):
            assert np.array_equal(x, u) and np.array_equal(y, v)


# --- planted degeneracy ------------------------------------------------------------------


@st.composite
def degenerate_games(draw):
    """Small integer games with a planted degeneracy (and often more by accident).

    Plants, for one player: a duplicated strategy, a payoff-equivalent
    strategy of the opponent, a strategy that ties a mixture of two others,
    a constant row or column, or a zero-sum/common-interest coupling; payoffs
    are small integers, so ties abound.
    """
    m = draw(st.integers(2, 5))
    n = draw(st.integers(2, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    hi = draw(st.sampled_from([1, 2, 5]))
    A = rng.integers(-hi, hi + 1, (m, n))
    B = rng.integers(-hi, hi + 1, (m, n))
    plant = draw(st.sampled_from(["dup_row", "dup_col", "mixture", "constant", "coupled", "none"]))
    if plant == "dup_row":  # two rows identical for both players
        A[-1], B[-1] = A[0], B[0]
    elif plant == "dup_col":  # row player indifferent between two columns' worth
        A[:, -1] = A[:, 0]
    elif plant == "mixture" and m >= 3:  # row 2 ties the 50/50 mix of rows 0 and 1
        A[0] *= 2
        A[1] *= 2
        A[2] = (A[0] + A[1]) // 2
    elif plant == "constant":
        B[0, :] = B[0, 0]
        A[:, 0] = A[0, 0]
    elif plant == "coupled":
        B = -A if draw(st.booleans()) else A.copy()
    return A.astype(float), B.astype(float)


@settings(deadline=None, max_examples=150)
@given(degenerate_games())
def test_degenerate_games_match_exact_rational_enumeration(game):
    eqs = mixed_equilibria(game)
    assert_same_as_exact(*game, eqs)
    # And the batch (with a copy and the transposed game) agrees bit for bit.
    A, B = game
    batch = mixed_equilibria_batch([np.stack([A, A]), np.stack([B, B])])
    for got in batch:
        assert len(got) == len(eqs)
        for (x, y), (u, v) in zip(got, eqs):
            assert np.array_equal(x, u) and np.array_equal(y, v)
