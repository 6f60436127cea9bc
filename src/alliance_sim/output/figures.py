"""Matplotlib figures of results: fan charts, action shares, payoffs, comparisons, explain waterfalls.

Functions take the trajectories table, a DataFrame or a ``StoredTable`` (a
saved file, of which each figure reads only the columns it draws), and
return figures; they never compute model results themselves. Every figure says what its
lines and bands are (legend), puts dates on the x axis with the scenario's
events marked, labels metrics with their meaning and unit from
``domain.metrics.UNITS``, gives shares a binomial (Wilson) interval, and has
a title naming the scenario, seed, replicates and solution concept.
"""
from __future__ import annotations

import textwrap

import numpy as np

from ..domain.actors import ACTORS, ACTOR_NAMES
from ..domain.metrics import MAIN_METRICS, UNITS, action_column, payoff_column
from .table import StoredTable

BANDS = ((0.05, 0.95, 0.16, "90% of replicates"), (0.25, 0.75, 0.32, "50% of replicates"))
SOLUTIONS = {"qre": "logit QRE", "nash": "Nash (limiting logit QRE)", "pure": "pure Nash"}
SHARE_Z = 1.959964  # 95% Wilson interval of a share of replicates
MARKERS = ("o", "s", "^", "D", "v", "P")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1, 1, 1, 1, 1)))
EVENT_NAMES = {"ceasefire": "ceasefire", "us_offer": "US offer", "russia_mediates": "Russia mediates",
               "kor_government": "new ROK government", "troop_wave": "troop wave", "set": "parameter change"}

# A few names read better than the meaning's opening words.
NAMES = {
    "war_intensity": "War intensity", "prk_troops_in_russia": "PRK troops in Russia",
    "prk_workers_in_russia": "PRK workers in Russia", "prk_casualties": "PRK casualties, cumulative",
    "prk_casualties_month": "PRK casualties this month", "blood_debt": "Blood debt",
    "russia_obligation": "Russia's obligation to defend PRK", "tech_transfer": "Russian technology transferred to PRK",
    "sanctions_pressure": "Sanctions pressure on PRK", "alliance_strength": "Russia-PRK alliance strength",
    "us_prk_talks": "US-PRK talks momentum", "us_prk_deal": "US-PRK deal reached",
    "ceasefire": "Ceasefire in force", "us_russia_relations": "US-Russia relations",
}


# ----------------------------------------------------------------------------- labels and info
def name(metric: str) -> str:
    if metric in NAMES:
        return NAMES[metric]
    if metric.startswith("payoff_"):
        code = metric.removeprefix("payoff_")
        return f"{ACTOR_NAMES.get(code, code)}: stage payoff"
    meaning = UNITS.get(metric, ("", ""))[1]
    if meaning:
        return meaning[0].upper() + meaning[1:]
    return metric.replace("_", " ").capitalize()


def unit(metric: str) -> str:
    if metric.startswith("payoff_"):
        return "utility"
    return UNITS.get(metric, ("", ""))[0]


def label(metric: str) -> str:
    """``Name (unit)``: the metric's name and its unit as defined in the metric table."""
    u = unit(metric)
    return f"{name(metric)} ({u})" if u and u != "0/1" else name(metric)


def run_info(scenario, *, seed: int, replicates: int, solution: str = "qre") -> dict:
    """What titles and event marks need, from a scenario and the run's settings."""
    return dict(scenario=scenario.name, start=scenario.start, horizon=scenario.horizon, seed=int(seed),
                replicates=int(replicates), solution=solution,
                events=[(int(e.month), e.kind) for e in scenario.events])


def title_of(info: dict | None, what: str) -> str:
    if not info:
        return what
    return (f"{what}\n{info['scenario']}: {info['replicates']:,} replicates, seed {info['seed']}, "
            f"{SOLUTIONS.get(info['solution'], info['solution'])}")


def month_date(start: str, month) -> np.ndarray:
    """The date of month ``month`` (1 = ``start``, 0 the month before) as ``datetime64[ns]``."""
    return (np.datetime64(start, "M") + (np.asarray(month, dtype=np.int64) - 1).astype("timedelta64[M]")).astype("datetime64[ns]")


