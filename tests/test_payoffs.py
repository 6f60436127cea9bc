"""Property tests: the payoffs and transitions keep the articles' arguments.

Each property names the claims it rests on. Parameters range over their whole
plausible box, states over wide plausible ranges (``_strategies``).
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import alliance_sim as a
from alliance_sim.domain import mechanisms as m
from alliance_sim.domain.actors import ACTORS, ARENAS, BARGAIN, CRISIS, FRONT
from alliance_sim.domain.dynamics import transition
from alliance_sim.domain.mechanisms import Acts
from alliance_sim.domain.metrics import DERIVED
from alliance_sim.domain.parameters import Params
from alliance_sim.domain.payoffs import TERMS, arena_payoffs, term_values, terms_of

from _strategies import params, profiles, states

ARENA = {ar.name: ar for ar in ARENAS}


def acts_for(profile):
    return {name: Acts(ARENA[name], {c: np.array([i]) for c, i in idx.items()}) for name, idx in profile.items()}


def at(profile, arena, **actions):
    """The profile with some actors' actions in ``arena`` replaced (``PRK="draw_down/russia"``)."""
    out = {k: dict(v) for k, v in profile.items()}
    for actor, action in actions.items():
        out[arena][actor] = ARENA[arena].actions_of(actor).index(action)
    return out


def total(actor, s, profile, p, arena=None):
    vals = term_values(actor, s, acts_for(profile), p)
    names = {t.name for t in terms_of(actor, arena)}
    return float(sum(v[0] for k, v in vals.items() if k in names))


def term(actor, name, s, profile, p):
    return float(term_values(actor, s, acts_for(profile), p)[name][0])


def no_noise(n=1, z_casualty=0.0):
    return {"z_casualty": np.full(n, z_casualty), "z_war": np.zeros(n), "z_front": np.zeros(n),
            "u_deal": np.ones(n), "u_settle": np.ones(n)}


def step(s, profile, p, **noise):
    return transition(s, acts_for(profile), p, {**no_noise(), **{k: np.array([v]) for k, v in noise.items()}})


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


def test_every_actor_has_terms_and_a_recorded_action():
    assert {t.actor for t in TERMS} == set(ACTORS)
    assert set(ACTORS) == {c for ar in ARENAS if ar.recorded for c in ar.players}


def test_terms_table_lists_every_term_with_claims():
    df = a.terms()
    assert len(df) == len(TERMS) and df["claims"].str.len().min() > 0


# Terms kept although they change no choice of their actor's (pure payoff accounting), with why.
# Every term of the model bears on a choice: the README's "Terms" section says so.
ACCOUNTING: dict[str, str] = {}


def _moves_own_choice(t, states_params) -> bool:
    arena = ARENA[t.arena]
    axis = 1 + arena.players.index(t.actor)
    for s, p in states_params:
        ctx_s, grid, ctx_p = s.expand(len(arena.players)), Acts.grid(arena), p.expand(len(arena.players))
        v = np.broadcast_to(t.value(ctx_s, grid.bind(ctx_s, ctx_p), ctx_p), (1,) + arena.shape)
        if np.ptp(v, axis=axis).max() > 1e-12:
            return True
    return False


def test_every_term_changes_its_actors_choice_somewhere_in_the_box():
    """A term that no state or parameter in the box lets bear on its actor's choice is accounting, not a
    reason: it must be removed, or listed in ACCOUNTING with why (and in the README)."""
    rng = np.random.default_rng(0)
    from _strategies import STATE_RANGES, BINARY
    from alliance_sim.domain.parameters import PARAMETERS
    from alliance_sim.domain.state import State

    samples = []
    for _ in range(60):
        p = Params({k: q.low + rng.random() * (q.high - q.low) for k, q in PARAMETERS.items()})
        values = {k: np.array([lo + rng.random() * (hi - lo)]) for k, (lo, hi) in STATE_RANGES.items()}
        values.update({k: np.array([1.0 if rng.random() < 0.5 else 0.0]) for k in BINARY})
        values["crisis"] = np.array([1.0])
        samples.append((State(values), p))
    inert = {f"{t.actor}.{t.name}" for t in TERMS if not _moves_own_choice(t, samples)}
    assert inert == set(ACCOUNTING), f"terms that change no choice: {sorted(inert)}"


