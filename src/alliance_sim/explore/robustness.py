"""Robustness of scenario differences across solution concepts: does a finding survive how actors choose?

The levels of the model's outcomes swing with the solution concept (noisier
logit choice keeps more troops in Russia, say), so a difference between two
scenarios is a finding only if its sign does not depend on the concept.
``robustness`` runs the scenarios under each concept of a grid (logit QRE at
several rationality values, Nash, pure Nash), each with the same seed (so
every scenario shares its random streams with the reference under every
concept), takes each scenario's paired difference from the reference with
its interval (``Comparison.table``), and gives every scenario x metric a
verdict:

* ``holds``: the interval excludes zero under every concept, with one sign;
* ``~0 everywhere``: the interval covers zero under every concept;
* ``depends``: anything else (a clear difference under some concepts and none,
  or the opposite sign, under others).

``markdown`` renders the table for a document (the README's scenario outcomes);
``save`` writes it to a folder through ``output.io`` (never over a user's files).
"""
from __future__ import annotations

import numpy as np

from ..errors import UserError

HOLDS, DEPENDS, NONE = "holds", "depends", "~0 everywhere"
RATIONALITY = (2.0, 4.0, 12.0)  # low, the model's default, the top of the parameter's range
GLANCE = ("war_intensity", "prk_troops_in_russia", "alliance_strength", "us_prk_deal")  # the README's table
COLUMNS = ("scenario", "reference", "metric", "month", "concept", "solution", "rationality", "reference_mean",
           "mean", "diff", "lo", "hi", "covers_zero", "sign", "verdict")


# ----------------------------------------------------------------------------- the grid
def concepts(solutions=("qre", "nash"), rationality=RATIONALITY, *, keys=("solution", "rationality")) -> list[dict]:
    """The grid: ``[{"concept": "qre@2", "solution": "qre", "rationality": 2.0}, ..., {"concept": "nash", ...}]``.

    QRE runs once per rationality value; Nash and pure Nash do not use
    rationality and run once. Checked here, before any run (``keys`` name the
    two arguments in an error, e.g. the command line's flags).
    """
    from ..abm.choice import CONCEPTS
    from ..domain.parameters import check_value

    solutions = [solutions] if isinstance(solutions, str) else list(solutions)
    if not solutions:
        raise UserError("no solution concept given; allowed: qre, nash, pure", key=keys[0])
    grid = []
    for s in dict.fromkeys(solutions):
        if s not in CONCEPTS:
            raise UserError(f"unknown solution concept {s!r}; allowed: {', '.join(CONCEPTS)}", key=keys[0])
        if s != "qre":
            grid.append(dict(concept=s, solution=s, rationality=np.nan))
            continue
        values = [rationality] if np.ndim(rationality) == 0 else list(rationality)
        if not values:
            raise UserError("qre needs at least one rationality value", key=keys[1])
        for r in dict.fromkeys(float(check_value("rationality", v, key=keys[1])) for v in values):
            grid.append(dict(concept=f"qre@{r:g}", solution="qre", rationality=r))
    return grid


