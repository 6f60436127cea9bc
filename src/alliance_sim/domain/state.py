"""The world state: one array per variable over the replicate axis."""
from __future__ import annotations

import numpy as np

from .bag import Bag

# name -> (unit, meaning). Order is the order of the output table's columns.
VARIABLES: dict[str, tuple[str, str]] = {
    "war_intensity": ("index 0-1", "intensity of the war in Ukraine and Kursk"),
    "ceasefire": ("0/1", "a US-Russia ceasefire is in force"),
    "prk_troops_in_russia": ("thousand", "PRK troops deployed in Russia"),
    "prk_workers_in_russia": ("thousand", "PRK construction and factory workers in Russia"),
    "prk_casualties": ("thousand", "cumulative PRK casualties"),
    "prk_experience": ("index 0-1", "combat experience of PRK units"),
    "blood_debt": ("debt units", "Russia's obligation from PRK sacrifice, slowly fading"),
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
}


class State(Bag):
    """World state at one month; immutable, transitions return a new one."""

    __slots__ = ()

    @classmethod
    def initial(cls, params, n: int) -> "State":
        """The January 2025 state for ``n`` replicates from the ``init_*`` parameters."""
        def full(v):
            return np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()

        values = {
            "war_intensity": full(params.init_war_intensity),
            "ceasefire": np.zeros(n),
            "prk_troops_in_russia": full(params.init_prk_troops),
            "prk_workers_in_russia": full(params.init_prk_workers),
            "prk_casualties": full(params.init_prk_casualties),
            "prk_experience": full(params.init_prk_experience),
            "blood_debt": full(params.init_blood_debt),
            "tech_transfer": full(params.init_tech_transfer),
            "munitions_demand": full(params.init_war_intensity),
            "prk_industry": full(params.init_prk_industry),
            "personnel_shortage": full(params.init_personnel_shortage),
            "sanctions_pressure": full(params.init_sanctions_pressure),
            "alliance_strength": full(params.init_alliance_strength),
            "us_prk_talks": full(params.init_us_prk_talks),
            "us_prk_deal": np.zeros(n),
            "kor_stance": full(params.init_kor_stance),
            "us_russia_relations": full(params.init_us_russia),
        }
        return cls(values)

    @property
    def n(self) -> int:
        return int(np.shape(self.war_intensity)[0])
