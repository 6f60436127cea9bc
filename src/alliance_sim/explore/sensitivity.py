"""Global sensitivity analysis: Sobol indices and Morris elementary effects.

``analyze(problem, X, Y, method)`` works on plain arrays (SALib style) and is
shared by the model path (:func:`sensitivity`) and the analytic checks
(:mod:`alliance_sim.explore.testfunctions`).

Sobol: ``S1`` is the share of the outcome's variance explained by a parameter
alone, ``ST`` the share it takes part in (alone or in interactions); their
``_conf`` columns are half-widths of bootstrap confidence intervals (95% by
default). Morris: ``mu_star`` is the mean absolute elementary effect (overall
influence), ``sigma`` their spread (non-linearity or interactions).
"""
from __future__ import annotations

import time
import warnings

import numpy as np

from ..errors import UserError
from .designs import check_n

METHODS = ("sobol", "morris")
SOBOL_COLUMNS = ["S1", "S1_conf", "ST", "ST_conf"]
MORRIS_COLUMNS = ["mu_star", "mu_star_conf", "mu", "sigma"]


def check_method(method: str) -> str:
    if method not in METHODS:
        raise UserError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}", key="method")
    return method


def _impute(Y):
    """Replace NaN outputs (failed runs) by the mean of the others; returns (Y, count)."""
    Y = np.asarray(Y, dtype=float).ravel()
    bad = ~np.isfinite(Y)
    k = int(bad.sum())
    if k:
        if k == Y.size:
            raise UserError("every model run failed; nothing to analyse", key="outcome")
        Y = Y.copy()
        Y[bad] = Y[~bad].mean()
    return Y, k


def analyze(problem: dict, X, Y, method: str = "sobol", *, calc_second_order: bool = False,
            num_resamples: int = 100, conf_level: float = 0.95, seed: int | None = 0,
            num_levels: int = 4):
    """Sensitivity indices of outputs ``Y`` over design ``X`` (from :func:`~alliance_sim.explore.sample`).

    Parameters
    ----------
    problem : dict
        SALib problem (``num_vars``, ``names``, ``bounds``).
    X : numpy.ndarray
        The design, ``(rows, num_vars)``; rows in the order the design made them.
    Y : numpy.ndarray
        One output per row. Non-finite values (failed runs) are replaced by the
        mean of the others and counted in ``attrs["imputed"]``.
    method : {"sobol", "morris"}
    calc_second_order : bool
        Sobol: whether ``X`` holds the second-order rows (must match the design);
        second-order indices then go to ``attrs["S2"]``.
    num_resamples, conf_level : int, float
        Bootstrap resamples and level of the confidence intervals.
    seed : int, optional
        Seeds the bootstrap: the same seed, including 0, gives the same
        intervals (SALib treats ``seed=0`` as no seed, so a nonzero seed is
        derived from it). ``None``: unseeded.
    num_levels : int
        Morris grid levels (must match the design).

    Returns
    -------
    pandas.DataFrame
        Indexed by parameter, in problem order. Sobol: ``S1, S1_conf, ST,
        ST_conf``; Morris: ``mu_star, mu_star_conf, mu, sigma``. A constant
        output has no variance to apportion: every index is 0 and
        ``attrs["constant"]`` is True. ``attrs["warnings"]`` lists, one line
        each, why the indices may not mean much (see :func:`diagnose`).
    """
    import pandas as pd

    check_method(method)
    names = list(problem["names"])
    X = np.asarray(X, dtype=float)
    Y, imputed = _impute(Y)
    d = len(names)
    if X.ndim != 2 or X.shape[1] != d or X.shape[0] != Y.size:
        raise UserError(f"X has shape {X.shape} and Y {Y.size} values; expected (rows, {d}) and rows values",
                        key="X")
    if method == "sobol":
        per = 2 * d + 2 if calc_second_order else d + 2
        if Y.size % per:
            raise UserError(f"{Y.size} outputs do not fit a Sobol design over {d} parameters "
                            f"(a multiple of {per} expected; calc_second_order={calc_second_order})", key="Y")
    constant = bool(np.ptp(Y) == 0.0)
    cols = SOBOL_COLUMNS if method == "sobol" else MORRIS_COLUMNS
    if constant:
        df = pd.DataFrame(0.0, index=pd.Index(names, name="parameter"), columns=cols)
    elif method == "sobol":
        from SALib.analyze import sobol

        # SALib's own warnings (e.g. constant bootstrap subsets of a rare 0/1 outcome) are kept, not
        # silenced: they become one line in attrs["warnings"]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r = sobol.analyze(problem, Y, calc_second_order=calc_second_order, num_resamples=num_resamples,
                              conf_level=conf_level, print_to_console=False, seed=salib_seed(seed))
        df = pd.DataFrame({c: np.asarray(r[c], dtype=float) for c in cols}, index=pd.Index(names, name="parameter"))
        if calc_second_order:
            df.attrs["S2"] = pd.DataFrame(r["S2"], index=names, columns=names)
            df.attrs["S2_conf"] = pd.DataFrame(r["S2_conf"], index=names, columns=names)
    else:
        from SALib.analyze import morris

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r = morris.analyze(problem, X, Y, num_resamples=num_resamples, conf_level=conf_level,
                               print_to_console=False, num_levels=num_levels, seed=salib_seed(seed))
        df = pd.DataFrame({c: np.asarray(r[c], dtype=float) for c in cols}, index=pd.Index(names, name="parameter"))
    df.attrs.update(method=method, constant=constant, imputed=imputed, conf_level=conf_level,
                    variance=float(np.var(Y)), mean=float(np.mean(Y)))
    df.attrs["warnings"] = diagnose(df, Y, [] if constant else caught)
    return df


