"""The articles' arguments as behavioural tests on ensembles at default parameters.

Each test names the claims it checks. Ensembles of 300 replicates share a seed
across scenarios, so differences are the scenarios', not the noise's.
"""
import functools

import pytest

import alliance_sim as a

N, SEED = 300, 7


@functools.lru_cache(maxsize=None)
def ens(name):
    return a.run(name, replicates=N, seed=SEED).trajectories


def at(df, month, col):
    return df.loc[df["step"] == month, col]


def share(df, month, col, prefix):
    return at(df, month, col).astype(str).str.startswith(prefix).mean()


def window(df, col, prefix, lo, hi):
    sub = df[(df["step"] >= lo) & (df["step"] <= hi)]
    return sub[col].astype(str).str.contains(prefix).mean()


def test_ceasefire_lowers_russian_demand_for_prk_troops_but_does_not_end_the_alliance():
    """ceasefire.less_troop_demand, alliance.survives_ceasefire, treaty.no_expiry."""
    base, cease = ens("baseline"), ens("ukraine_ceasefire")
    assert at(cease, 36, "prk_troops_in_russia").mean() < 0.7 * at(base, 36, "prk_troops_in_russia").mean()
    mid = lambda df: df.loc[df["step"].between(12, 36), "prk_troops_in_russia"].mean()  # noqa: E731
    assert mid(cease) < mid(base)
    assert at(cease, 36, "munitions_demand").mean() < 0.2
    # the alliance weakens but outlives the war, held up by the treaty and blood debt
    assert at(cease, 36, "alliance_strength").mean() < at(base, 36, "alliance_strength").mean()
    assert at(cease, 36, "alliance_strength").quantile(0.05) > 0.45


def test_with_the_old_offer_prk_keeps_refusing_while_russias_rewards_flow():
    """offer.outweighed, offer.same_offer_fails, exchange.sensitive_tech, talks.impediment_alliance."""
    base = ens("baseline")
    assert window(base, "action_PRK", "refuse", 1, 36) > 0.75
    assert window(base, "action_RUS", "reward", 6, 36) > 0.6
    assert at(base, 36, "tech_transfer").mean() > at(base, 1, "tech_transfer").mean() + 0.2
    assert at(base, 36, "us_prk_deal").mean() < 0.05


def test_russian_mediation_makes_talks_likelier_than_kor_shuttle_diplomacy():
    """mediation.russia_vs_kor, mediation.information, mediation.kor_cost, mediation.immune_kor_politics."""
    med, kor = ens("russian_mediation"), ens("kor_engagement")
    assert at(med, 36, "us_prk_talks").mean() > at(kor, 36, "us_prk_talks").mean() + 0.2
    assert at(med, 36, "us_prk_deal").mean() > at(kor, 36, "us_prk_deal").mean() + 0.2
    assert window(med, "action_PRK", "engage", 12, 36) > window(kor, "action_PRK", "engage", 12, 36)


def test_russian_mediation_beats_a_ceasefire_alone():
    """mediation.failure_cost, hedge.both: Putin's backing lowers the cost of talks for PRK."""
    med, cease = ens("russian_mediation"), ens("ukraine_ceasefire")
    assert at(med, 36, "us_prk_deal").mean() > at(cease, 36, "us_prk_deal").mean()


def test_more_prk_casualties_mean_more_blood_debt():
    """blood_debt.obligation, casualties.december, troops.second_wave."""
    base, esc = ens("baseline"), ens("escalation")
    assert at(esc, 36, "prk_casualties").mean() > at(base, 36, "prk_casualties").mean()
    assert at(esc, 36, "blood_debt").mean() > at(base, 36, "blood_debt").mean()
    assert at(esc, 36, "russia_obligation").mean() >= at(base, 36, "russia_obligation").mean()


def test_a_fuller_us_offer_draws_prk_to_the_table_more_than_the_old_one():
    """offer.enhanced_package, offer.same_offer_fails."""
    base, enh = ens("baseline"), ens("us_enhanced_offer")
    assert window(enh, "action_PRK", "engage", 6, 36) > window(base, "action_PRK", "engage", 6, 36)


def test_the_shortage_outlasts_the_ceasefire_and_prk_workers_stay():
    """shortage.persists, workers.construction, workers.reconstruction."""
    cease = ens("ukraine_ceasefire")
    params = a.parameters().set_index("name")["default"]
    s12 = at(cease, 12, "personnel_shortage").mean()
    assert s12 > params["postwar_shortage"] + 0.1  # eight months on, still well above its post-war level
    assert at(cease, 36, "prk_workers_in_russia").mean() > at(cease, 4, "prk_workers_in_russia").mean() + 1.0


def test_russia_stops_sensitive_transfers_once_the_war_ends():
    """exchange.sensitive_tech, ceasefire.less_troop_demand: transfers Moscow made only because it was short."""
    base, cease = ens("baseline"), ens("ukraine_ceasefire")
    assert window(cease, "action_RUS", "reward", 12, 36) < 0.5 * window(base, "action_RUS", "reward", 12, 36)


def test_ukraine_is_worse_off_under_a_deal_over_its_head():
    """deal.sidelines_ukraine."""
    base, cease = ens("baseline"), ens("ukraine_ceasefire")
    terms = a.explain("UKR", state={"ceasefire": 1.0}, figure=False).table.set_index("term")
    assert terms.loc["sidelined", "value"] < 0
    assert at(cease, 36, "war_intensity").mean() < at(base, 36, "war_intensity").mean()


def test_sanctions_pressure_stays_eroded_by_russian_cover():
    """sanctions.russia_veto, mediation.failure_cost: Russia helps PRK evade, so pressure stays below full enforcement."""
    base = ens("baseline")
    params = a.parameters().set_index("name")["default"]
    assert at(base, 36, "sanctions_pressure").mean() < params["sanctions_base"] * 0.75


@pytest.mark.parametrize("scenario", ["baseline", "ukraine_ceasefire", "russian_mediation", "us_enhanced_offer",
                                      "kor_engagement", "escalation"])
def test_every_shipped_scenario_runs_1000_replicates(scenario):
    res = a.run(scenario, replicates=1000, seed=0)
    df = res.trajectories
    assert len(df) == 1000 * 36
    num = df.select_dtypes("number")
    assert num.notna().all().all()
    assert (df["prk_troops_in_russia"] >= 0).all() and df["alliance_strength"].between(0, 1).all()
