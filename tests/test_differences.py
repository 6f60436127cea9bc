"""Differences between scenarios: paired, with intervals that cover at their stated rate, flagged when ~0."""
import numpy as np
import pandas as pd
import pytest

import alliance_sim as a
from alliance_sim.errors import UserError
from alliance_sim.output.comparison import DIFF_COLUMNS, newcombe, paired_t, welch_t
from _cli import cli

TRIALS = 1000  # synthetic experiments per coverage check; columns of one array, so all are solved at once


@pytest.fixture(scope="module")
def cmp():
    return a.compare(["baseline", "ukraine_ceasefire", "kor_engagement"], replicates=40, seed=3)


# ----------------------------------------------------------------------------- the interval methods
def test_paired_t_interval_covers_the_true_difference_at_its_stated_rate():
    """1,000 synthetic experiments of 30 pairs sharing a common noise, true mean difference 0.3:
    the 90% interval contains 0.3 in 86-94% of them (binomial sd of the rate ~0.0095)."""
    rng = np.random.default_rng(20261203)
    common = rng.normal(0, 3.0, (30, TRIALS))  # what the shared random streams make both runs share
    x = common + 0.3 + rng.normal(0, 1.0, (30, TRIALS))
    y = common + rng.normal(0, 1.0, (30, TRIALS))
    diff, lo, hi, n = paired_t(x, y, 0.9)
    covered = np.mean((lo <= 0.3) & (0.3 <= hi))
    assert 0.86 <= covered <= 0.94, covered
    assert (n == 30).all() and np.allclose(diff, (x - y).mean(axis=0))


def test_newcombe_paired_interval_covers_the_true_difference_of_shares_at_its_stated_rate():
    """Correlated 0/1 pairs (80% share one uniform), shares 0.30 and 0.20: the 90% interval covers 0.10."""
    rng = np.random.default_rng(7)
    u = rng.random((200, TRIALS))
    v = np.where(rng.random((200, TRIALS)) < 0.8, u, rng.random((200, TRIALS)))
    x, y = (u < 0.30).astype(float), (v < 0.20).astype(float)
    diff, lo, hi, n = newcombe(x, y, 0.9)
    covered = np.mean((lo <= 0.10) & (0.10 <= hi))
    assert 0.86 <= covered <= 0.94, covered
    assert ((-1 <= lo) & (hi <= 1)).all()


def test_pairing_matters_a_paired_interval_is_narrower_when_the_noise_is_shared():
    rng = np.random.default_rng(1)
    common = rng.normal(0, 3.0, (100, 1))
    x, y = common + 0.3 + rng.normal(0, 0.5, (100, 1)), common + rng.normal(0, 0.5, (100, 1))
    _, plo, phi, _ = paired_t(x, y)
    _, wlo, whi, _ = welch_t(x, y)
    assert (phi - plo)[0] < 0.25 * (whi - wlo)[0]
    assert plo[0] > 0 > wlo[0]  # the paired interval finds the difference the unpaired one cannot


def test_pairing_matters_in_the_model_where_scenarios_share_their_random_streams(cmp):
    base, cease = (cmp.results[n].trajectories for n in ("baseline", "ukraine_ceasefire"))
    x = base[base.month == 12].sort_values("replicate")["prk_casualties"].to_numpy()[:, None]
    y = cease[cease.month == 12].sort_values("replicate")["prk_casualties"].to_numpy()[:, None]
    _, plo, phi, _ = paired_t(x, y)
    _, wlo, whi, _ = welch_t(x, y)
    assert (phi - plo)[0] < (whi - wlo)[0]


def test_no_discordant_pair_gives_a_zero_width_interval_at_zero_which_covers_zero():
    x = np.array([[0.0], [1.0], [1.0], [0.0], [2.5]])
    diff, lo, hi, _ = paired_t(x, x.copy())
    assert diff[0] == lo[0] == hi[0] == 0.0
    # every pair moved by the same amount: no doubt, and no zero in it
    diff, lo, hi, _ = paired_t(x + 1.5, x)
    assert diff[0] == lo[0] == hi[0] == 1.5