# --------------------------------------------------------------------- the exchange and the war
@given(p=params(), data=st.data(), z1=st.floats(-3, 3), z2=st.floats(-3, 3))
def test_more_casualties_never_lower_blood_debt_nor_russias_obligation(p, data, z1, z2):
    """blood_debt.obligation, blood_debt.symbolic_debt: sacrifice puts Russia in PRK's debt."""
    s = data.draw(states(p))
    prof = data.draw(profiles())
    z1, z2 = sorted((z1, z2))
    low, f_low = step(s, prof, p, z_casualty=z1)
    high, f_high = step(s, prof, p, z_casualty=z2)
    assert f_high["prk_casualties_month"][0] >= f_low["prk_casualties_month"][0]
    assert high.blood_debt[0] >= low.blood_debt[0]
    obligation = DERIVED["russia_obligation"][2]
    assert obligation(high, p)[0] >= obligation(low, p)[0] - 1e-12


@given(p=params(), data=st.data(), d1=st.floats(0, 100), d2=st.floats(0, 100))
def test_blood_debt_raises_russias_cost_of_abandoning_prk(p, data, d1, d2):
    """blood_debt.obligation, blood_debt.symbolic_debt: the debt binds Russia, not PRK: the more it owes,
    the more blocking the talks PRK wants through Moscow, or withholding rewards, costs Russia."""
    s = data.draw(states(p))
    prof = data.draw(profiles())
    lo, hi = sorted((d1, d2))
    for action in ("reward/block", "restrain/mediate", "restrain/block"):
        prof_a = at(prof, "bargain", RUS=action, PRK="sustain/russia")
        cost = [term("RUS", "blood_debt_owed", s.replace(blood_debt=np.array([d])), prof_a, p) for d in (lo, hi)]
        assert cost[1] <= cost[0] + 1e-12
    # and PRK's own choices do not carry the debt: no PRK term depends on it but through Russia's guarantee
    prk_terms = {t.name for t in terms_of("PRK")}
    assert "security_guarantee" not in prk_terms


@given(p=params(), data=st.data(), d1=st.floats(0, 100), d2=st.floats(0, 100))
def test_blood_debt_makes_honouring_the_treaty_worth_more_to_russia(p, data, d1, d2):
    """blood_debt.obligation, guarantee.aid_if_attacked: in a crisis, the debt raises what honouring is worth."""
    s = data.draw(states(p)).replace(crisis=np.array([1.0]))
    prof = data.draw(profiles())
    lo, hi = sorted((d1, d2))

    def gain(debt):
        x = s.replace(blood_debt=np.array([debt]))
        return total("RUS", x, at(prof, "crisis", RUS="honour"), p, "crisis") - total(
            "RUS", x, at(prof, "crisis", RUS="abandon"), p, "crisis")

    assert gain(hi) >= gain(lo) - 1e-12


@given(p=params(), data=st.data())
def test_honouring_is_worth_less_beyond_prks_recognised_borders(p, data):
    """troops.not_donbass, prk.constitution_renounce: Russia's commitment covers PRK's recognised borders."""
    s = data.draw(states(p)).replace(crisis=np.array([1.0]))
    prof = at(data.draw(profiles()), "crisis", RUS="honour")
    within = term("RUS", "treaty_commitment", s.replace(crisis_scope=np.array([0.0])), prof, p)
    beyond = term("RUS", "treaty_commitment", s.replace(crisis_scope=np.array([1.0])), prof, p)
    assert beyond <= within + 1e-12


@given(p=params(), data=st.data(), x=st.floats(0, 1), y=st.floats(0, 1))
def test_a_larger_personnel_shortage_never_lowers_what_russia_pays_in_technology(p, data, x, y):
    """exchange.sensitive_tech: the shortage is what lets PRK ask for sensitive technology."""
    s = data.draw(states(p))
    prof = at(data.draw(profiles()), "bargain", RUS="reward/block")
    lo, hi = sorted((x, y))
    vals = [term("PRK", "technology", s.replace(personnel_shortage=np.array([v])), prof, p) for v in (lo, hi)]
    assert vals[1] >= vals[0] - 1e-12


