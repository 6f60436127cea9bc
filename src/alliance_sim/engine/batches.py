"""Ensembles at scale: chunks of replicates on an executor, checkpointed and resumable.

A run of ``R`` replicates is cut into chunks (``runner.chunks``); each chunk
is one batched ``AllianceModel`` over its replicates, computed by
``compute_chunk`` on the chosen executor (``executors``). Replicate ``i``'s
random streams depend only on the run seed and ``i``, and array-valued
overrides are sliced per chunk, so the table is bitwise the same for any
executor, number of workers and chunk size. With an output folder, every
finished chunk is saved as it completes (``store``), and an interrupted run
can be resumed: only the missing chunks are computed.
"""
from __future__ import annotations

import numpy as np

from .executors import Executor, make_executor
from ..abm.model import AllianceModel
from .store import ChunkStore, partial_dir, run_spec


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a checkpointed run: ``done`` of ``total`` chunks are saved in ``partial``."""

    def __init__(self, done: int, total: int, partial):
        super().__init__(f"interrupted; {done} of {total} chunks saved in {partial}")
        self.done, self.total, self.partial = done, total, partial


def slice_overrides(overrides: dict, lo: int, hi: int) -> dict:
    """Overrides for replicates ``lo..hi-1``: arrays over replicates sliced, scalars kept."""
    return {k: (v[lo:hi] if isinstance(v, np.ndarray) else v) for k, v in overrides.items()}


def compute_chunk(scenario, seed: int, lo: int, hi: int, overrides: dict, solution: str, on_month=None) -> dict:
    """Replicates ``lo..hi-1`` as one batched model; returns the table's columns (``Recorder.arrays``).

    ``overrides`` are this chunk's own (arrays of length ``hi - lo``).
    ``on_month(m)`` is called after each month.
    """
    model = AllianceModel(scenario, replicates=hi - lo, seed=seed, overrides=overrides, solution=solution,
                          first_replicate=lo)
    while model.running and model.month < model.horizon:
        model.step()
        if on_month is not None:
            on_month(model.month)
    arrays = model.recorder.arrays()
    model.release()  # or every chunk of a long run stays in memory until the cyclic GC runs
    return arrays


class _Bar:
    """Progress in runs: whole chunks as they finish, months within a chunk on the serial executor."""

    def __init__(self, total: int, initial: int, desc: str, enabled: bool):
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=initial, unit="run", delay=1.0, desc=desc, leave=False)

    def update(self, n: int) -> None:
        if self.bar is not None and n:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_chunks(sc, seed: int, spans: list[tuple[int, int]], overrides: dict, solution: str, *,
               executor="serial", workers: int | None = None, scheduler: str | None = None,
               out=None, resume: bool = False, progress: bool = False) -> tuple[dict, dict]:
    """Compute (or reload) every chunk of ``spans``; returns the run's columns and facts for the manifest.

    See ``alliance_sim.run`` for the arguments.
    """
    replicates = spans[-1][1]
    store = None
    have: set[tuple[int, int]] = set()
    if out is not None:
        spec = run_spec(sc, seed, replicates, spans[0][1] - spans[0][0], overrides, solution)
        store = ChunkStore.open(out, spec, resume)
        have = set(store.finished()) & set(spans) if resume else set()
    table = _Assembler(spans, sc.horizon)
    # Reload what is on disk first: a damaged chunk file is recomputed.
    for i, (lo, hi) in enumerate(spans):
        if (lo, hi) in have:
            arrays = store.read(lo, hi, sc.horizon)
            if arrays is None:
                have.discard((lo, hi))
            else:
                table.put(i, arrays)
    todo = [i for i in range(len(spans)) if not table.has(i)]
    bar = _Bar(replicates, replicates - sum(spans[i][1] - spans[i][0] for i in todo), sc.name, progress)
    owned = not isinstance(executor, Executor)
    ex = None
    try:
        if todo:
            ex = (make_executor(executor, _cap(workers, len(todo), executor, scheduler), scheduler) if owned
                  else executor)
            if ex.name == "serial":
                tasks = [(sc, seed, *spans[i], slice_overrides(overrides, *spans[i]), solution,
                          _MonthProgress(bar, *spans[i], sc.horizon)) for i in todo]
            else:
                tasks = [(sc, seed, *spans[i], slice_overrides(overrides, *spans[i]), solution) for i in todo]
            for k, arrays in ex.map_unordered(compute_chunk, tasks):
                i = todo[k]
                lo, hi = spans[i]
                if store is not None:
                    store.write(lo, hi, arrays)
                table.put(i, arrays)
                del arrays
                if ex.name != "serial":
                    bar.update(hi - lo)
    except BaseException as e:
        if store is None:
            raise
        done = len(store.finished())
        if not done:
            store.remove()  # nothing to resume: leave nothing behind
        if isinstance(e, KeyboardInterrupt):
            raise Interrupted(done, len(spans), store.folder) from None
        raise
    finally:
        bar.close()
        if owned and ex is not None:
            ex.close()
    arrays = table.result()
    info = {"chunk_size": spans[0][1] - spans[0][0], "chunks": len(spans), "chunks_reused": len(spans) - len(todo),
            "executor": getattr(ex, "name", executor if isinstance(executor, str) else "serial"),
            "workers": getattr(ex, "workers", 1)}
    return arrays, info


class _Assembler:
    """The run's columns, filled chunk by chunk in place (chunks may arrive in any order).

    Each chunk's rows go to their final position as soon as it arrives, so
    at most the finished table and the chunks in flight are in memory.
    """

    def __init__(self, spans, horizon: int):
        self.spans, self.horizon = spans, horizon
        self.rows = spans[-1][1] * horizon
        self.columns: dict[str, np.ndarray] | None = None
        self.filled: set[int] = set()

    def has(self, i: int) -> bool:
        return i in self.filled

    def put(self, i: int, arrays: dict) -> None:
        lo, hi = self.spans[i]
        if len(self.spans) == 1:
            self.columns = arrays
        else:
            if self.columns is None:
                self.columns = {k: np.empty(self.rows, dtype=v.dtype) for k, v in arrays.items()}
            for k, v in arrays.items():
                self.columns[k][lo * self.horizon:hi * self.horizon] = v
        self.filled.add(i)

    def result(self) -> dict:
        assert len(self.filled) == len(self.spans), "missing chunks"
        return self.columns


def _cap(workers, n_tasks, executor, scheduler):
    """No more local workers than chunks to compute."""
    if executor == "serial" or scheduler or isinstance(executor, Executor):
        return workers
    from .executors import default_workers

    return max(1, min(workers or default_workers(), n_tasks))


class _MonthProgress:
    """Serial executor: advance the bar by a chunk's share of runs each month."""

    def __init__(self, bar: _Bar, lo: int, hi: int, horizon: int):
        self.bar, self.n, self.horizon, self.shown = bar, hi - lo, horizon, 0

    def __call__(self, month: int) -> None:
        runs = self.n * month // self.horizon
        self.bar.update(runs - self.shown)
        self.shown = runs


