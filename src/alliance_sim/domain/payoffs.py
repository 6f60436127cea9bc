"""Each actor's payoff as a sum of named, cited terms.

A term is ``weight * feature(state, acts, params)``: the weight is a parameter
(with its range and claims), the feature a pure function vectorised over the
replicate axis and over an arena's profile grid. A term belongs to one arena,
so an arena's payoff tensors are the sums of its terms; terms that do not
depend on the actor's own action still count in its payoff, not its choice.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import mechanisms as m
from .actors import BARGAIN, CRISIS, FRONT, Arena
from .mechanisms import Acts, indicator
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
    #: ``(actor, action)`` if the feature is that action's indicator times a factor that does not
    #: depend on it (e.g. anything paid as talks progress, which needs a US offer): payoff tensors
    #: then evaluate the factor alone, on a smaller grid (``payoff_tensor``). Performance only.
    gate: tuple[str, str] | None = None

    @property
    def claims(self) -> tuple[str, ...]:
        seen = dict.fromkeys(PARAMETERS[self.weight].claims + self.extra_claims)
        return tuple(seen)

    def value(self, s, a: Acts, p) -> np.ndarray:
        return getattr(p, self.weight) * self.feature(s, a, p)


TERMS: list[Term] = []


def _term(actor: str, arena: Arena, name: str, weight: str, meaning: str, *extra_claims: str, gate=None):
    def register(feature):
        TERMS.append(Term(actor, arena.name, name, weight, meaning, feature, tuple(extra_claims), gate))
        return feature
    return register


OFFER = ("USA", "offer")  # the gate of the terms paid as talks progress (``Term.gate``)

# Each term: the actor, its arena, a name, its weight parameter (whose claims argue the term), what it
# means, and extra claims that argue its shape. Sign conventions are in the feature: a cost is negative.

# ---------------------------------------------------------------- PRK, the bargain
@_term("PRK", BARGAIN, "cash", "w_prk_cash", "Russian pay for the troops deployed")
def _prk_cash(s, a, p):
    return m.paid_contribution(s, a, p)


@_term("PRK", BARGAIN, "technology", "w_prk_tech",
       "sensitive Russian technology, paid when Russia rewards, the more the shorter of troops Russia is")
def _prk_tech(s, a, p):
    return a.i("RUS", "reward") * m.paid_contribution(s, a, p) * s.personnel_shortage


@_term("PRK", BARGAIN, "combat_experience", "w_prk_experience",
       "combat experience and battle-tested missiles, while there is fighting")
def _prk_experience(s, a, p):
    return m.contribution(s, a, p) * s.war_intensity * (1.0 - s.prk_experience)


@_term("PRK", BARGAIN, "casualties", "w_prk_casualty", "its expected casualties this month")
def _prk_casualties(s, a, p):
    return -m.expected_casualties(s, a, p)


@_term("PRK", BARGAIN, "debt_investment", "w_prk_debt_investment",
       "the claim on Moscow its casualties in Russia's service create, worth what the alliance is worth",
       "blood_debt.obligation")
def _prk_debt_investment(s, a, p):
    return m.expected_casualties(s, a, p) * m.needed_share(s, a, p) * s.alliance_strength


@_term("PRK", BARGAIN, "guarantee_at_risk", "w_prk_guarantee",
       "Russia's guarantee, deepened by the blood debt, put at risk by acting against Russia's wishes",
       "blood_debt.obligation")
def _prk_guarantee(s, a, p):
    return -m.obligation(s, p) * m.defiance(s, a, p)


@_term("PRK", BARGAIN, "sanctions_relief", "w_prk_relief",
       "sanctions relief the US offers, worth more the harder sanctions bite", gate=OFFER)
def _prk_relief(s, a, p):
    return m.talks_progress(s, a, p) * p.offer_relief * s.sanctions_pressure


@_term("PRK", BARGAIN, "recognition", "w_prk_recognition", "recognition as a nuclear-weapon state", gate=OFFER)
def _prk_recognition(s, a, p):
    return m.talks_progress(s, a, p) * p.offer_recognition


@_term("PRK", BARGAIN, "normalisation", "w_prk_normalisation", "peace treaty, liaison offices, end of the travel ban", gate=OFFER)
def _prk_normalisation(s, a, p):
    return m.talks_progress(s, a, p) * p.offer_normalisation


@_term("PRK", BARGAIN, "forgone_russian_rewards", "w_prk_forgone",
       "the months of Russian rewards a deal covering the troops gives up (less if, after a US-Russia "
       "settlement, Russia brokers it)", "hedge.both", "exchange.sensitive_tech", gate=OFFER)
def _prk_forgone(s, a, p):
    return -m.talks_progress(s, a, p) * m.rewards_flow(s, p) * m.forgone_share(s, a, p)


@_term("PRK", BARGAIN, "freeze", "w_prk_freeze", "the freeze of its nuclear programme a deal asks for", gate=OFFER)
def _prk_freeze(s, a, p):
    return -m.talks_progress(s, a, p)


@_term("PRK", BARGAIN, "failed_talks", "w_prk_failure",
       "talks that take place and fail bring tighter enforcement, less with Russian backing and sanction evasion",
       gate=OFFER)
def _prk_failure(s, a, p):
    return -m.at_table(a) * (1.0 - m.talks_success(s, a, p)) * m.failure_exposure(s, a, p)


@_term("PRK", BARGAIN, "seoul_as_partner", "w_prk_kor_partner",
       "treating South Korea as a partner again to use its channel, easier with an engagement government in Seoul",
       "kor.liberal_win")
def _prk_kor(s, a, p):
    return -a.i("PRK", "seoul") * (1.0 - p.partner_ease * s.kor_stance)


@_term("PRK", BARGAIN, "hardline", "w_prk_hardline",
       "answering the US against its declared hardline; a settlement of the war eases the turn to dialogue",
       "talks.dialogue_shift")
def _prk_hardline(s, a, p):
    return -m.engaging(a) * (1.0 - p.dialogue_shift * s.ceasefire)


@_term("PRK", BARGAIN, "deal_at_risk", "w_prk_deal_breach",
       "a deal in force is put at risk by troops kept in Russia", "offer.enhanced_package")
def _prk_deal_risk(s, a, p):
    return -s.us_prk_deal * (1.0 - a.i("PRK", "draw_down")) * m.deployment(s) * m.offer_value(p)


# ---------------------------------------------------------------- RUS, the bargain
@_term("RUS", BARGAIN, "secure_supply", "w_rus_secure",
       "rewarding the troops sent secures more of them, while Russia is short of soldiers")
def _rus_secure(s, a, p):
    return a.i("RUS", "reward") * m.paid_contribution(s, a, p) * s.personnel_shortage * m.war_factor(s, p)


@_term("RUS", BARGAIN, "technology_cost", "w_rus_tech_cost", "sensitive transfers Russia would not otherwise make")
def _rus_tech_cost(s, a, p):
    return -a.i("RUS", "reward") * m.paid_contribution(s, a, p)


@_term("RUS", BARGAIN, "wedge", "w_rus_wedge",
       "the months of PRK manpower a US-PRK deal pulls home while Russia is short of soldiers (less if, "
       "after a settlement, Russia brokers it and keeps employing them)", "hedge.both", "shortage.persists",
       gate=OFFER)
def _rus_wedge(s, a, p):
    return -m.talks_progress(s, a, p) * m.manpower_flow(s, p) * m.forgone_share(s, a, p)


@_term("RUS", BARGAIN, "leverage", "w_rus_leverage", "keeping PRK as leverage by blocking a US wedge")
def _rus_leverage(s, a, p):
    return a.i("RUS", "block") * s.alliance_strength


@_term("RUS", BARGAIN, "broker", "w_rus_broker", "standing as the broker of US-PRK talks, as far as US ties allow")
def _rus_broker(s, a, p):
    return a.i("RUS", "mediate") * s.us_russia_relations * p.mediation_channel


@_term("RUS", BARGAIN, "settlement", "w_rus_settlement",
       "what Russia gets on the US-Russia track when it cooperates on PRK; worth more the further ahead it is",
       "russia.negotiate_from_strength")
def _rus_settlement(s, a, p):
    return a.i("USA", "track") * a.i("RUS", "mediate") * m.settlement_stake(s, p)


@_term("RUS", BARGAIN, "blood_debt_owed", "w_rus_obligation",
       "what abandoning PRK costs Russia as its blood debt grows: withholding rewards from troops that bled, "
       "blocking talks PRK wants through Moscow", "blood_debt.symbolic_debt")
def _rus_obligation(s, a, p):
    owed = m.blood_debt_share(s, p)
    return -owed * (a.i("RUS", "restrain") * m.paid_contribution(s, a, p) + a.i("RUS", "block") * a.i("PRK", "russia"))


# ---------------------------------------------------------------- USA, the bargain
@_term("USA", BARGAIN, "deal", "w_usa_deal", "progress towards a freeze, worth more if it brings PRK troops home",
       "deal.cover_troops", gate=OFFER)
def _usa_deal(s, a, p):
    return m.talks_progress(s, a, p) * (1.0 + p.w_usa_troops_covered * m.deployment(s))


@_term("USA", BARGAIN, "at_the_table", "w_usa_dialogue", "the administration's wish to be talking")
def _usa_dialogue(s, a, p):
    return a.i("USA", "offer")


@_term("USA", BARGAIN, "concessions", "w_usa_concession", "what the package concedes, paid as talks progress", gate=OFFER)
def _usa_concession(s, a, p):
    return -m.talks_progress(s, a, p) * m.offer_generosity(p)


@_term("USA", BARGAIN, "rebuffed", "w_usa_rebuff", "an offer PRK ignores")
def _usa_rebuff(s, a, p):
    return -a.i("USA", "offer") * a.i("PRK", "refuse")


@_term("USA", BARGAIN, "russia_track_cost", "w_usa_track_cost",
       "moving on the US-Russia track recognises Russia's gains, more the further ahead it is, over Ukraine's head",
       "ceasefire.less_troop_demand")
def _usa_track_cost(s, a, p):
    return -a.i("USA", "track") * m.settlement_stake(s, p)


@_term("USA", BARGAIN, "russian_cooperation", "w_usa_russia_coop",
       "Russia cooperating on the track: the war ending and Moscow no longer in the way of a PRK deal",
       "deal.must_respect_russia")
def _usa_russia_coop(s, a, p):
    return a.i("USA", "track") * a.i("RUS", "mediate")


# ---------------------------------------------------------------- UKR, KOR, CHN: the front
@_term("UKR", FRONT, "contested_ground", "w_ukr_territory",
       "ground Ukraine can contest, blunted by the PRK forces present", "kursk.prk_key_element")
def _ukr_territory(s, a, p):
    blunt = 1.0 - p.prk_reinforcement_effect * m.deployment(s)
    return a.i("UKR", "counter") * s.war_intensity * p.ukr_capability * blunt


@_term("UKR", FRONT, "own_losses", "w_ukr_losses", "Ukraine's losses in counter-attacks")
def _ukr_losses(s, a, p):
    return -a.i("UKR", "counter") * s.war_intensity


@_term("KOR", FRONT, "engagement", "w_kor_engage", "shuttle diplomacy, as an engagement government wants")
def _kor_engage(s, a, p):
    return a.i("KOR", "shuttle") * s.kor_stance


@_term("KOR", FRONT, "rebuffed", "w_kor_rebuff",
       "shuttle diplomacy that a PRK treating Seoul as hostile ignores while talks are stalled")
def _kor_rebuff(s, a, p):
    return -a.i("KOR", "shuttle") * (1.0 - s.us_prk_talks)


@_term("KOR", FRONT, "deterrence", "w_kor_deter",
       "deterrence against a PRK armed with Russian technology, as a hardline government wants")
def _kor_deter(s, a, p):
    return a.i("KOR", "deter") * (1.0 - s.kor_stance) * s.alliance_strength * s.tech_transfer


@_term("CHN", FRONT, "deal_support", "w_chn_deal", "backing a US-PRK deal once talks move")
def _chn_deal(s, a, p):
    return a.i("CHN", "endorse") * s.us_prk_talks


@_term("CHN", FRONT, "patron_rivalry", "w_chn_rivalry",
       "sheltering PRK to compete with Moscow for it, the more so the closer PRK is to Russia")
def _chn_rivalry(s, a, p):
    return a.i("CHN", "shield") * s.alliance_strength


# ---------------------------------------------------------------- RUS, a Korean crisis
@_term("RUS", CRISIS, "treaty_commitment", "w_rus_commitment",
       "keeping the treaty's promise of aid when PRK is attacked, deepened by blood debt, within PRK's borders",
       "blood_debt.obligation", "troops.not_donbass", "guarantee.aid_if_attacked")
def _rus_commitment(s, a, p):
    return s.crisis * m.honouring(a) * m.in_scope(s, p) * m.obligation(s, p)


@_term("RUS", CRISIS, "cost_of_intervening", "w_rus_intervention_cost",
       "fighting in Korea while short of soldiers for Ukraine")
def _rus_intervention(s, a, p):
    return -s.crisis * m.honouring(a) * (1.0 + s.personnel_shortage * m.war_factor(s, p))


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
        _GRIDS[arena.name] = Acts.grid(arena, batch_last=True)
    return _GRIDS[arena.name]


def _batch_last(bag, k: int):
    """The bag with each replicate array ``(R,)`` reshaped to ``(1, ..., 1, R)`` (``k`` unit axes first).

    Remembered in the bag's cache of expansions (bags are immutable), like ``Bag.expand``.
    """
    key = ("batch_last", k)
    out = bag._expanded.get(key)
    if out is None:
        head = (1,) * k
        out = type(bag)({n: (v.reshape(head + v.shape) if isinstance(v, np.ndarray) else v)
                         for n, v in bag._values.items()})
        bag._expanded[key] = out
    return out


def arena_context(arena: Arena, s, p):
    """``(state, acts, params)`` for evaluating terms on an arena's whole profile grid.

    State and parameters get unit axes for the players' actions; the grid's
    ``Acts`` is bound to them, so mechanisms shared by several terms (and by
    several players) are computed once per arena and month. The replicate
    axis comes last (state ``(1, ..., 1, R)``, grid ``(a_1, ..., a_k, 1)``):
    every operation then runs over contiguous replicates, and the solvers
    read each action's slice contiguously; ``payoff_tensor`` returns the
    usual ``(R, a_1, ..., a_k)`` view. The layout changes no value.
    """
    k = len(arena.players)
    se, pe = _batch_last(s, k), _batch_last(p, k)
    return se, _grid(arena).bind(se, pe), pe


GATE_MIN_REPLICATES = 32  # below this, gated terms are evaluated on the whole grid (less Python overhead)


def payoff_tensor(terms, context, shape: tuple[int, ...], *, keep: dict | None = None) -> np.ndarray:
    """The sum of ``terms`` over an arena's profile grid: an ``(R, a_1, ..., a_k)`` array.

    Each term is evaluated on its own broadcast shape (a term that ignores
    some players' actions has length-1 axes there); terms of the same shape
    are summed first, in term order, and the groups are summed in the order
    they first appear, starting from zero.

    Bitwise the same as adding each group to a zero grid, but cheaper: the
    running sum is kept on the smallest grid the groups so far need, and a
    group whose terms all have the same ``gate`` is evaluated without the
    gate (``Acts.gated``) and added only where the gate is open (elsewhere
    it is an exact zero, and adding zero to a sum started from ``+0`` changes
    no bit).

    ``keep``: a dict that receives each term's value on the grid, ``{id(term):
    (value, gate)}``, for ``realised_payoff`` to read the realised payoffs from.
    """
    se, a, pe = context
    # Gating saves arithmetic, which only pays for itself over enough replicates (both ways are bitwise equal).
    gating = a._memo is not None and shape[0] >= GATE_MIN_REPLICATES
    groups: dict[tuple[int, ...], list] = {}  # shape -> [sum, gate or None, gate's indicator shape]
    for t in terms:
        if t.gate is not None and gating:
            v = t.value(se, a.gated(*t.gate), pe)
            gate = t.gate
            gate_shape = np.shape(a.i(*gate))
            key = _broadcast_shapes(np.shape(v), gate_shape)
        else:
            v, gate, gate_shape = t.value(se, a, pe), None, None
            key = np.shape(v)
        if keep is not None:
            keep[id(t)] = (v, gate)
        g = groups.get(key)
        if g is None:
            groups[key] = [v, gate, gate_shape]
            continue
        if g[1] != gate:  # a group mixing gates (or gated and not): materialise the gated parts exactly
            g[0] = _ungate(g[0], g[1], a)
            v, g[1] = _ungate(v, gate, a), None
        g[0] = g[0] + v
    acc = None
    for key, (v, gate, gate_shape) in groups.items():
        if gate is None:
            acc = 0.0 + v if acc is None else acc + v
            continue
        acc = _add_gated(acc, v, key, gate, gate_shape, a.arena)
    full = tuple(shape[1:]) + tuple(shape[:1]) if a.batch_last else tuple(shape)
    if acc is None:
        out = np.zeros(full)
    elif np.shape(acc) == full and acc.flags.writeable and acc.flags.owndata:
        out = acc
    else:
        out = np.array(np.broadcast_to(acc, full))
    return out.transpose(_batch_first(out.ndim)) if a.batch_last else out


@functools.lru_cache(maxsize=None)
def _broadcast_shapes(*shapes) -> tuple[int, ...]:
    return np.broadcast_shapes(*shapes)


@functools.lru_cache(maxsize=None)
def _batch_first(ndim: int) -> tuple[int, ...]:
    """Axes that move the last (replicate) axis first: ``np.moveaxis(x, -1, 0)`` as a transpose."""
    return (ndim - 1,) + tuple(range(ndim - 1))


def _add_gated(acc, v, key, gate, gate_shape, arena) -> np.ndarray:
    """``acc`` plus a gated group ``v`` where its gate is open, as a new array on the grid both need.

    Written one slice of the gate's axis at a time. Where the gate is closed
    the group is an exact zero: ``acc`` is copied.
    """
    full = _broadcast_shapes(key, acc.shape) if acc is not None else key
    out = np.empty(full)
    axis = next(k for k, n in enumerate(gate_shape) if n > 1)
    head = (slice(None),) * axis
    is_open = indicator(arena, *gate)
    acc_rows = acc is not None and acc.shape[axis] > 1
    v_rows = np.shape(v)[axis] > 1
    for row in range(full[axis]):
        base = 0.0 if acc is None else acc[head + ((row if acc_rows else 0),)]
        if is_open[row]:
            np.add(base, v[head + ((row if v_rows else 0),)], out=out[head + (row,)])
        else:
            out[head + (row,)] = base
    return out


def _ungate(v, gate, a: Acts):
    """A gated term's value on the whole grid: the gate's indicator times it (exact: a 0/1 factor)."""
    return v if gate is None else a.i(*gate) * v


def arena_payoffs(arena: Arena, s, p) -> list[np.ndarray]:
    """Payoff tensors of an arena's stage game: one ``(R, a_1, ..., a_k)`` array per player."""
    context = arena_context(arena, s, p)
    shape = (s.n,) + arena.shape
    return [payoff_tensor(terms_of(actor, arena.name), context, shape) for actor in arena.players]


