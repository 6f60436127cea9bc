"""Stokman & Van Oosten's exchange model, equal-gain rule (alliance_sim.classic.exchange).

The analytic two-actor, two-issue case. Provenance, stated honestly: a printed
worked example from Stokman & Van Oosten (1994) could not be opened from this
machine; the case below is worked by hand from the model's definitions
(outcome = capability x salience weighted mean; linear utility; equal gain;
the exchange grows until one actor reaches the other's position), in exact
fractions, independently of the code:

i: x = (100, 100), s = (0.9, 0.3), c = 1;   j: x = (0, 0), s = (0.4, 0.6), c = 2.
W_p = 0.9 + 0.8 = 1.7, O_p = 90/1.7;  W_q = 0.3 + 1.2 = 1.5, O_q = 20.
i values p relatively more (0.9/0.3 > 0.4/0.6): j moves on p, i on q.
Equal gain: dO_q = dO_p (0.9 + 0.4)/(0.3 + 0.6) = 13/9 dO_p.
Limits: i's full move on q shifts O_q by 0.3 * 100 / 1.5 = 20, j's full move on
p shifts O_p by 0.8 * 100 / 1.7 = 80/1.7 = 47.06. i's limit binds first:
dO_q = 20, dO_p = 180/13, j moves 180/13 * 1.7/0.8 = 765/26 (from 0), i moves
all the way to 0 on q, and each gains dO_p (0.9*0.6 - 0.3*0.4)/(0.3 + 0.6) = 84/13.
"""
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from alliance_sim.classic import exchange as X
from alliance_sim.errors import UserError

CASE = dict(actor=["i", "i", "j", "j"], issue=["p", "q", "p", "q"], position=[100, 100, 0, 0],
            salience=[0.9, 0.3, 0.4, 0.6], capability=[1, 1, 2, 2])


def test_analytic_two_actor_two_issue_case():
    res = X.exchange_model(CASE, rounds=1)
    assert len(res.exchanges) == 1
    e = res.exchanges[0]
    assert (e["demander"], e["supplier"], e["issue_p"], e["issue_q"]) == ("i", "j", "p", "q")
    assert e["dO_p"] == pytest.approx(float(F(180, 13)), abs=1e-12)
    assert e["dO_q"] == pytest.approx(20.0, abs=1e-12)
    assert e["gain"] == pytest.approx(float(F(84, 13)), abs=1e-12)
    assert e["supplier_to"] == pytest.approx(float(F(765, 26)), abs=1e-12)
    assert e["demander_to"] == 0.0  # i reaches j's position exactly
    assert res.outcomes[0] == pytest.approx([float(F(900, 17)), 20.0])
    assert res.outcomes[1] == pytest.approx([float(F(900, 17) + F(180, 13)), 0.0])


def test_no_exchange_when_saliences_are_proportional():
    case = dict(CASE, salience=[0.6, 0.3, 0.4, 0.2])
    assert X.candidate_exchanges(case) == []


def test_six_actor_first_round():
    from alliance_sim.classic import load_inputs

    res = X.exchange_model(load_inputs().long_table(), rounds=1)
    ex = res.exchanges_frame()
    assert len(ex) > 0 and (ex["gain"] > 0).all()
    used = [(r.demander, r.issue_p) for r in ex.itertuples()] + [(r.demander, r.issue_q) for r in ex.itertuples()]
    used += [(r.supplier, r.issue_p) for r in ex.itertuples()] + [(r.supplier, r.issue_q) for r in ex.itertuples()]
    assert len(used) == len(set(used))  # an actor takes part in one exchange per issue per round
    # "sanctions relief against technology transfer": the US and Russia trade exactly those two issues
    pair = ex[(ex.demander == "USA") & (ex.supplier == "RUS")]
    assert set(pair["issue_p"]) == {"tech_transfer"} and set(pair["issue_q"]) == {"sanctions_relief"}


def _two_actor():
    pos = st.floats(0, 100)
    sal = st.floats(0.05, 1)
    cap = st.floats(0.1, 5)
    return st.tuples(pos, pos, pos, pos, sal, sal, sal, sal, cap, cap)


@settings(deadline=None)
@given(_two_actor())
def test_equal_gain_and_limits(v):
    xip, xiq, xjp, xjq, sip, siq, sjp, sjq, ci, cj = v
    assume(abs(xip - xjp) > 1 and abs(xiq - xjq) > 1 and abs(sip * sjq - siq * sjp) > 1e-3)
    tbl = dict(actor=["i", "i", "j", "j"], issue=["p", "q", "p", "q"], position=[xip, xiq, xjp, xjq],
               salience=[sip, siq, sjp, sjq], capability=[ci, ci, cj, cj])
    ex = X.candidate_exchanges(tbl)
    assert len(ex) == 1  # with two actors there is one exchange: the saliences fix its direction
    e = ex[0]
    t = X.issue_table(tbl)
    a = {"i": 0, "j": 1}
    d, s_ = a[e["demander"]], a[e["supplier"]]
    p, q = t.issues.index(e["issue_p"]), t.issues.index(e["issue_q"])
    S = t.salience
    gain_d = S[d, p] * e["dO_p"] - S[d, q] * e["dO_q"]
    gain_s = S[s_, q] * e["dO_q"] - S[s_, p] * e["dO_p"]
    assert gain_d == pytest.approx(gain_s, rel=1e-9, abs=1e-12)
    assert gain_d > 0
    # nobody moves past the partner's position; one of them reaches it
    Xp = t.position
    lo_j, hi_j = sorted([Xp[s_, p], Xp[d, p]])
    lo_i, hi_i = sorted([Xp[d, q], Xp[s_, q]])
    assert lo_j - 1e-9 <= e["supplier_to"] <= hi_j + 1e-9 and lo_i - 1e-9 <= e["demander_to"] <= hi_i + 1e-9
    assert np.isclose(e["supplier_to"], Xp[d, p]) or np.isclose(e["demander_to"], Xp[s_, q])
    # outcomes move towards the demanders
    res = X.exchange_model(tbl, rounds=1)
    O0, O1 = res.outcomes
    assert abs(O1[p] - Xp[d, p]) < abs(O0[p] - Xp[d, p])
    assert abs(O1[q] - Xp[s_, q]) < abs(O0[q] - Xp[s_, q])


def test_validation():
    with pytest.raises(UserError, match="every actor needs a row"):
        X.exchange_model(dict(actor=["i", "j", "j"], issue=["p", "p", "q"], position=[0, 1, 1],
                              salience=[1, 1, 1], capability=[1, 1, 1]))
    with pytest.raises(UserError, match="missing column"):
        X.exchange_model(dict(actor=["i"], issue=["p"]))
    with pytest.raises(UserError, match="rounds"):
        X.exchange_model(CASE, rounds=-1)
