"""Generate the pygambit reference data used by ``tests/test_games_gambit.py``.

The tests must not need pygambit (it has no wheel for every Python and takes
minutes to compile), so this script computes reference answers once and
writes them to ``tests/fixtures/gambit/``:

``enummixed.json``
    Random bimatrix games from 2x2 to 6x6 (integer payoffs uniform in
    -10..10, fixed seed) with every equilibrium found by
    ``pygambit.nash.enummixed_solve`` in exact rational arithmetic (each
    once: enummixed repeats an equilibrium for every basis of a degenerate
    vertex). Random
    integer games are often degenerate; each game carries a ``degenerate``
    flag computed exactly (rule below) and the script keeps generating until
    it has the requested number of *nondegenerate* games of each size; the
    degenerate games met on the way are kept too (at most 3 per size).

    Degeneracy rule: after shifting payoffs to 1..21 the best-response
    polytopes ``P = {x >= 0 : B^T x <= 1}`` and ``Q = {y >= 0 : A y <= 1}``
    are enumerated vertex by vertex in exact rational arithmetic; the game
    is degenerate iff some vertex of ``P`` (resp. ``Q``) has more than ``m``
    (resp. ``n``) tight constraints, i.e. some mixed strategy with support
    size ``k`` has more than ``k`` pure best replies (von Stengel 2007).

``qre.json``
    Random 2-, 3- and 4-player games (integer payoffs uniform in -5..5) with
    the logit QRE of ``pygambit.qre.logit_solve_lambda`` at several ``lam``.
    Gambit's ``lam`` is the same as ``alliance_sim.games``': probabilities
    proportional to ``exp(lam * expected payoff)`` (checked on McKelvey and
    Palfrey's asymmetric matching pennies, whose values are in
    ``tests/test_games_qre.py``), so no conversion is needed.

Regenerate (about a minute, after pygambit's ~7 minute build)::

    python3 -m venv /tmp/venv-gambit
    /tmp/venv-gambit/bin/pip install numpy pygambit
    /tmp/venv-gambit/bin/python benchmarks/make_gambit_fixtures.py

The script does not import ``alliance_sim``.
"""

from __future__ import annotations

import itertools
import json
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pygambit as gbt

SEED = 20240611
OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "gambit"

#: (shape, number of nondegenerate games wanted)
ENUM_SIZES = [
    ((2, 2), 8), ((2, 3), 6), ((3, 2), 6), ((3, 3), 8), ((3, 4), 6), ((4, 3), 6),
    ((4, 4), 20), ((4, 5), 6), ((5, 5), 8), ((4, 6), 5), ((6, 4), 5), ((5, 6), 5),
    ((6, 6), 20),
]
MAX_DEGENERATE_PER_SIZE = 3
QRE_SHAPES = [
    (2, 2), (3, 3), (2, 4), (4, 4), (3, 5), (2, 2, 2), (2, 3, 2), (3, 3, 3), (2, 2, 3), (2, 2, 2, 2),
]
QRE_GAMES_PER_SHAPE = 4
QRE_LAMS = [0.25, 1.0, 3.0, 8.0]


def _exact_solve(M, rhs):
    """Solve ``M z = rhs`` in rationals (M nonsingular, small)."""
    n = len(M)
    a = [[Fraction(int(v)) for v in row] + [Fraction(r)] for row, r in zip(M, rhs)]
    for c in range(n):
        p = next(r for r in range(c, n) if a[r][c] != 0)
        a[c], a[p] = a[p], a[c]
        for r in range(n):
            if r != c and a[r][c] != 0:
                f = a[r][c] / a[c][c]
                a[r] = [x - f * y for x, y in zip(a[r], a[c])]
    return [a[r][n] / a[r][r] for r in range(n)]


