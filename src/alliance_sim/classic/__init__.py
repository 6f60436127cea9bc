"""The classic models of political science, on the same six actors as the simulation.

Pure functions over plain tables of actors (one module per model, numpy
docstrings, in the style of SALib):

- :mod:`~alliance_sim.classic.compromise`: the capability x salience weighted
  mean and weighted median, the baselines the forecasting literature finds hard
  to beat;
- :mod:`~alliance_sim.classic.bdm`: Bueno de Mesquita's expected-utility model
  of group decisions, as reconstructed by Scholz, Calbert & Smith (2011), with
  every interpretation they discuss an explicit option;
- :mod:`~alliance_sim.classic.landscape`: Axelrod & Bennett's (1993) landscape
  theory of aggregation (energy, local minima, basins of attraction, by
  exhaustive enumeration);
- :mod:`~alliance_sim.classic.exchange`: Stokman & Van Oosten's (1994) exchange
  model of issue linkage with the equal-gain exchange rate;
- :mod:`~alliance_sim.classic.inputs`: the six actors' positions, saliences,
  capabilities and propensities, from ``seeds/classic_inputs.toml``, each number
  citing claims, with scenario overrides;
- :mod:`~alliance_sim.classic.sidebyside`: the classic forecasts beside the
  agent-based model's ensemble (one table, explicit mappings, 90% intervals);
- :mod:`~alliance_sim.classic.figures`: one figure per model and the
  side-by-side figure;
- :mod:`~alliance_sim.classic.command`: ``alliance-sim classic ...``.

>>> from alliance_sim import classic
>>> inp = classic.load_inputs()                                   # doctest: +SKIP
>>> classic.bdm.bdm(inp.table("us_prk_deal")).final_median        # doctest: +SKIP
"""
from . import bdm, compromise, exchange, landscape, sidebyside
from .inputs import ClassicInputs, apply_overrides, load_inputs
from .sidebyside import side_by_side

__all__ = ["ClassicInputs", "apply_overrides", "bdm", "compromise", "exchange", "landscape", "load_inputs",
           "side_by_side", "sidebyside"]
