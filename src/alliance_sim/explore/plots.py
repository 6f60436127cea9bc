"""Figures for sweeps, sensitivity indices and discovered boxes.

Each function returns a matplotlib ``Figure`` and computes nothing from the
model itself.
"""
from __future__ import annotations

import numpy as np

from ..output.figures import label

INTEREST = "#d62728"
OTHER = "#9ecae1"


def _short(name: str, width: int = 28) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def tornado(indices, top: int = 15, title: str | None = None, ax=None):
    """Horizontal bars of the most influential parameters with confidence intervals.

    Sobol: ``S1`` and ``ST`` side by side; Morris: ``mu*`` (with ``sigma`` as dots).
    """
    import matplotlib.pyplot as plt

    from .sensitivity import rank

    df = rank(indices).head(top)
    k = len(df)
    fig = ax.figure if ax is not None else plt.subplots(figsize=(7.5, 0.34 * k + 1.6))[0]
    ax = ax or fig.axes[0]
    y = np.arange(k)[::-1]
    if "ST" in df.columns:
        h = 0.38
        ax.barh(y + h / 2, df["ST"], h, xerr=df["ST_conf"], color="#1f77b4", label="total (ST)",
                error_kw=dict(lw=0.8, capsize=2))
        ax.barh(y - h / 2, df["S1"], h, xerr=df["S1_conf"], color="#ff7f0e", label="first order (S1)",
                error_kw=dict(lw=0.8, capsize=2))
        ax.set_xlabel(f"Sobol index (bars: {int(100 * df.attrs.get('conf_level', 0.95))}% confidence interval)")
    else:
        ax.barh(y, df["mu_star"], 0.6, xerr=df["mu_star_conf"], color="#1f77b4", label="mu* (mean |effect|)",
                error_kw=dict(lw=0.8, capsize=2))
        ax.plot(df["sigma"], y, "o", color="#ff7f0e", ms=4, label="sigma (spread of effects)")
        ax.set_xlabel("elementary effect (outcome units over the full range)")
    ax.set_yticks(y, [_short(n) for n in df.index])
    ax.axvline(0, color="k", lw=0.6)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    a = df.attrs
    default = f"{a.get('scenario', '')}: {a.get('outcome', 'output')}"
    default += f" at month {a['month']}" if a.get("month") else ""
    if a.get("runs"):
        default += f"\n{str(a.get('method', '')).capitalize()} indices from {a['runs']:,} runs, seed {a.get('seed', 0)}"
    ax.set_title(title or default, fontsize=10)
    warn = list(a.get("warnings", []))
    if warn:  # the figure carries its own caveats
        import textwrap

        text = "\n".join(textwrap.fill("warning: " + w, 110) for w in warn)
        w_in, h_in = fig.get_size_inches()
        extra = 0.14 * (text.count("\n") + 1) + 0.15
        fig.set_size_inches(w_in, h_in + extra)
        fig.text(0.01, 0.01, text, fontsize=6.5, color="#b30000", va="bottom", ha="left")
        fig.tight_layout(rect=(0, (extra + 0.05) / (h_in + extra), 1, 1))
        return fig
    fig.tight_layout()
    return fig


def _binary(v) -> bool:
    v = np.asarray(v, dtype=float)
    v = v[np.isfinite(v)]
    return v.size > 0 and bool(np.all((v == 0.0) | (v == 1.0)))


