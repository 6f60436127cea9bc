"""Scenario composition (``extends``) and relative event timing (``after``): merges, conflicts, provenance,
one-line errors with nothing written, ``show``, and the composed shipped scenarios' results."""
from pathlib import Path

import pandas as pd
import pytest

import alliance_sim as a
from alliance_sim.domain.scenario import (MAX_CHAIN, MAX_FILES, load_scenario, parse_scenario, scenarios_dir, show,
                                          shipped)
from alliance_sim.domain.parameters import PARAMETERS
from alliance_sim.errors import UserError

from _cli import cli

FLAT = Path(__file__).parent / "fixtures" / "ceasefire_enhanced_offer_flat.toml"


def write(folder: Path, stem: str, body: str, extends=(), description=None) -> Path:
    head = f'name = "{stem}"\ndescription = "{description or "scenario " + stem + " for the test"}"\n'
    if extends:
        head += "extends = [" + ", ".join(f'"{e}"' for e in extends) + "]\n"
    path = folder / f"{stem}.toml"
    path.write_text(head + body)
    return path


CEASEFIRE_4 = '[[events]]\nkind = "ceasefire"\nmonth = 4\n'
WAVE_2 = '[[events]]\nkind = "troop_wave"\nmonth = 2\nsize = 3.0\n'


def months(sc) -> dict:
    return {e.key: e.month for e in sc.events}


# ----------------------------------------------------------------------------- merging
def test_parents_merge_in_order_with_provenance(tmp_path):
    p1 = write(tmp_path, "p1", 'claims = ["troops.second_wave"]\n[parameters]\nrationality = 4.0\n'
               '[ranges]\nwar_level = [0.5, 0.8]\n' + CEASEFIRE_4 + WAVE_2)
    p2 = write(tmp_path, "p2", 'claims = ["offer.enhanced_package"]\n[parameters]\nwave_size = 5.0\n'
               '[precision]\nPRK = 0.5\n[[events]]\nkind = "us_offer"\nmonth = 6\nrelief = 0.9\n' + WAVE_2)
    child = write(tmp_path, "child", "", extends=["p1", "p2"])
    sc = load_scenario(child)
    assert sc.parameters == {"rationality": 4.0, "wave_size": 5.0}
    assert sc.ranges == {"war_level": (0.5, 0.8)} and sc.precision == {"PRK": 0.5}
    assert sc.claims == ("troops.second_wave", "offer.enhanced_package")
    # the wave both parents give identically is one event, not two
    assert [(e.month, e.kind) for e in sc.events] == [(2, "troop_wave"), (4, "ceasefire"), (6, "us_offer")]
    assert sc.extends == (str(p1), str(p2))
    prov = sc.provenance
    assert prov["parameters.rationality"] == str(p1) and prov["parameters.wave_size"] == str(p2)
    assert prov["ranges.war_level"] == str(p1) and prov["precision.PRK"] == str(p2)
    assert prov["events.ceasefire"] == str(p1) and prov["events.us_offer"] == str(p2)
    assert {e.kind: e.source for e in sc.events}["us_offer"] == str(p2)
    assert sc.name == "child" and "start" not in prov  # nobody set start: the default
    assert sc.start == "2025-01" and sc.horizon == 36


def test_the_child_wins_over_its_parents(tmp_path):
    write(tmp_path, "p1", "[parameters]\nrationality = 4.0\n" + CEASEFIRE_4)
    write(tmp_path, "p2", '[parameters]\nrationality = 6.0\n[[events]]\nkind = "ceasefire"\nmonth = 8\n')
    child = write(tmp_path, "child", '[parameters]\nrationality = 5.0\n[[events]]\nkind = "ceasefire"\n'
                  'month = 10\n', extends=["p1", "p2"])
    sc = load_scenario(child)
    assert sc.parameters["rationality"] == 5.0 and months(sc) == {"ceasefire": 10}
    assert sc.provenance["parameters.rationality"] == str(child)


