"""The browser app's logic without a browser (``alliance_sim.app.state``, the server's settings, the command).

The app must give the library's numbers and the library's messages: a run
from widget values equals ``alliance_sim.run`` with the same arguments, and a
bad value shows the ``UserError`` text the library raises for it.
"""
import io
import socket
import zipfile

import numpy as np
import pandas as pd
import pytest

import alliance_sim
from alliance_sim.app import state as st
from alliance_sim.domain.parameters import PARAMETERS
from alliance_sim.errors import UserError

from _cli import cli

N = 40  # replicates: enough to compare tables, small enough to be quick


def _spec(name="baseline", values=None, months=None, reference=None, replicates=N, seed=3):
    spec, errors = st.build_spec(name, str(replicates), str(seed), values or {}, months or {}, reference)
    assert errors == {} and spec is not None
    return spec


# ----------------------------------------------------------------------------- the library's numbers
def test_a_run_from_widget_values_is_the_librarys_run():
    spec = _spec("ukraine_ceasefire", {"offer_relief": "0.8", "rationality": "6"})
    assert spec.overrides == {"offer_relief": 0.8, "rationality": 6.0}
    res, ref = st.run(spec)
    lib = alliance_sim.run("ukraine_ceasefire", replicates=N, seed=3, overrides={"offer_relief": 0.8, "rationality": 6})
    assert ref is None
    pd.testing.assert_frame_equal(res.trajectories, lib.trajectories)


def test_moving_an_event_runs_the_librarys_retimed_scenario():
    spec = _spec("ukraine_ceasefire", months={"ceasefire": "12"})
    assert [(e.kind, e.month) for e in spec.scenario.events if e.kind == "ceasefire"] == [("ceasefire", 12)]
    assert spec.moved == {"ceasefire": 12} and ".retimed({'ceasefire': 12})" in spec.call()
    res, _ = st.run(spec)
    ceasefire = res.trajectories.groupby("step")["ceasefire"].mean()
    assert ceasefire.loc[11] == 0.0 and ceasefire.loc[12] == 1.0  # in force from month 12, not month 4
    lib = alliance_sim.run(alliance_sim.load_scenario("ukraine_ceasefire").retimed({"ceasefire": 12}),
                           replicates=N, seed=3)
    pd.testing.assert_frame_equal(res.trajectories, lib.trajectories)


def test_events_timed_after_a_moved_event_move_with_it():
    sc = st.scenario("ceasefire_then_offer")
    before = st.event_months(sc, {})
    after = st.event_months(sc, {"ceasefire": "8"})
    assert after["ceasefire"] == 8 and after["us_offer"] - before["us_offer"] == 8 - before["ceasefire"]
    assert st.event_timing(sc, "us_offer").endswith("after ceasefire") and st.event_timing(sc, "ceasefire") == "fixed month"


def test_unmoved_events_leave_the_shipped_scenario_itself():
    sc = st.scenario("baseline")
    key = st.event_keys(sc)[0]
    assert st.retimed(sc, {key: str(sc.events[0].month)}) is sc
    assert _spec(months={key: str(sc.events[0].month)}).moved == {}


def test_progress_reaches_one_and_the_chunks_give_the_same_numbers():
    from alliance_sim.ensemble import run

    seen = []
    ex = st.ProgressExecutor(progress=seen.append)
    res = run("baseline", replicates=30, seed=5, executor=ex, chunk_size=10)
    lib = alliance_sim.run("baseline", replicates=30, seed=5)
    pd.testing.assert_frame_equal(res.trajectories, lib.trajectories)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0) and len(seen) >= 3 * 36


def test_cancel_stops_a_run_between_months():
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 5  # stop a few months in

    with pytest.raises(st.Cancelled):
        st.run(_spec(replicates=200), cancelled=cancelled)
    assert len(calls) == 6


def test_the_runner_thread_reports_progress_and_cancels():
    r = st.Runner()
    r.start(_spec(replicates=20))
    assert r.wait(120)
    assert r.error is None and r.progress == pytest.approx(1.0)
    res, _ = r.result
    assert res.replicates == 20
    r.start(_spec(replicates=5000))
    r.cancel()
    assert r.wait(120)
    assert isinstance(r.error, st.Cancelled) and r.result is None


def test_the_reference_runs_on_the_same_seed_and_differences_are_paired():
    spec = _spec("ukraine_ceasefire", reference="baseline")
    res, ref = st.run(spec)
    assert ref.seed == res.seed and ref.replicates == res.replicates == N
    comp, diffs = st.differences(res, ref, "ukraine_ceasefire (yours)")
    lib = alliance_sim.compare(["baseline", "ukraine_ceasefire"], replicates=N, seed=3)
    expect = lib.differences(months=[36], reference="baseline").set_index("metric")
    got = diffs.set_index("metric")
    assert np.allclose(got["diff"], expect.loc[got.index, "diff"])
    assert np.allclose(got["lo"], expect.loc[got.index, "lo"]) and list(got["month"].unique()) == [36]
    html = st.differences_html(diffs)
    war = got.loc["war_intensity"]
    assert f"data-testid='diff-war_intensity'>{war['diff']:+.3f}<" in html


