"""Scenario files: the shipped ones load, broken ones fail with one clear line."""
import re
from pathlib import Path

import pytest

from alliance_sim.domain.claims import claim_ids
from alliance_sim.errors import UserError
from alliance_sim.domain.parameters import PARAMETERS
from alliance_sim.domain.scenario import load_scenario, parse_scenario, shipped

BAD = Path(__file__).parent / "fixtures" / "bad_scenarios"

# file -> (key named in the message, what the message says is allowed or wrong)
EXPECTED = {
    "bad_start": ("start", "YYYY-MM"),
    "empty_range": ("ranges.rationality", "allowed: low < high"),
    "event_outside_horizon": ("events[0].month", "allowed: 1 to 24"),
    "horizon_not_int": ("horizon", "whole number"),
    "missing_name": ("name", "required key is missing"),
    "not_toml": ("", "not valid TOML"),
    "offer_out_of_range": ("events[0].relief", "allowed: [0, 1]"),
    "out_of_range": ("parameters.rationality", "allowed: [1, 12]"),
    "unknown_actor": ("precision.JPN", "allowed: USA, RUS, PRK, KOR, CHN, UKR"),
    "unknown_claim": ("claims[0]", "unknown claim id"),
    "unknown_event": ("events[0]", "allowed: ceasefire, us_offer"),
    "unknown_event_key": ("events[0].duration", "allowed: kind, month"),
    "unknown_key": ("colour", "allowed: name, description"),
    "unknown_parameter": ("parameters.sanction_relief", "unknown parameter"),
}

SHIPPED = ["baseline", "ukraine_ceasefire", "russian_mediation", "us_enhanced_offer", "kor_engagement", "escalation",
           "ceasefire_enhanced_offer", "ceasefire_mediation_offer", "kor_engagement_after_ceasefire",
           "ceasefire_then_offer"]


def test_every_bad_fixture_is_listed():
    assert {p.stem for p in BAD.glob("*.toml")} == set(EXPECTED)


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_bad_scenario_error_names_file_key_and_what_is_allowed(stem):
    key, fragment = EXPECTED[stem]
    path = BAD / f"{stem}.toml"
    with pytest.raises(UserError) as e:
        load_scenario(path)
    msg = str(e.value)
    assert "\n" not in msg
    assert msg.startswith(str(path))
    assert f": {key}: " in msg or not key
    assert fragment in msg


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_load_and_cite_claims(name):
    sc = load_scenario(name)
    assert sc.name == name and sc.horizon == 36 and sc.start == "2025-01"
    assert sc.claims and set(sc.claims) <= claim_ids()
    # the description cites, by id, claims it encodes: each a registered claim the file declares
    cited = set(re.findall(r"\b[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\b", sc.description))
    assert cited, "the description names no claim id"
    assert cited <= set(sc.claims), f"cited but not declared: {sorted(cited - set(sc.claims))}"
    assert all(1 <= e.month <= sc.horizon for e in sc.events)


def test_shipped_list_is_complete():
    assert set(SHIPPED) <= set(shipped())


def test_scenario_by_path_equals_by_name():
    path = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
    assert load_scenario(path).content_hash == load_scenario("baseline").content_hash


def test_unknown_scenario_name_lists_the_shipped_ones():
    with pytest.raises(UserError, match="allowed: a .toml path or one of baseline"):
        load_scenario("no_such_scenario")


def test_events_become_parameter_and_state_changes():
    sc = parse_scenario('''
name = "t"
description = "events of every kind, for the test"
[[events]]
kind = "us_offer"
month = 2
relief = 0.8
[[events]]
kind = "ceasefire"
month = 3
[[events]]
kind = "russia_mediates"
month = 4
[[events]]
kind = "kor_government"
month = 5
stance = 0.9
[[events]]
kind = "troop_wave"
month = 6
size = 5
[[events]]
kind = "set"
month = 7
parameters = { w_rus_broker = 1.5 }
''')
    by = {e.kind: e for e in sc.events}
    assert by["us_offer"].params == {"offer_relief": 0.8}
    assert by["ceasefire"].state_set == {"ceasefire": 1.0}
    assert by["russia_mediates"].params == {"mediation_channel": 1.0}
    assert by["kor_government"].state_set == {"kor_stance": 0.9}
    assert by["troop_wave"].state_add == {"prk_troops_in_russia": 5.0}
    assert by["set"].params == {"w_rus_broker": 1.5}


def test_uncertainty_space_is_the_box_narrowed_by_the_file():
    sc = parse_scenario('''
name = "t"
description = "narrowing and fixing, for the test"
[parameters]
offer_relief = 0.5
[ranges]
rationality = [2.0, 6.0]
''')
    space = sc.uncertainty()
    assert "offer_relief" not in space
    assert space["rationality"] == (2.0, 6.0)
    assert space["w_prk_cash"] == (PARAMETERS["w_prk_cash"].low, PARAMETERS["w_prk_cash"].high)


def test_overrides_are_validated():
    with pytest.raises(UserError, match="--set rationality: value 99"):
        load_scenario("baseline").with_overrides({"rationality": 99})
