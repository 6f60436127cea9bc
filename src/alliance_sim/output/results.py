"""Results of an ensemble: the tidy table, its summary, figures and files (written and read back)."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..domain.metrics import MAIN_METRICS, METRICS, action_columns, payoff_columns
from ..errors import UserError
from . import figures
from .io import manifest, write_outputs

SUMMARY_MONTHS = (6, 12, 24)
TIME = "month"  # the table's time column; "step" is its deprecated alias (the same values)
ID_NAMES = ("replicate", "month", "step", "date")


def time_column(df) -> str:
    return TIME if TIME in df.columns else "step"


def metric_names(df) -> list[str]:
    """The numeric columns of a trajectories table that can be summarised or plotted."""
    return [c for c in df.columns if c not in ID_NAMES and not c.startswith("action_")]


def check_metrics(df, metrics, key: str = "--metric") -> list[str]:
    allowed = metric_names(df)
    for m in metrics:
        if m not in allowed:
            raise UserError(f"unknown metric {m!r}; allowed: {', '.join(allowed)}", key=key)
    return list(metrics)


def summarise(df, metrics=None, months=SUMMARY_MONTHS):
    """Mean, p05, p50, p95 of each metric at the given months and at the final month."""
    import pandas as pd

    t = time_column(df)
    metrics = list(metrics or [m for m in METRICS + tuple(payoff_columns()) if m in df.columns])
    final = int(df[t].max())
    wanted = sorted({m for m in months if m <= final} | {final})
    sub = df[df[t].isin(wanted)]
    g = sub.groupby(t)[metrics]
    stats = {"mean": g.mean(), "p05": g.quantile(0.05), "p50": g.quantile(0.5), "p95": g.quantile(0.95)}
    rows = []
    for month in wanted:
        for metric in metrics:
            rows.append(dict(metric=metric, month=month, final=month == final,
                             **{k: float(v.loc[month, metric]) for k, v in stats.items()}))
    return pd.DataFrame(rows)


def scenario_from_folder(folder: Path, man: dict):
    """The scenario a results folder was written from: its copy ``scenario.toml``, else by name."""
    from ..domain.scenario import load_scenario, parse_scenario

    copy = Path(folder) / "scenario.toml"
    if copy.is_file():
        return parse_scenario(copy.read_text(encoding="utf-8"), file=man.get("scenario_path") or str(copy))
    return load_scenario(man.get("scenario_path") if man.get("scenario_path") and
                         Path(man["scenario_path"]).is_file() else man["scenario"])


def read_manifest(folder, kinds=None) -> dict:
    folder = Path(folder)
    path = folder / "manifest.json"
    try:
        man = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"{folder} has no manifest.json; not an alliance-sim results folder", key="load") from None
    except ValueError as e:
        raise UserError(f"manifest.json is not valid JSON ({e})", file=str(path)) from None
    if kinds and man.get("kind") not in kinds:
        raise UserError(f"{folder} holds a {man.get('kind')!r} result; expected {' or '.join(kinds)}", key="load")
    return man


def read_trajectories(folder: Path):
    """The trajectories table of a run folder (parquet or CSV), with its dtypes restored."""
    import pandas as pd

    from ..abm.recorder import action_categories

    folder = Path(folder)
    if (folder / "trajectories.parquet").is_file():
        df = pd.read_parquet(folder / "trajectories.parquet")
    elif (folder / "trajectories.csv").is_file():
        df = pd.read_csv(folder / "trajectories.csv", parse_dates=["date"])
    else:
        raise UserError(f"{folder} has no trajectories.parquet or trajectories.csv", key="load")
    for col in action_columns():
        if col in df.columns:
            cats = action_categories(col.removeprefix("action_"))
            if not isinstance(df[col].dtype, pd.CategoricalDtype) or list(df[col].cat.categories) != cats:
                df[col] = pd.Categorical(df[col].astype("object").where(df[col].notna(), None), categories=cats)
    if "date" in df.columns:
        df["date"] = df["date"].astype("datetime64[ns]")
    return df


@dataclass
class Results:
    """What a run returns: ``.trajectories`` (one row per replicate x month, month 0 the start), ``.summary()``,
    ``.plot()``, ``.save(out)``; ``Results.load(folder)`` (or ``alliance_sim.load``) reads a saved run back."""

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

    @property
    def months(self) -> int:
        return int(self.trajectories[time_column(self.trajectories)].max())

    def final(self, metric: str):
        df = self.trajectories
        t = time_column(df)
        return df.loc[df[t] == df[t].max(), metric].to_numpy()

    def headline(self):
        """A short table for the terminal: the main metrics at the final month."""
        s = self.summary(MAIN_METRICS)
        s = s[s["final"]].drop(columns=["final", "month"]).set_index("metric")
        return s.round(3)

    def to_xarray(self):
        """The table as an ``xarray.Dataset`` over ``(replicate, month)``, with ``date`` as a coordinate.

        Needs xarray (``pip install 'alliance-sim[xarray]'``); action columns become strings.
        """
        try:
            import xarray  # noqa: F401
        except ImportError:
            raise UserError("to_xarray needs xarray: pip install 'alliance-sim[xarray]'", key="to_xarray") from None
        df = self.trajectories
        t = time_column(df)
        data = df.drop(columns=[c for c in ("step", "date") if c in df.columns and c != t])
        for col in action_columns():
            if col in data.columns:
                data[col] = data[col].astype("object").where(data[col].notna(), "")
        ds = data.set_index(["replicate", t]).to_xarray()
        if t != "month":
            ds = ds.rename({t: "month"})
        if "date" in df.columns:
            dates = df.drop_duplicates(t).set_index(t)["date"]
            ds = ds.assign_coords(date=("month", dates.loc[ds["month"].values].to_numpy()))
        ds.attrs.update(scenario=self.scenario.name, seed=self.seed, replicates=self.replicates,
                        solution=self.solution)
        return ds

    # -- figures ------------------------------------------------------------------------
    def info(self) -> dict:
        """What a figure's title and event marks need."""
        return figures.run_info(self.scenario, seed=self.seed, replicates=self.replicates, solution=self.solution)

    def plot(self, metric: str | None = None, ax=None):
        """Fan chart of one metric, or the grid of main metrics when ``metric`` is None."""
        if metric is None:
            return figures.metrics_grid(self.trajectories, info=self.info())
        check_metrics(self.trajectories, [metric], key="metric")
        return figures.fan_chart(self.trajectories, metric, ax=ax, info=self.info()).figure

    def figures(self) -> dict:
        df, info = self.trajectories, self.info()
        return {
            "main_metrics": figures.metrics_grid(df, info=info),
            "action_shares": figures.action_shares(df, info=info),
            "payoffs": figures.payoffs_over_time(df, info=info),
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

    def _files(self, table_format: str = "parquet", with_figures: bool = True, prefix: str = ""):
        tables = {f"{prefix}trajectories": self.trajectories, f"{prefix}summary.csv": self.summary()}
        figs = ({f"{prefix}figures/{name}": fig for name, fig in self.figures().items()} if with_figures else {})
        return tables, figs

    def save(self, out: str | os.PathLike, *, table_format: str = "parquet", with_figures: bool = True,
             overwrite: bool = False, figure_formats=("png",)) -> Path:
        """Write trajectories, summary.csv, manifest.json, scenario.toml and figures/ to folder ``out``.

        Files are written to a temporary sibling folder and moved into place at
        the end, so an interrupted save leaves no half-written output. An
        existing non-empty ``out`` is refused unless alliance-sim wrote it and
        ``overwrite`` is set; a folder holding anything else is never touched.
        """
        tables, figs = self._files(table_format, with_figures)
        out = write_outputs(out, tables, self.manifest(), figs, table_format=table_format, overwrite=overwrite,
                            figure_formats=figure_formats, extra=_scenario_copy(self.scenario))
        return out

    @classmethod
    def load(cls, folder) -> "Results":
        """Read a folder written by ``Results.save`` (or ``alliance-sim run``) back into ``Results``."""
        folder = Path(folder)
        man = read_manifest(folder, ("run",))
        df = read_trajectories(folder)
        params = {k: (np.asarray(v) if isinstance(v, list) else v) for k, v in man.get("parameters", {}).items()}
        meta = {k: man[k] for k in ("run",) if k in man}
        return cls(scenario_from_folder(folder, man), df, int(man["seed"]), int(man["replicates"]), params,
                   man.get("solution", "qre"), meta=meta)

    # -- display ------------------------------------------------------------------------
    def __repr__(self) -> str:
        return (f"<Results {self.scenario.name}: {self.replicates} replicates x {self.months} months, "
                f"seed {self.seed}, {self.solution}>")

    def _repr_html_(self) -> str:
        head = (f"<p><b>{self.scenario.name}</b> &mdash; {self.replicates} replicates &times; "
                f"{self.months} months from {self.scenario.start}, seed {self.seed}, "
                f"solution <code>{self.solution}</code></p><p><i>{self.scenario.description}</i></p>")
        return head + "<p>Final month:</p>" + self.headline().to_html()


def _scenario_copy(scenario) -> dict:
    """``{"scenario.toml": text}``: the scenario as it was run, so the folder can be reopened exactly.

    A plain file is copied as written (its comments kept); a composed or
    re-timed scenario, whose hash covers its parents too, is written resolved
    (``Scenario.to_toml``): one self-contained file that no later edit of a
    parent can change.
    """
    path = getattr(scenario, "path", None)
    if path and Path(path).is_file() and not getattr(scenario, "extends", ()):
        text = Path(path).read_text(encoding="utf-8")
        import hashlib

        if hashlib.sha256(text.encode()).hexdigest() == scenario.content_hash:
            return {"scenario.toml": text}
    return {"scenario.toml": scenario.to_toml()}
