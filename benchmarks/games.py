"""Benchmark the game solvers of ``alliance_sim.games`` against their peers.

Run from the repository root (peers in a separate venv; every peer is
optional and skipped with a one-line message when absent)::

    python3 -m venv /tmp/venv-bench
    /tmp/venv-bench/bin/pip install numpy scipy quantecon nashpy numba pygambit
    /tmp/venv-bench/bin/pip install -e .
    /tmp/venv-bench/bin/python benchmarks/games.py            # ~10 minutes, mostly nashpy
    /tmp/venv-bench/bin/python benchmarks/games.py --sizes 4 6 --repeats 1   # quick look

It prints

1. all equilibria of the same random bimatrix games (``--games`` per size,
   integer payoffs uniform in -10..10, fixed seed; such games are often
   degenerate) for every solver: Gambit's ``enummixed`` in floating point
   and in exact rationals, QuantEcon's vertex and support enumeration
   (numba; its compile time is shown apart), nashpy's vertex and support
   enumeration, and ``mixed_equilibria`` one game at a time and
   ``mixed_equilibria_batch`` on all games of a size in one call. Each game
   is solved ``--repeats`` times per solver, the solvers interleaved, and
   the best wall and CPU time of each game is kept; the table shows the
   median over games (the batch: its best call divided by the number of
   games), on how many games each solver returns exactly the set of
   equilibria of Gambit's rational ``enummixed`` (the reference; profiles
   within 1e-6 in every entry are one point), and on how many it returns
   some equilibrium more than once (Gambit's ``enummixed`` does, in
   degenerate games: one copy per basis of a degenerate vertex);
2. the same for games with published equilibrium counts
   (:mod:`alliance_sim.games.classic`): von Stengel's 6x6 game with 75
   equilibria, the 8x8 coordination game (255) and Savani and von
   Stengel's 6x6 game with a unique equilibrium;
3. the time of one ``logit_qre_batch`` call on 1,000 random 3-player
   3x3x3 games (payoffs uniform in [-10, 10]) at lam = 5 on the principal
   branch, and of a warm-started call on a perturbed copy of the batch; the
   same for 1,000 5-player 2x2x2x2x2 games (best of ``--repeats``).

The machine's other load only ever slows a run down, so best-of-k per game
measures the code; the CPU column (``time.process_time``, all threads) shows
whether a solver's wall time hides work on other cores.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from alliance_sim.games import classic, logit_qre_batch, mixed_equilibria, mixed_equilibria_batch

SEED = 12345

try:
    import pygambit as gbt
except ImportError:  # optional
    gbt = None
try:
    import nashpy
except ImportError:  # optional
    nashpy = None
try:
    import quantecon.game_theory as qe_gt
except ImportError:  # optional
    qe_gt = None

OURS = "alliance_sim mixed_equilibria"
OURS_BATCH = "alliance_sim mixed_equilibria_batch"
REFERENCE = "Gambit enummixed (rational)"


def timed(fn, *args):
    """Wall and CPU time of one call of ``fn(*args)``, and its result."""
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    return time.perf_counter() - w, time.process_time() - c, out


ATOL = 1e-6  # two profiles closer than this in every entry are the same


def distinct(eqs):
    """The profiles of ``eqs`` as rows, each point once."""
    out = []
    for x, y in eqs:
        z = np.concatenate([np.asarray(x, float), np.asarray(y, float)])
        if not any(np.abs(z - u).max() <= ATOL for u in out):
            out.append(z)
    return out


def same_set(eqs, ref):
    """Whether ``eqs`` and ``ref`` hold the same points (duplicates aside)."""
    a, b = distinct(eqs), distinct(ref)
    return len(a) == len(b) and all(any(np.abs(z - u).max() <= ATOL for u in b) for z in a)


def _gambit(rational):
    def solve(A, B):
        integral = np.array_equal(A, np.round(A)) and np.array_equal(B, np.round(B))
        game = gbt.Game.from_arrays(*((A.astype(int), B.astype(int)) if integral else (A, B)))
        res = gbt.nash.enummixed_solve(game, rational=rational)
        return [tuple(np.array([float(e[s]) for s in p.strategies]) for p in game.players)
                for e in res.equilibria]
    return solve


def _quantecon(method):
    def solve(A, B):
        return list(method(qe_gt.NormalFormGame(np.dstack([A, B]))))
    return solve


def _nashpy(method):
    def solve(A, B):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nashpy warns on even counts
            return list(getattr(nashpy.Game(A, B), method)())
    return solve


def solvers():
    """The installed solvers, ``{name: solve(A, B) -> [(x, y), ...]}``, and QuantEcon's compile times."""
    out, notes = {}, []
    if gbt is not None:
        out["Gambit enummixed (float)"] = _gambit(False)
        out[REFERENCE] = _gambit(True)
    else:
        notes.append("pygambit is not installed: no Gambit rows, and no reference set "
                     "(pip install pygambit; it compiles from source, ~7 minutes)")
    if qe_gt is not None:
        for label, fn in (("vertex", qe_gt.vertex_enumeration), ("support", qe_gt.support_enumeration)):
            # The first call compiles (numba); on a 2x2 game so that only compilation is timed.
            w, _, _ = timed(fn, qe_gt.NormalFormGame(np.dstack([np.eye(2), np.eye(2)])))
            notes.append(f"QuantEcon {label}_enumeration: first call (numba compilation or "
                         f"cache load) {w:.2f} s, not in the table")
            out[f"QuantEcon {label}_enumeration"] = _quantecon(fn)
    else:
        notes.append("quantecon is not installed: no QuantEcon rows (pip install quantecon numba)")
    if nashpy is not None:
        out["nashpy vertex_enumeration"] = _nashpy("vertex_enumeration")
        out["nashpy support_enumeration"] = _nashpy("support_enumeration")
    else:
        notes.append("nashpy is not installed: no nashpy rows (pip install nashpy)")
    out[OURS] = lambda A, B: mixed_equilibria((A, B))
    return out, notes


