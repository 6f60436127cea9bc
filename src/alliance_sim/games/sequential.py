"""Games of perfect information in which players move in turn, each seeing the moves before it.

A game is the usual list of payoff arrays, one per player, each of shape
``(R, a_1, ..., a_n)``, with the players in the order they move. The
solvers work backwards (Kuhn's backward induction): the last mover's choice
at every history, then the one before, given what follows.

- ``logit_backward_induction``: the agent logit quantal response equilibrium
  (McKelvey and Palfrey 1998): at each decision node the mover chooses by a
  logit of its continuation values. It is unique and computed in closed form,
  so there is no equilibrium to select and no path to follow.
- As ``lam`` grows it tends to a subgame-perfect equilibrium;
  ``pure_backward_induction`` gives one directly (ties to the first action).

Each player's strategy is a behaviour strategy: an array ``(R, a_1, ...,
a_i)`` of its choice probabilities at every history of the moves before it.
"""
from __future__ import annotations

import numpy as np


# numpy reduces a short last axis (the actions, 2-7 here) one row at a time, an order of magnitude
# slower than adding its slices. For fewer than 8 terms numpy's sum is the plain left-to-right sum
# (its pairwise summation starts at 8), which is exactly what adding the slices in order does, so
# the results are bitwise the same; a max is exact in any order.
_SHORT = 8
_MIN_ROWS = 32  # fewer replicates: numpy's own reduction (less Python overhead; the same bits)


def _sum_last(x: np.ndarray) -> np.ndarray:
    n = x.shape[-1]
    if n >= _SHORT or n < 2 or x.shape[0] < _MIN_ROWS:
        return x.sum(axis=-1)
    acc = x[..., 0] + x[..., 1]
    for k in range(2, n):
        acc += x[..., k]
    return acc


def _max_last(x: np.ndarray) -> np.ndarray:
    n = x.shape[-1]
    if n >= _SHORT or n < 2 or x.shape[0] < _MIN_ROWS:
        return x.max(axis=-1)
    acc = np.maximum(x[..., 0], x[..., 1])
    for k in range(2, n):
        np.maximum(acc, x[..., k], out=acc)
    return acc


def _expected_last(v: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """``(v * sigma).sum(axis=-1)``, bitwise, without the product array."""
    n = v.shape[-1]
    if n >= _SHORT or n < 2 or v.shape[0] < _MIN_ROWS:
        return (v * sigma).sum(axis=-1)
    acc = v[..., 0] * sigma[..., 0]
    acc += v[..., 1] * sigma[..., 1]
    for k in range(2, n):
        acc += v[..., k] * sigma[..., k]
    return acc


def _replicates_innermost(x: np.ndarray) -> np.ndarray:
    """``x`` (``(R, ...)``) laid out with the replicate axis varying fastest (a view if it already is)."""
    if x.ndim < 2 or x.strides[0] == x.itemsize:
        return x
    return np.moveaxis(np.ascontiguousarray(np.moveaxis(x, 0, -1)), -1, 0)


def _softmax(values: np.ndarray, lam) -> np.ndarray:
    lam = np.reshape(np.asarray(lam, dtype=float), (-1,) + (1,) * (values.ndim - 1))
    z = values - _max_last(values)[..., None]
    z = np.multiply(lam, z, out=z) if z.shape == np.broadcast_shapes(lam.shape, z.shape) else lam * z
    e = np.exp(z, out=z)
    e /= _sum_last(e)[..., None]
    return e


def _argmax_onehot(values: np.ndarray) -> np.ndarray:
    out = np.zeros_like(values)
    np.put_along_axis(out, values.argmax(axis=-1)[..., None], 1.0, axis=-1)
    return out


def _backward(payoffs, choose) -> list[np.ndarray]:
    # Continuation values at the current depth, replicates innermost so that each action's slice is
    # contiguous (a copy only if they are not already laid out so; no value changes).
    values = [_replicates_innermost(np.asarray(p, dtype=float)) for p in payoffs]
    n = len(values)
    strategies: list[np.ndarray] = [None] * n
    for i in range(n - 1, -1, -1):  # the last mover first
        sigma = choose(values[i])  # (R, a_1, ..., a_i): player i's choice at each history
        strategies[i] = sigma
        # The earlier movers' values one move earlier (the later movers' are never used again).
        values = [_expected_last(v, sigma) for v in values[:i]]
    return strategies


def logit_backward_induction(payoffs, lam) -> list[np.ndarray]:
    """Agent logit QRE of a game of perfect information, by backward induction.

    Parameters
    ----------
    payoffs : sequence of numpy.ndarray
        One array per player, in the order they move, each ``(R, a_1, ..., a_n)``.
    lam : float or array of shape (R,)
        Logit precision.

    Returns
    -------
    list of numpy.ndarray
        Player ``i``'s behaviour strategy, ``(R, a_1, ..., a_i)``.
    """
    return _backward(payoffs, lambda v: _softmax(v, lam))


def pure_backward_induction(payoffs) -> list[np.ndarray]:
    """A subgame-perfect equilibrium in pure strategies (each mover's first best action), as one-hot arrays."""
    return _backward(payoffs, _argmax_onehot)


def realised_path(strategies, uniforms) -> list[np.ndarray]:
    """Draw the play: each mover's action given the actions drawn before it.

    ``uniforms[i]`` (``(R,)``) is mover ``i``'s own uniform. Returns each
    mover's action index per game, and (as the second item of each pair) the
    probabilities it drew from.
    """
    R = strategies[0].shape[0]
    rows = np.arange(R)
    taken: list[np.ndarray] = []
    out = []
    for sigma, u in zip(strategies, uniforms):
        probs = sigma[(rows, *taken)] if taken else sigma
        cdf = np.cumsum(probs, axis=1)
        a = np.minimum((cdf < u[:, None] * cdf[:, -1:]).sum(axis=1), probs.shape[1] - 1)
        taken.append(a)
        out.append((a, probs))
    return out
