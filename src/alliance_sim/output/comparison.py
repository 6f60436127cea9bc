"""Several scenarios side by side: their levels, and paired differences from a reference with intervals.

Scenarios run by ``compare`` share their random streams: replicate ``i`` of
every scenario draws the same numbers (``abm.streams``). A difference between
two scenarios is therefore estimated replicate by replicate, from the paired
differences ``x_i - y_i``, which removes the noise both runs share and gives
a much narrower interval than comparing the two means as if independent.

Interval methods (``level`` is two-sided, 90% by default):

* a metric with other values than 0 and 1: Student's t interval on the paired
  differences, ``mean ± t(n-1) · sd / √n``. With hundreds of replicates the
  mean difference is close to normal, and the t interval is exact for normal
  differences; a bootstrap (``scipy.stats.bootstrap``) gives the same answer
  at thousands of times the cost for every metric x month x scenario. When
  every pair differs by the same amount (e.g. all by 0: the scenarios never
  diverge), the interval has zero width at that amount, which is correct: the
  shared streams leave no doubt. When only a few pairs differ at all (fewer
  than 30: a scenario changes the path of a handful of runs), the mean is a
  sum of a few values, the t interval is too narrow, and it is extended to
  reach zero unless the exact sign test on those pairs also finds a direction.
* a 0/1 metric (a ceasefire, a deal): Newcombe's hybrid score interval for
  paired proportions (Newcombe 1998, *Statistics in Medicine* 17:2635,
  method 10). It combines the two shares' Wilson intervals with the
  correlation of the pairs, stays inside [-1, 1], and keeps its coverage when
  only a few pairs disagree, where the t (Wald) interval would declare three
  discordant runs out of 1,000 a finding.

Results that do not share streams (different seeds, or no replicate ids in
common) are compared unpaired: Welch's t interval, or Newcombe's interval for
two independent shares (the same formula with zero correlation); the
``paired`` column says which was used.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..domain.metrics import MAIN_METRICS
from ..errors import UserError
from .results import Results, _scenario_copy, read_manifest, time_column

LEVEL = 0.9
DIFF_COLUMNS = ("scenario", "reference", "metric", "month", "diff", "lo", "hi", "covers_zero", "n", "paired")


# ----------------------------------------------------------------------------- interval methods
def check_level(level) -> float:
    try:
        ok = 0.0 < float(level) < 1.0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise UserError(f"level {level!r} not allowed; allowed: 0 < level < 1 (e.g. 0.9)", key="level")
    return float(level)


def _z(level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2))


FEW_DIFFER = 30  # below this many pairs that differ at all, the t interval's normal approximation is not trusted


def paired_t(x, y, level: float = LEVEL, *, few: int = FEW_DIFFER):
    """Mean paired difference ``x - y`` per column with its t interval: ``(diff, lo, hi, n)``.

    ``x``, ``y``: arrays ``(n, k)`` whose row ``i`` is pair ``i``; pairs with a
    missing value on either side are left out. Where fewer than ``few`` pairs
    differ at all (the scenarios diverge in a handful of runs), the mean is a
    sum of a few values and the t interval is too narrow: there it is extended
    to reach zero unless the exact sign test on the pairs that differ also
    rejects "as many up as down" at the same level (``few=0`` turns this off).
    """
    from scipy.stats import binom
    from scipy.stats import t as student

    d = np.asarray(x, dtype=float) - np.asarray(y, dtype=float)
    d = d.reshape(d.shape[0], -1)
    ok = np.isfinite(d)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(np.where(ok, d, 0.0), axis=0) / np.maximum(n, 1), np.nan)
        dev = np.where(ok, d - mean, 0.0)
        sd = np.sqrt((dev ** 2).sum(axis=0) / np.maximum(n - 1, 1))
        half = student.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(np.maximum(n, 1))
    half = np.where(n >= 2, half, np.inf)  # one pair says nothing about the spread
    lo, hi = mean - half, mean + half
    up, down = (ok & (d > 0)).sum(axis=0), (ok & (d < 0)).sum(axis=0)
    k = up + down
    p_sign = np.minimum(1.0, 2 * binom.cdf(np.minimum(up, down), np.maximum(k, 1), 0.5))
    doubt = (k > 0) & (k < few) & (p_sign > 1 - level)
    return mean, np.where(doubt, np.minimum(lo, 0.0), lo), np.where(doubt, np.maximum(hi, 0.0), hi), n


def welch_t(x, y, level: float = LEVEL):
    """Difference of means ``x - y`` per column of two independent samples, Welch's t interval."""
    from scipy.stats import t as student

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    x, y = x.reshape(x.shape[0], -1), y.reshape(y.shape[0], -1)
    nx, ny = np.isfinite(x).sum(axis=0), np.isfinite(y).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx, my = np.nanmean(x, axis=0), np.nanmean(y, axis=0)
        vx = np.nanvar(x, axis=0, ddof=1) / nx
        vy = np.nanvar(y, axis=0, ddof=1) / ny
        se = np.sqrt(vx + vy)
        dof = np.where(se > 0, (vx + vy) ** 2 / (vx ** 2 / (nx - 1) + vy ** 2 / (ny - 1)), 1.0)
        half = student.ppf(0.5 + level / 2, np.maximum(dof, 1.0)) * se
    half = np.where((nx >= 2) & (ny >= 2), half, np.inf)
    return mx - my, mx - my - half, mx - my + half, np.minimum(nx, ny)


