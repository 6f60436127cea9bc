"""All extreme Nash equilibria of a bimatrix game by vertex enumeration.

Method (von Stengel 2007, "Equilibrium computation for two-player games in
strategic and extensive form", sec. 3.5; the method of Gambit's
``enummixed``). After rescaling each player's payoffs into ``[1, 2]`` (which
changes no equilibrium), the best-response polytopes are::

    P = {x in R^m : x >= 0, B^T x <= 1}     Q = {y in R^n : y >= 0, A y <= 1}

A point of ``P`` has label ``i`` if ``x_i = 0`` and label ``m + j`` if column
``j`` is a best reply to ``x`` (``(B^T x)_j = 1``); in ``Q``, label ``i`` if
row ``i`` is a best reply to ``y`` and ``m + j`` if ``y_j = 0``. The Nash
equilibria are the completely labelled pairs ``(x, y) != (0, 0)``
(normalised), and the *extreme* equilibria are the completely labelled pairs
of vertices.

Why not support enumeration as in nashpy: nashpy tests the best-reply
condition with exact float equality (``max(A y) == max over the support``),
which rounding breaks on ordinary random games, so equilibria are silently
dropped; and equal-size supports only cover nondegenerate games. Here every
vertex of each polytope is found from every basis (a ``k x k`` nonsingular
submatrix plus ``m - k`` (or ``n - k``) zero coordinates), the labels of each
vertex are read from its computed slacks with an explicit tolerance, and
vertices are paired by their label sets, which handles both problems. All
bases of one size are solved at once with ``np.linalg.solve`` on a stack.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations

import numpy as np

from .normal_form import as_game

__all__ = ["mixed_equilibria", "MIXED_TOL"]

#: Default slack tolerance of :func:`mixed_equilibria` (payoffs rescaled to [1, 2]).
MIXED_TOL = 1e-9

# A basis whose Hadamard ratio |det M| / prod(row norms) is below this is
# treated as singular (skipped): its "vertex" is not numerically defined.
_SINGULAR_RATIO = 1e-12


@lru_cache(maxsize=256)
def _combos(p: int, k: int) -> np.ndarray:
    """All k-subsets of range(p) as an int array of shape (C(p, k), k)."""
    return np.array(list(combinations(range(p), k)), dtype=np.intp).reshape(-1, k)


def rescale(payoff: np.ndarray) -> np.ndarray:
    """Affinely map a payoff matrix into [1, 2] (all ones if it is constant)."""
    lo, hi = float(payoff.min()), float(payoff.max())
    if hi == lo:
        return np.ones_like(payoff)
    return 1.0 + (payoff - lo) / (hi - lo)


def polytope_vertices(M: np.ndarray, tol: float):
    """Vertices of ``{z >= 0 : M z <= 1}`` other than the origin.

    Parameters
    ----------
    M : numpy.ndarray
        Shape ``(p, q)``, entries in ``[1, 2]``.
    tol : float
        Slack tolerance: ``z_s >= -tol`` and ``M z <= 1 + tol`` count as
        feasible, ``z_s <= tol`` as a zero and ``(M z)_r >= 1 - tol`` as tight.

    Returns
    -------
    z : numpy.ndarray
        Shape ``(V, q)``, clipped so that entries read as zero are exactly 0.
    tight : numpy.ndarray
        Boolean ``(V, p)``: which constraints ``(M z)_r <= 1`` are tight.
    zero : numpy.ndarray
        Boolean ``(V, q)``: which coordinates are zero.
    """
    p, q = M.shape
    zs, tights, zeros = [], [], []
    for k in range(1, min(p, q) + 1):
        rows, cols = _combos(p, k), _combos(q, k)
        # Every (tight-row set, support) pair of size k: the k x k system
        # M[rows, cols] z_cols = 1 with the other coordinates of z at zero.
        r_idx = np.repeat(rows, len(cols), axis=0)
        c_idx = np.tile(cols, (len(rows), 1))
        sub = M[r_idx[:, :, None], c_idx[:, None, :]]
        det = np.linalg.det(sub)
        norms = np.prod(np.sqrt(np.sum(sub * sub, axis=2)), axis=1)
        ok = np.abs(det) > _SINGULAR_RATIO * norms
        if not ok.any():
            continue
        sub, c_idx = sub[ok], c_idx[ok]
        zc = np.linalg.solve(sub, np.ones(sub.shape[:2] + (1,)))[:, :, 0]
        feasible = np.all(zc >= -tol, axis=1)
        if not feasible.any():
            continue
        zc, c_idx = zc[feasible], c_idx[feasible]
        z = np.zeros((len(zc), q))
        np.put_along_axis(z, c_idx, zc, axis=1)
        mz = z @ M.T
        slack_ok = np.all(mz <= 1.0 + tol, axis=1)
        z, mz = z[slack_ok], mz[slack_ok]
        zero = z <= tol
        z[zero] = 0.0
        zs.append(z)
        tights.append(mz >= 1.0 - tol)
        zeros.append(zero)
    if not zs:
        return np.zeros((0, q)), np.zeros((0, p), bool), np.zeros((0, q), bool)
    z, tight, zero = np.concatenate(zs), np.concatenate(tights), np.concatenate(zeros)
    # A vertex is determined by its tight constraints: dedupe degenerate
    # vertices (reached from several bases) by their label sets.
    labels = np.concatenate([tight, zero], axis=1)
    _, first = np.unique(labels, axis=0, return_index=True)
    first.sort()
    return z[first], tight[first], zero[first]


def regrets(A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """How much each player could gain by deviating from ``(x, y)``."""
    ay = A @ y
    bx = x @ B
    return float(ay.max() - x @ ay), float(bx.max() - bx @ y)


def _dedupe_sorted(eqs, dist):
    eqs = sorted(eqs, key=lambda e: tuple(np.concatenate(e)), reverse=True)
    kept = []
    for x, y in eqs:
        if not any(
            np.max(np.abs(x - kx)) <= dist and np.max(np.abs(y - ky)) <= dist for kx, ky in kept
        ):
            kept.append((x, y))
    return kept


def mixed_equilibria(game, tol: float = MIXED_TOL) -> list[tuple[np.ndarray, np.ndarray]]:
    """All extreme Nash equilibria of a two-player game (vertex enumeration).

    Parameters
    ----------
    game : NormalFormGame or sequence of two array_like
        A two-player game ``(A, B)``: row player's and column player's payoffs,
        both of shape ``(m, n)``.
    tol : float, optional
        Numerical tolerance, default 1e-9. Each player's payoffs are first
        rescaled affinely into ``[1, 2]``; ``tol`` is then the tolerance on
        the polytope slacks (a probability within ``tol`` of 0 counts as 0, an
        action within ``tol`` of the best payoff counts as a best reply).

    Returns
    -------
    list of tuple of numpy.ndarray
        Equilibria ``(x, y)``, ``x`` of length ``m`` and ``y`` of length
        ``n``, probabilities summing to 1, without duplicates (two profiles
        within ``max(1e-7, 100 * tol)`` of each other in every entry are one),
        sorted in decreasing lexicographic order of ``(x, y)``. Every returned
        profile is verified: neither player can gain more than
        ``8 * tol * (max - min of own payoffs)`` by deviating.

    Raises
    ------
    ValueError
        If the game does not have exactly two players.

    Notes
    -----
    *Nondegenerate games* (no mixed strategy with ``k`` pure strategies in
    its support has more than ``k`` pure best replies; almost every game with
    real-valued payoffs): all equilibria are isolated and extreme, and all are
    returned.

    *Degenerate games* (e.g. many games with integer or repeated payoffs):
    equilibria may form connected sets; the extreme points of those sets (the
    completely labelled vertex pairs) are returned, as Gambit's ``enummixed``
    does, and the non-extreme points of a continuum are not. This is exact up
    to ``tol``: a vertex whose slacks are within ``tol`` of a label change, or
    a basis that is singular to within relative 1e-12 (such bases are
    skipped), is resolved numerically, so a degenerate game can, at the
    margin, lose or gain an extreme point that is within about ``tol`` of
    another; but nothing that is not an equilibrium is ever returned (the
    verification above).

    The work grows like ``C(m + n, m)`` small linear solves (924 for 6x6).

    Examples
    --------
    >>> from alliance_sim.games import classic
    >>> [tuple(map(float, x)) for x, _ in mixed_equilibria(classic.battle_of_the_sexes())]
    [(1.0, 0.0), (0.6, 0.4), (0.0, 1.0)]
    """
    g = as_game(game)
    if g.n_players != 2:
        raise ValueError(
            f"mixed_equilibria solves two-player games; this game has {g.n_players} players "
            "(use logit_qre or pure_equilibria for n-player games)"
        )
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    A, B = g.payoffs
    m, n = A.shape
    An, Bn = rescale(A), rescale(B)
    # x in P: labels i (x_i = 0) then m + j (column j a best reply).
    xs, x_tight, x_zero = polytope_vertices(Bn.T, tol)
    x_labels = np.concatenate([x_zero, x_tight], axis=1)
    # y in Q: labels i (row i a best reply) then m + j (y_j = 0).
    ys, y_tight, y_zero = polytope_vertices(An, tol)
    y_labels = np.concatenate([y_tight, y_zero], axis=1)
    if not len(xs) or not len(ys):
        return []
    # Completely labelled pairs: no label missing from both vertices.
    missing = (~x_labels).astype(float) @ (~y_labels).T.astype(float)
    vi, wi = np.nonzero(missing == 0)
    eqs = []
    for v, w in zip(vi, wi):
        x = xs[v] / xs[v].sum()
        y = ys[w] / ys[w].sum()
        # Verified on the rescaled payoffs, whose range is 1 (or 0).
        ra, rb = regrets(An, Bn, x, y)
        if ra <= 8 * tol and rb <= 8 * tol:
            eqs.append((x, y))
    return _dedupe_sorted(eqs, max(1e-7, 100 * tol))
