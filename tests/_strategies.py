"""Hypothesis strategies over the model's parameter box and plausible states."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from alliance_sim.domain.actors import ARENAS
from alliance_sim.domain.parameters import PARAMETERS, Params
from alliance_sim.domain.state import State

# Plausible ranges of each state variable (wider than any scenario reaches).
STATE_RANGES = {
    "war_intensity": (0.0, 1.0), "prk_troops_in_russia": (0.0, 40.0), "prk_workers_in_russia": (0.0, 10.0),
    "prk_casualties": (0.0, 100.0), "prk_experience": (0.0, 1.0), "blood_debt": (0.0, 100.0),
    "tech_transfer": (0.0, 1.0), "munitions_demand": (0.0, 1.0), "prk_industry": (0.0, 1.0),
    "personnel_shortage": (0.0, 1.0), "sanctions_pressure": (0.0, 1.0), "alliance_strength": (0.0, 1.0),
    "us_prk_talks": (0.0, 1.0), "kor_stance": (0.0, 1.0), "us_russia_relations": (0.0, 1.0),
    "front": (-1.0, 1.0), "ukr_pressure": (0.0, 1.0), "seoul_channel": (0.0, 1.0), "china_posture": (0.0, 1.0),
    "russia_honour": (0.0, 1.0),
}
BINARY = ("ceasefire", "us_prk_deal", "crisis", "crisis_scope")

unit = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def params(draw) -> Params:
    """A point anywhere in the parameters' plausible box."""
    return Params({name: p.low + draw(unit) * (p.high - p.low) for name, p in PARAMETERS.items()})


@st.composite
def states(draw, p: Params | None = None) -> State:
    """A single-replicate state with every variable anywhere in its plausible range."""
    values = {k: np.array([lo + draw(unit) * (hi - lo)]) for k, (lo, hi) in STATE_RANGES.items()}
    for k in BINARY:
        values[k] = np.array([float(draw(st.booleans()))])
    return State(values)


@st.composite
def profiles(draw) -> dict[str, dict[str, int]]:
    """A pure action profile in every arena: {arena: {actor: index}}."""
    return {a.name: {c: draw(st.integers(0, len(acts) - 1)) for c, acts in zip(a.players, a.actions)}
            for a in ARENAS}
