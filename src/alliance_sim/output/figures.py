"""Matplotlib figures of results: fan charts, action shares, payoffs, comparisons.

Functions take tidy DataFrames (the trajectories table) and return figures;
they never compute model results themselves.
"""
from __future__ import annotations

import numpy as np

from ..domain.actors import ACTORS, ACTOR_NAMES
from ..domain.metrics import MAIN_METRICS, UNITS, action_column, payoff_column

BANDS = ((0.05, 0.95, 0.18), (0.25, 0.75, 0.35))


def label(metric: str) -> str:
    unit = UNITS.get(metric, ("", ""))[0]
    name = metric.replace("_", " ").replace("prk", "PRK").replace("us ", "US ")
    return f"{name} ({unit})" if unit else name


def quantiles(df, metric: str):
    """Per-step mean and quantiles of a metric across replicates."""
    g = df.groupby("step")[metric]
    q = g.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    q["mean"] = g.mean()
    return q


def fan_chart(df, metric: str, ax=None, *, color="C0", name=None, show_mean=None):
    """Median with 50% and 90% bands of ``metric`` over months; the mean for 0/1 metrics."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(6, 3.5))[1]
    q = quantiles(df, metric)
    steps = q.index.to_numpy()
    binary = show_mean if show_mean is not None else set(np.unique(df[metric])) <= {0.0, 1.0}
    if binary:
        ax.plot(steps, q["mean"], color=color, lw=2, label=name or "share of replicates")
    else:
        for lo, hi, alpha in BANDS:
            ax.fill_between(steps, q[lo], q[hi], color=color, alpha=alpha, lw=0)
        ax.plot(steps, q[0.5], color=color, lw=2, label=name or "median (bands: 50%, 90%)")
    ax.set_title(label(metric) + (" - share of replicates" if binary else ""), fontsize=9)
    ax.set_xlabel("month")
    ax.grid(alpha=0.3)
    return ax


def metrics_grid(df, metrics=MAIN_METRICS, title: str = ""):
    import matplotlib.pyplot as plt

    n = len(metrics)
    cols = 3
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        fan_chart(df, metric, ax=ax)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def action_shares(df, actors=ACTORS, title: str = ""):
    """Share of replicates taking each action, per actor, over months."""
    import matplotlib.pyplot as plt

    actors = list(actors)
    cols = 3
    rows = int(np.ceil(len(actors) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(15, 3.25 * rows), squeeze=False)
    for ax in list(axes.flat)[len(actors):]:
        ax.set_visible(False)
    for ax, code in zip(axes.flat, actors):
        col = action_column(code)
        shares = df.groupby("step", observed=False)[col].value_counts(normalize=True).unstack(fill_value=0.0)
        shares = shares.loc[:, (shares > 0).any(axis=0)]
        ax.stackplot(shares.index, shares.to_numpy().T, labels=[str(c) for c in shares.columns], alpha=0.85)
        ax.set_title(ACTOR_NAMES[code], fontsize=9)
        ax.set_ylim(0, 1)
        ax.set_xlabel("month")
        ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.suptitle(title or "Action shares per actor")
    fig.tight_layout()
    return fig


def payoffs_over_time(df, actors=ACTORS, title: str = ""):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for i, code in enumerate(actors):
        q = quantiles(df, payoff_column(code))
        ax.fill_between(q.index, q[0.25], q[0.75], color=f"C{i}", alpha=0.2, lw=0)
        ax.plot(q.index, q[0.5], color=f"C{i}", lw=2, label=code)
    ax.set_xlabel("month")
    ax.set_ylabel("realised stage payoff (utility)")
    ax.set_title(title or "Payoffs over time (median, 50% band)")
    ax.legend(ncol=3, fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def compare_chart(frames: dict, metrics=MAIN_METRICS, title: str = ""):
    """Several scenarios' fan charts on shared axes, one panel per metric."""
    import matplotlib.pyplot as plt

    n = len(metrics)
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, 3.0 * rows), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        binary = all(set(np.unique(f[metric])) <= {0.0, 1.0} for f in frames.values())
        for i, (name, df) in enumerate(frames.items()):
            q = quantiles(df, metric)
            if binary:
                ax.plot(q.index, q["mean"], color=f"C{i}", lw=2, label=name)
            else:
                ax.fill_between(q.index, q[0.25], q[0.75], color=f"C{i}", alpha=0.2, lw=0)
                ax.plot(q.index, q[0.5], color=f"C{i}", lw=2, label=name)
        ax.set_title(label(metric) + (" - share" if binary else " - median, 50% band"), fontsize=9)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), fontsize=8, frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def explain_chart(table, title: str = ""):
    """A waterfall of an actor's payoff terms, from zero to the total."""
    import matplotlib.pyplot as plt

    vals = table["value"].to_numpy()
    names = table["term"].tolist()
    fig, ax = plt.subplots(figsize=(7, 0.38 * len(vals) + 1.6))
    start = np.concatenate([[0.0], np.cumsum(vals)[:-1]])
    colors = np.where(vals >= 0, "#2a9d8f", "#e76f51")
    y = np.arange(len(vals))[::-1] + 1
    ax.barh(y, vals, left=start, color=colors)
    total = vals.sum()
    ax.barh([0], [total], color="#264653")
    ax.set_yticks(list(y) + [0], names + ["total"])
    ax.axvline(0, color="k", lw=0.8)
    ax.margins(x=0.08)
    ax.set_xlabel("utility")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
