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
import re
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .actors import ACTORS
from ..errors import UserError
from .parameters import PARAMETERS, check_value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class SetParameters(_Strict):
    """Any parameter change from a month on."""
    kind: Literal["set"]
    month: int
    parameters: dict[str, float]


EventModel = Annotated[Union[Ceasefire, UsOffer, RussiaMediates, KorGovernment, TroopWave, SetParameters],
                       Field(discriminator="kind")]
# An actor's precision multiplies the QRE rationality for that actor alone (a
# less predictable PRK, say): equivalent to scaling its stage payoffs.
PRECISION = (0.1, 10.0)
EVENT_KINDS = ("ceasefire", "us_offer", "russia_mediates", "kor_government", "troop_wave", "set")


class ScenarioModel(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str = Field(min_length=10)
    claims: list[str] = []
    start: str = "2025-01"
    horizon: int = Field(default=36, ge=1, le=240)
    parameters: dict[str, float] = {}
    ranges: dict[str, tuple[float, float]] = {}
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
        return f"unknown key {str(loc[-1])!r}; allowed: {', '.join(allowed)}"
    if t == "missing":
        return "required key is missing"
    if t == "union_tag_invalid":
        return f"unknown event kind; allowed: {', '.join(EVENT_KINDS)}"
    if t == "union_tag_not_found":
        return f"event needs a 'kind'; allowed: {', '.join(EVENT_KINDS)}"
    if t in ("int_parsing", "int_type", "int_from_float"):
        return "must be a whole number"
    return msg.removeprefix("Value error, ")


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
            raise UserError(f"unknown claim id {c!r} (see alliance_sim.claims())", file=file, key=f"claims[{i}]")


def _convert_event(ev, i: int, horizon: int, file: str) -> Event:
    key = f"events[{i}]"
    if not 1 <= ev.month <= horizon:
        raise UserError(f"month {ev.month} outside the horizon; allowed: 1 to {horizon}", file=file, key=f"{key}.month")
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
    for name, v in ev.parameters.items():
        check_value(name, v, file=file, key=f"{key}.parameters.{name}")
    return Event(ev.month, ev.kind, params=dict(ev.parameters))


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Validate scenario TOML text; raise ``UserError`` naming the file and key."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"not valid TOML ({e})", file=file) from None
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
            raise UserError(f"unknown actor {actor!r}; allowed: {', '.join(ACTORS)}", file=file, key=f"precision.{actor}")
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
    if path.suffix != ".toml" and not path.exists():
        candidate = scenarios_dir() / f"{name_or_path}.toml"
        if not candidate.exists():
            raise UserError(f"unknown scenario {str(name_or_path)!r}; allowed: a .toml path or one of "
                            f"{', '.join(shipped())}", key="scenario")
        path = candidate
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError("file not found", file=str(path)) from None
    except (IsADirectoryError, UnicodeDecodeError) as e:
        raise UserError(f"cannot read scenario ({e.__class__.__name__})", file=str(path)) from None
    return parse_scenario(text, file=str(path))
