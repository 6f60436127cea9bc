"""Expected payoffs, best replies and pure-equilibrium masks, batched over games.

Batched functions take ``payoffs`` as ``n`` arrays of shape ``(R, a_1, ..., a_n)``
(``R`` same-shaped games) and strategies as ``n`` arrays of shape ``(R, a_i)``.

Reproducibility: the result for replicate ``r`` is bitwise identical whatever
the batch it is computed in. Internally the batch axis is moved last and every
contraction over a player's actions is an explicit, fixed-order sum of
elementwise products (no BLAS, no ``einsum``, no ``np.sum`` whose summation
order could depend on memory layout or on ``R``).
"""

from __future__ import annotations

import numpy as np

from .normal_form import validate_batch_payoffs

__all__ = [
    "expected_payoffs_batch",
    "best_responses_batch",
    "pure_equilibrium_mask",
]

#: Default tolerance of :func:`best_responses_batch`, relative to the payoff range.
BEST_RESPONSE_TOL = 1e-9


def batch_last(payoffs) -> list[np.ndarray]:
    """Validated payoffs with the replicate axis moved last, C-contiguous.

    Parameters
    ----------
    payoffs : sequence of array_like
        ``n`` arrays of shape ``(R, a_1, ..., a_n)``.

    Returns
    -------
    list of numpy.ndarray
        ``n`` arrays of shape ``(a_1, ..., a_n, R)``.
    """
    arrays = validate_batch_payoffs(payoffs)
    return [np.ascontiguousarray(np.moveaxis(a, 0, -1)) for a in arrays]


def contract(tensor: np.ndarray, axis: int, strategy: np.ndarray) -> np.ndarray:
    """Sum ``tensor`` over ``axis`` weighted by a batch of mixed strategies.

    Parameters
    ----------
    tensor : numpy.ndarray
        Shape ``(..., R)`` with the batch axis last.
    axis : int
        Non-negative index of the axis to contract (not the batch axis).
    strategy : numpy.ndarray
        Shape ``(tensor.shape[axis], R)``.

    Returns
    -------
    numpy.ndarray
        ``tensor`` with ``axis`` removed.
    """
    head = (slice(None),) * axis
    # Left-to-right accumulation: the same rounding for every replicate and R.
    acc = tensor[head + (0,)] * strategy[0]
    for c in range(1, strategy.shape[0]):
        acc = acc + tensor[head + (c,)] * strategy[c]
    return acc


def _contract_players(tensor, players, drop, strategies):
    """Contract the axes of the players in ``drop`` (highest axis first)."""
    players = list(players)
    for k in sorted(drop, key=players.index, reverse=True):
        ax = players.index(k)
        tensor = contract(tensor, ax, strategies[k])
        players.pop(ax)
    return tensor, players


def _leave_one_out(tensor, players, others, strategies, out):
    """For each ``j`` in ``others``, contract every player of ``others`` but ``j``.

    Divide and conquer, so ``k`` players cost ``O(k log k)`` contractions
    instead of ``O(k^2)``; ``out[j]`` gets ``(tensor, players)``.
    """
    if len(others) == 1:
        out[others[0]] = (tensor, players)
        return
    half = len(others) // 2
    left, right = others[:half], others[half:]
    t_left, p_left = _contract_players(tensor, players, right, strategies)
    _leave_one_out(t_left, p_left, left, strategies, out)
    t_right, p_right = _contract_players(tensor, players, left, strategies)
    _leave_one_out(t_right, p_right, right, strategies, out)


def pair_payoffs(tensors, strategies):
    """Expected payoffs and pairwise payoff matrices, batch-last.

    Parameters
    ----------
    tensors : list of numpy.ndarray
        ``n`` payoff arrays of shape ``(a_1, ..., a_n, R)``.
    strategies : list of numpy.ndarray
        ``n`` arrays of shape ``(a_i, R)``.

    Returns
    -------
    u : list of numpy.ndarray
        ``u[i]`` of shape ``(a_i, R)``: player ``i``'s expected payoff of each
        own action against the others' strategies.
    pairs : list of dict
        ``pairs[i][j]`` of shape ``(a_i, a_j, R)`` for ``j != i``: player
        ``i``'s expected payoff when ``i`` plays ``a`` and ``j`` plays ``b``,
        the remaining players mixing (the derivative of ``u[i]`` with respect
        to ``strategies[j]``).
    """
    n = len(tensors)
    u, pairs = [], []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        found = {}
        _leave_one_out(tensors[i], list(range(n)), others, strategies, found)
        mats = {}
        for j, (t, players) in found.items():
            mats[j] = t if players == [i, j] else np.swapaxes(t, 0, 1)
        j0 = others[0]
        # u_i(a) = sum_b U_ij(a, b) p_j(b)
        u.append(contract(mats[j0], 1, strategies[j0]))
        pairs.append(mats)
    return u, pairs


