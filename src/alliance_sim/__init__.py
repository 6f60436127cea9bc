"""alliance_sim: what-if scenarios for the Russia-North Korea alliance.

Six state actors (USA, RUS, PRK, KOR, CHN, UKR) choose each month by solving
the stage games they are in; their payoffs are sums of terms that cite claims
from four analysis articles (``claims()``), with every number a parameter
(``parameters()``) that has a range and the claims it rests on.

The public API is imported on first use, so ``import alliance_sim`` (and the
command line's ``--help``) stay fast and do not import Mesa.

>>> import alliance_sim as a
>>> res = a.run("ukraine_ceasefire", replicates=200, seed=1)   # doctest: +SKIP
>>> res.summary()                                                # doctest: +SKIP
"""
from __future__ import annotations

import importlib

from ._version import __version__
from .errors import UserError

# public name -> module that defines it (data flows scenario -> model -> results)
_API = {
    "claims": "domain.claims", "sources": "domain.claims",
    "parameters": "domain.parameters", "terms": "domain.payoffs",
    "load_scenario": "domain.scenario", "show": "domain.scenario",
    "AllianceModel": "abm.model",
    "run": "ensemble", "compare": "ensemble", "Comparison": "output.comparison",
    "Results": "output.results",
    "explain": "output.explain", "scenario_context": "output.explain",
    "stage_game": "output.explain", "arena": "output.explain",
    "report": "output.report",
    "discover": "explore", "sensitivity": "explore", "sweep": "explore", "robustness": "explore.robustness",
    "calibrate": "explore.calibrate", "calibrated_overrides": "calibrated",
}


def load(folder):
    """Reopen a folder written by alliance-sim: a ``Results`` (``run``), ``Comparison`` (``compare``) or ``Sweep``.

    >>> res = load("results/run/baseline")        # doctest: +SKIP
    """
    import json
    from pathlib import Path

    path = Path(folder) / "manifest.json"
    try:
        kind = json.loads(path.read_text()).get("kind")
    except FileNotFoundError:
        raise UserError(f"{folder} has no manifest.json; not an alliance-sim results folder", key="load") from None
    except ValueError as e:
        raise UserError(f"manifest.json is not valid JSON ({e})", file=str(path)) from None
    if kind == "run":
        from .output.results import Results
        return Results.load(folder)
    if kind == "compare":
        from .output.comparison import Comparison
        return Comparison.load(folder)
    if kind == "sweep":
        from .explore.sweep import Sweep
        return Sweep.load(folder)
    raise UserError(f"{folder} holds a {kind!r} result; load reads run, compare and sweep folders (read its "
                    f"CSV tables with pandas)", key="load")


def __getattr__(name: str):
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'alliance_sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_API))


__all__ = sorted([*_API, "UserError", "load", "__version__"])  # every lazy name is public
