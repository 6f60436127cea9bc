"""The Mesa model: one code path for any number of replicates, reproducible."""
import numpy as np
import pandas as pd
import pytest

import alliance_sim as a
from alliance_sim.domain.actors import ACTORS, ARENAS
from alliance_sim.abm.model import AllianceModel
from alliance_sim.abm.recorder import action_categories

REQUIRED = ["replicate", "step", "date", "war_intensity", "prk_troops_in_russia", "prk_casualties", "blood_debt",
            "tech_transfer", "sanctions_pressure", "alliance_strength", "us_prk_talks", "us_prk_deal"]


@pytest.fixture(scope="module")
def baseline():
    return a.run("baseline", replicates=60, seed=3)


def test_table_is_tidy_with_the_required_columns(baseline):
    df = baseline.trajectories
    cols = REQUIRED + [f"payoff_{c}" for c in ACTORS] + [f"action_{c}" for c in ACTORS]
    assert set(cols) <= set(df.columns)
    assert len(df) == 60 * 37  # months 0 (the starting state) to 36
    assert df.groupby("replicate").size().eq(37).all()
    assert (df["month"] == df["step"]).all()  # "step" is the deprecated name of "month"
    assert df["date"].iloc[0] == pd.Timestamp("2024-12-01") and df["date"].iloc[1] == pd.Timestamp("2025-01-01")
    assert df["date"].iloc[36] == pd.Timestamp("2027-12-01")
    start = df[df["month"] == 0]
    assert start[[f"payoff_{c}" for c in ACTORS]].isna().all().all()
    assert start[[f"action_{c}" for c in ACTORS]].isna().all().all()
    assert df.loc[df["month"] >= 1, [c for c in df.columns if c.startswith("payoff_")]].notna().all().all()
    for code in ACTORS:
        assert set(df[f"action_{code}"].cat.categories) == set(action_categories(code))


def test_the_six_actors_are_mesa_agents():
    m = AllianceModel("baseline", replicates=3, seed=0)
    assert sorted(ag.code for ag in m.agents) == sorted(ACTORS)
    m.step()
    for ag in m.agents:
        assert ag.terms and all(t.actor == ag.code for ts in ag.terms.values() for t in ts)  # its payoff function
        for arena in ag.arenas:
            assert ag.actions[arena.name] == arena.actions_of(ag.code)  # its action sets
            if arena.when and not np.any(getattr(m.state, arena.when) > 0):
                assert arena.name not in ag.strategy  # no Korean crisis in baseline: that game is not played
                continue
            s = ag.strategy[arena.name]
            assert s.shape == (3, len(arena.actions_of(ag.code)))
            assert np.allclose(s.sum(axis=1), 1.0) and np.all(s > 0)


def test_same_seed_same_table_different_seed_different_table():
    t1 = a.run("ukraine_ceasefire", replicates=40, seed=11).trajectories
    t2 = a.run("ukraine_ceasefire", replicates=40, seed=11).trajectories
    t3 = a.run("ukraine_ceasefire", replicates=40, seed=12).trajectories
    pd.testing.assert_frame_equal(t1, t2)
    assert not t1["prk_casualties"].equals(t3["prk_casualties"])


@pytest.mark.parametrize("scenario", ["baseline", "russian_mediation"])
def test_replicate_alone_equals_replicate_inside_a_batch_of_500(scenario):
    batch = AllianceModel(scenario, replicates=500, seed=5).run().trajectories()
    for i in (0, 137, 499):
        alone = AllianceModel(scenario, replicates=1, seed=5, first_replicate=i).run().trajectories()
        inside = batch[batch["replicate"] == i].reset_index(drop=True)
        pd.testing.assert_frame_equal(alone, inside, check_exact=True)


def test_chunk_size_does_not_change_results():
    whole = a.run("kor_engagement", replicates=90, seed=2).trajectories
    chunked = a.run("kor_engagement", replicates=90, seed=2, chunk_size=25).trajectories
    pd.testing.assert_frame_equal(whole, chunked, check_exact=True)


def test_array_parameters_run_many_parameter_sets_in_one_batch():
    lam = np.linspace(1.0, 12.0, 30)
    res = a.run("baseline", replicates=30, seed=1, overrides={"rationality": lam})
    assert len(res.trajectories) == 30 * 37
    # each replicate equals a run with that parameter value alone
    alone = AllianceModel("baseline", replicates=1, seed=1, first_replicate=7,
                          overrides={"rationality": float(lam[7])}).run().trajectories()
    inside = res.trajectories[res.trajectories["replicate"] == 7].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, inside, check_exact=True)


