"""Scenario files: declarative what-ifs, validated on load.

A scenario is a TOML file with a name, a description naming the claims it
encodes, a start month and horizon, parameter overrides by name, optional
narrowed uncertainty ranges, per-actor precision of choice, and timed events
(a ceasefire at month k, a new US offer, Russia starting to mediate, a South
Korean government change, a troop wave, or any parameter change). Errors name the file, the key and what
is allowed.

Composition. ``extends = ["ukraine_ceasefire", "us_enhanced_offer"]`` merges
other scenario files into this one, in order (a parent may itself extend
others). Parameters, ranges and precision merge by name, claims are joined,
events merge by their *key*: the event's ``id`` if it has one, else its kind
(``ceasefire``, ``us_offer``, ``russia_mediates``, ``kor_government``,
``korean_crisis``: one story each) or, for the kinds that pile up
(``troop_wave``, ``set``), kind and time (``troop_wave@2``,
``troop_wave@ceasefire+2``). All events a file gives under a key replace all
its parents gave under it: so a child re-times or drops-in a parent's event by
declaring it again. Two parents that give the same key different settings are
an error naming both files, unless the child sets the key itself; identical
settings are fine. ``start`` and ``horizon`` come from the child, else from
its parents, who must agree. A parent is found by name next to the extending
file, then among the shipped scenarios; a path (``.toml``) is relative to the
extending file.

Relative timing. ``after = "ceasefire", months = 2`` (instead of ``month``)
times an event two months after the event it names: the ``id`` or the kind of
exactly one event of the resolved scenario. Chains are allowed; a cycle, an
anchor that never happens and a month past the horizon are errors. Timing is
resolved at load, after merging, so a child that re-times an anchor moves
every event timed after it.
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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .actors import ACTORS
from ..errors import UserError, excerpt, os_error_message
from .parameters import PARAMETERS, check_value


class _Strict(BaseModel):
    # strict: no bool or float for a whole number, no string or bool for a number; no nan or inf
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


ID_PATTERN = r"^[a-z][a-z0-9_]*$"


class _Timed(_Strict):
    """When an event happens: ``month = N``, or ``after = "ceasefire", months = N`` (relative); an optional id."""
    month: int | None = None
    after: str | None = Field(default=None, min_length=1, max_length=64)
    months: int | None = Field(default=None, ge=0, le=240)
    id: str | None = Field(default=None, pattern=ID_PATTERN, max_length=64)

    @model_validator(mode="after")
    def _timing(self):
        if self.month is None and self.after is None:
            raise ValueError("an event needs month = N, or after = \"EVENT\" with months = N")
        if self.month is not None and self.after is not None:
            raise ValueError("an event has month or after, not both")
        if self.months is not None and self.after is None:
            raise ValueError("months goes with after = \"EVENT\"; for a fixed month write month = N")
        if self.id in EVENT_KINDS:
            raise ValueError(f"id {self.id!r} is an event kind; allowed: any other lowercase name")
        return self


class Ceasefire(_Timed):
    """A US-Russia deal ends the fighting (Ukraine sidelined)."""
    kind: Literal["ceasefire"]


class UsOffer(_Timed):
    """The US changes what it brings to the table."""
    kind: Literal["us_offer"]
    relief: float | None = None
    recognition: float | None = None
    normalisation: float | None = None


class RussiaMediates(_Timed):
    """Russia opens itself as broker of US-PRK talks."""
    kind: Literal["russia_mediates"]
    channel: float = 1.0


class KorGovernment(_Timed):
    """A new South Korean government with a given engagement stance."""
    kind: Literal["kor_government"]
    stance: float = Field(ge=0.0, le=1.0)


class TroopWave(_Timed):
    """An extra PRK deployment arrives (thousand troops)."""
    kind: Literal["troop_wave"]
    size: float = Field(gt=0.0, le=50.0)


class KoreanCrisis(_Timed):
    """PRK is attacked or threatened and calls in the treaty; Russia chooses whether and how to honour it."""
    kind: Literal["korean_crisis"]
    duration: int = Field(default=1, ge=1, le=24)
    scope: Literal["within_borders", "beyond_borders"] = "within_borders"


class SetParameters(_Timed):
    """Any parameter change from a month on."""
    kind: Literal["set"]
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
REPEATING = ("troop_wave", "set")  # kinds that pile up: their key includes the time (troop_wave@2)
MAX_EXTENDS = 8  # parents named by one file
MAX_CHAIN = 8  # files in one line of descent (child, parent, grandparent, ...)
MAX_FILES = 32  # distinct files read to resolve one scenario
MAX_REF = 1_000  # characters of a parent's name or path


class ScenarioModel(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$", max_length=NAME_MAX)
    description: str = Field(min_length=10, max_length=MAX_STRING)
    extends: list[Annotated[str, Field(min_length=1, max_length=MAX_REF)]] = Field(default=[], max_length=MAX_EXTENDS)
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
    # where it comes from (not part of what it does, so not compared): its merge key, the file that set it, and
    # for a relative event the anchor and offset ("ceasefire", 2)
    key: str = field(default="", compare=False)
    source: str = field(default="", compare=False)
    after: tuple | None = field(default=None, compare=False)


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
    # composition: the parents' files in the order given, and which file set each start, horizon, parameter
    # ("parameters.NAME"), range, precision and event ("events.KEY")
    extends: tuple[str, ...] = ()
    provenance: dict = field(default_factory=dict, compare=False)
    timing: tuple = field(default=(), compare=False, repr=False)  # each event's timing as written (_Timing)

    def events_at(self, month: int) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.month == month)

    def with_overrides(self, overrides: dict) -> "Scenario":
        merged = dict(self.parameters)
        for k, v in overrides.items():
            merged[k] = check_value(k, v, key=f"--set {k}")
        return replace(self, parameters=merged)

    def retimed(self, months: dict) -> "Scenario":
        """The scenario with events moved to new months; events timed ``after`` them move with them.

        ``months`` maps an event's key, id or kind (naming exactly one event) to
        its new month, e.g. ``{"ceasefire": 8}``: what a sweep over timing or
        order varies. A relative event given a month becomes fixed there.
        """
        if not self.timing:
            raise UserError("this scenario was not read from a file; retime the file's events instead",
                            key="retimed")
        timing = list(self.timing)
        for name, month in months.items():
            hits = [j for j, t in enumerate(timing) if name in (t.key, t.id, t.kind)]
            if len(hits) != 1:
                have = ", ".join(dict.fromkeys(t.key for t in timing)) or "none"
                why = "names no event" if not hits else f"names {len(hits)} events"
                raise UserError(f"{excerpt(repr(name))} {why}; allowed: one of this scenario's event keys ({have})",
                                key=f"retimed.{excerpt(name, 40)}")
            if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= self.horizon:
                raise UserError(f"month {excerpt(repr(month), 20)}; allowed: a whole number from 1 to "
                                f"{self.horizon}", key=f"retimed.{excerpt(name, 40)}")
            timing[hits[0]] = replace(timing[hits[0]], month=month, after=None, months=None)
        new = _resolve_months(timing, (self.horizon, None))
        pairs = sorted(((_moved(e, m, t), t) for e, t, m in zip(self.events, timing, new)), key=lambda p: p[0].month)
        digest = hashlib.sha256(f"{self.content_hash} retimed {sorted(months.items())}".encode()).hexdigest()
        return replace(self, events=tuple(e for e, _ in pairs), timing=tuple(t for _, t in pairs),
                       content_hash=digest)

    def to_toml(self) -> str:
        """The resolved scenario as one self-contained file: no ``extends``, every event at its month.

        Loading it gives the same scenario (events, parameters, ranges,
        precision, claims); a results folder can keep it as the exact copy of
        what ran. Written by hand because the standard library reads TOML but
        does not write it, and the structure is four flat tables.
        """
        import json

        q = json.dumps  # a JSON string is a TOML basic string
        num = lambda v: repr(float(v))
        out = [f"name = {q(self.name)}", f"description = {q(self.description)}",
               "claims = [" + ", ".join(q(c) for c in self.claims) + "]",
               f"start = {q(self.start)}", f"horizon = {self.horizon}"]
        for table, items in (("parameters", {k: num(v) for k, v in self.parameters.items()}),
                             ("ranges", {k: f"[{num(lo)}, {num(hi)}]" for k, (lo, hi) in self.ranges.items()}),
                             ("precision", {k: num(v) for k, v in self.precision.items()})):
            if items:
                out += ["", f"[{table}]"] + [f"{k} = {v}" for k, v in items.items()]
        for e in self.events:
            out += ["", "[[events]]", f"kind = {q(e.kind)}", f"month = {e.month}"]
            out += [f"{k} = {v}" for k, v in _event_fields(e).items()]
        return "\n".join(out) + "\n"

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


def _event_fields(e: Event) -> dict:
    """An event's own fields in a file (TOML values as text), back from what it does."""
    num = lambda v: repr(float(v))
    if e.kind == "us_offer":
        return {k.removeprefix("offer_"): num(v) for k, v in e.params.items()}
    if e.kind == "russia_mediates":
        return {"channel": num(e.params["mediation_channel"])}
    if e.kind == "kor_government":
        return {"stance": num(e.state_set["kor_stance"])}
    if e.kind == "troop_wave":
        return {"size": num(e.state_add["prk_troops_in_russia"])}
    if e.kind == "korean_crisis":
        scope = "beyond_borders" if e.state_set.get("crisis_scope") else "within_borders"
        return {"duration": str(e.until - e.month), "scope": f'"{scope}"'}
    if e.kind == "set":
        return {"parameters": "{ " + ", ".join(f"{k} = {num(v)}" for k, v in e.params.items()) + " }"}
    return {}