def cli_executor_args(args) -> dict:
    """``executor, workers, scheduler`` from the CLI flags (``--scheduler`` implies dask)."""
    executor = args.executor or ("dask" if args.scheduler else "serial")
    return {"executor": executor, "workers": args.workers, "scheduler": args.scheduler}


def resume_command(args, out, prog: str = "alliance-sim") -> str:
    """The command that resumes this run (the same settings, with --resume)."""
    import shlex

    parts = [prog, "run", args.scenario, "--replicates", str(args.replicates), "--seed", str(args.seed)]
    for item in args.sets or []:
        parts += ["--set", item]
    if args.solution != "qre":
        parts += ["--solution", args.solution]
    if args.chunk_size:
        parts += ["--chunk-size", str(args.chunk_size)]
    for flag in ("executor", "workers", "scheduler"):
        if getattr(args, flag):
            parts += [f"--{flag}", str(getattr(args, flag))]
    parts += ["--out", str(out)]
    if args.format != "parquet":
        parts += ["--format", args.format]
    if args.no_figures:
        parts.append("--no-figures")
    return shlex.join(parts + ["--resume"])


__all__ = ["Interrupted", "compute_chunk", "run_chunks", "slice_overrides", "partial_dir", "cli_executor_args",
           "resume_command"]