def _time(df):
    return "month" if "month" in df.columns else "step"


def _read(df, columns, months=None):
    """Only ``columns`` (and the rows of ``months``) of a table; a DataFrame is returned whole without ``months``."""
    if isinstance(df, StoredTable):
        return df.read(columns, months=months)
    if months is None:
        return df
    return df.loc[df[_time(df)].isin(list(months)), list(columns)]


def _dates(df, info=None, at: str = "end", months=None):
    """The table's months (or ``months``) and where they sit on a date axis.

    ``at="end"``: a month's state is drawn at the end of that month (month 0,
    the starting state, at the start date); ``at="start"``: a month's actions
    are drawn from its first day. Events are drawn at the first day of their month.
    """
    t = _time(df)
    if isinstance(df, StoredTable):  # every replicate has the same months: the first rows tell them
        df = df.first_rows([t] + (["date"] if "date" in df.columns else []))
    if months is not None:
        df = df[df[t].isin(list(months))]
    months = np.sort(df[t].unique())
    if "date" in df.columns and np.issubdtype(df["date"].dtype, np.datetime64):
        d = df.drop_duplicates(t).set_index(t)["date"]
        dates = d.loc[months].to_numpy().astype("datetime64[M]")
    else:
        dates = np.datetime64((info or {}).get("start", "2025-01"), "M") + (np.asarray(months) - 1).astype("timedelta64[M]")
    if at == "end":
        dates = dates + np.timedelta64(1, "M")
    return months, dates.astype("datetime64[ns]")


def _date_axis(ax, label: bool = True) -> None:
    import matplotlib.dates as mdates

    loc = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    if label:
        ax.set_xlabel("date (a point is the state at the end of its month)")


