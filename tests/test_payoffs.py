"""Property tests: the payoffs and transitions keep the articles' arguments.

Each property names the claims it rests on. Parameters range over their whole
plausible box, states over wide plausible ranges.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import alliance_sim as a
from alliance_sim.domain import mechanisms as m
from alliance_sim.domain.actors import ACTORS, ARENAS, TALKS, WAR
from alliance_sim.domain.dynamics import transition
from alliance_sim.domain.mechanisms import Acts
from alliance_sim.domain.metrics import DERIVED
from alliance_sim.domain.parameters import Params
from alliance_sim.domain.payoffs import TERMS, arena_payoffs, term_values, terms_of

from _strategies import params, profiles, states

ARENA = {ar.name: ar for ar in ARENAS}


def acts_for(profile):
    return {name: Acts(ARENA[name], {c: np.array([i]) for c, i in idx.items()}) for name, idx in profile.items()}


def with_action(profile, arena, actor, action):
    out = {k: dict(v) for k, v in profile.items()}
    out[arena][actor] = ARENA[arena].actions_of(actor).index(action)
    return out


def total(actor, s, profile, p, arena=None):
    vals = term_values(actor, s, acts_for(profile), p)
    names = {t.name for t in terms_of(actor, arena)}
    return float(sum(v[0] for k, v in vals.items() if k in names))


def no_noise(n=1, z_casualty=0.0):
    return {"z_casualty": np.full(n, z_casualty), "z_war": np.zeros(n), "u_deal": np.ones(n)}


# --------------------------------------------------------------------- structure
@given(p=params(), data=st.data())
def test_arena_tensors_are_exactly_the_sum_of_the_terms(p, data):
    """The stage-game payoff at a profile equals the sum of the actor's terms there."""
    s = data.draw(states(p))
    prof = data.draw(profiles())
    for arena in ARENAS:
        tensors = arena_payoffs(arena, s, p)
        idx = tuple(prof[arena.name][c] for c in arena.players)
        for actor, U in zip(arena.players, tensors):
            assert U[(0,) + idx] == pytest.approx(total(actor, s, prof, p, arena.name), rel=1e-12, abs=1e-12)


@given(p=params(), data=st.data())
def test_payoffs_are_finite_everywhere_in_the_box(p, data):
    s = data.draw(states(p))
    for arena in ARENAS:
        for U in arena_payoffs(arena, s, p):
            assert np.all(np.isfinite(U))


def test_every_actor_has_terms_and_actions_in_an_arena():
    assert {t.actor for t in TERMS} == set(ACTORS)
    assert set(ACTORS) == {c for ar in ARENAS for c in ar.players}


def test_terms_table_lists_every_term_with_claims():
    df = a.terms()
    assert len(df) == len(TERMS) and df["claims"].str.len().min() > 0


# --------------------------------------------------------------------- the articles
@given(p=params(), data=st.data(), lo=st.floats(0, 1), hi=st.floats(0, 1))
def test_more_sanctions_relief_never_lowers_prk_payoff_from_a_deal(p, data, lo, hi):
    """offer.outweighed, history.russia_enforced: relief is worth something to PRK, never a cost.

    PRK's payoff from a deal is its talks-arena payoff at the table. (With a deal
    already in force, more relief does make keeping troops in Russia costlier,
    through ``deal_at_risk``: that is the deal's troop clause working.)
    """
    lo, hi = sorted((lo, hi))
    s = data.draw(states(p))
    prof = with_action(with_action(data.draw(profiles()), "talks", "USA", "offer"), "talks", "PRK", "engage")
    assert (total("PRK", s, prof, p.replace(offer_relief=hi), "talks")
            >= total("PRK", s, prof, p.replace(offer_relief=lo), "talks") - 1e-12)


@given(p=params(), data=st.data(), z1=st.floats(-3, 3), z2=st.floats(-3, 3))
def test_more_casualties_never_lower_blood_debt_nor_russias_obligation(p, data, z1, z2):
    """blood_debt.obligation, blood_debt.symbolic_debt: sacrifice puts Russia in debt."""
    s = data.draw(states(p))
    prof = acts_for(data.draw(profiles()))
    z1, z2 = sorted((z1, z2))
    low, c_low = transition(s, prof["war"], prof["talks"], p, no_noise(z_casualty=z1))
    high, c_high = transition(s, prof["war"], prof["talks"], p, no_noise(z_casualty=z2))
    assert c_high[0] >= c_low[0]
    assert high.blood_debt[0] >= low.blood_debt[0]
    obligation = DERIVED["russia_obligation"][2]
    assert obligation(high, p)[0] >= obligation(low, p)[0] - 1e-12


