"""Sweeps: run the model over a design of parameter sets, keep the outcomes.

A design of ``rows`` parameter sets with ``R`` replicates each is run as a
few batched ensembles: design row ``j`` gives runs ``j R .. j R + R - 1`` its
parameter values (``np.repeat``), and each run draws the random numbers of
one replicate of the run seed (its *stream*). LHS rows each have their own
streams; Sobol and Morris designs share streams between the rows their
estimators compare (common random numbers, see
:func:`alliance_sim.explore.designs.streams`). The runs go through the one
engine (``alliance_sim.engine``) as a job with explicit replicate ids, so a
design is cut into a few large batches whatever its streams; results depend
only on the seed and the design, not on batching, the executor or the number
of workers. Each batch keeps only the outcome months and metrics, so memory
grows with ``runs x months kept``, not with the horizon.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..engine.executors import resolve_executor
from ..errors import UserError
from .designs import check_design, check_n, sample
from .designs import streams as design_streams
from .outcomes import metrics as allowed_metrics
from .outcomes import parse_outcome
from .space import problem as make_problem

ID_COLUMNS = ("row", "replicate", "run", "stream")


def default_outcomes() -> list[str]:
    """The main metrics (as in ``alliance-sim run``)."""
    from ..domain.metrics import MAIN_METRICS

    return list(MAIN_METRICS)


def check_months(scenario, month) -> list[int]:
    """Sorted months within the scenario's horizon; ``None`` is the final month."""
    if month is None:
        return [int(scenario.horizon)]
    items = [month] if np.ndim(month) == 0 else list(month)
    if not items:
        raise UserError(f"no month given; allowed: 1 to {scenario.horizon}", key="month")
    out = set()
    for m in items:
        try:
            v = int(m)
            whole = float(m) == v
        except (TypeError, ValueError):
            whole = False
        if not whole:
            raise UserError(f"month {m!r} is not a whole number; allowed: 1 to {scenario.horizon}", key="month")
        if not 1 <= v <= scenario.horizon:
            raise UserError(f"month {m!r} outside the horizon; allowed: 1 to {scenario.horizon}", key="month")
        out.add(v)
    return sorted(out)


def check_outcomes(outcomes) -> list[str]:
    if outcomes is None:
        return default_outcomes()
    items = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    names = []
    for item in items:
        o = parse_outcome(item, condition=False, key="outcomes")
        if o.metric not in names:
            names.append(o.metric)
    if not names:
        raise UserError(f"no outcome metric given; allowed: {', '.join(allowed_metrics())}", key="outcomes")
    return names


def _check_int(name, value, minimum):
    try:
        v = int(value)
    except (TypeError, ValueError):
        raise UserError(f"{name} must be a whole number, got {value!r}", key=name) from None
    if v != value or v < minimum:
        raise UserError(f"{name} must be a whole number of at least {minimum}, got {value!r}", key=name)
    return v


# ----------------------------------------------------------------------------- running
class ModelFailureWarning(UserWarning):
    """Some runs of a sweep failed in the model; their outcomes are NaN."""


