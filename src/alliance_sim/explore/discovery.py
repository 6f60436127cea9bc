"""Scenario discovery: which parameter ranges lead to an outcome of interest.

Cases are model runs (a parameter set and its random stream); a case is *of
interest* when the outcome condition holds (``"us_prk_deal > 0.5"``). A box
is a range per parameter; for a box

- **coverage**: share of all cases of interest that fall in the box,
- **density**: share of the cases in the box that are of interest,
- **mass**: share of all cases in the box,
- **res_dim**: number of parameters the box restricts.

Two methods, both on plain arrays (:func:`prim`, :func:`cart`):

- **PRIM** (Friedman & Fisher 1999), implemented here: start from the full
  ranges and repeatedly *peel* off a fraction ``peel_alpha`` of the cases at
  one end of one parameter, choosing the peel that raises the density most
  per case removed (the "lenient1" objective of the EMA workbench), until
  the box would hold less than ``mass_min`` of the cases or is pure. The
  sequence of boxes is the *peeling trajectory* (coverage falls as density
  rises); the box reported is the one with the largest coverage whose
  density reaches ``threshold`` (else the densest). Restrictions that
  peeling made by chance are then dropped, least significant first, while
  their quasi-p-value (Bryant & Lempert 2010) exceeds ``qp_max``. No pasting
  step. With ``n_boxes > 1`` the covering approach removes the box's cases
  and peels again.
- **CART** (scikit-learn's ``DecisionTreeClassifier``, extra ``discovery``):
  a shallow classification tree; each leaf is a box, and leaves whose
  density reaches ``threshold`` (else the densest leaf) are reported with
  their rules.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ..errors import UserError

METHODS = ("prim", "cart")


def check_method(method: str) -> str:
    if method not in METHODS:
        raise UserError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}", key="method")
    return method


@dataclass
class Discovery:
    """Boxes found by PRIM or CART.

    Attributes
    ----------
    method : str
    outcome : str
        The condition that defines cases of interest.
    stats : pandas.DataFrame
        One row per box: ``box, coverage, density, mass, n, res_dim, rule``.
    limits : pandas.DataFrame
        One row per box and restricted parameter: ``box, parameter, low,
        high, range_low, range_high`` (``range_*``: the full range searched).
    trajectory : pandas.DataFrame or None
        PRIM: the peeling trajectory of each box (``box, step, coverage,
        density, mass, n, res_dim, selected``).
    X : pandas.DataFrame
        The cases' parameter values.
    y : numpy.ndarray
        Whether each case is of interest.
    bounds : dict
        ``{parameter: (low, high)}``, the full ranges.
    """

    method: str
    outcome: str
    stats: object
    limits: object
    X: object
    y: np.ndarray
    bounds: dict
    trajectory: object = None
    tree: object = None
    meta: dict = field(default_factory=dict)

    @property
    def base_density(self) -> float:
        """Share of all cases that are of interest."""
        return float(np.mean(self.y)) if len(self.y) else float("nan")

    def box(self, i: int = 0) -> dict:
        """``{parameter: (low, high)}`` of box ``i`` (restricted parameters only)."""
        lim = self.limits[self.limits["box"] == i]
        return {r.parameter: (float(r.low), float(r.high)) for r in lim.itertuples()}

    def summary(self) -> str:
        """A short text report for the terminal."""
        lines = [f"{self.method.upper()} on {len(self.y)} cases; outcome '{self.outcome}' holds in "
                 f"{int(self.y.sum())} ({self.base_density:.1%})."]
        if not len(self.stats):
            lines.append("No box found (no case of interest, or every case is one).")
        for s in self.stats.itertuples():
            lines.append(f"\nBox {s.box}: coverage {s.coverage:.1%}, density {s.density:.1%}, mass {s.mass:.1%}, "
                         f"{s.res_dim} parameter(s) restricted")
            lim = self.limits[self.limits["box"] == s.box]
            for r in lim.itertuples():
                qp = f"   qp {r.qp:.2g}" if "qp" in lim.columns else ""
                lines.append(f"  {r.parameter:28s} [{r.low:.4g}, {r.high:.4g}]   of [{r.range_low:.4g}, "
                             f"{r.range_high:.4g}]{qp}")
            if s.rule:
                lines.append(f"  rule: {s.rule}")
            if getattr(s, "threshold_met", True) is False:
                lines.append(f"  note: no box reached density {self.meta['threshold']:g}; this is the densest "
                             + ("leaf" if self.method == "cart" else "box on the peeling trajectory, with chance "
                                "restrictions dropped"))
        return "\n".join(lines)

    def figures(self) -> dict:
        """``{name: Figure}``: box limits, the peeling trajectory (PRIM) or the tree (CART), and a scatter."""
        from . import plots

        out = {"box_limits": plots.box_limits(self)}
        if self.trajectory is not None:
            out["peeling_trajectory"] = plots.peeling_trajectory(self)
        if self.tree is not None:
            out["tree"] = plots.tree(self)
        out["box_scatter"] = plots.box_scatter(self)
        return out

    def __repr__(self) -> str:
        return f"<Discovery {self.method}: '{self.outcome}', {len(self.stats)} box(es), {len(self.y)} cases>"


# ----------------------------------------------------------------------------- helpers
def _prepare(X, y, bounds):
    import pandas as pd

    if not isinstance(X, pd.DataFrame):
        X = pd.DataFrame(np.asarray(X, dtype=float),
                         columns=[f"x{i + 1}" for i in range(np.asarray(X).shape[1])])
    y = np.asarray(y)
    if y.dtype != bool:
        yf = y.astype(float)
        if not np.all(np.isin(yf[np.isfinite(yf)], (0.0, 1.0))):
            raise UserError("y must be boolean (case of interest or not)", key="y")
        y = yf == 1.0
    if len(y) != len(X):
        raise UserError(f"X has {len(X)} rows and y {len(y)} values", key="y")
    A = X.to_numpy(dtype=float)
    if bounds is None:
        bounds = {c: (float(A[:, k].min()), float(A[:, k].max())) for k, c in enumerate(X.columns)}
    else:
        bounds = {c: tuple(map(float, bounds[c])) for c in X.columns}
    return X, A, y, bounds


def _rule(limits: dict, bounds: dict) -> str:
    parts = []
    for name, (lo, hi) in limits.items():
        blo, bhi = bounds[name]
        if lo > blo and hi < bhi:
            parts.append(f"{lo:.4g} <= {name} <= {hi:.4g}")
        elif lo > blo:
            parts.append(f"{name} >= {lo:.4g}")
        elif hi < bhi:
            parts.append(f"{name} <= {hi:.4g}")
    return " and ".join(parts)


def _stats_row(i, inside, y, n_total, n_interest, limits, bounds):
    n = int(inside.sum())
    k = int(y[inside].sum())
    return dict(box=i, coverage=k / n_interest if n_interest else float("nan"),
                density=k / n if n else float("nan"), mass=n / n_total, n=n, res_dim=len(limits),
                rule=_rule(limits, bounds))


def _limits_rows(i, limits, bounds):
    return [dict(box=i, parameter=p, low=lo, high=hi, range_low=bounds[p][0], range_high=bounds[p][1])
            for p, (lo, hi) in limits.items()]


def _frames(method, outcome, X, y, bounds, stats, limits, **kw):
    import pandas as pd

    cols = ["box", "coverage", "density", "mass", "n", "res_dim", "rule"]
    stats = pd.DataFrame(stats, columns=cols + (["threshold_met"] if stats and "threshold_met" in stats[0] else []))
    cols = ["box", "parameter", "low", "high", "range_low", "range_high"]
    limits = pd.DataFrame(limits, columns=cols + (["qp"] if limits and "qp" in limits[0] else []))
    return Discovery(method, outcome, stats, limits, X, y, bounds, **kw)


# ----------------------------------------------------------------------------- PRIM
class _Peel(NamedTuple):
    """A candidate peel: cut parameter ``j`` on ``side`` at ``threshold``, keeping the runs in ``keep``."""

    j: int
    side: str
    threshold: float
    keep: np.ndarray
    look_ahead: int  # minus the cases of interest in a slice twice as deep (the tie-break)
    key: tuple = ()  # (density gain per case peeled, look_ahead, runs kept): larger is better


def _peel(A, y, active, lo, hi, alpha, min_n):
    """One PRIM peeling sequence; returns the list of (inside mask, lo, hi, stats) per step."""
    inside = active.copy()
    steps = []

    def record():
        n = int(inside.sum())
        k = int(y[inside].sum())
        steps.append((inside.copy(), lo.copy(), hi.copy(), n, k))

    record()
    while True:
        idx = np.flatnonzero(inside)
        n_old = idx.size
        yi = y[idx]
        mean_old = yi.mean()
        if mean_old >= 1.0 or n_old <= min_n:
            break
        best = None
        Ai = A[idx]
        k_peel = max(1, int(np.floor(alpha * n_old)))
        k2 = min(2 * k_peel, n_old - 1)
        for j in range(A.shape[1]):
            col = Ai[:, j]
            order = np.argsort(col, kind="stable")
            s = col[order]
            ys = yi[order]
            # low side: remove the k_peel smallest (and ties with the last removed)
            t = s[k_peel]
            if t > s[0]:
                # tie-break (rare outcomes often tie at 0 cases of interest removed):
                # fewer cases of interest in a slice twice as deep
                cand = _Peel(j, "low", t, col >= t, -int(ys[:k2].sum()))
                best = _better(best, cand, yi, mean_old, n_old, min_n)
            t = s[n_old - 1 - k_peel]
            if t < s[-1]:
                cand = _Peel(j, "high", t, col <= t, -int(ys[n_old - k2:].sum()))
                best = _better(best, cand, yi, mean_old, n_old, min_n)
        if best is None:
            break
        if best.side == "low":
            lo[best.j] = best.threshold
        else:
            hi[best.j] = best.threshold
        inside[idx[~best.keep]] = False
        record()
    return steps


def _better(best, cand, yi, mean_old, n_old, min_n):
    """Keep the better peel: density gain per case peeled ("lenient1"), then the look-ahead, then the larger box."""
    n_new = int(cand.keep.sum())
    if n_new < min_n or n_new == n_old:
        return best
    mean_new = yi[cand.keep].mean()
    key = ((mean_new - mean_old) / (n_old - n_new), cand.look_ahead, n_new)
    if best is None or key > best.key:
        return cand._replace(key=key)
    return best


def feature_scores(X, y):
    """How differently each parameter is distributed in the cases of interest (regional sensitivity).

    The two-sample Kolmogorov-Smirnov distance between a parameter's values
    in the cases of interest and in the others, with its p-value: a large
    distance means the outcome depends on where in its range the parameter lies.

    Returns
    -------
    pandas.DataFrame
        ``parameter, ks, p_value``, most separating first.
    """
    import pandas as pd
    from scipy.stats import ks_2samp

    X, A, y, _ = _prepare(X, y, None)
    rows = []
    for k, name in enumerate(X.columns):
        if y.all() or not y.any():
            rows.append(dict(parameter=name, ks=0.0, p_value=1.0))
            continue
        r = ks_2samp(A[y, k], A[~y, k])
        rows.append(dict(parameter=name, ks=float(r.statistic), p_value=float(r.pvalue)))
    return pd.DataFrame(rows).sort_values("ks", ascending=False, kind="stable").reset_index(drop=True)


def screen(X, y, k: int = 10, alpha: float = 0.05) -> list[str]:
    """The (at most ``k``) parameters that separate the cases of interest best (KS p-value below ``alpha``).

    Falls back to the two best-scoring parameters when none is significant,
    so that a box can still be drawn (its quasi-p-values will show it is weak).
    """
    fs = feature_scores(X, y)
    keep = fs.loc[fs["p_value"] < alpha, "parameter"].tolist()[: int(k)]
    return keep or fs["parameter"].tolist()[:2]


def quasi_p_values(A, y, active, lo, hi, restricted) -> dict:
    """Quasi-p-value of each restriction of a box (Bryant & Lempert 2010).

    For restriction ``j``: the chance of at least the box's count of cases of
    interest among its ``n`` cases if they were drawn at the density of the
    box without restriction ``j`` (one-sided binomial). Small values mean the
    restriction matters.
    """
    from scipy.stats import binom

    inside = active & np.all((A >= lo) & (A <= hi), axis=1)
    n, k = int(inside.sum()), int(y[inside].sum())
    out = {}
    for j in restricted:
        lo_j, hi_j = lo.copy(), hi.copy()
        lo_j[j], hi_j[j] = -np.inf, np.inf
        wider = active & np.all((A >= lo_j) & (A <= hi_j), axis=1)
        p0 = y[wider].mean() if wider.any() else 0.0
        out[j] = float(binom.sf(k - 1, n, p0)) if n else 1.0
    return out


def _prune(A, y, active, lo, hi, b_lo, b_hi, qp_max):
    """Drop restrictions whose quasi-p-value exceeds ``qp_max``, least significant first."""
    lo, hi = lo.copy(), hi.copy()
    while True:
        restricted = [j for j in range(A.shape[1]) if lo[j] > b_lo[j] or hi[j] < b_hi[j]]
        if not restricted:
            return lo, hi, {}
        qp = quasi_p_values(A, y, active, lo, hi, restricted)
        worst = max(qp, key=qp.get)
        if qp[worst] <= qp_max or len(restricted) == 1:
            return lo, hi, qp
        lo[worst], hi[worst] = b_lo[worst], b_hi[worst]


def prim(X, y, *, threshold: float = 0.8, peel_alpha: float = 0.05, mass_min: float = 0.05,
         bounds: dict | None = None, n_boxes: int = 1, qp_max: float | None = 0.05,
         outcome: str = "y") -> Discovery:
    """PRIM boxes for boolean ``y`` over cases ``X``.

    Parameters
    ----------
    X : pandas.DataFrame or array
        Cases (rows) by parameters (columns).
    y : array of bool
        Case of interest or not.
    threshold : float
        Density wanted: the box chosen on each trajectory is the one with the
        largest coverage whose density reaches it (else the densest).
    peel_alpha : float
        Share of the box's cases removed per peel.
    mass_min : float
        Smallest share of all cases a box may hold.
    bounds : dict, optional
        Full ranges ``{name: (low, high)}`` (default: the data's min and max).
    n_boxes : int
        Boxes to find by covering (each next box is searched among the cases
        outside the previous ones).
    qp_max : float or None
        After choosing a box, drop the restrictions whose quasi-p-value
        (:func:`quasi_p_values`) exceeds this, least significant first: with
        many parameters and few cases of interest, peeling also restricts
        parameters by chance. ``None`` keeps every restriction.
    outcome : str
        Label of the condition, for reports.
    """
    import pandas as pd

    if not 0 < peel_alpha < 0.5:
        raise UserError(f"peel_alpha {peel_alpha} not allowed; allowed: 0 < peel_alpha < 0.5", key="peel_alpha")
    if not 0 < mass_min < 1:
        raise UserError(f"mass_min {mass_min} not allowed; allowed: 0 < mass_min < 1", key="mass_min")
    if not 0 < threshold <= 1:
        raise UserError(f"threshold {threshold} not allowed; allowed: 0 < threshold <= 1", key="threshold")
    X, A, y, bounds = _prepare(X, y, bounds)
    names = list(X.columns)
    n_total, n_interest = len(y), int(y.sum())
    min_n = max(1, int(np.ceil(mass_min * n_total)))
    active = np.ones(n_total, dtype=bool)
    stats, limits, traj = [], [], []
    b_lo = np.array([bounds[c][0] for c in names])
    b_hi = np.array([bounds[c][1] for c in names])
    for i in range(int(n_boxes)):
        if n_interest == 0 or y[active].sum() == 0 or active.sum() <= min_n:
            break
        steps = _peel(A, y, active, b_lo.copy(), b_hi.copy(), peel_alpha, min_n)
        dens = np.array([k / n for _, _, _, n, k in steps])
        cov = np.array([k / n_interest for _, _, _, n, k in steps])
        ok = np.flatnonzero(dens >= threshold)
        pick = int(ok[np.argmax(cov[ok])]) if ok.size else int(np.argmax(dens))
        for s, (_, lo, hi, n, k) in enumerate(steps):
            traj.append(dict(box=i, step=s, coverage=k / n_interest, density=k / n, mass=n / n_total, n=n,
                             res_dim=int(np.sum((lo > b_lo) | (hi < b_hi))), selected=s == pick))
        _, lo, hi, n, k = steps[pick]
        if qp_max is not None:
            lo, hi, qp = _prune(A, y, active, lo, hi, b_lo, b_hi, qp_max)
        else:
            qp = quasi_p_values(A, y, active, lo, hi,
                                [j for j in range(len(names)) if lo[j] > b_lo[j] or hi[j] < b_hi[j]])
        # the box: the chosen limits on the restricted parameters (applied to every case)
        lim = {names[j]: (float(lo[j]), float(hi[j])) for j in range(len(names)) if lo[j] > b_lo[j] or hi[j] < b_hi[j]}
        in_box = active & np.all((A >= lo) & (A <= hi), axis=1)
        stats.append(_stats_row(i, in_box, y, n_total, n_interest, lim, bounds))
        stats[-1]["threshold_met"] = bool(ok.size > 0)
        rows_i = _limits_rows(i, lim, bounds)
        for r in rows_i:
            r["qp"] = qp.get(names.index(r["parameter"]), float("nan"))
        limits.extend(rows_i)
        # a further box (covering) must reach the threshold; the first is always reported
        if float(stats[-1]["density"]) <= y[active].mean() or (i > 0 and stats[-1]["density"] < threshold):
            stats.pop()
            limits = [r for r in limits if r["box"] != i]
            break
        active = active & ~in_box
    trajectory = pd.DataFrame(traj, columns=["box", "step", "coverage", "density", "mass", "n", "res_dim",
                                             "selected"])
    return _frames("prim", outcome, X, y, bounds, stats, limits, trajectory=trajectory,
                   meta=dict(threshold=threshold, peel_alpha=peel_alpha, mass_min=mass_min, qp_max=qp_max))


# ----------------------------------------------------------------------------- CART
def cart(X, y, *, threshold: float = 0.8, max_depth: int = 3, mass_min: float = 0.05,
         bounds: dict | None = None, seed: int = 0, outcome: str = "y") -> Discovery:
    """Boxes from a classification tree (scikit-learn), one per leaf of interest.

    Parameters
    ----------
    X, y, bounds, outcome
        As for :func:`prim`.
    threshold : float
        Leaves whose density reaches it are reported (else the densest leaf).
    max_depth : int
        Depth of the tree (so at most ``max_depth`` conditions per rule).
    mass_min : float
        Smallest share of the cases in a leaf.
    seed : int
        The tree's random state (ties between equally good splits).
    """
    try:
        from sklearn.tree import DecisionTreeClassifier
    except ImportError:
        raise UserError("CART needs scikit-learn: pip install 'alliance-sim[discovery]' "
                        "(or use method 'prim')", key="method") from None
    X, A, y, bounds = _prepare(X, y, bounds)
    names = list(X.columns)
    n_total, n_interest = len(y), int(y.sum())
    clf = DecisionTreeClassifier(max_depth=int(max_depth), min_samples_leaf=max(1, int(np.ceil(mass_min * n_total))),
                                 random_state=int(seed)).fit(A, y)
    leaf_of = clf.apply(A)
    t = clf.tree_
    leaves = []

    def walk(node, lim):
        if t.children_left[node] == -1:
            leaves.append((node, lim))
            return
        name, thr = names[t.feature[node]], float(t.threshold[node])
        lo, hi = lim.get(name, bounds[name])
        walk(t.children_left[node], {**lim, name: (lo, min(hi, thr))})   # x <= thr
        walk(t.children_right[node], {**lim, name: (max(lo, thr), hi)})  # x > thr

    walk(0, {})
    rows = []
    for node, lim in leaves:
        inside = leaf_of == node
        rows.append((node, lim, _stats_row(0, inside, y, n_total, n_interest, lim, bounds)))
    rows.sort(key=lambda r: (-(r[2]["density"] if r[2]["n"] else -1), -r[2]["coverage"]))
    chosen = [r for r in rows if r[2]["n"] and r[2]["density"] >= threshold] or (rows[:1] if n_interest else [])
    stats, limits = [], []
    for i, (node, lim, st) in enumerate(chosen):
        st = {**st, "box": i, "threshold_met": bool(st["density"] >= threshold)}
        stats.append(st)
        limits.extend(_limits_rows(i, lim, bounds))
    return _frames("cart", outcome, X, y, bounds, stats, limits, tree=clf,
                   meta=dict(threshold=threshold, max_depth=max_depth, mass_min=mass_min, leaves=len(leaves)))


def find_boxes(X, y, method: str = "prim", *, screen_k: int | None = None, **kwargs) -> Discovery:
    """PRIM or CART over arrays; see :func:`prim` and :func:`cart`.

    ``screen_k``: first keep only the (at most) ``screen_k`` parameters that
    separate the cases of interest best (:func:`screen`). With many
    parameters and few cases of interest PRIM otherwise restricts parameters
    by chance. The scores of every parameter go to ``meta["feature_scores"]``.
    """
    import pandas as pd

    check_method(method)
    if not isinstance(X, pd.DataFrame):
        X = _prepare(X, y, None)[0]
    scores = feature_scores(X, y)
    cols = list(X.columns)
    if screen_k is not None:
        keep = set(screen(X, y, screen_k))
        cols = [c for c in X.columns if c in keep]
    if "bounds" in kwargs and kwargs["bounds"] is not None:
        kwargs["bounds"] = {c: kwargs["bounds"][c] for c in cols}
    d = prim(X[cols], y, **kwargs) if method == "prim" else cart(X[cols], y, **kwargs)
    d.meta.update(feature_scores=scores, screened=cols if screen_k is not None else None)
    return d


# ----------------------------------------------------------------------------- model path
def discover(scenario="baseline", outcome: str = "us_prk_deal > 0.5", month: int | None = None, n: int = 1000,
             replicates: int = 1, seed: int = 0, method: str = "prim", *, parameters=None,
             overrides: dict | None = None, threshold: float = 0.8, peel_alpha: float = 0.05, mass_min: float = 0.05,
             n_boxes: int = 1, qp_max: float | None = 0.05, screen_k: int | None = 10, max_depth: int = 3,
             solution: str = "qre",
             chunk_size: int | None = None, executor=None, workers: int | None = None,
             scheduler: str | None = None, progress: bool = False, checkpoint=None,
             resume: bool = False) -> Discovery:
    """Which parameter ranges of a scenario lead to an outcome of interest.

    Runs a Latin hypercube of ``n`` parameter sets (``replicates`` runs each)
    over the scenario's uncertainty space, marks the runs where ``outcome``
    holds at ``month`` and finds boxes with PRIM or CART. Each run is a case,
    so a box's density is the probability of the outcome inside it.

    Parameters
    ----------
    scenario : str, path or Scenario
    outcome : str
        ``METRIC OP NUMBER``, e.g. ``"us_prk_deal > 0.5"`` or ``"alliance_strength < 0.4"``.
    month : int, optional
        Default: the final month.
    n, replicates, seed
        Design size, runs per parameter set, seed of design and runs.
    method : {"prim", "cart"}
    parameters, overrides, solution, chunk_size, executor, workers, scheduler, progress
        As for :func:`~alliance_sim.explore.sweep`.
    threshold, peel_alpha, mass_min, n_boxes, qp_max
        PRIM settings (see :func:`prim`); ``threshold`` and ``mass_min`` also for CART.
    screen_k : int or None
        PRIM only: search boxes over the (at most) ``screen_k`` parameters
        whose distribution differs most between runs with and without the
        outcome (Kolmogorov-Smirnov, p < 0.05; :func:`screen`); ``None``
        searches all. Default 10: with 100+ parameters and a rare outcome,
        unscreened peeling restricts many parameters by chance.
    max_depth : int
        CART tree depth.
    checkpoint, resume
        As for :func:`~alliance_sim.explore.sweep`: keep finished batches in
        ``CHECKPOINT.partial/`` and continue an interrupted run.

    Returns
    -------
    Discovery
        ``.stats`` (coverage, density per box), ``.limits``, ``.trajectory``
        (PRIM), ``.summary()``, ``.figures()``; ``.meta["sweep"]`` is the sweep.
    """
    from ..domain.scenario import load_scenario
    from .outcomes import parse_outcome
    from .sweep import check_months, sweep

    check_method(method)
    sc = load_scenario(scenario)
    o = parse_outcome(outcome, condition=True)
    m = check_months(sc, month)[0] if month is None or np.ndim(month) == 0 else None
    if m is None:
        raise UserError(f"one month expected, got {month!r}", key="month")
    if method == "cart":  # fail before running the model
        try:
            import sklearn  # noqa: F401 - only checks it is installed
        except ImportError:
            raise UserError("CART needs scikit-learn: pip install 'alliance-sim[discovery]' "
                            "(or use method 'prim')", key="method") from None
    sw = sweep(sc, design="lhs", n=n, replicates=replicates, seed=seed, month=m, parameters=parameters,
               outcomes=[o.metric], overrides=overrides, solution=solution, chunk_size=chunk_size,
               executor=executor, workers=workers, scheduler=scheduler,
               progress=progress, checkpoint=checkpoint, resume=resume)
    v = sw.values(o, m).ravel()  # one value per run: (row, replicate) order
    ok = np.isfinite(v)
    X = sw.table.loc[ok, sw.problem["names"]].reset_index(drop=True)
    y = v[ok] == 1.0
    bounds = dict(zip(sw.problem["names"], map(tuple, sw.problem["bounds"])))
    if method == "prim":
        d = find_boxes(X, y, "prim", screen_k=screen_k, threshold=threshold, peel_alpha=peel_alpha,
                       mass_min=mass_min, bounds=bounds, n_boxes=n_boxes, qp_max=qp_max, outcome=str(o))
    else:
        d = find_boxes(X, y, "cart", threshold=threshold, max_depth=max_depth, mass_min=mass_min, bounds=bounds,
                       seed=seed, outcome=str(o))
    d.meta.update(scenario=sc.name, month=m, n=n, replicates=sw.replicates, seed=seed,
                  failed_runs=sw.manifest["failed_runs"], sweep=sw)
    return d
