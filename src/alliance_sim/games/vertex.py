"""All extreme Nash equilibria of bimatrix games by vertex enumeration.

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

The vertices of each polytope are enumerated by a breadth-first search over
its feasible simplex bases, starting at the origin: from every basis, every
nonbasic variable is pivoted in, and when the minimum-ratio test ties (a
degenerate vertex) *every* tied row is pivoted out, so the search visits all
feasible bases, including all bases of a degenerate vertex (the graph of
feasible bases of a polytope is connected). A basis' labels are its nonbasic
variables, which are exactly zero by construction, plus any basic variable
within ``tol`` of zero (the extra labels of a degenerate vertex); vertices
are identified by their label sets. Each level of the search is a few array
operations over all open bases of all games, so many games are solved at
once (:func:`mixed_equilibria_batch`) and the work grows with the number of
vertices rather than with the ``C(m + n, n)`` bases that enumerating all
square subsystems would solve.

Why not support enumeration as in nashpy: nashpy (0.0.43) tests the
best-reply condition with exact float equality, which rounding breaks on
ordinary random 4x4 and 6x6 games, so equilibria are silently dropped
(``benchmarks/games.py`` counts them); and enumerating supports is only
complete for nondegenerate games.

An earlier version solved every square subsystem and skipped those whose
Hadamard ratio ``|det| / prod(row norms)`` was below 1e-12 as "singular".
Payoffs rescaled into ``[1, 2]`` have nearly parallel rows, so that ratio
falls geometrically with the basis size even for well-conditioned bases: on
von Stengel's 6x6 game with 75 equilibria (condition numbers about 2e7) it
dropped the two equilibria with supports of size 5 and 6. It also re-read
the labels that hold by construction (the basis equations) from computed
slacks, with an absolute tolerance. Here no basis is judged singular after
the fact (every basis is reached by a pivot on an element bounded away from
zero) and a basis' own labels are never re-read.
"""

from __future__ import annotations

import numpy as np

from .normal_form import as_game, validate_batch_payoffs

__all__ = ["mixed_equilibria", "mixed_equilibria_batch", "MIXED_TOL"]

#: Default slack tolerance of :func:`mixed_equilibria` (payoffs rescaled to [1, 2]).
MIXED_TOL = 1e-9

# Entries of a pivot column at most this are treated as zero in the ratio
# test (rounding leaves ~1e-16 where exact arithmetic has 0; pivoting on such
# an entry would produce a meaningless basis).
_PIVOT_TOL = 1e-11


def rescale(payoff: np.ndarray) -> np.ndarray:
    """Affinely map a payoff matrix into [1, 2] (all ones if it is constant)."""
    lo, hi = float(payoff.min()), float(payoff.max())
    if hi == lo:
        return np.ones_like(payoff)
    return 1.0 + (payoff - lo) / (hi - lo)


def _rescale_batch(payoffs: np.ndarray) -> np.ndarray:
    """:func:`rescale` applied to each game of a stack ``(R, m, n)`` (same operations)."""
    lo = payoffs.min(axis=(1, 2), keepdims=True)
    hi = payoffs.max(axis=(1, 2), keepdims=True)
    span = hi - lo
    const = span == 0
    out = 1.0 + (payoffs - lo) / np.where(const, 1.0, span)
    return np.where(const, 1.0, out)


