"""Robustness across solution concepts: the grid, the verdicts, the document and the command's errors."""
import json

import numpy as np
import pandas as pd
import pytest

import alliance_sim as a
from alliance_sim.errors import UserError
from alliance_sim.explore.robustness import COLUMNS, DEPENDS, HOLDS, NONE, concepts, markdown, verdict, \
    verdicts, with_verdicts
from _cli import cli

METRICS = ["prk_troops_in_russia", "ceasefire", "us_prk_deal"]


@pytest.fixture(scope="module")
def grid():
    return a.robustness(["baseline", "ukraine_ceasefire", "kor_engagement"], ("qre", "nash"), (2, 12),
                        replicates=40, seed=1, metrics=METRICS)


def test_the_grid_runs_qre_at_each_rationality_and_nash_once(grid):
    assert list(grid.columns) == list(COLUMNS)
    assert len(grid) == 2 * len(METRICS) * 3  # scenarios (not the reference) x metrics x concepts
    assert list(dict.fromkeys(grid["concept"])) == ["qre@2", "qre@12", "nash"]
    assert set(grid["reference"]) == {"baseline"} and set(grid["month"]) == {36}
    nash = grid[grid["concept"] == "nash"]
    assert nash["rationality"].isna().all() and (nash["solution"] == "nash").all()
    # one verdict per scenario x metric
    assert (grid.groupby(["scenario", "metric"])["verdict"].nunique() == 1).all()


def test_the_grid_is_compare_under_each_concept(grid):
    """Same seed, same pairs: each row is what compare gives under that concept."""
    cmp = a.compare(["baseline", "ukraine_ceasefire", "kor_engagement"], 40, seed=1, overrides={"rationality": 12.0})
    t = cmp.table(METRICS).set_index(["scenario", "metric"])
    g = grid[grid["concept"] == "qre@12"].set_index(["scenario", "metric"])
    for key in g.index:
        assert g.loc[key, "diff"] == pytest.approx(t.loc[key, "diff_from_first"])
        assert g.loc[key, "lo"] == pytest.approx(t.loc[key, "lo"])
        assert g.loc[key, "reference_mean"] == pytest.approx(t.loc[("baseline", key[1]), "mean"])


def test_known_verdicts_of_the_small_grid(grid):
    v = grid.drop_duplicates(["scenario", "metric"]).set_index(["scenario", "metric"])["verdict"]
    assert v[("ukraine_ceasefire", "ceasefire")] == HOLDS  # a ceasefire in every run, under every concept
    assert v[("ukraine_ceasefire", "prk_troops_in_russia")] == HOLDS
    assert v[("kor_engagement", "ceasefire")] == NONE


def test_sign_holds_logic_on_a_constructed_table():
    rows = []
    cases = {"same sign": [(-3, -2), (-5, -1), (-0.5, -0.1)],          # holds
             "one concept ~0": [(1, 2), (-0.1, 0.3), (0.2, 0.4)],        # depends
             "flips": [(1, 2), (-2, -1), (0.5, 1.0)],                    # depends
             "never clear": [(-1, 1), (0, 0), (-0.2, 0.0)],              # ~0 everywhere (0 is covered)
             "clear by zero width": [(0.5, 0.5), (0.5, 0.5), (0.1, 0.9)]}
    for scenario, intervals in cases.items():
        for concept, (lo, hi) in zip(("qre@2", "qre@12", "nash"), intervals):
            rows.append(dict(scenario=scenario, reference="baseline", metric="m", month=36, concept=concept,
                             diff=(lo + hi) / 2, lo=lo, hi=hi, covers_zero=lo <= 0 <= hi))
    t = with_verdicts(pd.DataFrame(rows), order=["qre@2", "qre@12", "nash"])
    got = t.drop_duplicates("scenario").set_index("scenario")["verdict"].to_dict()
    assert got == {"same sign": HOLDS, "one concept ~0": DEPENDS, "flips": DEPENDS, "never clear": NONE,
                   "clear by zero width": HOLDS}
    assert list(t[t.scenario == "flips"]["sign"]) == [1, -1, 1]
    assert verdict([0, 0]) == NONE and verdict([-1, -1]) == HOLDS and verdict([1, 0]) == DEPENDS
    assert verdicts(t).loc["same sign", "m"] == "holds (-)"