@given(p=params(), data=st.data())
def test_a_ceasefire_never_raises_russias_demand_for_prk_troops(p, data):
    """ceasefire.less_troop_demand: with the shooting stopped Russia needs fewer PRK soldiers."""
    s = data.draw(states(p))
    war = s.replace(ceasefire=np.array([0.0]))
    calm = s.replace(war_intensity=np.minimum(s.war_intensity, p.ceasefire_level), ceasefire=np.array([1.0]))
    assert m.troop_demand(calm, p)[0] <= m.troop_demand(war, p)[0] + 1e-12


@given(p=params(), data=st.data())
def test_a_ceasefire_lowers_war_intensity_towards_its_residual(p, data):
    """ceasefire.less_troop_demand: a ceasefire takes the war towards its residual level."""
    s = data.draw(states(p)).replace(ceasefire=np.array([1.0]))
    nxt, _ = step(s, data.draw(profiles()), p)
    assert abs(nxt.war_intensity[0] - p.ceasefire_level) <= abs(s.war_intensity[0] - p.ceasefire_level) + 1e-12


@given(p=params(), data=st.data(), f1=st.floats(-1, 1), f2=st.floats(-1, 1))
def test_the_further_russia_is_ahead_the_more_a_settlement_is_worth_to_it(p, data, f1, f2):
    """russia.negotiate_from_strength: Russia negotiates an end to the war from a position of strength."""
    s = data.draw(states(p))
    prof = at(data.draw(profiles()), "bargain", USA="track", RUS="reward/mediate")
    lo, hi = sorted((f1, f2))
    vals = [term("RUS", "settlement", s.replace(front=np.array([f])), prof, p) for f in (lo, hi)]
    assert vals[1] >= vals[0] - 1e-12


@given(p=params(), data=st.data())
def test_prk_troops_push_the_front_russias_way(p, data):
    """kursk.prk_key_element: PRK reinforcements were a key element of Russia's push in Kursk."""
    s = data.draw(states(p)).replace(ceasefire=np.array([0.0]))
    prof = data.draw(profiles())
    more, _ = step(s, at(prof, "bargain", PRK="expand/refuse"), p)
    fewer, _ = step(s, at(prof, "bargain", PRK="draw_down/refuse"), p)
    assert more.front[0] >= fewer.front[0] - 1e-12


# --------------------------------------------------------------------- the talks and the deal
@given(p=params(), data=st.data())
def test_a_deal_must_cover_the_troops(p, data):
    """deal.cover_troops: talks progress less while PRK keeps its troops in Russia than when it draws down."""
    s = data.draw(states(p))
    prof = at(data.draw(profiles()), "bargain", USA="offer")
    for channel in ("russia", "seoul"):
        keep = m.talks_success(s, acts_for(at(prof, "bargain", PRK=f"sustain/{channel}"))["bargain"], p)[0]
        home = m.talks_success(s, acts_for(at(prof, "bargain", PRK=f"draw_down/{channel}"))["bargain"], p)[0]
        assert keep <= home + 1e-12
    # and expanding while talking is not an action PRK has
    assert not any(lbl.startswith("expand/") and not lbl.endswith("refuse") for lbl in BARGAIN.actions_of("PRK"))


@given(p=params(), data=st.data())
def test_a_blocking_russia_closes_its_channel_and_never_helps_seouls(p, data):
    """russia.resists_wedge, deal.contingent_us_russia, mediation.information: Russian mediation never lowers
    the chance of progress; its blocking never raises it."""
    s = data.draw(states(p))
    prof = at(data.draw(profiles()), "bargain", USA="offer")
    for prk in ("draw_down/russia", "draw_down/seoul", "sustain/russia", "sustain/seoul"):
        med = m.talks_progress(s, acts_for(at(prof, "bargain", PRK=prk, RUS="reward/mediate"))["bargain"], p)[0]
        blk = m.talks_progress(s, acts_for(at(prof, "bargain", PRK=prk, RUS="reward/block"))["bargain"], p)[0]
        assert blk <= med + 1e-12
    blocked = at(prof, "bargain", PRK="draw_down/russia", RUS="reward/block")
    assert m.talks_progress(s, acts_for(blocked)["bargain"], p)[0] == 0.0