def test_a_few_discordant_binary_pairs_are_not_a_finding():
    """3 of 1,000 pairs disagree, all one way (sign test p = 0.25): Newcombe's interval covers zero, where the
    t (Wald) interval on the same 0/1 differences would call it a difference."""
    y = np.zeros((1000, 1))
    x = y.copy()
    x[:3] = 1.0
    _, lo, hi, _ = newcombe(x, y, 0.9)
    assert lo[0] < 0 < hi[0]
    _, tlo, _, _ = paired_t(x, y, 0.9, few=0)  # the plain t (Wald) interval
    assert tlo[0] > 0
    # shares that are 0 in both: the interval covers zero and stays within [-1, 1]
    _, lo, hi, _ = newcombe(y, y, 0.9)
    assert -1 <= lo[0] <= 0 <= hi[0] <= 1


# ----------------------------------------------------------------------------- Comparison.differences
def test_comparison_lives_in_output_and_keeps_its_old_names():
    from alliance_sim.ensemble import Comparison
    from alliance_sim.output.comparison import Comparison as C

    assert Comparison is C is a.Comparison and "robustness" in a.__all__


def test_differences_has_one_row_per_scenario_metric_and_month(cmp):
    d = cmp.differences()
    assert list(d.columns) == list(DIFF_COLUMNS)
    metrics = list(a.ensemble.check_compare_args([], None)[0])
    assert len(d) == 2 * len(metrics) * 37
    assert set(d["scenario"]) == {"ukraine_ceasefire", "kor_engagement"} and set(d["reference"]) == {"baseline"}
    assert sorted(d["month"].unique()) == list(range(37))
    assert (d["n"] == 40).all() and d["paired"].all()
    ok = d["lo"].notna()
    assert (d.loc[ok, "lo"] <= d.loc[ok, "diff"] + 1e-12).all() and (d.loc[ok, "diff"] <= d.loc[ok, "hi"] + 1e-12).all()
    one = cmp.differences(["alliance_strength"], months=[6, 12], level=0.5, reference="kor_engagement")
    assert set(one["scenario"]) == {"baseline", "ukraine_ceasefire"} and list(one["month"].unique()) == [6, 12]
    wide = cmp.differences(["alliance_strength"], months=[6, 12], reference="kor_engagement")
    assert ((one["hi"] - one["lo"]) <= (wide["hi"] - wide["lo"]) + 1e-12).all()  # a 50% interval is narrower


def test_differences_are_the_mean_paired_difference(cmp):
    d = cmp.differences(["prk_troops_in_russia"], months=24).set_index("scenario")
    base, cease = (cmp.results[n].trajectories for n in ("baseline", "ukraine_ceasefire"))
    want = (cease[cease.month == 24].set_index("replicate")["prk_troops_in_russia"]
            - base[base.month == 24].set_index("replicate")["prk_troops_in_russia"]).mean()
    assert d.loc["ukraine_ceasefire", "diff"] == pytest.approx(want)


def test_covers_zero_flags(cmp):
    d = cmp.differences(["ceasefire", "prk_troops_in_russia"]).set_index(["scenario", "metric", "month"])
    # month 0 is the same starting state in every scenario: no difference, a zero-width interval at 0
    start = d.xs(0, level="month")
    assert start["covers_zero"].all() and (start["diff"] == 0).all()
    assert (start.xs("prk_troops_in_russia", level="metric")["hi"] == 0).all()
    # the ceasefire scenario has a ceasefire in every run at month 36, the baseline in none: a difference
    row = d.loc[("ukraine_ceasefire", "ceasefire", 36)]
    assert row["diff"] == 1.0 and not row["covers_zero"] and row["lo"] > 0.9
    assert d.loc[("ukraine_ceasefire", "prk_troops_in_russia", 36), "hi"] < 0


def test_identical_runs_differ_by_zero_everywhere(cmp):
    same = a.Comparison({"a": cmp.results["baseline"], "b": cmp.results["baseline"]})
    d = same.differences(["alliance_strength", "us_prk_deal"])
    assert d["covers_zero"].all() and (d["diff"] == 0).all()


def test_runs_that_do_not_share_streams_are_compared_unpaired(cmp):
    other = a.run("baseline", replicates=40, seed=4)
    mixed = a.Comparison({"baseline": cmp.results["baseline"], "seed 4": other})
    d = mixed.differences(["alliance_strength"], months=[12])
    assert not d["paired"].any() and d["n"].iloc[0] == 40
    assert not mixed.paired("seed 4", "baseline") and cmp.paired("kor_engagement", "baseline")


