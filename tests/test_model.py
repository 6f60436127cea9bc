"""The Mesa model: one code path for any number of replicates, reproducible."""
import numpy as np
import pandas as pd
import pytest

import alliance_sim as a
from alliance_sim.domain.actors import ACTORS
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
    assert len(df) == 60 * 36
    assert df.groupby("replicate").size().eq(36).all()
    assert df["date"].iloc[0] == "2025-01" and df["date"].iloc[35] == "2027-12"
    assert df[[c for c in df.columns if c.startswith("payoff_")]].notna().all().all()
    for code in ACTORS:
        assert set(df[f"action_{code}"].cat.categories) == set(action_categories(code))


def test_the_six_actors_are_mesa_agents():
    m = AllianceModel("baseline", replicates=3, seed=0)
    assert sorted(ag.code for ag in m.agents) == sorted(ACTORS)
    m.step()
    for ag in m.agents:
        for arena in ag.arenas:
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
    assert len(res.trajectories) == 30 * 36
    # each replicate equals a run with that parameter value alone
    alone = AllianceModel("baseline", replicates=1, seed=1, first_replicate=7,
                          overrides={"rationality": float(lam[7])}).run().trajectories()
    inside = res.trajectories[res.trajectories["replicate"] == 7].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, inside, check_exact=True)


@pytest.mark.parametrize("solution", ["nash", "pure"])
def test_other_solution_concepts_run(solution):
    res = a.run("ukraine_ceasefire", replicates=20, seed=0, solution=solution)
    assert len(res.trajectories) == 20 * 36


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
    assert fig.axes and fig.axes[0].get_title().startswith("blood debt")
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