def even_chunks(runs: int, most: int = 1000) -> int:
    """Batch size that cuts ``runs`` into as few batches of at most ``most`` as possible, all about equal.

    A design of 2,460 runs (Morris, 20 trajectories) becomes 3 batches of
    820, not 2 of 1,000 and one of 460; batches can only differ by the last
    one being short by fewer runs than there are batches. Over worker
    processes equal batches finish together. Batch sizes change no result
    (each run's random numbers follow its replicate id).
    """
    runs = max(int(runs), 1)
    batches = -(-runs // most)
    return -(-runs // batches)


def evaluate(scenario, overrides: dict, ids, *, seed: int = 0, months, metrics, solution: str = "qre",
             chunk_size: int | None = None, executor="serial", workers: int | None = None,
             scheduler: str | None = None, out=None, resume: bool = False, progress: bool = False,
             desc: str = "sweep"):
    """Run the model once per entry of ``ids`` and keep ``metrics`` at ``months``.

    The runs go through the one engine (``alliance_sim.engine``) like any
    ensemble: batches of ``chunk_size`` runs, any executor, checkpoints in
    ``OUT.partial/`` and ``resume`` when ``out`` is given.

    Parameters
    ----------
    scenario : Scenario
    overrides : dict
        Parameter values, scalars or arrays over runs.
    ids : array of int
        Each run's random stream (replicate id under ``seed``); runs with
        the same id see the same random numbers.

    Returns
    -------
    values : numpy.ndarray
        ``(runs, len(months), len(metrics))``; NaN for runs where the model failed.
    failed : list of int
        Positions of the runs that failed.
    """
    from ..engine.batches import FAILED, Job, run_job

    ids = np.asarray(ids, dtype=np.int64)
    if chunk_size is None:
        chunk_size = even_chunks(ids.size)
    job = Job(scenario, int(seed), ids, dict(overrides), solution, months=tuple(months), metrics=tuple(metrics),
              isolate_failures=True)
    cols, info = run_job(job, chunk_size=chunk_size, executor=executor, workers=workers, scheduler=scheduler,
                         out=out, resume=resume, progress=progress, desc=desc)
    H = len(months)
    values = np.stack([cols[m] for m in metrics], axis=-1).reshape(ids.size, H, len(metrics))
    failed = np.flatnonzero(cols[FAILED].reshape(ids.size, H).any(axis=1)).tolist()
    return values, failed, info


# ----------------------------------------------------------------------------- results
@dataclass
class Sweep:
    """A design run through the model.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (design row, replicate) -- per month too when several
        months are kept: ``row, replicate, run, stream[, month]``, the varied
        parameters, then the outcome metrics. ``stream`` is the replicate
        index whose random numbers the run used (``alliance_sim.run`` with
        the same seed and that replicate reproduces it).
    manifest : dict
        Scenario and its hash, seed, design, n, ranges, months, failures...
    problem : dict
        The SALib problem (names and bounds of the varied parameters).
    X : numpy.ndarray
        The design, ``(rows, num_vars)``.

    ``table, manifest = sweep(...)`` unpacks.
    """

    table: object
    manifest: dict
    problem: dict
    X: np.ndarray
    scenario: object = None
    meta: dict = field(default_factory=dict)

    def __iter__(self):
        return iter((self.table, self.manifest))

    @property
    def replicates(self) -> int:
        return int(self.manifest["replicates"])

    @property
    def months(self) -> list[int]:
        return list(self.manifest["months"])

    @property
    def outcomes(self) -> list[str]:
        return list(self.manifest["outcomes"])

    def values(self, outcome, month: int | None = None) -> np.ndarray:
        """Per-run values of an outcome at a month: ``(rows, replicates)``.

        ``outcome`` is a metric, or a condition (``"us_prk_deal > 0.5"``) giving 1.0/0.0.
        """
        o = parse_outcome(outcome)
        if o.metric not in self.outcomes:
            raise UserError(f"metric {o.metric!r} was not kept by this sweep; allowed: {', '.join(self.outcomes)}",
                            key="outcome")
        month = self.months[-1] if month is None else month
        if month not in self.months:
            raise UserError(f"month {month} was not kept by this sweep; allowed: "
                            f"{', '.join(map(str, self.months))}", key="month")
        t = self.table
        if "month" in t.columns:
            t = t[t["month"] == month]
        v = o.evaluate(t[o.metric].to_numpy())
        return v.reshape(self.X.shape[0], self.replicates)

    def y(self, outcome, month: int | None = None) -> np.ndarray:
        """One value per design row: the mean over replicates (a share for a condition); NaN if all failed."""
        v = self.values(outcome, month)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmean(v, axis=1)

    def inputs(self):
        """The design as a DataFrame (one row per design row)."""
        import pandas as pd

        return pd.DataFrame(self.X, columns=self.problem["names"])

    def save(self, out, *, overwrite: bool = False) -> Path:
        """Write ``sweep.parquet`` (CSV without pyarrow), ``manifest.json`` and ``scenario.toml`` to folder ``out``.

        An existing non-empty ``out`` is refused unless alliance-sim wrote it and ``overwrite`` is set.
        """
        from ..output.io import write_outputs
        from ..output.results import _scenario_copy

        return write_outputs(out, {"sweep": self.table}, self.manifest, overwrite=overwrite,
                             extra=_scenario_copy(self.scenario) if self.scenario is not None else None)

    @classmethod
    def load(cls, folder) -> "Sweep":
        """Read a folder written by ``Sweep.save`` (or ``alliance-sim sweep``) back into a ``Sweep``."""
        import pandas as pd

        from ..output.results import read_manifest, scenario_from_folder

        folder = Path(folder)
        man = read_manifest(folder, ("sweep",))
        path = folder / "sweep.parquet"
        table = pd.read_parquet(path) if path.is_file() else pd.read_csv(folder / "sweep.csv")
        names = list(man["parameters"])
        problem = {"num_vars": len(names), "names": names, "bounds": [list(b) for b in man["parameters"].values()]}
        first = table[table["replicate"] == 0]
        if "month" in first.columns:
            first = first[first["month"] == first["month"].min()]
        X = first.sort_values("row")[names].to_numpy(dtype=float)
        sc = scenario_from_folder(folder, man)
        if man.get("fixed"):
            sc = sc.with_overrides(man["fixed"])
        return cls(table, man, problem, X, sc)

    def __repr__(self) -> str:
        m = self.manifest
        return (f"<Sweep {m['scenario']}: {m['design']} n={m['n']}, {m['rows']} rows x {m['replicates']} "
                f"replicates, {m['num_vars']} parameters, months {m['months']}>")


def _manifest(sc, problem, *, design, n, calc_second_order, rows, replicates, seed, months, metrics, solution,
              fixed, failed, run, seconds) -> dict:
    from ..output.io import manifest

    varied = set(problem["names"])
    return manifest(
        "sweep", sc, seed=seed, solution=solution,
        design=design, n=int(n), calc_second_order=bool(calc_second_order),
        num_vars=int(problem["num_vars"]), rows=int(rows), replicates=int(replicates),
        runs=int(rows * replicates), months=list(months), outcomes=list(metrics),
        parameters={name: list(b) for name, b in zip(problem["names"], problem["bounds"])},
        fixed={k: float(v) for k, v in (fixed or {}).items()},
        # parameters an event sets from some month on: the design's value holds only until then
        event_parameters=sorted({k for e in sc.events for k in e.params} & varied),
        failed_runs=len(failed), failed_run_ids=failed[:100], run=run,
        seconds=round(float(seconds), 2))


def run_design(scenario, problem: dict, X, *, streams=None, design: str = "custom", n: int | None = None,
               replicates: int = 1, seed: int = 0, month=None, outcomes=None, overrides: dict | None = None,
               solution: str = "qre", calc_second_order: bool = False, chunk_size: int | None = None,
               executor=None, workers: int | None = None, scheduler: str | None = None, checkpoint=None,
               resume: bool = False, progress: bool = False) -> Sweep:
    """Run a given design (``(rows, num_vars)`` array over ``problem``) through the model.

    Parameters are as for :func:`sweep`; ``X`` may come from :func:`~alliance_sim.explore.sample`
    or anywhere else (values must lie in the parameters' plausible ranges).
    ``streams`` (``(rows,)`` ints, default ``0..rows-1``) gives each row its
    random stream: replicate ``r`` of row ``k`` is run with the random
    numbers of replicate ``streams[k] * replicates + r`` of ``seed``, so rows
    with equal streams share them (see :func:`~alliance_sim.explore.designs.streams`).
    """
    import pandas as pd

    from ..abm.choice import check_concept
    from ..domain.parameters import Params
    from ..domain.scenario import load_scenario

    t0 = time.perf_counter()
    sc = load_scenario(scenario)
    fixed = dict(overrides or {})
    if fixed:
        sc = sc.with_overrides(fixed)
    replicates = _check_int("replicates", replicates, 1)
    seed = _check_int("seed", seed, 0)
    check_concept(solution)
    months = check_months(sc, month)
    metrics = check_outcomes(outcomes)
    names = list(problem["names"])
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != len(names):
        raise UserError(f"design has shape {X.shape}; expected (rows, {len(names)})", key="X")
    rows = X.shape[0]
    runs = rows * replicates
    if streams is None:
        streams = np.arange(rows, dtype=np.int64)
    streams = np.asarray(streams)
    if streams.shape != (rows,) or not np.issubdtype(streams.dtype, np.integer) or (streams < 0).any():
        raise UserError(f"streams must be {rows} non-negative integers, one per design row", key="streams")
    per_run = {name: np.repeat(X[:, k], replicates) for k, name in enumerate(names)}
    Params.build({**sc.parameters, **per_run}, runs)  # validates every value before any work
    g = np.arange(runs)
    ids = np.repeat(streams.astype(np.int64), replicates) * replicates + g % replicates
    values, failed, info = evaluate(sc, per_run, ids, seed=seed, months=months, metrics=metrics,
                                    solution=solution, chunk_size=chunk_size,
                                    **resolve_executor(executor, workers, scheduler), out=checkpoint, resume=resume,
                                    progress=progress,
                                     desc=f"{sc.name} {design}")
    H = len(months)
    cols = {"row": np.repeat(g // replicates, H), "replicate": np.repeat(g % replicates, H), "run": np.repeat(g, H),
            "stream": np.repeat(ids, H)}
    if H > 1:
        cols["month"] = np.tile(np.asarray(months), runs)
    for k, name in enumerate(names):
        cols[name] = np.repeat(per_run[name], H)
    flat = values.reshape(runs * H, len(metrics))
    for k, name in enumerate(metrics):
        cols[name] = flat[:, k]
    table = pd.DataFrame(cols)
    man = _manifest(sc, problem, design=design, n=rows if n is None else n, calc_second_order=calc_second_order,
                    rows=rows, replicates=replicates, seed=seed, months=months, metrics=metrics, solution=solution,
                    fixed=fixed, failed=failed, run=info, seconds=time.perf_counter() - t0)
    man["common_random_numbers"] = bool(np.unique(streams).size < rows)
    if failed:
        warnings.warn(f"{len(failed)} of {runs} runs failed in the model; their outcomes are NaN (run one alone "
                      f"with alliance_sim.run to see the error)",
                      ModelFailureWarning, stacklevel=2)
    return Sweep(table, man, problem, X, sc)


def sweep(scenario="baseline", design: str = "lhs", n: int = 100, replicates: int = 1, seed: int = 0, month=None,
          parameters=None, *, outcomes=None, overrides: dict | None = None, solution: str = "qre",
          calc_second_order: bool = False, chunk_size: int | None = None, executor=None,
          workers: int | None = None, scheduler: str | None = None, checkpoint=None, resume: bool = False,
          progress: bool = False) -> Sweep:
    """Sample the scenario's uncertainty space and run every parameter set.

    Parameters
    ----------
    scenario : str, path or Scenario
    design : {"lhs", "sobol", "morris"}
        Latin hypercube (scipy, seeded), Sobol/Saltelli or Morris (SALib);
        see :mod:`alliance_sim.explore.designs` for how ``n`` sizes each.
    n : int
        Points (lhs), base sample N, a power of 2 (sobol), trajectories (morris).
    replicates : int
        Runs per parameter set (each with its own random stream).
    seed : int
        Seeds both the design and the runs.
    month : int or list of int, optional
        Month(s) at which outcomes are kept (default: the final month). The
        model is only stepped up to the last of them.
    parameters : list of str or dict, optional
        Vary only these (default: every parameter the scenario leaves
        uncertain, over ``Scenario.uncertainty()``); ``{name: (low, high)}`` narrows.
    outcomes : list of str, optional
        Metrics to keep (default: the main metrics).
    overrides : dict, optional
        Parameters fixed at a value for the whole sweep (not varied).
    solution : {"qre", "nash", "pure"}
    calc_second_order : bool
        Sobol design only (default False: first-order and total indices).
    chunk_size : int, optional
        Runs per batched model (default 1,000); any runs can share a batch,
        so small designs run as one batch.
    executor, workers, scheduler : optional
        Where batches run, as for :func:`alliance_sim.run` (default: this
        process; ``workers > 1`` implies local processes, ``scheduler`` Dask).
        Results do not depend on them.
    checkpoint : path, optional
        Save finished batches in ``CHECKPOINT.partial/`` so that an interrupted
        sweep can continue with ``resume=True``.
    progress : bool
        Show a progress bar (after one second).

    Returns
    -------
    Sweep
        ``.table`` (inputs and outcomes, one row per design row x replicate),
        ``.manifest``; ``table, manifest = sweep(...)`` unpacks.

    Examples
    --------
    >>> table, manifest = sweep("baseline", "lhs", n=64, seed=1)   # doctest: +SKIP
    """
    from ..domain.scenario import load_scenario

    sc = load_scenario(scenario)
    check_design(design)
    pb = make_problem(sc, parameters, overrides=overrides)
    n = check_n(design, n, pb["num_vars"], calc_second_order)
    # validate the rest before sampling
    check_months(sc, month)
    check_outcomes(outcomes)
    X = sample(pb, design, n, seed, calc_second_order=calc_second_order)
    rs = design_streams(design, n, pb["num_vars"], calc_second_order)
    return run_design(sc, pb, X, streams=rs, design=design, n=n, replicates=replicates, seed=seed, month=month,
                      outcomes=outcomes, overrides=overrides, solution=solution,
                      calc_second_order=calc_second_order, chunk_size=chunk_size, executor=executor,
                      workers=workers, scheduler=scheduler, checkpoint=checkpoint, resume=resume,
                      progress=progress)
