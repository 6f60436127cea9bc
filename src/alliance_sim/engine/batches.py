"""The one engine: every batch of model runs goes through ``run_job``.

A ``Job`` is a list of runs of one scenario: each run has a replicate id
(its random stream) and parameter values (scalars, or arrays over runs). A
scenario ensemble is a job whose ids are ``0..R-1``; a comparison is one job
per scenario on one executor; a sweep or sensitivity design is a job whose
ids repeat where its estimators compare runs (common random numbers) and
which keeps only a few months and metrics.

``run_job`` cuts the runs into batches (``planner``), computes each batch as
one ``AllianceModel`` on an executor (``executors``: here, local processes
or Dask), checkpoints finished batches when given an output folder
(``store``) so an interrupted job can be resumed, and assembles the table in
run order. Each run's random numbers depend only on the seed and its id, and
array-valued parameters are sliced per batch, so the result is bitwise the
same for any executor, number of workers and batch size.
"""
from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from ..abm.model import AllianceModel
from ..errors import CheckpointWarning, UserError
from .executors import Executor, auto_executor, make_executor
from .lock import hold
from .planner import cap_workers, slice_overrides, spans
from .resources import check_resources, check_runs
from .store import ChunkStore, Expected, chunk_name, partial_dir, run_spec, schema

FAILED = "failed"  # column of a job with ``isolate_failures``: 1 where the model failed for that run
SPLIT = 8  # a failing batch is rerun in this many parts, recursively


@dataclass(frozen=True)
class Job:
    """Runs of one scenario.

    Attributes
    ----------
    scenario : Scenario
    seed : int
    ids : numpy.ndarray
        Replicate id of each run (its random stream); repeats share random numbers.
    overrides : dict
        Parameter values: scalars, or arrays with one value per run.
    solution : str
    months : tuple of int, optional
        Keep only these months (the model stops at the last); default: every month.
    metrics : tuple of str, optional
        Keep only these columns (besides ``replicate`` and ``step``); default: all.
    isolate_failures : bool
        A run whose model fails numerically gets NaN metrics (and ``failed = 1``)
        instead of failing the job: the batch is rerun in parts to find it.
    offset : int
        Position of this job's first run in the whole job (for a part).
    """

    scenario: object
    seed: int
    ids: np.ndarray
    overrides: dict = field(default_factory=dict)
    solution: str = "qre"
    months: tuple[int, ...] | None = None
    metrics: tuple[str, ...] | None = None
    isolate_failures: bool = False
    offset: int = 0

    @classmethod
    def ensemble(cls, scenario, replicates: int, seed: int, overrides=None, solution: str = "qre") -> "Job":
        """Replicates ``0..replicates-1`` of a scenario, every month and column."""
        check_runs(int(replicates))  # before the ids are allocated
        return cls(scenario, int(seed), np.arange(int(replicates), dtype=np.int64), dict(overrides or {}), solution)

    @property
    def runs(self) -> int:
        return int(self.ids.size)

    @property
    def lo(self) -> int:
        return self.offset

    @property
    def hi(self) -> int:
        return self.offset + self.runs

    def part(self, lo: int, hi: int) -> "Job":
        """Runs ``lo..hi-1`` as a job of their own (what one batch computes)."""
        return replace(self, ids=self.ids[lo:hi], overrides=slice_overrides(self.overrides, lo, hi),
                       offset=self.offset + lo)

    def consecutive(self) -> bool:
        """Whether run ``k`` is replicate ``k`` (a plain ensemble)."""
        return bool(np.array_equal(self.ids, np.arange(self.offset, self.offset + self.runs)))


def compute_batch(job: Job, on_month=None) -> dict:
    """One batch as one batched model; returns the table's columns (``Recorder.arrays`` order).

    ``on_month(m)`` is called after each month.
    """
    return _columns(job, on_month)


def _columns(job: Job, on_month=None) -> dict:
    if job.isolate_failures:
        return _isolated(job)
    return _compute(job, on_month)


