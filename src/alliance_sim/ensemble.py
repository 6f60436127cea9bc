"""Running ensembles: ``run`` one scenario, ``compare`` several on the same seed."""
from __future__ import annotations

import shutil

import numpy as np

from .abm.choice import check_concept
from .errors import UserError
from .domain.parameters import Params
from .output.results import Results
from .domain.scenario import load_scenario

DEFAULT_CHUNK = 1000


def chunks(replicates: int, chunk_size: int | None) -> list[tuple[int, int]]:
    """``[(first, stop), ...]`` covering ``range(replicates)`` in chunks of ``chunk_size``."""
    size = int(chunk_size or min(replicates, DEFAULT_CHUNK))
    if size < 1:
        raise UserError(f"chunk size {chunk_size} must be at least 1", key="chunk_size")
    return [(lo, min(lo + size, replicates)) for lo in range(0, replicates, size)]


def _slice(overrides: dict, lo: int, hi: int) -> dict:
    return {k: (v[lo:hi] if isinstance(v, np.ndarray) else v) for k, v in overrides.items()}


def run_chunk(scenario, seed: int, lo: int, hi: int, overrides: dict, solution: str, progress=None, *,
              arrays: bool = False):
    """One batched model over replicates ``lo..hi-1``; returns its table.

    ``overrides`` are the whole run's (arrays over all replicates are sliced
    here). ``progress.update(hi - lo)`` is called after each month. With
    ``arrays=True`` the table's columns are returned instead of a DataFrame
    (``recorder.frame`` builds it; ``recorder.concat_arrays`` joins chunks).
    """
    from .engine.batches import compute_chunk
    from .abm.recorder import frame

    on_month = None if progress is None else (lambda month: progress.update(hi - lo))
    cols = compute_chunk(load_scenario(scenario), seed, lo, hi, _slice(overrides, lo, hi), solution, on_month)
    return cols if arrays else frame(cols)


def _check_run_args(replicates, seed):
    if int(replicates) < 1:
        raise UserError(f"replicates must be at least 1, got {replicates}", key="replicates")
    if int(seed) < 0:
        raise UserError(f"seed must be a non-negative integer, got {seed}", key="seed")


def run(scenario="baseline", replicates: int = 1000, seed: int = 0, overrides: dict | None = None, *,
        solution: str = "qre", chunk_size: int | None = None, progress: bool = False,
        executor="serial", workers: int | None = None, scheduler: str | None = None,
        out=None, resume: bool = False, table_format: str = "parquet", figures: bool = True) -> Results:
    """Run an ensemble of a scenario.

    Parameters
    ----------
    scenario : str, path or Scenario
    replicates : int
    seed : int
        Replicate ``i`` always gets the same random stream, so results do not
        depend on ``chunk_size``, the executor or the number of workers.
    overrides : dict, optional
        Parameter values by name; arrays of length ``replicates`` give each
        replicate its own value (a sweep as one batched run).
    solution : {"qre", "nash", "pure"}
    chunk_size : int, optional
        Replicates per batched model (default: up to 1,000). Each chunk is
        one task for the executor and one checkpoint file.
    progress : bool
        Show a progress bar (it appears only if the run takes more than a second).
    executor : {"serial", "processes", "dask"} or Executor
        Where chunks run: in this process; in ``workers`` local processes
        (``concurrent.futures``); on Dask (``pip install 'alliance-sim[dask]'``):
        a new ``LocalCluster`` of ``workers`` processes, or the cluster at
        ``scheduler``. An ``executors.Executor`` instance is used as is (and
        not closed), e.g. to share one cluster between runs.
    workers : int, optional
        Worker processes (default: one per core, at most one per chunk).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``).
    out : str or path, optional
        Save the results there when the run completes (as ``Results.save``:
        trajectories, summary.csv, manifest.json, figures/). While it runs,
        each finished chunk is saved in ``OUT.partial/``, removed at the end.
    resume : bool
        Continue the unfinished run in ``OUT.partial/``: its settings must
        match; only its missing chunks are computed. Without ``resume``, a
        partial run there is an error (it is never silently reused).
    table_format : {"parquet", "csv"}
    figures : bool
        With ``out``: the table format, and whether to draw the figures.
    """
    from .engine.batches import run_chunks
    from .engine.executors import check_executor
    from .abm.recorder import frame

    _check_run_args(replicates, seed)
    check_concept(solution)
    sc = load_scenario(scenario)
    overrides = dict(overrides or {})
    params = Params.build({**sc.parameters, **overrides}, int(replicates))  # validates before any work
    spans = chunks(int(replicates), chunk_size)
    if resume and out is None:
        raise UserError("resume needs an output folder (out=...)", key="resume")
    check_executor(executor, workers, scheduler)
    arrays, info = run_chunks(sc, int(seed), spans, overrides, solution, executor=executor, workers=workers,
                              scheduler=scheduler, out=out, resume=resume, progress=progress)
    res = Results(sc, frame(arrays), int(seed), int(replicates), params.as_dict(), solution, meta={"run": info})
    if out is not None:
        from .engine.store import partial_dir

        res.save(out, table_format=table_format, with_figures=figures)
        shutil.rmtree(partial_dir(out), ignore_errors=True)  # the run is complete: drop its checkpoints
    return res