def robustness(scenarios, solutions=("qre", "nash"), rationality=RATIONALITY, replicates: int = 500,
               seed: int = 0, metrics=None, month: int | None = None, overrides: dict | None = None, *,
               level: float = 0.9, progress: bool = False, **kwargs):
    """Each scenario's difference from the first under each solution concept, with intervals and a verdict.

    Parameters
    ----------
    scenarios : list of str, path or Scenario
        Two or more; the first is the reference.
    solutions : sequence of {"qre", "nash", "pure"}
    rationality : sequence of float
        QRE's rationality values (``rationality`` parameter, within its range).
    replicates, seed : int
        Of every run; one seed for the whole grid, so replicate ``i`` of every
        scenario under a concept shares its random numbers with the reference's.
    metrics : list of str, optional
        Default: the main metrics.
    month : int, optional
        Default: the final month (the shortest horizon).
    overrides : dict, optional
        Parameter values for every run (not ``rationality``: the grid sets it).
    level : float
        Two-sided level of the intervals (default 0.9).
    **kwargs
        Passed to ``ensemble.compare`` (``chunk_size``, ``executor``, ``workers``, ``scheduler``).

    Returns
    -------
    pandas.DataFrame
        One row per scenario (not the reference) x metric x concept, columns
        ``COLUMNS``: the two means, ``diff, lo, hi, covers_zero`` (as in
        ``Comparison.differences``), ``sign`` (+1, -1, or 0 when the interval
        covers zero) and the scenario x metric's ``verdict`` across concepts.
    """
    import pandas as pd

    from ..domain.parameters import Params
    from ..domain.scenario import load_scenario
    from ..ensemble import _check_run_args, compare
    from ..output.comparison import check_compare_args, check_level

    loaded = [load_scenario(s) for s in scenarios]
    if len(loaded) < 2:
        raise UserError("robustness needs at least two scenarios (the first is the reference)", key="scenarios")
    names = [sc.name for sc in loaded]
    if len(set(names)) < len(names):
        raise UserError(f"a scenario is named twice: {', '.join(names)}", key="scenarios")
    overrides = dict(overrides or {})
    if "rationality" in overrides:
        raise UserError("rationality is set by the grid (rationality=...), not as an override", key="rationality")
    grid = concepts(solutions, rationality)
    _check_run_args(replicates, seed)
    level = check_level(level)
    metrics, month = check_compare_args(loaded, metrics, month)
    Params.build(overrides, int(replicates))  # validates before any work
    frames = []
    for c in grid:
        extra = {} if c["solution"] != "qre" else {"rationality": c["rationality"]}
        comp = compare(loaded, replicates, seed, {**overrides, **extra}, metrics=metrics, month=month,
                       solution=c["solution"], progress=progress, **kwargs)
        t = comp.table(metrics, month, level)
        ref = t[t["scenario"] == names[0]].set_index("metric")["mean"]
        t = t[t["scenario"] != names[0]].rename(columns={"diff_from_first": "diff"})
        frames.append(t.assign(reference=names[0], concept=c["concept"], solution=c["solution"],
                               rationality=c["rationality"], reference_mean=t["metric"].map(ref)))
    table = pd.concat(frames, ignore_index=True)
    return with_verdicts(table, order=[c["concept"] for c in grid])


def sign_of(lo, hi) -> np.ndarray:
    """+1 where the interval lies above zero, -1 below, 0 where it covers zero."""
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    return np.where(lo > 0, 1, np.where(hi < 0, -1, 0))


def verdict(signs) -> str:
    """``holds`` (one sign, clear of zero, everywhere), ``~0 everywhere`` or ``depends``."""
    s = {int(x) for x in signs}
    if s == {0}:
        return NONE
    if len(s) == 1:
        return HOLDS
    return DEPENDS


def with_verdicts(table, order=None):
    """``table`` (one row per scenario x metric x concept with ``lo, hi``) with ``sign`` and ``verdict`` columns.

    Rows are ordered by scenario and metric (as they first appear) and concept (as in ``order``).
    """
    table = table.copy()
    table["sign"] = sign_of(table["lo"], table["hi"])
    table["verdict"] = table.groupby(["scenario", "metric"], sort=False)["sign"].transform(verdict)
    order = list(order) if order is not None else list(dict.fromkeys(table["concept"]))
    ranks = {"scenario": list(dict.fromkeys(table["scenario"])), "metric": list(dict.fromkeys(table["metric"])),
             "concept": order}
    table = table.sort_values(list(ranks), key=lambda col: col.map({v: i for i, v in enumerate(ranks[col.name])}),
                              kind="stable")
    return table[[c for c in COLUMNS if c in table.columns]].reset_index(drop=True)