def outcome_distributions(sweeps, outcome: str, month: int | None = None, title: str | None = None, ax=None):
    """Distribution of an outcome across the design, one violin (or share bar for 0/1 outcomes) per sweep.

    Parameters
    ----------
    sweeps : Sweep or dict of {name: Sweep}
        E.g. the same design run on several scenarios.
    outcome : str
        A metric or a condition (``"us_prk_deal > 0.5"``).
    """
    import matplotlib.pyplot as plt

    from .sweep import Sweep

    if isinstance(sweeps, Sweep):
        sweeps = {sweeps.manifest["scenario"]: sweeps}
    data = {name: sw.values(outcome, month).ravel() for name, sw in sweeps.items()}
    data = {k: v[np.isfinite(v)] for k, v in data.items()}
    names = list(data)
    fig = ax.figure if ax is not None else plt.subplots(figsize=(1.6 * len(names) + 3.2, 3.8))[0]
    ax = ax or fig.axes[0]
    pos = np.arange(1, len(names) + 1)
    if all(_binary(v) for v in data.values()):
        share = np.array([v.mean() if v.size else np.nan for v in data.values()])
        se = np.array([np.sqrt(p * (1 - p) / max(v.size, 1)) for p, v in zip(share, data.values())])
        ax.bar(pos, share, 0.6, yerr=1.96 * se, color=[f"C{i}" for i in range(len(names))], capsize=3)
        ax.set_ylabel("share of runs (95% interval)")
        ax.set_ylim(0, max(0.05, float(np.nanmax(share + 1.96 * se)) * 1.15))
    else:
        parts = ax.violinplot([v for v in data.values()], pos, showmedians=True, showextrema=True)
        for i, body in enumerate(parts["bodies"]):
            body.set_facecolor(f"C{i}")
            body.set_alpha(0.45)
        ax.set_ylabel(label(str(outcome)))
    ax.set_xticks(pos, names, rotation=15 if len(names) > 3 else 0)
    ax.grid(axis="y", alpha=0.3)
    sw0 = next(iter(sweeps.values()))
    m = month or sw0.months[-1]
    ax.set_title(title or f"{outcome} at month {m} across the design ({sw0.manifest['design']}, "
                          f"{sw0.manifest['runs']} runs each)", fontsize=10)
    fig.tight_layout()
    return fig


def scatter(sweep, x: str, y: str, outcome: str, month: int | None = None, title: str | None = None, ax=None):
    """Scatter of two parameters over the design, coloured by the outcome (mean over replicates)."""
    import matplotlib.pyplot as plt

    names = sweep.problem["names"]
    X = sweep.X
    c = sweep.y(outcome, month)
    fig = ax.figure if ax is not None else plt.subplots(figsize=(6.2, 4.8))[0]
    ax = ax or fig.axes[0]
    xi, yi = names.index(x), names.index(y)
    ok = np.isfinite(c)
    if _binary(c):
        hit = ok & (c == 1.0)
        ax.scatter(X[ok & ~hit, xi], X[ok & ~hit, yi], s=9, color=OTHER, label="no", alpha=0.7, lw=0)
        ax.scatter(X[hit, xi], X[hit, yi], s=12, color=INTEREST, label="yes", alpha=0.9, lw=0)
        ax.legend(title=str(outcome), fontsize=8, title_fontsize=8, loc="best")
    else:
        sc = ax.scatter(X[ok, xi], X[ok, yi], c=c[ok], s=10, cmap="viridis", lw=0, alpha=0.85)
        fig.colorbar(sc, ax=ax, label=str(outcome) + (" (mean over replicates)" if sweep.replicates > 1 else ""))
    b = sweep.problem["bounds"]
    ax.set_xlim(*b[xi])
    ax.set_ylim(*b[yi])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    m = month or sweep.months[-1]
    ax.set_title(title or f"{sweep.manifest['scenario']}: {outcome} at month {m}", fontsize=10)
    fig.tight_layout()
    return fig


def top2_scatter(indices, sweep, outcome: str | None = None, month: int | None = None):
    """:func:`scatter` of the two most influential parameters in ``indices``."""
    from .sensitivity import rank

    top = list(rank(indices).index[:2])
    if len(top) < 2:
        top = (top + [n for n in sweep.problem["names"] if n not in top])[:2]
    outcome = outcome or indices.attrs.get("outcome")
    month = month or indices.attrs.get("month")
    return scatter(sweep, top[0], top[1], outcome, month,
                   title=f"{sweep.manifest['scenario']}: {outcome} at month {month or sweep.months[-1]}, "
                         f"two most influential parameters")