def _events(ax, info, text: bool = True) -> list:
    """Dotted vertical lines at the scenario's events, named at the top; returns legend handles."""
    if not info or not info.get("events"):
        return []
    import matplotlib.lines as mlines

    seen = {}
    for month, kind in info["events"]:
        if kind == "set":
            continue
        x = month_date(info["start"], month)  # an event acts from the first day of its month
        ax.axvline(x, color="0.35", lw=0.9, ls=":", zorder=1)
        key = (month, kind)
        if text and key not in seen:
            ax.annotate(EVENT_NAMES.get(kind, kind), (x, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(2, -2), textcoords="offset points", fontsize=6.5, color="0.25", va="top",
                        rotation=90)
        seen[key] = True
    if not seen:
        return []
    return [mlines.Line2D([], [], color="0.35", lw=0.9, ls=":", label="scenario event")]


def _months(df) -> list[int]:
    """The months a table holds."""
    if isinstance(df, StoredTable):
        return df.months()
    return sorted(int(m) for m in df[_time(df)].unique())


QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def quantiles(df, metric: str):
    """Per-month mean and quantiles of a metric across replicates (month 0 included when recorded).

    One month at a time, without the whole-table sort a ``groupby`` needs
    (several times the column's size): the quantiles and counts are exactly
    a whole-table ``groupby``'s; the means agree to rounding (pandas sums a
    lone group plainly, groups of a whole table with compensation).
    """
    import pandas as pd

    t = _time(df)
    month = df[t].to_numpy()
    values = df[metric].to_numpy()
    rows = _month_rows(month)
    if rows is None:  # not one row per replicate and month, in the same order for each: the plain groupby
        g = df.groupby(t)[metric]
        q = g.quantile(list(QUANTILES)).unstack()
        q["mean"] = g.mean()
        q["count"] = g.count()
        return q
    return _per_month(values, rows, t)


def _per_month(values, rows, t: str = "month"):
    """``quantiles``' table from a column's values and ``[(month, rows), ...]``."""
    import pandas as pd

    out = []
    for m, take in rows:
        s = pd.Series(values[take])
        g = s.groupby(np.zeros(s.size, dtype=np.int8))
        out.append([*g.quantile(list(QUANTILES)).to_numpy(), g.mean().iloc[0], g.count().iloc[0]])
    q = pd.DataFrame(out, index=pd.Index([m for m, _ in rows], name=t), columns=[*QUANTILES, "mean", "count"])
    q["count"] = q["count"].astype(np.int64)
    return q


def _stats(df, metric: str):
    """``(quantiles, is_binary)`` of a metric; of a stored table only that column is read (not the months)."""
    if isinstance(df, StoredTable):
        rows = df.month_rows()
        if rows is not None:
            values = df.read([metric])[metric].to_numpy()
            return _per_month(values, rows, _time(df)), is_binary(values)
    data = _read(df, [_time(df), metric])
    return quantiles(data, metric), is_binary(data[metric])


def _month_rows(month):
    """``[(month, rows), ...]`` when the table holds each replicate's months in one order (slices), else None."""
    n = month.size
    if n == 0:
        return None
    first = month[0]
    h = int(np.argmax(month[1:] == first)) + 1 if (month[1:] == first).any() else n
    if n % h or not (month.reshape(-1, h) == month[:h]).all() or np.unique(month[:h]).size != h:
        return None
    return sorted((int(m), slice(j, None, h)) for j, m in enumerate(month[:h]))


def wilson(share, n, z: float = SHARE_Z):
    """Wilson score interval of a binomial share (arrays allowed): ``(low, high)``."""
    share, n = np.asarray(share, dtype=float), np.maximum(np.asarray(n, dtype=float), 1.0)
    den = 1 + z ** 2 / n
    centre = (share + z ** 2 / (2 * n)) / den
    half = z * np.sqrt(share * (1 - share) / n + z ** 2 / (4 * n ** 2)) / den
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def is_binary(values) -> bool:
    """Whether every finite value is 0 or 1 (and there is one); masks only, no copy of a float column."""
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    return bool(finite.any()) and bool(np.all((v == 0.0) | (v == 1.0) | ~finite))


# ----------------------------------------------------------------------------- fan charts
def fan_chart(df, metric: str, ax=None, *, color="C0", name_=None, show_mean=None, info=None, bands=True,
              events=True, linestyle="-", dates=None, stats=None):
    """Median with 50% and 90% bands of ``metric`` over dates; for a 0/1 metric the share with a 95% interval.

    ``dates``: the ``(months, dates)`` to draw (default: the table's); ``stats``: the metric's
    ``(quantiles, is_binary)`` when already computed.
    """
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(6.4, 3.8), layout="constrained")[1]
    months, dates = dates if dates is not None else _dates(df, info)
    q, is_01 = stats if stats is not None else _stats(df, metric)
    q = q.loc[months]
    binary = show_mean if show_mean is not None else is_01
    if binary:
        lo, hi = wilson(q["mean"], q["count"])
        if bands:
            ax.fill_between(dates, lo, hi, color=color, alpha=0.25, lw=0, label="95% interval (Wilson)")
        ax.plot(dates, q["mean"], color=color, lw=1.8, ls=linestyle, label=name_ or "share of replicates")
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel("share of replicates", fontsize=8)
    else:
        if bands:
            for lo, hi, alpha, what in BANDS:
                ax.fill_between(dates, q[lo], q[hi], color=color, alpha=alpha, lw=0, label=what)
        ax.plot(dates, q[0.5], color=color, lw=1.8, ls=linestyle, label=name_ or "median")
        ax.set_ylabel(unit(metric) or "value", fontsize=8)
    ax.set_title(textwrap.fill(name(metric), 42), fontsize=9)
    if events:
        _events(ax, info)
    _date_axis(ax, label=False)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=7)
    return ax


def _grid(n: int, cols: int = 3, w: float = 4.3, h: float = 3.0):
    import matplotlib.pyplot as plt

    cols = min(cols, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(w * cols, h * rows + 1.0), squeeze=False, layout="constrained")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    return fig, axes


