"""The uncertainty space: which parameters vary, over which ranges.

A *problem* is SALib's plain dict ``{"num_vars", "names", "bounds"}``, so the
designs and analyses here work on any function of a unit-free array, the
model being one of them.
"""
from __future__ import annotations

import difflib

from ..errors import UserError
from ..domain.parameters import PARAMETERS


def make_problem(bounds: dict) -> dict:
    """SALib problem from ``{name: (low, high)}`` (insertion order kept)."""
    names = list(bounds)
    return {"num_vars": len(names), "names": names, "bounds": [[float(lo), float(hi)] for lo, hi in bounds.values()]}


def problem(scenario, parameters=None, *, overrides=None) -> dict:
    """The scenario's uncertainty space as a SALib problem.

    Parameters
    ----------
    scenario : str, path or Scenario
    parameters : list of str or dict, optional
        Vary only these parameters (default: every parameter the scenario does
        not fix, over ``Scenario.uncertainty()``). A dict ``{name: (low,
        high)}`` narrows ranges further; they must lie within the plausible range.
    overrides : dict, optional
        Parameters held at a fixed value (removed from the space).

    Raises
    ------
    UserError
        For an unknown parameter, one the scenario fixes, or a bad range.
    """
    from ..domain.scenario import load_scenario

    sc = load_scenario(scenario)
    if overrides:
        sc = sc.with_overrides(overrides)
    space = sc.uncertainty()
    if parameters is None:
        return make_problem(space)
    if isinstance(parameters, str):
        parameters = [parameters]
    wanted = parameters if isinstance(parameters, dict) else {name: None for name in parameters}
    if not wanted:
        raise UserError("no parameters to vary", key="parameters")
    out = {}
    for name, rng in wanted.items():
        if name not in PARAMETERS:
            close = difflib.get_close_matches(name, PARAMETERS, n=4, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else "; see `alliance-sim parameters`"
            raise UserError(f"unknown parameter {name!r}{hint}", key="parameters")
        if name not in space:
            raise UserError(f"parameter {name!r} is fixed by scenario {sc.name!r} (or --set), so it cannot vary; "
                            f"allowed: the {len(space)} parameters it leaves uncertain", key="parameters")
        lo, hi = space[name]
        if rng is not None:
            try:
                a, b = (float(x) for x in rng)
            except (TypeError, ValueError):
                raise UserError(f"range for {name!r} must be (low, high), got {rng!r}", key="parameters") from None
            if not (lo <= a < b <= hi):
                raise UserError(f"range [{a:g}, {b:g}] for {name!r} not allowed; allowed: low < high within "
                                f"[{lo:g}, {hi:g}]", key="parameters")
            lo, hi = a, b
        out[name] = (lo, hi)
    return make_problem(out)