def binned_mean(sweep, x: str, y: str, outcome: str, month: int | None = None, bins: int = 8,
                title: str | None = None, ax=None):
    """The outcome's mean over a grid of two parameters' ranges (every run counted once).

    What a scatter of a Sobol design cannot show: its 2,048 distinct
    positions carry tens of thousands of overlapping runs. Each cell is the
    mean outcome (a share for a condition) of the runs whose two parameters
    fall in it, averaging over every other parameter; cells are annotated
    with the mean and shaded by it; empty cells stay blank.
    """
    import matplotlib.pyplot as plt

    names = sweep.problem["names"]
    xi, yi = names.index(x), names.index(y)
    v = sweep.values(outcome, month)  # (rows, replicates)
    X = np.repeat(sweep.X, v.shape[1], axis=0)
    c = v.ravel()
    ok = np.isfinite(c)
    b = sweep.problem["bounds"]
    ex, ey = np.linspace(*b[xi], bins + 1), np.linspace(*b[yi], bins + 1)
    total, _, _ = np.histogram2d(X[ok, xi], X[ok, yi], [ex, ey], weights=c[ok])
    count, _, _ = np.histogram2d(X[ok, xi], X[ok, yi], [ex, ey])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
    binary = _binary(c)
    fig = ax.figure if ax is not None else plt.subplots(figsize=(6.8, 5.4), layout="constrained")[0]
    ax = ax or fig.axes[0]
    mesh = ax.pcolormesh(ex, ey, mean.T, cmap="viridis", shading="flat",
                         vmin=0 if binary else None, vmax=None)
    cb = fig.colorbar(mesh, ax=ax)
    what = f"share of runs with {outcome}" if binary else f"mean {label(str(outcome))}"
    cb.set_label(what, fontsize=8)
    lo, hi = np.nanmin(mean), np.nanmax(mean)
    for i in range(bins):
        for j in range(bins):
            if count[i, j]:
                val = mean[i, j]
                dark = (val - lo) / (hi - lo + 1e-12) < 0.55
                ax.text((ex[i] + ex[i + 1]) / 2, (ey[j] + ey[j + 1]) / 2,
                        f"{val:.2f}" if not binary else f"{100 * val:.0f}%", ha="center", va="center",
                        fontsize=6.5, color="white" if dark else "black")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    m = month or sweep.months[-1]
    man = sweep.manifest
    ax.set_title(title or f"{man['scenario']}: {outcome} at month {m}\nmean over the other parameters in each cell "
                          f"({int(ok.sum()):,} runs, {bins}x{bins} cells, seed {man['seed']})", fontsize=9)
    return fig


def top2_binned(indices, sweep, outcome: str | None = None, month: int | None = None, bins: int = 8):
    """:func:`binned_mean` of the two most influential parameters in ``indices``."""
    from .sensitivity import rank

    top = list(rank(indices).index[:2])
    if len(top) < 2:
        top = (top + [n for n in sweep.problem["names"] if n not in top])[:2]
    outcome = outcome or indices.attrs.get("outcome")
    month = month or indices.attrs.get("month")
    key = "ST" if "ST" in indices.columns else "mu_star"
    return binned_mean(sweep, top[0], top[1], outcome, month, bins=bins,
                       title=f"{sweep.manifest['scenario']}: {outcome} at month {month or sweep.months[-1]}, over "
                             f"the two most influential parameters (by {key})\nmean over all other parameters in "
                             f"each cell; seed {sweep.manifest['seed']}")


