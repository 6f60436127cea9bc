"""Scenario files: declarative what-ifs, validated on load.

A scenario is a TOML file with a name, a description naming the claims it
encodes, a start month and horizon, parameter overrides by name, optional
narrowed uncertainty ranges, per-actor precision of choice, and timed events
(a ceasefire at month k, a new US offer, Russia starting to mediate, a South
Korean government change, a troop wave, or any parameter change). Errors name the file, the key and what
is allowed.
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .actors import ACTORS
from ..errors import UserError, excerpt, os_error_message
from .parameters import PARAMETERS, check_value


class _Strict(BaseModel):
    # strict: no bool or float for a whole number, no string or bool for a number; no nan or inf
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Ceasefire(_Strict):
    """A US-Russia deal ends the fighting (Ukraine sidelined)."""
    kind: Literal["ceasefire"]
    month: int


class UsOffer(_Strict):
    """The US changes what it brings to the table."""
    kind: Literal["us_offer"]
    month: int
    relief: float | None = None
    recognition: float | None = None
    normalisation: float | None = None


class RussiaMediates(_Strict):
    """Russia opens itself as broker of US-PRK talks."""
    kind: Literal["russia_mediates"]
    month: int
    channel: float = 1.0


class KorGovernment(_Strict):
    """A new South Korean government with a given engagement stance."""
    kind: Literal["kor_government"]
    month: int
    stance: float = Field(ge=0.0, le=1.0)


class TroopWave(_Strict):
    """An extra PRK deployment arrives (thousand troops)."""
    kind: Literal["troop_wave"]
    month: int
    size: float = Field(gt=0.0, le=50.0)


class KoreanCrisis(_Strict):
    """PRK is attacked or threatened and calls in the treaty; Russia chooses whether and how to honour it."""
    kind: Literal["korean_crisis"]
    month: int
    duration: int = Field(default=1, ge=1, le=24)
    scope: Literal["within_borders", "beyond_borders"] = "within_borders"


class SetParameters(_Strict):
    """Any parameter change from a month on."""
    kind: Literal["set"]
    month: int
    parameters: dict[str, float]


EventModel = Annotated[Union[Ceasefire, UsOffer, RussiaMediates, KorGovernment, TroopWave, KoreanCrisis,
                             SetParameters],
                       Field(discriminator="kind")]
# An actor's precision multiplies the QRE rationality for that actor alone (a
# less predictable PRK, say): equivalent to scaling its stage payoffs.
PRECISION = (0.1, 10.0)
# A scenario file is small: these bounds make loading any file quick and every message short.
MAX_BYTES = 1_000_000  # file size
MAX_DEPTH = 8  # nesting of tables and arrays (a scenario needs 4)
MAX_KEY = 64  # characters of a key (parameter, actor, event field)
MAX_STRING = 20_000  # characters of a string (the description)
MAX_ITEMS = 2_000  # entries of one table or array (events, parameters, claims)
NAME_MAX = 64  # characters of a scenario name (it names output folders and figure titles)
EVENT_KINDS = ("ceasefire", "us_offer", "russia_mediates", "kor_government", "troop_wave", "korean_crisis", "set")


class ScenarioModel(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$", max_length=NAME_MAX)
    description: str = Field(min_length=10, max_length=MAX_STRING)
    claims: list[str] = []
    start: str = "2025-01"
    horizon: int = Field(default=36, ge=1, le=240)
    parameters: dict[str, float] = {}
    ranges: dict[str, Annotated[list[float], Field(min_length=2, max_length=2)]] = {}
    precision: dict[str, float] = {}
    events: list[EventModel] = []

    @field_validator("start")
    @classmethod
    def _month(cls, v):
        if not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", v):
            raise ValueError("start must be a month 'YYYY-MM'")
        return v


@dataclass(frozen=True)
class Event:
    """One timed change: parameter values to set, state values to set or add."""
    month: int
    kind: str
    params: dict = field(default_factory=dict)
    state_set: dict = field(default_factory=dict)
    state_add: dict = field(default_factory=dict)
    until: int | None = None  # state_set holds until this month, then those variables go back to 0


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    claims: tuple[str, ...]
    start: str
    horizon: int
    parameters: dict
    ranges: dict
    events: tuple[Event, ...]
    precision: dict = field(default_factory=dict)
    path: str | None = None
    content_hash: str = ""

    def events_at(self, month: int) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.month == month)

    def with_overrides(self, overrides: dict) -> "Scenario":
        merged = dict(self.parameters)
        for k, v in overrides.items():
            merged[k] = check_value(k, v, key=f"--set {k}")
        return replace(self, parameters=merged)

    def uncertainty(self) -> dict[str, tuple[float, float]]:
        """The parameters' plausible ranges, narrowed by the file's ``[ranges]``,
        without those the file fixes in ``[parameters]`` or its events set
        (an event's value overrides any sampled one from its month on)."""
        fixed = set(self.parameters) | {k for e in self.events for k in e.params}
        out = {}
        for name, p in PARAMETERS.items():
            if name in fixed:
                continue
            out[name] = self.ranges.get(name, (p.low, p.high))
        return out


def scenarios_dir() -> Path:
    packaged = resources.files("alliance_sim") / "_data" / "scenarios"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "scenarios"


def shipped() -> list[str]:
    return sorted(p.stem for p in scenarios_dir().glob("*.toml"))


def _key(loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in EVENT_KINDS:
            continue  # pydantic's union tag, not a key in the file
        else:
            out += ("." if out else "") + str(part)
    return out


def _explain(err, raw: dict) -> str:
    t, msg = err["type"], err["msg"]
    loc = err["loc"]
    if t == "extra_forbidden":
        allowed = _allowed_keys(loc, raw)
        return f"unknown key {excerpt(repr(str(loc[-1])))}; allowed: {', '.join(allowed)}"
    if t == "missing":
        return "required key is missing"
    if t == "union_tag_invalid":
        return f"unknown event kind; allowed: {', '.join(EVENT_KINDS)}"
    if t == "union_tag_not_found":
        return f"event needs a 'kind'; allowed: {', '.join(EVENT_KINDS)}"
    if t in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number, not {_kind(err.get('input'))}"
    if t in ("float_parsing", "float_type"):
        return f"must be a number, not {_kind(err.get('input'))}"
    if t in ("string_type", "list_type", "dict_type", "tuple_type", "model_type", "model_attributes_type"):
        want = {"string_type": "text", "list_type": "an array", "tuple_type": "an array",
                "dict_type": "a table"}.get(t, "a table")
        return f"must be {want}, not {_kind(err.get('input'))}"
    if t == "finite_number":
        return "must be a finite number (not nan or inf)"
    return msg.removeprefix("Value error, ")


def _kind(value) -> str:
    """What a wrong value is, for a message (never the value itself, which may be long)."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int):
        return f"a whole number ({excerpt(value, 20)})"
    if isinstance(value, float):
        return f"a decimal number ({excerpt(repr(value), 20)})"
    if isinstance(value, str):
        return f"text ({excerpt(repr(value), 30)})"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"


def _allowed_keys(loc, raw) -> list[str]:
    if loc and loc[0] == "events" and len(loc) >= 3:
        kind = loc[2]
        model = {m.model_fields["kind"].annotation.__args__[0]: m
                 for m in (Ceasefire, UsOffer, RussiaMediates, KorGovernment, TroopWave, SetParameters)}.get(kind)
        if model:
            return list(model.model_fields)
    return list(ScenarioModel.model_fields)


def _check_claims(ids, file):
    from .claims import claim_ids

    known = claim_ids()
    for i, c in enumerate(ids):
        if c not in known:
            raise UserError(f"unknown claim id {excerpt(repr(c))} (see alliance_sim.claims())", file=file,
                            key=f"claims[{i}]")


def _convert_event(ev, i: int, horizon: int, file: str) -> Event:
    key = f"events[{i}]"
    if not 1 <= ev.month <= horizon:
        raise UserError(f"month {excerpt(ev.month, 20)} outside the horizon; allowed: 1 to {horizon}", file=file,
                        key=f"{key}.month")
    if isinstance(ev, Ceasefire):
        return Event(ev.month, ev.kind, state_set={"ceasefire": 1.0})
    if isinstance(ev, UsOffer):
        params = {f"offer_{k}": v for k, v in (("relief", ev.relief), ("recognition", ev.recognition),
                                               ("normalisation", ev.normalisation)) if v is not None}
        if not params:
            raise UserError("a us_offer event needs at least one of relief, recognition, normalisation",
                            file=file, key=key)
        for name, v in params.items():
            check_value(name, v, file=file, key=f"{key}.{name.removeprefix('offer_')}")
        return Event(ev.month, ev.kind, params=params)
    if isinstance(ev, RussiaMediates):
        check_value("mediation_channel", ev.channel, file=file, key=f"{key}.channel")
        return Event(ev.month, ev.kind, params={"mediation_channel": ev.channel})
    if isinstance(ev, KorGovernment):
        return Event(ev.month, ev.kind, state_set={"kor_stance": ev.stance})
    if isinstance(ev, TroopWave):
        return Event(ev.month, ev.kind, state_add={"prk_troops_in_russia": ev.size})
    if isinstance(ev, KoreanCrisis):
        scope = 1.0 if ev.scope == "beyond_borders" else 0.0
        return Event(ev.month, ev.kind, state_set={"crisis": 1.0, "crisis_scope": scope}, until=ev.month + ev.duration)
    for name, v in ev.parameters.items():
        check_value(name, v, file=file, key=f"{key}.parameters.{name}")
    return Event(ev.month, ev.kind, params=dict(ev.parameters))


def _check_bounds(raw: dict, file: str) -> None:
    """Reject, before validation, structure no scenario has: deep nesting, long keys and strings, huge tables."""
    stack = [(raw, "", 1)]
    while stack:
        node, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UserError(f"nested too deeply; allowed: at most {MAX_DEPTH} levels of tables and arrays",
                            file=file, key=where or None)
        items = node.items() if isinstance(node, dict) else enumerate(node)
        if len(node) > MAX_ITEMS:
            raise UserError(f"{len(node):,} entries; allowed: at most {MAX_ITEMS:,}", file=file, key=where or None)
        for k, v in items:
            if isinstance(k, str):
                if len(k) > MAX_KEY or not k.isprintable():
                    raise UserError(f"key {excerpt(repr(k))} is not a plain key of at most {MAX_KEY} characters",
                                    file=file, key=where or None)
                sub = f"{where}.{k}" if where else k
            else:
                sub = f"{where}[{k}]"
            if isinstance(v, str) and len(v) > MAX_STRING:
                raise UserError(f"text of {len(v):,} characters; allowed: at most {MAX_STRING:,}", file=file, key=sub)
            if isinstance(v, (dict, list)):
                stack.append((v, sub, depth + 1))


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Validate scenario TOML text; raise ``UserError`` naming the file and key."""
    if len(text) > MAX_BYTES:
        raise UserError(f"{len(text):,} characters; allowed: at most {MAX_BYTES:,} for a scenario", file=file)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"not valid TOML ({excerpt(e, 120)})", file=file) from None
    except RecursionError:
        raise UserError(f"nested too deeply; allowed: at most {MAX_DEPTH} levels of tables and arrays",
                        file=file) from None
    except ValueError as e:  # e.g. an integer of more than 4,300 digits
        why = "an integer of more than 4,300 digits" if "digits" in str(e) else excerpt(e, 120)
        raise UserError(f"not valid TOML ({why})", file=file) from None
    _check_bounds(raw, file)
    try:
        model = ScenarioModel.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        raise UserError(_explain(err, raw), file=file, key=_key(err["loc"]) or "(top level)") from None
    for name, v in model.parameters.items():
        check_value(name, v, file=file, key=f"parameters.{name}")
    for name, (lo, hi) in model.ranges.items():
        spec = PARAMETERS.get(name)
        check_value(name, lo, file=file, key=f"ranges.{name}")
        check_value(name, hi, file=file, key=f"ranges.{name}")
        if lo >= hi:
            raise UserError(f"range [{lo:g}, {hi:g}] is empty; allowed: low < high within [{spec.low:g}, {spec.high:g}]",
                            file=file, key=f"ranges.{name}")
    _check_claims(model.claims, file)
    for actor, v in model.precision.items():
        if actor not in ACTORS:
            raise UserError(f"unknown actor {excerpt(repr(actor))}; allowed: {', '.join(ACTORS)}", file=file,
                            key=f"precision.{actor}")
        if not PRECISION[0] <= v <= PRECISION[1]:
            raise UserError(f"value {v:g} out of range; allowed: [{PRECISION[0]:g}, {PRECISION[1]:g}] (multiplier of rationality)",
                            file=file, key=f"precision.{actor}")
    events = tuple(sorted((_convert_event(ev, i, model.horizon, file) for i, ev in enumerate(model.events)),
                          key=lambda e: e.month))
    return Scenario(
        name=model.name, description=" ".join(model.description.split()), claims=tuple(model.claims),
        start=model.start, horizon=model.horizon, parameters=dict(model.parameters),
        ranges={k: tuple(v) for k, v in model.ranges.items()}, events=events,
        precision=dict(model.precision), path=file,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )


def load_scenario(name_or_path: str | Path | Scenario) -> Scenario:
    """A shipped scenario by name (``"baseline"``) or a scenario file by path."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    path = Path(name_or_path)
    if path.suffix != ".toml" and not _lexists(path):
        name = str(name_or_path)
        candidate = scenarios_dir() / f"{name}.toml"
        if not (re.fullmatch(r"[a-z0-9_]{1,%d}" % NAME_MAX, name) and candidate.is_file()):
            raise UserError(f"unknown scenario {excerpt(repr(name))}; allowed: a .toml path or one of "
                            f"{', '.join(shipped())}", key="scenario")
        path = candidate
    return parse_scenario(read_scenario_text(path), file=str(path))


def _lexists(path: Path) -> bool:
    try:
        return os.path.lexists(path)
    except (OSError, ValueError):  # a name too long, a NUL byte
        return False


def read_scenario_text(path) -> str:
    """The text of a scenario file: a regular file (no FIFO, device or folder) of at most ``MAX_BYTES``, UTF-8.

    Never blocks (a FIFO is refused, not read) and never reads more than
    ``MAX_BYTES + 1`` bytes; any failure is one ``UserError`` line.
    """
    file = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise UserError("file not found", file=file) from None
    except (OSError, ValueError) as e:
        why = os_error_message(e) if isinstance(e, OSError) else "not a valid file name"
        raise UserError(f"cannot read scenario ({why.rsplit(': ', 1)[-1]})", file=file) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            what = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (a FIFO, device or socket)"
            raise UserError(f"cannot read scenario: {what}; allowed: a .toml file", file=file)
        if st.st_size > MAX_BYTES:
            raise UserError(f"file of {st.st_size:,} bytes; allowed: at most {MAX_BYTES:,} (1 MB) for a scenario",
                            file=file)
        parts, total = [], 0
        while total <= MAX_BYTES:
            block = os.read(fd, min(1 << 20, MAX_BYTES + 1 - total))
            if not block:
                break
            parts.append(block)
            total += len(block)
        if total > MAX_BYTES:
            raise UserError(f"more than {MAX_BYTES:,} bytes; allowed: at most {MAX_BYTES:,} (1 MB) for a scenario",
                            file=file)
    except OSError as e:
        raise UserError(f"cannot read scenario ({os_error_message(e).rsplit(': ', 1)[-1]})", file=file) from None
    finally:
        os.close(fd)
    data = b"".join(parts)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UserError(f"not UTF-8 text (byte {data[e.start]:#04x} at position {e.start})", file=file) from None
