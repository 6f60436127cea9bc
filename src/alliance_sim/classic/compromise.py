"""The two baselines: the capability x salience weighted mean and weighted median.

The forecasting literature on collective decisions (e.g. the EU "DEU" studies
that compare Bueno de Mesquita's model, Stokman's exchange model and simple
baselines) finds that these two numbers are hard to beat: the weighted mean
("compromise model") and the weighted median (the position that wins every
pairwise vote when each actor casts ``capability x salience`` votes for the
closer alternative: Black's median voter).

Both take a plain table of actors (see :func:`actor_table`).

>>> from alliance_sim.classic import compromise
>>> t = {"actor": ["A", "B", "C"], "position": [0.0, 0.5, 1.0],
...      "capability": [1.0, 1.0, 2.0], "salience": [1.0, 1.0, 0.5]}
>>> compromise.weighted_mean(t)
0.5
>>> compromise.weighted_median(t)
0.5
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import UserError

__all__ = ["ActorTable", "actor_table", "weighted_mean", "weighted_median", "weights"]


@dataclass(frozen=True)
class ActorTable:
    """Actors on one issue: names and float arrays of equal length ``n``.

    Attributes
    ----------
    actor : tuple of str
        Actor names (unique).
    position : ndarray, shape (n,)
        Each actor's preferred outcome on the issue scale.
    capability : ndarray, shape (n,)
        Each actor's power to shape the outcome (>= 0).
    salience : ndarray, shape (n,)
        How much the issue matters to the actor, in [0, 1].
    """

    actor: tuple[str, ...]
    position: np.ndarray
    capability: np.ndarray
    salience: np.ndarray

    def __len__(self) -> int:
        return len(self.actor)

    def with_positions(self, position) -> "ActorTable":
        return ActorTable(self.actor, np.asarray(position, dtype=float), self.capability, self.salience)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({"actor": list(self.actor), "position": self.position,
                             "capability": self.capability, "salience": self.salience})


def _column(table: Any, name: str, where: str) -> Any:
    try:
        return table[name]
    except (KeyError, IndexError, TypeError):
        raise UserError(f"missing column {name!r}; a table needs actor, position, capability, salience",
                        key=where) from None


def actor_table(table: Any, *, where: str = "actors", need=("position", "capability", "salience")) -> ActorTable:
    """Coerce and validate a plain table of actors.

    Parameters
    ----------
    table : DataFrame, mapping of columns, or ActorTable
        Columns ``actor`` (names; optional, default ``A0, A1, ...``),
        ``position``, ``capability`` (>= 0) and ``salience`` (in [0, 1]).
    where : str
        Prefix for error messages.

    Returns
    -------
    ActorTable

    Raises
    ------
    UserError
        On a missing column, a non-finite number, a negative capability, a
        salience outside [0, 1], fewer than two actors or duplicate names.
    """
    if isinstance(table, ActorTable):
        return table
    cols = {}
    for name in ("position", "capability", "salience"):
        if name not in need:
            continue
        raw = _column(table, name, where)
        try:
            arr = np.asarray(list(raw) if not isinstance(raw, np.ndarray) else raw, dtype=float)
        except (TypeError, ValueError):
            raise UserError(f"column {name!r} must be numbers", key=where) from None
        if arr.ndim != 1:
            raise UserError(f"column {name!r} must be one-dimensional", key=where)
        if not np.all(np.isfinite(arr)):
            raise UserError(f"column {name!r} must be finite numbers", key=where)
        cols[name] = arr
    n = len(next(iter(cols.values())))
    if any(len(a) != n for a in cols.values()):
        raise UserError("columns have different lengths", key=where)
    if n < 2:
        raise UserError(f"needs at least two actors, got {n}", key=where)
    try:
        names = tuple(str(a) for a in table["actor"])
    except (KeyError, IndexError, TypeError):
        names = tuple(f"A{i}" for i in range(n))
    if len(names) != n:
        raise UserError("column 'actor' has a different length", key=where)
    if len(set(names)) != n:
        raise UserError("duplicate actor names", key=where)
    cap = cols.get("capability", np.ones(n))
    sal = cols.get("salience", np.ones(n))
    if np.any(cap < 0):
        raise UserError("capability must be >= 0", key=where)
    if np.any((sal < 0) | (sal > 1)):
        raise UserError("salience must be in [0, 1] (divide a 0-100 scale by 100)", key=where)
    if not np.any(cap * sal > 0):
        raise UserError("at least one actor needs capability x salience > 0", key=where)
    return ActorTable(names, cols.get("position", np.zeros(n)), cap, sal)


def weights(table: Any) -> np.ndarray:
    """Voting weight of each actor: ``capability x salience``."""
    t = actor_table(table)
    return t.capability * t.salience


def weighted_mean(table: Any) -> float:
    """The capability x salience weighted mean position (the "compromise model").

    Parameters
    ----------
    table : actor table (see :func:`actor_table`)

    Returns
    -------
    float
        ``sum(c s x) / sum(c s)``. Invariant to the order of the actors.
    """
    t = actor_table(table)
    w = t.capability * t.salience
    # math.fsum-like exactness is not needed, but sorting makes the sum order-free.
    order = np.lexsort((w, t.position))
    return float(np.sum(w[order] * t.position[order]) / np.sum(w[order]))


def weighted_median(table: Any) -> float:
    """The weighted median position (the Condorcet winner of a weighted vote).

    Each actor casts ``capability x salience`` votes for whichever of two
    positions is closer to its own. The position among the actors' positions
    that no other defeats is the weighted median. When the cumulative weight
    reaches exactly one half at a position (an even split), the lower of the
    two tied positions is returned.

    Parameters
    ----------
    table : actor table (see :func:`actor_table`)

    Returns
    -------
    float
    """
    t = actor_table(table)
    w = t.capability * t.salience
    order = np.argsort(t.position, kind="stable")
    x, w = t.position[order], w[order]
    cum = np.cumsum(w)
    half = 0.5 * cum[-1]
    k = int(np.searchsorted(cum, half - 1e-12 * cum[-1]))
    return float(x[min(k, len(x) - 1)])