@pytest.mark.parametrize("solution", ["qre", "nash", "pure"])
def test_every_month_each_arena_is_solved_under_the_chosen_concept(solution):
    """Simultaneous arenas: qre/nash strategies are the logit response to the others' (the QRE fixed point)
    at that month's game, event months included; pure ones are pure with no gain from deviating.
    Arenas played in turn: each mover's choice, at the history that happened, is the logit (qre, nash) or
    best (pure) response to the continuation values of backward induction."""
    from alliance_sim.abm.choice import NASH_LAMBDA
    from alliance_sim.domain.payoffs import arena_context
    from alliance_sim.games import expected_payoffs_batch
    from alliance_sim.games.sequential import logit_backward_induction, pure_backward_induction

    model = AllianceModel("korean_crisis", replicates=20, seed=0, solution=solution)
    games = []
    solve = model._solve

    def recording(arena, s, p, uniforms):  # the game as solved: after the month's events
        solve(arena, s, p, uniforms)
        players = [model.actor(c) for c in arena.players]
        shape = (model.n,) + arena.shape
        payoffs = [ag.payoff_tensor(arena, arena_context(arena, s, p), shape) for ag in players]
        games.append((arena, payoffs, [ag.strategy[arena.name] for ag in players],
                      [ag.action[arena.name] for ag in players] if arena.sequential else None, p.rationality))

    model._solve = recording
    model.run(15)  # the crisis (months 13-15) included
    assert {g[0].name for g in games} == {a.name for a in ARENAS}
    rows = np.arange(model.n)
    for arena, payoffs, strategies, actions, lam in games:
        lam = NASH_LAMBDA if solution == "nash" else lam
        if arena.sequential:
            tree = pure_backward_induction(payoffs) if solution == "pure" else logit_backward_induction(payoffs, lam)
            for i, (sigma, faced) in enumerate(zip(tree, strategies)):
                np.testing.assert_allclose(faced, sigma[(rows, *actions[:i])], atol=1e-12)
            continue
        if len(payoffs) == 1:  # a decision problem
            ev = [payoffs[0]]
        else:
            ev = expected_payoffs_batch(payoffs, strategies)
        for e, st in zip(ev, strategies):
            if solution == "pure":
                assert np.isin(st, (0.0, 1.0)).all()
                assert (e.max(axis=1) - (e * st).sum(axis=1) <= 1e-9).all()
            else:
                z = lam * (e - e.max(axis=1, keepdims=True))
                np.testing.assert_allclose(st, np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), atol=1e-6)


def test_summary_has_mean_and_quantiles_at_6_12_24_and_final(baseline):
    s = baseline.summary()
    assert set(s["month"]) == {6, 12, 24, 36}
    assert {"metric", "mean", "p05", "p50", "p95"} <= set(s.columns)
    row = s[(s.metric == "prk_casualties") & (s.month == 36)].iloc[0]
    assert row.p05 <= row.p50 <= row.p95


def test_results_render_in_jupyter_and_plot(baseline):
    html = baseline._repr_html_()
    assert "baseline" in html and "<table" in html
    assert "60 replicates" in repr(baseline)
    fig = baseline.plot("blood_debt")
    assert fig.axes and fig.axes[0].get_title().startswith("Blood debt")
    with pytest.raises(a.UserError, match="unknown metric 'nope'"):
        baseline.plot("nope")


def test_save_writes_the_outputs(tmp_path, baseline):
    out = baseline.save(tmp_path / "out")
    assert {"trajectories.parquet", "summary.csv", "manifest.json", "figures"} <= {p.name for p in out.iterdir()}
    assert {p.name for p in (out / "figures").iterdir()} == {"main_metrics.png", "action_shares.png", "payoffs.png"}
    import json
    man = json.loads((out / "manifest.json").read_text())
    assert man["seed"] == 3 and man["replicates"] == 60 and len(man["parameters"]) == len(a.parameters())
    assert len(man["scenario_sha256"]) == 64
    back = pd.read_parquet(out / "trajectories.parquet")
    assert len(back) == len(baseline.trajectories)


def test_mesa_tools_work_on_the_model_and_its_datacollector_holds_the_mean_series():
    import mesa

    rows = mesa.batch_run(AllianceModel, parameters={"scenario": "baseline", "first_replicate": [0, 1]},
                          iterations=1, max_steps=3, number_processes=1, data_collection_period=1,
                          display_progress=False)
    assert {r["first_replicate"] for r in rows} == {0, 1} and {r["Step"] for r in rows} == {0, 1, 2, 3}
    model = AllianceModel("baseline", replicates=5, seed=3).run(4)
    series = model.datacollector.get_model_vars_dataframe()
    assert len(series) == 5  # month 0 (the start) and months 1-4
    df = model.trajectories()
    means = df.groupby("step")[["alliance_strength", "prk_casualties_month"]].mean()
    np.testing.assert_allclose(series.loc[0:, ["alliance_strength", "prk_casualties_month"]].to_numpy(),
                               means.to_numpy(), rtol=1e-12)
