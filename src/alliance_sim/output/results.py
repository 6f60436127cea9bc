"""Results of an ensemble: the tidy table, its summary, figures and files."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..domain.metrics import MAIN_METRICS, METRICS, payoff_columns
from . import figures
from .io import manifest, write_outputs

SUMMARY_MONTHS = (6, 12, 24)


def summarise(df, metrics=None, months=SUMMARY_MONTHS):
    """Mean, p05, p50, p95 of each metric at the given months and at the final month."""
    import pandas as pd

    metrics = list(metrics or [m for m in METRICS + tuple(payoff_columns()) if m in df.columns])
    final = int(df["step"].max())
    wanted = sorted({m for m in months if m <= final} | {final})
    sub = df[df["step"].isin(wanted)]
    g = sub.groupby("step")[metrics]
    stats = {"mean": g.mean(), "p05": g.quantile(0.05), "p50": g.quantile(0.5), "p95": g.quantile(0.95)}
    rows = []
    for step in wanted:
        for metric in metrics:
            rows.append(dict(metric=metric, month=step, final=step == final,
                             **{k: float(v.loc[step, metric]) for k, v in stats.items()}))
    return pd.DataFrame(rows)


@dataclass
class Results:
    """What a run returns: ``.trajectories`` (one row per replicate x month), ``.summary()``, ``.plot()``."""

    scenario: object
    trajectories: object
    seed: int
    replicates: int
    parameters: dict
    solution: str = "qre"
    meta: dict = field(default_factory=dict)

    # -- tables -------------------------------------------------------------------------
    def summary(self, metrics=None, months=SUMMARY_MONTHS):
        return summarise(self.trajectories, metrics, months)

    def final(self, metric: str):
        df = self.trajectories
        return df.loc[df["step"] == df["step"].max(), metric].to_numpy()

    def headline(self):
        """A short table for the terminal: the main metrics at the final month."""
        s = self.summary(MAIN_METRICS)
        s = s[s["final"]].drop(columns=["final", "month"]).set_index("metric")
        return s.round(3)

    # -- figures ------------------------------------------------------------------------
    def plot(self, metric: str | None = None, ax=None):
        """Fan chart of one metric, or the grid of main metrics when ``metric`` is None."""
        if metric is None:
            return figures.metrics_grid(self.trajectories, title=self.scenario.name)
        if metric not in self.trajectories.columns:
            from ..errors import UserError
            allowed = [c for c in self.trajectories.columns if c not in ("replicate", "step", "date")]
            raise UserError(f"unknown metric {metric!r}; allowed: {', '.join(allowed)}", key="metric")
        return figures.fan_chart(self.trajectories, metric, ax=ax).figure

    def figures(self) -> dict:
        df, name = self.trajectories, self.scenario.name
        return {
            "main_metrics": figures.metrics_grid(df, title=f"{name}: {self.replicates} replicates"),
            "action_shares": figures.action_shares(df, title=f"{name}: action shares per actor"),
            "payoffs": figures.payoffs_over_time(df, title=f"{name}: payoffs over time"),
        }

    # -- files --------------------------------------------------------------------------
    def manifest(self) -> dict:
        params = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.parameters.items()}
        sc = self.scenario
        return manifest("run", sc, seed=self.seed, solution=self.solution, replicates=self.replicates,
                        horizon=sc.horizon, start=sc.start,
                        events=[dict(month=e.month, kind=e.kind, params=e.params, state_set=e.state_set,
                                     state_add=e.state_add) for e in sc.events],
                        parameters=params, **self.meta)

    def save(self, out: str | os.PathLike, *, table_format: str = "parquet", with_figures: bool = True) -> Path:
        """Write trajectories, summary.csv, manifest.json and figures/*.png to ``out``.

        Files are written to a temporary sibling folder and moved into place at
        the end, so an interrupted save leaves no half-written output.
        """
        figs = {f"figures/{name}": fig for name, fig in self.figures().items()} if with_figures else {}
        return write_outputs(out, {"trajectories": self.trajectories, "summary.csv": self.summary()},
                             self.manifest(), figs, table_format=table_format)

    # -- display ------------------------------------------------------------------------
    def __repr__(self) -> str:
        df = self.trajectories
        return (f"<Results {self.scenario.name}: {self.replicates} replicates x {df['step'].max()} months, "
                f"seed {self.seed}, {self.solution}>")

    def _repr_html_(self) -> str:
        head = (f"<p><b>{self.scenario.name}</b> &mdash; {self.replicates} replicates &times; "
                f"{self.trajectories['step'].max()} months from {self.scenario.start}, seed {self.seed}, "
                f"solution <code>{self.solution}</code></p><p><i>{self.scenario.description}</i></p>")
        return head + "<p>Final month:</p>" + self.headline().to_html()