def _moved(e: Event, month: int, t) -> Event:
    until = None if e.until is None else e.until - e.month + month  # a crisis keeps its duration
    return replace(e, month=month, until=until, after=None if t.after is None else (t.after, t.months or 0))


def scenarios_dir() -> Path:
    packaged = resources.files("alliance_sim") / "_data" / "scenarios"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "scenarios"


def shipped() -> list[str]:
    return sorted(p.stem for p in scenarios_dir().glob("*.toml"))


def _shipped_list(limit: int = 160) -> str:
    """The shipped names for a message, cut to ``limit`` characters so the message stays one short line."""
    names, out = shipped(), ""
    for i, name in enumerate(names):
        if len(out) + len(name) > limit:
            return out + f", ... ({len(names) - i} more: alliance-sim list)"
        out += (", " if out else "") + name
    return out


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
                 for m in (Ceasefire, UsOffer, RussiaMediates, KorGovernment, TroopWave, KoreanCrisis,
                           SetParameters)}.get(kind)
        if model:  # the kind's own fields first, the timing and id last
            first, last = ["kind", "month"], ["after", "months", "id"]
            return first + [f for f in model.model_fields if f not in first + last] + last
    return list(ScenarioModel.model_fields)


def _check_claims(ids, file):
    from .claims import claim_ids

    known = claim_ids()
    for i, c in enumerate(ids):
        if c not in known:
            raise UserError(f"unknown claim id {excerpt(repr(c))} (see alliance_sim.claims())", file=file,
                            key=f"claims[{i}]")


