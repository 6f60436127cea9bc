"""Benchmark (issue 16): how close the simulation is to its speed floor, against the issue's targets.

Run from the repository root::

    python benchmarks/ensemble.py                 # every section, ~5 minutes on 2 cores
    python benchmarks/ensemble.py --quick         # fewer repeats, no 100,000-replicate memory run
    python benchmarks/ensemble.py --only ensemble,reference

Every time is CPU time of the process doing the work (``time.process_time``;
a child process reports its own), the median over repeats; compared runs
are interleaved (A, B, A, B, ...) so that drift in the machine's load hits
both alike. Sections:

``ensemble``
    ``alliance_sim.run(scenario, R)`` with the table built, for EVERY shipped
    scenario: R = 1,000 (target: under 0.3 s) and R = 1 (target: under 50 ms),
    interleaved; the ratio of the N=1 path's time per replicate to the
    batched one's (target: at least 100x).
``reference``
    The reference a user would build (``benchmarks/reference_model.py``): the
    same model one replicate at a time with Mesa agents, the linked bargain
    solved by pygambit's agent logit QRE on the extensive form
    (``logit_solve_lambda(use_strategic=False)``), the other games by
    ``logit_solve_lambda`` on the strategic form. pygambit is found in this
    interpreter or in ``--gambit-python`` (default ``/tmp/venv-bench/bin/python``
    if it exists); to install it: ``pip install pygambit==16.7.0`` (it compiles,
    about 7 minutes). It costs seconds a month, so by default the first
    ``--reference-months`` (2) months of one replicate are timed, interleaved
    with batched runs, and its time per replicate is that per month x 36
    (shown as projected; ``--reference-months 36`` times a whole replicate).
    Target: the batched model at least 100x faster per replicate. Identity:
    under common random numbers (the replicate's own uniforms) the choice
    probabilities of every mover in every month must agree with the batched
    model's within 1e-6 and the actions drawn must be the same; the same
    reference with closed-form numpy solvers is run for whole replicates and
    its month-36 metrics must equal the batched model's.
``sensitivity``
    Sobol (N=1,024) over every uncertain parameter of the baseline
    (target: under 60 s) and Morris with 20 trajectories (target: under 5 s),
    one process (``workers=1``).
``memory``
    A child process runs 100,000 replicates x 36 months with ``out=`` (the
    results written to disk) and reports its peak resident set size
    (target: under 400 MB).
``startup``
    Wall-clock time (what extra workers buy) of the serial and the
    ``processes`` executor at several replicate counts: where process
    start-up pays off.

Exit status 0 if every target measured is met.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED = 0
HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
SECTIONS = ("ensemble", "reference", "sensitivity", "memory", "startup")
GAMBIT_VENV = "/tmp/venv-bench/bin/python"


def cpu(fn):
    """(CPU seconds, result) of ``fn()`` in this process."""
    t0 = time.process_time()
    out = fn()
    return time.process_time() - t0, out


def _run(scenario, replicates, seed=SEED, **kw):
    import alliance_sim

    res = alliance_sim.run(scenario, replicates, seed, **kw)
    res.trajectories  # the table built
    return res


# ----------------------------------------------------------------------------- ensemble
def section_ensemble(names, repeats: int, samples: int, report):
    """1,000 and 1 replicate(s) of every scenario, interleaved."""
    print(f"\n== ensemble: alliance_sim.run(scenario, R), serial, table built; CPU, median of {repeats} (R=1,000) "
          f"and {samples} (R=1), interleaved")
    head = f"{'scenario':24s} {'R=1,000 s':>10s} {'R=1 ms':>8s} {'per replicate ms':>17s} {'x N=1 path':>11s}"
    print(head + "\n" + "-" * len(head))
    worst_1k, worst_1, worst_x = 0.0, 0.0, float("inf")
    for name in names:
        _run(name, 50)  # warm
        big, one = [], []
        per = max(1, samples // repeats)
        for k in range(repeats):
            big.append(cpu(lambda: _run(name, 1000, seed=k))[0])
            for j in range(per):
                one.append(cpu(lambda: _run(name, 1, seed=k * per + j))[0])
        t1k, t1 = statistics.median(big), statistics.median(one)
        ratio = t1 / (t1k / 1000)
        worst_1k, worst_1, worst_x = max(worst_1k, t1k), max(worst_1, t1), min(worst_x, ratio)
        print(f"{name:24s} {t1k:10.3f} {t1 * 1e3:8.1f} {t1k:17.3f} {ratio:10.0f}x", flush=True)
    report("1,000 replicates x 36 months, every scenario, under 0.3 s CPU", worst_1k < 0.3,
           f"slowest {worst_1k:.3f} s")
    report("a single replicate (N=1) under 50 ms CPU, every scenario", worst_1 < 0.05, f"slowest {worst_1 * 1e3:.1f} ms")
    report("batched at least 100x faster per replicate than the N=1 path", worst_x >= 100, f"lowest {worst_x:.0f}x")


# ----------------------------------------------------------------------------- reference
def _gambit_python(arg):
    if arg:
        return arg
    try:
        import pygambit  # noqa: F401

        return sys.executable
    except ImportError:
        return GAMBIT_VENV if os.path.exists(GAMBIT_VENV) else None


def _reference_child(python, scenario, replicate, months, solver):
    env = dict(os.environ, PYTHONPATH=str(SRC))  # this checkout's alliance_sim, whatever the venv has installed
    out = subprocess.run([python, str(HERE / "reference_model.py"), scenario, str(replicate), str(SEED), str(months),
                          solver], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def batched_probabilities(scenario, replicate: int, months: int, batch: int = 1000):
    """Each month's choice probabilities of every mover for one replicate of a batched run of ``batch``."""
    import numpy as np

    from alliance_sim.abm.model import AllianceModel
    from alliance_sim.domain.actors import ARENAS

    model = AllianceModel(scenario, seed=SEED, replicate_ids=np.arange(batch))
    out = []
    for _ in range(months):
        model.step()
        month = {}
        for arena in ARENAS:
            for code in arena.players:
                sigma = model.actor(code).strategy.get(arena.name)
                if sigma is not None:
                    month[(arena.name, code)] = (np.asarray(sigma)[replicate],
                                                 int(model.actor(code).action[arena.name][replicate]))
        out.append(month)
    return out, model


