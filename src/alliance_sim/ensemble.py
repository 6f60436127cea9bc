"""Running ensembles: ``run`` one scenario, ``compare`` several on the same seed."""
from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

from .abm.choice import check_concept
from .domain.parameters import Params
from .domain.scenario import load_scenario
from .errors import UserError
from .output.comparison import Comparison, check_compare_args  # noqa: F401  (re-exported: ensemble.Comparison)
from .output.results import Results

def _check_run_args(replicates, seed):
    if int(replicates) < 1:
        raise UserError(f"replicates must be at least 1, got {replicates}", key="replicates")
    if int(seed) < 0:
        raise UserError(f"seed must be a non-negative integer, got {seed}", key="seed")


def run(scenario="baseline", replicates: int = 1000, seed: int = 0, overrides: dict | None = None, *,
        solution: str = "qre", chunk_size: int | None = None, progress: bool = False,
        executor=None, workers: int | None = None, scheduler: str | None = None,
        out=None, resume: bool = False, table_format: str = "parquet", figures: bool = True,
        overwrite: bool = False, figure_formats=("png",), checkpoint=None, calibrated=None) -> Results:
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
    calibrated : path, optional
        A calibration folder or ``accepted*.csv`` (``alliance-sim calibrate``):
        each replicate draws its parameter set from the accepted sets
        (reproducibly from ``seed``); the scenario's own values and
        ``overrides`` win (see :mod:`alliance_sim.calibrated`).
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
    cal_info = None
    if calibrated is not None:  # checked and drawn before any work; explicit overrides win
        from .calibrated import calibrated_overrides

        drawn, cal_info = calibrated_overrides(calibrated, int(replicates), int(seed), scenario=sc)
        overrides = {**drawn, **overrides}
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
        if cal_info is not None:
            res.meta["calibrated"] = cal_info
        if out is not None:
            from .engine.store import partial_dir

            res.save(out, table_format=table_format, with_figures=figures, overwrite=overwrite,
                     figure_formats=figure_formats)  # afterwards res reads its table from out
            shutil.rmtree(partial_dir(out), ignore_errors=True)  # the run is complete: drop its checkpoints
    return res


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