def verdicts(table):
    """One row per scenario, one column per metric: the verdict, with the sign where it holds (``holds (-)``)."""
    rows = {}
    for (scenario, metric), g in table.groupby(["scenario", "metric"], sort=False):
        v = g["verdict"].iloc[0]
        rows.setdefault(scenario, {})[metric] = f"{v} ({'+' if g['sign'].iloc[0] > 0 else '-'})" if v == HOLDS else v
    import pandas as pd

    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("scenario")


# ----------------------------------------------------------------------------- rendering
def _decimals(values) -> int:
    """Decimals that show the largest value with about three significant digits (small differences stay visible)."""
    v = np.abs(np.asarray(values, dtype=float))
    top = np.nanmax(v) if v.size and np.isfinite(v).any() else 0.0
    if top >= 10:
        return 1
    if top > 1:
        return 2
    if top >= 0.01 or top == 0:
        return 3
    return int(min(6, 2 - np.floor(np.log10(top))))


def _cell(diff, lo, hi, covers, d: int) -> str:
    if lo == hi == 0:
        return "0 (all pairs equal) ~0"
    text = f"{diff:+.{d}f} [{lo:+.{d}f}, {hi:+.{d}f}]"
    return text + " ~0" if covers else text


def markdown(table, *, command: str | None = None, replicates: int | None = None, seed: int | None = None,
             level: float = 0.9) -> str:
    """The robustness table as a Markdown document: a summary of verdicts, then a table per metric and the levels."""
    from ..output.figures import label

    concepts_ = list(dict.fromkeys(table["concept"]))
    metrics = list(dict.fromkeys(table["metric"]))
    scenarios = list(dict.fromkeys(table["scenario"]))
    ref, month = table["reference"].iloc[0], int(table["month"].iloc[0])
    pct = f"{100 * level:g}%"
    runs = f"{replicates:,} replicates per scenario and concept, seed {seed}" if replicates else ""
    out = ["# Scenario differences across solution concepts", ""]
    if command:
        out += [f"Regenerate with `{command}`.", ""]
    out += [f"Each scenario's difference from `{ref}` at month {month} ({runs}{', ' if runs else ''}"
            f"{pct} intervals), under each solution concept: "
            + ", ".join(f"`{c}`" for c in concepts_) + " (`qre@L`: logit QRE at rationality L). Replicate *i* "
            f"of every scenario shares its random numbers with replicate *i* of `{ref}`, so each difference is "
            f"the mean of paired differences: its interval is the t interval on them (0/1 metrics: Newcombe's "
            f"paired score interval, a difference of shares). **~0** marks an interval that covers zero.", "",
            f"Verdict: **{HOLDS}**: the difference has the same sign, clear of zero, under every concept; "
            f"**{NONE}**: its interval covers zero under every concept; **{DEPENDS}**: clear under some "
            f"concepts and not (or of the opposite sign) under others: a finding of that concept, not of the "
            f"scenario.", "", "## Verdicts", ""]
    v = verdicts(table).reindex(index=scenarios, columns=metrics)
    out += _md_table(["scenario"] + [f"`{m}`" for m in metrics],
                     [[f"`{s}`"] + [str(v.loc[s, m]) for m in metrics] for s in scenarios])
    counts = table.drop_duplicates(["scenario", "metric"])["verdict"].value_counts()
    out += ["", ", ".join(f"{counts.get(k, 0)} {k}" for k in (HOLDS, DEPENDS, NONE))
            + f" (of {len(scenarios) * len(metrics)} scenario x metric pairs)."]
    out += _glance(table, scenarios, concepts_)
    for metric in metrics:
        sub = table[table["metric"] == metric]
        out += ["", f"## {label(metric)}: `{metric}`", ""]
        rows = []
        for s in scenarios:
            g = sub[sub["scenario"] == s].set_index("concept")
            d = _decimals(np.r_[g["lo"], g["hi"]])  # per row: a scenario's small differences keep their digits
            rows.append([f"`{s}`"] + [_cell(*g.loc[c, ["diff", "lo", "hi", "covers_zero"]], d) if c in g.index
                                      else "" for c in concepts_] + [str(g["verdict"].iloc[0])])
        out += _md_table(["scenario − " + ref] + [f"`{c}`" for c in concepts_] + ["verdict"], rows)
    out += ["", f"## Levels at month {month}", "",
            "The mean of each metric (0/1 metrics: the share of runs) under each concept: the levels move with "
            "the concept even where the differences hold.", ""]
    for metric in metrics:
        sub = table[table["metric"] == metric]
        d = _decimals(np.r_[sub["mean"], sub["reference_mean"]])
        first = sub.drop_duplicates("concept").set_index("concept")["reference_mean"]
        rows = [[f"`{ref}`"] + [f"{first[c]:.{d}f}" for c in concepts_]]
        for s in scenarios:
            g = sub[sub["scenario"] == s].set_index("concept")["mean"]
            rows.append([f"`{s}`"] + [f"{g[c]:.{d}f}" if c in g.index else "" for c in concepts_])
        out += [f"**{label(metric)}** (`{metric}`)", ""]
        out += _md_table(["scenario"] + [f"`{c}`" for c in concepts_], rows) + [""]
    return "\n".join(out).rstrip() + "\n"