def _convert_event(ev, month: int, place: "_Placed") -> Event:
    """An event model at its resolved month, as parameter and state changes; values checked (naming its file)."""
    file, key = place.file, f"events[{place.index}]"
    meta = dict(key=place.key, source=file, after=None if ev.after is None else (ev.after, ev.months or 0))
    if isinstance(ev, Ceasefire):
        return Event(month, ev.kind, state_set={"ceasefire": 1.0}, **meta)
    if isinstance(ev, UsOffer):
        params = {f"offer_{k}": v for k, v in (("relief", ev.relief), ("recognition", ev.recognition),
                                               ("normalisation", ev.normalisation)) if v is not None}
        if not params:
            raise UserError("a us_offer event needs at least one of relief, recognition, normalisation",
                            file=file, key=key)
        for name, v in params.items():
            check_value(name, v, file=file, key=f"{key}.{name.removeprefix('offer_')}")
        return Event(month, ev.kind, params=params, **meta)
    if isinstance(ev, RussiaMediates):
        check_value("mediation_channel", ev.channel, file=file, key=f"{key}.channel")
        return Event(month, ev.kind, params={"mediation_channel": ev.channel}, **meta)
    if isinstance(ev, KorGovernment):
        return Event(month, ev.kind, state_set={"kor_stance": ev.stance}, **meta)
    if isinstance(ev, TroopWave):
        return Event(month, ev.kind, state_add={"prk_troops_in_russia": ev.size}, **meta)
    if isinstance(ev, KoreanCrisis):
        scope = 1.0 if ev.scope == "beyond_borders" else 0.0
        return Event(month, ev.kind, state_set={"crisis": 1.0, "crisis_scope": scope}, until=month + ev.duration,
                     **meta)
    for name, v in ev.parameters.items():
        check_value(name, v, file=file, key=f"{key}.parameters.{name}")
    return Event(month, ev.kind, params=dict(ev.parameters), **meta)


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


