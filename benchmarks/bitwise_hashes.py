"""Hashes of every shipped scenario's output, for the bitwise-identity check of speed work (issue 16).

Run from the repository root::

    python benchmarks/bitwise_hashes.py            # compare with tests/fixtures/bitwise_hashes.txt
    python benchmarks/bitwise_hashes.py --write    # (re)write that file (only before a change!)

It runs every shipped scenario under ``qre``, ``nash`` and ``pure`` (150
replicates, seed 7, every month), a single replicate of each (replicate id 5,
so the N=1 path is covered), and an LHS, a Morris and a Sobol sweep, and
hashes each table (``pandas.util.hash_pandas_object`` of every column, then
SHA-256). The hashes were written before any speed work; every optimisation
must leave them unchanged. ``tests/test_speed.py`` checks a subset of them.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILE = HERE.parent / "tests" / "fixtures" / "bitwise_hashes.txt"


def table_hash(df) -> str:
    import pandas as pd

    df = df.copy()
    for c in df.columns:
        if str(df[c].dtype) == "category":
            df[c] = df[c].astype(str)
    return hashlib.sha256(pd.util.hash_pandas_object(df, index=False).values.tobytes()).hexdigest()


def cases(quick: bool = False):
    """``(key, thunk)`` for every hashed output; ``quick``: one solution per scenario and no sweeps."""
    import alliance_sim as a
    from alliance_sim.abm.model import AllianceModel
    from alliance_sim.explore import sweep

    from alliance_sim.domain.scenario import shipped

    for sc in shipped():
        for sol in (("qre",) if quick else ("qre", "nash", "pure")):
            yield f"{sc} {sol} R150", lambda sc=sc, sol=sol: a.run(sc, replicates=150, seed=7, solution=sol).trajectories
        yield f"{sc} qre N1", lambda sc=sc: AllianceModel(sc, seed=7, replicate_ids=[5]).run().trajectories()
    if quick:
        return
    yield "sweep lhs", lambda: sweep("baseline", "lhs", n=40, replicates=2, seed=3, month=[12, 36], workers=1).table
    yield "sweep morris", lambda: sweep("baseline", "morris", n=4, seed=3, workers=1).table
    yield "sweep sobol", lambda: sweep("us_enhanced_offer", "sobol", n=8, seed=2, workers=1).table
    yield "sweep sobol nash", lambda: sweep("korean_crisis", "sobol", n=8, seed=2, workers=1, solution="nash").table


def compute(quick: bool = False) -> dict[str, str]:
    out = {}
    for key, thunk in cases(quick):
        df = thunk()
        out[key] = f"{table_hash(df)} {df.shape[0]}x{df.shape[1]}"
    return out


def read(path: Path = FILE) -> dict[str, str]:
    rows = [line.rsplit(" ", 2) for line in path.read_text().splitlines() if line.strip()]
    return {k: f"{h} {s}" for k, h, s in rows}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="write the hashes file instead of checking it")
    args = ap.parse_args(argv)
    got = compute()
    if args.write:
        FILE.write_text("".join(f"{k} {v}\n" for k, v in got.items()))
        print(f"wrote {len(got)} hashes to {FILE}")
        return 0
    want = read()
    bad = [k for k in want if got.get(k) != want[k]]
    for k in want:
        print(("OK      " if k not in bad else "CHANGED ") + k)
    print(f"{len(want) - len(bad)}/{len(want)} outputs bitwise identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