def term_values(actor: str, s, acts: dict[str, Acts], p) -> dict[str, np.ndarray]:
    """Each term of ``actor``'s payoff at realised actions (``acts`` maps arena name to ``Acts``)."""
    n = s.n
    return {t.name: (np.broadcast_to(t.value(s, acts[t.arena], p), (n,)).astype(float) if t.arena in acts
                     else np.zeros(n)) for t in terms_of(actor)}


def realised_payoff(terms, s, acts: dict[str, Acts], p, on_grid: dict | None = None) -> np.ndarray:
    """The sum of ``terms`` at realised actions, ``(R,)``: ``term_values`` summed in term order.

    Terms of an arena not played this month (absent from ``acts``) count zero.
    ``on_grid`` (from ``payoff_tensor(..., keep=)``, at the same state and
    parameters) holds the terms' values on the grids of this month's games:
    a term's value is then read at the realised profile rather than computed
    again, bitwise the same (the grid computes each profile with the same
    operations; a gated term is its gate's 0/1 indicator times the value read).
    """
    n = s.n
    total = np.zeros(n)
    for t in terms:
        if t.arena not in acts:
            continue
        kept = on_grid.get(id(t)) if on_grid is not None else None
        if kept is None:
            v = np.asarray(t.value(s, acts[t.arena], p), dtype=float)
        else:
            v = _at_profile(kept, acts[t.arena], n)
        total = total + (v if v.shape == (n,) else np.broadcast_to(v, (n,)))
    return total


