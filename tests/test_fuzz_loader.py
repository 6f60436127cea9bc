"""Fuzzing the scenario loader: any file gives a valid scenario or the library's own one-line error, at once.

Hypothesis writes scenario files four ways: shipped scenarios with keys
replaced, added or removed (structure), values of every TOML type where
numbers, text or tables belong (types), bytes flipped, inserted, deleted
or repeated (bytes), and brackets and dotted keys nested hundreds deep
(nesting). Each file goes through ``load_scenario`` and, fewer of them,
through ``alliance-sim validate``. The property: a ``Scenario`` or a
``UserError`` whose message is one line of at most ``MAX_LINE`` characters,
within a second; never another exception, never a hang.
"""
from __future__ import annotations

import json
import math
import time
import tomllib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliance_sim.domain.scenario import Scenario, load_scenario, scenarios_dir
from alliance_sim.errors import UserError

MAX_LINE = 400
SHIPPED = sorted(p.read_text() for p in scenarios_dir().glob("*.toml"))
KEYS = ["name", "description", "claims", "start", "horizon", "parameters", "ranges", "precision", "events",
        "kind", "month", "relief", "recognition", "normalisation", "channel", "stance", "size",
        "rationality", "treaty_floor", "mediation_channel", "USA", "PRK", "colour", "",
        "extends", "after", "months", "id"]


# ----------------------------------------------------------------------------- a small TOML writer
def dump_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(dump_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {dump_value(x)}" for k, x in v.items()) + "}"
    return json.dumps(str(v))


def dump(doc: dict) -> str:
    return "".join(f"{json.dumps(k, ensure_ascii=False)} = {dump_value(v)}\n" for k, v in doc.items())


# ----------------------------------------------------------------------------- strategies
scalars = st.one_of(
    st.booleans(),
    st.integers(-10, 400),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 0.5, 1.0, 5.0, 36.0, 1e308, -0.0]),
    st.text(max_size=30),
    st.sampled_from(["2025-01", "2025-13", "baseline", "ceasefire", "us_offer", "set", "PRK", "5", "true",
                     "ukraine_ceasefire", "troop_wave@2", "../baseline.toml", "/", "ceasefire_enhanced_offer"]),
    st.text(min_size=200, max_size=3000).map(lambda s: s * 3),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=12), st.text(min_size=60, max_size=120))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(keys, inner, max_size=4)), max_leaves=12)


@st.composite
def structured(draw) -> str:
    """A shipped scenario with keys replaced, added or removed at any depth (types and structure)."""
    doc = tomllib.loads(draw(st.sampled_from(SHIPPED)))
    for _ in range(draw(st.integers(1, 4))):
        node = doc
        for _ in range(draw(st.integers(0, 3))):  # walk down a little
            if isinstance(node, dict) and node:
                child = node[draw(st.sampled_from(sorted(node)))]
            elif isinstance(node, list) and node:
                child = node[draw(st.integers(0, len(node) - 1))]
            else:
                break
            if not isinstance(child, (dict, list)):
                break
            node = child
        action = draw(st.sampled_from(["set", "set", "delete", "add"]))
        if isinstance(node, dict):
            key = draw(st.sampled_from(sorted(node))) if node and action != "add" else draw(keys)
            if action == "delete":
                node.pop(key, None)
            else:
                node[key] = draw(values)
        elif isinstance(node, list):
            if node and action == "delete":
                node.pop(draw(st.integers(0, len(node) - 1)))
            elif node and action == "set":
                node[draw(st.integers(0, len(node) - 1))] = draw(values)
            else:
                node.append(draw(values))
    return dump(doc)


@st.composite
def mutated_bytes(draw) -> bytes:
    """A shipped scenario's bytes, flipped, inserted, deleted or repeated."""
    data = bytearray(draw(st.sampled_from(SHIPPED)).encode())
    for _ in range(draw(st.integers(1, 8))):
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "repeat", "byte"]))
        if op == "flip" and data:
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "byte" and data:
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            data[i:i] = draw(st.one_of(st.binary(max_size=20),
                                       st.sampled_from([b"[", b"{", b"\"", b"'''", b"\n[[events]]\n", b"=", b"\\u",
                                                        b"\x00", b"\xff", b"9" * 50, b"nan", b"true"])))
        elif op == "delete" and data:
            del data[i:i + draw(st.integers(1, 40))]
        elif op == "repeat" and data:
            j = min(len(data), i + draw(st.integers(1, 60)))
            data[i:i] = data[i:j] * draw(st.integers(2, 20))
    return bytes(data)


@st.composite
def nested(draw) -> str:
    """Brackets, inline tables or dotted keys nested up to 1,000 deep, where any value goes."""
    n = draw(st.integers(1, 1000))
    where = draw(st.sampled_from(["claims", "parameters", "ranges", "events", "x", "precision"]))
    kind = draw(st.sampled_from(["array", "table", "dotted", "unclosed"]))
    head = 'name = "fuzz"\ndescription = "A fuzzed scenario file."\n'
    if kind == "array":
        return head + f"{where} = " + "[" * n + "]" * n + "\n"
    if kind == "table":
        return head + f"{where} = " + "{a = " * n + "1" + "}" * n + "\n"
    if kind == "dotted":
        return head + f"{where}." + ".".join(["a"] * n) + " = 1\n"
    return head + f"{where} = " + "[" * n + "\n"


files = st.one_of(structured().map(str.encode), mutated_bytes(), nested().map(str.encode))


def outcome(path: Path) -> str:
    """``"accepted"`` or ``"error"``; fails the test on anything else."""
    t0 = time.process_time()  # CPU time: the property, not the machine's load
    try:
        sc = load_scenario(path)
    except UserError as e:
        msg = str(e)
        assert "\n" not in msg and "\r" not in msg and len(msg) <= MAX_LINE, msg[:500]
        kind = "error"
    else:
        assert isinstance(sc, Scenario) and sc.horizon >= 1 and len(sc.name) <= 64
        kind = "accepted"
    assert time.process_time() - t0 < 1.0, "took more than a second"
    return kind


FUZZ = settings(max_examples=min(settings().max_examples, 200), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
CLI_CASES = settings(FUZZ, max_examples=min(settings().max_examples, 40))


@FUZZ
@given(data=files)
def test_load_scenario_gives_a_scenario_or_one_line(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.toml"
    path.write_bytes(data)
    outcome(path)


@CLI_CASES
@given(data=files)
def test_cli_validate_gives_ok_or_one_line_and_exit_2(tmp_path_factory, data):
    from _cli import cli

    folder = tmp_path_factory.mktemp("fuzzcli")
    path = folder / "fuzz.toml"
    path.write_bytes(data)
    t0 = time.process_time()  # CPU time: the property, not the machine's load
    r = cli("validate", path, cwd=folder)
    assert time.process_time() - t0 < 1.0
    assert "Traceback" not in r.stderr
    if r.returncode == 0:
        assert r.stdout.startswith(f"{path}: ok")
    else:
        assert r.returncode == 2, r
        lines = r.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("alliance-sim: error: "), r.stderr[:500]
