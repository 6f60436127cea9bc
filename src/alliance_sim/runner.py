"""Running ensembles: ``run`` one scenario, ``compare`` several on the same seed."""
from __future__ import annotations

import numpy as np

from .errors import UserError
from .model import AllianceModel
from .parameters import Params
from .results import Results
from .scenario import load_scenario

DEFAULT_CHUNK = 1000


def chunks(replicates: int, chunk_size: int | None) -> list[tuple[int, int]]:
    """``[(first, stop), ...]`` covering ``range(replicates)`` in chunks of ``chunk_size``."""
    size = int(chunk_size or min(replicates, DEFAULT_CHUNK))
    if size < 1:
        raise UserError(f"chunk size {chunk_size} must be at least 1", key="chunk_size")
    return [(lo, min(lo + size, replicates)) for lo in range(0, replicates, size)]


def _slice(overrides: dict, lo: int, hi: int) -> dict:
    return {k: (v[lo:hi] if isinstance(v, np.ndarray) else v) for k, v in overrides.items()}


def run_chunk(scenario, seed: int, lo: int, hi: int, overrides: dict, solution: str, progress=None):
    """One batched model over replicates ``lo..hi-1``; returns its table."""
    model = AllianceModel(scenario, replicates=hi - lo, seed=seed, overrides=_slice(overrides, lo, hi),
                          solution=solution, first_replicate=lo)
    while model.running and model.month < model.horizon:
        model.step()
        if progress is not None:
            progress.update(hi - lo)
    return model.trajectories()


def _progress(total: int, desc: str):
    """A progress bar that appears only if the run takes more than a second."""
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="rep-month", delay=1.0, desc=desc, leave=False)


def _check_run_args(replicates, seed):
    if int(replicates) < 1:
        raise UserError(f"replicates must be at least 1, got {replicates}", key="replicates")
    if int(seed) < 0:
        raise UserError(f"seed must be a non-negative integer, got {seed}", key="seed")


def run(scenario="baseline", replicates: int = 1000, seed: int = 0, overrides: dict | None = None, *,
        solution: str = "qre", chunk_size: int | None = None, progress: bool = False) -> Results:
    """Run an ensemble of a scenario.

    Parameters
    ----------
    scenario : str, path or Scenario
    replicates : int
    seed : int
        Replicate ``i`` always gets the same random stream, so results do not
        depend on ``chunk_size``.
    overrides : dict, optional
        Parameter values by name; arrays of length ``replicates`` give each
        replicate its own value (a sweep as one batched run).
    solution : {"qre", "nash", "pure"}
    chunk_size : int, optional
        Replicates per batched model (default: up to 1,000).
    progress : bool
        Show a progress bar (it appears only if the run takes more than a second).
    """
    import pandas as pd

    _check_run_args(replicates, seed)
    sc = load_scenario(scenario)
    overrides = dict(overrides or {})
    params = Params.build({**sc.parameters, **overrides}, int(replicates))  # validates before any work
    spans = chunks(int(replicates), chunk_size)
    bar = _progress(int(replicates) * sc.horizon, sc.name) if progress else None
    try:
        frames = [run_chunk(sc, int(seed), lo, hi, overrides, solution, bar) for lo, hi in spans]
    finally:
        if bar is not None:
            bar.close()
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return Results(sc, df, int(seed), int(replicates), params.as_dict(), solution)


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
        from .figures import MAIN_METRICS

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
        from .figures import MAIN_METRICS, compare_chart

        metrics = [metrics] if isinstance(metrics, str) else list(metrics or MAIN_METRICS)
        return compare_chart({n: r.trajectories for n, r in self.results.items()}, metrics,
                             title="Scenarios compared (same seed)")

    def __repr__(self) -> str:
        return f"<Comparison of {', '.join(self.names)}>"

    def _repr_html_(self) -> str:
        t = self.table().pivot(index="metric", columns="scenario", values="mean")[self.names]
        return "<p><b>Scenario means at the final month</b></p>" + t.to_html(float_format="%.3f")


def compare(scenarios, replicates: int = 1000, seed: int = 0, overrides: dict | None = None, **kwargs) -> Comparison:
    """Run several scenarios with the same seed; returns a ``Comparison``."""
    loaded = [load_scenario(s) for s in scenarios]
    if len(loaded) < 2:
        raise UserError("compare needs at least two scenarios", key="scenarios")
    return Comparison({sc.name: run(sc, replicates, seed, overrides, **kwargs) for sc in loaded})
