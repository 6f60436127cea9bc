"""Pure-strategy Nash equilibria of n-player games."""

from __future__ import annotations

import numpy as np

from .normal_form import as_game
from .payoffs import pure_equilibrium_mask

__all__ = ["pure_equilibria"]


def pure_equilibria(game, *, tol: float = 0.0) -> list[tuple[int, ...]]:
    """All pure-strategy Nash equilibria of a game with any number of players.

    Every profile is checked at once: a profile is an equilibrium when each
    player's payoff there equals the maximum over that player's own axis.

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        The game, or its payoff arrays (one per player).
    tol : float, optional
        Allowed gain from a unilateral deviation, relative to the deviating
        player's payoff range. Default 0 (exact comparison of payoffs).

    Returns
    -------
    list of tuple of int
        The equilibrium profiles (one action index per player), in
        lexicographic order.

    Examples
    --------
    >>> from alliance_sim.games import classic
    >>> pure_equilibria(classic.prisoners_dilemma())
    [(1, 1)]
    """
    g = as_game(game)
    mask = pure_equilibrium_mask([p[None] for p in g.payoffs], tol=tol)[0]
    return [tuple(int(v) for v in row) for row in np.argwhere(mask)]
