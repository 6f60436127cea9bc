"""Axelrod & Bennett's landscape theory of aggregation (1993).

Axelrod, R. and Bennett, D. S. (1993), "A Landscape Theory of Aggregation",
*British Journal of Political Science* 23(2): 211-233.

``n`` actors with sizes ``s_i > 0`` and symmetric pairwise propensities
``p_ij`` (positive: they want to be together; negative: apart) split into two
coalitions. A *configuration* ``X`` assigns each actor to side 0 or 1. Its
*energy* (total frustration) is::

    E(X) = sum_i sum_j s_i s_j p_ij d_ij(X),     d_ij = 1 if i, j on different sides, else 0

Energy convention: ``pairs="ordered"`` (the default) sums over ordered pairs
``(i, j)`` and ``(j, i)``, as in the paper's definition and the proof in its
footnote 2 (each separated pair counted twice); ``pairs="unordered"`` sums over
``i < j`` and is exactly half of it.

Actors are myopic: one actor at a time switches sides if that lowers its
frustration, which (propensities being symmetric) lowers the energy. A
configuration is a *local minimum* when no single switch lowers the energy.
The *basin of attraction* of a minimum is the set of configurations from which
the dynamics ends in it. ``rule="steepest"`` (default) always makes the switch
that lowers energy most (ties: the first actor in table order);
``rule="first"`` switches the first actor in table order whose switch lowers
energy. Both are deterministic, so every configuration belongs to exactly one
basin: the basins partition the configuration space.

Configurations are counted without labels (``{A} vs {B}`` equals ``{B} vs
{A}``): the first actor is always on side 0, so there are ``2**(n-1)``.
Everything is computed by exhaustive enumeration (fine up to ~20 actors).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..errors import UserError

__all__ = ["LandscapeResult", "energy", "landscape", "switch_deltas", "unix_example"]


def unix_example():
    """Axelrod & Bennett's Unix-standards case: nine firms, size and type.

    Size is the firm's share as tabled in the paper; type ``S`` specialist or
    ``G`` generalist. Propensity: 0 between a specialist and a generalist,
    -1 between two firms of the same type (rivals).

    Returns
    -------
    names : list of str
    sizes : ndarray, shape (9,)
    propensity : ndarray, shape (9, 9)
    """
    rows = [("Sun", 28.9, "S"), ("Prime", 1.0, "S"), ("AT&T", 28.5, "G"), ("IBM", 3.8, "G"),
            ("DEC", 20.0, "G"), ("HP", 11.5, "G"), ("Apollo", 21.2, "S"), ("Intergraph", 4.4, "S"),
            ("SGI", 4.4, "S")]
    types = [r[2] for r in rows]
    p = np.array([[(-1.0 if a == b else 0.0) for b in types] for a in types])
    np.fill_diagonal(p, 0.0)
    return [r[0] for r in rows], np.array([r[1] for r in rows]), p


def _check(sizes, propensity, names=None, pairs="ordered", rule="steepest"):
    try:
        s = np.asarray(sizes, dtype=float)
        p = np.asarray(propensity, dtype=float)
    except (TypeError, ValueError):
        raise UserError("sizes and propensities must be numbers", key="landscape") from None
    n = s.shape[0] if s.ndim == 1 else -1
    if s.ndim != 1 or n < 2:
        raise UserError("sizes must be a list of at least two numbers", key="landscape")
    if n > 22:
        raise UserError(f"exhaustive enumeration needs at most 22 actors, got {n}", key="landscape")
    if p.shape != (n, n):
        raise UserError(f"propensity must be a {n} x {n} matrix, got shape {p.shape}", key="landscape")
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(p))):
        raise UserError("sizes and propensities must be finite", key="landscape")
    if np.any(s <= 0):
        raise UserError("sizes must be > 0", key="landscape")
    if not np.allclose(p, p.T):
        raise UserError("propensity must be symmetric (p_ij == p_ji)", key="landscape")
    if pairs not in ("ordered", "unordered"):
        raise UserError(f"pairs must be 'ordered' or 'unordered', got {pairs!r}", key="landscape")
    if rule not in ("steepest", "first"):
        raise UserError(f"rule must be 'steepest' or 'first', got {rule!r}", key="landscape")
    names = list(names) if names is not None else [f"A{i}" for i in range(n)]
    if len(names) != n or len(set(names)) != n:
        raise UserError("names must be unique, one per actor", key="landscape")
    p = p.copy()
    np.fill_diagonal(p, 0.0)
    return s, p, [str(x) for x in names]


def _weights(s, p, pairs):
    W = s[:, None] * s[None, :] * p
    return W if pairs == "ordered" else W / 2.0


def energy(config, sizes, propensity, *, pairs: str = "ordered"):
    """Energy of one configuration (or of many: shape ``(k, n)``).

    Parameters
    ----------
    config : array of 0/1, shape (n,) or (k, n)
        The side of each actor.
    sizes : array, shape (n,)
    propensity : array, shape (n, n), symmetric
    pairs : {"ordered", "unordered"}
        Count each separated pair twice (the paper's sum over all i, j) or once.

    Returns
    -------
    float or ndarray of shape (k,)
    """
    s, p, _ = _check(sizes, propensity, pairs=pairs)
    W = _weights(s, p, pairs)
    c = np.atleast_2d(np.asarray(config, dtype=int))
    d = (c[:, :, None] != c[:, None, :]).astype(float)
    e = np.einsum("kij,ij->k", d, W)
    return float(e[0]) if np.ndim(config) == 1 else e


def switch_deltas(config, sizes, propensity, *, pairs: str = "ordered") -> np.ndarray:
    """Energy change when each single actor switches sides, shape ``(n,)``."""
    s, p, _ = _check(sizes, propensity, pairs=pairs)
    W = _weights(s, p, pairs)
    c = np.asarray(config, dtype=int)
    same = (c[:, None] == c[None, :]).astype(float)
    # switching k flips d_kj for every j != k: pairs (k, j) and (j, k)
    return 2.0 * ((2.0 * same - 1.0) * W).sum(axis=1)


@dataclass
class LandscapeResult:
    """Every configuration's energy, the local minima and their basins.

    Attributes
    ----------
    names : list of str
    configs : ndarray of int, shape (2**(n-1), n)
        All configurations, first actor on side 0.
    energies : ndarray, shape (2**(n-1),)
    basin : ndarray of int, shape (2**(n-1),)
        Index (into ``minima``) of the minimum each configuration ends in.
    minima : list of int
        Row indices of the local minima in ``configs``, lowest energy first.
    pairs, rule : str
        The energy convention and switching rule used.
    """

    names: list
    configs: np.ndarray
    energies: np.ndarray
    basin: np.ndarray
    minima: list
    pairs: str = "ordered"
    rule: str = "steepest"
    paths: dict = field(default_factory=dict, repr=False)

    def sides(self, row: int) -> tuple[list[str], list[str]]:
        c = self.configs[row]
        return ([n for n, k in zip(self.names, c) if k == 0], [n for n, k in zip(self.names, c) if k == 1])

    def table(self):
        """One row per local minimum: its coalitions, energy and basin size."""
        import pandas as pd

        rows = []
        total = len(self.configs)
        for m, row in enumerate(self.minima):
            a, b = self.sides(row)
            size = int(np.sum(self.basin == m))
            rows.append(dict(minimum=m, side_a=", ".join(a), side_b=", ".join(b),
                             energy=float(self.energies[row]), basin_size=size, basin_share=size / total))
        return pd.DataFrame(rows)


def landscape(sizes: Sequence[float], propensity: Any, names: Sequence[str] | None = None, *,
              pairs: str = "ordered", rule: str = "steepest") -> LandscapeResult:
    """Enumerate the energy landscape: every configuration, the minima and basins.

    Parameters
    ----------
    sizes : array, shape (n,)
        Actor sizes, > 0.
    propensity : array, shape (n, n)
        Symmetric pairwise propensities (the diagonal is ignored).
    names : list of str, optional
    pairs : {"ordered", "unordered"}
        Energy convention (see the module docstring).
    rule : {"steepest", "first"}
        Which improving switch the myopic dynamics makes.

    Returns
    -------
    LandscapeResult

    Examples
    --------
    >>> names, s, p = unix_example()
    >>> res = landscape(s, p, names)
    >>> len(res.minima)
    2
    """
    s, p, names = _check(sizes, propensity, names, pairs, rule)
    n = len(s)
    W = _weights(s, p, pairs)
    k = 2 ** (n - 1)
    idx = np.arange(k)
    configs = np.zeros((k, n), dtype=int)
    configs[:, 1:] = (idx[:, None] >> np.arange(n - 1)[None, :]) & 1
    d = (configs[:, :, None] != configs[:, None, :]).astype(float)
    energies = np.einsum("kij,ij->k", d, W)
    # deltas[k, a] = energy change if actor a switches in configuration k
    same = 1.0 - 2.0 * d  # +1 same side, -1 apart
    deltas = 2.0 * np.einsum("kaj,aj->ka", same, W)
    tol = 1e-9 * max(1.0, float(np.abs(W).sum()))

    def code(c):  # canonical row index: normalise so the first actor is on side 0
        c = c ^ c[0]
        return int(np.sum(c[1:] << np.arange(n - 1)))

    nxt = np.arange(k)
    for r in range(k):
        dl = deltas[r]
        if rule == "steepest":
            a = int(np.argmin(dl))
            if dl[a] < -tol:
                c = configs[r].copy(); c[a] ^= 1; nxt[r] = code(c)
        else:
            down = np.flatnonzero(dl < -tol)
            if down.size:
                c = configs[r].copy(); c[down[0]] ^= 1; nxt[r] = code(c)
    is_min = nxt == idx
    end = idx.copy()
    for _ in range(k):  # energy strictly falls on every step, so paths end
        new = nxt[end]
        if np.array_equal(new, end):
            break
        end = new
    minima = sorted(np.flatnonzero(is_min).tolist(), key=lambda r: (energies[r], r))
    pos = {m: i for i, m in enumerate(minima)}
    basin = np.array([pos[int(e)] for e in end])
    return LandscapeResult(names, configs, energies, basin, minima, pairs, rule, {"next": nxt})