def _wilson(k, n, z):
    p = k / np.maximum(n, 1)
    den = 1 + z ** 2 / np.maximum(n, 1)
    centre = (p + z ** 2 / (2 * np.maximum(n, 1))) / den
    half = z * np.sqrt(p * (1 - p) / np.maximum(n, 1) + z ** 2 / (4 * np.maximum(n, 1) ** 2)) / den
    return p, np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def newcombe(x, y, level: float = LEVEL, paired: bool = True):
    """Difference of shares ``x - y`` of 0/1 columns with Newcombe's hybrid score interval.

    Paired (row ``i`` of ``x`` and ``y`` is one pair): Newcombe (1998) method 10,
    the two Wilson intervals combined with the phi correlation of the pairs.
    Unpaired: the same with zero correlation (Newcombe's independent-samples method).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    x, y = x.reshape(x.shape[0], -1), y.reshape(y.shape[0], -1)
    z = _z(level)
    if paired:
        ok = np.isfinite(x) & np.isfinite(y)
        n = ok.sum(axis=0)
        xs, ys = np.where(ok, x, 0.0), np.where(ok, y, 0.0)
        a = (xs * ys).sum(axis=0)                 # both 1
        b = (xs * (1 - ys) * ok).sum(axis=0)      # x only
        c = ((1 - xs) * ys * ok).sum(axis=0)      # y only
        d = n - a - b - c                         # neither
        p1, l1, u1 = _wilson(a + b, n, z)
        p2, l2, u2 = _wilson(a + c, n, z)
        den = np.sqrt((a + b) * (c + d) * (a + c) * (b + d))
        with np.errstate(invalid="ignore", divide="ignore"):
            phi = np.where(den > 0, (a * d - b * c) / np.where(den > 0, den, 1.0), 0.0)
    else:
        okx, oky = np.isfinite(x), np.isfinite(y)
        nx, ny = okx.sum(axis=0), oky.sum(axis=0)
        p1, l1, u1 = _wilson(np.where(okx, x, 0).sum(axis=0), nx, z)
        p2, l2, u2 = _wilson(np.where(oky, y, 0).sum(axis=0), ny, z)
        phi, n = 0.0, np.minimum(nx, ny)
    diff = p1 - p2
    lo = diff - np.sqrt(np.maximum((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    hi = diff + np.sqrt(np.maximum((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0.0))
    empty = n == 0
    return (np.where(empty, np.nan, diff), np.where(empty, np.nan, lo), np.where(empty, np.nan, hi), n)


def difference_interval(x, y, level: float = LEVEL, *, paired: bool = True, binary: bool | None = None):
    """``(diff, lo, hi, n)`` per column: the method for the data (see the module's docstring)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if binary is None:
        binary = _is_binary(x) and _is_binary(y)
    if binary:
        return newcombe(x, y, level, paired)
    return paired_t(x, y, level) if paired else welch_t(x, y, level)


def _is_binary(values) -> bool:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return v.size > 0 and bool(np.all((v == 0.0) | (v == 1.0)))


# ----------------------------------------------------------------------------- argument checks
def check_compare_args(scenarios, metrics=None, month: int | None = None, *, keys=("metric", "month")):
    """``(metrics, month)`` checked against the scenarios before any run: known metrics, a month in every horizon."""
    from ..domain.metrics import METRICS, payoff_columns

    metrics = [metrics] if isinstance(metrics, str) else metrics
    metrics = list(dict.fromkeys(metrics or MAIN_METRICS))
    allowed = list(METRICS) + payoff_columns()
    for m in metrics:
        if m not in allowed:
            raise UserError(f"unknown metric {m!r}; allowed: {', '.join(allowed)}", key=keys[0])
    if month is not None:
        month = _check_month(month, min(int(sc.horizon) for sc in scenarios), keys[1])
    return metrics, month


def _check_month(month, horizon: int, key: str) -> int:
    try:
        ok = int(month) == month and 0 <= int(month) <= horizon
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise UserError(f"month {month!r} not allowed; allowed: 0 to {horizon} (the shortest horizon)", key=key)
    return int(month)


# ----------------------------------------------------------------------------- the comparison
def _wide(df, metrics):
    """``{metric: (replicate ids, months, array (replicates, months))}`` from a trajectories table."""
    t = time_column(df)
    wide = df.set_index(["replicate", t])[list(metrics)].unstack(t).sort_index()
    ids = wide.index.to_numpy()
    return {m: (ids, wide[m].columns.to_numpy(), wide[m].to_numpy(dtype=float)) for m in metrics}


class Comparison:
    """Several scenarios run with the same seed and replicates.

    ``differences()`` gives each scenario's paired difference from a reference
    (the first scenario by default) with an interval, per metric and month;
    ``table()`` the means at one month with the difference and its interval;
    ``plot()`` draws the levels, ``plot_differences()`` the differences;
    ``save(out)`` writes ``comparison.csv``, ``differences.csv``, both figures,
    ``manifest.json`` and each scenario's run in its own sub-folder;
    ``Comparison.load(out)`` (or ``alliance_sim.load``) reads it back.
    """

    def __init__(self, results: dict[str, Results]):
        self.results = results

    @property
    def names(self) -> list[str]:
        return list(self.results)

    def _first(self) -> Results:
        return next(iter(self.results.values()))

    @property
    def horizon(self) -> int:
        """The last month every scenario has (the shortest horizon)."""
        return min(int(r.trajectories[time_column(r.trajectories)].max()) for r in self.results.values())

    def check(self, metrics=None, month: int | None = None):
        """Validate metrics and a month against the scenarios (before or after running them)."""
        return check_compare_args([r.scenario for r in self.results.values()], metrics, month)

    def _reference(self, reference) -> str:
        if reference is None:
            return self.names[0]
        if reference not in self.results:
            raise UserError(f"unknown reference {reference!r}; allowed: {', '.join(self.names)}", key="reference")
        return reference

    def _months(self, months) -> list[int]:
        if months is None:
            return list(range(self.horizon + 1))
        months = [months] if np.ndim(months) == 0 else list(months)
        return sorted({_check_month(m, self.horizon, "months") for m in months})

    def paired(self, name: str, reference: str) -> bool:
        """Whether two scenarios' runs share random streams (same seed, replicate ids in common)."""
        a, b = self.results[name], self.results[reference]
        if int(a.seed) != int(b.seed):
            return False
        return bool(np.intersect1d(a.trajectories["replicate"].unique(), b.trajectories["replicate"].unique()).size)

    def differences(self, metrics=None, months=None, level: float = LEVEL, reference: str | None = None):
        """Each scenario's paired difference from ``reference``, per metric and month, with an interval.

        Parameters
        ----------
        metrics : list of str, optional
            Default: the main metrics.
        months : int or list of int, optional
            Default: every month, 0 (the start) to the shortest horizon.
        level : float
            Two-sided confidence level of the interval (default 0.9).
        reference : str, optional
            The scenario differences are taken from (default: the first).

        Returns
        -------
        pandas.DataFrame
            One row per non-reference scenario x metric x month: ``scenario,
            reference, metric, month, diff`` (mean of ``scenario - reference``
            over paired replicates; for a 0/1 metric the difference of shares),
            ``lo, hi`` (the interval), ``covers_zero`` (``lo <= 0 <= hi``: no
            difference can be told from chance), ``n`` (pairs) and ``paired``
            (False only for runs that do not share streams, compared unpaired).
            Methods: see the module ``alliance_sim.output.comparison``.
        """
        import pandas as pd

        metrics, _ = self.check(metrics)
        months = self._months(months)
        level = check_level(level)
        reference = self._reference(reference)
        ref = _wide(self.results[reference].trajectories, metrics)
        frames = []
        for name in self.names:
            if name == reference:
                continue
            other = _wide(self.results[name].trajectories, metrics)
            paired = self.paired(name, reference)
            for metric in metrics:
                x, y = self._aligned(other[metric], ref[metric], months, paired)
                diff, lo, hi, n = difference_interval(x, y, level, paired=paired,
                                                      binary=_is_binary(other[metric][2]) and
                                                      _is_binary(ref[metric][2]))
                frames.append(pd.DataFrame({
                    "scenario": name, "reference": reference, "metric": metric, "month": months,
                    "diff": diff, "lo": lo, "hi": hi,
                    "covers_zero": ~((lo > 0) | (hi < 0)),  # NaN (nothing to compare) counts as covering zero
                    "n": np.asarray(n, dtype=np.int64), "paired": paired}))
        if not frames:
            return pd.DataFrame({c: [] for c in DIFF_COLUMNS})
        return pd.concat(frames, ignore_index=True)[list(DIFF_COLUMNS)]

    @staticmethod
    def _aligned(x, y, months, paired: bool):
        """The two scenarios' ``(replicates, months)`` arrays at ``months``; paired: rows matched by replicate id."""
        (ix, mx, ax), (iy, my, ay) = x, y
        ax = ax[:, np.searchsorted(mx, months)]
        ay = ay[:, np.searchsorted(my, months)]
        if paired:
            common, jx, jy = np.intersect1d(ix, iy, return_indices=True)
            ax, ay = ax[jx], ay[jy]
        return ax, ay

    def table(self, metrics=None, month: int | None = None, level: float = LEVEL):
        """Mean of each metric per scenario at ``month`` (default: final) and its difference from the first.

        Columns ``scenario, month, metric, mean, diff_from_first`` and, for that
        difference, ``lo, hi, covers_zero`` (as in :meth:`differences`; the
        first scenario's own rows are 0, 0, 0, True).
        """
        import pandas as pd

        metrics, month = self.check(metrics, month)
        m = self.horizon if month is None else month
        diffs = self.differences(metrics, [m], level).set_index(["scenario", "metric"])
        rows = []
        for name, res in self.results.items():
            df = res.trajectories
            means = df.loc[df[time_column(df)] == m, metrics].mean()
            for metric in metrics:
                row = dict(scenario=name, month=m, metric=metric, mean=float(means[metric]))
                if name == self.names[0]:
                    row.update(diff_from_first=0.0, lo=0.0, hi=0.0, covers_zero=True)
                else:
                    d = diffs.loc[(name, metric)]
                    row.update(diff_from_first=float(d["diff"]), lo=float(d["lo"]), hi=float(d["hi"]),
                               covers_zero=bool(d["covers_zero"]))
                rows.append(row)
        return pd.DataFrame(rows)

    def info(self) -> dict:
        return self._first().info()

    def plot(self, metrics=None):
        """The scenarios' levels over time, one panel per metric."""
        from .figures import compare_chart

        metrics = [metrics] if isinstance(metrics, str) else metrics
        metrics, _ = self.check(metrics)
        return compare_chart({n: r.trajectories for n, r in self.results.items()}, metrics, info=self.info())

    def plot_differences(self, metrics=None, level: float = LEVEL, reference: str | None = None):
        """Each scenario's paired difference from the reference over time, with its interval as a band."""
        from .figures import differences_chart

        metrics = [metrics] if isinstance(metrics, str) else metrics
        metrics, _ = self.check(metrics)
        reference = self._reference(reference)
        return differences_chart(self.differences(metrics, None, level, reference), metrics,
                                 order=self.names, info=self.info(), level=level)

    def manifest(self, metrics=None, month=None, level: float = LEVEL) -> dict:
        from .io import manifest

        r = self._first()
        return manifest("compare", r.scenario, seed=r.seed, solution=r.solution, replicates=r.replicates,
                        scenarios=self.names, folders={n: f"runs/{n}" for n in self.names},
                        metrics=list(metrics or MAIN_METRICS), month=month, level=level, reference=self.names[0])

    def save(self, out, metrics=None, month: int | None = None, *, overwrite: bool = False,
             figure_formats=("png",), table_format: str = "parquet", level: float = LEVEL):
        """Write ``comparison.csv``, ``differences.csv``, the ``comparison.*`` and ``differences.*`` figures,
        ``manifest.json`` and ``runs/NAME/`` per scenario."""
        from .io import check_figure_formats, write_outputs

        metrics, month = self.check(metrics, month)
        level = check_level(level)
        tables = {"comparison.csv": self.table(metrics, month, level),
                  "differences.csv": self.differences(metrics, None, level)}
        extra = {}
        for name, res in self.results.items():
            t, _ = res._files(table_format, with_figures=False, prefix=f"runs/{name}/")
            tables.update(t)
            extra[f"runs/{name}/manifest.json"] = json.dumps(res.manifest(), indent=2, default=str)
            extra.update({f"runs/{name}/{k}": v for k, v in _scenario_copy(res.scenario).items()})
        figs = ({"comparison": self.plot(metrics), "differences": self.plot_differences(metrics, level)}
                if check_figure_formats(figure_formats) else {})
        return write_outputs(out, tables, self.manifest(metrics, month, level), figs,
                             table_format=table_format, overwrite=overwrite, figure_formats=figure_formats,
                             extra=extra)

    @classmethod
    def load(cls, folder) -> "Comparison":
        folder = Path(folder)
        man = read_manifest(folder, ("compare",))
        return cls({name: Results.load(folder / sub) for name, sub in man["folders"].items()})

    def __repr__(self) -> str:
        return f"<Comparison of {', '.join(self.names)}>"

    def _repr_html_(self) -> str:
        t = self.table().pivot(index="metric", columns="scenario", values="mean")[self.names]
        return "<p><b>Scenario means at the final month</b></p>" + t.to_html(float_format="%.3f")
