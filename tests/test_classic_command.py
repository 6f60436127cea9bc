"""``alliance-sim classic ...`` (alliance_sim.cli.classic), through the real parser, in this process."""
import json

import pandas as pd
import pytest

from alliance_sim.cli import build_parser
from alliance_sim.errors import UserError


def _run(argv):
    args = build_parser().parse_args(argv)
    return args.func(args)


def test_bdm_example_writes_tables_and_figure(tmp_path, capsys):
    out = tmp_path / "bdm"
    assert _run(["classic", "bdm", "--example", "ec", "--out", str(out)]) == 0
    rounds = pd.read_csv(out / "rounds.csv")
    assert rounds["median"].round(1).tolist()[:2] == [7.0, 8.4]
    assert (out / "figures" / "bdm_ec_emissions.png").is_file()
    assert json.loads((out / "manifest.json").read_text())["options"]["probability"] == "code"
    assert "forecast" in capsys.readouterr().out


def test_never_loses_a_file_and_replaces_its_own_results_only_with_overwrite(tmp_path):
    out = tmp_path / "x"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    for extra in ([], ["--overwrite"]):  # a file it did not write is never removed, --overwrite or not
        with pytest.raises(UserError, match="keep.txt"):
            _run(["classic", "landscape", "--example", "unix", "--out", str(out), *extra])
        assert (out / "keep.txt").read_text() == "mine"
    fresh = tmp_path / "y"
    assert _run(["classic", "landscape", "--example", "unix", "--out", str(fresh)]) == 0
    with pytest.raises(UserError, match="--overwrite"):
        _run(["classic", "landscape", "--example", "unix", "--out", str(fresh)])
    assert _run(["classic", "landscape", "--example", "unix", "--out", str(fresh), "--overwrite",
                 "--figure-format", "svg"]) == 0
    assert (fresh / "figures" / "landscape_unix.svg").is_file()
    assert len(pd.read_csv(fresh / "minima.csv")) == 2


@pytest.mark.parametrize("argv, msg", [
    (["classic", "bdm", "--issue", "nope"], "unknown issue"),
    (["classic", "exchange", "--issue", "us_prk_deal"], "at least 2"),
    (["classic", "bdm", "--set", "us_prk_deal.USA.position=2"], r"must be in \[0, 1\]"),
    (["classic", "bdm", "--set", "oops"], "KEY=VALUE"),
    (["classic", "bdm", "--rounds", "-2"], "integer >= 0"),
    (["classic", "bdm", "--q", "3"], r"\[0, 1\]"),
    (["classic", "landscape", "--example", "unix", "--set", "landscape.size.USA=2"], "published example"),
    (["classic", "compare", "--replicates", "1"], "integer >= 2"),
    (["classic", "bdm", "--figure-format", "gif"], "invalid choice"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, argv, msg):
    out = tmp_path / "never"
    with pytest.raises(UserError, match=msg) as e:
        _run(argv + ["--out", str(out)])
    assert "\n" not in str(e.value)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_exchange_and_overrides(tmp_path):
    out = tmp_path / "ex"
    assert _run(["classic", "exchange", "--issue", "tech_transfer", "--issue", "sanctions_relief",
                 "--set", "tech_transfer.USA.salience=0.9", "--no-figures", "--out", str(out)]) == 0
    ex = pd.read_csv(out / "exchanges.csv")
    assert set(ex["issue_p"]) | set(ex["issue_q"]) <= {"tech_transfer", "sanctions_relief"}
    assert not (out / "figures").exists()
    assert json.loads((out / "manifest.json").read_text())["overrides"] == {"tech_transfer.USA.salience": 0.9}


def test_compare_small_ensemble(tmp_path):
    out = tmp_path / "cmp"
    assert _run(["classic", "compare", "--replicates", "20", "--seed", "1", "--out", str(out)]) == 0
    tab = pd.read_csv(out / "side_by_side.csv")
    assert len(tab) == 5 and (tab["abm_low"] <= tab["abm"]).all() and (tab["abm"] <= tab["abm_high"]).all()
    assert (out / "side_by_side.md").read_text().startswith("| issue |")