def salib_seed(seed: int | None) -> int | None:
    """A nonzero seed for SALib derived from ``seed`` (SALib ignores ``seed=0``: ``if seed:``)."""
    if seed is None:
        return None
    return int(np.random.SeedSequence([int(seed), 0x5A11B]).generate_state(1)[0]) | 1


RARE = 0.05         # an outcome that holds (or fails) in fewer than 5% of runs is too rare
SUM_RANGE = (0.9, 2.0)  # sum of ST expected >= 1 (near 1 without strong interactions); sum of S1 <= 1
TOP = 10            # intervals are judged on the most influential parameters


def diagnose(indices, Y, caught=()) -> list[str]:
    """One-line warnings when sensitivity indices cannot mean much.

    - the outcome is constant, too rare or too common (a 0/1 outcome, or a
      share, in fewer than 5% of runs either way), or nearly constant (95% of
      runs share one value);
    - Sobol: the first-order indices sum above 1.1 or below -0.1, or the
      total indices outside [0.9, 2] (in theory sum S1 <= 1 <= sum ST);
    - one of the ten most influential parameters has a confidence interval
      wider than its index (the ranking is not resolved);
    - SALib warned (e.g. constant bootstrap samples), with how often.
    """
    out = []
    Y = np.asarray(Y, dtype=float)
    n = Y.size
    if indices.attrs.get("constant"):
        return [f"the outcome is the same in all {n} runs: there is no variance to apportion (indices are 0)"]
    mean = float(np.mean(Y))
    if bool(np.all((Y == 0) | (Y == 1))):  # a condition, one run per parameter set
        k = int(Y.sum())
        if min(mean, 1 - mean) < RARE:
            out.append(f"the outcome holds in {k} of {n} runs ({100 * mean:.1f}%): too "
                       f"{'rare' if mean < 0.5 else 'common'} for its indices to mean much; widen the ranges, "
                       f"choose a likelier outcome or raise N")
    else:
        values, counts = np.unique(Y, return_counts=True)
        top = counts.max() / n
        if top >= 1 - RARE:
            out.append(f"{100 * top:.0f}% of the {n} runs give the same value ({values[counts.argmax()]:.4g}): "
                       f"the outcome is too constant for its indices to mean much")
    if "ST" in indices.columns:
        s1, st = float(indices["S1"].sum()), float(indices["ST"].sum())
        if not (-0.1 <= s1 <= 1.1) or not (SUM_RANGE[0] <= st <= SUM_RANGE[1]):
            out.append(f"the indices sum to S1 = {s1:.2f} and ST = {st:.2f}, far from 1 (in theory sum S1 <= 1 <= "
                       f"sum ST, both near 1 without interactions): strong interactions or estimation noise; raise N "
                       f"or --replicates")
        key, conf = "ST", "ST_conf"
    else:
        key, conf = "mu_star", "mu_star_conf"
    top = indices.sort_values(key, ascending=False).head(TOP)
    wide = int((top[conf] > top[key].abs()).sum())
    if wide:
        allw = int((indices[conf] > indices[key].abs()).sum())
        out.append(f"{wide} of the {len(top)} most influential parameters (by {key}) have a "
                   f"{int(round(100 * indices.attrs.get('conf_level', 0.95)))}% interval wider than their index "
                   f"({allw} of {len(indices)} overall): the ranking is not resolved; raise N")
    msgs = {}
    for w in caught or ():
        text = " ".join(str(w.message).split())[:80]
        msgs[text] = msgs.get(text, 0) + 1
    for text, k in msgs.items():
        out.append(f"SALib warned {k} time{'s' if k > 1 else ''}: {text}")
    return out


def rank(indices):
    """Indices sorted by influence (``ST`` for Sobol, ``mu_star`` for Morris), largest first."""
    key = "ST" if "ST" in indices.columns else "mu_star"
    out = indices.sort_values(key, ascending=False, kind="stable")
    out.attrs = dict(indices.attrs)
    return out