@given(p=params(), data=st.data(), x=st.floats(0, 1), y=st.floats(0, 1))
def test_larger_personnel_shortage_never_lowers_value_of_prk_troops_to_russia(p, data, x, y):
    """shortage.persists, exchange.sensitive_tech: Russia values PRK troops more the shorter it is."""
    s = data.draw(states(p))
    prof = data.draw(profiles())
    lo, hi = sorted((x, y))

    def extra_troops_value(shortage):
        st_ = s.replace(personnel_shortage=np.array([shortage]))
        return (total("RUS", st_, with_action(prof, "war", "PRK", "expand"), p, "war")
                - total("RUS", st_, with_action(prof, "war", "PRK", "sustain"), p, "war"))

    assert extra_troops_value(hi) >= extra_troops_value(lo) - 1e-12


@given(p=params(), data=st.data(), w=st.floats(0.5, 2.5), rate=st.floats(0.5, 2.5))
def test_more_russian_technology_never_lowers_prk_payoff_from_staying_aligned(p, data, w, rate):
    """exchange.sensitive_tech, exchange.compensation: technology is PRK's reward for staying in."""
    s = data.draw(states(p))
    prof = with_action(data.draw(profiles()), "war", "RUS", "reward")
    for stay in ("expand", "sustain"):
        aligned = with_action(prof, "war", "PRK", stay)
        lo, hi = sorted((w, rate))
        assert total("PRK", s, aligned, p.replace(w_prk_tech=hi)) >= total("PRK", s, aligned, p.replace(w_prk_tech=lo)) - 1e-12
        # and Russia rewarding never leaves an aligned PRK worse off than Russia restraining
        restrained = with_action(aligned, "war", "RUS", "restrain")
        assert total("PRK", s, aligned, p) >= total("PRK", s, restrained, p) - 1e-12


@given(p=params(), data=st.data(), cut=st.floats(0, 1))
def test_a_ceasefire_never_raises_russias_value_of_additional_prk_troops(p, data, cut):
    """ceasefire.less_troop_demand: once the shooting stops Russia needs fewer new PRK troops."""
    s = data.draw(states(p))
    prof = data.draw(profiles())
    quiet = s.replace(war_intensity=s.war_intensity * cut, ceasefire=np.array([1.0]))

    def extra(state):
        return (total("RUS", state, with_action(prof, "war", "PRK", "expand"), p, "war")
                - total("RUS", state, with_action(prof, "war", "PRK", "sustain"), p, "war"))

    assert extra(quiet) <= extra(s) + 1e-12


@given(p=params(), data=st.data())
def test_a_ceasefire_lowers_war_intensity_towards_its_residual(p, data):
    """ceasefire.less_troop_demand, deal.sidelines_ukraine."""
    s = data.draw(states(p)).replace(ceasefire=np.array([1.0]))
    prof = acts_for(data.draw(profiles()))
    nxt, _ = transition(s, prof["war"], prof["talks"], p, no_noise())
    assert abs(nxt.war_intensity[0] - p.ceasefire_level) <= abs(s.war_intensity[0] - p.ceasefire_level) + 1e-12


@given(p=params(), data=st.data())
def test_russian_mediation_never_lowers_the_chance_of_progress(p, data):
    """mediation.information: Putin sharing US limits lowers the risk of mismatch."""
    s = data.draw(states(p))
    prof = data.draw(profiles())
    med = acts_for(with_action(prof, "talks", "RUS", "mediate"))["talks"]
    blk = acts_for(with_action(prof, "talks", "RUS", "block"))["talks"]
    assert m.talks_success(s, med, p)[0] >= m.talks_success(s, blk, p)[0] - 1e-12


@given(p=params(), data=st.data())
def test_failed_talks_cost_prk_less_with_russian_backing(p, data):
    """mediation.failure_cost: with Putin's backing PRK need not fear tighter enforcement."""
    s = data.draw(states(p))
    prof = data.draw(profiles())
    med = acts_for(with_action(prof, "talks", "RUS", "mediate"))["talks"]
    blk = acts_for(with_action(prof, "talks", "RUS", "block"))["talks"]
    assert m.failure_exposure(s, med, p)[0] <= m.failure_exposure(s, blk, p)[0] + 1e-12