def _compute(job: Job, on_month=None) -> dict:
    model = AllianceModel(job.scenario, seed=job.seed, overrides=job.overrides, solution=job.solution,
                          replicate_ids=job.ids)
    last = max(job.months) if job.months else model.horizon
    while model.running and model.month < last:
        model.step()
        if on_month is not None:
            on_month(model.month)
    arrays = model.recorder.arrays()
    model.release()  # or every batch of a long job stays in memory until the cyclic GC runs
    return _keep(arrays, job.months, job.metrics)


def _keep(arrays: dict, months, metrics) -> dict:
    if months is None and metrics is None:
        return arrays
    rows = np.isin(arrays["step"], months) if months else slice(None)
    names = ["replicate", "step", *metrics] if metrics else list(arrays)
    return {k: arrays[k][rows] for k in names}


def _isolated(job: Job) -> dict:
    """Compute a batch; if the model fails, rerun it in parts down to single runs, failed runs as NaN."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # numpy overflow noise at extreme parameter corners
            out = _compute(job)
        out[FAILED] = np.zeros(out["step"].size, dtype=np.int8)
        return out
    except UserError:
        raise
    except (ArithmeticError, ValueError, RuntimeError):  # numerical failure in some run
        if job.runs == 1:
            return _failed_run(job)
        cuts = np.unique(np.linspace(0, job.runs, min(SPLIT, job.runs) + 1).astype(int))
        parts = [_isolated(job.part(int(a), int(b))) for a, b in zip(cuts[:-1], cuts[1:])]
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _failed_run(job: Job) -> dict:
    months = list(job.months or range(0, job.scenario.horizon + 1))  # month 0 (the start) too
    H = len(months)
    out = {"replicate": np.repeat(job.ids, H), "step": np.asarray(months, dtype=np.int64)}
    for name in job.metrics or ():
        out[name] = np.full(H, np.nan)
    out[FAILED] = np.ones(H, dtype=np.int8)  # the error itself is not kept: rerun the run alone to see it
    return out


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a checkpointed job: ``done`` of ``total`` batches are saved in ``partial``."""

    def __init__(self, done: int, total: int, partial):
        super().__init__(f"interrupted; {done} of {total} chunks saved in {partial}")
        self.done, self.total, self.partial = done, total, partial


class _Bar:
    """Progress in runs: whole batches as they finish, months within a batch on the serial executor."""

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


class _MonthProgress:
    """Serial executor: advance the bar by a batch's share of runs each month."""

    def __init__(self, bar: _Bar, runs: int, months: int):
        self.bar, self.n, self.months, self.shown = bar, runs, months, 0

    def __call__(self, month: int) -> None:
        runs = self.n * month // self.months
        self.bar.update(runs - self.shown)
        self.shown = runs


def run_job(job: Job, *, chunk_size: int | None = None, executor="serial", workers: int | None = None,
            scheduler: str | None = None, out=None, resume: bool = False, progress: bool = False,
            desc: str | None = None, collect: bool = True) -> tuple[dict | None, dict]:
    """Compute (or reload) every batch of a job; returns its columns in run order and facts for the manifest.

    Parameters
    ----------
    job : Job
    chunk_size : int, optional
        Runs per batch (default: up to 1,000): one task and one checkpoint each.
    executor : {"serial", "processes", "dask"}, Executor or None
        An ``Executor`` instance is used as is and not closed; None: chosen
        from the job's size (``executors.auto_executor``).
    workers, scheduler
        Worker processes; a running Dask scheduler's address.
    out : path, optional
        Checkpoint finished batches in ``OUT.partial/`` (see ``store``).
    resume : bool
        Reuse the batches of an interrupted job with the same spec.
    progress : bool
        Show a progress bar (after one second).
    collect : bool
        Assemble the table in memory. With ``out`` and ``collect=False`` each
        batch is only checked and checkpointed, and the columns returned are
        None: read the table back a chunk at a time with ``stored_chunks``
        (memory stays at a few batches however many runs).
    """
    if not collect and out is None:
        raise ValueError("collect=False needs out: the batches must be kept somewhere")  # a bug, not user input
    batches = spans(job.runs, chunk_size)
    size = batches[0][1] - batches[0][0]
    months = len(job.months) if job.months else job.scenario.horizon + 1  # the table has month 0 too
    auto = executor is None
    if auto:
        executor = auto_executor(job.runs, workers, scheduler)
    owned = not isinstance(executor, Executor)
    local = owned and executor != "serial" and not scheduler
    n_workers = cap_workers(workers, len(batches)) if local else (getattr(executor, "workers", None) or workers or 1)
    try:
        check_resources(job, size, n_workers, row_bytes(job), out=out, processes=local,
                        streamed=not collect)  # before any work or file
    except UserError:
        if not (auto and local):
            raise
        executor = "serial"  # chosen, not asked for: worker processes do not fit, this process alone may
        check_resources(job, size, 1, row_bytes(job), out=out, streamed=not collect)
    with contextlib.ExitStack() as stack:
        store = None
        if out is not None:
            stack.enter_context(hold(out))  # one run per output folder
            store = ChunkStore.open(out, run_spec(job, size), resume)
        return _run(job, batches, months, store, resume, executor, workers, scheduler, progress, desc, collect)


