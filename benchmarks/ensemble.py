"""Benchmark ensembles: the batched model against the same model run one replicate at a time.

Run from the repository root (or with the package installed)::

    PYTHONPATH=src python benchmarks/ensemble.py            # all shipped scenarios, a few minutes
    PYTHONPATH=src python benchmarks/ensemble.py --quick    # one repeat of each timing

For each shipped scenario, measured in this process, a *run* being one
replicate x the scenario's 36 months:

- runs per second of the batched model, ``alliance_sim.run(scenario, R)``
  at R = 1,000 and 10,000 (chunks of 1,000 replicates, serial executor,
  the tidy table built), median of ``--repeats`` runs (at most 3 at 10,000);
- runs per second of the same model one replicate at a time, the
  Mesa-idiomatic way: ``AllianceModel(scenario, replicates=1, seed,
  first_replicate=i).run()`` in a loop, collecting each run's table
  (median time per run over ``--samples`` runs);
- runs per second through ``mesa.batch_run`` over that model (a thin
  subclass with a Mesa ``DataCollector`` collecting the state variables
  every month and each agent's payoff and action), single process,
  ``--samples`` runs in 3 calls, median;
- the ratios, and the peak memory (max resident set size) of a fresh
  child process that imports alliance_sim and runs R = 10,000, with the
  part above what the imports alone take.

Targets on a 2-core machine: batched at least 100x the one-at-a-time path;
1,000 replicates in under 1 s for every scenario; 10,000 replicates under
500 MB peak.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import statistics
import sys
import time

SEED = 0


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def batched_seconds(scenario, replicates: int, repeats: int) -> float:
    import alliance_sim

    return statistics.median(_timed(lambda: alliance_sim.run(scenario, replicates, SEED))[0] for _ in range(repeats))


def one_at_a_time_seconds(scenario, samples: int) -> float:
    """Median seconds per run of ``AllianceModel(..., replicates=1)``, collecting each run's table."""
    import pandas as pd

    from alliance_sim.abm.model import AllianceModel

    times, tables = [], []
    for i in range(samples):
        t, df = _timed(lambda i=i: AllianceModel(scenario, replicates=1, seed=SEED, first_replicate=i).run()
                       .trajectories())
        times.append(t)
        tables.append(df)
    pd.concat(tables, ignore_index=True)
    return statistics.median(times)


