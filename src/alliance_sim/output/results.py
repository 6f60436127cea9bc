"""Results of an ensemble: the tidy table, its summary, figures and files."""
from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import figures
from ..abm.recorder import METRICS

SUMMARY_MONTHS = (6, 12, 24)


def summarise(df, metrics=None, months=SUMMARY_MONTHS):
    """Mean, p05, p50, p95 of each metric at the given months and at the final month."""
    import pandas as pd

    metrics = list(metrics or [m for m in METRICS if m in df.columns] +
                   [c for c in df.columns if c.startswith("payoff_")])
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
        s = self.summary(figures.MAIN_METRICS)
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
        from .._version import __version__
        import mesa
        import pandas

        params = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.parameters.items()}
        return {
            "package": "alliance-sim", "version": __version__,
            "scenario": self.scenario.name, "scenario_path": self.scenario.path,
            "scenario_sha256": self.scenario.content_hash,
            "events": [dict(month=e.month, kind=e.kind, params=e.params, state_set=e.state_set,
                            state_add=e.state_add) for e in self.scenario.events],
            "seed": self.seed, "replicates": self.replicates, "solution": self.solution,
            "horizon": self.scenario.horizon, "start": self.scenario.start,
            "parameters": params,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(), "numpy": np.__version__, "mesa": mesa.__version__,
            "pandas": pandas.__version__, **self.meta,
        }

    def save(self, out: str | os.PathLike, *, table_format: str = "parquet", with_figures: bool = True) -> Path:
        """Write trajectories, summary.csv, manifest.json and figures/*.png to ``out``.

        Files are written to a temporary sibling folder and moved into place at
        the end, so an interrupted save leaves no half-written output.
        """
        import matplotlib.pyplot as plt

        out = Path(out)
        with atomic_dir(out) as tmp:
            write_table(self.trajectories, tmp, table_format)
            self.summary().to_csv(tmp / "summary.csv", index=False)
            (tmp / "manifest.json").write_text(json.dumps(self.manifest(), indent=2, default=str))
            if with_figures:
                (tmp / "figures").mkdir()
                for name, fig in self.figures().items():
                    fig.savefig(tmp / "figures" / f"{name}.png", dpi=110)
                    plt.close(fig)
        return out

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


def write_table(df, folder: Path, table_format: str = "parquet") -> Path:
    """Write the trajectories as parquet (with pyarrow) or CSV."""
    if table_format == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            table_format = "csv"
    if table_format == "parquet":
        path = folder / "trajectories.parquet"
        df.to_parquet(path, index=False)
    else:
        path = folder / "trajectories.csv"
        df.to_csv(path, index=False)
    return path


@contextlib.contextmanager
def atomic_dir(out: Path):
    """Yield a temporary sibling folder of ``out``; move it into place on success, remove it on failure.

    So a failed or interrupted write leaves no half-written output.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def replace_dir(src: Path, dst: Path) -> None:
    """Move a finished folder into place, replacing an older one of the same name."""
    if dst.exists():
        old = dst.with_name(f".{dst.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        dst.rename(old)
        src.rename(dst)
        shutil.rmtree(old, ignore_errors=True)
    else:
        src.rename(dst)