def stored_chunks(job: Job, out, chunk_size: int | None = None):
    """The tidy table of a finished checkpointed job (``run_job(..., out=out)``), a chunk at a time, in run order.

    Yields one DataFrame per chunk (``abm.recorder.frame``), each verified
    again as it is read (its record, its data's hash, its columns, ids and
    months): a chunk changed on disk since it was written raises instead of
    reaching the results.
    """
    from ..abm.recorder import frame

    batches = spans(job.runs, chunk_size)
    size = batches[0][1] - batches[0][0]
    store = ChunkStore(partial_dir(out), run_spec(job, size))
    expect = Expected.from_reference(reference_run(job))
    for lo, hi in batches:
        arrays, why = store.verify(lo, hi, job.ids[lo:hi], expect)
        if arrays is None:
            raise RuntimeError(f"checkpoint {chunk_name(lo, hi)} in {store.folder} changed during the run: {why}")
        yield frame(arrays)


_ROW_BYTES: dict = {}


def row_bytes(job: Job) -> int:
    """Bytes per row of a job's table: the dtypes of a one-run, one-month run of the same job."""
    sc = job.scenario
    key = (sc.name, sc.content_hash, sc.horizon, job.months and min(job.months), job.metrics, job.isolate_failures,
           job.solution)
    if key not in _ROW_BYTES:
        first = (min(job.months),) if job.months else (1,)
        probe = _columns(replace(job.part(0, 1), months=first))
        _ROW_BYTES[key] = sum(np.asarray(v).dtype.itemsize for v in probe.values())
    return _ROW_BYTES[key]


def reference_run(job: Job) -> dict:
    """The job's first run alone: what every batch's columns, dtypes, months and non-finite cells look like."""
    return _columns(job.part(0, 1))


def _reload(job: Job, batches, months: int, store: ChunkStore, table: "_Assembler") -> list[str]:
    """Put every chunk on disk that verifies into ``table``; remove the others. Returns why each was rejected."""
    have = store.finished()
    wanted = [i for i, span in enumerate(batches) if span in have]
    if not wanted:
        return []
    expect = Expected.from_reference(reference_run(job))
    if expect.months != months:  # pragma: no cover - a bug, not damage
        raise RuntimeError(f"reference run has {expect.months} months, expected {months}")
    table.expect(expect.columns)
    rejected = []
    for i in wanted:
        lo, hi = batches[i]
        arrays, why = store.verify(lo, hi, job.ids[lo:hi], expect)
        if arrays is None:
            rejected.append(f"{chunk_name(lo, hi)}: {why}")
            store.discard(lo, hi)
        else:
            table.put(i, arrays)
    for (lo, hi) in set(have) - set(batches):  # not a chunk of this run's spans (cannot happen with one spec)
        store.discard(lo, hi)
    return rejected