def _read_model(text: str, file: str) -> ScenarioModel:
    """One file's own content, validated: TOML, bounds, types, parameter values, ranges, claims, precision."""
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
    ids = {}
    for i, ev in enumerate(model.events):
        if ev.id is not None:
            if ev.id in ids:
                raise UserError(f"id {ev.id!r} is already the id of events[{ids[ev.id]}]; allowed: one event per id",
                                file=file, key=f"events[{i}].id")
            ids[ev.id] = i
    return model


def event_key(ev) -> str:
    """The key events merge by: the id; else the kind; for the kinds that pile up, kind and time."""
    if ev.id is not None:
        return ev.id
    if ev.kind not in REPEATING:
        return ev.kind
    when = str(ev.month) if ev.month is not None else f"{ev.after}+{ev.months or 0}"
    return f"{ev.kind}@{when}"


@dataclass(frozen=True)
class _Placed:
    """An event model with the file and position it comes from (for messages) and its merge key."""
    ev: object
    file: str
    index: int
    key: str


@dataclass
class _Layer:
    """A file merged with its parents: every setting with the file that set it; timing not yet resolved."""
    model: ScenarioModel
    file: str
    digest: str  # of this file's text and all its parents' digests
    start: tuple | None  # (value, file) or None when no file in the line sets it
    horizon: tuple | None
    parameters: dict  # name -> (value, file)
    ranges: dict
    precision: dict
    claims: list
    events: dict  # key -> (tuple of _Placed, file)
    extends: tuple  # the files of the direct parents


def _show_file(path: str) -> str:
    """A file for a message or table: a shipped one by its name, any other by its path as given."""
    path = str(path)
    if path.startswith("<") or Path(path).parent != scenarios_dir():
        return path
    return Path(path).name


def _conflict(what: str, key: str, first, second, file: str, show=repr) -> UserError:
    return UserError(f"{what} is set differently by parents {first[1]} ({excerpt(show(first[0]), 60)}) and "
                     f"{second[1]} ({excerpt(show(second[0]), 60)}); allowed: set it in this file to choose",
                     file=file, key=key)


def _merge_section(section: str, own: dict, parents, file: str) -> dict:
    """Parents' entries in order, then the file's own; two parents that differ on a name the file leaves alone
    are an error."""
    merged: dict = {}
    for parent in parents:
        for name, entry in getattr(parent, section).items():
            if name in own:
                continue
            if name in merged and merged[name][0] != entry[0]:
                raise _conflict(f"{section[:-1] if section != 'precision' else section} {name!r}",
                                f"{section}.{name}", merged[name], entry, file)
            merged.setdefault(name, entry)
    merged.update(own)
    return merged


def _merge_scalar(name: str, model, parents, file: str):
    if name in model.model_fields_set:
        return getattr(model, name), file
    found = None
    for parent in parents:
        entry = getattr(parent, name)
        if entry is None:
            continue
        if found is not None and found[0] != entry[0]:
            raise _conflict(name, name, found, entry, file)
        found = found or entry
    return found


def _dump(group) -> tuple:
    return tuple(p.ev.model_dump() for p in group)


