"""Every number in the model: default, plausible range, unit, meaning, claims.

The ranges are the uncertainty space for sensitivity analysis; scenario files
override parameters by name. A parameter value may be a scalar or an array
over the replicate axis, so thousands of parameter sets run as one batch.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from .bag import Bag
from ..errors import UserError


@dataclass(frozen=True)
class Parameter:
    name: str
    default: float
    low: float
    high: float
    unit: str
    meaning: str
    claims: tuple[str, ...]

    def __post_init__(self):
        if not (self.low <= self.default <= self.high):
            raise ValueError(f"parameter {self.name}: default {self.default} outside [{self.low}, {self.high}]")
        if not self.claims:
            raise ValueError(f"parameter {self.name} cites no claim")


def _p(name, default, low, high, unit, meaning, *claims) -> Parameter:
    return Parameter(name, float(default), float(low), float(high), unit, meaning, tuple(claims))


_TABLE: tuple[Parameter, ...] = (
    # --- initial state, January 2025 -------------------------------------------------
    _p("init_war_intensity", 0.8, 0.6, 1.0, "index 0-1", "war intensity at the start (Kursk fighting at its height)",
       "kursk.incursion", "kursk.prk_key_element", "deaths.combined"),
    _p("init_front", -0.1, -0.4, 0.2, "index -1 to 1", "the war's direction at the start: Ukraine still holds ground in Kursk",
       "kursk.incursion", "kursk.encirclement_claim"),
    _p("init_prk_troops", 11.0, 3.0, 15.0, "thousand troops", "PRK troops in Russia at the start; the low end is the reading that only several thousand are in rear roles",
       "troops.first_wave", "troops.contested"),
    _p("init_prk_workers", 0.5, 0.0, 3.0, "thousand workers", "PRK construction and factory workers in Russia at the start",
       "workers.construction"),
    _p("init_prk_casualties", 2.0, 1.1, 4.0, "thousand", "cumulative PRK casualties at the start (December's 1,100-3,000 deaths); also the blood debt owed",
       "casualties.december", "casualties.three_months"),
    _p("init_tech_transfer", 0.2, 0.05, 0.4, "index 0-1", "stock of Russian military technology already transferred",
       "exchange.compensation", "exchange.sensitive_tech"),
    _p("init_personnel_shortage", 0.7, 0.4, 0.9, "index 0-1", "Russia's personnel shortage at the start",
       "shortage.persists", "kursk.prk_key_element"),
    _p("init_sanctions_pressure", 0.45, 0.25, 0.7, "index 0-1", "effective sanctions pressure on PRK after Russia's 2024 veto",
       "sanctions.russia_veto", "sanctions.nine_resolutions"),
    _p("init_alliance_strength", 0.75, 0.5, 0.9, "index 0-1", "Russia-PRK alliance strength at the start (treaty in force, frequent summits)",
       "alliance.apex", "treaty.dates", "meetings.leader_level", "delegations.exchanged"),
    _p("init_prk_industry", 0.4, 0.2, 0.6, "index 0-1", "revival of PRK's defence industry at the start",
       "exchange.compensation", "munitions.largest_buyer"),
    _p("init_prk_experience", 0.2, 0.0, 0.4, "index 0-1", "combat experience PRK units have gained",
       "troops.adaptation"),
    _p("init_kor_stance", 0.3, 0.1, 0.6, "index 0 hardline - 1 engagement", "South Korean government's engagement stance at the start (political crisis)",
       "kor.liberal_win", "prk.ambiguity"),
    _p("init_us_russia", 0.25, 0.1, 0.5, "index 0-1", "US-Russia relations at the start",
       "deal.contingent_us_russia", "hedge.both"),
    _p("init_us_prk_talks", 0.05, 0.0, 0.2, "index 0-1", "US-PRK talks momentum at the start (PRK's hardline year-end line)",
       "prk.hardline", "usa.resume_talks"),
    _p("init_ukr_pressure", 0.6, 0.3, 0.9, "share", "how often Ukraine was countering at the start (holding ground in Kursk)",
       "kursk.incursion", "kursk.prk_key_element"),
    # --- the US offer ------------------------------------------------------------------
    _p("offer_relief", 0.3, 0.0, 1.0, "share of full relief", "sanctions relief the US offers (old offer: limited relief for a freeze)",
       "offer.outweighed", "talks.summits_learning", "offer.same_offer_fails"),
    _p("offer_recognition", 0.3, 0.0, 1.0, "share", "how far the US offer recognises PRK as a nuclear-weapon state",
       "offer.outweighed", "usa.trump_nuclear_power", "offer.enhanced_package"),
    _p("offer_normalisation", 0.0, 0.0, 1.0, "share", "peace treaty, liaison offices and lifting the travel ban in the US offer",
       "offer.enhanced_package", "usa.travel_ban_2017"),
    # --- choice --------------------------------------------------------------------------
    _p("rationality", 4.0, 1.0, 12.0, "1/utility", "logit QRE precision lambda: how sharply actors weigh payoffs (0 = random)",
       "talks.assessing_reward", "alliance.pragmatic"),
    # --- PRK in the bargain ----------------------------------------------------------------
    _p("w_prk_cash", 1.0, 0.5, 2.0, "utility per 10,000 troops", "value to PRK of Russian pay for its troops",
       "exchange.cash", "exchange.compensation"),
    _p("w_prk_tech", 1.5, 0.5, 3.0, "utility per 10,000 troops", "value to PRK of the sensitive technology Russia pays when rewarding, at full shortage",
       "exchange.sensitive_tech", "exchange.compensation"),
    _p("w_prk_experience", 0.4, 0.0, 1.0, "utility per 10,000 troops", "value to PRK of combat experience and battle-tested missiles at full intensity",
       "troops.adaptation", "munitions.accuracy"),
    _p("w_prk_casualty", 0.5, 0.1, 1.0, "utility per thousand casualties", "cost to PRK of its casualties; small, as heavy losses did not shake its resolve",
       "casualties.three_months", "casualties.december", "blood_debt.symbolic_debt"),
    _p("w_prk_debt_investment", 0.4, 0.0, 0.8, "utility per thousand casualties", "value to PRK of the claim on Moscow each thousand casualties create, at full alliance strength",
       "blood_debt.symbolic_debt", "realignment.if_russia_prevails"),
    _p("w_prk_guarantee", 2.0, 0.5, 4.0, "utility", "value to PRK of Russia's guarantee at full obligation, lost by defying Russia (withdrawing while it is short, or talking through Seoul while it blocks)",
       "prk.needs_moscow", "deal.contingent_us_russia", "guarantee.russia", "china.dependence"),
    _p("w_prk_relief", 4.0, 2.0, 6.0, "utility", "value to PRK of full sanctions relief at full sanctions pressure",
       "history.russia_enforced", "offer.outweighed"),
    _p("w_prk_recognition", 4.0, 1.5, 6.0, "utility", "value to PRK of recognition as a nuclear-weapon state",
       "usa.trump_nuclear_power", "offer.enhanced_package"),
    _p("w_prk_normalisation", 2.5, 1.0, 4.0, "utility", "value to PRK of a peace treaty, liaison offices and an end to the travel ban",
       "offer.enhanced_package", "usa.travel_ban_2017"),
    _p("w_prk_forgone", 6.0, 2.0, 12.0, "months", "months of Russian rewards (cash, technology) PRK weighs as given up by a deal that must cover its troops",
       "offer.outweighed", "deal.cover_troops", "talks.assessing_reward"),
    _p("hedge_keep", 0.5, 0.1, 0.9, "share", "share of the exchange that survives a deal Russia brokers after a US-Russia settlement",
       "hedge.both", "alliance.leverage"),
    _p("w_prk_freeze", 0.5, 0.1, 1.5, "utility", "cost to PRK of the nuclear freeze a deal asks for; smaller than the alliance's pull",
       "talks.summits_learning", "talks.impediment_alliance"),
    _p("w_prk_failure", 0.8, 0.3, 1.5, "utility", "cost to PRK of failed talks (tighter enforcement, as after 2019)",
       "mediation.failure_cost", "talks.summits_learning"),
    _p("failure_shield", 0.7, 0.3, 1.0, "share", "share of that cost Russian backing removes",
       "mediation.failure_cost"),
    _p("w_prk_kor_partner", 1.0, 0.3, 2.0, "utility", "cost to PRK of treating South Korea as a partner again to use its channel",
       "mediation.kor_cost", "prk.constitution_renounce", "prk.ambiguity"),
    _p("partner_ease", 0.6, 0.2, 0.9, "share", "share of that cost an engagement government in Seoul removes (as in 2018)",
       "kor.liberal_win", "mediation.kor_cost"),
    _p("w_prk_hardline", 0.4, 0.0, 1.0, "utility", "cost to PRK of answering the US against its declared hardline",
       "prk.hardline", "prk.ambiguity"),
    _p("dialogue_shift", 0.7, 0.3, 1.0, "share", "share of that cost removed once a US-Russia settlement ends the war",
       "talks.dialogue_shift", "prk.pragmatism"),
    _p("w_prk_deal_breach", 0.5, 0.2, 1.0, "share of the offer's value", "share of a deal's value PRK puts at risk by keeping troops in Russia after it",
       "deal.cover_troops", "deal.contingent_us_russia"),
    # --- RUS in the bargain -----------------------------------------------------------------
    _p("w_rus_secure", 1.5, 0.5, 3.0, "utility per 10,000 troops", "value to Russia of rewarding the troops sent, to secure more, at full shortage and war",
       "exchange.sensitive_tech", "exchange.compensation", "shortage.persists"),
    _p("troop_demand", 1.5, 0.8, 3.0, "10,000 troops", "PRK troops Russia needs and pays for at full shortage and war (about the first wave and the second)",
       "shortage.persists", "troops.second_wave", "ceasefire.less_troop_demand"),
    _p("postwar_troop_use", 0.3, 0.0, 0.6, "share of wartime value", "value of PRK troops to Russia after a ceasefire, relative to wartime (training, deployment elsewhere)",
       "shortage.persists", "troops.training_rotation", "ceasefire.less_troop_demand"),
    _p("w_rus_tech_cost", 0.8, 0.3, 1.5, "utility per 10,000 troops", "cost to Russia of sensitive transfers it would not otherwise make",
       "exchange.sensitive_tech"),
    _p("w_rus_wedge", 6.0, 2.0, 12.0, "months", "months of PRK manpower Russia weighs as lost to a US-PRK deal that pulls the troops home",
       "deal.contingent_us_russia", "russia.resists_wedge", "deal.must_respect_russia"),
    _p("w_rus_leverage", 0.6, 0.2, 1.5, "utility", "value to Russia of keeping PRK as leverage by blocking a wedge, at full alliance strength",
       "russia.resists_wedge", "alliance.leverage"),
    _p("w_rus_broker", 0.8, 0.2, 2.0, "utility", "value to Russia of standing as broker of US-PRK talks, at full US-Russia relations and an open channel",
       "mediation.russia_vs_kor", "talks.russian_welcome", "mediation.russia_role"),
    _p("mediation_channel", 0.3, 0.0, 1.0, "share", "how open Russia is as a broker; contested: 0 = its mediator role is over, 1 = Putin brokers",
       "mediation.russia_role", "mediation.russia_vs_kor", "russia.resists_wedge"),
    _p("w_rus_settlement", 1.0, 0.3, 2.0, "utility", "value to Russia of the US-Russia track when it cooperates on PRK, with the front even",
       "deal.contingent_us_russia", "deal.must_respect_russia", "mediation.russia_vs_kor"),
    _p("strength_premium", 0.5, 0.0, 1.0, "relative", "how much more a settlement gives Russia (and costs the US) per unit of front in Russia's favour",
       "russia.negotiate_from_strength", "realignment.if_russia_prevails", "ceasefire.less_troop_demand"),
    _p("w_rus_obligation", 1.0, 0.3, 2.0, "utility", "cost to Russia of abandoning PRK (withholding rewards, blocking its talks) as the blood debt it owes nears its full weight",
       "blood_debt.obligation", "blood_debt.symbolic_debt"),
    # --- USA in the bargain -------------------------------------------------------------------
    _p("w_usa_deal", 3.0, 1.0, 5.0, "utility", "value to the US of a deal (a freeze)",
       "usa.resume_talks", "usa.team"),
    _p("w_usa_troops_covered", 0.5, 0.0, 1.0, "relative", "extra value of a deal that also brings PRK troops home from Europe's war",
       "deal.cover_troops"),
    _p("w_usa_dialogue", 0.3, 0.0, 0.8, "utility", "value to the US administration of being at the table",
       "usa.team", "usa.resume_talks"),
    _p("w_usa_concession", 1.5, 0.5, 3.0, "utility", "cost to the US of conceding its full package in a deal",
       "offer.outweighed", "usa.weakened_position"),
    _p("w_usa_rebuff", 0.5, 0.1, 1.0, "utility", "cost to the US of an offer PRK ignores",
       "prk.hardline", "offer.same_offer_fails"),
    _p("w_usa_track_cost", 0.6, 0.2, 1.2, "utility", "cost to the US of moving on the US-Russia track (recognising Russia's gains over Ukraine's head), with the front even",
       "deal.sidelines_ukraine", "ceasefire.less_troop_demand"),
    _p("w_usa_russia_coop", 0.8, 0.2, 1.5, "utility", "value to the US of Russia taking up the track: the war ending and Moscow no longer in the way of a PRK deal",
       "deal.contingent_us_russia", "russia.negotiate_from_strength", "deal.must_respect_russia"),
    # --- UKR, KOR, CHN at the front ---------------------------------------------------------
    _p("w_ukr_territory", 1.0, 0.4, 2.0, "utility", "value to Ukraine of contesting ground at full intensity",
       "kursk.incursion"),
    _p("ukr_capability", 0.5, 0.2, 0.9, "share", "Ukraine's effectiveness given its shortage of ammunition and drones",
       "kursk.prk_key_element"),
    _p("prk_reinforcement_effect", 0.5, 0.2, 0.8, "share", "how far a full PRK deployment blunts a Ukrainian counter",
       "kursk.prk_key_element", "troops.rear_role"),
    _p("w_ukr_losses", 0.35, 0.1, 1.0, "utility", "cost to Ukraine of its losses in counter-attacks at full intensity",
       "deaths.combined"),
    _p("w_kor_engage", 1.0, 0.3, 2.0, "utility", "value to an engagement government of shuttle diplomacy",
       "kor.liberal_win"),
    _p("w_kor_rebuff", 0.5, 0.1, 1.0, "utility", "cost to South Korea of shuttle diplomacy PRK ignores while talks are stalled",
       "prk.constitution_renounce", "prk.ambiguity"),
    _p("w_kor_deter", 1.0, 0.3, 2.0, "utility", "value to a hardline government of deterring a PRK armed with Russian technology",
       "exchange.sensitive_tech", "guarantee.aid_if_attacked", "munitions.accuracy"),
    _p("w_chn_deal", 1.0, 0.3, 2.0, "utility", "value to China of backing a US-PRK deal at full talks momentum",
       "deal.support_2019"),
    _p("w_chn_rivalry", 0.5, 0.1, 1.5, "utility", "value to China of sheltering PRK to compete with Moscow, at full alliance strength",
       "history.sino_soviet", "china.dependence"),
    # --- RUS in a Korean crisis -------------------------------------------------------------
    _p("w_rus_commitment", 1.2, 0.5, 2.5, "utility", "value to Russia of honouring the treaty at full obligation (calibrated so that, at the start with little blood debt, Russia honours at about the base rate of alliance reliability)",
       "treaty.mutual_assistance", "guarantee.aid_if_attacked", "alliance.reliability_base_rate"),
    _p("w_rus_intervention_cost", 0.6, 0.2, 1.5, "utility", "cost to Russia of fighting in Korea, higher the shorter of soldiers it is",
       "shortage.persists", "alliance.pragmatic"),
    _p("beyond_borders_share", 0.2, 0.0, 0.5, "share", "share of Russia's obligation that holds in a crisis beyond PRK's recognised borders",
       "troops.not_donbass", "prk.constitution_renounce"),
    # --- the talks' mechanics -----------------------------------------------------------------
    _p("base_success", 0.35, 0.15, 0.6, "probability", "chance a month of US-PRK talks makes progress through a plain channel (2018-19 summits: clearer expectations, no result)",
       "talks.summits_learning", "talks.impediment_alliance"),
    _p("mediation_gain", 1.0, 0.3, 2.0, "relative", "how much a mediating Russia raises that chance at full US-Russia relations (information on US limits)",
       "mediation.information", "mediation.immune_kor_politics"),
    _p("shuttle_gain", 0.5, 0.1, 1.0, "relative", "how much Seoul's shuttle diplomacy raises that chance, under a fully engaged government",
       "mediation.russia_vs_kor", "kor.liberal_win"),
    _p("kor_politics_risk", 0.4, 0.1, 0.7, "share", "share of the South Korean channel's effect lost to Seoul's domestic politics",
       "mediation.immune_kor_politics", "kor.liberal_win"),
    _p("block_strength", 0.8, 0.5, 1.0, "share", "share of the Seoul channel's chance a blocking Russia removes, at full personnel shortage",
       "deal.contingent_us_russia", "russia.resists_wedge", "deal.must_respect_russia"),
    _p("china_gain", 0.2, 0.0, 0.5, "relative", "how much China's endorsement raises that chance",
       "deal.support_2019"),
    _p("troop_clause", 0.8, 0.4, 1.0, "share", "share of that chance lost, at full deployment, while PRK keeps its troops in Russia (a deal must cover them)",
       "deal.cover_troops", "deal.contingent_us_russia"),
    _p("deal_rate", 0.3, 0.1, 0.6, "per month", "monthly chance that talks at full momentum close a deal",
       "talks.summits_learning", "offer.same_offer_fails"),
    _p("talks_gain", 0.25, 0.1, 0.5, "per month", "talks momentum a month of progress adds",
       "talks.summits_learning", "usa.resume_talks"),
    _p("talks_decay", 0.1, 0.03, 0.3, "per month", "talks momentum lost per month without talks",
       "prk.hardline", "offer.same_offer_fails"),
    # --- dynamics: troops, casualties, blood debt ----------------------------------------------
    _p("wave_size", 4.0, 2.0, 12.0, "thousand troops", "troops a month of expansion adds",
       "troops.second_wave", "troops.first_wave", "troops.continued_flow"),
    _p("drawdown_rate", 0.3, 0.1, 0.6, "share per month", "share of troops a month of drawing down brings home",
       "deal.cover_troops"),
    _p("casualty_rate", 0.1, 0.04, 0.2, "per troop per month", "casualties per deployed soldier per month at full intensity (4,000 of 11,000 in three months)",
       "casualties.three_months", "casualties.december"),
    _p("counter_lethality", 0.5, 0.2, 1.0, "relative", "extra casualties when Ukraine counters and targets PRK units",
       "troops.adaptation", "kursk.prk_key_element"),
    _p("casualty_learning", 0.5, 0.0, 0.8, "share", "how far experience (smaller units against drones) cuts the casualty rate",
       "troops.adaptation"),
    _p("experience_gain", 0.05, 0.01, 0.1, "per month", "combat experience gained per month of fighting",
       "troops.adaptation", "munitions.accuracy"),
    _p("casualty_noise", 0.3, 0.0, 0.6, "log-sd", "month-to-month uncertainty of casualties (reports range 1,100-3,000 for one month)",
       "casualties.december", "troops.contested"),
    _p("to_workers_rate", 0.05, 0.0, 0.15, "share per month", "share of troops moving to construction and factory work once fighting ebbs",
       "workers.construction", "workers.reconstruction"),
    _p("worker_return", 0.02, 0.005, 0.05, "share per month", "share of PRK workers in Russia going home each month (few: they stay after the war)",
       "workers.construction", "workers.reconstruction"),
    _p("blood_debt_decay", 0.02, 0.005, 0.05, "share per month", "how fast the blood debt is forgotten",
       "history.transactional_pattern", "alliance.pragmatic"),
    _p("blood_debt_half", 10.0, 3.0, 30.0, "thousand casualties", "blood debt at which it carries half its full weight",
       "blood_debt.obligation", "casualties.three_months"),
    _p("blood_debt_weight", 1.0, 0.3, 2.0, "relative", "how much a large blood debt adds to Russia's obligation",
       "blood_debt.obligation", "prk.needs_moscow"),
    # --- dynamics: exchange, war, front -----------------------------------------------------------
    _p("tech_rate", 0.03, 0.005, 0.06, "per month", "technology transferred per month of reward per 10,000 PRK troops at full shortage",
       "exchange.sensitive_tech", "exchange.compensation"),
    _p("munitions_adjust", 0.3, 0.1, 0.6, "per month", "how fast Russian munitions demand follows the war",
       "munitions.largest_buyer"),
    _p("industry_growth", 0.04, 0.01, 0.08, "per month", "revival of PRK's defence industry per month of full sales",
       "exchange.compensation", "munitions.largest_buyer"),
    _p("industry_decay", 0.03, 0.01, 0.06, "per month", "decline of that revival once sales stop",
       "munitions.largest_buyer"),
    _p("wartime_need", 0.9, 0.6, 1.0, "index 0-1", "Russia's personnel shortage at full war intensity without PRK troops",
       "shortage.persists", "kursk.prk_key_element"),
    _p("troop_relief", 0.2, 0.05, 0.4, "index", "how much of the shortage a full PRK contribution fills",
       "troops.continued_flow", "troops.rear_role"),
    _p("shortage_adjust", 0.04, 0.01, 0.1, "per month", "how fast Russia's personnel shortage moves to its new level (slowly after a ceasefire)",
       "shortage.persists"),
    _p("postwar_shortage", 0.35, 0.1, 0.6, "index 0-1", "Russia's personnel shortage once the war is over",
       "shortage.persists", "troops.training_rotation"),
    _p("war_level", 0.8, 0.5, 1.0, "index 0-1", "intensity the war returns to without a ceasefire",
       "deaths.combined", "kursk.incursion"),
    _p("war_adjust", 0.15, 0.05, 0.4, "per month", "how fast war intensity returns to that level",
       "kursk.incursion"),
    _p("counter_escalation", 0.1, 0.0, 0.2, "index", "intensity a Ukrainian counter adds in a month (a defending month takes as much off)",
       "kursk.incursion", "kursk.prk_key_element"),
    _p("war_noise", 0.05, 0.0, 0.1, "index sd", "month-to-month randomness of war intensity",
       "kursk.encirclement_claim"),
    _p("ceasefire_level", 0.05, 0.0, 0.15, "index 0-1", "residual intensity under a ceasefire",
       "ceasefire.less_troop_demand"),
    _p("ceasefire_adjust", 0.5, 0.2, 0.9, "per month", "how fast the shooting stops after a ceasefire",
       "ceasefire.less_troop_demand", "deal.sidelines_ukraine"),
    _p("front_rate", 0.05, 0.01, 0.15, "per month", "how fast the front moves at full balance of forces",
       "kursk.incursion", "kursk.prk_key_element"),
    _p("russian_push", 0.5, 0.1, 0.9, "index", "Russia's own pressure on the front with no personnel shortage",
       "kursk.incursion", "shortage.persists"),
    _p("prk_front_effect", 0.4, 0.1, 0.8, "index", "pressure a full PRK contribution adds to Russia's side of the front",
       "kursk.prk_key_element", "troops.rear_role"),
    _p("front_noise", 0.03, 0.0, 0.08, "index sd", "month-to-month randomness of the front",
       "kursk.encirclement_claim"),
    _p("settle_rate", 0.0, 0.0, 0.3, "per month", "monthly chance that a US move on the track, taken up by Russia at full relations, becomes a ceasefire (0 by default: the war ends only by a ceasefire event; the us_russia_settlement scenario lets the track end it)",
       "deal.sidelines_ukraine", "russia.negotiate_from_strength"),
    # --- dynamics: sanctions, alliance, relations, beliefs ----------------------------------------
    _p("sanctions_base", 0.8, 0.5, 1.0, "index 0-1", "pressure with full enforcement of the UN sanctions",
       "sanctions.nine_resolutions"),
    _p("russia_evasion", 0.5, 0.2, 0.8, "share", "share of pressure Russia's cover removes at full alliance strength",
       "sanctions.russia_veto", "mediation.failure_cost"),
    _p("china_enforcement", 0.15, 0.0, 0.3, "index", "pressure China adds by enforcing, or removes by sheltering",
       "china.dependence", "deal.support_2019"),
    _p("failure_enforcement", 0.1, 0.0, 0.2, "index", "pressure failed talks add (as after 2019), unless Russia backs PRK",
       "mediation.failure_cost"),
    _p("sanctions_adjust", 0.2, 0.05, 0.5, "per month", "how fast sanctions pressure moves to its new level",
       "sanctions.russia_veto"),
    _p("alliance_growth", 0.05, 0.01, 0.1, "per month", "alliance strengthening per month of full exchange",
       "meetings.leader_level", "delegations.exchanged", "treaty.scope"),
    _p("alliance_decay", 0.03, 0.005, 0.08, "per month", "alliance weakening per month without exchange, towards the treaty floor",
       "history.transactional_pattern", "alliance.survives_ceasefire"),
    _p("treaty_floor", 0.4, 0.1, 0.6, "index 0-1", "alliance strength the treaty alone sustains (no expiry); contested: low end = the alliance ends with the war",
       "treaty.no_expiry", "alliance.survives_ceasefire", "treaty.scope"),
    _p("blood_debt_bond", 0.02, 0.0, 0.05, "per month", "alliance strengthening from blood debt at full weight",
       "blood_debt.obligation", "blood_debt.symbolic_debt"),
    _p("deal_alliance_shock", 0.3, 0.1, 0.5, "index", "alliance strength lost when PRK closes a deal Russia was blocking",
       "deal.contingent_us_russia", "russia.resists_wedge"),
    _p("abandon_shock", 0.4, 0.1, 0.7, "index", "alliance strength lost when Russia abandons PRK in a crisis",
       "alliance.pragmatic", "alliance.militarized"),
    _p("us_russia_level", 0.25, 0.1, 0.5, "index 0-1", "US-Russia relations without cooperation or a settlement",
       "deal.contingent_us_russia"),
    _p("us_russia_deal_level", 0.7, 0.4, 0.9, "index 0-1", "US-Russia relations after a US-Russia ceasefire",
       "deal.sidelines_ukraine", "hedge.both"),
    _p("track_gain", 0.3, 0.1, 0.6, "index", "how far a month of cooperation on the track lifts the level US-Russia relations move to",
       "deal.contingent_us_russia", "hedge.both"),
    _p("us_russia_adjust", 0.1, 0.02, 0.3, "per month", "how fast US-Russia relations move to their level",
       "hedge.both"),
    _p("belief_adjust", 0.5, 0.2, 0.9, "per month", "how fast actors' expectations of the others' recent choices (Ukraine's counters, Seoul's channel, China's posture) update",
       "prk.ambiguity", "troops.adaptation"),
)

PARAMETERS: dict[str, Parameter] = {p.name: p for p in _TABLE}
if len(PARAMETERS) != len(_TABLE):  # pragma: no cover - guards edits to the table
    raise RuntimeError("duplicate parameter name in the table")


def parameters():
    """All parameters as a DataFrame: ``name, default, low, high, unit, meaning, claims``."""
    import pandas as pd

    rows = [dict(name=p.name, default=p.default, low=p.low, high=p.high, unit=p.unit,
                 meaning=p.meaning, claims=list(p.claims)) for p in _TABLE]
    return pd.DataFrame(rows, columns=["name", "default", "low", "high", "unit", "meaning", "claims"])


def check_value(name: str, value, *, file: str | None = None, key: str | None = None) -> np.ndarray | float:
    """Validate one parameter value (scalar or array) against its range."""
    key = key or name
    if name not in PARAMETERS:
        close = difflib.get_close_matches(name, PARAMETERS, n=4, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `alliance-sim parameters`"
        raise UserError(f"unknown parameter {name!r}{hint}", file=file, key=key)
    spec = PARAMETERS[name]
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise UserError(f"value {value!r} is not a number; allowed: a number in [{spec.low:g}, {spec.high:g}]",
                        file=file, key=key) from None
    if arr.ndim > 1 or not np.all(np.isfinite(arr)) or np.any(arr < spec.low) or np.any(arr > spec.high):
        shown = value if arr.ndim == 0 else f"array with range [{np.nanmin(arr):g}, {np.nanmax(arr):g}]"
        raise UserError(f"value {shown} out of range; allowed: [{spec.low:g}, {spec.high:g}] ({spec.unit})",
                        file=file, key=key)
    return float(arr) if arr.ndim == 0 else arr


class Params(Bag):
    """Parameter values by attribute: scalars or arrays over replicates.

    ``Params.build(overrides, n)`` validates overrides and checks that array
    values have length ``n`` (the replicate count).
    """

    __slots__ = ()

    @classmethod
    def build(cls, overrides: Mapping[str, object] | None = None, n: int | None = None) -> "Params":
        values: dict[str, object] = {k: p.default for k, p in PARAMETERS.items()}
        for name, value in (overrides or {}).items():
            v = check_value(name, value)
            if isinstance(v, np.ndarray) and n is not None and v.shape != (n,):
                raise UserError(f"array value has length {v.shape[0]}, the run has {n} replicates", key=name)
            values[name] = v
        return cls(values)