# ----------------------------------------------------------------------------- the library's messages
def test_an_out_of_range_value_gets_the_librarys_message():
    spec, errors = st.build_spec("baseline", "100", "0", {"offer_relief": "2"}, {})
    assert spec is None
    with pytest.raises(UserError) as lib:
        alliance_sim.run("baseline", replicates=10, overrides={"offer_relief": "2"})
    assert errors == {"param:offer_relief": str(lib.value)}
    assert "allowed: [0, 1]" in errors["param:offer_relief"]
    cmd = cli("run", "baseline", "--set", "offer_relief=2", "-n", "10")  # the command line says the same
    assert cmd.returncode == 2 and errors["param:offer_relief"].split(": ", 1)[1] in cmd.stderr


def test_a_word_typed_for_a_number_is_refused_with_the_range():
    _, errors = st.build_spec("baseline", "100", "0", {"rationality": "high"}, {})
    assert "rationality" in errors["param:rationality"] and "[1, 12]" in errors["param:rationality"]


def test_an_event_moved_past_the_horizon_gets_the_librarys_message():
    sc = st.scenario("ukraine_ceasefire")
    _, errors = st.build_spec("ukraine_ceasefire", "100", "0", {}, {"ceasefire": "40"})
    with pytest.raises(UserError) as lib:
        sc.retimed({"ceasefire": 40})
    assert errors == {"event:ceasefire": str(lib.value)}
    assert f"allowed: a whole number from 1 to {sc.horizon}" in errors["event:ceasefire"]
    _, errors = st.build_spec("ukraine_ceasefire", "100", "0", {}, {"ceasefire": "soon"})
    assert "'soon'" in errors["event:ceasefire"] and "whole number" in errors["event:ceasefire"]
    # an anchor moved so late that the event timed after it falls off the end: that event's message
    _, errors = st.build_spec("ceasefire_then_offer", "100", "0", {}, {"ceasefire": "34"})
    assert set(errors) == {"events"} and "month 40, outside the horizon; allowed: 1 to 36" in errors["events"]


def test_a_scenario_that_does_not_load_gets_the_commands_message(tmp_path):
    for stem, rationality in (("p1", 4.0), ("p2", 6.0)):
        (tmp_path / f"{stem}.toml").write_text(f'name = "{stem}"\ndescription = "a parent for the test"\n'
                                               f"[parameters]\nrationality = {rationality}\n")
    bad = tmp_path / "conflict.toml"
    bad.write_text('name = "conflict"\ndescription = "two parents that disagree"\nextends = ["p1", "p2"]\n')
    _, errors = st.build_spec(str(bad), "10", "0", {}, {})
    cmd = cli("run", bad, "-n", "2", "--out", tmp_path / "out")
    assert cmd.returncode == 2 and "set differently by parents" in errors["scenario"]
    assert cmd.stderr.strip() == f"alliance-sim: error: {errors['scenario']}"
    _, errors = st.build_spec("atlantis", "10", "0", {}, {})
    assert cli("run", "atlantis").stderr.strip() == f"alliance-sim: error: {errors['scenario']}"


@pytest.mark.parametrize("text", ["0", "10001", "1.5", "many", ""])
def test_replicates_outside_the_apps_range_are_refused(text):
    _, errors = st.build_spec("baseline", text, "0", {}, {})
    assert set(errors) == {"replicates"} and "1 to 10,000" in errors["replicates"]


def test_every_bad_field_is_reported_at_once():
    _, errors = st.build_spec("baseline", "-1", "x", {"offer_relief": "9", "war_level": "0"}, {"troop_wave@2": "99"},
                              reference="atlantis")
    assert set(errors) == {"replicates", "seed", "param:offer_relief", "param:war_level", "event:troop_wave@2",
                           "reference"}


# ----------------------------------------------------------------------------- what the page shows
def test_the_headline_shows_the_librarys_final_month_means():
    spec = _spec()
    res, _ = st.run(spec)
    html = st.headline_html(res)
    final = res.trajectories[res.trajectories["step"] == 36]
    for metric in ("war_intensity", "alliance_strength", "prk_troops_in_russia"):
        assert f"data-testid='mean-{metric}'>{st.fmt(final[metric].mean())}<" in html
    assert "data-month='36'" in html