def compare(games, solve, repeats):
    """Best wall/CPU time per game of every solver (interleaved), the batch, and the results."""
    names = list(solve)
    wall = {name: np.full(len(games), np.inf) for name in names + [OURS_BATCH]}
    cpu = {name: np.full(len(games), np.inf) for name in names + [OURS_BATCH]}
    found = {}
    A = np.stack([a for a, _ in games])
    B = np.stack([b for _, b in games])
    for rep in range(repeats):
        for g, (a, b) in enumerate(games):
            shift = (rep + g) % len(names)  # rotate which solver runs first
            for name in names[shift:] + names[:shift]:
                w, c, eqs = timed(solve[name], a, b)
                wall[name][g] = min(wall[name][g], w)
                cpu[name][g] = min(cpu[name][g], c)
                found[name, g] = eqs
        w, c, batch = timed(mixed_equilibria_batch, [A, B])
        wall[OURS_BATCH][:] = min(wall[OURS_BATCH][0], w / len(games))
        cpu[OURS_BATCH][:] = min(cpu[OURS_BATCH][0], c / len(games))
        for g, eqs in enumerate(batch):
            found[OURS_BATCH, g] = eqs
    return wall, cpu, found


def print_table(title, games, wall, cpu, found):
    n = len(games)
    ref = REFERENCE if (REFERENCE, 0) in found else None
    print(f"\n{title}")
    print(f"  {'solver':38s} {'median ms/game':>14s} {'CPU ms/game':>12s} {'vs ours':>8s} "
          f"{'exactly right' if ref else '':>14s} {'duplicates':>11s}")
    base = np.median(wall[OURS])
    for name in wall:
        med, med_cpu = np.median(wall[name]), np.median(cpu[name])
        right = ""
        if ref:
            ok = sum(same_set(found[name, g], found[ref, g]) for g in range(n))
            right = f"{ok}/{n}"
        dup = sum(len(distinct(found[name, g])) < len(found[name, g]) for g in range(n))
        print(f"  {name:38s} {med * 1e3:14.3f} {med_cpu * 1e3:12.3f} {med / base:7.2f}x {right:>14s} "
              f"{f'{dup}/{n}':>11s}")
    if not ref:
        print("  (no reference set without pygambit)")


