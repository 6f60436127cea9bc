"""alliance_sim: what-if scenarios for the Russia-North Korea alliance.

Six state actors (USA, RUS, PRK, KOR, CHN, UKR) choose each month by solving
the stage games they are in; their payoffs are sums of terms that cite claims
from four analysis articles (``claims()``), with every number a parameter
(``parameters()``) that has a range and the claims it rests on.

>>> import alliance_sim as a
>>> res = a.run("ukraine_ceasefire", replicates=200, seed=1)   # doctest: +SKIP
>>> res.summary()                                                # doctest: +SKIP
"""

__version__ = "0.1.0"

from .claims import claims, sources
from .errors import UserError
from .explain import explain
from .explore import discover, sensitivity, sweep
from .model import AllianceModel
from .parameters import parameters
from .payoffs import terms
from .runner import compare, run
from .scenario import load_scenario

__all__ = ["AllianceModel", "UserError", "claims", "compare", "discover", "explain", "load_scenario",
           "parameters", "run", "sensitivity", "sources", "sweep", "terms", "__version__"]
