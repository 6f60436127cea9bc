"""Solution concepts: how an arena's stage game becomes each actor's mixed strategy.

- ``qre`` (default): the logit quantal response equilibrium at the
  ``rationality`` parameter; month 1 is solved on the principal branch, later
  months are warm-started from the previous month's equilibrium (the game
  changes slowly, so beliefs carry over).
- ``nash``: the limiting logit equilibrium, i.e. the QRE at a very high
  precision (``NASH_LAMBDA``): a Nash equilibrium of the stage game, selected
  by the logit tracing path; it works for any number of players.
- ``pure``: a pure Nash equilibrium, drawn uniformly per replicate when there
  are several; replicates whose game has none fall back to ``nash``.

A game whose players move in turn (``Arena.sequential``) is solved by
backward induction (``solve_sequential``): the agent logit QRE for ``qre``
and ``nash`` (at ``NASH_LAMBDA``), a pure subgame-perfect equilibrium for
``pure``. It is unique and needs no warm start.
"""
from __future__ import annotations

import numpy as np

from ..errors import UserError
from ..games import logit_qre_batch, pure_equilibrium_mask
from ..games.sequential import logit_backward_induction, pure_backward_induction

CONCEPTS = ("qre", "nash", "pure")
NASH_LAMBDA = 200.0


def check_concept(concept: str) -> str:
    if concept not in CONCEPTS:
        raise UserError(f"unknown solution concept {concept!r}; allowed: {', '.join(CONCEPTS)}", key="solution")
    return concept


def solve(payoffs: list[np.ndarray], concept: str, lam, start=None, u=None) -> list[np.ndarray]:
    """Each player's ``(R, n_i)`` mixed strategy in the arena's equilibrium.

    ``u`` (``(R,)`` uniforms) picks among several pure equilibria. A one-player
    arena is a decision problem: the logit choice (qre, nash) or the best action (pure).
    """
    if len(payoffs) == 1:
        return [_decide(payoffs[0], concept, lam)]
    if concept == "qre":
        return logit_qre_batch(payoffs, lam, start=start)
    if concept == "nash":
        return logit_qre_batch(payoffs, NASH_LAMBDA, start=start)
    return _pure(payoffs, u, start)


def solve_sequential(payoffs: list[np.ndarray], concept: str, lam) -> list[np.ndarray]:
    """Behaviour strategies of a game whose players move in turn: agent logit QRE by backward
    induction (``qre``; ``nash`` at ``NASH_LAMBDA``, near subgame-perfect play), or a pure
    subgame-perfect equilibrium (``pure``)."""
    if concept == "pure":
        return pure_backward_induction(payoffs)
    return logit_backward_induction(payoffs, NASH_LAMBDA if concept == "nash" else lam)


def _decide(payoff: np.ndarray, concept: str, lam) -> np.ndarray:
    """A single decision maker's choice: logit at ``lam`` (qre), at ``NASH_LAMBDA`` (nash) or the best action."""
    if concept == "pure":
        out = np.zeros_like(payoff)
        out[np.arange(payoff.shape[0]), np.argmax(payoff, axis=1)] = 1.0
        return out
    lam = NASH_LAMBDA if concept == "nash" else np.reshape(np.asarray(lam, dtype=float), (-1, 1))
    z = lam * (payoff - payoff.max(axis=1, keepdims=True))
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _pure(payoffs, u, start):
    mask = pure_equilibrium_mask(payoffs)
    R, shape = mask.shape[0], mask.shape[1:]
    flat = mask.reshape(R, -1)
    count = flat.sum(axis=1)
    pick = np.minimum((u * count).astype(np.int64), np.maximum(count - 1, 0))
    # index of the pick-th equilibrium in each row
    rank = np.cumsum(flat, axis=1) - 1
    chosen = np.argmax(flat & (rank == pick[:, None]), axis=1)
    profile = np.unravel_index(chosen, shape)
    out = []
    for i, n in enumerate(shape):
        s = np.zeros((R, n))
        s[np.arange(R), profile[i]] = 1.0
        out.append(s)
    missing = count == 0
    if missing.any():
        sub = [p[missing] for p in payoffs]
        fallback = logit_qre_batch(sub, NASH_LAMBDA)
        for i in range(len(out)):
            out[i][missing] = fallback[i]
    return out
