"""Each actor's payoff as a sum of named, cited terms.

A term is ``weight * feature(state, acts, params)``: the weight is a parameter
(with its range and claims), the feature a pure function vectorised over the
replicate axis and over an arena's profile grid. A term belongs to one arena,
so an arena's payoff tensors are the sums of its terms; terms that do not
depend on the actor's own action still count in its payoff, not its choice.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import mechanisms as m
from .actors import TALKS, WAR, Arena
from .mechanisms import Acts
from .parameters import PARAMETERS


@dataclass(frozen=True)
class Term:
    actor: str
    arena: str
    name: str
    weight: str
    meaning: str
    feature: Callable
    extra_claims: tuple[str, ...] = ()

    @property
    def claims(self) -> tuple[str, ...]:
        seen = dict.fromkeys(PARAMETERS[self.weight].claims + self.extra_claims)
        return tuple(seen)

    def value(self, s, a: Acts, p) -> np.ndarray:
        return getattr(p, self.weight) * self.feature(s, a, p)


TERMS: list[Term] = []


def _term(actor: str, arena: Arena, name: str, weight: str, meaning: str, *extra_claims: str):
    def register(feature):
        TERMS.append(Term(actor, arena.name, name, weight, meaning, feature, tuple(extra_claims)))
        return feature
    return register


# ---------------------------------------------------------------- PRK, war arena
@_term("PRK", WAR, "cash", "w_prk_cash", "Russian pay for the troops deployed")
def _prk_cash(s, a, p):
    return m.contribution(s, a, p)


@_term("PRK", WAR, "munitions_sales", "w_prk_munitions", "munitions sold to Russia, its largest buyer")
def _prk_munitions(s, a, p):
    return m.shipping(a) * s.munitions_demand


@_term("PRK", WAR, "technology", "w_prk_tech", "sensitive Russian technology, paid only when Russia rewards the troops sent")
def _prk_tech(s, a, p):
    return a.i("RUS", "reward") * m.contribution(s, a, p)


@_term("PRK", WAR, "home_readiness", "w_prk_home", "a large force abroad weakens PRK at home, more so the larger it is")
def _prk_home(s, a, p):
    return -m.contribution(s, a, p) ** 2


@_term("PRK", WAR, "security_guarantee", "w_prk_guarantee",
       "Russia's guarantee, scaled by alliance strength and blood debt; withdrawing while Russia is short puts it at risk",
       "blood_debt.obligation", "treaty.no_expiry")
def _prk_guarantee(s, a, p):
    return m.obligation(s.alliance_strength, s.blood_debt, p) * m.loyalty(s, a, p)


@_term("PRK", WAR, "less_china_dependence", "w_prk_china_hedge", "less dependence on Chinese guarantees as the Russian alliance grows")
def _prk_china(s, a, p):
    return s.alliance_strength * m.loyalty(s, a, p)


@_term("PRK", WAR, "combat_experience", "w_prk_experience", "combat experience and battle-tested missiles, while there is fighting")
def _prk_experience(s, a, p):
    return m.contribution(s, a, p) * s.war_intensity * (1.0 - s.prk_experience)


@_term("PRK", WAR, "casualties", "w_prk_casualty", "cost of expected casualties this month")
def _prk_casualties(s, a, p):
    return -m.expected_casualties(s, a, p)


@_term("PRK", WAR, "blood_investment", "w_prk_blood_investment", "the debt that sacrifice puts Russia in")
def _prk_blood(s, a, p):
    return m.expected_casualties(s, a, p)


@_term("PRK", WAR, "workers_wages", "w_prk_wages", "wages of PRK workers who stay in Russia")
def _prk_wages(s, a, p):
    return s.prk_workers_in_russia / 10.0


@_term("PRK", WAR, "deal_at_risk", "deal_troop_clause", "a US deal in force is put at risk by troops kept fighting for Russia",
       "offer.enhanced_package")
def _prk_deal_risk(s, a, p):
    return -s.us_prk_deal * m.contribution(s, a, p) * m.offer_value(p)


# ---------------------------------------------------------------- RUS, war arena
@_term("RUS", WAR, "manpower", "w_rus_manpower", "PRK troops filling Russia's personnel shortage (less needed after a ceasefire)")
def _rus_manpower(s, a, p):
    return s.personnel_shortage * m.war_factor(s, p) * m.contribution(s, a, p)


@_term("RUS", WAR, "munitions_supply", "w_rus_munitions", "PRK munitions for Russia's war")
def _rus_munitions(s, a, p):
    return s.munitions_demand * m.shipping(a)


@_term("RUS", WAR, "secure_supply", "w_rus_secure", "rewarding a contribution secures the next one, while Russia is short of troops")
def _rus_secure(s, a, p):
    return a.i("RUS", "reward") * m.contribution(s, a, p) * s.personnel_shortage * m.war_factor(s, p)


@_term("RUS", WAR, "technology_cost", "w_rus_tech_cost", "sensitive transfers Russia would not otherwise make")
def _rus_tech_cost(s, a, p):
    return -a.i("RUS", "reward") * m.contribution(s, a, p)


@_term("RUS", WAR, "obligation", "w_rus_obligation", "the burden of Russia's obligation to defend PRK")
def _rus_obligation(s, a, p):
    return -m.obligation(s.alliance_strength, s.blood_debt, p)


@_term("RUS", WAR, "reneging_prk", "w_rus_renege", "a PRK that withdraws while Russia is short of troops")
def _rus_renege(s, a, p):
    return -a.i("PRK", "draw_down") * s.personnel_shortage


# ---------------------------------------------------------------- UKR, war arena
@_term("UKR", WAR, "contested_ground", "w_ukr_territory",
       "ground Ukraine can contest, blunted by PRK reinforcements and its own shortages", "kursk.incursion")
def _ukr_territory(s, a, p):
    blunt = 1.0 - p.prk_reinforcement_effect * np.minimum(m.contribution(s, a, p), 1.0)
    return a.i("UKR", "counter") * s.war_intensity * p.ukr_capability * blunt


@_term("UKR", WAR, "own_losses", "w_ukr_losses", "Ukraine's own losses, higher when it counters")
def _ukr_losses(s, a, p):
    return -s.war_intensity * (0.5 + 0.5 * a.i("UKR", "counter"))


@_term("UKR", WAR, "prk_reinforcement", "w_ukr_prk_threat", "PRK reinforcements strengthening Russia")
def _ukr_prk(s, a, p):
    return -m.contribution(s, a, p) * s.war_intensity


@_term("UKR", WAR, "sidelined", "w_ukr_sidelined", "a US-Russia ceasefire that recognises Russia's gains over Ukraine's head")
def _ukr_sidelined(s, a, p):
    return -s.ceasefire


# ---------------------------------------------------------------- PRK, talks arena
@_term("PRK", TALKS, "sanctions_relief", "w_prk_relief", "sanctions relief the US offers, worth more the harder sanctions bite")
def _prk_relief(s, a, p):
    return m.talks_progress(s, a, p) * p.offer_relief * s.sanctions_pressure


@_term("PRK", TALKS, "recognition", "w_prk_recognition", "recognition as a nuclear-weapon state")
def _prk_recognition(s, a, p):
    return m.talks_progress(s, a, p) * p.offer_recognition


@_term("PRK", TALKS, "normalisation", "w_prk_normalisation", "peace treaty, liaison offices, end of the travel ban")
def _prk_normalisation(s, a, p):
    return m.talks_progress(s, a, p) * p.offer_normalisation


@_term("PRK", TALKS, "forgone_russian_rewards", "w_prk_forgone",
       "Russian rewards a deal covering the troops gives up (less when Russia brokers it)", "hedge.both")
def _prk_forgone(s, a, p):
    return -m.talks_progress(s, a, p) * m.deployment(s) * m.forgone_share(a, p)


@_term("PRK", TALKS, "defying_russia", "w_prk_renege_deal", "a deal made while Russia blocks puts its guarantee at risk",
       "blood_debt.obligation")
def _prk_defy(s, a, p):
    return -m.talks_progress(s, a, p) * a.i("RUS", "block") * m.obligation(s.alliance_strength, s.blood_debt, p)


@_term("PRK", TALKS, "failed_talks", "w_prk_failure", "cost of talks that take place and fail, smaller with Russian backing and sanction evasion")
def _prk_failure(s, a, p):
    return -m.at_table(a) * (1.0 - m.talks_success(s, a, p)) * m.failure_exposure(s, a, p)


@_term("PRK", TALKS, "south_korea_as_partner", "w_prk_kor_partner", "treating South Korea as a partner again to use its shuttle diplomacy")
def _prk_kor(s, a, p):
    return -m.at_table(a) * a.i("KOR", "shuttle")


@_term("PRK", TALKS, "hardline_line", "w_prk_hardline", "coming to the table against the declared hardline")
def _prk_hardline(s, a, p):
    return -a.i("PRK", "engage") * (1.0 - s.ceasefire)


@_term("PRK", TALKS, "dialogue_after_war", "w_prk_dialogue_shift", "once the war ends, talks with the US pay in themselves")
def _prk_dialogue(s, a, p):
    return m.at_table(a) * s.ceasefire


# ---------------------------------------------------------------- USA, talks arena
@_term("USA", TALKS, "deal", "w_usa_deal", "progress towards a freeze, worth more if it brings PRK troops home",
       "deal.cover_troops")
def _usa_deal(s, a, p):
    return m.talks_progress(s, a, p) * (1.0 + p.w_usa_troops_covered * m.deployment(s))


@_term("USA", TALKS, "at_the_table", "w_usa_dialogue", "the administration's wish to be talking")
def _usa_dialogue(s, a, p):
    return a.i("USA", "offer")


@_term("USA", TALKS, "concessions", "w_usa_concession", "what the package concedes, paid as talks progress")
def _usa_concession(s, a, p):
    return -m.talks_progress(s, a, p) * m.offer_generosity(p)


@_term("USA", TALKS, "rebuffed", "w_usa_rebuff", "an offer PRK ignores")
def _usa_rebuff(s, a, p):
    return -a.i("USA", "offer") * a.i("PRK", "refuse")


@_term("USA", TALKS, "pressure", "w_usa_pressure", "keeping sanctions pressure instead of offering")
def _usa_pressure(s, a, p):
    return a.i("USA", "hold") * s.sanctions_pressure


# ---------------------------------------------------------------- RUS, talks arena
@_term("RUS", TALKS, "leverage", "w_rus_leverage", "keeping PRK as leverage by resisting a US wedge")
def _rus_leverage(s, a, p):
    return a.i("RUS", "block") * s.alliance_strength


@_term("RUS", TALKS, "wedge", "w_rus_wedge", "a deal that pulls PRK troops while Russia is short of them", "hedge.both")
def _rus_wedge(s, a, p):
    return -m.talks_progress(s, a, p) * s.personnel_shortage * m.deployment(s) * m.forgone_share(a, p)


@_term("RUS", TALKS, "broker", "w_rus_broker", "standing with Washington as the broker, if it is open to that role")
def _rus_broker(s, a, p):
    return a.i("RUS", "mediate") * s.us_russia_relations * p.mediation_channel


# ---------------------------------------------------------------- KOR, talks arena
@_term("KOR", TALKS, "engagement", "w_kor_engage", "shuttle diplomacy, as an engagement government wants")
def _kor_engage(s, a, p):
    return a.i("KOR", "shuttle") * s.kor_stance


@_term("KOR", TALKS, "deal", "w_kor_deal", "progress towards a US-PRK deal")
def _kor_deal(s, a, p):
    return m.talks_progress(s, a, p)


@_term("KOR", TALKS, "rebuffed", "w_kor_rebuff", "shuttle diplomacy that a PRK treating Seoul as hostile ignores")
def _kor_rebuff(s, a, p):
    return -a.i("KOR", "shuttle") * a.i("PRK", "refuse")


@_term("KOR", TALKS, "deterrence", "w_kor_deter", "deterrence against a better-armed, Russia-backed PRK, as a hardline government wants")
def _kor_deter(s, a, p):
    return a.i("KOR", "deter") * (1.0 - s.kor_stance) * s.alliance_strength * (0.5 + s.tech_transfer)


@_term("KOR", TALKS, "sidelined", "w_kor_sidelined", "Russia taking Seoul's place as broker")
def _kor_sidelined(s, a, p):
    return -a.i("RUS", "mediate") * m.talks_progress(s, a, p)


# ---------------------------------------------------------------- CHN, talks arena
@_term("CHN", TALKS, "stability", "w_chn_stability", "progress towards a deal on the peninsula")
def _chn_stability(s, a, p):
    return m.talks_progress(s, a, p)


@_term("CHN", TALKS, "influence", "w_chn_influence", "sheltering PRK to keep it dependent, harder as it leans on Moscow")
def _chn_influence(s, a, p):
    return a.i("CHN", "shield") * (1.0 - s.alliance_strength)


@_term("CHN", TALKS, "enforcement_cost", "w_chn_enforce_cost", "enforcing sanctions on a neighbour")
def _chn_enforce(s, a, p):
    return -a.i("CHN", "endorse") * s.sanctions_pressure


@_term("CHN", TALKS, "moscow_tied_prk", "w_chn_rival", "a PRK tied to Moscow and armed with Russian technology")
def _chn_rival(s, a, p):
    return -s.alliance_strength * s.tech_transfer


# ---------------------------------------------------------------- evaluation
_TERMS_OF: dict[tuple, tuple[Term, ...]] = {}


def terms_of(actor: str, arena: str | None = None) -> list[Term]:
    key = (actor, arena, len(TERMS))
    out = _TERMS_OF.get(key)
    if out is None:
        out = _TERMS_OF[key] = tuple(t for t in TERMS if t.actor == actor and (arena is None or t.arena == arena))
    return list(out)


_GRIDS: dict[str, Acts] = {}


def _grid(arena: Arena) -> Acts:
    if arena.name not in _GRIDS:
        _GRIDS[arena.name] = Acts.grid(arena)
    return _GRIDS[arena.name]


def arena_context(arena: Arena, s, p):
    """``(state, acts, params)`` for evaluating terms on an arena's whole profile grid.

    State and parameters get unit axes for the players' actions; the grid's
    ``Acts`` is bound to them, so mechanisms shared by several terms (and by
    several players) are computed once per arena and month.
    """
    k = len(arena.players)
    se, pe = s.expand(k), p.expand(k)
    return se, _grid(arena).bind(se, pe), pe


def payoff_tensor(terms, context, shape: tuple[int, ...]) -> np.ndarray:
    """The sum of ``terms`` over an arena's profile grid: an ``(R, a_1, ..., a_k)`` array.

    Each term is evaluated on its own broadcast shape (a term that ignores
    some players' actions has length-1 axes there); terms of the same shape
    are summed first, and each such group is added to the full grid once.
    """
    se, a, pe = context
    groups: dict[tuple[int, ...], np.ndarray] = {}
    for t in terms:
        v = t.value(se, a, pe)
        key = np.shape(v)
        groups[key] = groups[key] + v if key in groups else v
    total = np.zeros(shape)
    for v in groups.values():
        total += v
    return total


def arena_payoffs(arena: Arena, s, p) -> list[np.ndarray]:
    """Payoff tensors of an arena's stage game: one ``(R, a_1, ..., a_k)`` array per player."""
    context = arena_context(arena, s, p)
    shape = (s.n,) + arena.shape
    return [payoff_tensor(terms_of(actor, arena.name), context, shape) for actor in arena.players]


def term_values(actor: str, s, acts: dict[str, Acts], p) -> dict[str, np.ndarray]:
    """Each term of ``actor``'s payoff at realised actions (``acts`` maps arena name to ``Acts``)."""
    n = s.n
    return {t.name: np.broadcast_to(t.value(s, acts[t.arena], p), (n,)).astype(float)
            for t in terms_of(actor)}


def realised_payoff(terms, s, acts: dict[str, Acts], p) -> np.ndarray:
    """The sum of ``terms`` at realised actions, ``(R,)``: ``term_values`` summed in term order."""
    n = s.n
    total = 0
    for t in terms:
        v = np.asarray(t.value(s, acts[t.arena], p), dtype=float)
        total = total + (v if v.shape == (n,) else np.broadcast_to(v, (n,)))
    return total


def realised_payoffs(s, acts: dict[str, Acts], p) -> dict[str, np.ndarray]:
    """Every actor's total payoff at realised actions, ``(R,)`` each."""
    return {actor: realised_payoff(terms_of(actor), s, acts, p) for actor in dict.fromkeys(t.actor for t in TERMS)}


def terms():
    """All payoff terms as a DataFrame: ``actor, arena, term, weight, meaning, claims``."""
    import pandas as pd

    return pd.DataFrame([dict(actor=t.actor, arena=t.arena, term=t.name, weight=t.weight,
                              meaning=t.meaning, claims=", ".join(t.claims)) for t in TERMS])