def _band_legend(fig, info, binary_too: bool, extra=()):
    import matplotlib.lines as mlines
    import matplotlib.patches as mpatches

    handles = [mlines.Line2D([], [], color="C0", lw=1.8, label="median of replicates")]
    handles += [mpatches.Patch(color="C0", alpha=a, lw=0, label=f"central {what}") for _, _, a, what in BANDS[::-1]]
    if binary_too:
        handles += [mlines.Line2D([], [], color="C3", lw=1.8, label="0/1 metric: share of replicates"),
                    mpatches.Patch(color="C3", alpha=0.25, lw=0, label="95% interval of the share (Wilson)")]
    handles += list(_events_handle(info)) + list(extra)
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4), fontsize=8, frameon=False)


def _events_handle(info):
    import matplotlib.lines as mlines

    if info and any(k != "set" for _, k in info.get("events", [])):
        yield mlines.Line2D([], [], color="0.35", lw=0.9, ls=":", label="scenario event (named at the top)")


def metrics_grid(df, metrics=MAIN_METRICS, title: str = "", *, info=None):
    """The main metrics' fan charts, one panel each, with one legend for lines, bands and events."""
    metrics = [m for m in metrics if m in df.columns]
    fig, axes = _grid(len(metrics))
    any_binary = False
    dates = _dates(df, info)
    for ax, metric in zip(axes.flat, metrics):
        stats = _stats(df, metric)  # a stored table: one column at a time
        binary = stats[1]
        any_binary |= binary
        fan_chart(df, metric, ax=ax, info=info, color="C3" if binary else "C0", dates=dates, stats=stats)
    for ax in axes[-1]:
        ax.set_xlabel("date (state at the end of each month)", fontsize=8)
    _band_legend(fig, info, any_binary)
    fig.suptitle(title or title_of(info, "Main metrics over time"), fontsize=11)
    return fig


# ----------------------------------------------------------------------------- actions
def _action_colors(labels: list[str]) -> dict:
    """Distinct colours per action: a hue per first part (``reward``), lighter shades for its variants.

    Every label of one actor gets its own colour; related actions (``reward/block``,
    ``reward/mediate``) share a hue, so a stack reads by family.
    """
    import matplotlib.colors as mcolors

    base = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
            "#1f78b4", "#b15928"]
    families: dict[str, list[str]] = {}
    for lab in labels:
        families.setdefault(lab.split("/")[0], []).append(lab)
    out = {}
    for i, (first, members) in enumerate(families.items()):
        rgb = np.array(mcolors.to_rgb(base[i % len(base)]))
        for k, lab in enumerate(members):
            light = 0.6 * k / max(len(members) - 1, 1) if len(members) > 1 else 0.0
            out[lab] = tuple(rgb + (1 - rgb) * light)
    return out


def action_share_table(df, col: str):
    """Share of replicates taking each action of column ``col``, per month (rows) and action (columns).

    Counted with ``numpy.bincount`` on the category codes, a month at a time:
    the same numbers as ``groupby(month)[col].value_counts(normalize=True)``
    (each count over the month's replicates with an action), without its
    whole-table sort. Of a stored table only the action column is read.
    """
    t = _time(df)
    if isinstance(df, StoredTable):
        rows = df.month_rows()
        df = df.read([col] if rows is not None else [t, col])
    else:
        rows = None
    cats = list(df[col].cat.categories)
    codes = df[col].cat.codes.to_numpy()
    if rows is None:
        month = df[t].to_numpy()
        rows = _month_rows(month) or [(int(m), month == m) for m in np.sort(np.unique(month))]
    return _shares(codes, rows, cats, t)


def _shares(codes, rows, cats: list, t: str):
    import pandas as pd

    out = []
    for _, take in rows:
        c = codes[take]
        counts = np.bincount(c[c >= 0], minlength=len(cats))  # a missing action (month 0) is not counted
        total = counts.sum()
        out.append(counts / (total if total else 1))
    return pd.DataFrame(np.array(out).reshape(len(rows), len(cats)), index=pd.Index([m for m, _ in rows], name=t),
                        columns=pd.CategoricalIndex(cats, categories=cats))