def enumeration_benchmark(sizes, n_games, repeats):
    solve, notes = solvers()
    for note in notes:
        print(note)
    rng = np.random.default_rng(SEED)
    for size in sizes:
        games = [(rng.integers(-10, 11, (size, size)).astype(float),
                  rng.integers(-10, 11, (size, size)).astype(float)) for _ in range(n_games)]
        wall, cpu, found = compare(games, solve, repeats)
        print_table(f"{size}x{size}: {n_games} random games, integer payoffs in -10..10 (seed {SEED}), "
                    f"best of {repeats} per game", games, wall, cpu, found)
    hard = {  # published count in brackets
        "von Stengel 6x6 [75]": classic.von_stengel_75(),
        "coordination 8x8 [255]": classic.coordination(8),
        "Savani-von Stengel 6x6 [1]": classic.savani_von_stengel_6x6(),
    }
    print("\nGames with published equilibrium counts (distinct equilibria found; time of the "
          f"best of {repeats} runs)")
    print(f"  {'solver':38s} " + " ".join(f"{t:>26s}" for t in hard))
    results = {}
    for title, g in hard.items():
        wall, _, found = compare([tuple(g.payoffs)], solve, repeats)
        for name in wall:
            eqs = found[name, 0]
            results.setdefault(name, []).append(f"{len(distinct(eqs)):4d} in {wall[name][0] * 1e3:9.1f} ms")
    for name, cells in results.items():
        print(f"  {name:38s} " + " ".join(f"{c:>26s}" for c in cells))


def qre_benchmark(repeats):
    rng = np.random.default_rng(SEED)
    for shape, noise in (((3, 3, 3), 0.1), ((2, 2, 2, 2, 2), 0.01)):
        R, lam = 1000, 5.0
        payoffs = [rng.uniform(-10, 10, (R,) + shape) for _ in shape]
        t_cold = min(timed(logit_qre_batch, payoffs, lam)[0] for _ in range(repeats))
        cold = logit_qre_batch(payoffs, lam)
        moved = [p + rng.normal(0, noise, p.shape) for p in payoffs]
        t_warm = min(timed(lambda: logit_qre_batch(moved, lam, start=cold))[0] for _ in range(repeats))
        warm = logit_qre_batch(moved, lam, start=cold)
        ref = logit_qre_batch(moved, lam)
        gap = np.max([np.abs(w - c).max(axis=1) for w, c in zip(warm, ref)], axis=0)
        off_branch = int((gap > 1e-6).sum())
        dims = "x".join(map(str, shape))
        print(f"\nlogit_qre_batch, {R} random {len(shape)}-player {dims} games, "
              f"payoffs U(-10, 10), lam = {lam:g}")
        print(f"  principal branch (cold):                 {t_cold * 1e3:8.1f} ms")
        print(f"  warm start, payoffs + N(0, {noise:g}) noise:    {t_warm * 1e3:8.1f} ms"
              f"  ({off_branch} of {R} games end off the new principal branch)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4, 6, 8], help="square game sizes")
    parser.add_argument("--games", type=int, default=20, help="random games per size")
    parser.add_argument("--repeats", type=int, default=3, help="runs per game and solver (best kept)")
    parser.add_argument("--no-qre", action="store_true", help="skip the logit QRE timings")
    args = parser.parse_args(argv)
    versions = {"numpy": np.__version__, "pygambit": getattr(gbt, "__version__", "absent"),
                "quantecon": "absent", "nashpy": getattr(nashpy, "__version__", "absent")}
    if qe_gt is not None:
        import quantecon
        versions["quantecon"] = quantecon.__version__
    print("; ".join(f"{k} {v}" for k, v in versions.items()))
    enumeration_benchmark(args.sizes, args.games, args.repeats)
    if not args.no_qre:
        qre_benchmark(args.repeats)


if __name__ == "__main__":
    main()