def sensitivity(scenario="baseline", outcome: str = "alliance_strength", month: int | None = None,
                method: str = "sobol", n: int | None = None, replicates: int = 1, seed: int = 0, *,
                parameters=None, overrides: dict | None = None, solution: str = "qre",
                calc_second_order: bool = False, num_resamples: int = 100, conf_level: float = 0.95,
                chunk_size: int | None = None, executor=None, workers: int | None = None,
             scheduler: str | None = None, progress: bool = False,
                return_sweep: bool = False):
    """Global sensitivity of one outcome to the scenario's uncertain parameters.

    Runs a Sobol (Saltelli) or Morris design as one batched, chunked sweep
    and analyses the outcome at ``month``.

    Parameters
    ----------
    scenario : str, path or Scenario
    outcome : str
        A metric (``"alliance_strength"``) or a condition (``"us_prk_deal > 0.5"``,
        analysed as a 0/1 indicator).
    month : int, optional
        Default: the final month.
    method : {"sobol", "morris"}
    n : int, optional
        Sobol: base sample N, a power of 2 (default 512; ``N (D + 2)`` runs).
        Morris: trajectories (default 20; ``n (D + 1)`` runs).
    replicates : int
        Runs per parameter set; the outcome is their mean (a probability for
        a condition), which averages out the model's own randomness.
    seed : int
        Seeds the design, the runs and the bootstrap.
    parameters, overrides, solution, chunk_size, executor, workers, scheduler, progress
        As for :func:`~alliance_sim.explore.sweep`.
    calc_second_order : bool
        Sobol: also second-order indices (``attrs["S2"]``); about doubles the runs.
    num_resamples, conf_level
        Bootstrap of the confidence intervals.
    return_sweep : bool
        Also return the :class:`~alliance_sim.explore.Sweep` (inputs and outcomes).

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, Sweep)
        Indices per parameter, most influential first (see :func:`analyze`);
        ``attrs`` holds the scenario, outcome, month, n, runs, seconds and
        ``failed_runs``.
    """
    from ..domain.scenario import load_scenario
    from .outcomes import parse_outcome
    from .space import problem as make_problem
    from .sweep import check_months, sweep

    t0 = time.perf_counter()
    check_method(method)
    sc = load_scenario(scenario)
    o = parse_outcome(outcome)
    m = check_months(sc, month)[0] if month is None or np.ndim(month) == 0 else None
    if m is None:
        raise UserError(f"one month expected, got {month!r}", key="month")
    n = (512 if method == "sobol" else 20) if n is None else n
    pb = make_problem(sc, parameters, overrides=overrides)
    n = check_n(method, n, pb["num_vars"], calc_second_order)
    sw = sweep(sc, design=method, n=n, replicates=replicates, seed=seed, month=m, parameters=parameters,
               outcomes=[o.metric], overrides=overrides, solution=solution, calc_second_order=calc_second_order,
               chunk_size=chunk_size, executor=executor, workers=workers, scheduler=scheduler, progress=progress)
    idx = analyze_sweep(sw, o, m, num_resamples=num_resamples, conf_level=conf_level)
    idx.attrs["seconds"] = round(time.perf_counter() - t0, 2)
    return (idx, sw) if return_sweep else idx


def analyze_sweep(sweep, outcome, month: int | None = None, *, num_resamples: int = 100,
                  conf_level: float = 0.95):
    """Indices of one outcome from a Sobol or Morris :class:`~alliance_sim.explore.Sweep`.

    One sweep can be analysed for several outcomes and months (those it kept).
    Returns the indices ranked, as :func:`sensitivity` does.
    """
    from .outcomes import parse_outcome

    man = sweep.manifest
    method = man["design"]
    if method not in METHODS:
        raise UserError(f"a {method!r} design has no sensitivity estimator here; allowed: a sweep with design "
                        f"{' or '.join(METHODS)}", key="design")
    o = parse_outcome(outcome)
    m = sweep.months[-1] if month is None else int(month)
    Y = sweep.y(o, m)
    idx = rank(analyze(sweep.problem, sweep.X, Y, method, calc_second_order=man["calc_second_order"],
                       num_resamples=num_resamples, conf_level=conf_level, seed=man["seed"]))
    idx.attrs.update(scenario=man["scenario"], outcome=str(o), month=m, n=man["n"], replicates=man["replicates"],
                     runs=man["runs"], rows=man["rows"], seed=man["seed"], failed_runs=man["failed_runs"],
                     seconds=man["seconds"])
    for w in idx.attrs.get("warnings", []):
        warnings.warn(f"{o} at month {m}: {w}", SensitivityWarning, stacklevel=2)
    return idx


class SensitivityWarning(UserWarning):
    """Sensitivity indices that may not mean much (too rare an outcome, sums far from 1, wide intervals)."""


def format_indices(indices, top: int | None = None) -> str:
    """Indices as a text table: ``S1 = 0.31 +- 0.02`` style columns."""
    import pandas as pd

    df = indices if top is None else indices.head(top)
    if "ST" in df.columns:
        out = pd.DataFrame({"S1": [f"{a:6.3f} ± {b:.3f}" for a, b in zip(df["S1"], df["S1_conf"])],
                            "ST": [f"{a:6.3f} ± {b:.3f}" for a, b in zip(df["ST"], df["ST_conf"])]},
                           index=df.index)
    else:
        out = pd.DataFrame({"mu*": [f"{a:8.4f} ± {b:.4f}" for a, b in zip(df["mu_star"], df["mu_star_conf"])],
                            "mu": [f"{a:8.4f}" for a in df["mu"]], "sigma": [f"{a:8.4f}" for a in df["sigma"]]},
                           index=df.index)
    return out.to_string()
