"""Calibration (history matching against the articles' dated figures) and runs drawn from its accepted sets."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from alliance_sim.calibrated import calibrated_overrides, draw_rows, read_calibrated
from alliance_sim.domain.parameters import PARAMETERS
from alliance_sim.domain.scenario import load_scenario
from alliance_sim.ensemble import run
from alliance_sim.errors import UserError
from alliance_sim.explore.calibrate import (calibrate, history_scenario, implausibility, load_targets,
                                            month_label)

from _cli import cli

HISTORY = """
[history]
start = "2024-11"
horizon = 6
[history.parameters]
init_prk_casualties = 1.1
init_prk_experience = 0.0
"""


def target(tid, metric, date, value=None, sd=0.3, **kw):
    lines = [f'[[target]]', f'id = "{tid}"', 'claims = ["troops.first_wave"]']
    if metric is not None:
        lines.append(f'metric = "{metric}"')
    lines.append(f'date = "{date}"')
    if value is not None:
        lines.append(f"value = {value}")
    lines.append(f"sd = {sd}")
    for k, v in kw.items():
        lines.append(f"{k} = {json.dumps(v)}")
    lines.append('why = "made by the model itself"')
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- the shipped targets
def test_shipped_targets_load_and_cover_the_dated_claims():
    tg = load_targets()
    ids = {t.id for t in tg.targets}
    assert {"troops_first_wave", "casualties_december", "casualties_winter", "second_wave", "treaty_in_force",
            "kursk_by_march"} <= ids
    assert tg.readings == ("established", "rear_only")  # the contested troop reports, default first
    assert all(1 <= t.month <= tg.horizon for t in tg.targets)
    hist, shift = history_scenario(load_scenario("baseline"), tg)
    assert shift == 2 and month_label(tg.start, shift) == "2024-12"  # baseline's month 0 is December 2024
    assert [e.month for e in hist.events if e.kind == "troop_wave"] == [4]  # the second wave, February 2025


def test_implausibility_is_distance_from_the_interval_over_the_combined_sd():
    tg = load_targets()
    t = next(t for t in tg.targets if t.id == "casualties_december")
    sim = np.array([[2.0, 2.0], [3.6, 3.6], [0.5, 0.5]])  # inside, 0.6 above, 0.6 below; no model spread
    assert implausibility(sim, t) == pytest.approx([0.0, 0.6 / t.sd, 0.6 / t.sd])


# --------------------------------------------------------------------------- round trip
KNOWN = {"init_prk_troops": 6.0, "casualty_rate": 0.12, "front_rate": 0.08}
QUIET = {"casualty_noise": 0.0, "war_noise": 0.0, "front_noise": 0.0, "rationality": 12.0}


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    """Simulate with known values, make targets from that history, calibrate over a box holding them.

    The known values keep the simulated December 2024 inside the plausible starting ranges (6,000 troops in
    October grow to about 13,000 by December), as the truth must for a set to be accepted."""
    sc = load_scenario("baseline").with_overrides(QUIET)
    tg = load_targets()
    hist, _ = history_scenario(sc, tg)
    df = run(hist, replicates=20, seed=5, overrides=KNOWN).trajectories
    text = HISTORY
    for metric, sd in (("prk_troops_in_russia", 0.3), ("prk_casualties_month", 0.1), ("front", 0.01)):
        for m in range(1, 7):
            mean = float(df.loc[df["month"] == m, metric].mean())
            text += target(f"{metric}_{m}", metric, month_label("2024-11", m), mean, sd)
    path = tmp_path_factory.mktemp("rt") / "targets.toml"
    path.write_text(text)
    cal = calibrate(sc, path, n=400, replicates=8, seed=2, variance="mean",
                    parameters=list(KNOWN) + ["w_chn_deal"])
    return cal


def test_round_trip_recovers_the_known_values(round_trip):
    """The known values lie inside the accepted region, which is clearly smaller than the prior for the
    parameters the targets inform (accepted sd at most 60% of the prior's for the starting troops and the
    casualty rate; the front's rate, blurred by the month's choices, only somewhat: below 95%) and not for one
    they do not inform (China's weight on a deal)."""
    cal = round_trip
    acc = cal.accepted()
    assert 0 < len(acc) < 0.5 * cal.manifest["sets"]
    for name, value in KNOWN.items():
        col = "history_" + name if name.startswith("init_") else name
        assert acc[col].min() <= value <= acc[col].max(), name
    ratio = cal.ranges().set_index("parameter")["sd_ratio"]
    assert ratio["init_prk_troops"] <= 0.6
    assert ratio["casualty_rate"] <= 0.6
    assert ratio["front_rate"] < 0.95
    assert ratio["w_chn_deal"] >= 0.8


def test_starting_state_is_handed_over_from_the_simulated_december(round_trip):
    """The carried init_* values are the accepted sets' simulated December 2024, within the plausible ranges."""
    acc = round_trip.accepted()
    for name in ("init_prk_troops", "init_prk_casualties", "init_front", "init_alliance_strength"):
        spec = PARAMETERS[name]
        assert acc[name].between(spec.low, spec.high).all()
    s = round_trip.samples  # a set whose December leaves the plausible starting ranges is not accepted
    assert not (s["accepted_all"] & ~s["start_in_range"]).any()
    # troops in December differ from the sampled October values (the history moved them)
    assert not np.allclose(acc["init_prk_troops"], acc["history_init_prk_troops"])


# --------------------------------------------------------------------------- --calibrated draws
@pytest.fixture(scope="module")
def folder(round_trip, tmp_path_factory):
    out = tmp_path_factory.mktemp("cal") / "out"
    round_trip.save(out, figure_formats=("png",))
    return out


def test_saved_folder_has_accepted_sets_manifest_and_a_figure_per_target(folder, round_trip):
    man = json.loads((folder / "manifest.json").read_text())
    assert man["kind"] == "calibrate" and man["cutoff"] == 3.0 and man["sets"] == 400
    assert man["acceptance"]["all"]["accepted"] == len(round_trip.accepted())
    figs = sorted(p.stem for p in (folder / "figures").glob("*.png"))
    assert len(figs) == len(round_trip.targets.targets)


def test_calibrated_draws_are_reproducible_and_only_use_accepted_sets(folder):
    df, _, _ = read_calibrated(folder)
    a, info = calibrated_overrides(folder, 50, seed=3)
    b, _ = calibrated_overrides(folder, 80, seed=3)
    for name in a:  # replicate i's draw depends only on the seed and i
        np.testing.assert_array_equal(a[name], b[name][:50])
    rows = {tuple(r) for r in df[list(a)].to_numpy()}
    drawn = np.stack([a[n] for n in a], axis=1)
    assert all(tuple(r) in rows for r in drawn)
    assert info["sha256"] and info["distinct_sets_drawn"] > 1
    c, _ = calibrated_overrides(folder, 50, seed=4)
    assert any(not np.array_equal(a[n], c[n]) for n in a)
    assert np.all(draw_rows(7, 1000, 0) < 7)


def test_calibrated_run_is_the_same_whatever_the_chunk_size(folder):
    sc = load_scenario("baseline")
    one = run(sc, 12, 1, calibrated=folder, chunk_size=12).trajectories
    three = run(sc, 12, 1, calibrated=folder, chunk_size=4).trajectories
    cols = ["prk_troops_in_russia", "alliance_strength", "front"]
    np.testing.assert_array_equal(one[cols].to_numpy(), three[cols].to_numpy())
    res = run(sc, 12, 1, calibrated=folder, chunk_size=4)
    assert res.manifest()["calibrated"]["start_applied"] is True
    drawn, _ = calibrated_overrides(folder, 12, 1, scenario=sc)
    np.testing.assert_array_equal(res.parameters["casualty_rate"], drawn["casualty_rate"])


def test_set_and_scenario_values_win_over_calibrated(folder):
    res = run("escalation", 4, 0, {"front_rate": 0.05}, calibrated=folder)
    assert res.parameters["front_rate"] == 0.05  # --set
    assert res.parameters["casualty_rate"] == 0.14  # escalation's own value


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("body, key", [
    (target("t", None, "2024-12", 1.0), "metric"),
    (target("t", "nonsense", "2024-12", 1.0), "metric"),
    (target("t", "front", "2025-06", 0.1), "date"),
    (target("t", "front", "2024-10", 0.1), "date"),
    (target("t", "front", "2025-01", 0.1, since="2025-02"), "since"),
    (target("t", "front", "2025-01", 0.1, sd=0), "sd"),
])
def test_bad_targets_are_one_line_naming_file_and_key(tmp_path, body, key):
    path = tmp_path / "t.toml"
    path.write_text(HISTORY + body)
    with pytest.raises(UserError) as e:
        load_targets(path)
    msg = str(e.value)
    assert str(path) in msg and key in msg and "\n" not in msg


def test_a_calibration_accepting_nothing_names_the_target_and_writes_nothing(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text(HISTORY + target("impossible", "prk_troops_in_russia", "2024-11", 45.0, sd=0.1)
                    + target("easy", "alliance_strength", "2024-12", sd=0.5, low=0.0, high=1.0))
    out = tmp_path / "out"
    r = cli("calibrate", "baseline", "--targets", str(path), "--n", "8", "-n", "2", "--out", str(out))
    code, err = r.returncode, r.stderr
    assert code == 2 and "impossible" in err and "loosen" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("make", ["missing", "no_manifest", "wrong_kind", "out_of_range", "not_a_number", "empty"])
def test_malformed_calibrated_file_is_refused_before_any_run(folder, tmp_path, make):
    bad = tmp_path / "bad"
    shutil.copytree(folder, bad)
    csv = bad / "accepted.csv"
    if make == "missing":
        csv.unlink()
    elif make == "no_manifest":
        (bad / "manifest.json").unlink()
    elif make == "wrong_kind":
        (bad / "manifest.json").write_text(json.dumps({"kind": "run"}))
    elif make == "out_of_range":
        import pandas as pd
        df = pd.read_csv(csv)
        df.loc[0, "casualty_rate"] = 5.0
        df.to_csv(csv, index=False)
    elif make == "not_a_number":
        import pandas as pd
        df = pd.read_csv(csv)
        df["casualty_rate"] = df["casualty_rate"].astype(object)
        df.loc[0, "casualty_rate"] = "many"
        df.to_csv(csv, index=False)
    elif make == "empty":
        csv.write_text(csv.read_text().splitlines()[0] + "\n")
    out = tmp_path / "run"
    r = cli("run", "baseline", "-n", "2", "--calibrated", str(bad), "--out", str(out))
    code, err = r.returncode, r.stderr
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_calibrate_command_writes_a_folder_run_and_compare_use(tmp_path):
    out = tmp_path / "cal"
    r = cli("calibrate", "baseline", "--n", "40", "-n", "2", "--seed", "1", "--out", str(out),
                           "--no-figures")
    code, text, err = r.returncode, r.stdout, r.stderr
    assert code == 0, err
    assert "reading established" in text and "reading rear_only" in text
    assert (out / "accepted.csv").is_file() and (out / "accepted_rear_only.csv").is_file()
    man = json.loads((out / "manifest.json").read_text())
    assert list(man["prior"]) == list(load_targets().vary)  # the file's list: only what the figures speak to
    assert "settle_rate" not in read_calibrated(out)[0].columns  # not varied, so not carried over
    r = cli("compare", "baseline", "escalation", "-n", "3", "--calibrated", str(out),
                           "--out", str(tmp_path / "cmp"), "--no-figures")
    code, text, err = r.returncode, r.stdout, r.stderr
    assert code == 0, err
    man = json.loads((tmp_path / "cmp" / "runs" / "baseline" / "manifest.json").read_text())
    assert man["calibrated"]["sha256"] == read_calibrated(out)[2]
