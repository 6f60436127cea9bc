"""Where an ensemble's chunks run: in this process, in worker processes, or on a Dask cluster.

Every executor runs the same function on the same arguments, and each
chunk's random streams depend only on the run seed and its replicate ids, so
the results are bitwise identical whichever executor (and however many
workers) computed them, on the same platform and library versions.

``Executor.map_unordered(fn, tasks)`` yields ``(index, result)`` as chunks
finish (in any order); the caller reassembles them in chunk order.
"""
from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import sys
import threading
from typing import Callable, Iterator, Sequence

from ..errors import UserError, excerpt
from .planner import default_workers

EXECUTORS = ("serial", "processes", "dask")
# Runs from which local worker processes beat one process when no executor is named: below it, starting
# the workers (a forkserver that imports the model, then one process per core) costs more than the second
# core saves. Measured with `alliance-sim run baseline -n N --out X --no-figures` (36 months, chunks of
# 1,000), serial vs two workers on 2 cores, median wall time of interleaved rounds: 2,000 runs 0.84x,
# 5,000 1.05x, 10,000 1.20x, 20,000 1.36x, 40,000 1.47x (on a machine busy with other work the gain
# starts later: processes lost up to 10,000 runs at a load average of 4).
PROCESSES_FROM = 5_000


class Executor:
    """Base class: a context manager that runs tasks and yields their results as they finish."""

    name = "serial"

    def __init__(self, workers: int = 1):
        self.workers = int(workers)

    def map_unordered(self, fn: Callable, tasks: Sequence[tuple]) -> Iterator[tuple[int, object]]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} workers={self.workers}>"


class SerialExecutor(Executor):
    """Chunks one after another in this process (the default)."""

    name = "serial"

    def __init__(self, workers: int = 1):
        super().__init__(1)

    def map_unordered(self, fn, tasks):
        for i, args in enumerate(tasks):
            yield i, fn(*args)


