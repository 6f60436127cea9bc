"""The mechanisms the articles argue about, as pure functions of state, actions and parameters.

Shared by the payoff terms and the transition so each mechanism is written
once. Every argument may be a scalar, an ``(R,)`` array or an
``(R, a_1, ..., a_k)`` grid over an arena's action profiles.
"""
from __future__ import annotations

import functools

import numpy as np

from .actors import Arena

TROOP_SCALE = 10.0  # thousand troops: the unit of contribution, and where the deployment share is one half


class Acts:
    """Action indicators for one arena: ``acts.i("PRK", "draw_down")`` is 1.0 where PRK draws down.

    ``i`` matches a whole action label (``"draw_down/seoul"``) or one of its
    parts (``"draw_down"``, ``"seoul"``). ``index[actor]`` is an integer
    array: a broadcast grid over the arena's profiles (``Acts.grid``) or one
    realised action per replicate.

    ``acts.bind(s, p)`` returns a view that also remembers the mechanisms
    below computed at that state and those parameters, so the payoff terms
    and the transition that share them compute each one once.
    """

    __slots__ = ("arena", "index", "_cache", "_memo", "_gates", "batch_last")

    def __init__(self, arena: Arena, index: dict[str, np.ndarray], *, batch_last: bool = False):
        self.arena = arena
        self.index = index
        self.batch_last = batch_last  # a grid whose replicate axis is last (``grid(batch_last=True)``)
        self._cache: dict[tuple[str, str], np.ndarray] = {}
        self._memo = None  # (state, params, {mechanism: value}) of a bound view
        self._gates: dict[tuple[str, str], dict] = {}  # indicator caches of the gated views (``gated``)

    @classmethod
    def grid(cls, arena: Arena, *, batch_last: bool = False) -> "Acts":
        """Every action profile of the arena: player ``j``'s index varies along axis ``1 + j``.

        ``batch_last``: along axis ``j`` instead, the replicate axis being the
        last (the layout payoff tensors are computed in; see ``payoffs.arena_context``).
        """
        k = len(arena.players)
        index = {}
        for j, (actor, acts) in enumerate(zip(arena.players, arena.actions)):
            shape = (1,) * j + (len(acts),) + (1,) * (k - j - 1)
            shape = shape + (1,) if batch_last else (1,) + shape
            index[actor] = np.arange(len(acts)).reshape(shape)
        return cls(arena, index, batch_last=batch_last)

    def bind(self, s, p) -> "Acts":
        """A view of the same actions that memoises mechanisms evaluated at state ``s`` and parameters ``p``."""
        view = Acts.__new__(Acts)
        view.arena, view.index, view._cache, view._gates = self.arena, self.index, self._cache, self._gates
        view.batch_last = self.batch_last
        view._memo = (s, p, {})
        return view

    def gated(self, actor: str, action: str) -> "Acts":
        """A view of a bound grid in which ``actor``'s indicator of ``action`` is 1 at every profile.

        For a payoff term that is that indicator times a factor that does not
        depend on it (``Term.gate``): evaluated on this view, the term is the
        factor alone, on a grid without ``actor``'s axis where nothing else
        depends on it, and the term on the whole grid is the indicator times
        it, bitwise (a product with a 0/1 factor is exact in any order).
        Mechanisms are memoised apart from the ungated view's.
        """
        memo = self._memo
        key = ("gated", actor, action)
        view = memo[2].get(key) if memo is not None else None
        if view is None:
            view = Acts.__new__(Acts)
            view.arena, view.index, view._gates, view.batch_last = self.arena, self.index, self._gates, self.batch_last
            cache = self._gates.get((actor, action))
            if cache is None:  # kept with the grid: filled once, reused every month
                ones = np.ones((1,) * np.ndim(self.index[actor]))
                cache = self._gates[(actor, action)] = {(actor, action): ones}
            view._cache = cache
            view._memo = (memo[0], memo[1], {}) if memo is not None else None
            if memo is not None:
                memo[2][key] = view
        return view

    def i(self, actor: str, action: str) -> np.ndarray:
        key = (actor, action)
        out = self._cache.get(key)
        if out is None:
            out = indicator(self.arena, actor, action)[self.index[actor]]
            self._cache[key] = out
        return out


@functools.lru_cache(maxsize=None)
def _indicator(arena: Arena, actor: str, action: str) -> tuple[float, ...]:
    labels = arena.actions_of(actor)
    hits = tuple(1.0 if (label == action or action in label.split("/")) else 0.0 for label in labels)
    if not any(hits):
        raise KeyError(f"{actor} has no action or action part {action!r} in arena {arena.name}: {labels}")
    return hits