def expected_payoffs_last(tensors, strategies):
    """Expected payoffs only (no pairwise matrices), batch-last."""
    n = len(tensors)
    out = []
    for i in range(n):
        t, _ = _contract_players(
            tensors[i], range(n), [j for j in range(n) if j != i], strategies
        )
        out.append(t)
    return out


def _check_strategies(strategies, shape):
    n = len(shape) - 1
    if len(strategies) != n:
        raise ValueError(f"expected {n} strategy arrays (one per player), got {len(strategies)}")
    out = []
    for i, s in enumerate(strategies):
        s = np.asarray(s, dtype=float)
        if s.shape != (shape[0], shape[i + 1]):
            raise ValueError(
                f"strategies of player {i} have shape {s.shape}; expected "
                f"(R, a_{i + 1}) = {(shape[0], shape[i + 1])}"
            )
        if not np.isfinite(s).all():
            raise ValueError(f"strategies of player {i} contain NaN or inf")
        out.append(np.ascontiguousarray(s.T))
    return out


def expected_payoffs_batch(payoffs, strategies) -> list[np.ndarray]:
    """Each player's expected payoff of each own pure action, for R games at once.

    Parameters
    ----------
    payoffs : sequence of array_like
        ``n`` arrays of shape ``(R, a_1, ..., a_n)``.
    strategies : sequence of array_like
        ``n`` arrays of shape ``(R, a_i)``: each player's mixed strategy.

    Returns
    -------
    list of numpy.ndarray
        ``n`` arrays of shape ``(R, a_i)``: entry ``[r, a]`` is player ``i``'s
        expected payoff in game ``r`` from playing ``a`` against the other
        players' strategies (player ``i``'s own strategy is not used).
    """
    tensors = batch_last(payoffs)
    strat = _check_strategies(strategies, (tensors[0].shape[-1],) + tensors[0].shape[:-1])
    return [np.ascontiguousarray(u.T) for u in expected_payoffs_last(tensors, strat)]


def best_responses_batch(payoffs, strategies, *, tol: float = BEST_RESPONSE_TOL) -> list[np.ndarray]:
    """Mark each player's best replies to the others' mixed strategies.

    Parameters
    ----------
    payoffs : sequence of array_like
        ``n`` arrays of shape ``(R, a_1, ..., a_n)``.
    strategies : sequence of array_like
        ``n`` arrays of shape ``(R, a_i)``.
    tol : float, optional
        Action ``a`` is a best reply of player ``i`` in game ``r`` when
        ``u(a) >= max_b u(b) - tol * range``, where ``range`` is the spread
        (max minus min) of player ``i``'s payoffs in game ``r``. Default 1e-9.

    Returns
    -------
    list of numpy.ndarray
        ``n`` boolean arrays of shape ``(R, a_i)``; every row has at least one
        ``True``.
    """
    if not tol >= 0:
        raise ValueError(f"tol must be >= 0, got {tol}")
    arrays = validate_batch_payoffs(payoffs)
    u = expected_payoffs_batch(arrays, strategies)
    out = []
    for p, ui in zip(arrays, u):
        flat = p.reshape(p.shape[0], -1)
        spread = flat.max(axis=1) - flat.min(axis=1)
        best = ui.max(axis=1)
        out.append(ui >= (best - tol * spread)[:, None])
    return out


def pure_equilibrium_mask(payoffs, *, tol: float = 0.0) -> np.ndarray:
    """Mark the pure Nash equilibria of R games at once.

    Parameters
    ----------
    payoffs : sequence of array_like
        ``n`` arrays of shape ``(R, a_1, ..., a_n)``.
    tol : float, optional
        A profile is an equilibrium when no player gains more than
        ``tol * range`` (range of that player's payoffs in that game) by a
        unilateral deviation. The default 0 compares payoffs exactly, which is
        right for payoffs given as numbers (no arithmetic is done on them).

    Returns
    -------
    numpy.ndarray
        Boolean array of shape ``(R, a_1, ..., a_n)``.
    """
    if not tol >= 0:
        raise ValueError(f"tol must be >= 0, got {tol}")
    arrays = validate_batch_payoffs(payoffs)
    mask = np.ones(arrays[0].shape, dtype=bool)
    for i, p in enumerate(arrays):
        best = p.max(axis=i + 1, keepdims=True)
        if tol:
            flat = p.reshape(p.shape[0], -1)
            spread = (flat.max(axis=1) - flat.min(axis=1)).reshape((-1,) + (1,) * (p.ndim - 1))
            best = best - tol * spread
        mask &= p >= best
    return mask
