"""Running ensembles: ``run`` one scenario, ``compare`` several on the same seed."""
from __future__ import annotations

import shutil

from .abm.choice import check_concept
from .domain.metrics import MAIN_METRICS
from .domain.parameters import Params
from .domain.scenario import load_scenario
from .errors import UserError
from .output.results import Results

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
    from .abm.recorder import frame
    from .engine.batches import Job, run_job
    from .engine.executors import check_executor
    from .engine.planner import spans

    _check_run_args(replicates, seed)
    check_concept(solution)
    sc = load_scenario(scenario)
    overrides = dict(overrides or {})
    params = Params.build({**sc.parameters, **overrides}, int(replicates))  # validates before any work
    spans(int(replicates), chunk_size)  # validates the chunk size
    if resume and out is None:
        raise UserError("resume needs an output folder (out=...)", key="resume")
    check_executor(executor, workers, scheduler)
    job = Job.ensemble(sc, int(replicates), int(seed), overrides, solution)
    arrays, info = run_job(job, chunk_size=chunk_size, executor=executor, workers=workers, scheduler=scheduler,
                           out=out, resume=resume, progress=progress)
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
        from .output.figures import compare_chart

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
