"""Running ensembles: ``run`` one scenario, ``compare`` several on the same seed."""
from __future__ import annotations

import json
import contextlib
import shutil
from pathlib import Path

from .abm.choice import check_concept
from .domain.metrics import MAIN_METRICS
from .domain.parameters import Params
from .domain.scenario import load_scenario
from .errors import UserError
from .output.results import Results, _scenario_copy, time_column

def _check_run_args(replicates, seed):
    if int(replicates) < 1:
        raise UserError(f"replicates must be at least 1, got {replicates}", key="replicates")
    if int(seed) < 0:
        raise UserError(f"seed must be a non-negative integer, got {seed}", key="seed")


def run(scenario="baseline", replicates: int = 1000, seed: int = 0, overrides: dict | None = None, *,
        solution: str = "qre", chunk_size: int | None = None, progress: bool = False,
        executor=None, workers: int | None = None, scheduler: str | None = None,
        out=None, resume: bool = False, table_format: str = "parquet", figures: bool = True,
        overwrite: bool = False, figure_formats=("png",), checkpoint=None) -> Results:
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
    executor : {"serial", "processes", "dask"}, Executor or None
        Where chunks run (None: chosen by ``engine.executors.auto_executor``:
        serial unless the run is large enough for worker processes to pay
        off, more than one core is available and their memory fits): in this
        process; in ``workers`` local processes
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
        With ``out`` the table is never held whole: the saved table is
        assembled from the chunks one at a time, the summary and figures read
        it a column at a time, and the returned ``Results`` reads
        ``OUT/trajectories.*`` when ``.trajectories`` is first used (memory
        stays near that of one chunk, whatever the replicates). Without
        ``out`` the whole table is built in memory and returned.
    resume : bool
        Continue the unfinished run in ``OUT.partial/``: its settings must
        match; only its missing chunks are computed. Without ``resume``, a
        partial run there is an error (it is never silently reused).
    table_format : {"parquet", "csv"}
    figures : bool
        With ``out``: the table format, and whether to draw the figures.
    overwrite : bool
        With ``out``: replace earlier alliance-sim results there. A file, or a
        folder holding anything alliance-sim did not write, is refused
        whatever this says (checked before the run starts).
    figure_formats : sequence of {"png", "svg", "pdf"}
        With ``out`` and ``figures``: the formats each figure is saved in.
    checkpoint : path, optional
        Without ``out``: keep finished chunks in ``CHECKPOINT.partial/`` (for
        ``resume``) and save nothing else; used by ``compare``.
    """
    from .abm.recorder import frame
    from .engine.batches import Job, run_job, stored_chunks
    from .engine.lock import hold
    from .engine.executors import check_executor
    from .engine.planner import spans
    from .output.table import Pieces

    _check_run_args(replicates, seed)
    check_concept(solution)
    sc = load_scenario(scenario)
    overrides = dict(overrides or {})
    params = Params.build({**sc.parameters, **overrides}, int(replicates))  # validates before any work
    spans(int(replicates), chunk_size)  # validates the chunk size
    if resume and out is None and checkpoint is None:
        raise UserError("resume needs an output folder (out=...)", key="resume")
    if out is not None:
        from .output.io import check_figure_formats, check_out

        check_out(out, overwrite, key="out")  # before any work: never lose a file
        check_figure_formats(figure_formats)
    if executor is None and (workers is not None or scheduler):
        executor = "serial"  # workers or a scheduler with no executor named: refused below, as always
    check_executor(executor, workers, scheduler)
    job = Job.ensemble(sc, int(replicates), int(seed), overrides, solution)
    folder = out if out is not None else checkpoint
    streamed = out is not None  # the chunks are on disk: the table need never be whole in memory
    # One lock over the computation and the final save: no second run slips in between.
    with (hold(folder) if folder is not None else contextlib.nullcontext()):
        arrays, info = run_job(job, chunk_size=chunk_size, executor=executor, workers=workers,
                               scheduler=scheduler, out=folder, resume=resume, progress=progress,
                               collect=not streamed)
        if streamed:
            table = Pieces(lambda: stored_chunks(job, out, chunk_size))
        else:
            table = frame(arrays)
        res = Results(sc, table, int(seed), int(replicates), params.as_dict(), solution, meta={"run": info})
        if out is not None:
            from .engine.store import partial_dir

            res.save(out, table_format=table_format, with_figures=figures, overwrite=overwrite,
                     figure_formats=figure_formats)  # afterwards res reads its table from out
            shutil.rmtree(partial_dir(out), ignore_errors=True)  # the run is complete: drop its checkpoints
    return res


class Comparison:
    """Several scenarios run with the same seed and replicates.

    ``table()`` compares means at a month, ``plot()`` draws them together,
    ``save(out)`` writes ``comparison.csv``, the figure, ``manifest.json`` and
    each scenario's run in its own sub-folder; ``Comparison.load(out)`` (or
    ``alliance_sim.load``) reads it back.
    """

    def __init__(self, results: dict[str, Results]):
        self.results = results

    @property
    def names(self) -> list[str]:
        return list(self.results)

    def _first(self) -> Results:
        return next(iter(self.results.values()))

    def check(self, metrics=None, month: int | None = None):
        """Validate metrics and a month against the scenarios (before or after running them)."""
        return check_compare_args([r.scenario for r in self.results.values()], metrics, month)

    def table(self, metrics=None, month: int | None = None):
        """Mean of each metric per scenario at ``month`` (default: final) and its difference from the first."""
        import pandas as pd

        metrics, month = self.check(metrics, month)
        rows = []
        first = None
        for name, res in self.results.items():
            df = res.trajectories
            t = time_column(df)
            m = int(df[t].max() if month is None else month)
            means = df.loc[df[t] == m, metrics].mean()
            first = means if first is None else first
            for metric in metrics:
                rows.append(dict(scenario=name, month=m, metric=metric, mean=float(means[metric]),
                                 diff_from_first=float(means[metric] - first[metric])))
        return pd.DataFrame(rows)

    def info(self) -> dict:
        return self._first().info()

    def plot(self, metrics=None):
        from .output.figures import compare_chart

        metrics = [metrics] if isinstance(metrics, str) else metrics
        metrics, _ = self.check(metrics)
        return compare_chart({n: r.trajectories for n, r in self.results.items()}, metrics, info=self.info())

    def manifest(self, metrics=None, month=None) -> dict:
        from .output.io import manifest

        r = self._first()
        return manifest("compare", r.scenario, seed=r.seed, solution=r.solution, replicates=r.replicates,
                        scenarios=self.names, folders={n: f"runs/{n}" for n in self.names},
                        metrics=list(metrics or MAIN_METRICS), month=month)

    def save(self, out, metrics=None, month: int | None = None, *, overwrite: bool = False,
             figure_formats=("png",), table_format: str = "parquet"):
        """Write ``comparison.csv``, ``comparison.*`` figure, ``manifest.json`` and ``runs/NAME/`` per scenario."""
        from .output.io import write_outputs

        metrics, month = self.check(metrics, month)
        tables = {"comparison.csv": self.table(metrics, month)}
        extra = {}
        for name, res in self.results.items():
            t, _ = res._files(table_format, with_figures=False, prefix=f"runs/{name}/")
            tables.update(t)
            extra[f"runs/{name}/manifest.json"] = json.dumps(res.manifest(), indent=2, default=str)
            extra.update({f"runs/{name}/{k}": v for k, v in _scenario_copy(res.scenario).items()})
        from .output.io import check_figure_formats

        figs = {"comparison": self.plot(metrics)} if check_figure_formats(figure_formats) else {}
        return write_outputs(out, tables, self.manifest(metrics, month), figs,
                             table_format=table_format, overwrite=overwrite, figure_formats=figure_formats,
                             extra=extra)

    @classmethod
    def load(cls, folder) -> "Comparison":
        from .output.results import read_manifest

        folder = Path(folder)
        man = read_manifest(folder, ("compare",))
        return cls({name: Results.load(folder / sub) for name, sub in man["folders"].items()})

    def __repr__(self) -> str:
        return f"<Comparison of {', '.join(self.names)}>"

    def _repr_html_(self) -> str:
        t = self.table().pivot(index="metric", columns="scenario", values="mean")[self.names]
        return "<p><b>Scenario means at the final month</b></p>" + t.to_html(float_format="%.3f")


def check_compare_args(scenarios, metrics=None, month: int | None = None, *, keys=("metric", "month")):
    """``(metrics, month)`` checked against the scenarios before any run: known metrics, a month in every horizon."""
    from .domain.metrics import METRICS, payoff_columns

    metrics = list(dict.fromkeys(metrics or MAIN_METRICS))
    allowed = list(METRICS) + payoff_columns()
    for m in metrics:
        if m not in allowed:
            raise UserError(f"unknown metric {m!r}; allowed: {', '.join(allowed)}", key=keys[0])
    if month is not None:
        horizon = min(int(sc.horizon) for sc in scenarios)
        try:
            ok = int(month) == month and 0 <= int(month) <= horizon
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise UserError(f"month {month!r} not allowed; allowed: 0 to {horizon} (the shortest horizon)",
                            key=keys[1])
        month = int(month)
    return metrics, month


def compare(scenarios, replicates: int = 1000, seed: int = 0, overrides: dict | None = None, *, metrics=None,
            month: int | None = None, **kwargs) -> Comparison:
    """Run several scenarios with the same seed; returns a ``Comparison``.

    Keyword arguments are those of ``run`` (``solution``, ``chunk_size``,
    ``executor``, ``workers``, ``scheduler``, ``progress``), except ``out``
    and ``resume``; one executor (e.g. one Dask cluster) serves all scenarios.
    ``metrics`` and ``month``, if given, are checked before anything runs
    (as ``Comparison.table`` would use them). Save with ``Comparison.save(out)``.
    """
    from .engine.executors import make_executor

    loaded = [load_scenario(s) for s in scenarios]
    if len(loaded) < 2:
        raise UserError("compare needs at least two scenarios", key="scenarios")
    if kwargs.get("out"):
        raise UserError("compare does not take out; save with Comparison.save(out)", key="out")
    kwargs.pop("out", None)
    checkpoint, resume = kwargs.pop("checkpoint", None), bool(kwargs.pop("resume", False))
    if resume and checkpoint is None:
        raise UserError("resume needs a checkpoint folder (checkpoint=...)", key="resume")
    _check_run_args(replicates, seed)
    check_concept(kwargs.get("solution", "qre"))
    check_compare_args(loaded, metrics, month)
    if overrides:
        Params.build({**overrides}, int(replicates))  # validates before any work
    executor = kwargs.pop("executor", "serial")
    workers, scheduler = kwargs.pop("workers", None), kwargs.pop("scheduler", None)
    with make_executor(executor, workers, scheduler) as ex:
        return Comparison({sc.name: run(sc, replicates, seed, overrides, executor=ex, resume=resume,
                                        checkpoint=None if checkpoint is None else _scenario_checkpoint(checkpoint, sc),
                                        **kwargs) for sc in loaded})


def _scenario_checkpoint(checkpoint, sc) -> Path:
    """Where ``compare`` keeps one scenario's finished chunks: ``OUT.partial/NAME.partial/``."""
    from .engine.store import partial_dir

    return partial_dir(checkpoint) / sc.name