def _merge_events(model, parents, file: str) -> dict:
    own: dict = {}
    for i, ev in enumerate(model.events):
        key = event_key(ev)
        group = own.get(key, ((), file))[0]
        own[key] = (group + (_Placed(ev, file, i, key),), file)
    merged: dict = {}
    for parent in parents:
        for key, entry in parent.events.items():
            if key in own:
                continue
            if key in merged and _dump(merged[key][0]) != _dump(entry[0]):
                raise _conflict(f"event {key!r}", f"events.{key}", merged[key], entry, file, show=_describe_group)
            merged.setdefault(key, entry)
    merged.update(own)
    return merged


def _describe_group(group) -> str:
    return "; ".join(", ".join(f"{k}={v}" for k, v in p.ev.model_dump(exclude_none=True).items()
                               if k not in ("kind", "id")) for p in group)


class _Resolver:
    """Reads a file and, depth first, the files it extends: each file once, within the bounds above."""

    def __init__(self):
        self.done: dict[str, _Layer] = {}

    def layer(self, text: str, file: str, chain: tuple = ()) -> _Layer:
        model = _read_model(text, file)
        here = _real(file)
        chain = chain + ((here, file),)
        parents = []
        for i, ref in enumerate(model.extends):
            path = _find_parent(ref, file, i)
            real = _real(str(path))
            reals = [r for r, _ in chain]
            if real in reals:
                cycle = " -> ".join(Path(f).name for _, f in chain[reals.index(real):]) + f" -> {Path(path).name}"
                raise UserError(f"extends goes round in a circle: {cycle}; allowed: a chain of parents without "
                                f"repeats", file=file, key=f"extends[{i}]")
            if real not in self.done:
                if len(chain) >= MAX_CHAIN:
                    raise UserError(f"extends nests more than {MAX_CHAIN} files deep; allowed: at most {MAX_CHAIN}",
                                    file=file, key=f"extends[{i}]")
                if len(self.done) + len(chain) >= MAX_FILES:
                    raise UserError(f"extends reaches more than {MAX_FILES} files; allowed: at most {MAX_FILES}",
                                    file=file, key=f"extends[{i}]")
                self.done[real] = self.layer(read_scenario_text(path), str(path), chain)
            parents.append(self.done[real])
        own = lambda section: {k: (tuple(v) if isinstance(v, list) else v, file)
                               for k, v in getattr(model, section).items()}
        digest = hashlib.sha256(text.encode()).hexdigest()
        if parents:  # a composed file's results depend on its parents' texts too
            digest = hashlib.sha256(" ".join([digest] + [p.digest for p in parents]).encode()).hexdigest()
        return _Layer(
            model=model, file=file, digest=digest,
            start=_merge_scalar("start", model, parents, file), horizon=_merge_scalar("horizon", model, parents, file),
            parameters=_merge_section("parameters", own("parameters"), parents, file),
            ranges=_merge_section("ranges", own("ranges"), parents, file),
            precision=_merge_section("precision", own("precision"), parents, file),
            claims=list(dict.fromkeys([c for p in parents for c in p.claims] + list(model.claims))),
            events=_merge_events(model, parents, file),
            extends=tuple(p.file for p in parents),
        )


def _real(file: str) -> str:
    if file.startswith("<"):
        return file
    try:
        return os.path.realpath(file)
    except (OSError, ValueError):
        return os.path.abspath(file)


def _find_parent(ref: str, file: str, i: int) -> Path:
    """A parent by name (next to the extending file, then shipped) or by path (relative to the extending file)."""
    base = Path.cwd() if file.startswith("<") else Path(file).parent
    if ref.endswith(".toml") or "/" in ref or os.sep in ref:
        path = base / ref
        if not _lexists(path):
            raise UserError(f"parent {excerpt(repr(ref))} not found (looked for {path})", file=file,
                            key=f"extends[{i}]")
        return path
    if not re.fullmatch(r"[a-z0-9_]{1,%d}" % NAME_MAX, ref):
        raise UserError(f"parent {excerpt(repr(ref))} is neither a scenario name nor a path; allowed: a name "
                        f"(lowercase letters, digits, _) or a .toml path", file=file, key=f"extends[{i}]")
    tried = [base / f"{ref}.toml", scenarios_dir() / f"{ref}.toml"]
    for path in tried:
        if path.is_file():
            return path
    where = " and ".join(dict.fromkeys(str(t) for t in tried))
    raise UserError(f"parent {ref!r} not found (looked for {where}); allowed: a file next to this one, a .toml "
                    f"path, or a shipped scenario ({_shipped_list(120)})", file=file, key=f"extends[{i}]")