def action_shares(df, actors=ACTORS, title: str = "", *, info=None):
    """Share of replicates taking each action, per actor, over dates (month 0 has no actions)."""
    from ..abm.recorder import action_categories

    actors = list(actors)
    fig, axes = _grid(len(actors), w=5.0, h=3.2)
    t = _time(df)
    played_months = [m for m in _months(df) if m >= 1]
    months, dates = _dates(df, info, at="start", months=played_months)
    for ax, code in zip(axes.flat, actors):
        col = action_column(code)
        # every month is counted on its own: reading month 0 too (no actions) and dropping it is cheaper
        # than selecting the played months' rows first
        shares = action_share_table(df, col).reindex(months).fillna(0.0)
        cats = [c for c in action_categories(code) if c in shares.columns and (shares[c] > 0).any()]
        colors = _action_colors(action_categories(code))
        # each month's shares hold from its first day to its last (a step), so events line up
        x = np.append(dates, (dates[-1].astype("datetime64[M]") + np.timedelta64(1, "M")).astype("datetime64[ns]"))
        y = np.vstack([shares[cats].to_numpy(), shares[cats].to_numpy()[-1:]]).T
        ax.stackplot(x, y, labels=cats, colors=[colors[c] for c in cats], edgecolor="white", linewidth=0.3,
                     step="post")
        ax.set_title(ACTOR_NAMES[code], fontsize=9)
        ax.set_ylim(0, 1)
        ax.set_xlim(x[0], x[-1])
        ax.set_ylabel("share of replicates", fontsize=8)
        _events(ax, info)
        _date_axis(ax, label=False)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6.5, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, title="action",
                  title_fontsize=7, reverse=True)
    for ax in axes[-1]:
        ax.set_xlabel("month (its actions)", fontsize=8)
    handles = list(_events_handle(info))
    if handles:
        fig.legend(handles=handles, loc="outside lower center", fontsize=8, frameon=False)
    fig.suptitle(title or title_of(info, "Each actor's monthly action: share of replicates"), fontsize=11)
    return fig


def payoffs_over_time(df, actors=ACTORS, title: str = "", *, info=None):
    """Each actor's realised stage payoff on its own axis (utilities are not comparable across actors)."""
    actors = list(actors)
    fig, axes = _grid(len(actors), w=4.3, h=2.8)
    t = _time(df)
    played_months = [m for m in _months(df) if m >= 1]
    dates = _dates(df, info, months=played_months)
    for i, (ax, code) in enumerate(zip(axes.flat, actors)):
        # quantiles are per month: only the played months' are drawn (month 0 has no payoffs)
        fan_chart(df, payoff_column(code), ax=ax, info=info, color="C0", show_mean=False, dates=dates)
        ax.set_title(ACTOR_NAMES[code], fontsize=9)
        ax.set_ylabel("utility (own scale)", fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("date (end of month)", fontsize=8)
    _band_legend(fig, info, False)
    fig.suptitle(title or title_of(info, "Realised stage payoff per actor (each on its own scale: utilities "
                                         "are not comparable across actors)"), fontsize=11)
    return fig


# ----------------------------------------------------------------------------- comparisons
def compare_chart(frames: dict, metrics=MAIN_METRICS, title: str = "", *, info=None):
    """Several scenarios on shared axes, one panel per metric: medians (shares for 0/1 metrics) with bands.

    Each scenario has its own colour and line style, so overlapping lines stay
    visible; bands are drawn light and outlined and the legend says what they are.
    """
    import matplotlib.lines as mlines
    import matplotlib.patches as mpatches

    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    names = list(frames)
    fig, axes = _grid(len(metrics), w=4.4, h=3.0)
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]
    for ax, metric in zip(axes.flat, metrics):
        binary = all(is_binary(f[metric]) for f in frames.values())
        # the first scenario (the reference) is drawn last, on top
        for i in reversed(range(len(names))):
            df = frames[names[i]]
            color, ls = palette[i % len(palette)], LINESTYLES[i % len(LINESTYLES)]
            q = quantiles(df, metric)
            months, dates = _dates(df, info)
            q = q.loc[months]
            if binary:
                lo, hi = wilson(q["mean"], q["count"])
                mid = q["mean"]
            else:
                lo, hi, mid = q[0.25], q[0.75], q[0.5]
            ax.fill_between(dates, lo, hi, facecolor=color, alpha=0.10, edgecolor=color, lw=0.4, zorder=2)
            # markers at different months per scenario: lines that coincide stay distinguishable
            ax.plot(dates, mid, color=color, ls=ls, lw=2.0 if i == 0 else 1.6, zorder=3 + (i == 0),
                    marker=MARKERS[i % len(MARKERS)], ms=3.5, markevery=(1 + 2 * i, 3 * len(names)))
        ax.set_title(textwrap.fill(name(metric), 42), fontsize=9)
        ax.set_ylabel("share of replicates" if binary else (unit(metric) or "value"), fontsize=8)
        if binary:
            ax.set_ylim(-0.02, 1.02)
        _date_axis(ax, label=False)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("date (state at the end of each month)", fontsize=8)
    handles = [mlines.Line2D([], [], color=palette[i % len(palette)], ls=LINESTYLES[i % len(LINESTYLES)], lw=1.8,
                             marker=MARKERS[i % len(MARKERS)], ms=3.5, label=n) for i, n in enumerate(names)]
    handles.append(mpatches.Patch(facecolor="0.6", alpha=0.25, edgecolor="0.3", lw=0.4,
                                  label="band: central 50% of replicates (0/1 metrics: 95% interval of the share)"))
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4), fontsize=8, frameon=False,
               title="lines: median of replicates (0/1 metrics: share of replicates)", title_fontsize=8)
    if info:
        head = (f"Scenarios compared on the same seed\n{info['replicates']:,} replicates each, seed {info['seed']}, "
                f"{SOLUTIONS.get(info['solution'], info['solution'])}")
    else:
        head = "Scenarios compared"
    fig.suptitle(title or head, fontsize=11)
    return fig


