"""The browser explorer (``alliance-sim app``): a Solara app over the library, served on 127.0.0.1.

A researcher picks a scenario, moves any parameter within its range and any
event's month, runs an ensemble (up to 10,000 replicates, with progress and
Cancel), and sees the fan charts, the action shares, the paired difference
from a reference scenario with 90% intervals, and ``explain`` for an actor
and a month, each payoff term with its claims paraphrased; the run downloads
as the folder ``alliance-sim run --out`` writes, and as an HTML report.

Modules: ``state`` holds the logic (checking widget values with the
library's own validation, running through ``ensemble.run``, formatting
tables), ``page`` the Solara components, ``server`` the local, offline
server.

Solara, and where Mesa's SolaraViz fits
---------------------------------------
Mesa users know SolaraViz, which is built on Solara; this app is a plain
Solara app. SolaraViz is made for one model instance stepped live, with a
space drawing and plots of that one model's data collector, its parameter
widgets feeding the model's constructor. Here one run is an ensemble of
up to 10,000 replicates computed as a few batched models in a background
thread, there is no space to draw, what is shown is bands across replicates
(the library's matplotlib figures), and the parameters are the model's
parameter table (over a hundred, each with a range, unit and claims), with
the scenario's events besides. So SolaraViz's components (``SolaraViz``,
``make_plot_component``, ``make_space_component``) do not fit and are not
used; the app uses Solara directly, as SolaraViz itself does, with the same
idea of widgets built from a parameter table.
"""
