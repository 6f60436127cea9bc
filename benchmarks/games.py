"""Benchmark the game solvers of ``alliance_sim.games``.

Run from the repository root::

    PYTHONPATH=src python benchmarks/games.py

It prints

1. on the same random 4x4 and 6x6 bimatrix games (integer payoffs uniform in
   -10..10, fixed seed): the median time per game of ``mixed_equilibria``,
   of ``pygambit.nash.enummixed_solve`` (exact rationals, its default, and
   floating point) and of nashpy's ``support_enumeration``, the ratios, and
   on how many games each finds the same equilibrium set as
   ``mixed_equilibria``; pygambit and nashpy are optional;
2. the time of one ``logit_qre_batch`` call on 1,000 random 3-player 3x3x3
   games (payoffs uniform in [-10, 10]) at lam = 5 on the principal branch,
   and of a warm-started call on a perturbed copy of the batch; the same
   for 1,000 5-player 2x2x2x2x2 games.

Times are the best of a few repeats (per game for the enumeration), so they
measure the code rather than the machine's other load.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from alliance_sim.games import logit_qre_batch, mixed_equilibria

SEED = 12345
N_GAMES = 20
REPEATS = 3

try:
    import pygambit as gbt
except ImportError:  # optional
    gbt = None
try:
    import nashpy
except ImportError:  # optional
    nashpy = None


def best_time(fn, *args, repeats=REPEATS, **kwargs):
    """Best wall time of ``fn(*args, **kwargs)`` over ``repeats`` runs, and its result."""
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t0)
    return best, out


def as_key_set(eqs):
    return sorted(tuple(np.round(np.concatenate([np.asarray(x, float), np.asarray(y, float)]), 6))
                  for x, y in eqs)


def gambit_solver(rational):
    def solve(A, B):
        game = gbt.Game.from_arrays(A, B)
        res = gbt.nash.enummixed_solve(game, rational=rational)
        players = list(game.players)
        return [tuple(np.array([float(e[s]) for s in p.strategies]) for p in players)
                for e in res.equilibria]
    return solve


def nashpy_solver(A, B):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nashpy warns on even counts
        return list(nashpy.Game(A, B).support_enumeration())


def enumeration_benchmark():
    rng = np.random.default_rng(SEED)
    solvers = {"mixed_equilibria": lambda A, B: mixed_equilibria((A, B))}
    if gbt is not None:
        solvers["pygambit enummixed (rational)"] = gambit_solver(True)
        solvers["pygambit enummixed (float)"] = gambit_solver(False)
    else:
        print("pygambit is not installed: no comparison with Gambit "
              "(python3 -m venv /tmp/venv-gambit && /tmp/venv-gambit/bin/pip install numpy pygambit; "
              "it compiles from source, ~7 minutes)")
    if nashpy is not None:
        solvers["nashpy support_enumeration"] = nashpy_solver
    else:
        print("nashpy is not installed: no comparison with nashpy (pip install nashpy)")
    for size in (4, 6):
        games = [(rng.integers(-10, 11, (size, size)).astype(float),
                  rng.integers(-10, 11, (size, size)).astype(float)) for _ in range(N_GAMES)]
        times = {name: [] for name in solvers}
        agree = {name: 0 for name in solvers}
        for A, B in games:
            ours = None
            for name, solve in solvers.items():
                t, eqs = best_time(solve, A, B, repeats=1 if "nashpy" in name else REPEATS)
                times[name].append(t)
                keys = as_key_set(eqs)
                if ours is None:
                    ours = keys
                agree[name] += keys == ours
        print(f"\n{size}x{size}: {N_GAMES} random games, integer payoffs in -10..10 (seed {SEED})")
        base = np.median(times["mixed_equilibria"])
        for name in solvers:
            med = np.median(times[name])
            ratio = "" if name == "mixed_equilibria" else f"  ({med / base:6.1f}x mixed_equilibria's time)"
            same = "" if name == "mixed_equilibria" else f"  same equilibria on {agree[name]}/{N_GAMES} games"
            print(f"  {name:32s} median {med * 1e3:8.3f} ms/game{ratio}{same}")


def qre_benchmark():
    rng = np.random.default_rng(SEED)
    for shape, noise in (((3, 3, 3), 0.1), ((2, 2, 2, 2, 2), 0.01)):
        R, lam = 1000, 5.0
        payoffs = [rng.uniform(-10, 10, (R,) + shape) for _ in shape]
        t_cold, cold = best_time(logit_qre_batch, payoffs, lam)
        moved = [p + rng.normal(0, noise, p.shape) for p in payoffs]
        t_warm, warm = best_time(logit_qre_batch, moved, lam, start=cold)
        ref = logit_qre_batch(moved, lam)
        gap = np.max([np.abs(w - c).max(axis=1) for w, c in zip(warm, ref)], axis=0)
        off_branch = int((gap > 1e-6).sum())
        dims = "x".join(map(str, shape))
        print(f"\nlogit_qre_batch, {R} random {len(shape)}-player {dims} games, "
              f"payoffs U(-10, 10), lam = {lam:g}")
        print(f"  principal branch (cold):                 {t_cold * 1e3:8.1f} ms")
        print(f"  warm start, payoffs + N(0, {noise:g}) noise:    {t_warm * 1e3:8.1f} ms"
              f"  ({off_branch} of {R} games end off the new principal branch)")


def main():
    print(f"numpy {np.__version__}; pygambit {getattr(gbt, '__version__', 'absent')}; "
          f"nashpy {getattr(nashpy, '__version__', 'absent')}")
    enumeration_benchmark()
    qre_benchmark()


if __name__ == "__main__":
    main()
