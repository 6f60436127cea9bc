"""The world state: one array per variable over the replicate axis."""
from __future__ import annotations

import numpy as np

from .bag import Bag

# name -> (unit, meaning). Order is the order of the output table's columns.
VARIABLES: dict[str, tuple[str, str]] = {
    "war_intensity": ("index 0-1", "intensity of the war in Ukraine and Kursk"),
    "ceasefire": ("0/1", "a US-Russia ceasefire is in force"),
    "front": ("index -1 to 1", "the war's direction: Russia losing ground (below 0) or gaining it (above 0)"),
    "prk_troops_in_russia": ("thousand troops", "PRK troops deployed in Russia"),
    "prk_workers_in_russia": ("thousand workers", "PRK construction and factory workers in Russia"),
    "prk_casualties": ("thousand", "cumulative PRK casualties"),
    "prk_experience": ("index 0-1", "combat experience of PRK units"),
    "blood_debt": ("thousand casualties, fading", "Russia's debt to PRK for its sacrifice: casualties, slowly forgotten"),
    "tech_transfer": ("index 0-1", "stock of Russian military technology transferred to PRK"),
    "munitions_demand": ("index 0-1", "Russian demand for PRK munitions"),
    "prk_industry": ("index 0-1", "revival of PRK's defence industry"),
    "personnel_shortage": ("index 0-1", "Russia's personnel shortage"),
    "sanctions_pressure": ("index 0-1", "effective sanctions pressure on PRK"),
    "alliance_strength": ("index 0-1", "strength of the Russia-PRK alliance"),
    "us_prk_talks": ("index 0-1", "momentum of US-PRK talks"),
    "us_prk_deal": ("0/1", "a US-PRK deal has been reached"),
    "kor_stance": ("index 0-1", "South Korean government's engagement stance (0 hardline, 1 engagement)"),
    "us_russia_relations": ("index 0-1", "US-Russia relations"),
    "ukr_pressure": ("share", "how often Ukraine has lately countered (what PRK units expect)"),
    "seoul_channel": ("share", "how often Seoul has lately offered shuttle diplomacy (how open that channel is)"),
    "china_posture": ("share", "how often China has lately endorsed a deal and enforced sanctions"),
    "crisis": ("0/1", "a Korean crisis: PRK attacked or threatened, the treaty called in"),
    "crisis_scope": ("0/1", "the crisis lies beyond PRK's recognised borders"),
    "russia_honour": ("share", "how Russia honoured the treaty this month in a crisis (1 fully, 0.5 limited, 0 not; 0 outside a crisis)"),
}


class State(Bag):
    """World state at one month; immutable, transitions return a new one."""

    __slots__ = ()

    @classmethod
    def initial(cls, params, n: int) -> "State":
        """The January 2025 state for ``n`` replicates from the ``init_*`` parameters."""

        def full(v):
            return np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()

        zero = np.zeros(n)
        return cls({
            "war_intensity": full(params.init_war_intensity),
            "ceasefire": zero.copy(),
            "front": full(params.init_front),
            "prk_troops_in_russia": full(params.init_prk_troops),
            "prk_workers_in_russia": full(params.init_prk_workers),
            "prk_casualties": full(params.init_prk_casualties),
            "prk_experience": full(params.init_prk_experience),
            "blood_debt": full(params.init_prk_casualties),  # the casualties so far, not yet forgotten
            "tech_transfer": full(params.init_tech_transfer),
            "munitions_demand": full(params.init_war_intensity),
            "prk_industry": full(params.init_prk_industry),
            "personnel_shortage": full(params.init_personnel_shortage),
            "sanctions_pressure": full(params.init_sanctions_pressure),
            "alliance_strength": full(params.init_alliance_strength),
            "us_prk_talks": full(params.init_us_prk_talks),
            "us_prk_deal": zero.copy(),
            "kor_stance": full(params.init_kor_stance),
            "us_russia_relations": full(params.init_us_russia),
            "ukr_pressure": full(params.init_ukr_pressure),
            "seoul_channel": full(params.init_kor_stance),
            "china_posture": full(0.5),  # no information either way: a neutral prior, not a reading
            "crisis": zero.copy(),
            "crisis_scope": zero.copy(),
            "russia_honour": zero.copy(),
        })

    @property
    def n(self) -> int:
        return int(np.shape(self.war_intensity)[0])