@pytest.mark.parametrize("body, key, shown", [
    ("[parameters]\nrationality = {}\n", "parameters.rationality", ("4.0", "6.0")),
    ("[ranges]\nwar_level = [0.5, {}]\n", "ranges.war_level", ("0.7", "0.9")),
    ("[precision]\nPRK = {}\n", "precision.PRK", ("0.5", "2.0")),
    ('[[events]]\nkind = "ceasefire"\nmonth = {}\n', "events.ceasefire", ("4", "8")),
    ('[[events]]\nkind = "troop_wave"\nmonth = 2\nsize = {}\n', "events.troop_wave@2", ("3.0", "5.0")),
    ("start = \"2025-0{}\"\n", "start", ("1", "3")),
])
def test_two_parents_that_differ_are_an_error_naming_both_files_and_the_key(tmp_path, body, key, shown):
    p1 = write(tmp_path, "p1", body.format(shown[0]))
    p2 = write(tmp_path, "p2", body.format(shown[1]))
    child = write(tmp_path, "child", "", extends=["p1", "p2"])
    with pytest.raises(UserError) as e:
        load_scenario(child)
    msg = str(e.value)
    assert msg.startswith(f"{child}: {key}: ") and "\n" not in msg
    assert str(p1) in msg and str(p2) in msg and "set it in this file" in msg


def test_identical_settings_from_two_parents_are_fine_and_a_shared_grandparent_is_not_a_conflict(tmp_path):
    write(tmp_path, "grand", "[parameters]\nrationality = 4.0\n" + CEASEFIRE_4)
    write(tmp_path, "p1", WAVE_2, extends=["grand"])
    write(tmp_path, "p2", "[parameters]\nrationality = 4.0\n" + WAVE_2, extends=["grand"])
    sc = load_scenario(write(tmp_path, "child", "", extends=["p1", "p2"]))
    assert sc.parameters == {"rationality": 4.0}
    assert [(e.month, e.kind) for e in sc.events] == [(2, "troop_wave"), (4, "ceasefire")]


def test_repeating_kinds_pile_up_and_one_file_may_give_a_kind_twice(tmp_path):
    write(tmp_path, "p1", WAVE_2)
    write(tmp_path, "p2", '[[events]]\nkind = "troop_wave"\nmonth = 9\nsize = 2.0\n')
    child = write(tmp_path, "child", '[[events]]\nkind = "us_offer"\nmonth = 3\nrelief = 0.5\n'
                  '[[events]]\nkind = "us_offer"\nmonth = 12\nrelief = 0.9\n', extends=["p1", "p2"])
    sc = load_scenario(child)
    assert [(e.month, e.kind) for e in sc.events] == [(2, "troop_wave"), (3, "us_offer"), (9, "troop_wave"),
                                                       (12, "us_offer")]


def test_a_child_replaces_all_of_a_parents_events_under_a_key(tmp_path):
    write(tmp_path, "p1", '[[events]]\nkind = "us_offer"\nmonth = 3\nrelief = 0.5\n'
          '[[events]]\nkind = "us_offer"\nmonth = 12\nrelief = 0.9\n')
    sc = load_scenario(write(tmp_path, "child", '[[events]]\nkind = "us_offer"\nmonth = 5\nrelief = 0.7\n',
                             extends=["p1"]))
    assert [(e.month, e.params) for e in sc.events] == [(5, {"offer_relief": 0.7})]


def test_ids_keep_two_events_of_a_kind_apart(tmp_path):
    write(tmp_path, "p1", '[[events]]\nkind = "us_offer"\nid = "early"\nmonth = 3\nrelief = 0.5\n')
    write(tmp_path, "p2", '[[events]]\nkind = "us_offer"\nid = "late"\nmonth = 12\nrelief = 0.9\n')
    sc = load_scenario(write(tmp_path, "child", "", extends=["p1", "p2"]))
    assert months(sc) == {"early": 3, "late": 12}