@functools.lru_cache(maxsize=None)
def indicator(arena: Arena, actor: str, action: str) -> np.ndarray:
    """1.0 for each of ``actor``'s actions in ``arena`` that is ``action`` or has it as a part (read-only)."""
    out = np.asarray(_indicator(arena, actor, action))
    out.flags.writeable = False  # one array per (arena, actor, action), shared
    return out


def _memo(fn):
    """Remember ``fn(s, a, p)`` on a bound ``Acts`` view (``Acts.bind``) for that very ``s`` and ``p``."""
    key = fn.__name__

    @functools.wraps(fn)
    def wrapper(s, a, p):
        memo = a._memo
        if memo is None or memo[0] is not s or memo[1] is not p:
            return fn(s, a, p)
        out = memo[2].get(key)
        if out is None:
            out = memo[2][key] = fn(s, a, p)
        return out

    return wrapper


# --- the deployment and the war --------------------------------------------------------------

@_memo
def troops_after(s, a: Acts, p) -> np.ndarray:
    """PRK troops in Russia once this month's deployment decision is carried out (thousand)."""
    T = s.prk_troops_in_russia
    return T + p.wave_size * a.i("PRK", "expand") - p.drawdown_rate * T * a.i("PRK", "draw_down")


@_memo
def contribution(s, a: Acts, p) -> np.ndarray:
    """PRK's troop contribution after this month's decision, in units of 10,000."""
    return troops_after(s, a, p) / TROOP_SCALE


def troop_demand(s, p) -> np.ndarray:
    """How many PRK troops Russia needs (in 10,000s): it pays for no more, less once the shooting stops."""
    return p.troop_demand * s.personnel_shortage * war_factor(s, p)


def _paid(c, demand):
    d = np.maximum(demand, 1e-9)
    return d * -np.expm1(-c / d)


@_memo
def paid_contribution(s, a: Acts, p) -> np.ndarray:
    """The part of PRK's contribution Russia needs and pays for (10,000s): near ``contribution`` while
    below Russia's demand, saturating at it."""
    return _paid(contribution(s, a, p), troop_demand(s, p))


@_memo
def needed_share(s, a: Acts, p) -> np.ndarray:
    """Share of PRK's troops that serve a need of Russia's (1 while below its demand)."""
    c = contribution(s, a, p)
    return np.where(c > 0, paid_contribution(s, a, p) / np.maximum(c, 1e-12), 1.0)


@_memo
def withheld(s, a: Acts, p) -> np.ndarray:
    """Needed troops this month's decision takes away from Russia (10,000s): what a drawdown costs it."""
    return np.maximum(paid_now(s, p) - paid_contribution(s, a, p), 0.0)


@_memo
def expected_casualties(s, a: Acts, p) -> np.ndarray:
    """Expected PRK casualties this month (thousand): experience cuts the rate, Ukrainian counters raise it."""
    rate = p.casualty_rate * (1.0 - p.casualty_learning * s.prk_experience)
    return rate * troops_after(s, a, p) * s.war_intensity * (1.0 + p.counter_lethality * s.ukr_pressure)


def war_factor(s, p) -> np.ndarray:
    """How much Russia needs troops: full in war, ``postwar_troop_use`` once the shooting stops."""
    w = s.war_intensity
    return w + (1.0 - w) * p.postwar_troop_use


def deployment(s) -> np.ndarray:
    """Troops in Russia as a saturating share: what a deal covering them must undo."""
    T = s.prk_troops_in_russia
    return T / (T + TROOP_SCALE)


def blood_debt_share(s, p) -> np.ndarray:
    """Blood debt as a share in [0, 1): half at ``blood_debt_half`` thousand casualties owed."""
    return s.blood_debt / (s.blood_debt + p.blood_debt_half)


def obligation(s, p) -> np.ndarray:
    """Russia's obligation to PRK: the alliance, deepened by the blood debt it owes."""
    return s.alliance_strength * (1.0 + p.blood_debt_weight * blood_debt_share(s, p))


@_memo
def defiance(s, a: Acts, p) -> np.ndarray:
    """How far PRK acts against Russia's wishes: withdrawing troops Russia needs (as a share of its
    need), or talking through Seoul while Russia blocks."""
    return withheld(s, a, p) / np.maximum(troop_demand(s, p), 1e-9) + a.i("PRK", "seoul") * a.i("RUS", "block")


# --- the talks ----------------------------------------------------------------------------------

def engaging(a: Acts) -> np.ndarray:
    """1 where PRK answers the US through a channel rather than refusing."""
    return 1.0 - a.i("PRK", "refuse")