def _run(job, batches, months, store, resume, executor, workers, scheduler, progress, desc, collect=True):
    table = _Assembler(batches, months, keep=collect)
    rejected = _reload(job, batches, months, store, table) if (store is not None and resume) else []
    if rejected:
        warnings.warn(ChunkRecomputed(
            f"{len(rejected)} saved chunk(s) in {store.folder} failed verification and will be recomputed: "
            + "; ".join(rejected[:3]) + (f"; and {len(rejected) - 3} more" if len(rejected) > 3 else "")),
            stacklevel=3)
    todo = [i for i in range(len(batches)) if not table.has(i)]
    bar = _Bar(job.runs, job.runs - sum(batches[i][1] - batches[i][0] for i in todo), desc or job.scenario.name,
               progress)
    owned = not isinstance(executor, Executor)
    ex = None
    try:
        if todo:
            local = owned and executor != "serial" and not scheduler
            ex = make_executor(executor, cap_workers(workers, len(todo)) if local else workers, scheduler)
            serial = ex.name == "serial"
            tasks = [(job.part(*batches[i]),) + ((_MonthProgress(bar, batches[i][1] - batches[i][0],
                                                                  max(job.months or [job.scenario.horizon])),)
                                                  if serial else ()) for i in todo]
            for k, arrays in ex.map_unordered(compute_batch, tasks):
                i = todo[k]
                lo, hi = batches[i]
                table.put(i, arrays)  # checks the columns first: nothing unchecked is saved
                if store is not None:
                    store.write(lo, hi, arrays)
                del arrays
                if not serial:
                    bar.update(hi - lo)
    except BaseException as e:
        if store is None:
            raise
        done = len(store.finished())
        if not done:
            store.remove()  # nothing to resume: leave nothing behind
        if isinstance(e, KeyboardInterrupt):
            raise Interrupted(done, len(batches), store.folder) from None
        raise
    finally:
        bar.close()
        if owned and ex is not None:
            ex.close()
    info = {"chunk_size": batches[0][1] - batches[0][0], "chunks": len(batches),
            "chunks_reused": len(batches) - len(todo), "chunks_recomputed": len(rejected),
            "executor": getattr(ex, "name", executor if isinstance(executor, str) else "serial"),
            "workers": getattr(ex, "workers", 1)}
    if rejected:
        info["chunks_rejected"] = rejected
    return table.result(), info


class ChunkRecomputed(CheckpointWarning):
    """A saved chunk failed verification on resume (damaged, edited, or from another run) and is recomputed."""


class _Assembler:
    """The job's columns, filled batch by batch in place (batches may arrive in any order).

    Each batch's rows go to their final position as soon as it arrives, so
    at most the finished table and the batches in flight are in memory.
    Every batch must have the same columns and dtypes (those of the first,
    or of the reference run) and its full rows: nothing is left unfilled.
    With ``keep=False`` batches are only checked and counted (they are
    checkpointed, and read back from there).
    """

    def __init__(self, batches, months: int, keep: bool = True):
        self.batches, self.months, self.keep = batches, months, keep
        self.rows = batches[-1][1] * months
        self.columns: dict[str, np.ndarray] | None = None
        self.schema: list | None = None
        self.filled: set[int] = set()

    def expect(self, columns: list) -> None:
        self.schema = [list(c) for c in columns]

    def has(self, i: int) -> bool:
        return i in self.filled

    def put(self, i: int, arrays: dict) -> None:
        lo, hi = self.batches[i]
        got = schema(arrays)
        if self.schema is None:
            self.schema = got
        elif got != self.schema:  # a bug (a batch computed here differs from the others), not damage
            raise RuntimeError(f"batch {lo}..{hi - 1} has columns {got}, expected {self.schema}")
        n = (hi - lo) * self.months
        if any(np.asarray(v).shape != (n,) for v in arrays.values()):
            raise RuntimeError(f"batch {lo}..{hi - 1} does not have {n} rows in every column")
        if not self.keep:
            pass
        elif len(self.batches) == 1:
            self.columns = arrays
        else:
            if self.columns is None:
                self.columns = {k: np.empty(self.rows, dtype=v.dtype) for k, v in arrays.items()}
            for k, v in arrays.items():
                self.columns[k][lo * self.months:hi * self.months] = v
        self.filled.add(i)

    def result(self) -> dict:
        if len(self.filled) != len(self.batches):
            raise RuntimeError("missing batches")  # a bug, not a user error
        return self.columns


__all__ = ["FAILED", "ChunkRecomputed", "Interrupted", "Job", "compute_batch", "run_job", "stored_chunks"]