@given(p=params(), data=st.data())
def test_failed_talks_cost_prk_less_with_russian_backing(p, data):
    """mediation.failure_cost: with Putin's backing a failure costs PRK less (Russia helps it evade sanctions)."""
    s = data.draw(states(p))
    prof = at(data.draw(profiles()), "bargain", USA="offer")
    backed = acts_for(at(prof, "bargain", PRK="draw_down/russia", RUS="reward/mediate"))["bargain"]
    alone = acts_for(at(prof, "bargain", PRK="draw_down/seoul", RUS="reward/mediate"))["bargain"]
    assert m.failure_exposure(s, backed, p)[0] <= m.failure_exposure(s, alone, p)[0] + 1e-12
    # and in the dynamics: failed talks tighten sanctions less with Russian backing
    assert m.russian_backing(backed)[0] == 1.0 and m.russian_backing(alone)[0] == 0.0


@given(p=params(), data=st.data(), lo=st.floats(0, 1), hi=st.floats(0, 1))
def test_more_sanctions_relief_never_lowers_prks_payoff_from_talks(p, data, lo, hi):
    """offer.outweighed, history.russia_enforced: relief is worth something to PRK, never a cost."""
    lo, hi = sorted((lo, hi))
    s = data.draw(states(p))
    prof = at(data.draw(profiles()), "bargain", USA="offer", PRK="draw_down/russia", RUS="reward/mediate")
    assert (total("PRK", s, prof, p.replace(offer_relief=hi), "bargain")
            >= total("PRK", s, prof, p.replace(offer_relief=lo), "bargain") - 1e-12)


@given(p=params(), data=st.data())
def test_after_a_settlement_a_russian_broker_lets_prk_keep_more_of_the_exchange(p, data):
    """hedge.both: PRK expects a Trump-Putin deal would not stop Russia employing its troops and workers:
    after a settlement a deal Russia brokers ends less of the exchange; during the war it ends all of it."""
    s = data.draw(states(p))
    prof = at(data.draw(profiles()), "bargain", USA="offer")
    brokered = acts_for(at(prof, "bargain", PRK="draw_down/russia", RUS="reward/mediate"))["bargain"]
    via_seoul = acts_for(at(prof, "bargain", PRK="draw_down/seoul", RUS="reward/mediate"))["bargain"]
    after, during = s.replace(ceasefire=np.ones(1)), s.replace(ceasefire=np.zeros(1))
    assert m.forgone_share(after, brokered, p)[0] == pytest.approx(1.0 - p.hedge_keep)
    assert m.forgone_share(after, via_seoul, p)[0] == 1.0
    assert m.forgone_share(during, brokered, p)[0] == 1.0


@given(p=params(), data=st.data(), k1=st.floats(0, 1), k2=st.floats(0, 1))
def test_an_engagement_government_in_seoul_eases_prks_use_of_its_channel(p, data, k1, k2):
    """kor.liberal_win, mediation.kor_cost: a liberal government makes Seoul's channel cheaper for PRK and
    worth more to Seoul."""
    s = data.draw(states(p))
    prof = data.draw(profiles())
    lo, hi = sorted((k1, k2))
    cost = [term("PRK", "seoul_as_partner", s.replace(kor_stance=np.array([k])), at(prof, "bargain", PRK="sustain/seoul"), p)
            for k in (lo, hi)]
    assert cost[1] >= cost[0] - 1e-12  # a cost: less negative under engagement
    value = [term("KOR", "engagement", s.replace(kor_stance=np.array([k])), at(prof, "front", KOR="shuttle"), p)
             for k in (lo, hi)]
    assert value[1] >= value[0] - 1e-12


@given(p=params(), data=st.data())
def test_progress_is_a_probability_and_needs_the_offer_and_an_answer(p, data):
    s = data.draw(states(p))
    prof = data.draw(profiles())
    pr = m.talks_progress(s, acts_for(prof)["bargain"], p)[0]
    assert 0.0 <= pr <= 1.0
    for actions in ({"USA": "hold"}, {"USA": "track"}, {"PRK": "sustain/refuse"}):
        assert m.talks_progress(s, acts_for(at(prof, "bargain", **actions))["bargain"], p)[0] == 0.0


