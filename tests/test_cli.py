"""The alliance-sim command: outputs, and one-line errors with nothing written."""
import json
import os
import sys
from pathlib import Path

import pytest

from _cli import cli

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "fixtures" / "bad_scenarios"




def test_run_writes_tables_manifest_and_figures(tmp_path):
    out = tmp_path / "res"
    r = cli("run", "ukraine_ceasefire", "--replicates", 50, "--seed", 4, "--out", out, "--set", "rationality=6")
    assert r.returncode == 0, r.stderr
    assert "alliance_strength" in r.stdout and "wrote" in r.stdout
    assert (out / "trajectories.parquet").is_file() and (out / "summary.csv").is_file()
    assert sorted(p.name for p in (out / "figures").glob("*.png")) == ["action_shares.png", "main_metrics.png",
                                                                      "payoffs.png"]
    man = json.loads((out / "manifest.json").read_text())
    assert man["parameters"]["rationality"] == 6.0 and man["seed"] == 4 and man["replicates"] == 50


def test_run_csv_format(tmp_path):
    r = cli("run", "baseline", "-n", 10, "--out", tmp_path / "c", "--format", "csv", "--no-figures")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "c" / "trajectories.csv").is_file() and not (tmp_path / "c" / "figures").exists()


def test_compare_writes_one_figure_and_a_difference_table(tmp_path):
    out = tmp_path / "cmp"
    r = cli("compare", "baseline", "ukraine_ceasefire", "russian_mediation", "-n", 40, "--out", out,
            "--metric", "us_prk_deal", "--metric", "alliance_strength")
    assert r.returncode == 0, r.stderr
    assert (out / "comparison.png").is_file()
    import pandas as pd
    t = pd.read_csv(out / "comparison.csv")
    assert set(t["scenario"]) == {"baseline", "ukraine_ceasefire", "russian_mediation"}
    assert (t.loc[t.scenario == "baseline", "diff_from_first"] == 0).all()
    assert ((t["lo"] <= t["diff_from_first"]) & (t["diff_from_first"] <= t["hi"])).all()
    d = pd.read_csv(out / "differences.csv")
    assert set(d["scenario"]) == {"ukraine_ceasefire", "russian_mediation"} and set(d["month"]) == set(range(37))
    assert (out / "differences.png").is_file() and "90% interval" in r.stdout


def test_list_validate_explain_parameters_claims():
    r = cli("list")
    assert r.returncode == 0 and "russian_mediation" in r.stdout
    r = cli("validate", ROOT / "scenarios" / "escalation.toml")
    assert r.returncode == 0 and "ok" in r.stdout
    r = cli("explain", "PRK", "--scenario", "russian_mediation", "--month", 12)
    assert r.returncode == 0, r.stderr
    assert "guarantee_at_risk" in r.stdout and "blood_debt.obligation" in r.stdout
    r = cli("parameters", "--grep", "blood")
    assert r.returncode == 0 and "blood_debt_decay" in r.stdout
    r = cli("claims", "--id", "treaty.dates")
    assert r.returncode == 0 and "2024-12-04" in r.stdout


def _one_line_error(r):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("alliance-sim: error: ")
    assert "Traceback" not in r.stderr
    return lines[0]


@pytest.mark.parametrize("bad", sorted(p.name for p in BAD.glob("*.toml")))
def test_bad_scenario_files_fail_with_one_line_and_no_output(tmp_path, bad):
    out = tmp_path / "never"
    line = _one_line_error(cli("run", BAD / bad, "--out", out, "-n", 5))
    assert bad in line
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, fragment", [
    (["run", "baseline", "--replicates", "zero"], "'zero' is not a whole number"),
    (["run", "baseline", "--bogus"], "unrecognized arguments: --bogus"),
    (["run", "baseline", "--set", "rationality=99"], "--set rationality: value 99 out of range; allowed: [1, 12]"),
    (["run", "baseline", "--set", "no_such_param=1"], "unknown parameter 'no_such_param'"),
    (["run", "baseline", "--set", "rationality"], "expected NAME=VALUE"),
    (["run", "atlantis"], "unknown scenario 'atlantis'"),
    (["explain", "JPN"], "unknown actor 'JPN'; allowed: USA, RUS, PRK, KOR, CHN, UKR"),
    (["explain", "PRK", "--action", "PRK=invade"], "allowed: bargain: expand/refuse, sustain/refuse"),
    (["explain", "PRK", "--scenario", "baseline", "--month", "99"], "allowed: 1 to 36"),
    (["compare", "baseline"], "at least two scenarios"),
    (["compare", "baseline", "escalation", "-n", "5", "--metric", "nope"], "unknown metric 'nope'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_bad_flags_fail_with_one_line_and_no_output(tmp_path, args, fragment):
    line = _one_line_error(cli(*args, cwd=tmp_path))
    assert fragment in line
    assert list(tmp_path.iterdir()) == []


def test_installed_entry_point_and_module_run_in_a_real_process(tmp_path):
    """The one subprocess check here: the console script (or ``python -m``) starts and answers."""
    import shutil
    import subprocess

    exe = shutil.which("alliance-sim", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "alliance_sim"]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    r = subprocess.run(cmd + ["--version"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("alliance-sim ")
    r = subprocess.run(cmd + ["run", "nope"], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "nope" in r.stderr
    assert list(tmp_path.iterdir()) == []
