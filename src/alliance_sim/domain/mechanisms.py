"""The derived quantities the articles argue about.

Pure functions of the state, the actions and the parameters, shared by the
payoff terms and the transitions so each mechanism is written once. Every
argument may be a scalar, an ``(R,)`` array or an ``(R, a_1, ..., a_k)`` grid.
"""
from __future__ import annotations

import functools

import numpy as np

from .actors import Arena

TROOP_SCALE = 10.0  # thousand troops: the unit of contribution, and where the deployment share is one half


class Acts:
    """Action indicators for one arena: ``acts.i("PRK", "expand")`` is 1.0 where PRK expands.

    ``index[actor]`` is an integer array: a broadcast grid over the arena's
    profiles (``Acts.grid``) or one realised action per replicate.

    ``acts.bind(s, p)`` returns a view that also remembers the mechanisms
    below (``talks_progress`` etc.) computed at that state and those
    parameters, so the payoff terms and the transition that share them
    compute each one once; the values are the same arrays either way.
    """

    __slots__ = ("arena", "index", "_cache", "_memo")

    def __init__(self, arena: Arena, index: dict[str, np.ndarray]):
        self.arena = arena
        self.index = index
        self._cache: dict[tuple[str, str], np.ndarray] = {}
        self._memo = None  # (state, params, {mechanism: value}) of a bound view

    @classmethod
    def grid(cls, arena: Arena) -> "Acts":
        k = len(arena.players)
        index = {}
        for j, (actor, acts) in enumerate(zip(arena.players, arena.actions)):
            shape = (1,) + (1,) * j + (len(acts),) + (1,) * (k - j - 1)
            index[actor] = np.arange(len(acts)).reshape(shape)
        return cls(arena, index)

    def bind(self, s, p) -> "Acts":
        """A view of the same actions that memoises mechanisms evaluated at state ``s`` and parameters ``p``."""
        view = Acts.__new__(Acts)
        view.arena, view.index, view._cache = self.arena, self.index, self._cache
        view._memo = (s, p, {})
        return view

    def i(self, actor: str, action: str) -> np.ndarray:
        key = (actor, action)
        out = self._cache.get(key)
        if out is None:
            a = self.arena.actions_of(actor).index(action)
            out = (self.index[actor] == a).astype(float)
            self._cache[key] = out
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


# --- war arena ---------------------------------------------------------------------------

@_memo
def contribution(s, a: Acts, p) -> np.ndarray:
    """PRK's troop contribution once this month's decision is carried out, in units of 10,000."""
    return troops_after(s, a, p) / TROOP_SCALE


def shipping(a: Acts) -> np.ndarray:
    """1 while PRK keeps munitions flowing, 0 when it draws down."""
    return 1.0 - a.i("PRK", "draw_down")


@_memo
def troops_after(s, a: Acts, p) -> np.ndarray:
    """PRK troops in Russia once this month's deployment decision is carried out."""
    T = s.prk_troops_in_russia
    return T + p.wave_size * a.i("PRK", "expand") - p.drawdown_rate * T * a.i("PRK", "draw_down")


@_memo
def expected_casualties(s, a: Acts, p) -> np.ndarray:
    """Expected PRK casualties this month (thousand): experience cuts the rate, a Ukrainian counter raises it."""
    rate = p.casualty_rate * (1.0 - p.casualty_learning * s.prk_experience)
    counter = 1.0 + p.counter_lethality * a.i("UKR", "counter")
    return rate * troops_after(s, a, p) * s.war_intensity * counter


def war_factor(s, p) -> np.ndarray:
    """How much Russia needs troops: full in war, ``postwar_troop_use`` once the shooting stops."""
    w = s.war_intensity
    return w + (1.0 - w) * p.postwar_troop_use


def blood_debt_share(blood_debt, p) -> np.ndarray:
    """Blood debt as a saturating share in [0, 1)."""
    return blood_debt / (blood_debt + p.blood_debt_half)


def obligation(alliance_strength, blood_debt, p) -> np.ndarray:
    """Russia's obligation to defend PRK: the alliance, deepened by blood debt."""
    return alliance_strength * (1.0 + p.blood_debt_weight * blood_debt_share(blood_debt, p))


@_memo
def loyalty(s, a: Acts, p) -> np.ndarray:
    """Share of Russia's goodwill PRK keeps: withdrawing while Russia is short of troops costs some."""
    return 1.0 - a.i("PRK", "draw_down") * p.prk_renege_penalty * s.personnel_shortage


def deployment(s) -> np.ndarray:
    """Troops in Russia as a saturating share: what a deal covering them must undo."""
    T = s.prk_troops_in_russia
    return T / (T + TROOP_SCALE)


# --- talks arena --------------------------------------------------------------------------

@_memo
def broker_channel(s, a: Acts, p) -> np.ndarray:
    """Multiplier on talks progress from the brokers: Russia (needs US ties) or South Korea (hostage to Seoul's politics)."""
    russia = p.mediation_gain * a.i("RUS", "mediate") * s.us_russia_relations * p.mediation_channel
    korea = p.shuttle_gain * a.i("KOR", "shuttle") * s.kor_stance * (1.0 - p.kor_politics_risk)
    return 1.0 + russia + korea


def at_table(a: Acts) -> np.ndarray:
    """1 where talks take place: the US offers and PRK engages."""
    return a.i("USA", "offer") * a.i("PRK", "engage")


@_memo
def talks_success(s, a: Acts, p) -> np.ndarray:
    """Chance that talks, if they take place this month, make progress."""
    block = 1.0 - p.block_strength * a.i("RUS", "block") * s.personnel_shortage
    china = 1.0 + p.china_gain * a.i("CHN", "endorse")
    return np.minimum(p.base_success * broker_channel(s, a, p) * block * china, 1.0)


@_memo
def talks_progress(s, a: Acts, p) -> np.ndarray:
    """Chance this month's talks make progress: zero unless the US offers and PRK engages."""
    return at_table(a) * talks_success(s, a, p)


@_memo
def failure_exposure(s, a: Acts, p) -> np.ndarray:
    """Share of the cost of failed talks PRK bears after Russian backing and sanction evasion."""
    return (1.0 - p.failure_shield * a.i("RUS", "mediate")) * (1.0 - p.russia_evasion * s.alliance_strength)


def forgone_share(a: Acts, p) -> np.ndarray:
    """Share of Russian rewards a deal costs PRK: less when Russia brokers it and keeps employing PRK troops."""
    return 1.0 - p.hedge_keep * a.i("RUS", "mediate")


def offer_value(p) -> np.ndarray:
    """Utility to PRK of the US package in force, before weighting by progress or pressure."""
    return (p.w_prk_relief * p.offer_relief * p.sanctions_base + p.w_prk_recognition * p.offer_recognition
            + p.w_prk_normalisation * p.offer_normalisation)


def offer_generosity(p) -> np.ndarray:
    return (p.offer_relief + p.offer_recognition + p.offer_normalisation) / 3.0


def sample_actions(probs: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw of one action per replicate from ``probs`` (R, n) with uniforms ``u`` (R,)."""
    cdf = np.cumsum(probs, axis=1)
    return np.minimum((cdf < u[:, None] * cdf[:, -1:]).sum(axis=1), probs.shape[1] - 1)
