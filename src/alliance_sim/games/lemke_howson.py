"""One Nash equilibrium of a bimatrix game by the Lemke–Howson algorithm.

Complementary pivoting on the tableaux of the best-response polytopes (see
:mod:`alliance_sim.games.vertex` for their definition and labels), with the
lexicographic minimum-ratio test, which keeps the path well defined (no
cycling) in degenerate games.
"""

from __future__ import annotations

import numpy as np

from .normal_form import as_game
from .vertex import regrets, rescale

__all__ = ["lemke_howson"]

# Pivot elements at most this (tableau entries are O(1) after rescaling) are
# treated as zero in the ratio test.
_PIVOT_TOL = 1e-12
# Relative tolerance for ties in the lexicographic ratio test.
_TIE_TOL = 1e-12
_MAX_PIVOTS = 100_000


def _tableau(M: np.ndarray, slack_first: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tableau of ``M v + s = 1`` with columns ordered by label.

    Returns the tableau (rows x (labels + 1), last column the right-hand
    side), the labels of the initial basis (the slacks) and those columns.
    """
    rows, cols = M.shape
    total = rows + cols
    T = np.zeros((rows, total + 1))
    if slack_first:  # Q: slacks r_i carry labels 0..m-1, y carries m..m+n-1
        T[:, :rows] = np.eye(rows)
        T[:, rows:total] = M
        basis = np.arange(rows)
    else:  # P: x carries labels 0..m-1, slacks s_j carry m..m+n-1
        T[:, :cols] = M
        T[:, cols:total] = np.eye(rows)
        basis = np.arange(cols, total)
    T[:, -1] = 1.0
    return T, basis, basis.copy()


def _lex_min_ratio(T: np.ndarray, entering: int, init_cols: np.ndarray) -> int:
    """Row of the lexicographic minimum ratio for the entering column."""
    col = T[:, entering]
    cand = np.flatnonzero(col > _PIVOT_TOL)
    if cand.size == 0:
        raise RuntimeError("Lemke–Howson: unbounded ray (the game data are not usable)")
    # (rhs, B^-1) rows divided by the pivot column; B^-1 sits in the columns
    # of the initial (slack) basis. Distinct rows guarantee a unique minimum.
    lex = np.column_stack([T[cand, -1], T[np.ix_(cand, init_cols)]]) / col[cand, None]
    for c in range(lex.shape[1]):
        if cand.size == 1:
            break
        v = lex[:, c]
        best = v.min()
        keep = v <= best + _TIE_TOL * max(1.0, abs(best))
        cand, lex = cand[keep], lex[keep]
    return int(cand[0])


def _pivot(T: np.ndarray, row: int, entering: int) -> None:
    T[row] /= T[row, entering]
    factors = T[:, entering].copy()
    factors[row] = 0.0
    T -= np.outer(factors, T[row])
    T[:, entering] = 0.0
    T[row, entering] = 1.0


def lemke_howson(game, initial_dropped_label: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One Nash equilibrium of a two-player game by complementary pivoting.

    Parameters
    ----------
    game : NormalFormGame or sequence of two array_like
        A two-player game with payoffs ``(A, B)`` of shape ``(m, n)``.
    initial_dropped_label : int, optional
        The label dropped first, in ``0 .. m + n - 1``: labels ``0 .. m-1``
        are the row player's actions, ``m .. m+n-1`` the column player's.
        Different labels can lead to different equilibria. Default 0.

    Returns
    -------
    tuple of numpy.ndarray
        ``(x, y)``: mixed strategies of the row and column player.

    Raises
    ------
    ValueError
        If the game does not have two players or the label is out of range.

    Notes
    -----
    Each player's payoffs are rescaled into ``[1, 2]`` first. The
    lexicographic ratio test makes the method terminate on degenerate games
    too. On a nondegenerate game the result is one of
    :func:`~alliance_sim.games.mixed_equilibria`'s (up to rounding, about
    1e-12). The result is checked to be an equilibrium to within 1e-7 of
    each player's payoff range.
    """
    g = as_game(game)
    if g.n_players != 2:
        raise ValueError(
            f"lemke_howson solves two-player games; this game has {g.n_players} players"
        )
    A, B = g.payoffs
    m, n = A.shape
    k = int(initial_dropped_label)
    if k != initial_dropped_label or not 0 <= k < m + n:
        raise ValueError(
            f"initial_dropped_label must be an integer in 0..{m + n - 1} for a {m}x{n} game, "
            f"got {initial_dropped_label!r}"
        )
    An, Bn = rescale(A), rescale(B)
    tab_p, basis_p, init_p = _tableau(Bn.T, slack_first=False)  # rows: columns j
    tab_q, basis_q, init_q = _tableau(An, slack_first=True)  # rows: rows i
    tableaux = [(tab_p, basis_p, init_p), (tab_q, basis_q, init_q)]
    # Label k is nonbasic in P if it is a row action, else in Q.
    side = 0 if k < m else 1
    entering = k
    for _ in range(_MAX_PIVOTS):
        T, basis, init_cols = tableaux[side]
        row = _lex_min_ratio(T, entering, init_cols)
        leaving = int(basis[row])
        _pivot(T, row, entering)
        basis[row] = entering
        if leaving == k:
            break
        # The leaving label is now present in both polytopes: pick it up in
        # the other one.
        side, entering = 1 - side, leaving
    else:
        raise RuntimeError(f"Lemke–Howson did not terminate in {_MAX_PIVOTS} pivots")
    x = np.zeros(m)
    y = np.zeros(n)
    for r, lab in enumerate(basis_p):
        if lab < m:
            x[lab] = tab_p[r, -1]
    for r, lab in enumerate(basis_q):
        if lab >= m:
            y[lab - m] = tab_q[r, -1]
    x = np.clip(x, 0.0, None)
    y = np.clip(y, 0.0, None)
    x /= x.sum()
    y /= y.sum()
    ra, rb = regrets(An, Bn, x, y)
    if ra > 1e-7 or rb > 1e-7:
        raise RuntimeError(
            f"Lemke–Howson ended at a profile with regrets {ra:.3g}, {rb:.3g} "
            "(numerically ill-conditioned game)"
        )
    return x, y
