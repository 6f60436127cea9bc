"""Figures for the classic models (matplotlib; each function returns a Figure).

- :func:`bdm_figure`: each actor's position by round, with the weighted median and mean;
- :func:`landscape_figure`: every configuration's energy against its distance
  from the lowest minimum, coloured by basin, the minima marked and named;
- :func:`exchange_figure`: one row per issue, actors' positions as dots and
  the exchanges of a round as arrows, outcomes before and after;
- :func:`side_by_side_figure`: the classic forecasts beside the ABM ensemble.
"""
from __future__ import annotations

import numpy as np

__all__ = ["bdm_figure", "exchange_figure", "landscape_figure", "save", "side_by_side_figure"]

_ACTOR_COLORS = {"USA": "#1f77b4", "RUS": "#d62728", "PRK": "#8c564b", "KOR": "#2ca02c", "CHN": "#ff7f0e",
                 "UKR": "#9467bd"}


def _plt():
    import matplotlib.pyplot as plt  # matplotlib falls back to Agg where there is no display

    return plt


def _color(name, i):
    import matplotlib

    return _ACTOR_COLORS.get(name, matplotlib.colormaps["tab10"](i % 10))


def bdm_figure(result, *, title: str | None = None, ylabel: str = "position"):
    """Positions by round (one line per actor), weighted median and mean (thick lines)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    rounds = np.arange(result.positions.shape[0])
    for i, name in enumerate(result.actor):
        ax.plot(rounds, result.positions[:, i], marker="o", ms=3, lw=1.2, alpha=0.8, color=_color(name, i),
                label=name)
    ax.plot(rounds, result.median, color="black", lw=2.6, label="weighted median (forecast)")
    ax.plot(rounds, result.mean, color="grey", lw=2.2, ls="--", label="weighted mean")
    ax.set_xlabel("round (0 = initial positions)")
    ax.set_ylabel(ylabel)
    ax.set_xticks(rounds)
    ax.set_title(title or "Expected-utility model: positions by round")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def landscape_figure(result, *, title: str | None = None):
    """Energy of every configuration against its distance (actors on a different side) from the lowest minimum."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    g = result.configs[result.minima[0]]
    # distance from the lowest minimum, up to relabelling the two sides
    diff = (result.configs != g).sum(axis=1)
    dist = np.minimum(diff, result.configs.shape[1] - diff)
    rng = np.random.default_rng(0)
    jitter = rng.uniform(-0.18, 0.18, size=len(dist))
    cmap = plt.get_cmap("tab10")
    for m, row in enumerate(result.minima):
        a, b = result.sides(row)
        mask = result.basin == m
        share = mask.mean()
        ax.scatter(dist[mask] + jitter[mask], result.energies[mask], s=14, alpha=0.6, color=cmap(m % 10),
                   label=f"basin {m}: {share:.0%} of configurations")
        ax.scatter([dist[row]], [result.energies[row]], marker="*", s=260, color=cmap(m % 10), edgecolor="black",
                   zorder=5, label=f"minimum {m}: {{{', '.join(a)}}} vs {{{', '.join(b)}}}  E = {result.energies[row]:.4g}")
    ax.set_xticks(range(int(dist.max()) + 1))
    ax.set_xlabel("distance from the lowest minimum (actors on the other side)")
    ax.set_ylabel(f"energy ({result.pairs} pairs)")
    ax.set_title(title or "Landscape theory: energy of every configuration")
    ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False, ncol=1)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def exchange_figure(result, *, round: int = 1, title: str | None = None, label_gain: bool = True):
    """One row per issue: positions (dots) before the round, each exchange's moves as arrows."""
    plt = _plt()
    issues = list(result.issues)
    fig, axes = plt.subplots(len(issues), 1, figsize=(8.5, 1.25 * len(issues) + 1.6), sharex=True)
    axes = np.atleast_1d(axes)
    X = result.positions[round - 1]
    ex = [e for e in result.exchanges if e["round"] == round]
    cmap = plt.get_cmap("tab10")
    acts = list(result.actors)
    handles = {}
    for k, (ax, iss) in enumerate(zip(axes, issues)):
        groups: dict = {}
        for i, a in enumerate(acts):
            h = ax.scatter(X[i, k], 0, s=55, color=_color(a, i), zorder=4)
            handles.setdefault(a, h)
            groups.setdefault(float(np.round(X[i, k], 6)), []).append(a)
        for g, (x, names) in enumerate(sorted(groups.items())):
            ax.annotate(", ".join(names), (x, 0), xytext=(0, 7 + 9 * (g % 2)), textcoords="offset points",
                        ha="center", fontsize=7)
        o0, o1 = result.outcomes[round - 1][k], result.outcomes[round][k]
        handles.setdefault("outcome before", ax.axvline(o0, color="black", lw=1.4, ls="-"))
        handles.setdefault("outcome after", ax.axvline(o1, color="black", lw=1.4, ls=":"))
        ax.set_yticks([])
        ax.set_ylim(-1.1, 0.9)
        ax.set_ylabel(iss.replace("_", "\n"), rotation=0, ha="right", va="center", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    for n, e in enumerate(ex):
        col = cmap(n % 10)
        y = -0.25 - 0.17 * (n % 5)
        for who, iss, x0, x1 in (("supplier", e["issue_p"], e["supplier_from"], e["supplier_to"]),
                                 ("demander", e["issue_q"], e["demander_from"], e["demander_to"])):
            ax = axes[issues.index(iss)]
            ax.annotate("", xy=(x1, y), xytext=(x0, y),
                        arrowprops=dict(arrowstyle="->", color=col, lw=1.8))
        lab = (f"#{n + 1} {e['supplier']} moves on {e['issue_p']}, {e['demander']} on {e['issue_q']}"
               + (f" (gain {e['gain']:.3g} each)" if label_gain else ""))
        handles[lab] = plt.Line2D([], [], color=col, lw=1.8, marker=">", ms=5)
    axes[-1].set_xlabel("position on the issue's 0..1 scale")
    axes[-1].set_xlim(-0.05, 1.05)
    fig.suptitle(title or f"Exchange model: round {round} exchanges (arrows: voting-position moves)", fontsize=10)
    fig.legend(list(handles.values()), list(handles.keys()), loc="lower center", fontsize=7, ncol=2,
               frameon=False)
    fig.tight_layout(rect=(0, 0.03 + 0.022 * (len(handles) // 2 + 1), 1, 0.97))
    return fig


def side_by_side_figure(table, *, title: str | None = None):
    """Classic forecasts (markers) beside the ABM ensemble (point and 90% interval), one row per issue."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 0.75 * len(table) + 2.0))
    y = np.arange(len(table))[::-1]
    ax.errorbar(table["abm"], y, xerr=[table["abm"] - table["abm_low"], table["abm_high"] - table["abm"]],
                fmt="s", color="black", ms=7, capsize=5, lw=2, label="agent-based model, month 36 (90% interval)")
    for k, (col, mk, colr, lab) in enumerate((("weighted_mean", "o", "#1f77b4", "weighted mean"),
                                              ("weighted_median", "v", "#2ca02c", "weighted median"),
                                              ("bdm", "D", "#d62728", "expected-utility model (BDM)"),
                                              ("exchange", "^", "#9467bd", "exchange model, after round 1"))):
        ax.scatter(table[col], y + 0.12 * (k + 1), marker=mk, s=40, color=colr, label=lab, zorder=3, alpha=0.9)
    labels = [f"{r.issue}\n(ABM: {'share of runs' if r.abm_kind == 'share' else 'mean'})" for r in table.itertuples()]
    ax.set_yticks(y + 0.25)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlim(-0.03, 1.03)
    ax.axvline(0.5, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("classic: forecast position (0..1)    ABM: mapped metric (see the table)")
    ax.set_title(title or "Classic models and the agent-based model, side by side")
    ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def save(fig, path, fmt: str = "png", dpi: int = 120):
    """Save and close a figure."""
    plt = _plt()
    fig.savefig(path, format=fmt, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