_ROWS: dict[int, np.ndarray] = {}


def _at_profile(kept, acts: Acts, n: int) -> np.ndarray:
    """A term's grid value (batch-last, from ``payoff_tensor``) at the realised actions ``acts``."""
    v, gate = kept
    if isinstance(v, np.ndarray) and v.ndim:
        shape = v.shape
        if n == 1:  # one replicate: plain integer indexing
            idx = tuple(int(acts.index[c][0]) if shape[j] > 1 else 0 for j, c in enumerate(acts.arena.players))
            v = v[idx + (slice(None),)]
        else:
            rows = _ROWS.get(n)
            if rows is None:
                rows = _ROWS[n] = np.arange(n)
            idx = tuple(acts.index[c] if shape[j] > 1 else 0 for j, c in enumerate(acts.arena.players))
            v = v[idx + ((rows if shape[-1] > 1 else 0),)]
    else:
        v = np.asarray(v, dtype=float)
    return v if gate is None else v * acts.i(*gate)


def realised_payoffs(s, acts: dict[str, Acts], p) -> dict[str, np.ndarray]:
    """Every actor's total payoff at realised actions, ``(R,)`` each."""
    return {actor: realised_payoff(terms_of(actor), s, acts, p) for actor in dict.fromkeys(t.actor for t in TERMS)}


def terms():
    """All payoff terms as a DataFrame: ``actor, arena, term, weight, meaning, claims``."""
    import pandas as pd

    return pd.DataFrame([dict(actor=t.actor, arena=t.arena, term=t.name, weight=t.weight,
                              meaning=t.meaning, claims=list(t.claims)) for t in TERMS])