def _worker_init() -> None:
    """Set up a worker process of ``ProcessExecutor``.

    Ctrl-C goes to the whole process group: the parent handles it (and stops
    the workers), so workers ignore it rather than print tracebacks. And a
    worker exits when the parent dies (e.g. ``kill -9``), instead of waiting
    for chunks that will never come.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = mp.parent_process()
    if parent is not None:
        def watch():
            parent.join()
            os._exit(1)

        threading.Thread(target=watch, daemon=True, name="alliance-sim-parent-watch").start()


@contextlib.contextmanager
def _sigint_ignored_by_children():
    """Ignore SIGINT while starting a cluster, so the processes started meanwhile ignore it for good.

    Ctrl-C reaches the whole process group. An ignored signal stays ignored
    across fork and exec, and Python (and asyncio's runner) leave an ignored
    SIGINT alone, so the Dask nannies and workers never see it and print no
    tracebacks; this process handles it as usual once the cluster is up (a
    Ctrl-C during the few seconds of start-up is dropped).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


@contextlib.contextmanager
def main_importable():
    """While worker processes start: hide a ``__main__`` file that does not exist (``python - <<EOF``, ``-c``).

    ``spawn`` and ``forkserver`` workers re-import the parent's main script
    from its ``__file__`` (multiprocessing's "main module" fix-up); for a
    script piped to Python that is ``<stdin>``, which no worker can read, so
    every worker dies at start (``BrokenProcessPool``, "Nanny failed to
    start"). Without ``__file__`` workers skip the fix-up, as they do for
    Jupyter and the interactive interpreter. The engine sends workers only
    its own functions, so they need nothing from ``__main__``.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    spec_name = getattr(getattr(main, "__spec__", None), "name", None)
    hide = main is not None and path is not None and spec_name is None and not os.path.isfile(path)
    if not hide:
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def mp_context():
    """``forkserver`` where available (safe with threads in the parent, fast to start), else ``spawn``."""
    if sys.platform != "win32" and "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        # Workers fork from a server that has already imported the model.
        ctx.set_forkserver_preload(["alliance_sim.engine.batches"])
        return ctx
    return mp.get_context("spawn")


class ProcessExecutor(Executor):
    """A ``concurrent.futures.ProcessPoolExecutor`` of ``workers`` processes on this machine."""

    name = "processes"

    def __init__(self, workers: int | None = None):
        from concurrent.futures import ProcessPoolExecutor

        super().__init__(workers or default_workers())
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=mp_context(),
                                         initializer=_worker_init)

    def map_unordered(self, fn, tasks):
        from concurrent.futures import as_completed

        with main_importable():  # the pool starts its processes on the first submissions
            futures = {self._pool.submit(fn, *args): i for i, args in enumerate(tasks)}
        try:
            for fut in as_completed(futures):
                # forget a finished future before handing out its result: the dict would otherwise keep
                # every batch's columns until the last one, the whole table in memory
                i = futures.pop(fut)
                result = fut.result()
                del fut
                yield i, result
                del result
        except BaseException:
            for fut in futures:
                fut.cancel()
            self._terminate()
            raise

    def _terminate(self) -> None:
        """Stop the workers now (on Ctrl-C or an error) instead of waiting for their chunks."""
        for proc in list((getattr(self._pool, "_processes", None) or {}).values()):
            try:
                proc.terminate()
            except Exception:  # noqa: BLE001 - already gone
                pass

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """A Dask cluster: a new ``LocalCluster`` of ``workers`` single-threaded processes, or ``scheduler``'s.

    With ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``), the
    workers must have ``alliance-sim`` installed (the same version).
    """

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        _need_dask()
        import logging

        from dask.distributed import Client, LocalCluster
        import warnings

        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout="10s")
            except Exception as e:  # noqa: BLE001 - a bad address (ValueError), refused or timed out (OSError)
                why = excerpt(str(e).splitlines()[0] if str(e) else e.__class__.__name__, 200)
                raise UserError(f"cannot connect to the Dask scheduler at {excerpt(scheduler)}: {why}",
                                key="scheduler") from None
            n = len(self._client.scheduler_info().get("workers", {}))
            super().__init__(workers or n or 1)
        else:
            super().__init__(workers or default_workers())
            with warnings.catch_warnings(), _sigint_ignored_by_children(), main_importable():
                # "Port 8787 is already in use": its HTTP server (the dashboard is off).
                # Workers log at CRITICAL only: on Ctrl-C the scheduler goes first and
                # their failed heartbeats would print tracebacks.
                warnings.filterwarnings("ignore", message="Port .* is already in use")
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                             dashboard_address=None, silence_logs=logging.CRITICAL)
                self._client = Client(self._cluster)

    @property
    def client(self):
        return self._client

    def map_unordered(self, fn, tasks):
        from dask.distributed import as_completed

        # pure=False: equal arguments must not be collapsed into one task.
        futures = [self._client.submit(fn, *args, pure=False) for args in tasks]
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for fut, result in as_completed(futures, with_results=True):
                yield index[fut.key], result
        except BaseException:
            self._client.cancel(futures)
            raise

    def close(self) -> None:
        try:
            self._client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()


def _need_dask() -> None:
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        raise UserError("the dask executor needs Dask: pip install 'alliance-sim[dask]'", key="executor") from None


def check_executor(executor="serial", workers: int | None = None, scheduler: str | None = None) -> None:
    """Raise ``UserError`` for settings no executor accepts (before any work is done or anything written).

    ``executor=None`` (chosen later from the job's size, see ``auto_executor``) is accepted.
    """
    if isinstance(executor, Executor):
        return
    if executor is None:
        executor = auto_executor(0, workers, scheduler)
    if executor not in EXECUTORS:
        raise UserError(f"unknown executor {executor!r}; allowed: {', '.join(EXECUTORS)}", key="executor")
    if workers is not None and int(workers) < 1:
        raise UserError(f"workers must be at least 1, got {workers}", key="workers")
    if scheduler and executor != "dask":
        raise UserError("a scheduler address needs the dask executor", key="scheduler")
    if executor == "serial" and workers not in (None, 1):
        raise UserError(f"{workers} workers need --executor processes or dask", key="workers")
    if executor == "dask":
        _need_dask()


def auto_executor(runs: int, workers: int | None = None, scheduler: str | None = None) -> str:
    """The executor for a job of ``runs`` runs when none is named.

    A scheduler address implies ``dask``; a number of workers implies
    ``processes`` (more than one) or ``serial`` (one). Otherwise worker
    processes only when the job has at least ``PROCESSES_FROM`` runs, where
    they pay for their start-up, and this process may use more than one core
    (its CPU affinity); else ``serial``. Dask is never chosen unasked (its
    start-up takes seconds and it is imported only when used).
    """
    if scheduler:
        return "dask"
    if workers is not None:
        return "processes" if int(workers) > 1 else "serial"
    return "processes" if int(runs) >= PROCESSES_FROM and default_workers() > 1 else "serial"


def resolve_executor(executor=None, workers: int | None = None, scheduler: str | None = None) -> dict:
    """``executor, workers, scheduler`` with the executor implied by the flags when not named.

    A scheduler address implies ``dask``; a number of workers implies
    ``processes`` (more than one) or ``serial``; with neither, the executor
    stays None and is chosen from the job's size when it runs (``auto_executor``).
    """
    if executor is None and (scheduler or workers is not None):
        executor = auto_executor(0, workers, scheduler)
    check_executor(executor, workers, scheduler)
    return {"executor": executor, "workers": workers, "scheduler": scheduler}


def make_executor(executor="serial", workers: int | None = None, scheduler: str | None = None,
                  runs: int = 0) -> Executor:
    """An executor by name (``serial``, ``processes``, ``dask``); an ``Executor`` is returned as is.

    None: the one ``auto_executor`` picks for ``runs`` runs.
    """
    if isinstance(executor, Executor):
        return executor
    if executor is None:
        executor = auto_executor(runs, workers, scheduler)
    check_executor(executor, workers, scheduler)
    if executor == "serial":
        return SerialExecutor()
    if executor == "processes":
        return ProcessExecutor(workers)
    return DaskExecutor(workers, scheduler)