@dataclass(frozen=True)
class _Timing:
    """When one event happens, as written: a month, or an anchor and an offset; and where it was written."""
    kind: str
    id: str | None
    month: int | None
    after: str | None
    months: int | None
    file: str
    index: int
    key: str

    @classmethod
    def of(cls, p: _Placed) -> "_Timing":
        return cls(p.ev.kind, p.ev.id, p.ev.month, p.ev.after, p.ev.months, p.file, p.index, p.key)


def _resolve_months(placed: list, horizon: tuple) -> list[int]:
    """Each event's month: fixed ones as given, relative ones from their anchor (chains followed, cycles refused)."""
    limit = horizon[0]
    where = lambda p: (p.file, f"events[{p.index}]")
    anchors: dict[str, list[int]] = {}
    for j, p in enumerate(placed):
        anchors.setdefault(p.kind, []).append(j)
        if p.id is not None:
            anchors.setdefault(p.id, []).append(j)
    month: list = [p.month for p in placed]
    for j, p in enumerate(placed):
        if month[j] is not None and not 1 <= month[j] <= limit:
            note = "" if horizon[1] == p.file else f" (the horizon is set by {horizon[1]})"
            raise UserError(f"month {excerpt(month[j], 20)} outside the horizon; allowed: 1 to {limit}{note}",
                            file=p.file, key=f"{where(p)[1]}.month")
    for j0 in range(len(placed)):
        path, j = [], j0
        while month[j] is None:  # follow the anchors to an event with a month, or round a circle
            if j in path:
                loop = path[path.index(j):] + [j]
                chain = " after ".join(placed[k].key for k in loop)
                file, key = where(placed[j])
                raise UserError(f"relative timing goes round in a circle: {chain}; allowed: a chain that ends at "
                                f"an event with month = N", file=file, key=f"{key}.after")
            path.append(j)
            p = placed[j]
            hits = anchors.get(p.after, [])
            if len(hits) != 1:
                raise UserError(_anchor_problem(p.after, hits, placed, anchors), file=p.file,
                                key=f"{where(p)[1]}.after")
            j = hits[0]
        for k in reversed(path):  # the chain's months, from its fixed end back to where it started
            p = placed[k]
            anchor = month[anchors[p.after][0]]
            month[k] = anchor + (p.months or 0)
            if month[k] > limit:
                raise UserError(f"{p.after} (month {anchor}) + {p.months or 0} months = month {month[k]}, "
                                f"outside the horizon; allowed: 1 to {limit}", file=p.file,
                                key=f"{where(p)[1]}.months")
    return month