def differences_chart(diffs, metrics=None, title: str = "", *, order=None, info=None, level: float = 0.9):
    """Each scenario's paired difference from the reference over time, one panel per metric, with its interval.

    ``diffs`` is ``Comparison.differences()`` (columns ``scenario, reference,
    metric, month, diff, lo, hi``). Lines are the mean paired difference
    (replicate ``i`` of each scenario shares its random numbers with replicate
    ``i`` of the reference); bands the ``level`` interval of that mean; a grey
    line marks zero, so a band across it is a difference chance could make.
    Colours and styles follow ``order`` (the scenarios as in ``compare_chart``).
    """
    import matplotlib.lines as mlines
    import matplotlib.patches as mpatches

    metrics = list(dict.fromkeys(diffs["metric"])) if metrics is None else (
        [metrics] if isinstance(metrics, str) else list(metrics))
    order = list(order) if order is not None else list(dict.fromkeys(list(diffs["reference"]) + list(diffs["scenario"])))
    reference = str(diffs["reference"].iloc[0]) if len(diffs) else (order[0] if order else "")
    others = [n for n in order if n != reference and n in set(diffs["scenario"])]
    start = (info or {}).get("start", "2025-01")
    fig, axes = _grid(len(metrics), w=4.4, h=3.0)
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]
    for ax, metric in zip(axes.flat, metrics):
        ax.axhline(0.0, color="0.3", lw=1.0, zorder=1)
        for name_ in others:
            i = order.index(name_)
            color, ls = palette[i % len(palette)], LINESTYLES[i % len(LINESTYLES)]
            d = diffs[(diffs["scenario"] == name_) & (diffs["metric"] == metric)].sort_values("month")
            dates = month_date(start, d["month"].to_numpy() + 1)  # the state at the end of its month
            ax.fill_between(dates, d["lo"], d["hi"], facecolor=color, alpha=0.18, edgecolor=color, lw=0.4,
                            zorder=2)
            ax.plot(dates, d["diff"], color=color, ls=ls, lw=1.6, zorder=3, marker=MARKERS[i % len(MARKERS)],
                    ms=3.5, markevery=(1 + 2 * i, 3 * len(order)))
        binary = unit(metric) == "0/1"  # a 0/1 metric: its difference is one of shares
        ax.set_title(textwrap.fill(name(metric), 42), fontsize=9)
        ax.set_ylabel("difference in share of replicates" if binary else
                      f"difference ({unit(metric) or 'value'})", fontsize=8)
        _date_axis(ax, label=False)  # no event marks: each scenario has its own events
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("date (state at the end of each month)", fontsize=8)
    pct = f"{100 * level:g}%"
    handles = [mlines.Line2D([], [], color=palette[order.index(n) % len(palette)],
                             ls=LINESTYLES[order.index(n) % len(LINESTYLES)], lw=1.6,
                             marker=MARKERS[order.index(n) % len(MARKERS)], ms=3.5, label=f"{n} − {reference}")
               for n in others]
    handles.append(mpatches.Patch(facecolor="0.6", alpha=0.3, edgecolor="0.3", lw=0.4,
                                  label=f"band: {pct} interval of the mean difference (paired t; 0/1 metrics: "
                                        f"Newcombe's paired score interval)"))
    handles.append(mlines.Line2D([], [], color="0.3", lw=1.0, label="no difference (a band across it: ~0)"))
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 3), fontsize=8, frameon=False,
               title=f"lines: mean paired difference from {reference} (replicate i of each scenario shares its "
                     f"random numbers; 0/1 metrics: difference of shares)", title_fontsize=8)
    if info:
        head = (f"Paired differences from {reference}\n{info['replicates']:,} replicates each, seed {info['seed']}, "
                f"{SOLUTIONS.get(info['solution'], info['solution'])}")
    else:
        head = f"Paired differences from {reference}"
    fig.suptitle(title or head, fontsize=11)
    return fig


