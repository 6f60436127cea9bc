"""Solvers for finite normal-form games (nashpy / Gambit style).

A game is a plain sequence of payoff arrays, one per player (or a
:class:`NormalFormGame` wrapping them); solvers are functions taking it.

Single games:

- :func:`pure_equilibria` — all pure Nash equilibria, any number of players.
- :func:`mixed_equilibria` — all extreme Nash equilibria of a bimatrix game
  (vertex enumeration).
- :func:`lemke_howson` — one equilibrium of a bimatrix game, fast.
- :func:`logit_qre` — logit quantal response equilibrium on the principal
  branch, any number of players.

Batches of ``R`` same-shaped games (payoff arrays of shape
``(R, a_1, ..., a_n)``), bitwise reproducible per game whatever the batch:

- :func:`mixed_equilibria_batch`, :func:`logit_qre_batch`,
  :func:`expected_payoffs_batch`, :func:`best_responses_batch`,
  :func:`pure_equilibrium_mask`.

:mod:`~alliance_sim.games.classic` has textbook games with known answers.
"""

from . import classic
from .lemke_howson import lemke_howson
from .normal_form import NormalFormGame
from .payoffs import best_responses_batch, expected_payoffs_batch, pure_equilibrium_mask
from .pure import pure_equilibria
from .qre import logit_qre, logit_qre_batch
from .vertex import mixed_equilibria, mixed_equilibria_batch

__all__ = [
    "NormalFormGame",
    "pure_equilibria",
    "mixed_equilibria",
    "mixed_equilibria_batch",
    "lemke_howson",
    "logit_qre",
    "logit_qre_batch",
    "expected_payoffs_batch",
    "best_responses_batch",
    "pure_equilibrium_mask",
    "classic",
]