def test_table_gains_the_interval_for_its_month(cmp):
    t = cmp.table(["alliance_strength", "us_prk_deal"], month=12)
    assert {"lo", "hi", "covers_zero", "diff_from_first", "mean"} <= set(t.columns)
    first = t[t.scenario == "baseline"]
    assert (first["diff_from_first"] == 0).all() and first["covers_zero"].all()
    d = cmp.differences(["alliance_strength", "us_prk_deal"], months=[12]).set_index(["scenario", "metric"])
    for r in t[t.scenario != "baseline"].itertuples():
        assert r.lo == pytest.approx(d.loc[(r.scenario, r.metric), "lo"])
        assert r.covers_zero == d.loc[(r.scenario, r.metric), "covers_zero"]


@pytest.mark.parametrize("kwargs, key", [
    (dict(level=1.0), "level"), (dict(level=0), "level"), (dict(months=[37]), "month"),
    (dict(metrics=["nope"]), "metric"), (dict(reference="nope"), "reference"),
])
def test_bad_arguments_are_one_line_errors(cmp, kwargs, key):
    with pytest.raises(UserError, match=key):
        cmp.differences(**kwargs)


def test_save_and_load_round_trip(cmp, tmp_path):
    out = tmp_path / "cmp"
    cmp.save(out, ["alliance_strength", "ceasefire"], figure_formats=("png",))
    assert (out / "comparison.png").is_file() and (out / "differences.png").is_file()
    saved = pd.read_csv(out / "differences.csv")
    back = a.load(out)
    again = back.differences(["alliance_strength", "ceasefire"])
    assert list(saved.columns) == list(DIFF_COLUMNS) and len(saved) == len(again)
    pd.testing.assert_frame_equal(saved, again, check_dtype=False)
    table = pd.read_csv(out / "comparison.csv")
    assert {"lo", "hi", "covers_zero"} <= set(table.columns)


def test_the_differences_figure_says_what_lines_and_bands_are(cmp):
    fig = cmp.plot_differences(["alliance_strength", "ceasefire"])
    legend = fig.legends[0]
    texts = [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()]
    assert any("90% interval" in t for t in texts) and any("paired difference" in t for t in texts)
    assert any("ukraine_ceasefire − baseline" in t for t in texts)
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_cli_compare_prints_differences_with_intervals_and_flags(tmp_path):
    r = cli("compare", "baseline", "ukraine_ceasefire", "kor_engagement", "-n", 30, "--out", tmp_path / "c",
            "--metric", "ceasefire", "--metric", "prk_troops_in_russia", "--no-figures")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines if not line.startswith("wrote")) <= 100  # "wrote" names the tmp path
    assert "90% interval" in r.stdout and "ukraine_ceasefire - baseline:" in r.stdout
    cease = next(line for line in lines if line.strip().startswith("ceasefire") and "1.000" in line)
    assert "~0" not in cease  # every ceasefire run has one, no baseline run does
    korean = lines[lines.index("kor_engagement - baseline:") + 2]
    assert korean.strip().startswith("ceasefire") and korean.rstrip().endswith("~0")
    assert (tmp_path / "c" / "differences.csv").is_file()


def test_a_difference_made_by_a_handful_of_runs_is_not_a_finding_unless_the_signs_agree():
    """5 of 6 differing pairs up (sign test p = 0.22): the t interval alone would exclude zero; ours covers it.
    With 6 of 6 up (p = 0.03) the direction is clear, and with 40 differing pairs the t interval stands alone."""
    base = np.zeros((500, 1))
    five = base.copy()
    five[:6, 0] = [0.9, 1.1, 1.0, 0.95, 1.05, -0.2]
    _, tlo, _, _ = paired_t(five, base, few=0)
    _, lo, hi, _ = paired_t(five, base)
    assert tlo[0] > 0 and lo[0] == 0.0 < hi[0]
    six = base.copy()
    six[:6, 0] = [0.9, 1.1, 1.0, 0.95, 1.05, 0.2]
    assert paired_t(six, base)[1][0] > 0
    many = base.copy()
    many[:40, 0] = np.r_[np.full(24, 1.0), np.full(16, -0.5)]  # sign test p = 0.27, but the mean is clear
    assert paired_t(many, base)[1][0] == paired_t(many, base, few=0)[1][0] > 0
