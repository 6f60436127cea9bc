"""Scenario discovery: outcome expressions, PRIM and CART on problems with a known answer, the model path, the CLI."""
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _cli import cli

from alliance_sim.errors import UserError
from alliance_sim.explore import cart, discover, feature_scores, find_boxes, parse_outcome, prim
from alliance_sim.explore.outcomes import Outcome, metrics

ROOT = Path(__file__).resolve().parents[1]
UNIT = {c: (0.0, 1.0) for c in ("x1", "x2", "x3", "x4")}


def known_box(n=2000, noise=0.0, seed=0):
    """Cases of interest: x1 > 0.7 and x2 < 0.3 (x3, x4 irrelevant), a share ``noise`` of labels flipped."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.random((n, 4)), columns=list(UNIT))
    y = ((X["x1"] > 0.7) & (X["x2"] < 0.3)).to_numpy()
    return X, y ^ (rng.random(n) < noise)


# ----------------------------------------------------------------------------- outcome expressions
@pytest.mark.parametrize("text, expected", [
    ("us_prk_deal > 0.5", Outcome("us_prk_deal", ">", 0.5)),
    ("alliance_strength<=0.4", Outcome("alliance_strength", "<=", 0.4)),
    ("  blood_debt >= 1e1 ", Outcome("blood_debt", ">=", 10.0)),
    ("payoff_PRK != -.5", Outcome("payoff_PRK", "!=", -0.5)),
    ("war_intensity", Outcome("war_intensity")),
])
def test_outcome_expressions(text, expected):
    assert parse_outcome(text) == expected


@pytest.mark.parametrize("text, message", [
    ("deal > 0.5", "unknown metric 'deal'"),
    ("us_prk_deal >> 0.5", "cannot read outcome"),
    ("us_prk_deal > 0.5 and war_intensity < 1", "cannot read outcome"),
    ("__import__('os').system('true')", "cannot read outcome"),
    ("us_prk_deal > abc", "cannot read outcome"),
    ("", "cannot read outcome"),
])
def test_bad_outcome_expressions_name_what_is_allowed(text, message):
    with pytest.raises(UserError, match=message) as e:
        parse_outcome(text)
    assert "allowed:" in str(e.value) or "operators: >=, <=, ==, !=, >, <" in str(e.value)


def test_outcome_condition_rules_and_evaluation():
    with pytest.raises(UserError, match="needs a condition"):
        parse_outcome("us_prk_deal", condition=True)
    with pytest.raises(UserError, match="expected a metric name"):
        parse_outcome("us_prk_deal > 0", condition=False)
    o = parse_outcome("alliance_strength < 0.5")
    out = o.evaluate([0.2, 0.7, np.nan])
    assert out[:2].tolist() == [1.0, 0.0] and np.isnan(out[2])
    assert str(o) == "alliance_strength < 0.5" and o.slug == "alliance_strength_lt_0p5"
    assert "us_prk_deal" in metrics() and "payoff_UKR" in metrics()


# ----------------------------------------------------------------------------- PRIM and CART on a known box
def _assert_box(d, tol):
    box = d.box(0)
    assert set(box) == {"x1", "x2"}, box
    assert abs(box["x1"][0] - 0.7) < tol and box["x1"][1] == pytest.approx(1.0, abs=0.01)
    assert box["x2"][0] == pytest.approx(0.0, abs=0.01) and abs(box["x2"][1] - 0.3) < tol


def test_prim_recovers_a_known_box():
    X, y = known_box()
    d = prim(X, y, bounds=UNIT, threshold=0.95)
    _assert_box(d, tol=0.05)
    s = d.stats.iloc[0]
    assert s.coverage > 0.95 and s.density >= 0.95 and s.res_dim == 2
    tr = d.trajectory
    assert tr["coverage"].iloc[0] == 1.0 and tr["density"].iloc[0] == pytest.approx(y.mean())
    assert tr["selected"].sum() == 1 and (np.diff(tr["mass"]) < 0).all()
    assert (d.limits["qp"] < 1e-10).all()


def test_prim_with_noisy_labels_and_chance_restrictions_dropped():
    X, y = known_box(noise=0.05, seed=1)
    d = prim(X, y, bounds=UNIT, threshold=0.8)
    _assert_box(d, tol=0.08)
    assert d.stats.iloc[0].density > 0.7


def test_prim_covering_finds_two_boxes():
    """A large box and a small one: the second is found among the cases outside the first."""
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.random((3000, 3)), columns=["x1", "x2", "x3"])
    y = (((X.x1 > 0.6) & (X.x2 > 0.6)) | ((X.x1 < 0.15) & (X.x2 < 0.15))).to_numpy()
    d = prim(X, y, bounds={c: (0, 1) for c in X}, threshold=0.9, n_boxes=2, mass_min=0.01)
    assert len(d.stats) == 2
    big, small = d.box(0), d.box(1)
    assert set(big) == set(small) == {"x1", "x2"}
    assert abs(big["x1"][0] - 0.6) < 0.05 and abs(big["x2"][0] - 0.6) < 0.05
    assert abs(small["x1"][1] - 0.15) < 0.05 and abs(small["x2"][1] - 0.15) < 0.05
    assert d.stats["coverage"].sum() > 0.95


def test_cart_recovers_a_known_box():
    pytest.importorskip("sklearn")
    X, y = known_box()
    d = cart(X, y, bounds=UNIT, max_depth=3)
    _assert_box(d, tol=0.03)
    assert d.stats.iloc[0].density > 0.95 and "x1 >= " in d.stats.iloc[0].rule


def test_prim_agrees_with_the_ema_workbench():
    ema = pytest.importorskip("ema_workbench.analysis.prim")
    X, y = known_box(seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = ema.Prim(X, y, threshold=0.8).find_box()
        theirs = box.box_lims[-1]  # the last, densest box on their trajectory
    ours = prim(X, y, bounds=UNIT, threshold=1.0).box(0)
    assert abs(ours["x1"][0] - theirs.loc[0, "x1"]) < 0.03
    assert abs(ours["x2"][1] - theirs.loc[1, "x2"]) < 0.03


def test_feature_scores_and_screening():
    X, y = known_box()
    fs = feature_scores(X, y)
    assert set(fs["parameter"][:2]) == {"x1", "x2"} and (fs["p_value"][2:] > 1e-3).all()
    d = find_boxes(X, y, "prim", screen_k=3, bounds=UNIT, threshold=0.95)
    assert d.meta["screened"] == ["x1", "x2"] and set(d.box(0)) == {"x1", "x2"}
    with pytest.raises(UserError, match="allowed: prim, cart"):
        find_boxes(X, y, "boosting")


def test_no_case_of_interest():
    X, _ = known_box(n=200)
    d = prim(X, np.zeros(200, dtype=bool), bounds=UNIT)
    assert d.stats.empty and "No box found" in d.summary()


# ----------------------------------------------------------------------------- on the model
def test_discover_on_the_model_with_figures():
    import matplotlib

    matplotlib.use("Agg")
    d = discover("baseline", "alliance_strength < 0.8", month=12, n=150, seed=1, method="prim")
    assert d.meta["sweep"].manifest["runs"] == 150 and len(d.y) == 150
    assert 0 < d.y.mean() < 1
    assert {"coverage", "density", "mass", "res_dim", "rule"} <= set(d.stats.columns)
    figs = d.figures()
    assert set(figs) == {"box_limits", "peeling_trajectory", "box_scatter"}
    assert "PRIM on 150 cases" in d.summary()
    pytest.importorskip("sklearn")
    c = discover("baseline", "alliance_strength < 0.8", month=12, n=150, seed=1, method="cart")
    assert len(c.stats) >= 1 and set(c.figures()) == {"box_limits", "tree", "box_scatter"}
    with pytest.raises(UserError, match="needs a condition"):
        discover("baseline", "alliance_strength", n=10)


# ----------------------------------------------------------------------------- CLI


def test_cli_discover_writes_tables_and_figures(tmp_path):
    out = tmp_path / "disc"
    r = cli("discover", "baseline", "--outcome", "alliance_strength < 0.8", "--month", 12, "--n", 120,
            "--out", out)
    assert r.returncode == 0, r.stderr
    assert "Box 0: coverage" in r.stdout and "density" in r.stdout
    names = {p.name for p in out.iterdir()}
    assert {"boxes.csv", "limits.csv", "trajectory.csv", "manifest.json", "box_limits.png",
            "peeling_trajectory.png"} <= names


@pytest.mark.parametrize("args, message", [
    (("--outcome", "us_prk_deal"), "needs a condition"),
    (("--outcome", "us_prk_deal > 0.5", "--method", "forest"), "invalid choice: 'forest'"),
    (("--threshold", "1.5"), "allowed: 0 < value <= 1"),
])
def test_cli_discover_bad_input(tmp_path, args, message):
    r = cli("discover", "baseline", *args, "--out", tmp_path / "out", cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []
