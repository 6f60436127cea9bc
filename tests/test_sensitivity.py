"""Designs, sweeps and sensitivity indices: analytic checks through the same code path as the model."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _cli import cli

from alliance_sim.errors import UserError
from alliance_sim.explore import (ISHIGAMI_PROBLEM, analyze, ishigami, ishigami_indices, make_problem, problem,
                                  run_design, sample, sensitivity, sweep)
from alliance_sim.explore.designs import design_rows, streams
from alliance_sim.domain.parameters import PARAMETERS

ROOT = Path(__file__).resolve().parents[1]
VARIED = ("rationality", "w_rus_secure", "alliance_growth", "base_success", "init_prk_troops", "deal_rate")


@pytest.fixture(scope="module")
def small_scenario(tmp_path_factory):
    """A scenario that fixes every parameter but six, with one range narrowed: a small uncertainty space."""
    lines = ['name = "small_space"', 'description = "test scenario: baseline with six uncertain parameters"',
             "horizon = 12", "[parameters]"]
    lines += [f"{n} = {p.default!r}" for n, p in PARAMETERS.items() if n not in VARIED]
    lines += ["[ranges]", "rationality = [2.0, 6.0]"]
    path = tmp_path_factory.mktemp("sc") / "small_space.toml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


# ----------------------------------------------------------------------------- analytic
def test_ishigami_recovers_the_analytic_indices():
    """N = 8192 base samples (40,960 evaluations). Tolerance: twice the bootstrap 95% half-width.

    SALib's ``_conf`` is the half-width of a 95% bootstrap interval; with a
    fixed seed the check is deterministic, and two half-widths leave room for
    the interval's own sampling error. At this N the half-widths are about
    0.01-0.03, so the test also demands they are below 0.04: it cannot pass
    with uselessly wide intervals.
    """
    X = sample(ISHIGAMI_PROBLEM, "sobol", 8192, seed=0)
    assert X.shape == (8192 * 5, 3)
    Y = ishigami(X, a=7.0, b=0.1)
    est = analyze(ISHIGAMI_PROBLEM, X, Y, "sobol", seed=0)
    true = ishigami_indices(7.0, 0.1)
    np.testing.assert_allclose(true["S1"], [0.3139, 0.4424, 0.0], atol=5e-5)
    np.testing.assert_allclose(true["ST"], [0.5576, 0.4424, 0.2437], atol=5e-5)
    for col in ("S1", "ST"):
        conf = est[f"{col}_conf"].to_numpy()
        assert np.all(conf < 0.04), conf
        err = np.abs(est[col].to_numpy() - true[col].to_numpy())
        assert np.all(err <= 2 * conf), (col, err, conf)


def test_our_ishigami_is_salibs():
    from SALib.test_functions import Ishigami

    X = sample(ISHIGAMI_PROBLEM, "lhs", 50, seed=3)
    np.testing.assert_allclose(ishigami(X), Ishigami.evaluate(X, A=7.0, B=0.1))


def test_sobol_of_an_additive_function():
    """f = x1 + 2 x2 on [0, 1]^3: S1 = ST = 1/5, 4/5, 0."""
    pb = make_problem({"x1": (0, 1), "x2": (0, 1), "x3": (0, 1)})
    X = sample(pb, "sobol", 4096, seed=1)
    est = analyze(pb, X, X[:, 0] + 2 * X[:, 1], "sobol")
    np.testing.assert_allclose(est["S1"], [0.2, 0.8, 0.0], atol=0.03)
    np.testing.assert_allclose(est["ST"], [0.2, 0.8, 0.0], atol=0.03)


def test_morris_of_a_linear_function_is_exact():
    """Elementary effects of a linear function are its slopes times the range."""
    pb = make_problem({"a": (0, 1), "b": (0, 2), "c": (0, 1)})
    X = sample(pb, "morris", 10, seed=2)
    assert X.shape == (10 * 4, 3)
    est = analyze(pb, X, 3 * X[:, 0] + X[:, 1] + 0 * X[:, 2], "morris")
    np.testing.assert_allclose(est["mu_star"], [3.0, 2.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(est["sigma"], [0.0, 0.0, 0.0], atol=1e-9)


def test_analyze_constant_output_and_failed_runs():
    pb = make_problem({"x1": (0, 1), "x2": (0, 1)})
    X = sample(pb, "sobol", 64, seed=0)
    est = analyze(pb, X, np.ones(len(X)), "sobol")
    assert est.attrs["constant"] and (est.to_numpy() == 0).all()
    Y = X[:, 0].copy()
    Y[[3, 10]] = np.nan
    est = analyze(pb, X, Y, "sobol")
    assert est.attrs["imputed"] == 2 and np.isfinite(est.to_numpy()).all()
    with pytest.raises(UserError, match="do not fit a Sobol design"):
        analyze(pb, X[:-1], Y[:-1], "sobol")
    with pytest.raises(UserError, match="allowed: sobol, morris"):
        analyze(pb, X, Y, "fast")


# ----------------------------------------------------------------------------- designs
def test_designs_sizes_ranges_and_errors():
    pb = make_problem({"a": (1.0, 2.0), "b": (-3.0, 0.0), "c": (0.0, 0.5)})
    X = sample(pb, "lhs", 20, seed=5)
    assert X.shape == (20, 3)
    lo, hi = np.array(pb["bounds"]).T
    assert np.all((X >= lo) & (X <= hi))
    # Latin hypercube: one point in each of the 20 strata of every column
    strata = np.floor((X - lo) / (hi - lo) * 20).astype(int)
    assert all(sorted(strata[:, k]) == list(range(20)) for k in range(3))
    np.testing.assert_array_equal(X, sample(pb, "lhs", 20, seed=5))
    assert not np.array_equal(X, sample(pb, "lhs", 20, seed=6))
    assert sample(pb, "sobol", 8, seed=0).shape == (design_rows("sobol", 8, 3), 3) == (40, 3)
    assert sample(pb, "sobol", 8, seed=0, calc_second_order=True).shape == (64, 3)
    assert sample(pb, "morris", 4, seed=0).shape == (16, 3)
    with pytest.raises(UserError, match=r"power of 2.*nearest: 64 or 128"):
        sample(pb, "sobol", 100)
    with pytest.raises(UserError, match="allowed: lhs, sobol, morris"):
        sample(pb, "grid", 10)


def test_streams_share_random_numbers_where_the_estimators_compare():
    D, N = 3, 4
    s = streams("sobol", N, D).reshape(N, D + 2)
    assert (s[:, : D + 1] == np.arange(N)[:, None]).all()  # A_j and AB_i,j
    assert (s[:, -1] == N + np.arange(N)).all()  # B_j
    m = streams("morris", 5, D).reshape(5, D + 1)
    assert (m == np.arange(5)[:, None]).all()
    assert (streams("lhs", 7, D) == np.arange(7)).all()


def test_a_design_with_shared_streams_runs_in_few_batches_and_the_same_whatever_the_batching():
    # Sobol's A_j and AB_i,j share a stream: with explicit replicate ids they still share one batch.
    sc = "baseline"
    pb = problem(sc, ["rationality", "wave_size"])
    X = sample(pb, "sobol", 4, seed=1)
    rs = streams("sobol", 4, 2)
    one = run_design(sc, pb, X, streams=rs, design="sobol", n=4, seed=2, month=[6], outcomes=["alliance_strength"])
    assert one.manifest["run"]["chunks"] == 1  # 16 runs, 8 distinct streams: one batch
    parts = run_design(sc, pb, X, streams=rs, design="sobol", n=4, seed=2, month=[6], outcomes=["alliance_strength"],
                       chunk_size=3)
    assert parts.manifest["run"]["chunks"] == 6
    pd.testing.assert_frame_equal(one.table, parts.table)
    # rows that share a stream differ only through their parameters: equal parameters, equal outcomes
    same = run_design(sc, pb, np.repeat(X[:1], 2, axis=0), streams=np.array([5, 5]), design="custom", seed=2,
                      month=[6], outcomes=["alliance_strength"])
    v = same.table["alliance_strength"].to_numpy()
    assert v[0] == v[1]


# ----------------------------------------------------------------------------- sweeps on the model
def test_sweep_table_manifest_and_reproducibility():
    sw = sweep("baseline", "lhs", n=6, replicates=2, seed=4)
    table, man = sw  # unpacks
    names = problem("baseline")["names"]
    assert len(names) == len(man["parameters"]) == man["num_vars"]
    assert list(table.columns[:4]) == ["row", "replicate", "run", "stream"]
    assert table.shape == (12, 4 + len(names) + len(man["outcomes"]))
    assert (table["row"].to_numpy() == np.repeat(np.arange(6), 2)).all()
    for n in names:  # every row within its range
        lo, hi = man["parameters"][n]
        assert table[n].between(lo, hi).all()
    # the scenario's fixed parameters are not varied
    assert not {"offer_relief", "offer_recognition", "offer_normalisation"} & set(table.columns)
    assert man["scenario"] == "baseline" and len(man["scenario_sha256"]) == 64 and man["seed"] == 4
    assert man["design"] == "lhs" and man["n"] == 6 and man["runs"] == 12 and man["months"] == [36]
    # same seed, same table, whatever the chunking and worker count
    again = sweep("baseline", "lhs", n=6, replicates=2, seed=4, chunk_size=5, workers=2)
    pd.testing.assert_frame_equal(table, again.table)
    assert not table.equals(sweep("baseline", "lhs", n=6, replicates=2, seed=5).table)


def test_a_sweep_run_is_a_plain_run():
    sw = sweep("baseline", "lhs", n=3, replicates=2, seed=7, month=[6, 12], outcomes=["alliance_strength"])
    t = sw.table
    assert sorted(t["month"].unique()) == [6, 12] and len(t) == 3 * 2 * 2
    import alliance_sim

    row = t[t["row"] == 1]
    values = {n: float(row[n].iloc[0]) for n in sw.problem["names"]}
    # rows get streams 0..rows-1, so row 1's replicates are replicates 2 and 3 of the seed
    res = alliance_sim.run("baseline", replicates=4, seed=7, overrides=values)
    got = row[row["month"] == 12]["alliance_strength"].to_numpy()
    expected = res.trajectories.query("step == 12 and replicate in (2, 3)")["alliance_strength"].to_numpy()
    np.testing.assert_array_equal(got, expected)


def test_narrowed_ranges_fixed_parameters_and_subsets(small_scenario):
    sw = sweep(small_scenario, "lhs", n=10, seed=1)
    assert sorted(sw.problem["names"]) == sorted(VARIED)
    assert sw.manifest["parameters"]["rationality"] == [2.0, 6.0]
    assert sw.table["rationality"].between(2.0, 6.0).all()
    sub = sweep(small_scenario, "lhs", n=4, parameters={"rationality": (3.0, 4.0), "deal_rate": None})
    assert sub.problem["names"] == ["rationality", "deal_rate"]
    assert sub.table["rationality"].between(3.0, 4.0).all()
    fixed = sweep(small_scenario, "lhs", n=4, overrides={"rationality": 2.5})
    assert "rationality" not in fixed.table.columns and fixed.manifest["fixed"] == {"rationality": 2.5}
    with pytest.raises(UserError, match="fixed by scenario"):
        sweep(small_scenario, "lhs", n=4, parameters=["w_prk_cash"])
    with pytest.raises(UserError, match="not allowed; allowed: low < high within \\[2, 6\\]"):
        sweep(small_scenario, "lhs", n=4, parameters={"rationality": (1.0, 3.0)})
    with pytest.raises(UserError, match="outside the horizon; allowed: 1 to 12"):
        sweep(small_scenario, "lhs", n=4, month=13)
    with pytest.raises(UserError, match="unknown metric 'nope'"):
        sweep(small_scenario, "lhs", n=4, outcomes=["nope"])


def test_custom_design_must_fit_the_problem(small_scenario):
    pb = problem(small_scenario)
    with pytest.raises(UserError, match="expected \\(rows, 6\\)"):
        run_design(small_scenario, pb, np.zeros((3, 2)))


def test_sensitivity_on_the_model_gives_finite_indices_and_figures(small_scenario):
    import matplotlib

    matplotlib.use("Agg")
    from alliance_sim.explore import plots

    idx, sw = sensitivity(small_scenario, "alliance_strength", method="sobol", n=16, seed=2, return_sweep=True)
    assert sorted(idx.index) == sorted(VARIED)
    assert np.isfinite(idx[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()).all()
    assert idx["ST"].is_monotonic_decreasing
    assert idx.attrs["runs"] == 16 * (6 + 2) and idx.attrs["month"] == 12
    assert sw.manifest["common_random_numbers"]
    fig = plots.tornado(idx)
    assert len(fig.axes[0].patches) == 2 * 6
    assert plots.top2_scatter(idx, sw).axes[0].get_xlabel() == idx.index[0]
    assert plots.top2_binned(idx, sw).axes[0].get_xlabel() == idx.index[0]
    # the two methods agree: the same two parameters lead, and a parameter with no elementary
    # effect anywhere in the Morris design has no Sobol index either
    screen = sensitivity(small_scenario, "alliance_strength", method="morris", n=8, seed=2)
    assert list(idx.index[:2]) == list(screen.index[:2])
    inert = screen.index[screen["mu_star"] == 0]
    assert len(inert) and (idx.loc[inert, ["S1", "ST"]] == 0).all().all()
    mo = sensitivity(small_scenario, "us_prk_talks > 0.1", method="morris", n=4, seed=2)
    assert list(mo.columns) == ["mu_star", "mu_star_conf", "mu", "sigma"]
    assert np.isfinite(mo.to_numpy()).all() and mo.attrs["outcome"] == "us_prk_talks > 0.1"
    assert len(plots.tornado(mo).axes[0].patches) == 6
    # outcome distributions of one design on two scenarios
    other = sweep(small_scenario, "lhs", n=8, seed=1, outcomes=["alliance_strength", "us_prk_deal"])
    fig = plots.outcome_distributions({"a": other, "b": other}, "alliance_strength")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["a", "b"]
    plots.outcome_distributions(other, "us_prk_deal > 0.5")
    with pytest.raises(UserError, match="power of 2"):
        sensitivity(small_scenario, "alliance_strength", n=12)
    with pytest.raises(UserError, match="allowed: sobol, morris"):
        sensitivity(small_scenario, "alliance_strength", method="fast")


# ----------------------------------------------------------------------------- CLI


def test_cli_sweep_and_sensitivity_write_their_outputs(tmp_path):
    out = tmp_path / "sw"
    r = cli("sweep", "baseline", "--design", "lhs", "--n", 5, "--replicates", 2, "--seed", 3, "--month", 12,
            "--out", out)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "scenario.toml", "sweep.parquet"]
    t = pd.read_parquet(out / "sweep.parquet")
    man = json.loads((out / "manifest.json").read_text())
    assert len(t) == 10 and man["months"] == [12] and man["seed"] == 3 and man["design"] == "lhs"
    out = tmp_path / "sens"
    r = cli("sensitivity", "baseline", "--outcome", "alliance_strength", "--method", "sobol", "--n", 4,
            "--parameter", "rationality", "--parameter", "w_rus_secure", "--parameter", "alliance_growth",
            "--out", out)
    assert r.returncode == 0, r.stderr
    assert "S1" in r.stdout and "±" in r.stdout and "rationality" in r.stdout
    assert {"indices.csv", "manifest.json", "tornado.png", "top2_binned.png"} <= {p.name for p in out.iterdir()}
    idx = pd.read_csv(out / "indices.csv")
    assert list(idx.columns) == ["parameter", "S1", "S1_conf", "ST", "ST_conf"] and len(idx) == 3


@pytest.mark.parametrize("args, message", [
    (("sweep", "baseline", "--design", "sobol", "--n", 100), "N must be a power of 2"),
    (("sweep", "baseline", "--month", 37), "allowed: 1 to 36"),
    (("sweep", "baseline", "--parameter", "offer_relief"), "fixed by scenario 'baseline'"),
    (("sensitivity", "baseline", "--outcome", "deal > 0.5"), "unknown metric 'deal'"),
    (("sensitivity", "baseline", "--outcome", "alliance_strength", "--method", "fast"), "invalid choice: 'fast'"),
    (("sensitivity", "baseline", "--outcome", "__import__('os')"), "cannot read outcome"),
])
def test_cli_bad_input_is_one_line_and_writes_nothing(tmp_path, args, message):
    r = cli(*args, "--out", tmp_path / "out", cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert list(tmp_path.iterdir()) == []