def test_explain_gives_each_actions_payoff_and_the_claims_behind_each_term():
    from alliance_sim.output.explain import explain, scenario_context

    spec = _spec("baseline", {"offer_relief": "0.9"})
    by_action, table, actions = st.explain_table(spec, "PRK", 6, replicates=50)
    state, params, acts = scenario_context(spec.scenario, 6, replicates=50, seed=3, overrides={"offer_relief": 0.9})
    lib = explain("PRK", state, acts, params=params, figure=False)
    pd.testing.assert_frame_equal(by_action, lib.by_action)
    html = st.explain_html(by_action, table, "PRK", 6, actions)
    for col in by_action.columns:
        assert f"data-testid='total-{col}'>{by_action[col].sum():+.3f}<" in html
    first = table.iloc[0]
    claim = first["claims"].split(",")[0].strip()
    assert st.claim_text(claim) in html.replace("&#x27;", "'")
    with pytest.raises(UserError, match="month"):
        st.explain_table(spec, "PRK", 99)
    with pytest.raises(UserError, match="unknown actor"):
        st.explain_table(spec, "XXX", 3)


def test_parameter_search_puts_changed_ones_first_and_matches_every_word():
    sc = st.scenario("baseline")
    rows, n = st.find_parameters("", sc)
    assert [p.name for p in rows[:3]] == ["offer_relief", "offer_recognition", "offer_normalisation"]
    assert n == len(PARAMETERS) and len(rows) == st.SHOWN_PARAMETERS
    rows, n = st.find_parameters("casualt rate", sc, changed=["war_level"])
    assert rows[0].name == "war_level"
    assert all("casualt" in f"{p.name} {p.meaning}".lower() for p in rows[1:]) and n == len(rows) - 1 >= 1


@pytest.mark.parametrize("name", list(PARAMETERS))
def test_every_slider_step_fits_its_range(name):
    p = PARAMETERS[name]
    step = st.step_of(p)
    assert 0 < step <= (p.high - p.low) / 40


def test_the_scenario_shows_its_claims_paraphrased():
    sc = st.scenario("ukraine_ceasefire")
    html = st.claims_html(sc).replace("&#x27;", "'")
    for c in sc.claims:
        assert c in html and st.claim_text(c) in html
    fig = st.timeline_figure(sc)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert any("ceasefire" in t and "month 4" in t for t in labels)
    assert st.png(fig)[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_download_is_the_folder_run_out_writes(tmp_path):
    spec = _spec("ukraine_ceasefire", {"offer_relief": "0.8"}, months={"ceasefire": "9"})
    res, _ = st.run(spec)
    data = st.run_zip(res)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        z.extractall(tmp_path / "unzipped")
    for f in ("manifest.json", "summary.csv", "scenario.toml", "figures/main_metrics.png"):
        assert f"ukraine_ceasefire/{f}" in names
    back = alliance_sim.load(tmp_path / "unzipped" / "ukraine_ceasefire")
    pd.testing.assert_frame_equal(back.trajectories.reset_index(drop=True), res.trajectories.reset_index(drop=True),
                                  check_dtype=False)
    assert [(e.kind, e.month) for e in back.scenario.events] == [(e.kind, e.month) for e in spec.scenario.events]
    assert back.parameters["offer_relief"] == 0.8


# ----------------------------------------------------------------------------- the server and the command
def test_the_server_sends_nothing_out():
    pytest.importorskip("solara")
    from alliance_sim.app import server

    env = server.server_environment(1234)
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["SOLARA_ASSETS_CDN"].startswith("http://127.0.0.1:")
    assert server.HOST == "127.0.0.1"
    assert any(p.startswith("@widgetti/solara-vuetify-app@") for p in server.required_assets())


def test_the_browser_assets_are_installed_locally():
    pytest.importorskip("solara")
    from alliance_sim.app import server

    folder = server.check_assets()
    for p in server.required_assets():
        assert (folder / p).is_dir()


def test_a_busy_or_bad_port_is_one_line():
    from alliance_sim.app import server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        with pytest.raises(UserError, match=f"cannot listen on 127.0.0.1:{port}"):
            server.bind(port)
    r = cli("app", "--port", "70000")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "65535" in r.stderr
    r = cli("app", "--port", "-3")
    assert r.returncode == 2 and "--port" in r.stderr


def test_the_command_and_the_server_agree_on_the_default_port():
    from alliance_sim.app import server
    from alliance_sim.cli import app

    assert app.DEFAULT_PORT == server.DEFAULT_PORT
    assert "127.0.0.1" in cli("app", "--help").stdout


def test_the_report_download_is_the_librarys_report():
    report = pytest.importorskip("alliance_sim.output.report")
    spec = _spec("ukraine_ceasefire", {"offer_relief": "0.8"})
    res, _ = st.run(spec)
    assert st.report_available()
    html = st.report_html(res)
    assert html == report.build_report(res) and html.lstrip().lower().startswith("<!doctype html")
    ref = alliance_sim.run("baseline", replicates=N, seed=3)
    both = st.report_html(res, ref, "ukraine_ceasefire (yours)")
    assert "ukraine_ceasefire (yours)" in both and "baseline" in both
