"""Figures of a calibration: each target against the simulated band, and the accepted ranges per reading.

Each function takes a :class:`~alliance_sim.explore.calibrate.Calibration`
and returns a matplotlib ``Figure``; nothing is computed from the model here.
"""
from __future__ import annotations

import textwrap

import numpy as np

ALL = "#bdbdbd"
READING_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


def _band(series: np.ndarray):
    """5%, 50% and 95% over sets of each month's set means (NaN-safe)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanquantile(series, [0.05, 0.5, 0.95], axis=0)


def calibration_target_figure(cal, target, key: str, labels: list[str]):
    """One target: the band of all sampled sets, the band of the accepted ones per reading, the observation.

    ``key`` names the target's series in ``cal.series``; ``labels`` are the calendar months 1..H.
    """
    import matplotlib.pyplot as plt

    series = cal.series[key]  # (sets, months 1..H)
    H = series.shape[1]
    x = np.arange(1, H + 1)
    fig, ax = plt.subplots(figsize=(7.2, 4.6))
    lo, mid, hi = _band(series)
    ax.fill_between(x, lo, hi, color=ALL, alpha=0.6, lw=0, label=f"all {series.shape[0]:,} sampled sets (5-95%)")
    ax.plot(x, mid, color="#737373", lw=1)
    readings = [r for r in cal.readings if target.reading in (None, r)]
    for k, r in enumerate(readings):
        acc = cal.samples[f"accepted_{r}"].to_numpy()
        if not acc.any():
            continue
        c = READING_COLOURS[k % len(READING_COLOURS)]
        a_lo, a_mid, a_hi = _band(series[acc])
        name = "accepted" if r == "all" else f"accepted, reading {r}"
        ax.fill_between(x, a_lo, a_hi, color=c, alpha=0.3, lw=0, label=f"{name}: {int(acc.sum()):,} sets (5-95%)")
        ax.plot(x, a_mid, color=c, lw=1.5)
    m = target.month
    ax.vlines(m, target.low - 3 * target.sd, target.high + 3 * target.sd, color="k", lw=1,
              label="observed, +/- 3 sd (thin)")
    if target.low == target.high:
        ax.plot([m], [target.low], "o", color="k", ms=6, label=f"observed {target.low:g}")
    else:
        ax.vlines(m, target.low, min(target.high, np.nanmax(hi) + 3 * target.sd), color="k", lw=5,
                  label=f"observed [{target.low:g}, {target.high:g}]")
    ax.set_xticks(x, labels, rotation=30, fontsize=8)
    what = f"change of {target.metric} since {target.since}" if target.since else target.metric
    ax.set_ylabel(what)
    title = f"{cal.manifest['scenario']}: target {target.id}"
    title += f" (reading {target.reading})" if target.reading else ""
    ax.set_title(title + f"\n{cal.manifest['sets']:,} sets x {cal.manifest['replicates']} replicates, seed "
                 f"{cal.manifest['seed']}, cut-off {cal.manifest['cutoff']:g}", fontsize=10)
    ax.legend(fontsize=7, loc="best")
    ax.grid(alpha=0.3)
    caption = (f"Each set's mean over its replicates, month by month; bands: 5-95% of those means over the sets "
               f"(grey: all sampled, colour: accepted under each reading), lines: their medians. Black: the "
               f"observed figure at {target.date} (thick: the reported value or interval; thin: +/- 3 sd of the "
               f"observation uncertainty assumed). Claims: {', '.join(target.claims)}.")
    fig.subplots_adjust(bottom=0.27)
    fig.text(0.01, 0.01, textwrap.fill(caption, 130), fontsize=6.5, va="bottom", ha="left")
    return fig


def calibration_readings_figure(cal, top: int = 12):
    """The parameters the targets narrow most: prior range and the accepted 5-95% range under each reading."""
    import matplotlib.pyplot as plt

    rng = cal.ranges()
    order = rng.groupby("parameter")["sd_ratio"].min().sort_values().head(top).index.tolist()
    k = len(order)
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * k + 1.8))
    y = np.arange(k)[::-1]
    readings = list(cal.readings)
    h = 0.8 / max(len(readings), 1)
    for j, r in enumerate(readings):
        sub = rng[rng["reading"] == r].set_index("parameter").loc[order]
        width = sub["prior_high"] - sub["prior_low"]
        lo = (sub["accepted_p05"] - sub["prior_low"]) / width
        hi = (sub["accepted_p95"] - sub["prior_low"]) / width
        ax.barh(y + 0.4 - (j + 0.5) * h, hi - lo, h * 0.9, left=lo, color=READING_COLOURS[j % 4],
                label=f"reading {r}: accepted 5-95%")
    for edge in (0.05, 0.95):  # where the prior's own 5-95% range ends
        ax.axvline(edge, color="k", lw=0.8, ls=":", label="prior 5-95%" if edge == 0.05 else None)
    ax.set_xlim(0, 1)
    ax.set_yticks(y, order, fontsize=8)
    ax.set_xlabel("position within the prior (plausible) range: 0 = low end, 1 = high end")
    ax.set_title(f"{cal.manifest['scenario']}: what each reading of the contested figures accepts", fontsize=10,
                 pad=28)
    ax.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(readings) + 1, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    caption = ("The parameters whose accepted spread is smallest relative to the prior (uniform over its range), "
               "each bar the 5-95% range of the accepted sets under one reading, on the prior range scaled to 0-1; "
               "init_* here are the sampled starting values of the history run (October 2024), not the December "
               "state handed over.")
    fig.subplots_adjust(bottom=max(0.12, 0.9 / (0.45 * k + 1.8)), left=0.3)
    fig.text(0.01, 0.01, textwrap.fill(caption, 130), fontsize=6.5, va="bottom", ha="left")
    return fig