def section_reference(months: int, samples: int, gambit_python, report):
    import numpy as np

    from reference_model import ReferenceModel
    from alliance_sim.domain.metrics import METRICS

    scenario = "baseline"
    print(f"\n== reference: the same model one replicate at a time, Mesa agents ({scenario}; CPU)")
    _run(scenario, 50)
    # Closed-form numpy solvers, whole replicates, interleaved with batched runs: same model?
    ref_t, big_t, diffs = [], [], []
    batched = _run(scenario, 1000).trajectories
    last = batched[batched["step"] == batched["step"].max()].set_index("replicate")
    for r in range(samples):
        big_t.append(cpu(lambda: _run(scenario, 1000))[0])
        t, ref = cpu(lambda r=r: ReferenceModel(scenario, r, SEED, "numpy").run())
        ref_t.append(t)
        fin = ref.final()
        diffs.append(max(abs(fin[m] - float(last.loc[r, m])) for m in METRICS))
    per_rep = statistics.median(big_t) / 1000
    t_np = statistics.median(ref_t)
    print(f"Mesa + numpy solvers: {t_np * 1e3:.1f} ms per replicate (median of {samples}); batched "
          f"{per_rep * 1e3:.3f} ms per replicate: {t_np / per_rep:.0f}x; month-36 metrics of the {samples} "
          f"replicates, largest difference from the batched run: {max(diffs):.1e}")
    report("reference with numpy solvers: month-36 metrics equal to the batched model's", max(diffs) <= 1e-9,
           f"largest difference {max(diffs):.1e}")
    if gambit_python is None:
        print("pygambit not found (pip install pygambit==16.7.0, ~7 min compile; or --gambit-python PATH): "
              "Gambit reference skipped")
        return
    ver = subprocess.run([gambit_python, "-c", "import pygambit; print(pygambit.__version__)"], capture_output=True,
                         text=True).stdout.strip()
    # Interleaved: batched, reference (months), batched.
    big_t = [cpu(lambda: _run(scenario, 1000))[0]]
    ref = _reference_child(gambit_python, scenario, 0, months, "gambit")
    big_t.append(cpu(lambda: _run(scenario, 1000))[0])
    per_month = ref["cpu_seconds"] / months
    gambit_rep = per_month * 36
    per_rep = statistics.median(big_t) / 1000
    mine, _ = batched_probabilities(scenario, 0, months)
    worst, same = 0.0, True
    for theirs_month, mine_month in zip(ref["probabilities"], mine):
        for arena, actor, probs in theirs_month:
            sigma, _action = mine_month[(arena, actor)]
            worst = max(worst, float(np.max(np.abs(np.asarray(probs) - sigma))))
        same &= {(a, c) for a, c, _ in theirs_month} == set(mine_month)
    label = "measured" if months >= 36 else f"projected from {months} month(s)"
    print(f"Mesa + pygambit {ver} (logit_solve_lambda; bargain on the extensive form): {per_month:.2f} s per month, "
          f"{gambit_rep:.0f} s per replicate ({label}); batched {per_rep * 1e3:.3f} ms per replicate: "
          f"{gambit_rep / per_rep:,.0f}x")
    print(f"common random numbers, replicate 0, months 1-{months}: largest difference in any mover's choice "
          f"probabilities {worst:.1e}; same games played: {same}")
    report("batched at least 100x faster per replicate than Mesa + pygambit", gambit_rep / per_rep >= 100,
           f"{gambit_rep / per_rep:,.0f}x")
    report("choice probabilities equal to Gambit's within 1e-6 (common random numbers)", worst <= 1e-6 and same,
           f"largest difference {worst:.1e}")


