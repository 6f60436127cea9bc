"""Will a job fit? Peak memory and disk estimated before any work starts.

The estimate comes from the job's shape: runs x months rows, each as wide as
the columns a one-month run of the same job produces (its dtypes' sizes).
A run that keeps its table in memory holds it whole while it is assembled
and saved, so the estimate is about 2.3 times the table (measured: 2.25 times it, plus
about 60 MB, for 10,000 and 40,000 replicates of ``baseline`` saved with
figures), plus the batches in flight (each
about three times its own rows while the model runs), plus each local
worker process's start-up, plus what the imports already take. A streamed
run (one with an output folder: its batches go to checkpoint files and the
saved table is assembled from them) never holds the table: its summary and
figures read one column (and the month column) at a time, about
``COLUMN_BYTES`` per row while a column's quantiles are computed. Disk for a
run with an output folder: its checkpoints and the saved table (parquet),
each about one table's width per row.

``check_resources`` refuses a job that cannot fit with one line: what it
needs, what is free, and how to make it fit. Memory available is the
smallest of the machine's available memory (``MemAvailable``), the cgroup
(container) limit less its usage, and the address-space limit
(``ulimit -v``). ``ALLIANCE_SIM_NO_RESOURCE_CHECK=1`` skips the check.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError

MAX_RUNS = 100_000_000  # runs per job: far beyond any machine's memory for the table (~8.5 KB per run)
TABLE_FACTOR = 2.3  # peak memory / table size: assembling, framing, summaries, figures, saving (measured 2.25)
FLIGHT_FACTOR = 3.0  # a batch in flight: the model's state, its recorder, its columns
OVERHEAD = 150 * 2**20  # beyond the imports: figures, summaries, pyarrow buffers
WORKER = 250 * 2**20  # one local worker process (imports and model)
COLUMN_BYTES = 48  # a streamed run: one metric and the month column read back, and their per-month quantiles
PARQUET_BYTES = 200  # bytes per row of a saved table (measured ~190 for every column, snappy)
MARGIN = 0.9  # use at most this share of what is free


@dataclass(frozen=True)
class Estimate:
    rows: int
    row_bytes: int
    memory: int
    disk: int

    @property
    def table(self) -> int:
        return self.rows * self.row_bytes


def size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} PB"  # pragma: no cover


def check_runs(runs: int, key: str = "replicates") -> None:
    """Refuse a job of more than ``MAX_RUNS`` runs (before its replicate ids are even allocated)."""
    if int(runs) > MAX_RUNS:
        raise UserError(f"{int(runs):,} runs is more than this engine takes in one job ({MAX_RUNS:,}); "
                        f"split it into several runs with different seeds", key=key)


def rows_of(job) -> int:
    months = len(job.months) if job.months else job.scenario.horizon + 1  # at most: month 0 may be recorded
    return int(job.runs) * int(months)


def estimate(job, chunk_size: int, workers: int, row_bytes: int, *, out=None, processes: bool = False,
             streamed: bool = False) -> Estimate:
    """Peak memory and disk of a job run in batches of ``chunk_size`` on ``workers`` (local processes or not).

    ``row_bytes``: bytes per row of its table (the sizes of its columns' dtypes); ``streamed``: the table
    is never held whole (see the module's note).
    """
    rb = int(row_bytes)
    rows = rows_of(job)
    per_run = rows // max(job.runs, 1)
    in_flight = min(int(workers), -(-job.runs // int(chunk_size))) * int(chunk_size) * per_run * rb
    table = COLUMN_BYTES * rows if streamed else TABLE_FACTOR * rows * rb
    memory = int(table + FLIGHT_FACTOR * in_flight + OVERHEAD
                  + (int(workers) * WORKER if processes else 0))
    disk = 2 * rows * PARQUET_BYTES if out is not None else 0
    return Estimate(rows, rb, memory, disk)


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def available_memory() -> int | None:
    """Bytes this process can still allocate: machine, cgroup and ``ulimit -v``, the smallest (None if unknown)."""
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    limit, used = _read_int("/sys/fs/cgroup/memory.max"), _read_int("/sys/fs/cgroup/memory.current")
    if limit is None:  # cgroup v1
        limit, used = (_read_int("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
                       _read_int("/sys/fs/cgroup/memory/memory.usage_in_bytes"))
    if limit is not None and used is not None and limit < 2**60:
        found.append(max(limit - used, 0))
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft not in (resource.RLIM_INFINITY, -1):
            vm = _read_int_field("/proc/self/status", "VmSize:")
            found.append(max(soft - (vm or 0), 0))
    except (ImportError, OSError, ValueError):  # pragma: no cover - not Unix
        pass
    return min(found) if found else None


def _read_int_field(path: str, field: str) -> int | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def free_disk(out) -> int | None:
    """Free bytes on the file system where ``out`` will be written (its nearest existing parent)."""
    p = Path(out).absolute()
    for parent in (p, *p.parents):
        try:
            if parent.exists():
                return shutil.disk_usage(parent).free
        except OSError:
            return None
    return None  # pragma: no cover


def check_resources(job, chunk_size: int, workers: int, row_bytes: int, *, out=None,
                    processes: bool = False, streamed: bool = False) -> Estimate:
    """Refuse, with one line, a job whose estimated peak memory or disk exceeds what is free."""
    check_runs(job.runs)
    est = estimate(job, chunk_size, workers, row_bytes, out=out, processes=processes, streamed=streamed)
    if os.environ.get("ALLIANCE_SIM_NO_RESOURCE_CHECK"):
        return est
    what = f"{job.runs:,} runs x {est.rows // max(job.runs, 1)} months"
    mem = available_memory()
    if mem is not None and est.memory > MARGIN * mem:
        table = (COLUMN_BYTES * est.rows) if streamed else TABLE_FACTOR * est.table
        if table + OVERHEAD <= MARGIN * mem:  # the table would fit: the batches in flight do not
            how = "use a smaller --chunk-size or fewer --workers"
        else:
            budget = MARGIN * mem - (est.memory - table)  # what is left for the table beside the rest
            per_row = COLUMN_BYTES if streamed else TABLE_FACTOR * est.row_bytes
            fit = int(max(budget, 0) // (per_row * (est.rows // max(job.runs, 1))))
            held = "its columns are read back one at a time" if streamed else "the whole table is held in memory"
            how = (f"{held}: about {fit:,} runs fit here; run fewer replicates "
                   f"(several runs with different --seed)" if fit >= 1
                   else "free some memory, or use a smaller --chunk-size or fewer --workers")
        raise UserError(f"{what} need about {size(est.memory)} of memory; {size(mem)} is available; {how}",
                        key="replicates")
    if out is not None:
        disk = free_disk(out)
        if disk is not None and est.disk > MARGIN * disk:
            raise UserError(f"{what} need about {size(est.disk)} of disk for checkpoints and results in "
                            f"{Path(out).parent}; {size(disk)} is free; free some space, choose another --out, "
                            f"or run fewer replicates", key="out")
    return est