def _anchor_problem(after: str, hits: list, placed: list, anchors: dict) -> str:
    names = ", ".join(sorted(anchors)) or "none"
    if hits:
        return (f"after {after!r} is ambiguous: {len(hits)} events match (months "
                f"{', '.join(str(placed[h].month or '?') for h in hits)}); allowed: give the one you mean an id "
                f"and name that")
    if after in EVENT_KINDS:
        return (f"after {after!r}: this scenario schedules no {after} event, so this event would never happen; "
                f"allowed: an event this scenario schedules ({names})")
    return f"unknown after target {excerpt(repr(after))}; allowed: the id or kind of an event of this scenario ({names})"


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Validate scenario TOML text, with the files it extends; raise ``UserError`` naming the file and key."""
    top = _Resolver().layer(text, file)
    model = top.model
    start = top.start or ("2025-01", None)
    horizon = top.horizon or (ScenarioModel.model_fields["horizon"].default, None)
    placed = [p for group, _ in top.events.values() for p in group]
    timing = [_Timing.of(p) for p in placed]
    months = _resolve_months(timing, horizon)
    pairs = sorted(((_convert_event(p.ev, m, p), t) for p, t, m in zip(placed, timing, months)),
                   key=lambda pair: pair[0].month)
    provenance = {name: entry[1] for name, entry in (("start", top.start), ("horizon", top.horizon)) if entry}
    for section in ("parameters", "ranges", "precision"):
        provenance.update({f"{section}.{k}": f for k, (_, f) in getattr(top, section).items()})
    provenance.update({f"events.{k}": f for k, (_, f) in top.events.items()})
    return Scenario(
        name=model.name, description=" ".join(model.description.split()), claims=tuple(top.claims),
        start=start[0], horizon=horizon[0], parameters={k: v for k, (v, _) in top.parameters.items()},
        ranges={k: tuple(v) for k, (v, _) in top.ranges.items()}, events=tuple(e for e, _ in pairs),
        precision={k: v for k, (v, _) in top.precision.items()}, path=file,
        content_hash=top.digest, extends=top.extends, provenance=provenance, timing=tuple(t for _, t in pairs),
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
                            f"{_shipped_list()}", key="scenario")
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


# ----------------------------------------------------------------------------- the resolved scenario, as text
def month_date(start: str, month: int) -> str:
    """The calendar month ``YYYY-MM`` of a scenario month (month 1 is the start)."""
    year, mon = int(start[:4]), int(start[5:7])
    k = year * 12 + mon - 1 + month - 1
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def describe_event(e: Event) -> str:
    """What an event does, in the model's own variables."""
    parts = [f"{k} = {v:g}" for k, v in e.params.items()]
    parts += [f"{k} = {v:g}" for k, v in e.state_set.items()]
    parts += [f"{k} += {v:g}" for k, v in e.state_add.items()]
    if e.until is not None:
        parts.append(f"until month {e.until}")
    return ", ".join(parts)


def show(scenario, width: int = 100) -> str:
    """The resolved scenario as text: what it is, when each event happens and what it does, every parameter it
    moves from its default, its ranges, precision and claims, each with the file that set it.

    >>> print(show("ceasefire_mediation_offer"))     # doctest: +SKIP
    """
    import textwrap

    sc = load_scenario(scenario)
    src = lambda key: _show_file(sc.provenance.get(key, "")) if sc.provenance.get(key) else "default"
    lines = [f"{sc.name}  ({sc.path})"]
    if sc.extends:
        lines.append("extends: " + ", ".join(_show_file(f) for f in sc.extends))
    lines += textwrap.wrap(sc.description, width)
    end = month_date(sc.start, sc.horizon)
    lines += ["", f"start {sc.start} (from {src('start')}), horizon {sc.horizon} months to {end} "
                  f"(from {src('horizon')})", "", f"events ({len(sc.events)}):"]
    rows = [(str(e.month), month_date(sc.start, e.month), e.kind,
             describe_event(e) + (f"  [{e.after[0]} + {e.after[1]} months]" if e.after else ""),
             _show_file(e.source)) for e in sc.events]
    lines += _table(("month", "date", "event", "what it does", "from"), rows) or ["  none"]
    rows = [(name, f"{v:g}", f"{PARAMETERS[name].default:g}", src(f"parameters.{name}"))
            for name, v in sc.parameters.items() if v != PARAMETERS[name].default]
    lines += ["", f"parameters that differ from their default ({len(rows)}):"]
    lines += _table(("parameter", "value", "default", "from"), rows) or ["  none"]
    rows = [(name, f"{lo:g} to {hi:g}", f"{PARAMETERS[name].low:g} to {PARAMETERS[name].high:g}",
             src(f"ranges.{name}")) for name, (lo, hi) in sc.ranges.items()]
    lines += ["", f"ranges ({len(rows)}):"] + (_table(("parameter", "range", "full range", "from"), rows) or ["  none"])
    rows = [(actor, f"{v:g}", src(f"precision.{actor}")) for actor, v in sc.precision.items()]
    lines += ["", f"precision ({len(rows)}):"] + (_table(("actor", "multiplier", "from"), rows) or ["  none"])
    lines += ["", f"claims ({len(sc.claims)}):"]
    lines += textwrap.wrap(", ".join(sc.claims), width, initial_indent="  ", subsequent_indent="  ") or ["  none"]
    return "\n".join(lines)


def _table(head: tuple, rows: list) -> list[str]:
    if not rows:
        return []
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    fmt = lambda r: "  " + "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
    return [fmt(head)] + [fmt(r) for r in rows]