# ----------------------------------------------------------------------------- sensitivity
def section_sensitivity(sobol_n: int, report):
    import warnings

    from alliance_sim.explore import sweep

    print(f"\n== sensitivity: baseline, every uncertain parameter, workers=1 (CPU)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sweep("baseline", "morris", n=4, seed=0, workers=1)  # warm
        morris = [cpu(lambda k=k: sweep("baseline", "morris", n=20, seed=k, workers=1)) for k in range(3)]
        t_m = statistics.median(t for t, _ in morris)
        print(f"Morris, 20 trajectories: {len(morris[0][1].table):,} runs, {t_m:.2f} s (median of 3)", flush=True)
        t_s, sob = cpu(lambda: sweep("baseline", "sobol", n=sobol_n, seed=0, workers=1))
    d = len(sob.problem["names"])
    print(f"Sobol, N={sobol_n}, {d} parameters: {len(sob.table):,} runs, {t_s:.1f} s "
          f"({t_s / len(sob.table) * 1e3:.3f} ms per run)")
    report("Morris with 20 trajectories under 5 s CPU", t_m < 5, f"{t_m:.2f} s")
    if sobol_n == 1024:
        report("Sobol over every uncertain parameter at N=1,024 under 60 s CPU", t_s < 60, f"{t_s:.1f} s")


# ----------------------------------------------------------------------------- memory
def _peak_rss() -> int:
    """This process's peak resident set size in bytes (Linux ``VmHWM``; elsewhere ``ru_maxrss``)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _command_peak(replicates: int, out: str, executor: str | None) -> tuple[int, float]:
    """Peak RSS (bytes) and CPU seconds of ``alliance-sim run baseline -n R --out OUT``, a fresh process.

    ``ru_maxrss`` of the waited-for children is the largest single process's
    peak (the command itself; with worker processes, the larger of it and
    any worker), not their sum.
    """
    import resource
    import subprocess

    cmd = [sys.executable, "-m", "alliance_sim", "run", "baseline", "-n", str(replicates), "--seed", str(SEED),
           "--out", out] + (["--executor", executor] if executor else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    scale = 1 if sys.platform == "darwin" else 1024
    return after.ru_maxrss * scale, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def section_memory(replicates: int, report):
    """The command a user runs, in a fresh process each time: serially, and with the default executor."""
    print(f"\n== memory: `alliance-sim run baseline -n {replicates:,} --out ...` in a fresh process (table, summary "
          f"and figures saved); peak RSS of the largest process")
    for executor, what in (("serial", "serial"), (None, "default executor")):
        tmp = tempfile.mkdtemp(prefix="alliance-bench-")
        try:
            # each measurement in its own child, so that ru_maxrss is this command's alone
            ctx = mp.get_context("spawn")
            q = ctx.Queue()
            p = ctx.Process(target=_memory_child, args=(replicates, os.path.join(tmp, "run"), executor, q))
            p.start()
            p.join()
            if p.exitcode != 0:
                report(f"{replicates:,} replicates with out= under 400 MB peak ({what})", False,
                       f"command failed ({p.exitcode})")
                continue
            peak, t = q.get()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print(f"{what}: peak RSS {peak / 2**20:.0f} MB; {t:.1f} s CPU (all processes)", flush=True)
        if replicates >= 100_000:
            report(f"100,000 replicates with out= under 400 MB peak RSS, {what}", peak < 400 * 2**20,
                   f"{peak / 2**20:.0f} MB")


def _memory_child(replicates, out, executor, queue):
    queue.put(_command_peak(replicates, out, executor))


# ----------------------------------------------------------------------------- startup
def section_startup(counts, report):
    print("\n== startup: wall-clock seconds, serial vs processes executor (2 workers), baseline; median of 3, "
          "interleaved")
    head = f"{'replicates':>10s} {'serial s':>9s} {'processes s':>12s} {'faster':>9s}"
    print(head + "\n" + "-" * len(head))
    even = None
    for n in counts:
        ser, proc = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            _run("baseline", n, executor="serial")
            ser.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            _run("baseline", n, executor="processes", workers=2, chunk_size=max(1, -(-n // 2)))
            proc.append(time.perf_counter() - t0)
        s, p = statistics.median(ser), statistics.median(proc)
        if p < s and even is None:
            even = n
        print(f"{n:10,d} {s:9.3f} {p:12.3f} {'processes' if p < s else 'serial':>9s}", flush=True)
    print(f"processes first pay off at {even:,} replicates (of those tried)" if even else
          "processes never paid off at the counts tried")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections ({', '.join(SECTIONS)})")
    ap.add_argument("--scenarios", default=None, help="comma-separated names (default: all shipped)")
    ap.add_argument("--repeats", type=int, default=5, help="repeats of each 1,000-replicate timing (default 5)")
    ap.add_argument("--samples", type=int, default=15, help="single-replicate runs per scenario (default 15)")
    ap.add_argument("--reference-months", type=int, default=2,
                    help="months of the Gambit reference timed (default 2; 36 = a whole replicate, ~3 min)")
    ap.add_argument("--gambit-python", default=None, help="interpreter with pygambit (default: this one, or "
                    f"{GAMBIT_VENV})")
    ap.add_argument("--memory-replicates", type=int, default=100_000)
    ap.add_argument("--sobol-n", type=int, default=1024)
    ap.add_argument("--quick", action="store_true", help="3 repeats, 6 samples, Sobol N=256, 10,000 in memory")
    args = ap.parse_args(argv)
    if args.quick:
        args.repeats, args.samples, args.sobol_n, args.memory_replicates = 3, 6, 256, 10_000
    sections = [s for s in args.only.split(",") if s]
    bad = sorted(set(sections) - set(SECTIONS))
    if bad:
        ap.error(f"unknown section(s) {bad}; allowed: {', '.join(SECTIONS)}")
    sys.path.insert(0, str(HERE))

    import mesa
    import numpy as np

    import alliance_sim
    from alliance_sim.domain.scenario import shipped

    names = args.scenarios.split(",") if args.scenarios else shipped()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"alliance_sim {alliance_sim.__version__}: {cores} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}, Mesa {mesa.__version__}; seed {SEED}; a replicate = 36 months")
    results = []

    def report(text, passed, detail):
        results.append((text, passed, detail))

    t_start = time.perf_counter()
    if "ensemble" in sections:
        section_ensemble(names, args.repeats, args.samples, report)
    if "reference" in sections:
        section_reference(args.reference_months, max(3, args.samples // 3), _gambit_python(args.gambit_python),
                          report)
    if "sensitivity" in sections:
        section_sensitivity(args.sobol_n, report)
    if "memory" in sections:
        section_memory(args.memory_replicates, report)
    if "startup" in sections:
        section_startup([100, 1000, 4000, 10000] if not args.quick else [100, 1000, 4000], report)
    print(f"\n(benchmark took {time.perf_counter() - t_start:.0f} s wall)\n")
    for text, passed, detail in results:
        print(f"target: {text}: {'met' if passed else 'NOT MET'} ({detail})")
    return 0 if all(p for _, p, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
