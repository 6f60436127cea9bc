"""The scenario loader against hostile input: every bad file is one short line, at once.

Regular files only (no FIFO, device or folder), at most 1 MB, UTF-8, nesting,
key, string and table limits, strict types (no bool for a number, no string
for a number, no 36.0 for a whole number, no nan), scenario names of at most
64 characters of ``[a-z0-9_]``, and messages that quote at most a short
excerpt of the input. Through ``load_scenario`` and through the CLI.
"""
import os
import time
from pathlib import Path

import pytest

from alliance_sim.domain.scenario import MAX_BYTES, NAME_MAX, load_scenario, parse_scenario
from alliance_sim.errors import UserError, excerpt

HOSTILE = Path(__file__).parent / "fixtures" / "bad_scenarios" / "hostile"
GOOD = 'name = "ok"\ndescription = "A good scenario for the loader tests."\n'

# fixture -> a fragment of its one-line message
EXPECTED = {
    "channel_bool": "events[0].channel: must be a number, not a boolean",
    "control_key": "is not a plain key",
    "deep_arrays": "nested too deeply",
    "deep_dotted_key": "nested too deeply",
    "deep_inline_tables": "nested too deeply",
    "horizon_bool": "horizon: must be a whole number, not a boolean",
    "horizon_float": "horizon: must be a whole number, not a decimal number (36.0)",
    "huge_int": "an integer of more than 4,300 digits",
    "huge_month": "outside the horizon",
    "long_claim": "at most 20,000",
    "long_key": "(5,002 characters) is not a plain key",
    "long_name": f"name: String should have at most {NAME_MAX} characters",
    "many_events": "events: 2,500 entries; allowed: at most 2,000",
    "mediation_channel_bool": "parameters.mediation_channel: must be a number, not a boolean",
    "month_bool": "events[0].month: must be a whole number, not a boolean",
    "name_with_slash": "name: String should match pattern",
    "not_utf8": "not UTF-8 text",
    "nul_bytes": "not valid TOML",
    "range_strings": "ranges.treaty_floor[0]: must be a number, not text",
    "rationality_nan": "must be a finite number",
    "rationality_string": "parameters.rationality: must be a number, not text ('5')",
    "start_date": "start: must be text, not a date",
}
MAX_LINE = 400


def one_line_error(path, fragment=""):
    t0 = time.process_time()  # CPU time: the property, not the machine's load
    with pytest.raises(UserError) as e:
        load_scenario(path)
    assert time.process_time() - t0 < 1.0
    msg = str(e.value)
    assert "\n" not in msg and "\r" not in msg and "\x1b" not in msg and len(msg) <= MAX_LINE, msg
    assert fragment in msg, msg
    return msg


def test_every_hostile_fixture_is_listed():
    assert {p.stem for p in HOSTILE.glob("*.toml")} == set(EXPECTED)


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_hostile_file_is_one_short_line(stem):
    msg = one_line_error(HOSTILE / f"{stem}.toml", EXPECTED[stem])
    assert msg.startswith(str(HOSTILE / f"{stem}.toml"))


def test_a_fifo_is_refused_not_read(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)  # nobody writes to it: reading it would hang forever
    one_line_error(fifo, "not a regular file")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_device_is_refused_not_read(device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    one_line_error(device, "not a regular file")


def test_a_folder_a_symlink_loop_a_long_name_and_a_missing_file(tmp_path):
    one_line_error(tmp_path, "a folder")
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    one_line_error(loop, "cannot read scenario")
    one_line_error(tmp_path / ("x" * 300 + ".toml"), "File name too long")
    one_line_error(tmp_path / "absent.toml", "file not found")
    one_line_error("a" * 1_000_000, "unknown scenario")  # a name, not a path: quoted as an excerpt
    one_line_error("../no_such_folder/x", "unknown scenario")


def test_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    p = tmp_path / "secret.toml"
    p.write_text(GOOD)
    p.chmod(0)
    one_line_error(p, "Permission denied")


def test_size_limit(tmp_path):
    big = tmp_path / "big.toml"
    big.write_text('name = "' + "a" * 5_000_000 + '"\ndescription = "a 5-million-character name"\n')
    one_line_error(big, f"at most {MAX_BYTES:,}")
    just = tmp_path / "just.toml"
    just.write_text(GOOD + "# " + "x" * (MAX_BYTES - len(GOOD) - 10) + "\n")
    assert load_scenario(just).name == "ok"  # up to the limit is fine


def test_strict_types_accept_integers_for_numbers():
    sc = parse_scenario(GOOD + "horizon = 24\n[parameters]\nrationality = 5\n[ranges]\nrationality = [2, 8.5]\n")
    assert sc.horizon == 24 and sc.parameters["rationality"] == 5.0 and sc.ranges["rationality"] == (2.0, 8.5)


def test_a_name_of_the_maximum_length_runs(tmp_path):
    from _cli import cli

    p = tmp_path / "long.toml"
    p.write_text(f'name = "{"n" * NAME_MAX}"\ndescription = "the longest name allowed"\nhorizon = 2\n')
    r = cli("run", p, "-n", 2, "--no-figures", cwd=tmp_path)  # the default output folder is named after it
    assert r.returncode == 0, r.stderr
    assert any(("n" * NAME_MAX) in str(q) for q in (tmp_path / "results").rglob("*"))


def test_excerpt_is_short_and_one_line():
    assert excerpt("a" * 1_000_087) == "a" * 60 + "... (1,000,087 characters)"
    assert excerpt("x\ny\x1b[2J") == "x\\ny\\x1b[2J"
    assert len(str(UserError("z" * 10**6, key="k" * 10**6))) < 2200


@pytest.mark.parametrize("stem", ["deep_arrays", "huge_int", "rationality_string", "long_key", "not_utf8"])
def test_cli_validate_and_run_print_one_line_and_exit_2(tmp_path, stem):
    from _cli import cli

    path = HOSTILE / f"{stem}.toml"
    for args in (("validate", path), ("run", path, "-n", 2, "--no-figures")):
        r = cli(*args, cwd=tmp_path)
        assert r.returncode == 2, r
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("alliance-sim: error: ") and len(lines[0]) <= MAX_LINE + 30
        assert EXPECTED[stem] in lines[0]
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_cli_fifo_and_device(tmp_path):
    from _cli import cli

    fifo = tmp_path / "p.toml"
    os.mkfifo(fifo)
    for target in (fifo, "/dev/zero"):
        r = cli("validate", target, cwd=tmp_path)
        assert r.returncode == 2 and "not a regular file" in r.stderr and len(r.stderr.splitlines()) == 1


def test_extends_itself_a_fifo_and_a_folder_are_one_line_at_once(tmp_path):
    """``extends`` reads other files: the same limits hold for them, and a file naming itself is a cycle."""
    me = tmp_path / "me.toml"
    me.write_text(GOOD + 'extends = ["me"]\n')
    assert "extends goes round in a circle: me.toml -> me.toml" in one_line_error(me)
    os.mkfifo(tmp_path / "pipe.toml")
    (tmp_path / "dir.toml").mkdir()
    for parent, fragment in (("pipe.toml", "not a regular file"), ("dir.toml", "a folder")):
        child = tmp_path / f"child_{parent}"
        child.write_text(GOOD + f'extends = ["{parent}"]\n')
        assert one_line_error(child, fragment).startswith(str(tmp_path / parent))
