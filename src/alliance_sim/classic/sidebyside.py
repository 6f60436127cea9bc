"""Side by side: the classic models' forecasts and the agent-based model's ensemble.

For each shared issue the classic forecasts (positions on the issue's 0..1
scale) are set beside one ABM metric at a given month (default 36) with a 90%
interval. The mapping is explicit (``MAPPINGS``): the ABM has no "position",
so each issue names the state variable that measures the same thing and how it
is read.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..errors import UserError
from . import bdm as _bdm
from . import compromise, exchange
from .inputs import ClassicInputs, load_inputs

__all__ = ["MAPPINGS", "Mapping", "abm_metric", "side_by_side"]

TROOP_SCALE = 10.0  # thousand troops at which the ABM's deployment share is one half


@dataclass(frozen=True)
class Mapping:
    issue: str
    kind: str  # "share" (fraction of replicates, Wilson interval) or "mean" (bootstrap interval)
    text: str
    value: Callable  # trajectories at the month -> per-replicate values


MAPPINGS: dict[str, Mapping] = {m.issue: m for m in [
    Mapping("prk_support", "mean",
            "mean PRK deployment share T/(T+10), T = prk_troops_in_russia (thousand); the ABM's own scale, 1/2 at 10,000",
            lambda d: d["prk_troops_in_russia"] / (d["prk_troops_in_russia"] + TROOP_SCALE)),
    Mapping("us_prk_deal", "share",
            "share of runs with us_prk_deal > 0.5 (a deal reached); a classic position >= 0.5 reads as a deal",
            lambda d: (d["us_prk_deal"] > 0.5).astype(float)),
    Mapping("russia_gains_recognised", "share",
            "share of runs with a ceasefire (in the ABM, a US-Russia deal recognising Russia's gains); "
            "a classic position >= 0.5 reads as recognition. The ABM ends the war only by a scenario event "
            "(ukraine_ceasefire), so baseline gives 0",
            lambda d: (d["ceasefire"] > 0.5).astype(float)),
    Mapping("tech_transfer", "mean", "mean tech_transfer index (0-1)", lambda d: d["tech_transfer"]),
    Mapping("sanctions_relief", "mean", "mean of 1 - sanctions_pressure (0-1)",
            lambda d: 1.0 - d["sanctions_pressure"]),
]}


def _wilson(k: int, n: int, z: float = 1.6448536269514722):
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def _bootstrap_mean(x: np.ndarray, seed: int, n_boot: int = 2000, level: float = 0.90):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(x), size=(n_boot, len(x)))
    means = x[idx].mean(axis=1)
    a = (1 - level) / 2
    return float(np.quantile(means, a)), float(np.quantile(means, 1 - a))


def abm_metric(trajectories, issue: str, month: int = 36, seed: int = 0):
    """ABM point estimate and 90% interval for one issue at ``month``.

    Returns ``(point, low, high, n)``: a share with its Wilson interval, or a
    mean with a percentile bootstrap interval (2,000 resamples, fixed seed).
    """
    if issue not in MAPPINGS:
        raise UserError(f"issue {issue!r} has no ABM counterpart; allowed: {', '.join(MAPPINGS)}", key="issue")
    steps = trajectories["step"]
    if month not in set(steps.unique()):
        raise UserError(f"month {month} not in the trajectories (0..{int(steps.max())})", key="--month")
    d = trajectories[steps == month]
    x = np.asarray(MAPPINGS[issue].value(d), dtype=float)
    n = len(x)
    if MAPPINGS[issue].kind == "share":
        lo, hi = _wilson(int(round(x.sum())), n)
    else:
        lo, hi = _bootstrap_mean(x, seed)
    return float(x.mean()), lo, hi, n


def side_by_side(inputs: ClassicInputs | None = None, *, scenario: str = "baseline", replicates: int = 200,
                 seed: int = 0, month: int = 36, bdm_rounds: int = 8, trajectories: Any = None):
    """One row per shared issue: classic forecasts and the ABM ensemble with its 90% interval.

    Parameters
    ----------
    inputs : ClassicInputs, optional
        Default: ``load_inputs()``.
    scenario, replicates, seed :
        The ABM ensemble (``alliance_sim.run``); ignored if ``trajectories`` is given.
    month : int
        The ABM month compared (default 36).
    bdm_rounds : int
        Rounds of the expected-utility model.
    trajectories : DataFrame, optional
        A finished ensemble's trajectories (skips the run).

    Returns
    -------
    DataFrame
        ``issue, weighted_mean, weighted_median, bdm, exchange, abm, abm_low, abm_high,
        abm_kind, replicates, agree, mapping``. ``exchange`` is the issue's
        outcome after one round of the exchange model on all issues. ``agree``:
        for shares, whether the BDM forecast and the ABM share are on the same
        side of 0.5; for means, whether the BDM forecast lies within 0.1 of the
        ABM interval.
    """
    import pandas as pd

    inputs = inputs if inputs is not None else load_inputs()
    if not isinstance(replicates, (int, np.integer)) or replicates < 2:
        raise UserError(f"replicates must be an integer >= 2, got {replicates!r}", key="--replicates")
    if trajectories is None:
        from ..ensemble import run  # lazily: the classic models alone need no simulation

        trajectories = run(scenario, replicates=int(replicates), seed=int(seed)).trajectories
    ex = exchange.exchange_model(inputs.long_table(), rounds=1)
    ex_out = dict(zip(ex.issues, ex.outcomes[-1]))
    rows = []
    for iid in inputs.issue_ids:
        if iid not in MAPPINGS:
            continue
        t = inputs.table(iid)
        b = _bdm.bdm(t, rounds=bdm_rounds).final_median
        point, lo, hi, n = abm_metric(trajectories, iid, month, seed)
        kind = MAPPINGS[iid].kind
        agree = ((b >= 0.5) == (point >= 0.5)) if kind == "share" else (lo - 0.1 <= b <= hi + 0.1)
        rows.append(dict(issue=iid, weighted_mean=compromise.weighted_mean(t),
                         weighted_median=compromise.weighted_median(t), bdm=b, exchange=float(ex_out[iid]),
                         abm=point, abm_low=lo, abm_high=hi, abm_kind=kind, replicates=n,
                         agree="yes" if agree else "no", mapping=MAPPINGS[iid].text))
    return pd.DataFrame(rows)