def batch_run_seconds(scenario, samples: int, repeats: int) -> float:
    """Median seconds per run through ``mesa.batch_run`` (single process)."""
    import mesa
    import pandas as pd

    from alliance_sim.abm.model import AllianceModel

    per_call = max(1, samples // repeats)
    times, first = [], 0
    for _ in range(repeats):
        t, rows = _timed(lambda first=first: mesa.batch_run(
            AllianceModel, parameters={"scenario": scenario, "first_replicate": range(first, first + per_call),
                                       "seed": SEED},
            number_processes=1, iterations=1, data_collection_period=1, max_steps=36, display_progress=False))
        pd.DataFrame(rows)
        times.append(t / per_call)
        first += per_call
    return statistics.median(times)


def _peak_rss() -> int:
    """This process's peak resident set size in bytes.

    Linux: ``VmHWM`` (reset at exec, unlike ``ru_maxrss``, which a spawned
    child inherits from its parent); elsewhere ``ru_maxrss``.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _peak_child(scenario, replicates, queue):
    import alliance_sim

    base = _peak_rss()
    seconds, res = _timed(lambda: alliance_sim.run(scenario, replicates, SEED))
    queue.put((base, _peak_rss(), seconds, len(res.trajectories)))


def peak_memory(scenario, replicates: int):
    """(peak bytes, bytes after imports, seconds) of a fresh process running ``replicates``."""
    if sys.platform == "win32":  # pragma: no cover - no peak RSS without psutil
        return None
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_peak_child, args=(scenario, replicates, q))
    p.start()
    base, peak, seconds, rows = q.get()
    p.join()
    assert rows == replicates * 37  # months 0 (the start) to 36
    return peak, base, seconds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenarios", default=None, help="comma-separated names (default: all shipped)")
    ap.add_argument("--repeats", type=int, default=5,
                    help="repeats of the 1,000-replicate timing (median; default 5; 10,000: at most 3)")
    ap.add_argument("--samples", type=int, default=24, help="runs sampled for the one-at-a-time paths (default 24)")
    ap.add_argument("--quick", action="store_true", help="one repeat, 12 samples")
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-memory child processes")
    args = ap.parse_args(argv)
    if args.quick:
        args.repeats, args.samples = 1, 12

    import mesa
    import numpy as np

    import alliance_sim
    from alliance_sim.domain.scenario import shipped

    names = args.scenarios.split(",") if args.scenarios else shipped()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"alliance_sim {alliance_sim.__version__} ensemble benchmark: {cores} cores, Python "
          f"{platform.python_version()}, numpy {np.__version__}, Mesa {mesa.__version__}; seed {SEED}; "
          f"a run = 1 replicate x 36 months")
    print(f"batched: alliance_sim.run(scenario, R), serial, chunks of 1,000, table built; median of {args.repeats} "
          f"(R = 1,000) and {min(args.repeats, 3)} (R = 10,000) runs")
    print(f"one at a time: AllianceModel(scenario, replicates=1, seed, first_replicate=i).run() for {args.samples} "
          f"runs (median per run); mesa.batch_run over that model with a DataCollector, {args.samples} runs in "
          f"3 calls (median per run); sampled, not run thousands of times")
    print("peak: max RSS of a fresh process running R = 10,000 (in parentheses: above its imports)\n")
    alliance_sim.run(names[0], 20, SEED)  # warm up caches and imports

    head = (f"{'scenario':18s} {'1k: s':>6s} {'runs/s':>7s} {'10k: s':>7s} {'runs/s':>7s} {'one/s':>6s} "
            f"{'batch_run/s':>11s} {'x one':>6s} {'x b_run':>7s} {'peak MB @10k':>16s}")
    print(head)
    print("-" * len(head))
    rows = []
    t_start = time.perf_counter()
    for name in names:
        t1k = batched_seconds(name, 1000, args.repeats)
        t10k = batched_seconds(name, 10000, min(args.repeats, 3))
        one = one_at_a_time_seconds(name, args.samples)
        brun = batch_run_seconds(name, args.samples, 3)
        mem = None if args.no_memory else peak_memory(name, 10000)
        r1k, r10k = 1000 / t1k, 10000 / t10k
        row = dict(name=name, t1k=t1k, t10k=t10k, r1k=r1k, r10k=r10k, one=1 / one, brun=1 / brun,
                   x_one=r1k * one, x_brun=r1k * brun, mem=mem)
        rows.append(row)
        peak = "-" if mem is None else f"{mem[0] / 2**20:.0f} ({(mem[0] - mem[1]) / 2**20:.0f})"
        print(f"{name:18s} {t1k:6.3f} {r1k:7.0f} {t10k:7.2f} {r10k:7.0f} {row['one']:6.1f} {row['brun']:11.1f} "
              f"{row['x_one']:6.0f} {row['x_brun']:7.0f} {peak:>16s}", flush=True)

    print(f"\n(benchmark took {time.perf_counter() - t_start:.0f} s)")
    worst_1k = max(r["t1k"] for r in rows)
    worst_x = min(r["x_one"] for r in rows)
    ok = [("1,000 replicates in under 1 s for every scenario", worst_1k < 1.0, f"slowest {worst_1k:.3f} s"),
          ("batched at least 100x one at a time", worst_x >= 100, f"lowest {worst_x:.0f}x")]
    if not args.no_memory:
        worst_mem = max(r["mem"][0] for r in rows if r["mem"]) / 2**20
        ok.append(("10,000 replicates under 500 MB peak", worst_mem < 500, f"highest {worst_mem:.0f} MB"))
    for text, passed, detail in ok:
        print(f"target: {text}: {'met' if passed else 'NOT MET'} ({detail})")
    return 0 if all(p for _, p, _ in ok) else 1


if __name__ == "__main__":
    sys.exit(main())