# --------------------------------------------------------------------- the dynamics' bounds
@given(p=params(), data=st.data())
def test_the_alliance_never_falls_below_the_treaty_floor_without_a_shock(p, data):
    """treaty.no_expiry: without exchange the alliance fades only to what the treaty sustains."""
    s = data.draw(states(p)).replace(alliance_strength=np.array([max(p.treaty_floor, 0.0)]))
    prof = at(data.draw(profiles()), "bargain", RUS="reward/mediate")
    prof = at(prof, "crisis", RUS="honour")
    nxt, _ = step(s, prof, p)
    assert nxt.alliance_strength[0] >= p.treaty_floor - 1e-12


@given(p=params(), data=st.data())
def test_states_stay_in_their_ranges(p, data):
    s = data.draw(states(p))
    nxt, flows = step(s, data.draw(profiles()), p, z_casualty=2.0)
    for name in ("war_intensity", "tech_transfer", "sanctions_pressure", "alliance_strength", "us_prk_talks",
                 "personnel_shortage", "prk_industry", "prk_experience", "us_prk_deal", "ceasefire",
                 "us_russia_relations", "ukr_pressure", "seoul_channel", "china_posture", "russia_honour"):
        v = getattr(nxt, name)[0]
        assert 0.0 <= v <= 1.0, name
    assert -1.0 <= nxt.front[0] <= 1.0
    assert nxt.prk_troops_in_russia[0] >= 0 and flows["prk_casualties_month"][0] >= 0
    assert nxt.prk_casualties[0] >= s.prk_casualties[0]


@given(p=params(), w=st.floats(0, 1e4))
def test_workers_in_russia_stay_bounded(p, w):
    """workers.construction: soldiers stay on as workers, but the stock does not grow without limit:
    it never exceeds the larger of today's and the steady state of the largest possible inflow."""
    from alliance_sim.domain.state import State

    s = State.initial(p, 1).replace(prk_workers_in_russia=np.array([w]), war_intensity=np.zeros(1))
    prof = {ar.name: {c: 0 for c in ar.players} for ar in ARENAS}
    nxt, _ = step(s, prof, p)
    cap = p.to_workers_rate * (s.prk_troops_in_russia[0] + p.wave_size) / p.worker_return
    assert nxt.prk_workers_in_russia[0] <= max(w, cap) + 1e-9


def test_vectorised_over_a_replicate_axis_with_array_parameters():
    """A parameter may be an array over replicates: thousands of parameter sets as one batch."""
    n = 7
    p = Params.build({"w_prk_tech": np.linspace(0.5, 3.0, n)}, n)
    from alliance_sim.domain.state import State

    s = State.initial(p, n)
    U = arena_payoffs(BARGAIN, s, p)
    assert all(u.shape == (n,) + BARGAIN.shape for u in U)
    # PRK's payoff when Russia rewards and PRK sustains rises with its technology weight
    usa, rus, prk = (BARGAIN.actions_of(c) for c in ("USA", "RUS", "PRK"))
    u = U[2][:, usa.index("hold"), rus.index("reward/block"), prk.index("sustain/refuse")]
    assert np.all(np.diff(u) > 0)
    assert arena_payoffs(FRONT, s, p)[0].shape == (n,) + FRONT.shape
    assert arena_payoffs(CRISIS, s, p)[0].shape == (n,) + CRISIS.shape


@given(p=params(), data=st.data())
def test_an_independent_arena_is_a_set_of_decisions(p, data):
    """The front's players choose against the state: no one's payoff there depends on another's action,
    which is what lets the model solve it as separate logit choices."""
    s = data.draw(states(p))
    for arena in ARENAS:
        if not arena.independent:
            continue
        for i, U in enumerate(arena_payoffs(arena, s, p)):
            for j in range(len(arena.players)):
                if j != i:
                    assert np.ptp(U, axis=1 + j).max() <= 1e-12