# ----------------------------------------------------------------------------- explain
def explain_chart(table, title: str = ""):
    """A waterfall of an actor's payoff terms, from zero to the total, grouped by arena, with values."""
    import matplotlib.pyplot as plt

    t = table.copy()
    if "arena" in t.columns:
        order = list(dict.fromkeys(t["arena"]))
        t["_a"] = t["arena"].map(order.index)
        t = t.sort_values("_a", kind="stable")
    vals = t["value"].to_numpy(dtype=float)
    names = t["term"].tolist()
    arenas = t["arena"].tolist() if "arena" in t.columns else [""] * len(vals)
    n = len(vals)
    fig, ax = plt.subplots(figsize=(8, 0.36 * n + 2.2), layout="constrained")
    start = np.concatenate([[0.0], np.cumsum(vals)[:-1]])
    colors = np.where(vals >= 0, "#2a9d8f", "#e76f51")
    y = np.arange(n)[::-1] + 1
    ax.barh(y, vals, left=start, color=colors, height=0.7)
    total = float(vals.sum())
    ax.barh([0], [total], color="#264653", height=0.7)
    span = max(float(np.max(np.abs(np.concatenate([start, start + vals, [total]])))), 1e-9)
    for yi, s0, v in list(zip(y, start, vals)) + [(0, 0.0, total)]:
        ax.annotate("0" if abs(v) < 5e-4 else f"{v:+.3f}", (max(s0, s0 + v), yi), xytext=(3, 0), textcoords="offset points", va="center",
                    fontsize=7)
    ax.set_yticks(list(y) + [0], [f"{a}: {nm}" if a else nm for a, nm in zip(arenas, names)] + ["total"],
                  fontsize=8)
    # separate the arenas
    for k in range(1, n):
        if arenas[k] != arenas[k - 1]:
            ax.axhline(y[k] + 0.5, color="0.5", lw=0.8, ls="--")
    ax.axhline(0.5, color="0.2", lw=0.8)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlim(min(0.0, float(np.min(np.concatenate([start, start + vals, [total]])))) - 0.08 * span,
                max(0.0, float(np.max(np.concatenate([start, start + vals, [total]])))) + 0.22 * span)
    ax.set_xlabel("contribution to the stage payoff (utility; green raises it, red lowers it)")
    ax.set_title("\n".join(textwrap.fill(line, 80) for line in title.split("\n")), fontsize=9.5)
    ax.grid(axis="x", alpha=0.3)
    return fig