def box_limits(discovery, box: int = 0, title: str | None = None, ax=None):
    """The box's limits on each restricted parameter, as a share of the parameter's full range."""
    import matplotlib.pyplot as plt

    lim = discovery.limits[discovery.limits["box"] == box]
    k = max(len(lim), 1)
    fig = ax.figure if ax is not None else plt.subplots(figsize=(7.5, 0.42 * k + 2.0))[0]
    ax = ax or fig.axes[0]
    y = np.arange(len(lim))[::-1]
    span = (lim["range_high"] - lim["range_low"]).to_numpy()
    lo = ((lim["low"] - lim["range_low"]).to_numpy() / span) if len(lim) else np.array([])
    hi = ((lim["high"] - lim["range_low"]).to_numpy() / span) if len(lim) else np.array([])
    ax.barh(y, np.ones(len(lim)), 0.55, color="#e0e0e0", label="full range")
    ax.barh(y, hi - lo, 0.55, left=lo, color=INTEREST, alpha=0.8, label="box")
    for yi, r, a, b in zip(y, lim.itertuples(), lo, hi):
        ax.text(a, yi + 0.33, f"{r.low:.3g}", ha="center", va="bottom", fontsize=7)
        ax.text(b, yi + 0.33, f"{r.high:.3g}", ha="center", va="bottom", fontsize=7)
        ax.text(1.02, yi, f"[{r.range_low:.3g}, {r.range_high:.3g}]", va="center", fontsize=7, color="0.4")
    ax.set_yticks(y, [_short(p) for p in lim["parameter"]])
    ax.set_xlim(0, 1.25)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel("position within the full range (0 = low, 1 = high)")
    st = discovery.stats[discovery.stats["box"] == box]
    head = f"{discovery.method.upper()} box {box} for '{discovery.outcome}'"
    if len(st):
        s = st.iloc[0]
        head += f"\ncoverage {s.coverage:.0%}, density {s.density:.0%} (all runs: {discovery.base_density:.0%})"
    else:
        ax.text(0.5, 0.5, "no box found", ha="center", transform=ax.transAxes)
    ax.set_title(title or head, fontsize=10)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.45, -0.3), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def peeling_trajectory(discovery, box: int = 0, ax=None):
    """PRIM's trade-off: coverage against density along the peeling, coloured by restricted dimensions."""
    import matplotlib.pyplot as plt

    tr = discovery.trajectory
    tr = tr[tr["box"] == box] if tr is not None else tr
    fig = ax.figure if ax is not None else plt.subplots(figsize=(6.2, 4.6))[0]
    ax = ax or fig.axes[0]
    if tr is None or not len(tr):
        ax.text(0.5, 0.5, "no peeling trajectory", ha="center", transform=ax.transAxes)
        return fig
    sc = ax.scatter(tr["coverage"], tr["density"], c=tr["res_dim"], cmap="viridis", s=18, zorder=3)
    ax.plot(tr["coverage"], tr["density"], color="0.7", lw=0.8, zorder=2)
    sel = tr[tr["selected"]]
    ax.scatter(sel["coverage"], sel["density"], marker="*", s=220, facecolor="none", edgecolor=INTEREST, lw=1.5,
               zorder=4, label="chosen on the trajectory")
    st = discovery.stats[discovery.stats["box"] == box]
    if len(st) and discovery.meta.get("qp_max") is not None:
        ax.scatter(st["coverage"], st["density"], marker="D", s=60, color="k", zorder=5,
                   label="reported (chance restrictions dropped)")
    thr = discovery.meta.get("threshold")
    if thr is not None:
        ax.axhline(thr, color=INTEREST, lw=0.8, ls="--", label=f"density threshold {thr:g}")
    fig.colorbar(sc, ax=ax, label="parameters restricted")
    ax.set_xlabel("coverage (share of cases of interest in the box)")
    ax.set_ylabel("density (share of the box's cases of interest)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(f"PRIM peeling trajectory: '{discovery.outcome}'", fontsize=10)
    fig.tight_layout()
    return fig


def tree(discovery, ax=None):
    """The CART tree (scikit-learn's ``plot_tree``)."""
    import matplotlib.pyplot as plt

    from sklearn.tree import plot_tree

    clf = discovery.tree
    depth = clf.get_depth()
    fig = ax.figure if ax is not None else plt.subplots(figsize=(min(2.6 * 2 ** depth, 16), 1.7 * depth + 1.8))[0]
    ax = ax or fig.axes[0]
    plot_tree(clf, feature_names=list(discovery.X.columns), class_names=["no", "yes"], filled=True,
              proportion=True, impurity=False, rounded=True, fontsize=7, ax=ax)
    ax.set_title(f"CART for '{discovery.outcome}' (value: share no / yes)", fontsize=10)
    fig.tight_layout()
    return fig


def box_scatter(discovery, box: int = 0, ax=None):
    """The cases on the box's two first restricted parameters, with the box drawn."""
    import matplotlib.pyplot as plt

    from matplotlib.patches import Rectangle

    lim = discovery.limits[discovery.limits["box"] == box]
    names = list(lim["parameter"])
    others = [c for c in discovery.X.columns if c not in names]
    names = (names + others)[:2]
    fig = ax.figure if ax is not None else plt.subplots(figsize=(6.2, 4.8))[0]
    ax = ax or fig.axes[0]
    if len(names) < 2:
        ax.text(0.5, 0.5, "fewer than two parameters", ha="center", transform=ax.transAxes)
        return fig
    x, y = discovery.X[names[0]].to_numpy(), discovery.X[names[1]].to_numpy()
    hit = discovery.y
    ax.scatter(x[~hit], y[~hit], s=8, color=OTHER, lw=0, alpha=0.7, label="no")
    ax.scatter(x[hit], y[hit], s=11, color=INTEREST, lw=0, alpha=0.9, label="yes")
    (bx0, bx1), (by0, by1) = discovery.bounds[names[0]], discovery.bounds[names[1]]
    box_ = discovery.box(box)
    x0, x1 = box_.get(names[0], (bx0, bx1))
    y0, y1 = box_.get(names[1], (by0, by1))
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="k", lw=1.5, ls="--", label="box"))
    ax.set_xlim(bx0, bx1)
    ax.set_ylim(by0, by1)
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.legend(title=discovery.outcome, fontsize=8, title_fontsize=8, loc="best")
    ax.set_title(f"Cases on the box's first two parameters (box {box})", fontsize=10)
    fig.tight_layout()
    return fig
