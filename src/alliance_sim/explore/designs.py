"""Experimental designs over a SALib problem: Latin hypercube, Sobol (Saltelli), Morris.

``sample(problem, design, n, seed)`` returns the design as an ``(rows, D)``
array in the problem's units; its size depends on the design:

=========  ==================================  ===========================
design     ``n`` means                          rows
=========  ==================================  ===========================
``lhs``    number of points                     ``n``
``sobol``  base sample ``N`` (a power of 2)     ``N (D + 2)``, or ``N (2D + 2)``
                                                with second-order indices
``morris`` number of trajectories               ``n (D + 1)``
=========  ==================================  ===========================

Sobol designs use SALib's Saltelli scheme on a scrambled Sobol' sequence
(``SALib.sample.sobol``). By default ``calc_second_order=False``: first-order
and total indices need ``N (D + 2)`` runs, second-order ones would almost
double that for 100+ parameters and are rarely estimable at affordable ``N``.

Common random numbers. The model is stochastic: a run's random stream is an
input too. :func:`streams` gives each design row the stream it should use so
that the estimators compare like with like: in a Sobol design the rows
``A_j`` and ``AB_i,j`` (``A_j`` with parameter ``i`` taken from ``B_j``) share
one stream and ``B_j`` (and ``BA_i,j``) another, as if the stream were one
more column of ``A`` and ``B``; in a Morris design every point of a
trajectory shares its trajectory's stream. Without this, the model's own
noise would inflate every parameter's total index and elementary effects.
LHS rows each get their own stream.
"""
from __future__ import annotations

import inspect

import numpy as np

from ..errors import UserError

DESIGNS = ("lhs", "sobol", "morris")
MORRIS_LEVELS = 4


def check_design(design: str) -> str:
    if design not in DESIGNS:
        raise UserError(f"unknown design {design!r}; allowed: {', '.join(DESIGNS)}", key="design")
    return design


def check_n(design: str, n, num_vars: int, calc_second_order: bool = False) -> int:
    """Validate ``n`` for a design; returns it as an int."""
    check_design(design)
    try:
        n = int(n)
    except (TypeError, ValueError):
        raise UserError(f"n must be a whole number, got {n!r}", key="n") from None
    if design == "sobol":
        if n < 2 or n & (n - 1):
            lo = 1 << max(1, max(n, 2).bit_length() - 1)
            near = f"nearest: {lo} or {2 * lo}" if n > 2 else "e.g. 256, 512, 1024"
            raise UserError(f"n={n} is not allowed for the Sobol design: N must be a power of 2, at least 2 "
                            f"({near}); the design has N x (D+2) runs", key="n")
    elif n < 2:
        raise UserError(f"n={n} is too small for the {design} design; allowed: 2 or more", key="n")
    return n


def design_rows(design: str, n: int, num_vars: int, calc_second_order: bool = False) -> int:
    """Number of design rows (model evaluations per replicate)."""
    if design == "sobol":
        return n * (2 * num_vars + 2 if calc_second_order else num_vars + 2)
    if design == "morris":
        return n * (num_vars + 1)
    return n


def streams(design: str, n: int, num_vars: int, calc_second_order: bool = False) -> np.ndarray:
    """Random-stream index of each design row (see "Common random numbers" above).

    Returns
    -------
    numpy.ndarray
        ``(rows,)`` non-negative ints; rows with the same value use the same
        random numbers (replicate ``r`` of row ``k`` uses stream ``s[k] * R + r``).
    """
    check_design(design)
    if design == "sobol":
        D = num_vars
        per = 2 * D + 2 if calc_second_order else D + 2
        j = np.arange(n)
        s = np.empty((n, per), dtype=np.int64)
        s[:, : D + 1] = j[:, None]          # A_j and AB_i,j
        s[:, D + 1:] = (n + j)[:, None]     # BA_i,j (second order) and B_j
        return s.ravel()
    if design == "morris":
        return np.repeat(np.arange(n, dtype=np.int64), num_vars + 1)
    return np.arange(n, dtype=np.int64)


def _lhs_engine(d: int, seed: int):
    from scipy.stats import qmc

    kw = "rng" if "rng" in inspect.signature(qmc.LatinHypercube).parameters else "seed"
    return qmc.LatinHypercube(d, **{kw: np.random.default_rng(seed)})


def sample(problem: dict, design: str = "lhs", n: int = 100, seed: int = 0, *,
           calc_second_order: bool = False, num_levels: int = MORRIS_LEVELS) -> np.ndarray:
    """A design over ``problem``.

    Parameters
    ----------
    problem : dict
        SALib problem: ``num_vars``, ``names``, ``bounds``.
    design : {"lhs", "sobol", "morris"}
    n : int
        Points (lhs), base sample ``N`` (sobol, a power of 2) or trajectories (morris).
    seed : int
        Seeds the design (scipy's LHS, the Sobol' scrambling, Morris trajectories).
    calc_second_order : bool
        Sobol only: include the cross-sampled rows needed for second-order indices.
    num_levels : int
        Morris grid levels.

    Returns
    -------
    numpy.ndarray
        ``(rows, num_vars)`` values within the bounds.
    """
    d = int(problem["num_vars"])
    n = check_n(design, n, d, calc_second_order)
    bounds = np.asarray(problem["bounds"], dtype=float).reshape(d, 2)
    if design == "lhs":
        u = _lhs_engine(d, seed).random(n)
        X = bounds[:, 0] + u * (bounds[:, 1] - bounds[:, 0])
    elif design == "sobol":
        from SALib.sample import sobol

        X = sobol.sample(problem, n, calc_second_order=calc_second_order, scramble=True, seed=int(seed))
    else:
        from SALib.sample import morris

        X = morris.sample(problem, n, num_levels=num_levels, seed=int(seed))
    return np.clip(np.asarray(X, dtype=float), bounds[:, 0], bounds[:, 1])
