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

Why not support enumeration as in nashpy: nashpy (0.0.43) tests the
best-reply condition with exact float equality (``max(A y) == max over the
support``), which rounding breaks on ordinary random 4x4 and 6x6 games, so
equilibria are silently dropped (``benchmarks/games.py`` counts them); and
enumerating supports is only complete for nondegenerate games (in a
degenerate game the extreme equilibria need not come from square,
nonsingular indifference systems on their supports). Here every
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


@lru_cache(maxsize=256)
def _bases(m: int, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (row subset, column subset) of size k, as two (count, k) arrays."""
    rows, cols = _combos(m, k), _combos(n, k)
    out = np.repeat(rows, len(cols), axis=0), np.tile(cols, (len(rows), 1))
    for a in out:
        a.flags.writeable = False  # cached: shared by every call
    return out


def _collect(M, zc, support, tol, found):
    """Keep the feasible points ``z`` (``z[support] = zc``) of ``{z >= 0 : M z <= 1}``."""
    z = np.zeros((len(zc), M.shape[1]))
    np.put_along_axis(z, support, zc, axis=1)
    mz = z @ M.T
    keep = np.all(mz <= 1.0 + tol, axis=1)
    z, mz = z[keep], mz[keep]
    zero = z <= tol
    z[zero] = 0.0
    found.append((z, mz >= 1.0 - tol, zero))


def _dedupe(found, p, q):
    """Concatenate, and keep one copy of each vertex (identified by its labels)."""
    if not found:
        return np.zeros((0, q)), np.zeros((0, p), bool), np.zeros((0, q), bool)
    z, tight, zero = (np.concatenate(parts) for parts in zip(*found))
    # A vertex is determined by its tight constraints: degenerate vertices
    # (reached from several bases) have one label set.
    _, first = np.unique(np.concatenate([tight, zero], axis=1), axis=0, return_index=True)
    first.sort()
    return z[first], tight[first], zero[first]


def best_response_vertices(An: np.ndarray, Bn: np.ndarray, tol: float):
    """Vertices (other than 0) of both best-response polytopes.

    ``Q = {y >= 0 : A y <= 1}`` and ``P = {x >= 0 : B^T x <= 1}`` (payoffs
    rescaled into [1, 2]). A vertex of either is the solution of a ``k x k``
    system on a row subset ``I`` and a column subset ``J``: ``A[I, J] y_J = 1``
    or ``B[I, J]^T x_I = 1``, the other coordinates zero; both systems of
    every size-``k`` basis are solved in one stacked call.

    Parameters
    ----------
    An, Bn : numpy.ndarray
        Rescaled payoffs, shape ``(m, n)``, entries in ``[1, 2]``.
    tol : float
        Slack tolerance: a coordinate ``>= -tol`` and a constraint
        ``<= 1 + tol`` are feasible, a coordinate ``<= tol`` is a zero and
        a constraint ``>= 1 - tol`` is tight.

    Returns
    -------
    P, Q : tuple
        Each ``(z, tight, zero)``: vertex coordinates (entries read as zero
        set to exactly 0), tight inequality constraints, zero coordinates.
    """
    m, n = An.shape
    BnT = Bn.T
    found_p, found_q = [], []
    for k in range(1, min(m, n) + 1):
        rows, cols = _bases(m, n, k)
        nb = len(rows)
        stack = np.concatenate(
            [An[rows[:, :, None], cols[:, None, :]], BnT[cols[:, :, None], rows[:, None, :]]]
        )
        det = np.linalg.det(stack)
        norms = np.prod(np.sqrt(np.sum(stack * stack, axis=2)), axis=1)
        ok = np.abs(det) > _SINGULAR_RATIO * norms
        if not ok.any():
            continue
        sol = np.full((2 * nb, k), -1.0)
        sol[ok] = np.linalg.solve(stack[ok], np.ones((int(ok.sum()), k, 1)))[:, :, 0]
        feasible = np.all(sol >= -tol, axis=1)
        fq, fp = feasible[:nb], feasible[nb:]
        if fq.any():
            _collect(An, sol[:nb][fq], cols[fq], tol, found_q)
        if fp.any():
            _collect(BnT, sol[nb:][fp], rows[fp], tol, found_p)
    return _dedupe(found_p, n, m), _dedupe(found_q, m, n)


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
    >>> [x.round(6).tolist() for x, _ in mixed_equilibria(classic.battle_of_the_sexes())]
    [[1.0, 0.0], [0.6, 0.4], [0.0, 1.0]]
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
    An, Bn = rescale(A), rescale(B)
    (xs, x_tight, x_zero), (ys, y_tight, y_zero) = best_response_vertices(An, Bn, tol)
    # x in P: labels i (x_i = 0) then m + j (column j a best reply).
    x_labels = np.concatenate([x_zero, x_tight], axis=1)
    # y in Q: labels i (row i a best reply) then m + j (y_j = 0).
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