def at_table(a: Acts) -> np.ndarray:
    """1 where talks take place: the US tables its offer and PRK answers."""
    return a.i("USA", "offer") * engaging(a)


def russian_backing(a: Acts) -> np.ndarray:
    """1 where PRK talks through Russia and Russia mediates."""
    return a.i("PRK", "russia") * a.i("RUS", "mediate")


@_memo
def channel(s, a: Acts, p) -> np.ndarray:
    """How well PRK's chosen channel carries talks: Russia's (closed if it blocks; better with US ties and
    its information) or Seoul's (hostage to Seoul's politics, undermined by a blocking Russia)."""
    russia = russian_backing(a) * (1.0 + p.mediation_gain * s.us_russia_relations * p.mediation_channel)
    block = 1.0 - p.block_strength * a.i("RUS", "block") * s.personnel_shortage
    seoul = a.i("PRK", "seoul") * (1.0 + p.shuttle_gain * s.seoul_channel * s.kor_stance
                                   * (1.0 - p.kor_politics_risk)) * block
    return russia + seoul


@_memo
def talks_success(s, a: Acts, p) -> np.ndarray:
    """Chance that this month's talks, if they take place, make progress.

    The deal must cover the troops: the US makes no progress while PRK keeps
    its deployment in Russia; China's endorsement helps.
    """
    cover = 1.0 - p.troop_clause * deployment(s) * (1.0 - a.i("PRK", "draw_down"))
    china = 1.0 + p.china_gain * s.china_posture
    return np.minimum(p.base_success * channel(s, a, p) * cover * china, 1.0)


@_memo
def talks_progress(s, a: Acts, p) -> np.ndarray:
    """Chance this month's talks make progress: zero unless the US offers and PRK answers."""
    return a.i("USA", "offer") * talks_success(s, a, p)


@_memo
def failure_exposure(s, a: Acts, p) -> np.ndarray:
    """Share of the cost of failed talks PRK bears after Russian backing and sanction evasion."""
    return (1.0 - p.failure_shield * russian_backing(a)) * (1.0 - p.russia_evasion * s.alliance_strength)


def forgone_share(s, a: Acts, p) -> np.ndarray:
    """Share of the exchange a deal ends: less when, after a US-Russia settlement, Russia brokers the deal
    and keeps employing PRK troops and workers."""
    return 1.0 - p.hedge_keep * russian_backing(a) * s.ceasefire


def paid_now(s, p) -> np.ndarray:
    """The part of the troops now in Russia that Russia needs and pays for (10,000s)."""
    return _paid(s.prk_troops_in_russia / TROOP_SCALE, troop_demand(s, p))


def rewards_flow(s, p) -> np.ndarray:
    """What the exchange pays PRK a month at today's deployment (utility): cash, and technology at the shortage."""
    return (p.w_prk_cash + p.w_prk_tech * s.personnel_shortage) * paid_now(s, p)


def manpower_flow(s, p) -> np.ndarray:
    """What PRK's troops are worth to Russia a month at today's deployment, shortage and war (utility)."""
    return p.w_rus_secure * paid_now(s, p) * s.personnel_shortage * war_factor(s, p)


def offer_value(p) -> np.ndarray:
    """Utility to PRK of the US package in force, before weighting by progress."""
    return (p.w_prk_relief * p.offer_relief * p.sanctions_base + p.w_prk_recognition * p.offer_recognition
            + p.w_prk_normalisation * p.offer_normalisation)


def offer_generosity(p) -> np.ndarray:
    return (p.offer_relief + p.offer_recognition + p.offer_normalisation) / 3.0


def settlement_stake(s, p) -> np.ndarray:
    """What a US-Russia settlement puts on the table: more of Russia's gains recognised the further it is ahead."""
    return 1.0 + p.strength_premium * s.front


# --- the crisis ----------------------------------------------------------------------------------

def honouring(a: Acts) -> np.ndarray:
    """How fully Russia honours the treaty: 1, 0.5 (limited), 0 (abandons)."""
    return a.i("RUS", "honour") + 0.5 * a.i("RUS", "limited")


def in_scope(s, p) -> np.ndarray:
    """Share of Russia's obligation that applies: all of it within PRK's recognised borders."""
    return 1.0 - (1.0 - p.beyond_borders_share) * s.crisis_scope


def sample_actions(probs: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw of one action per replicate from ``probs`` (R, n) with uniforms ``u`` (R,)."""
    cdf = np.cumsum(probs, axis=1)
    return np.minimum((cdf < u[:, None] * cdf[:, -1:]).sum(axis=1), probs.shape[1] - 1)
