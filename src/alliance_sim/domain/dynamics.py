"""How the world moves in a month, given the actions taken.

``transition`` is a pure function: state, realised actions, parameters and
this month's noise in, next state out. Every coefficient is a parameter with
a range and claims (see ``parameters.py``); every stock is bounded (shares
and indices by construction, troops by casualties and drawdown, workers by
their return home, blood debt by its fading).
"""
from __future__ import annotations

import numpy as np

from . import mechanisms as m
from .mechanisms import Acts
from .state import State


def _toward(x, target, rate):
    return x + rate * (target - x)


def transition(s: State, acts: dict[str, Acts], p, noise: dict[str, np.ndarray]) -> tuple[State, dict]:
    """Advance one month. Returns the next state and the month's flows (``prk_casualties_month``).

    ``acts`` maps arena name to the realised ``Acts`` (``crisis`` only in months
    with a crisis); ``noise`` holds per-replicate draws: ``z_casualty``,
    ``z_war``, ``z_front`` (standard normal), ``u_deal`` and ``u_settle`` (uniform).
    """
    bargain, front_acts = acts["bargain"], acts["front"]
    cease = s.ceasefire
    fighting = 1.0 - cease
    c = m.paid_contribution(s, bargain, p)  # the exchange: what Russia needs and pays for
    drawing_down = bargain.i("PRK", "draw_down")
    counter = front_acts.i("UKR", "counter")

    # Troops: losses are replaced unless PRK is drawing down; as fighting ebbs some soldiers
    # move to construction and factory work, and a few workers go home each month.
    deployed = m.troops_after(s, bargain, p)
    # Realised losses: what PRK expected, but with Ukraine's actual counters this month, and noise.
    shock = np.exp(p.casualty_noise * noise["z_casualty"] - 0.5 * p.casualty_noise ** 2)
    surprise = (1.0 + p.counter_lethality * counter) / (1.0 + p.counter_lethality * s.ukr_pressure)
    casualties = np.minimum(m.expected_casualties(s, bargain, p) * surprise * shock, deployed)
    to_work = p.to_workers_rate * deployed * (1.0 - s.war_intensity)
    troops = np.maximum(deployed - casualties * drawing_down - to_work, 0.0)
    workers = s.prk_workers_in_russia * (1.0 - p.worker_return) + to_work

    blood_debt = s.blood_debt * (1.0 - p.blood_debt_decay) + casualties  # thousand casualties, fading
    experience = s.prk_experience + p.experience_gain * s.war_intensity * (deployed > 0) * (1.0 - s.prk_experience)
    reward = bargain.i("RUS", "reward")
    tech = s.tech_transfer + p.tech_rate * reward * c * s.personnel_shortage * (1.0 - s.tech_transfer)
    industry = (s.prk_industry + p.industry_growth * s.munitions_demand * (1.0 - s.prk_industry)
                - p.industry_decay * s.prk_industry * (1.0 - s.munitions_demand))

    # The war: back to its level (a counter-attack month above it, a defending month below),
    # and the front moves with the balance of forces; both freeze under a ceasefire.
    level = np.where(cease > 0, p.ceasefire_level, p.war_level)
    rate = np.where(cease > 0, p.ceasefire_adjust, p.war_adjust)
    push = (p.counter_escalation * (2.0 * counter - 1.0) + p.war_noise * noise["z_war"]) * fighting
    war_intensity = np.clip(_toward(s.war_intensity, level, rate) + push, 0.0, 1.0)
    balance = p.russian_push * (1.0 - s.personnel_shortage) + p.prk_front_effect * c - p.ukr_capability * counter
    front = np.clip(s.front + fighting * (p.front_rate * balance + p.front_noise * noise["z_front"]), -1.0, 1.0)
    munitions = _toward(s.munitions_demand, s.war_intensity, p.munitions_adjust)
    # The shortage follows the war's need less what PRK troops fill; it eases only slowly after the shooting.
    need = p.wartime_need * s.war_intensity / np.maximum(p.war_level, 1e-9) - p.troop_relief * c
    need = np.where(cease > 0, p.postwar_shortage, need)
    shortage = _toward(s.personnel_shortage, np.clip(need, 0.0, 1.0), p.shortage_adjust)

    # A settlement: the US moves on the track and Russia takes it up; relations carry it.
    cooperating = bargain.i("USA", "track") * bargain.i("RUS", "mediate")
    settles = fighting * (noise["u_settle"] < p.settle_rate * cooperating * s.us_russia_relations)
    ceasefire = np.maximum(cease, settles)
    rel_level = np.where(cease > 0, p.us_russia_deal_level, p.us_russia_level) + p.track_gain * cooperating
    us_russia = _toward(s.us_russia_relations, np.clip(rel_level, 0.0, 1.0), p.us_russia_adjust)

    # Talks and the deal.
    progress = m.talks_progress(s, bargain, p)
    at_table = m.at_table(bargain)
    momentum = np.clip(s.us_prk_talks + p.talks_gain * progress * (1.0 - s.us_prk_talks)
                       - p.talks_decay * s.us_prk_talks * (1.0 - at_table), 0.0, 1.0)
    new_deal = (1.0 - s.us_prk_deal) * (noise["u_deal"] < p.deal_rate * momentum * at_table)
    deal = np.maximum(s.us_prk_deal, new_deal)

    # Sanctions: Russia's cover and China's shelter erode pressure; failed talks tighten it unless
    # Russia backs PRK; a deal relieves it.
    failed = at_table * (1.0 - m.talks_success(s, bargain, p)) * (1.0 - p.failure_shield * m.russian_backing(bargain))
    target = (p.sanctions_base * (1.0 - p.russia_evasion * s.alliance_strength) * (1.0 - p.offer_relief * deal)
              + p.china_enforcement * (2.0 * s.china_posture - 1.0) + p.failure_enforcement * failed)
    sanctions = _toward(s.sanctions_pressure, np.clip(target, 0.0, 1.0), p.sanctions_adjust)

    # A crisis: Russia's answer is recorded, and abandoning PRK costs the alliance.
    crisis_acts = acts.get("crisis")
    honour = m.honouring(crisis_acts) * s.crisis if crisis_acts is not None else np.zeros_like(s.crisis)
    abandoned = s.crisis * (1.0 - crisis_acts.i("RUS", "honour") - crisis_acts.i("RUS", "limited")) \
        if crisis_acts is not None else 0.0

    # Alliance: exchange and blood debt build it; without exchange it fades, but only down to
    # what the treaty (no expiry) sustains; a deal over Russia's objection, or Russia abandoning
    # PRK in a crisis, costs it.
    exchange = c * (0.5 + 0.5 * reward)
    A = s.alliance_strength
    alliance = (A + p.alliance_growth * exchange * (1.0 - A)
                + p.blood_debt_bond * m.blood_debt_share(s, p) * (1.0 - A)
                - p.alliance_decay * (1.0 - exchange) * np.maximum(A - p.treaty_floor, 0.0)
                - p.deal_alliance_shock * new_deal * bargain.i("RUS", "block")
                - p.abandon_shock * abandoned)
    alliance = np.clip(alliance, 0.0, 1.0)

    b = p.belief_adjust
    nxt = State({
        "war_intensity": war_intensity,
        "ceasefire": ceasefire,
        "front": front,
        "prk_troops_in_russia": troops,
        "prk_workers_in_russia": workers,
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
        "ukr_pressure": _toward(s.ukr_pressure, counter, b),
        "seoul_channel": _toward(s.seoul_channel, front_acts.i("KOR", "shuttle"), b),
        "china_posture": _toward(s.china_posture, front_acts.i("CHN", "endorse"), b),
        "crisis": s.crisis,
        "crisis_scope": s.crisis_scope,
        "russia_honour": honour,
    })
    return nxt, {"prk_casualties_month": casualties}