def _polytope_degenerate(M: np.ndarray) -> bool:
    """Whether ``{z >= 0 : M z <= 1}`` (integer ``M > 0``) has an over-determined vertex."""
    p, q = M.shape
    for k in range(1, min(p, q) + 1):
        for rows in itertools.combinations(range(p), k):
            for cols in itertools.combinations(range(q), k):
                sub = M[np.ix_(rows, cols)]
                if abs(np.linalg.det(sub)) < 0.5:  # integer determinant: exactly 0
                    continue
                zc = np.linalg.solve(sub, np.ones(k))
                z = np.zeros(q)
                z[list(cols)] = zc
                # Cheap float prefilter with a loose margin; exact check below.
                if zc.min() < -1e-7 or (M @ z).max() > 1 + 1e-7:
                    continue
                zx = [Fraction(0)] * q
                for c, v in zip(cols, _exact_solve(sub.tolist(), [1] * k)):
                    zx[c] = v
                if min(zx) < 0:
                    continue
                slack = [sum(Fraction(int(M[r, c])) * zx[c] for c in range(q)) for r in range(p)]
                if max(slack) > 1:
                    continue
                tight = sum(v == 0 for v in zx) + sum(s == 1 for s in slack)
                if tight > q:
                    return True
    return False


def is_degenerate(A: np.ndarray, B: np.ndarray) -> bool:
    """Exact degeneracy test of an integer bimatrix game (see module docstring)."""
    shift_a = 1 - int(A.min())
    shift_b = 1 - int(B.min())
    return _polytope_degenerate((B + shift_b).T) or _polytope_degenerate(A + shift_a)


def _profile_lists(game, profile, as_float=True):
    out = []
    for player in game.players:
        vals = [profile[s] for s in player.strategies]
        out.append([float(v) if as_float else str(v) for v in vals])
    return out


def enummixed_fixture(rng):
    games = []
    for shape, wanted in ENUM_SIZES:
        good = bad = 0
        while good < wanted:
            A = rng.integers(-10, 11, size=shape)
            B = rng.integers(-10, 11, size=shape)
            degenerate = is_degenerate(A, B)
            if degenerate and bad >= MAX_DEGENERATE_PER_SIZE:
                continue
            g = gbt.Game.from_arrays(A, B)
            res = gbt.nash.enummixed_solve(g, rational=True)
            # enummixed lists an equilibrium once per basis of a degenerate
            # vertex; keep each (exact) profile once.
            unique = {}
            for e in res.equilibria:
                unique.setdefault(str(_profile_lists(g, e, as_float=False)), e)
            eqs = [_profile_lists(g, e) for e in unique.values()]
            exact = [_profile_lists(g, e, as_float=False) for e in unique.values()]
            games.append(
                {
                    "shape": list(shape),
                    "payoffs": [A.tolist(), B.tolist()],
                    "degenerate": degenerate,
                    "equilibria": eqs,
                    "equilibria_exact": exact,
                }
            )
            if degenerate:
                bad += 1
            else:
                good += 1
        print(f"enummixed {shape}: {good} nondegenerate, {bad} degenerate", file=sys.stderr)
    return games


def qre_fixture(rng):
    games = []
    for shape in QRE_SHAPES:
        for _ in range(QRE_GAMES_PER_SHAPE):
            payoffs = [rng.integers(-5, 6, size=shape) for _ in shape]
            g = gbt.Game.from_arrays(*payoffs)
            res = gbt.qre.logit_solve_lambda(g, list(QRE_LAMS))
            profiles = []
            for lam, r in zip(QRE_LAMS, res):
                if abs(r.lam - lam) > 1e-8:
                    raise RuntimeError(f"gambit returned lam={r.lam} for {lam}")
                profiles.append(_profile_lists(g, r.profile))
            games.append(
                {
                    "shape": list(shape),
                    "payoffs": [p.tolist() for p in payoffs],
                    "lams": QRE_LAMS,
                    "profiles": profiles,
                }
            )
        print(f"qre {shape}: {QRE_GAMES_PER_SHAPE} games", file=sys.stderr)
    return games


def main() -> None:
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    meta = {
        "generator": "benchmarks/make_gambit_fixtures.py",
        "seed": SEED,
        "pygambit_version": gbt.__version__,
    }
    enum = {**meta, "games": enummixed_fixture(rng)}
    (OUT / "enummixed.json").write_text(json.dumps(enum, separators=(",", ":")) + "\n")
    qre = {**meta, "games": qre_fixture(rng)}
    (OUT / "qre.json").write_text(json.dumps(qre, separators=(",", ":")) + "\n")
    for name in ("enummixed.json", "qre.json"):
        print(f"wrote {OUT / name} ({(OUT / name).stat().st_size} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
