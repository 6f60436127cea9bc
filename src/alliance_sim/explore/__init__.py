"""Exploratory modelling: uncertainty sweeps, global sensitivity and scenario discovery.

SALib style: designs and analyses are pure functions over plain arrays and a
SALib ``problem`` dict; the model is one function of such a design.

>>> from alliance_sim.explore import sweep, sensitivity, discover
>>> table, manifest = sweep("baseline", "lhs", n=64)                        # doctest: +SKIP
>>> sensitivity("baseline", "alliance_strength", method="sobol", n=512)     # doctest: +SKIP
>>> discover("baseline", "us_prk_deal > 0.5", n=2000).summary()             # doctest: +SKIP

Modules: :mod:`.space` (the uncertainty space), :mod:`.designs` (LHS, Sobol,
Morris), :mod:`.outcomes` (outcome expressions), :mod:`.sweep` (running a
design), :mod:`.sensitivity` (indices), :mod:`.discovery` (PRIM, CART),
:mod:`.testfunctions` (Ishigami), :mod:`.plots` (figures).
"""
from .designs import DESIGNS, design_rows, sample
from .discovery import Discovery, cart, discover, feature_scores, find_boxes, prim, screen
from .outcomes import Outcome, metrics, parse_outcome
from .sensitivity import analyze, analyze_sweep, format_indices, rank, sensitivity
from .space import make_problem, problem
from .sweep import Sweep, run_design, sweep
from .testfunctions import ISHIGAMI_PROBLEM, ishigami, ishigami_indices

__all__ = [
    "DESIGNS", "ISHIGAMI_PROBLEM", "analyze", "analyze_sweep", "cart", "design_rows", "discover", "Discovery",
    "feature_scores", "find_boxes", "format_indices", "ishigami", "ishigami_indices", "make_problem",
    "metrics", "Outcome", "parse_outcome", "prim", "problem", "rank", "run_design", "sample", "screen",
    "sensitivity", "sweep", "Sweep",
]
