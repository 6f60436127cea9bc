"""Results of an ensemble: the tidy table, its summary, figures and files (written and read back)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..domain.metrics import MAIN_METRICS, METRICS, action_columns, payoff_columns
from ..errors import UserError
from . import figures
from .io import atomic_dir, check_figure_formats, manifest, write_outputs, write_outputs_into
from .table import StoredTable, write_pieces

SUMMARY_MONTHS = (6, 12, 24)
TIME = "month"  # the table's time column; "step" is its deprecated alias (the same values)
ID_NAMES = ("replicate", "month", "step", "date")


def time_column(df) -> str:
    """``month`` (or the deprecated ``step``) in a table: a DataFrame or a ``StoredTable``."""
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


def _months_of(df) -> list[int]:
    if isinstance(df, StoredTable):
        return df.months()
    return sorted(int(m) for m in df[time_column(df)].unique())


def summarise(df, metrics=None, months=SUMMARY_MONTHS):
    """Mean, p05, p50, p95 of each metric at the given months and at the final month.

    ``df``: the trajectories table, or a ``StoredTable`` (then only the rows
    of those months are read, one metric at a time). Each metric's
    statistics are its own column's, so computing them one metric at a time
    gives the same numbers.
    """
    import pandas as pd

    t = time_column(df)
    metrics = list(metrics or [m for m in METRICS + tuple(payoff_columns()) if m in df.columns])
    final = max(_months_of(df))
    wanted = sorted({m for m in months if m <= final} | {final})
    stats = {}
    sub = None if isinstance(df, StoredTable) else df[df[t].isin(wanted)]
    for metric in metrics:
        part = df.read([t, metric], months=wanted) if sub is None else sub
        g = part.groupby(t)[metric]
        stats[metric] = {"mean": g.mean(), "p05": g.quantile(0.05), "p50": g.quantile(0.5),
                         "p95": g.quantile(0.95)}
    rows = []
    for month in wanted:
        for metric in metrics:
            rows.append(dict(metric=metric, month=month, final=month == final,
                             **{k: float(v.loc[month]) for k, v in stats[metric].items()}))
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
    return stored_trajectories(folder).frame()


def stored_trajectories(folder: Path) -> StoredTable:
    """The trajectories file of a run folder (read later, by columns)."""
    table = StoredTable.in_folder(folder)
    if table is None:
        raise UserError(f"{folder} has no trajectories.parquet or trajectories.csv", key="load")
    return table


class Results:
    """What a run returns: ``.trajectories`` (one row per replicate x month, month 0 the start), ``.summary()``,
    ``.plot()``, ``.save(out)``; ``Results.load(folder)`` (or ``alliance_sim.load``) reads a saved run back.

    The table may live on disk: a run saved with ``out=...`` and a loaded
    folder keep only the path of their ``trajectories`` file. Summaries,
    figures and ``final`` then read just the columns (and months) they use;
    ``.trajectories`` reads the whole table on first access and keeps it.
    So the file must stay where it is while the ``Results`` is in use.

    Parameters
    ----------
    scenario : Scenario
    trajectories : pandas.DataFrame, StoredTable or Pieces
        The table in memory, a saved file (``output.table.StoredTable``), or
        pieces not yet written as one file (a run's checkpoint chunks).
    seed, replicates, parameters, solution, meta
        The run's settings and facts (``meta["run"]``: how it was computed).
    """

    def __init__(self, scenario, trajectories, seed: int, replicates: int, parameters: dict,
                 solution: str = "qre", meta: dict | None = None):
        self.scenario = scenario
        self._table = trajectories
        self.seed = seed
        self.replicates = replicates
        self.parameters = parameters
        self.solution = solution
        self.meta = dict(meta or {})

    # -- tables -------------------------------------------------------------------------
    @property
    def trajectories(self):
        """The whole table as a DataFrame (read from the saved file on first access, then kept)."""
        if isinstance(self._table, StoredTable):
            self._table = self._table.frame()
        elif not _in_memory(self._table):
            raise RuntimeError("the table is not saved yet")  # Pieces live only until save()
        return self._table

    @trajectories.setter
    def trajectories(self, df) -> None:
        self._table = df

    @property
    def table(self):
        """The table as it is held: a DataFrame, or a ``StoredTable`` (a file read by columns)."""
        return self._table

    @property
    def in_memory(self) -> bool:
        """Whether the whole table is held in memory (else it is read from its file when needed)."""
        return _in_memory(self._table)

    def summary(self, metrics=None, months=SUMMARY_MONTHS):
        return summarise(self._table, metrics, months)

    @property
    def months(self) -> int:
        return max(_months_of(self._table))

    def final(self, metric: str):
        df = self._table
        t = time_column(df)
        last = self.months
        if isinstance(df, StoredTable):
            return df.read([metric], months=[last])[metric].to_numpy()
        return df.loc[df[t] == last, metric].to_numpy()

    def headline(self):
        """A short table for the terminal: the main metrics at the final month."""
        s = self.summary(MAIN_METRICS)
        s = s[s["final"]].drop(columns=["final", "month"]).set_index("metric")
        return s.round(3)

    def to_xarray(self):
        """The table as an ``xarray.Dataset`` over ``(replicate, month)``, with ``date`` as a coordinate.

        Needs xarray (``pip install 'alliance-sim[xarray]'``); action columns become strings. Reads the
        whole table into memory.
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
            return figures.metrics_grid(self._table, info=self.info())
        check_metrics(self._table, [metric], key="metric")
        return figures.fan_chart(self._table, metric, ax=ax, info=self.info()).figure

    FIGURES = ("main_metrics", "action_shares", "payoffs")

    def figure(self, name: str):
        """One of the saved figures by name (``FIGURES``), drawn from only the columns it needs."""
        draw = {"main_metrics": figures.metrics_grid, "action_shares": figures.action_shares,
                "payoffs": figures.payoffs_over_time}[name]
        return draw(self._table, info=self.info())

    def figures(self) -> dict:
        return {name: self.figure(name) for name in self.FIGURES}

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
        tables = {f"{prefix}trajectories": self._table, f"{prefix}summary.csv": self.summary()}
        figs = ({f"{prefix}figures/{name}": fig for name, fig in self.figures().items()} if with_figures else {})
        return tables, figs

    def save(self, out: str | os.PathLike, *, table_format: str = "parquet", with_figures: bool = True,
             overwrite: bool = False, figure_formats=("png",)) -> Path:
        """Write trajectories, summary.csv, manifest.json, scenario.toml and figures/ to folder ``out``.

        Files are written to a temporary sibling folder and moved into place at
        the end, so an interrupted save leaves no half-written output. An
        existing non-empty ``out`` is refused unless alliance-sim wrote it and
        ``overwrite`` is set; a folder holding anything else is never touched.

        A table that is not in memory (a run with ``out``, a loaded folder) is
        copied piece by piece, and the summary and figures are computed from
        the file just written, a few columns at a time; afterwards this
        ``Results`` reads its table from ``out``.
        """
        if _in_memory(self._table):
            tables, figs = self._files(table_format, with_figures)
            return write_outputs(out, tables, self.manifest(), figs, table_format=table_format,
                                 overwrite=overwrite, figure_formats=figure_formats,
                                 extra=_scenario_copy(self.scenario))
        formats = check_figure_formats(figure_formats)
        with atomic_dir(Path(out), overwrite=overwrite) as tmp:
            path = write_pieces(self._table.pieces(), tmp, "trajectories", table_format)
            view = Results(self.scenario, StoredTable(path), self.seed, self.replicates, self.parameters,
                           self.solution, self.meta)
            write_outputs_into(tmp, {"summary.csv": view.summary()}, self.manifest(),
                               extra=_scenario_copy(self.scenario))
            if with_figures:
                for name in self.FIGURES:  # one at a time: each is saved and closed before the next
                    write_outputs_into(tmp, {}, figures={f"figures/{name}": view.figure(name)},
                                       figure_formats=formats)
        self._table = StoredTable(Path(out) / path.name)
        return Path(out)

    @classmethod
    def load(cls, folder, *, lazy: bool = True) -> "Results":
        """Read a folder written by ``Results.save`` (or ``alliance-sim run``) back into ``Results``.

        The table stays on disk until ``.trajectories`` is first used (``lazy=False``: read it now).
        """
        folder = Path(folder)
        man = read_manifest(folder, ("run",))
        table = stored_trajectories(folder)
        table.columns  # noqa: B018 - reads the file's schema now: a damaged file fails here
        params = {k: (np.asarray(v) if isinstance(v, list) else v) for k, v in man.get("parameters", {}).items()}
        meta = {k: man[k] for k in ("run",) if k in man}
        return cls(scenario_from_folder(folder, man), table if lazy else table.frame(), int(man["seed"]),
                   int(man["replicates"]), params, man.get("solution", "qre"), meta=meta)

    # -- display ------------------------------------------------------------------------
    def __repr__(self) -> str:
        return (f"<Results {self.scenario.name}: {self.replicates} replicates x {self.months} months, "
                f"seed {self.seed}, {self.solution}>")

    def _repr_html_(self) -> str:
        head = (f"<p><b>{self.scenario.name}</b> &mdash; {self.replicates} replicates &times; "
                f"{self.months} months from {self.scenario.start}, seed {self.seed}, "
                f"solution <code>{self.solution}</code></p><p><i>{self.scenario.description}</i></p>")
        return head + "<p>Final month:</p>" + self.headline().to_html()


def _in_memory(table) -> bool:
    """A DataFrame (not a ``StoredTable`` or ``Pieces``, which give their table in ``pieces()``)."""
    return not hasattr(table, "pieces")


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
