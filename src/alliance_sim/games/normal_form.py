"""Finite normal-form games as plain payoff arrays.

A game with ``n`` players, player ``i`` having ``a_i`` actions, is the tuple of
``n`` payoff arrays, one per player, each of shape ``(a_1, ..., a_n)``:
``payoffs[i][s]`` is player ``i``'s payoff at the pure profile ``s``. This is
the representation of nashpy and of ``pygambit.Game.from_arrays``; solvers
are plain functions taking it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np

__all__ = ["NormalFormGame", "as_game", "validate_payoffs", "validate_batch_payoffs"]


def _as_float_array(array, what: str) -> np.ndarray:
    try:
        out = np.asarray(array, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be a numeric array ({exc})") from None
    return out


def validate_payoffs(payoffs) -> tuple[np.ndarray, ...]:
    """Check one game's payoff arrays and return them as a tuple of float arrays.

    Parameters
    ----------
    payoffs : sequence of array_like
        One array per player, each of shape ``(a_1, ..., a_n)`` where ``n`` is
        the number of arrays.

    Returns
    -------
    tuple of numpy.ndarray
        Fresh float64 copies of the arrays.

    Raises
    ------
    ValueError
        Fewer than two players, an array whose shape does not match the others
        or whose number of dimensions is not the number of players, a player
        with a single action, or a NaN/inf payoff.
    """
    if isinstance(payoffs, np.ndarray) and payoffs.ndim >= 1:
        payoffs = list(payoffs)  # a stacked (n, a_1, ..., a_n) array
    if not isinstance(payoffs, Sequence) or isinstance(payoffs, (str, bytes)):
        raise ValueError(
            "payoffs must be a sequence of arrays, one per player "
            f"(got {type(payoffs).__name__})"
        )
    n = len(payoffs)
    if n < 2:
        raise ValueError(f"a game needs at least 2 players, got {n} payoff array(s)")
    arrays = tuple(
        _as_float_array(p, f"payoffs of player {i}").copy() for i, p in enumerate(payoffs)
    )
    shape = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.ndim != n:
            raise ValueError(
                f"payoffs of player {i} have shape {a.shape} ({a.ndim} dimensions); "
                f"a {n}-player game needs arrays with {n} dimensions, one per player"
            )
        if a.shape != shape:
            raise ValueError(
                f"ragged payoffs: player 0's array has shape {shape} but player {i}'s "
                f"has shape {a.shape}; all players' arrays must have the same shape"
            )
    for i, k in enumerate(shape):
        if k < 2:
            raise ValueError(
                f"player {i} has {k} action(s) (payoff shape {shape}); every player "
                "needs at least 2 actions"
            )
    for i, a in enumerate(arrays):
        bad = ~np.isfinite(a)
        if bad.any():
            where = tuple(int(v) for v in np.argwhere(bad)[0])
            raise ValueError(
                f"payoffs of player {i} contain {int(bad.sum())} non-finite value(s) "
                f"(NaN or inf), first at profile {where}"
            )
    return arrays


def validate_batch_payoffs(payoffs) -> tuple[np.ndarray, ...]:
    """Check a batch of ``R`` same-shaped games and return float arrays.

    Parameters
    ----------
    payoffs : sequence of array_like
        One array per player, each of shape ``(R, a_1, ..., a_n)``.

    Returns
    -------
    tuple of numpy.ndarray
        Float64 arrays (copies only where a conversion was needed).

    Raises
    ------
    ValueError
        As :func:`validate_payoffs`, with the leading replicate axis allowed.
    """
    if isinstance(payoffs, NormalFormGame):
        return tuple(p[None] for p in payoffs.payoffs)
    if not isinstance(payoffs, Sequence) or isinstance(payoffs, (str, bytes, np.ndarray)):
        raise ValueError(
            "payoffs must be a sequence of arrays, one per player, each of shape "
            f"(R, a_1, ..., a_n) (got {type(payoffs).__name__})"
        )
    n = len(payoffs)
    if n < 2:
        raise ValueError(f"a game needs at least 2 players, got {n} payoff array(s)")
    arrays = tuple(_as_float_array(p, f"payoffs of player {i}") for i, p in enumerate(payoffs))
    shape = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.ndim != n + 1:
            raise ValueError(
                f"batch payoffs of player {i} have shape {a.shape}; a batch of "
                f"{n}-player games needs arrays of shape (R, a_1, ..., a_{n})"
            )
        if a.shape != shape:
            raise ValueError(
                f"ragged batch payoffs: player 0's array has shape {shape} but "
                f"player {i}'s has shape {a.shape}"
            )
    if shape[0] < 1:
        raise ValueError("batch payoffs hold no game (R = 0)")
    for i, k in enumerate(shape[1:]):
        if k < 2:
            raise ValueError(
                f"player {i} has {k} action(s) (batch payoff shape {shape}); every "
                "player needs at least 2 actions"
            )
    for i, a in enumerate(arrays):
        if not np.isfinite(a).all():
            r = int(np.argwhere(~np.isfinite(a))[0][0])
            raise ValueError(
                f"batch payoffs of player {i} contain NaN or inf (first in replicate {r})"
            )
    return arrays


class NormalFormGame:
    """A finite game in normal (strategic) form.

    Parameters
    ----------
    payoffs : sequence of array_like
        ``n >= 2`` arrays, one per player, each of shape ``(a_1, ..., a_n)``
        with every ``a_i >= 2``; ``payoffs[i][s]`` is player ``i``'s payoff at
        the pure profile ``s``.

    Attributes
    ----------
    payoffs : tuple of numpy.ndarray
        Read-only float64 payoff arrays.
    n_players : int
        Number of players ``n``.
    shape : tuple of int
        Number of actions of each player, ``(a_1, ..., a_n)``.

    Raises
    ------
    ValueError
        See :func:`validate_payoffs`.

    Examples
    --------
    >>> g = NormalFormGame([[[3, 0], [5, 1]], [[3, 5], [0, 1]]])
    >>> g.shape
    (2, 2)
    """

    __slots__ = ("_payoffs",)

    def __init__(self, payoffs):
        arrays = validate_payoffs(payoffs)
        for a in arrays:
            a.flags.writeable = False
        self._payoffs = arrays

    @property
    def payoffs(self) -> tuple[np.ndarray, ...]:
        return self._payoffs

    @property
    def n_players(self) -> int:
        return len(self._payoffs)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._payoffs[0].shape

    def __len__(self) -> int:
        return self.n_players

    def __getitem__(self, i: int) -> np.ndarray:
        return self._payoffs[i]

    def __iter__(self):
        return iter(self._payoffs)

    def __eq__(self, other) -> bool:
        if not isinstance(other, NormalFormGame):
            return NotImplemented
        return self.shape == other.shape and all(
            np.array_equal(a, b) for a, b in zip(self._payoffs, other._payoffs)
        )

    __hash__ = None

    def __repr__(self) -> str:
        if self.n_players == 2:
            a, b = self._payoffs
            with np.printoptions(precision=4, suppress=True):
                return (
                    f"NormalFormGame(2 players, shape {self.shape},\n"
                    f"  row payoffs=\n{_indent(str(a), 4)},\n"
                    f"  column payoffs=\n{_indent(str(b), 4)})"
                )
        lo = min(float(p.min()) for p in self._payoffs)
        hi = max(float(p.max()) for p in self._payoffs)
        return (
            f"NormalFormGame({self.n_players} players, shape {self.shape}, "
            f"payoffs in [{lo:g}, {hi:g}])"
        )

    def _repr_html_(self) -> str:
        if self.n_players != 2:
            rows = "".join(
                f"<tr><td>{i}</td><td>{k}</td><td>{p.min():.4g}</td>"
                f"<td>{p.max():.4g}</td><td>{p.mean():.4g}</td></tr>"
                for i, (k, p) in enumerate(zip(self.shape, self._payoffs))
            )
            return (
                f"<p>NormalFormGame: {self.n_players} players, shape {self.shape}</p>"
                "<table><tr><th>player</th><th>actions</th><th>min payoff</th>"
                f"<th>max payoff</th><th>mean payoff</th></tr>{rows}</table>"
            )
        a, b = self._payoffs
        head = "".join(f"<th>{j}</th>" for j in range(a.shape[1]))
        body = "".join(
            f"<tr><th>{i}</th>"
            + "".join(
                f"<td>{html.escape(f'{a[i, j]:.4g}, {b[i, j]:.4g}')}</td>"
                for j in range(a.shape[1])
            )
            + "</tr>"
            for i in range(a.shape[0])
        )
        return (
            f"<p>NormalFormGame: 2 players, shape {self.shape} "
            "(cells: row payoff, column payoff)</p>"
            f"<table><tr><th></th>{head}</tr>{body}</table>"
        )


def _indent(text: str, k: int) -> str:
    pad = " " * k
    return "\n".join(pad + line for line in text.splitlines())


def as_game(game) -> NormalFormGame:
    """Return ``game`` as a :class:`NormalFormGame`.

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        A game, or its payoff arrays (one per player).

    Returns
    -------
    NormalFormGame
    """
    if isinstance(game, NormalFormGame):
        return game
    return NormalFormGame(game)
