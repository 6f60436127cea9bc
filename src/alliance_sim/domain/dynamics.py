"""How the world moves in a month, given the actions taken.

``transition`` is a pure function: state, realised actions, parameters and
this month's noise in, next state out. Every coefficient is a parameter with
a range and claims (see ``parameters.py``).
"""
from __future__ import annotations

import numpy as np

from . import mechanisms as m
from .mechanisms import Acts
from .state import State


def _toward(x, target, rate):
    return x + rate * (target - x)


def transition(s: State, war: Acts, talks: Acts, p, noise: dict[str, np.ndarray]) -> tuple[State, np.ndarray]:
    """Advance one month. Returns the next state and this month's PRK casualties.

    ``noise`` holds per-replicate draws: ``z_casualty`` and ``z_war`` (standard
    normal) and ``u_deal`` (uniform).
    """
    cease = s.ceasefire
    c = np.minimum(m.contribution(s, war, p), 1.0)  # exchange saturates at 10,000 troops
    drawing_down = war.i("PRK", "draw_down")

    # Troops: losses are replaced unless PRK is drawing down; as fighting ebbs
    # some soldiers move to construction and factory work and stay.
    deployed = m.troops_after(s, war, p)
    shock = np.exp(p.casualty_noise * noise["z_casualty"] - 0.5 * p.casualty_noise ** 2)
    casualties = np.minimum(m.expected_casualties(s, war, p) * shock, deployed)
    to_work = p.to_workers_rate * deployed * (1.0 - s.war_intensity)
    troops = np.maximum(deployed - casualties * drawing_down - to_work, 0.0)

    blood_debt = s.blood_debt * (1.0 - p.blood_debt_decay) + p.blood_debt_per_casualty * casualties
    experience = s.prk_experience + p.experience_gain * s.war_intensity * (deployed > 0) * (1.0 - s.prk_experience)
    tech = s.tech_transfer + p.tech_rate * war.i("RUS", "reward") * m.contribution(s, war, p) * (1.0 - s.tech_transfer)
    industry = (s.prk_industry + p.industry_growth * s.munitions_demand * (1.0 - drawing_down) * (1.0 - s.prk_industry)
                - p.industry_decay * s.prk_industry * (1.0 - s.munitions_demand))

    # War: back to its level unless a ceasefire holds; a Ukrainian counter escalates.
    level = np.where(cease > 0, p.ceasefire_level, p.war_level)
    rate = np.where(cease > 0, p.ceasefire_adjust, p.war_adjust)
    fighting = (p.counter_escalation * war.i("UKR", "counter") + p.war_noise * noise["z_war"]) * (1.0 - cease)
    war_intensity = np.clip(_toward(s.war_intensity, level, rate) + fighting, 0.0, 1.0)
    munitions = _toward(s.munitions_demand, s.war_intensity, p.munitions_adjust)
    # The shortage does not end with the shooting: it eases slowly towards a post-war level.
    shortage_target = p.postwar_shortage + (s.war_intensity / np.maximum(p.war_level, 1e-9)) * (0.9 - p.postwar_shortage)
    shortage = _toward(s.personnel_shortage, np.clip(shortage_target, 0.0, 1.0), p.shortage_adjust)

    # Talks and the deal.
    progress = m.talks_progress(s, talks, p)
    at_table = m.at_table(talks)
    momentum = np.clip(s.us_prk_talks + p.talks_gain * progress * (1.0 - s.us_prk_talks)
                       - p.talks_decay * s.us_prk_talks * (1.0 - at_table), 0.0, 1.0)
    new_deal = (1.0 - s.us_prk_deal) * (noise["u_deal"] < p.deal_rate * momentum * progress)
    deal = np.maximum(s.us_prk_deal, new_deal)

    # Sanctions: Russia's cover and China's shelter erode pressure, a deal relieves it.
    china = p.china_enforcement * (talks.i("CHN", "endorse") - talks.i("CHN", "shield"))
    target = (p.sanctions_base * (1.0 - p.russia_evasion * s.alliance_strength) * (1.0 - p.offer_relief * deal)
              + china + p.usa_pressure_gain * talks.i("USA", "hold"))
    sanctions = _toward(s.sanctions_pressure, np.clip(target, 0.0, 1.0), p.sanctions_adjust)

    # Alliance: exchange and blood debt build it; without exchange it fades, but
    # only down to what the treaty (no expiry) sustains; a deal over Russia's
    # objection costs it.
    exchange = c * (0.5 + 0.5 * war.i("RUS", "reward"))
    A = s.alliance_strength
    alliance = (A + p.alliance_growth * exchange * (1.0 - A)
                + p.blood_debt_bond * m.blood_debt_share(blood_debt, p) * (1.0 - A)
                - p.alliance_decay * (1.0 - exchange) * np.maximum(A - p.treaty_floor, 0.0)
                - p.deal_alliance_shock * new_deal * talks.i("RUS", "block"))
    alliance = np.clip(alliance, 0.0, 1.0)

    us_russia = _toward(s.us_russia_relations, np.where(cease > 0, p.us_russia_deal_level, p.us_russia_level),
                        p.us_russia_adjust)

    nxt = State({
        "war_intensity": war_intensity,
        "ceasefire": cease,
        "prk_troops_in_russia": troops,
        "prk_workers_in_russia": s.prk_workers_in_russia + to_work,
        "prk_casualties": s.prk_casualties + casualties,
        "prk_experience": experience,
        "blood_debt": blood_debt,
        "tech_transfer": tech,
        "munitions_demand": munitions,
        "prk_industry": np.clip(industry, 0.0, 1.0),
        "personnel_shortage": shortage,
        "sanctions_pressure": sanctions,
        "alliance_strength": alliance,
        "us_prk_talks": momentum,
        "us_prk_deal": deal,
        "kor_stance": s.kor_stance,
        "us_russia_relations": us_russia,
    })
    return nxt, casualties