class Comparison:
    """Several scenarios run with the same seed and replicates."""

    def __init__(self, results: dict[str, Results]):
        self.results = results

    @property
    def names(self) -> list[str]:
        return list(self.results)

    def table(self, metrics=None, month: int | None = None):
        """Mean of each metric per scenario at ``month`` (default: final) and its difference from the first."""
        import pandas as pd
        from .output.figures import MAIN_METRICS

        metrics = list(metrics or MAIN_METRICS)
        rows = []
        first = None
        for name, res in self.results.items():
            df = res.trajectories
            m = int(month or df["step"].max())
            means = df.loc[df["step"] == m, metrics].mean()
            first = means if first is None else first
            for metric in metrics:
                rows.append(dict(scenario=name, month=m, metric=metric, mean=float(means[metric]),
                                 diff_from_first=float(means[metric] - first[metric])))
        return pd.DataFrame(rows)

    def plot(self, metrics=None):
        from .output.figures import MAIN_METRICS, compare_chart

        metrics = [metrics] if isinstance(metrics, str) else list(metrics or MAIN_METRICS)
        return compare_chart({n: r.trajectories for n, r in self.results.items()}, metrics,
                             title="Scenarios compared (same seed)")

    def __repr__(self) -> str:
        return f"<Comparison of {', '.join(self.names)}>"

    def _repr_html_(self) -> str:
        t = self.table().pivot(index="metric", columns="scenario", values="mean")[self.names]
        return "<p><b>Scenario means at the final month</b></p>" + t.to_html(float_format="%.3f")


def compare(scenarios, replicates: int = 1000, seed: int = 0, overrides: dict | None = None, **kwargs) -> Comparison:
    """Run several scenarios with the same seed; returns a ``Comparison``.

    Keyword arguments are those of ``run`` (``solution``, ``chunk_size``,
    ``executor``, ``workers``, ``scheduler``, ``progress``), except ``out``
    and ``resume``; one executor (e.g. one Dask cluster) serves all scenarios.
    """
    from .engine.executors import make_executor

    loaded = [load_scenario(s) for s in scenarios]
    if len(loaded) < 2:
        raise UserError("compare needs at least two scenarios", key="scenarios")
    for key in ("out", "resume"):
        if kwargs.get(key):
            raise UserError(f"compare does not take {key}; save each scenario with run(..., out=...)", key=key)
        kwargs.pop(key, None)
    _check_run_args(replicates, seed)
    check_concept(kwargs.get("solution", "qre"))
    executor = kwargs.pop("executor", "serial")
    workers, scheduler = kwargs.pop("workers", None), kwargs.pop("scheduler", None)
    with make_executor(executor, workers, scheduler) as ex:
        return Comparison({sc.name: run(sc, replicates, seed, overrides, executor=ex, **kwargs) for sc in loaded})