@given(p=params(), data=st.data(), t1=st.floats(0, 40), t2=st.floats(0, 40))
def test_a_larger_deployment_never_makes_a_deal_cheaper_for_prk(p, data, t1, t2):
    """deal.cover_troops, offer.outweighed: a deal must cover the troops, and the more there are the more PRK gives up."""
    s = data.draw(states(p))
    prof = with_action(with_action(data.draw(profiles()), "talks", "USA", "offer"), "talks", "PRK", "engage")
    lo, hi = sorted((t1, t2))

    def forgone(troops):
        st_ = s.replace(prk_troops_in_russia=np.array([troops]))
        return term_values("PRK", st_, acts_for(prof), p)["forgone_russian_rewards"][0]

    assert forgone(hi) <= forgone(lo) + 1e-12


@given(p=params(), data=st.data())
def test_the_alliance_never_falls_below_the_treaty_floor_without_a_deal_shock(p, data):
    """treaty.no_expiry, alliance.survives_ceasefire: the treaty has no expiry date."""
    s = data.draw(states(p))
    prof = data.draw(profiles())
    prof = with_action(prof, "talks", "RUS", "mediate")  # no deal-over-objection shock
    acts = acts_for(prof)
    nxt, _ = transition(s, acts["war"], acts["talks"], p, no_noise())
    assert nxt.alliance_strength[0] >= min(s.alliance_strength[0], p.treaty_floor) - 1e-12


@given(p=params(), data=st.data(), k1=st.floats(0, 1), k2=st.floats(0, 1))
def test_an_engagement_government_values_shuttle_diplomacy_more(p, data, k1, k2):
    """kor.liberal_win: a liberal president would revive shuttle diplomacy."""
    s = data.draw(states(p))
    prof = data.draw(profiles())
    lo, hi = sorted((k1, k2))

    def gain(stance):
        st_ = s.replace(kor_stance=np.array([stance]))
        return (total("KOR", st_, with_action(prof, "talks", "KOR", "shuttle"), p)
                - total("KOR", st_, with_action(prof, "talks", "KOR", "deter"), p))

    assert gain(hi) >= gain(lo) - 1e-12


@given(p=params(), data=st.data())
def test_shuttle_diplomacy_costs_prk_what_russian_mediation_does_not(p, data):
    """mediation.kor_cost: using Seoul's channel means treating the South as a partner again."""
    s = data.draw(states(p))
    prof = with_action(with_action(data.draw(profiles()), "talks", "PRK", "engage"), "talks", "USA", "offer")
    shuttle = term_values("PRK", s, acts_for(with_action(prof, "talks", "KOR", "shuttle")), p)
    deter = term_values("PRK", s, acts_for(with_action(prof, "talks", "KOR", "deter")), p)
    assert shuttle["south_korea_as_partner"][0] <= deter["south_korea_as_partner"][0] - 0.0
    assert shuttle["south_korea_as_partner"][0] < 0


@given(p=params(), data=st.data())
def test_progress_is_a_probability_and_needs_both_sides_at_the_table(p, data):
    """talks.summits_learning: talks need a US offer and PRK at the table."""
    s = data.draw(states(p))
    prof = data.draw(profiles())
    t = acts_for(prof)["talks"]
    prog = m.talks_progress(s, t, p)[0]
    assert 0.0 <= prog <= 1.0
    both = prof["talks"]["USA"] == 0 and prof["talks"]["PRK"] == 0
    if not both:
        assert prog == 0.0


@given(p=params(), data=st.data())
def test_states_stay_in_their_ranges(p, data):
    s = data.draw(states(p))
    acts = acts_for(data.draw(profiles()))
    nxt, cas = transition(s, acts["war"], acts["talks"], p, no_noise(z_casualty=2.0))
    for name in ("war_intensity", "tech_transfer", "sanctions_pressure", "alliance_strength", "us_prk_talks",
                 "personnel_shortage", "prk_industry", "prk_experience", "us_prk_deal"):
        v = getattr(nxt, name)[0]
        assert 0.0 <= v <= 1.0, name
    assert nxt.prk_troops_in_russia[0] >= 0 and cas[0] >= 0
    assert nxt.prk_casualties[0] >= s.prk_casualties[0]


def test_vectorised_over_a_replicate_axis_with_array_parameters():
    """A parameter may be an array over replicates: thousands of parameter sets as one batch."""
    n = 7
    p = Params.build({"w_prk_tech": np.linspace(0.5, 2.5, n)}, n)
    from alliance_sim.domain.state import State

    s = State.initial(p, n)
    U = arena_payoffs(WAR, s, p)
    assert all(u.shape == (n,) + WAR.shape for u in U)
    # PRK's payoff when Russia rewards and PRK sustains rises with its tech weight
    prk = U[WAR.players.index("PRK")][:, 0, 1, 1]
    assert np.all(np.diff(prk) > 0)
    assert all(u.shape == (n,) + TALKS.shape for u in arena_payoffs(TALKS, s, p))
