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


def _softmax(values: np.ndarray, lam) -> np.ndarray:
    lam = np.reshape(np.asarray(lam, dtype=float), (-1,) + (1,) * (values.ndim - 1))
    z = lam * (values - values.max(axis=-1, keepdims=True))
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _argmax_onehot(values: np.ndarray) -> np.ndarray:
    out = np.zeros_like(values)
    np.put_along_axis(out, values.argmax(axis=-1)[..., None], 1.0, axis=-1)
    return out


def _backward(payoffs, choose) -> list[np.ndarray]:
    values = [np.asarray(p, dtype=float) for p in payoffs]  # continuation values at the current depth
    n = len(values)
    strategies: list[np.ndarray] = [None] * n
    for i in range(n - 1, -1, -1):  # the last mover first
        sigma = choose(values[i])  # (R, a_1, ..., a_i): player i's choice at each history
        strategies[i] = sigma
        values = [(v * sigma).sum(axis=-1) for v in values]  # everyone's value one move earlier
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