def test_concepts_are_checked_before_any_run():
    assert [c["concept"] for c in concepts(("qre", "nash", "pure"), (2, 12))] == ["qre@2", "qre@12", "nash", "pure"]
    assert [c["concept"] for c in concepts("nash", (2, 12))] == ["nash"]  # nash does not use rationality
    with pytest.raises(UserError, match="unknown solution concept 'logit'"):
        concepts(("qre", "logit"))
    with pytest.raises(UserError, match=r"rationality.*out of range"):
        concepts(("qre",), (2, 40))
    with pytest.raises(UserError, match="rationality is set by the grid"):
        a.robustness(["baseline", "escalation"], overrides={"rationality": 3.0}, replicates=2)
    with pytest.raises(UserError, match="at least two scenarios"):
        a.robustness(["baseline"], replicates=2)


def test_the_markdown_says_what_holds_and_what_depends(grid):
    text = markdown(grid, command="alliance-sim robustness ...", replicates=40, seed=1)
    assert text.startswith("# Scenario differences across solution concepts")
    assert "## Verdicts" in text and "holds (+)" in text and "~0 everywhere" in text
    for c in ("`qre@2`", "`qre@12`", "`nash`"):
        assert c in text
    for line in text.splitlines():
        if line.startswith("| `ukraine_ceasefire` |") and "[" in line:
            assert line.count("|") == 6  # scenario, three concepts, verdict


def test_cli_robustness_writes_its_folder_and_the_markdown(tmp_path):
    out, md = tmp_path / "rob", tmp_path / "robustness.md"
    r = cli("robustness", "baseline", "ukraine_ceasefire", "-n", 20, "--solution", "qre,nash", "--rationality", "2,12",
            "--metric", "ceasefire", "--metric", "prk_troops_in_russia", "--out", out, "--markdown", md)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines if not line.startswith("wrote")) <= 100
    assert "ukraine_ceasefire - baseline:" in r.stdout and "holds" in r.stdout and "nash" in r.stdout
    assert md.read_text() == (out / "robustness.md").read_text()
    assert "alliance-sim robustness baseline ukraine_ceasefire -n 20" in md.read_text()
    t = pd.read_csv(out / "robustness.csv")
    assert len(t) == 2 * 3 and list(t.columns) == list(COLUMNS)
    man = json.loads((out / "manifest.json").read_text())
    assert man["kind"] == "robustness" and man["concepts"] == ["qre@2", "qre@12", "nash"]
    # the markdown file is never replaced without --overwrite, and nothing runs first
    r = cli("robustness", "baseline", "ukraine_ceasefire", "-n", 20, "--out", tmp_path / "rob2", "--markdown", md)
    assert r.returncode == 2 and "exists" in r.stderr and not (tmp_path / "rob2").exists()


@pytest.mark.parametrize("args, message", [
    (["--solution", "qre,logit"], "unknown solution concept 'logit'"),
    (["--rationality", "2,13"], "out of range"),
    (["--rationality", "two"], "not a comma-separated list of numbers"),
    (["--solution", "nash", "--rationality", "2"], "applies to qre only"),
    (["--set", "rationality=3"], "--rationality"),
    (["--metric", "nope"], "unknown metric 'nope'"),
    (["--month", "99"], "allowed: 0 to 36"),
])
def test_cli_bad_input_is_one_line_and_exit_2_before_any_work(tmp_path, args, message):
    out = tmp_path / "out"
    r = cli("robustness", "baseline", "escalation", "-n", 2, "--out", out, *args)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not out.exists()