def regrets(A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """How much each player could gain by deviating from ``(x, y)``."""
    ay = A @ y
    bx = x @ B
    return float(ay.max() - x @ ay), float(bx.max() - bx @ y)


def _set_keys(masks: np.ndarray, game: np.ndarray) -> np.ndarray:
    """One integer key per (game, set of variables) (``masks``: bool, (K, V))."""
    K, V = masks.shape
    if V + int(game.max(initial=0)).bit_length() <= 62:
        weights = np.left_shift(np.int64(1), np.arange(V, dtype=np.int64))
        return game.astype(np.int64) << V | (masks.astype(np.int64) @ weights)
    # Too many variables for int64 keys: Python integers (slow, but exact).
    weights = np.array([1 << v for v in range(V)], dtype=object)
    return np.array([int(g) << V for g in game], dtype=object) + masks.astype(object) @ weights


def _pivot(T: np.ndarray, r: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Pivot each tableau ``T[k]`` on row ``r[k]``, column ``e[k]``."""
    k = np.arange(len(T))
    row = T[k, r] / T[k, r, e][:, None]
    out = T - T[k, :, e][:, :, None] * row[:, None, :]
    out[k, r] = row
    return out


def polytope_vertices(M: np.ndarray, tol: float):
    """Vertices of ``{z >= 0 : M z <= 1}`` for a stack of positive matrices.

    Breadth-first search over feasible bases from the origin (see the module
    docstring). Tableau row ``i`` is ``M_i z + s_i = 1``; the variables are
    ``z`` (``q`` of them) then the slacks ``s`` (``p``).

    Parameters
    ----------
    M : numpy.ndarray
        Shape ``(G, p, q)``, entries in ``[1, 2]``.
    tol : float
        A basic variable ``<= tol`` counts as zero (an extra label), and
        minimum ratios within ``tol`` of each other tie.

    Returns
    -------
    game : numpy.ndarray
        ``(K,)`` game of each vertex, ascending; within a game, vertices are
        in the order the search first meets them.
    values : numpy.ndarray
        ``(K, q + p)`` values of ``(z, s)``, those counted as zero set to 0.
    zero : numpy.ndarray
        ``(K, q + p)`` bool: which variables are zero (the vertex's labels).
    """
    G, p, q = M.shape
    V = p + q
    T = np.concatenate([M, np.broadcast_to(np.eye(p), (G, p, p)), np.ones((G, p, 1))], axis=2)
    basis = np.broadcast_to(np.arange(q, V), (G, p)).copy()
    game = np.arange(G)
    nonbasic = np.zeros((G, V), dtype=bool)
    nonbasic[:, :q] = True
    key = _set_keys(nonbasic, game)
    visited = np.sort(key)
    seen_rhs, seen_basis, seen_game = [T[:, :, V]], [basis], [game]
    while len(T):
        # Ratio test for every (basis, entering nonbasic variable) at once.
        enter = np.nonzero(nonbasic)[1].reshape(len(T), q)
        col = np.take_along_axis(T, enter[:, None, :], axis=2)
        rhs = np.maximum(T[:, :, V], 0.0)[:, :, None]
        usable = col > _PIVOT_TOL
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(usable, rhs / col, np.inf)
        best = ratio.min(axis=1, keepdims=True)
        f, r, c = np.nonzero(usable & (ratio <= best + tol))
        if not len(f):
            break
        e = enter[f, c]
        # The basis after the pivot, as its nonbasic set: leaving in, entering out.
        leaving = basis[f, r]
        child_key = key[f] + _bit(leaving, key) - _bit(e, key)
        uniq, first = np.unique(child_key, return_index=True)
        fresh = ~_member(uniq, visited)
        if not fresh.any():
            break
        visited = np.sort(np.concatenate([visited, uniq[fresh]]))
        sel = np.sort(first[fresh])  # parent order: per game, as if alone
        f, r, e, leaving = f[sel], r[sel], e[sel], leaving[sel]
        T = _pivot(T[f], r, e)
        basis = basis[f]
        basis[np.arange(len(f)), r] = e
        nonbasic = nonbasic[f]
        nonbasic[np.arange(len(f)), e] = False
        nonbasic[np.arange(len(f)), leaving] = True
        key = child_key[sel]
        game = game[f]
        seen_rhs.append(T[:, :, V])
        seen_basis.append(basis)
        seen_game.append(game)
    basis = np.concatenate(seen_basis)
    game = np.concatenate(seen_game)
    values = np.zeros((len(basis), V))
    np.put_along_axis(values, basis, np.concatenate(seen_rhs), axis=1)
    zero = values <= tol
    values[zero] = 0.0
    # One copy of each vertex: a vertex is its label set (a degenerate vertex
    # has several bases). Sorted by game, first-met order within a game.
    _, first = np.unique(_set_keys(zero, game), return_index=True)
    first = first[np.lexsort((first, game[first]))]
    origin = zero[first, :q].all(axis=1)
    first = first[~origin]
    return game[first], values[first], zero[first]


def _member(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Which ``keys`` occur in the sorted array ``sorted_keys``."""
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    i = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[i] == keys


def _bit(v: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``1 << v`` elementwise, in the dtype of the keys ``like``."""
    if like.dtype == object:
        return np.array([1 << int(i) for i in v], dtype=object)
    return np.left_shift(np.int64(1), v.astype(np.int64))


def _close_pairs(Z: np.ndarray, dist: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``a < b`` of rows of ``Z`` within ``dist`` of each other in every entry.

    Rows are projected on positive weights summing to 1 (a projection moves
    no closer pair apart by more than ``dist``) and sorted, so only pairs
    within ``dist`` in projection are compared: few, unlike all pairs.
    """
    w = np.linspace(1.0, 2.0, Z.shape[1]) ** 0.5
    proj = np.sum(Z * (w / w.sum()), axis=1)
    order = np.argsort(proj, kind="stable")
    ps = proj[order]
    end = np.searchsorted(ps, ps + (dist + 1e-12), side="right")
    count = end - np.arange(len(ps)) - 1
    i = np.repeat(np.arange(len(ps)), count)
    j = i + 1 + np.arange(len(i)) - np.repeat(np.cumsum(count) - count, count)
    a, b = order[i], order[j]
    close = np.abs(Z[a] - Z[b]).max(axis=1, initial=0.0) <= dist
    a, b = a[close], b[close]
    return np.minimum(a, b), np.maximum(a, b)


def _dedupe_sorted(Z: np.ndarray, dist: float) -> np.ndarray:
    """Rows of ``Z`` in decreasing lexicographic order, near-duplicates dropped.

    Vertices are already distinct by their labels; this only guards against
    two label sets of one point (ties resolved differently within ``tol``).
    """
    Z = Z[np.lexsort((-Z)[:, ::-1].T)]
    first, second = _close_pairs(Z, dist)
    if not len(first):
        return Z
    keep = np.ones(len(Z), dtype=bool)
    for a, b in sorted(zip(first.tolist(), second.tolist())):
        if keep[a]:
            keep[b] = False
    return Z[keep]


def _pair(An, Bn, xg, yg, tol):
    """Completely labelled vertex pairs of one game, as verified equilibria."""
    (xs, x_zero), (ys, y_zero) = xg, yg
    m, n = An.shape
    if not len(xs) or not len(ys):
        return []
    # x in P: variables (x, s) -> labels i (x_i = 0) then m + j (column j best).
    x_labels = x_zero
    # y in Q: variables (y, r) -> labels i (r_i = 0: row i best) then m + j (y_j = 0).
    y_labels = np.concatenate([y_zero[:, n:], y_zero[:, :n]], axis=1)
    # Complete iff every label is on one side (bit masks, no BLAS: its
    # threads only add latency at these sizes).
    if m + n <= 62:
        weights = np.left_shift(np.int64(1), np.arange(m + n, dtype=np.int64))
        lx, ly = x_labels.astype(np.int64) @ weights, y_labels.astype(np.int64) @ weights
        vi, wi = np.nonzero((lx[:, None] | ly[None, :]) == (1 << (m + n)) - 1)
    else:
        full = np.packbits(np.ones(m + n, dtype=bool))
        px, py = np.packbits(x_labels, axis=1), np.packbits(y_labels, axis=1)
        vi, wi = np.nonzero(np.all((px[:, None, :] | py[None, :, :]) == full, axis=2))
    if not len(vi):
        return []
    x = xs[vi, :m]
    y = ys[wi, :n]
    x = x / x.sum(axis=1, keepdims=True)
    y = y / y.sum(axis=1, keepdims=True)
    # Verified on the rescaled payoffs, whose range is 1 (or 0).
    ay = np.sum(An[None, :, :] * y[:, None, :], axis=2)
    bx = np.sum(Bn[None, :, :] * x[:, :, None], axis=1)
    ra = ay.max(axis=1) - np.sum(x * ay, axis=1)
    rb = bx.max(axis=1) - np.sum(y * bx, axis=1)
    ok = (ra <= 8 * tol) & (rb <= 8 * tol)
    Z = _dedupe_sorted(np.concatenate([x[ok], y[ok]], axis=1), max(1e-7, 100 * tol))
    return [(z[:m].copy(), z[m:].copy()) for z in Z]


def _check_tol(tol):
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    return float(tol)


def _chunk(m: int, n: int) -> int:
    """Games searched together: enough to amortise the per-level overhead, few
    enough that one level's arrays stay in cache (measured; every game is
    searched independently, so the chunking changes no result)."""
    return 32 if m + n <= 12 else 8


def _solve_stack(A: np.ndarray, B: np.ndarray, tol: float):
    chunk = _chunk(*A.shape[1:])
    if len(A) > chunk:
        return [eqs for k in range(0, len(A), chunk)
                for eqs in _solve_stack(A[k : k + chunk], B[k : k + chunk], tol)]
    R, m, n = A.shape
    An, Bn = _rescale_batch(A), _rescale_batch(B)
    # P (z = x, slacks = columns) and Q (z = y, slacks = rows); square games
    # search both in one stack (each polytope is searched independently).
    BnT = np.swapaxes(Bn, 1, 2)
    if m == n:
        g, z, zero = polytope_vertices(np.concatenate([BnT, An]), tol)
        split = np.searchsorted(g, R)
        gx, xs, xz = g[:split], z[:split], zero[:split]
        gy, ys, yz = g[split:] - R, z[split:], zero[split:]
    else:
        gx, xs, xz = polytope_vertices(BnT, tol)
        gy, ys, yz = polytope_vertices(An, tol)
    bx = np.searchsorted(gx, np.arange(R + 1))
    by = np.searchsorted(gy, np.arange(R + 1))
    return [
        _pair(An[g], Bn[g], (xs[bx[g] : bx[g + 1]], xz[bx[g] : bx[g + 1]]),
              (ys[by[g] : by[g + 1]], yz[by[g] : by[g + 1]]), tol)
        for g in range(R)
    ]


def mixed_equilibria_batch(payoffs, tol: float = MIXED_TOL) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """All extreme Nash equilibria of ``R`` same-shaped two-player games at once.

    Parameters
    ----------
    payoffs : sequence of two array_like
        ``(A, B)``, each of shape ``(R, m, n)``: the row and column player's
        payoffs in each game (e.g. the stage games of a whole ensemble).
    tol : float, optional
        As in :func:`mixed_equilibria`. Default 1e-9.

    Returns
    -------
    list of list of tuple of numpy.ndarray
        For each game, what :func:`mixed_equilibria` returns for it, bit for
        bit (the search treats every game independently; batching only
        shares the array operations).

    Raises
    ------
    ValueError
        If there are not exactly two payoff arrays of the same shape
        ``(R, m, n)`` with ``R >= 1``, or ``tol <= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from alliance_sim.games import classic
    >>> A, B = classic.battle_of_the_sexes().payoffs
    >>> eqs = mixed_equilibria_batch([np.stack([A, B.T]), np.stack([B, A.T])])
    >>> [len(e) for e in eqs]
    [3, 3]
    """
    arrays = validate_batch_payoffs(payoffs)
    if len(arrays) != 2:
        raise ValueError(f"mixed_equilibria_batch solves two-player games; got {len(arrays)} payoff arrays")
    tol = _check_tol(tol)
    return _solve_stack(arrays[0], arrays[1], tol)


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
        action within ``tol`` of the best payoff counts as a best reply) and
        on ties in the minimum-ratio test.

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
    does, and the non-extreme points of a continuum are not. Ties (a slack
    within ``tol`` of zero, minimum ratios within ``tol``) are resolved
    numerically, so two distinct extreme points within about ``tol`` of each
    other can be returned as one; nothing that is not an equilibrium is ever
    returned (the verification above).

    The work grows with the number of vertices of the two polytopes (at most
    a few hundred for random 8x8 games; at most ``C(m + n, n)``).
    :func:`mixed_equilibria_batch` solves many games at once, with identical
    results.

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
    tol = _check_tol(tol)
    A, B = g.payoffs
    return _solve_stack(A[None], B[None], tol)[0]