def test_start_and_horizon_come_from_the_child_else_the_parents(tmp_path):
    write(tmp_path, "p1", 'start = "2025-03"\nhorizon = 24\n')
    write(tmp_path, "p2", "")
    sc = load_scenario(write(tmp_path, "c1", "", extends=["p1", "p2"]))
    assert (sc.start, sc.horizon) == ("2025-03", 24)
    sc = load_scenario(write(tmp_path, "c2", "horizon = 12\n", extends=["p1"]))
    assert (sc.start, sc.horizon) == ("2025-03", 12)


def test_a_parent_event_past_the_childs_horizon_names_the_parent(tmp_path):
    p1 = write(tmp_path, "p1", '[[events]]\nkind = "ceasefire"\nmonth = 30\n')
    child = write(tmp_path, "child", "horizon = 24\n", extends=["p1"])
    with pytest.raises(UserError, match=r"events\[0\].month: month 30 outside the horizon; allowed: 1 to 24 "
                                        r"\(the horizon is set by .*child.toml\)") as e:
        load_scenario(child)
    assert str(e.value).startswith(str(p1))


def test_parents_are_found_next_to_the_file_before_the_shipped_ones_and_by_path(tmp_path):
    local = write(tmp_path, "ukraine_ceasefire", '[[events]]\nkind = "ceasefire"\nmonth = 9\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    write(sub, "other", WAVE_2)
    sc = load_scenario(write(tmp_path, "child", "", extends=["ukraine_ceasefire", "sub/other.toml"]))
    assert months(sc) == {"ceasefire": 9, "troop_wave@2": 2} and sc.extends[0] == str(local)
    # a file elsewhere reaches the shipped one
    sc = load_scenario(write(sub, "child2", "", extends=["ukraine_ceasefire"]))
    assert months(sc)["ceasefire"] == 4 and Path(sc.extends[0]).parent == scenarios_dir()


def test_extends_is_bounded(tmp_path):
    for i in range(MAX_CHAIN + 2):
        write(tmp_path, f"f{i}", "", extends=[f"f{i + 1}"] if i <= MAX_CHAIN else ())
    with pytest.raises(UserError, match=f"nests more than {MAX_CHAIN} files deep"):
        load_scenario(tmp_path / "f0.toml")
    for i in range(5):  # 5 parents with 7 parents each: 40 files
        write(tmp_path, f"w{i}", "", extends=[f"l{i}_{j}" for j in range(7)])
        for j in range(7):
            write(tmp_path, f"l{i}_{j}", "")
    with pytest.raises(UserError, match=f"extends reaches more than {MAX_FILES} files"):
        load_scenario(write(tmp_path, "wide", "", extends=[f"w{i}" for i in range(5)]))
    many = write(tmp_path, "many", "", extends=[f"x{i}" for i in range(9)])
    with pytest.raises(UserError, match=r"extends: .*at most 8"):
        load_scenario(many)


# ----------------------------------------------------------------------------- relative timing
def test_relative_events_follow_their_anchor_through_a_chain(tmp_path):
    path = write(tmp_path, "rel", CEASEFIRE_4 + '[[events]]\nkind = "russia_mediates"\nafter = "ceasefire"\n'
                 'months = 2\n[[events]]\nkind = "us_offer"\nid = "offer"\nafter = "russia_mediates"\nmonths = 3\n'
                 'relief = 0.9\n[[events]]\nkind = "troop_wave"\nafter = "offer"\nsize = 1.0\n')
    sc = load_scenario(path)
    assert [(e.kind, e.month) for e in sc.events] == [("ceasefire", 4), ("russia_mediates", 6), ("us_offer", 9),
                                                       ("troop_wave", 9)]
    assert {e.kind: e.after for e in sc.events}["us_offer"] == ("russia_mediates", 3)
    # a child that re-times the anchor moves the whole chain
    child = write(tmp_path, "later", '[[events]]\nkind = "ceasefire"\nmonth = 10\n', extends=["rel"])
    assert [e.month for e in load_scenario(child).events] == [10, 12, 15, 15]


def test_a_relative_event_equals_the_same_event_at_the_fixed_month(tmp_path):
    fixed = parse_scenario('name = "t"\ndescription = "fixed months only"\n' + CEASEFIRE_4 +
                           '[[events]]\nkind = "russia_mediates"\nmonth = 6\n')
    rel = parse_scenario('name = "t"\ndescription = "fixed months only"\n' + CEASEFIRE_4 +
                         '[[events]]\nkind = "russia_mediates"\nafter = "ceasefire"\nmonths = 2\n')
    assert fixed.events == rel.events


@pytest.mark.parametrize("events, key, fragment", [
    ('[[events]]\nkind = "ceasefire"\nafter = "us_offer"\nmonths = 1\n'
     '[[events]]\nkind = "us_offer"\nafter = "ceasefire"\nmonths = 2\nrelief = 0.5\n',
     "events[0].after", "goes round in a circle: ceasefire after us_offer after ceasefire"),
    ('[[events]]\nkind = "ceasefire"\nid = "c"\nafter = "c"\n', "events[0].after", "goes round in a circle"),
    ('[[events]]\nkind = "russia_mediates"\nafter = "ceasefire"\nmonths = 2\n', "events[0].after",
     "schedules no ceasefire event, so this event would never happen"),
    (CEASEFIRE_4 + '[[events]]\nkind = "russia_mediates"\nafter = "truce"\n', "events[1].after",
     "unknown after target 'truce'; allowed: the id or kind of an event of this scenario (ceasefire, "),
    ('[[events]]\nkind = "ceasefire"\nmonth = 30\n[[events]]\nkind = "russia_mediates"\nafter = "ceasefire"\n'
     'months = 7\n', "events[1].months", "ceasefire (month 30) + 7 months = month 37, outside the horizon; "
     "allowed: 1 to 36"),
    ('[[events]]\nkind = "us_offer"\nmonth = 3\nrelief = 0.5\n[[events]]\nkind = "us_offer"\nmonth = 5\n'
     'relief = 0.6\n[[events]]\nkind = "ceasefire"\nafter = "us_offer"\n', "events[2].after", "is ambiguous"),
    ('[[events]]\nkind = "ceasefire"\nmonth = 3\nafter = "us_offer"\n', "events[0]", "month or after, not both"),
    ('[[events]]\nkind = "ceasefire"\n', "events[0]", "needs month = N, or after"),
    ('[[events]]\nkind = "ceasefire"\nmonth = 3\nmonths = 2\n', "events[0]", "months goes with after"),
    ('[[events]]\nkind = "ceasefire"\nid = "us_offer"\nmonth = 3\n', "events[0]", "is an event kind"),
    ('[[events]]\nkind = "ceasefire"\nid = "x"\nmonth = 3\n[[events]]\nkind = "us_offer"\nid = "x"\nmonth = 4\n'
     'relief = 0.5\n', "events[1].id", "already the id of events[0]"),
])
def test_bad_relative_timing_is_one_line_naming_the_key(tmp_path, events, key, fragment):
    path = write(tmp_path, "bad", events)
    with pytest.raises(UserError) as e:
        load_scenario(path)
    msg = str(e.value)
    assert msg.startswith(f"{path}: {key}: ") and "\n" not in msg, msg
    assert fragment in msg, msg


# ----------------------------------------------------------------------------- the command line
def _bad_files(tmp_path) -> dict:
    write(tmp_path, "a", "", extends=["b"])
    write(tmp_path, "b", "", extends=["a"])
    write(tmp_path, "p1", "[parameters]\nrationality = 4.0\n")
    write(tmp_path, "p2", "[parameters]\nrationality = 6.0\n")
    return {
        "cycle": (write(tmp_path, "top", "", extends=["a"]), "extends[0]",
                  "extends goes round in a circle: a.toml -> b.toml -> a.toml"),
        "missing": (write(tmp_path, "missing", "", extends=["no_such_parent"]), "extends[0]",
                    f"parent 'no_such_parent' not found (looked for {tmp_path / 'no_such_parent.toml'} and "
                    f"{scenarios_dir() / 'no_such_parent.toml'})"),
        "conflict": (write(tmp_path, "conflict", "", extends=["p1", "p2"]), "parameters.rationality",
                     f"set differently by parents {tmp_path / 'p1.toml'} (4.0) and {tmp_path / 'p2.toml'} (6.0)"),
        "never": (write(tmp_path, "never", '[[events]]\nkind = "russia_mediates"\nafter = "ceasefire"\n'),
                  "events[0].after", "would never happen"),
        "unknown_after": (write(tmp_path, "unknown", CEASEFIRE_4 + '[[events]]\nkind = "russia_mediates"\n'
                                'after = "truce"\n'), "events[1].after", "unknown after target 'truce'"),
    }


@pytest.mark.parametrize("case", ["cycle", "missing", "conflict", "never", "unknown_after"])
def test_cli_bad_composition_is_one_line_exit_2_nothing_written(tmp_path, case):
    path, key, fragment = _bad_files(tmp_path)[case]
    out = tmp_path / "out"
    for args in (("run", path, "--replicates", 2, "--out", out), ("show", path), ("validate", path)):
        r = cli(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert r.stderr.count("\n") == 1 and r.stdout == "", r.stderr
        assert f": {key}: " in r.stderr and fragment in r.stderr, r.stderr
    assert not out.exists()


def test_cli_show_prints_the_resolved_scenario():
    r = cli("show", "ceasefire_mediation_offer")
    assert r.returncode == 0, r.stderr
    text = r.stdout
    assert text.startswith("ceasefire_mediation_offer  (")
    assert "extends: ukraine_ceasefire.toml, russian_mediation.toml, us_enhanced_offer.toml" in text
    assert "start 2025-01 (from ukraine_ceasefire.toml), horizon 36 months to 2027-12" in text
    rows = [line.split() for line in text.splitlines() if line.startswith("  ") and line.split()[0].isdigit()]
    assert [(r[0], r[1], r[2], r[-1]) for r in rows] == [
        ("2", "2025-02", "troop_wave", "ukraine_ceasefire.toml"), ("4", "2025-04", "ceasefire", "ukraine_ceasefire.toml"),
        ("4", "2025-04", "us_offer", "us_enhanced_offer.toml"), ("6", "2025-06", "russia_mediates", "russian_mediation.toml")]
    assert "offer_relief = 0.9, offer_recognition = 1, offer_normalisation = 1" in text
    assert "mediation.russia_role" in text and "parameters that differ from their default (0):" in text


def test_show_lists_changed_parameters_with_default_and_file(tmp_path):
    write(tmp_path, "p1", "[parameters]\nwar_level = 0.95\nrationality = 4.0\n[ranges]\nwave_size = [2.0, 4.0]\n"
          "[precision]\nPRK = 0.5\n")
    child = write(tmp_path, "child", '[parameters]\nrationality = 5.0\n[[events]]\nkind = "kor_government"\n'
                  'after = "troop_wave"\nmonths = 3\nstance = 0.8\n' + WAVE_2, extends=["p1"])
    text = a.show(child)
    assert str(child) in text.splitlines()[0]
    lines = {line.split()[0]: line.split() for line in text.splitlines() if line.startswith("  ")}
    assert lines["war_level"][1] == "0.95" and lines["war_level"][-1] == str(tmp_path / "p1.toml")
    assert lines["war_level"][2] == f"{PARAMETERS['war_level'].default:g}"
    assert lines["rationality"][1] == "5" and lines["rationality"][-1] == str(child)
    assert "2 to 4" in text and lines["PRK"][1] == "0.5"
    assert "kor_stance = 0.8  [troop_wave + 3 months]" in text and "2025-05" in text


# ----------------------------------------------------------------------------- the shipped compositions
def test_composed_shipped_scenarios_are_compositions_that_resolve():
    for name in ("ceasefire_enhanced_offer", "ceasefire_mediation_offer", "kor_engagement_after_ceasefire",
                 "ceasefire_then_offer"):
        sc = load_scenario(name)
        assert name in shipped() and sc.extends, name
    sc = load_scenario("kor_engagement_after_ceasefire")
    kor = {e.kind: e for e in sc.events}["kor_government"]
    assert kor.after == ("ceasefire", 2) and kor.month == 6
    assert {e.kind: e.month for e in load_scenario("ceasefire_then_offer").events}["us_offer"] == 10


def test_composed_ceasefire_enhanced_offer_equals_the_old_flat_file_bitwise():
    flat, composed = load_scenario(FLAT), load_scenario("ceasefire_enhanced_offer")
    assert not flat.extends and composed.extends
    assert flat.events == composed.events and flat.parameters == composed.parameters
    old = a.run(FLAT, replicates=6, seed=5).trajectories
    new = a.run("ceasefire_enhanced_offer", replicates=6, seed=5).trajectories
    pd.testing.assert_frame_equal(old, new, check_exact=True)


# ----------------------------------------------------------------------------- sweeping timing and order
def test_retimed_moves_an_event_and_everything_timed_after_it():
    sc = load_scenario("ceasefire_then_offer")
    assert sc.retimed({"ceasefire": 4}).events == sc.events  # the same month: the same scenario
    later = sc.retimed({"ceasefire": 12})
    assert {e.kind: e.month for e in later.events} == {"troop_wave": 2, "ceasefire": 12, "us_offer": 18}
    assert later.content_hash != sc.content_hash
    # the order swapped: the offer fixed before the ceasefire
    first = sc.retimed({"us_offer": 3})
    assert [e.kind for e in first.events] == ["troop_wave", "us_offer", "ceasefire"] and first.events[1].after is None
    crisis = load_scenario("korean_crisis").retimed({"korean_crisis": 20})
    assert [(e.month, e.until) for e in crisis.events if e.kind == "korean_crisis"] == [(20, 23)]


@pytest.mark.parametrize("months, fragment", [
    ({"truce": 3}, "'truce' names no event; allowed: one of this scenario's event keys (troop_wave@2, ceasefire"),
    ({"ceasefire": 0}, "allowed: a whole number from 1 to 36"),
    ({"ceasefire": 4.0}, "allowed: a whole number from 1 to 36"),
    ({"ceasefire": 33}, "ceasefire (month 33) + 6 months = month 39, outside the horizon"),
])
def test_retimed_refuses_bad_months_in_one_line(months, fragment):
    with pytest.raises(UserError) as e:
        load_scenario("ceasefire_then_offer").retimed(months)
    assert fragment in str(e.value) and "\n" not in str(e.value)


def test_a_retimed_run_is_the_file_with_that_month(tmp_path):
    """Retiming in Python gives the same results as writing the month in a file."""
    child = write(tmp_path, "child", '[[events]]\nkind = "ceasefire"\nmonth = 9\n', extends=["ceasefire_then_offer"],
                  description="ceasefire_then_offer with the ceasefire in September")
    by_file = load_scenario(child)
    by_call = load_scenario("ceasefire_then_offer").retimed({"ceasefire": 9})
    assert by_file.events == by_call.events
    x = a.run(by_file, replicates=4, seed=2).trajectories
    y = a.run(replace_name(by_call, by_file.name), replicates=4, seed=2).trajectories
    pd.testing.assert_frame_equal(x, y, check_exact=True)


def replace_name(sc, name):
    from dataclasses import replace

    return replace(sc, name=name)


@pytest.mark.parametrize("name", shipped())
def test_to_toml_is_a_self_contained_file_of_the_same_scenario(name):
    sc = load_scenario(name)
    flat = parse_scenario(sc.to_toml())
    assert not flat.extends and not any(line.startswith("extends") for line in sc.to_toml().splitlines())
    for attr in ("name", "description", "claims", "start", "horizon", "parameters", "ranges", "precision", "events"):
        assert getattr(flat, attr) == getattr(sc, attr), attr


def test_to_toml_keeps_every_event_kind_and_table(tmp_path):
    path = write(tmp_path, "all", 'claims = ["troops.second_wave"]\nstart = "2025-03"\nhorizon = 30\n'
                 '[parameters]\nrationality = 5.0\n[ranges]\nwar_level = [0.5, 0.8]\n[precision]\nPRK = 0.5\n'
                 '[[events]]\nkind = "us_offer"\nmonth = 2\nrecognition = 0.8\n' + CEASEFIRE_4 +
                 '[[events]]\nkind = "russia_mediates"\nafter = "ceasefire"\nchannel = 0.5\n'
                 '[[events]]\nkind = "kor_government"\nmonth = 5\nstance = 0.9\n' + WAVE_2 +
                 '[[events]]\nkind = "korean_crisis"\nmonth = 13\nduration = 3\nscope = "beyond_borders"\n'
                 '[[events]]\nkind = "set"\nmonth = 7\nparameters = { w_rus_broker = 1.5 }\n')
    sc = load_scenario(path)
    flat = parse_scenario(sc.to_toml())
    assert len(flat.events) == 7 and flat.events == sc.events
    assert (flat.parameters, flat.ranges, flat.precision, flat.start, flat.horizon) == (
        sc.parameters, sc.ranges, sc.precision, "2025-03", 30)


def test_cli_show_toml_prints_a_file_that_loads_as_the_same_scenario(tmp_path):
    r = cli("show", "ceasefire_mediation_offer", "--toml")
    assert r.returncode == 0, r.stderr
    flat = tmp_path / "flat.toml"
    flat.write_text(r.stdout)
    assert load_scenario(flat).events == load_scenario("ceasefire_mediation_offer").events


def test_a_composed_runs_folder_keeps_the_resolved_scenario(tmp_path):
    """The folder's scenario.toml is the resolved scenario: self-contained, reloading to the same events."""
    import alliance_sim

    res = alliance_sim.run("ceasefire_mediation_offer", 4, seed=3, out=tmp_path / "x", figures=False)
    copy = (tmp_path / "x" / "scenario.toml").read_text()
    assert "extends" not in copy
    back = alliance_sim.load(tmp_path / "x")
    assert back.scenario.events == res.scenario.events
    assert back.scenario.parameters == res.scenario.parameters


def test_retime_flag_moves_the_event_as_retimed_does(tmp_path):
    """`run --retime EVENT=MONTH` is `load_scenario(...).retimed(...)`: the same table; bad input is one line."""
    import pandas as pd

    import alliance_sim
    from _cli import cli

    r = cli("run", "ceasefire_then_offer", "-n", "6", "--seed", "2", "--retime", "ceasefire=9", "--no-figures",
            "--out", tmp_path / "cli")
    assert r.returncode == 0, r.stderr
    sc = alliance_sim.load_scenario("ceasefire_then_offer").retimed({"ceasefire": 9})
    assert [e.month for e in sc.events if e.kind in ("ceasefire", "us_offer")] == [9, 15]  # the offer follows
    want = alliance_sim.run(sc, 6, seed=2).trajectories
    pd.testing.assert_frame_equal(alliance_sim.load(tmp_path / "cli").trajectories, want, check_exact=True)
    # the default folder names the move; a compare applies it to the scenarios that schedule the event
    r = cli("compare", "baseline", "ukraine_ceasefire", "-n", "4", "--retime", "ceasefire=6", "--no-figures",
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "results" / "compare" / "baseline_ukraine_ceasefire_ceasefire-at-6").is_dir()
    for args, needle in ((("baseline", "--retime", "ceasefire=9"), "no scenario schedules an event 'ceasefire'"),
                         (("ukraine_ceasefire", "--retime", "ceasefire=99"), "--retime ceasefire: month 99 outside"),
                         (("ukraine_ceasefire", "--retime", "ceasefire"), "expected EVENT=MONTH")):
        r = cli("run", *args, "-n", "3", "--out", tmp_path / "bad")
        assert r.returncode == 2 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert not (tmp_path / "bad").exists()