def _glance(table, scenarios, concepts_) -> list[str]:
    """The headline metrics (``GLANCE``) in one table: each concept's difference, ``~0`` where it covers zero."""
    from ..output.figures import label

    metrics = [m for m in GLANCE if m in set(table["metric"])]
    if not metrics:
        return []
    rows = []
    for s in scenarios:
        row = [f"`{s}`"]
        for m in metrics:
            g = table[(table["scenario"] == s) & (table["metric"] == m)].set_index("concept")
            d = _decimals(g["diff"])
            vals = ["~0" if g.loc[c, "covers_zero"] else f"{g.loc[c, 'diff']:+.{d}f}" for c in concepts_ if c in g.index]
            row.append(" / ".join(vals) + f" **{g['verdict'].iloc[0]}**")
        rows.append(row)
    head = ["scenario (" + " / ".join(concepts_) + ")"] + [label(m) for m in metrics]
    return (["", "At a glance: the difference under each concept (~0: its interval covers zero) and the verdict.",
             ""] + _md_table(head, rows))


def _md_table(head, rows) -> list[str]:
    """Markdown table lines (pandas' ``to_markdown`` needs tabulate, which this project does not)."""
    return (["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
            + ["| " + " | ".join(r) + " |" for r in rows])


def save(table, out, scenario, *, seed: int, replicates: int, level: float = 0.9, command: str | None = None,
         overwrite: bool = False):
    """Write ``robustness.csv`` (the long table), ``verdicts.csv``, ``robustness.md`` and ``manifest.json`` to ``out``.

    ``scenario`` is the reference (its name and file hash go in the manifest).
    Through ``output.io.write_outputs``: atomic, and never over a folder holding files alliance-sim did not write.
    """
    from ..output.io import manifest, write_outputs

    man = manifest("robustness", scenario, seed=seed, solution=",".join(dict.fromkeys(table["solution"])),
                   replicates=int(replicates), concepts=list(dict.fromkeys(table["concept"])),
                   scenarios=[scenario.name] + list(dict.fromkeys(table["scenario"])),
                   metrics=list(dict.fromkeys(table["metric"])), month=int(table["month"].iloc[0]), level=level,
                   command=command)
    text = markdown(table, command=command, replicates=replicates, seed=seed, level=level)
    return write_outputs(out, {"robustness.csv": table, "verdicts.csv": verdicts(table).reset_index()}, man, {},
                         overwrite=overwrite, figure_formats=(), extra={"robustness.md": text})
