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


def _drop(tensor, players, drop, strategies):
    """Contract the axes of the players in ``drop`` (highest axis first)."""
    players = list(players)
    for k in sorted(drop, key=players.index, reverse=True):
        ax = players.index(k)
        tensor = contract(tensor, ax, strategies[k])
        players.pop(ax)
    return tensor, players


def expected_payoffs_last(tensors, strategies):
    """Expected payoffs only (no pairwise matrices), batch-last."""
    n = len(tensors)
    out = []
    for i in range(n):
        t, _ = _drop(tensors[i], range(n), [j for j in range(n) if j != i], strategies)
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


class OwnerStack:
    """All players' payoff tensors in one array, each with its owner's axis first.

    ``stack[i]`` is player ``i``'s payoff tensor with axes ``(i, others in
    increasing order)``, each axis zero-padded to the largest action count
    ``amax``; shape ``(n, amax, ..., amax, R)``. A padded action has payoff 0
    and is given probability 0, so it adds exact zeros. Contracting one
    *position* (say "the first other player") then serves every owner in a
    single array operation, which keeps the number of numpy calls per
    evaluation small (they dominate for small batches).

    With ``gains=True`` the owner's axis holds the *gains* of its actions
    ``1, 2, ...`` over its action 0, ``U_i(a, .) - U_i(0, .)`` (``amax - 1``
    rows): all the logit equations need, for about half the work of
    contracting the payoffs themselves.

    Parameters
    ----------
    tensors : list of numpy.ndarray
        ``n`` arrays of shape ``(a_1, ..., a_n, R)`` (batch axis last).
    gains : bool
        Stack gains over action 0 instead of payoffs.
    """

    def __init__(self, tensors, *, gains: bool = False):
        n = len(tensors)
        self.sizes = [int(k) for k in tensors[0].shape[:-1]]
        self.amax = max(self.sizes)
        self.gains = bool(gains)
        rows = self.amax - 1 if gains else self.amax
        stack = np.zeros((n, rows) + (self.amax,) * (n - 1) + (tensors[0].shape[-1],))
        for i, t in enumerate(tensors):
            moved = np.moveaxis(t, i, 0)
            if gains:
                moved = moved[1:] - moved[:1]
            stack[(i,) + tuple(slice(0, k) for k in moved.shape[:-1])] = moved
        self._set(stack)

    def _set(self, stack):
        self.stack = stack
        n = stack.shape[0]
        # others[i, k]: the player at position k + 1 of owner i's tensor.
        self.others = np.array([[j for j in range(n) if j != i] for i in range(n)], dtype=np.intp)

    def take(self, keep):
        """The same games for the replicates selected by ``keep``."""
        new = OwnerStack.__new__(OwnerStack)
        new.sizes, new.amax, new.gains = self.sizes, self.amax, self.gains
        new._set(self.stack[..., keep])
        return new

    def pairs(self, padded):
        """Expected payoffs and pairwise payoff matrices of every owner.

        Parameters
        ----------
        padded : numpy.ndarray
            ``(n, amax, R)``: player ``i``'s strategy in row ``i``, zero on
            padded actions.

        Returns
        -------
        u : numpy.ndarray
            ``(n, amax, R)``: ``u[i, a]`` is player ``i``'s expected payoff of
            action ``a``.
        W : numpy.ndarray
            ``(n, n - 1, amax, amax, R)``: ``W[i, k, a, b]`` is player ``i``'s
            expected payoff when ``i`` plays ``a`` and its ``k``-th other
            player ``others[i, k]`` plays ``b``, the rest mixing.
        """
        n = self.stack.shape[0]
        # by_pos[k][i] = strategy of owner i's k-th other player, shaped to
        # broadcast against (n, ..., R) slices.
        by_pos = [padded[self.others[:, k]] for k in range(n - 1)]
        found = {}
        _owner_leave_one_out(self.stack, list(range(n - 1)), list(range(n - 1)), by_pos, found)
        W = np.stack([found[k] for k in range(n - 1)], axis=1)
        u = _owner_contract(found[0], 2, by_pos[0])
        return u, W


def _owner_contract(stack, axis, strat):
    """Contract ``axis`` (>= 2) of an owner-stacked tensor with per-owner strategies.

    ``strat`` has shape ``(n, amax, R)``: row ``i`` weights owner ``i``'s slice.
    Left-to-right accumulation, as :func:`contract`.
    """
    shape = (strat.shape[0],) + (1,) * (stack.ndim - 3) + (strat.shape[-1],)
    head = (slice(None),) * axis
    acc = stack[head + (0,)] * strat[:, 0].reshape(shape)
    for c in range(1, strat.shape[1]):
        acc = acc + stack[head + (c,)] * strat[:, c].reshape(shape)
    return acc


def _owner_drop(stack, positions, drop, by_pos):
    positions = list(positions)
    for k in sorted(drop, key=positions.index, reverse=True):
        ax = positions.index(k)
        stack = _owner_contract(stack, 2 + ax, by_pos[k])
        positions.pop(ax)
    return stack, positions


def _owner_leave_one_out(stack, positions, others, by_pos, out):
    """For each position ``k`` in ``others``: contract every other position.

    Divide and conquer, so ``m`` positions cost ``O(m log m)`` contractions
    instead of ``O(m^2)``; ``out[k]`` has the owner axis, the owner's own
    action axis and position ``k``'s axis.
    """
    if len(others) == 1:
        out[others[0]] = stack
        return
    half = len(others) // 2
    left, right = others[:half], others[half:]
    s_left, p_left = _owner_drop(stack, positions, right, by_pos)
    _owner_leave_one_out(s_left, p_left, left, by_pos, out)
    s_right, p_right = _owner_drop(stack, positions, left, by_pos)
    _owner_leave_one_out(s_right, p_right, right, by_pos, out)
