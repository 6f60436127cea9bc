"""The six actors' inputs for the classic models, from ``seeds/classic_inputs.toml``.

Every number cites claim ids from the registry (``seeds/claims.toml``);
numbers that are the project's own elicitation, where the articles argue only a
direction, are flagged. :func:`load_inputs` validates the file (unknown keys,
missing actors or pairs, out-of-range values, unknown claim ids are one-line
errors naming the file and key); :func:`apply_overrides` lets a scenario change
any number.

>>> from alliance_sim.classic import load_inputs, apply_overrides
>>> inp = load_inputs()                                                  # doctest: +SKIP
>>> inp2 = apply_overrides(inp, {"us_prk_deal.USA.position": 0.8})       # doctest: +SKIP
>>> inp2.table("us_prk_deal")                                            # doctest: +SKIP
"""
from __future__ import annotations

import copy
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from itertools import combinations
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..errors import UserError
from .compromise import ActorTable

__all__ = ["ACTORS", "ClassicInputs", "apply_overrides", "inputs_path", "load_inputs"]

ACTORS: tuple[str, ...] = ("USA", "RUS", "PRK", "KOR", "CHN", "UKR")
FIELDS = ("position", "salience", "capability")
_ISSUE_ID = re.compile(r"^[a-z0-9_]+$")


def inputs_path() -> Path:
    """``classic_inputs.toml``: the installed package's copy, else the repository's ``seeds/``."""
    packaged = resources.files("alliance_sim") / "_data" / "seeds" / "classic_inputs.toml"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "seeds" / "classic_inputs.toml"


@dataclass
class Entry:
    position: float
    salience: float
    capability: float
    claims: list
    elicited: tuple = ()
    note: str = ""


@dataclass
class Issue:
    id: str
    question: str
    low: str
    high: str
    actors: dict  # actor -> Entry


@dataclass
class ClassicInputs:
    """Issues with each actor's position, salience and capability; landscape sizes and propensities.

    Attributes
    ----------
    issues : dict of str -> Issue
    sizes : dict of actor -> float
    propensity : dict of frozenset({a, b}) -> float
    citations : list of dict
        One row per number: ``key, value, claims, elicited``.
    path : str
    """

    issues: dict
    sizes: dict
    propensity: dict
    citations: list = field(default_factory=list)
    path: str = ""

    @property
    def issue_ids(self) -> list[str]:
        return list(self.issues)

    def _issue(self, issue: str) -> Issue:
        if issue not in self.issues:
            raise UserError(f"unknown issue {issue!r}; allowed: {', '.join(self.issues)}", key="--issue")
        return self.issues[issue]

    def table(self, issue: str) -> ActorTable:
        """The actor table of one issue (for ``bdm`` and the baselines)."""
        iss = self._issue(issue)
        acts = tuple(iss.actors)
        return ActorTable(acts, np.array([iss.actors[a].position for a in acts], float),
                          np.array([iss.actors[a].capability for a in acts], float),
                          np.array([iss.actors[a].salience for a in acts], float))

    def long_table(self, issues=None):
        """Long table ``actor, issue, position, salience, capability`` (for ``exchange``)."""
        import pandas as pd

        rows = []
        for iid in issues or self.issue_ids:
            for a, e in self._issue(iid).actors.items():
                rows.append(dict(actor=a, issue=iid, position=e.position, salience=e.salience,
                                 capability=e.capability))
        return pd.DataFrame(rows)

    def landscape_arrays(self):
        """``(names, sizes, propensity)`` for :func:`alliance_sim.classic.landscape.landscape`."""
        names = list(ACTORS)
        s = np.array([self.sizes[a] for a in names], float)
        p = np.zeros((len(names), len(names)))
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                if i != j:
                    p[i, j] = self.propensity[frozenset((a, b))]
        return names, s, p

    def citations_frame(self):
        import pandas as pd

        return pd.DataFrame(self.citations, columns=["key", "value", "claims", "elicited"])


def _known_claims() -> set[str]:
    from ..domain.claims import claim_ids

    return set(claim_ids())


def _num(raw, where, lo=None, hi=None):
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise UserError(f"must be a number, got {raw!r}", key=where)
    v = float(raw)
    if not np.isfinite(v) or (lo is not None and v < lo) or (hi is not None and v > hi):
        rng = f"[{lo}, {hi}]" if hi is not None else f">= {lo}"
        raise UserError(f"must be in {rng}, got {raw!r}", key=where)
    return v


def _claims(raw, where, known):
    if not isinstance(raw, list) or not raw or not all(isinstance(c, str) for c in raw):
        raise UserError("must be a non-empty list of claim ids", key=where)
    bad = [c for c in raw if c not in known]
    if bad:
        raise UserError(f"unknown claim id(s) {bad}; see seeds/claims.toml", key=where)
    return list(raw)


def _elicited(raw, where, allowed):
    if raw is True:
        return tuple(allowed)
    if raw is False or raw is None:
        return ()
    if isinstance(raw, list) and all(r in allowed for r in raw):
        return tuple(raw)
    raise UserError(f"must be true, false or a list of {', '.join(allowed)}", key=where)


def _keys(d, allowed, where):
    extra = sorted(set(d) - set(allowed))
    if extra:
        raise UserError(f"unknown key(s) {extra}; allowed: {', '.join(allowed)}", key=where)


def load_inputs(path: str | Path | None = None) -> ClassicInputs:
    """Load and validate the six actors' inputs.

    Parameters
    ----------
    path : path, optional
        A TOML file in the format of ``seeds/classic_inputs.toml`` (default: that file).

    Returns
    -------
    ClassicInputs

    Raises
    ------
    UserError
        ``file: key: what is allowed`` on any problem.
    """
    path = Path(path) if path is not None else inputs_path()
    f = str(path)
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise UserError("file not found", file=f) from None
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"not valid TOML ({e})", file=f) from None
    try:
        return _parse(raw, f)
    except UserError as e:
        if e.file:
            raise
        raise UserError(str(e), file=f) from None


def _parse(raw: dict, f: str) -> ClassicInputs:
    known = _known_claims()
    _keys(raw, ("version", "issue", "landscape"), "(top level)")
    issues, cites = {}, []
    if not isinstance(raw.get("issue"), list) or not raw["issue"]:
        raise UserError("needs at least one [[issue]] table", key="issue")
    for n, iss in enumerate(raw["issue"]):
        iid = iss.get("id")
        where = f"issue[{iid or '#' + str(n + 1)}]"
        _keys(iss, ("id", "question", "low", "high", "actor"), where)
        if not isinstance(iid, str) or not _ISSUE_ID.match(iid):
            raise UserError("id must be lowercase [a-z0-9_]", key=f"{where}.id")
        if iid in issues:
            raise UserError(f"duplicate issue id {iid!r}", key=f"{where}.id")
        for k in ("question", "low", "high"):
            if not isinstance(iss.get(k), str) or not iss[k].strip():
                raise UserError("must be a non-empty string", key=f"{where}.{k}")
        entries = {}
        for m, a in enumerate(iss.get("actor", [])):
            code = a.get("actor")
            aw = f"{where}.actor[{code or '#' + str(m + 1)}]"
            _keys(a, ("actor", *FIELDS, "claims", "elicited", "note"), aw)
            if code not in ACTORS:
                raise UserError(f"actor must be one of {', '.join(ACTORS)}", key=f"{aw}.actor")
            if code in entries:
                raise UserError(f"duplicate actor {code}", key=f"{aw}.actor")
            e = Entry(position=_num(a.get("position"), f"{aw}.position", 0, 1),
                      salience=_num(a.get("salience"), f"{aw}.salience", 0, 1),
                      capability=_num(a.get("capability"), f"{aw}.capability", 0),
                      claims=_claims(a.get("claims"), f"{aw}.claims", known),
                      elicited=_elicited(a.get("elicited"), f"{aw}.elicited", FIELDS),
                      note=str(a.get("note", "")))
            entries[code] = e
            for fld in FIELDS:
                cites.append(dict(key=f"{iid}.{code}.{fld}", value=getattr(e, fld), claims=e.claims,
                                  elicited=fld in e.elicited))
        missing = [c for c in ACTORS if c not in entries]
        if missing:
            raise UserError(f"missing actor(s) {missing}; every issue needs all of {', '.join(ACTORS)}",
                            key=f"{where}.actor")
        if not any(e.capability * e.salience > 0 for e in entries.values()):
            raise UserError("needs an actor with capability x salience > 0", key=where)
        issues[iid] = Issue(iid, iss["question"], iss["low"], iss["high"],
                            {c: entries[c] for c in ACTORS})
    land = raw.get("landscape")
    if not isinstance(land, dict):
        raise UserError("missing [landscape] table", key="landscape")
    _keys(land, ("note", "size", "pair"), "landscape")
    sizes = {}
    for m, s in enumerate(land.get("size", [])):
        code = s.get("actor")
        w = f"landscape.size[{code or '#' + str(m + 1)}]"
        _keys(s, ("actor", "size", "claims", "elicited", "note"), w)
        if code not in ACTORS or code in sizes:
            raise UserError(f"actor must be one of {', '.join(ACTORS)}, once each", key=f"{w}.actor")
        sizes[code] = _num(s.get("size"), f"{w}.size", 0)
        if sizes[code] <= 0:
            raise UserError("must be > 0", key=f"{w}.size")
        el = _elicited(s.get("elicited"), f"{w}.elicited", ("size",))
        cites.append(dict(key=f"landscape.size.{code}", value=sizes[code],
                          claims=_claims(s.get("claims"), f"{w}.claims", known), elicited=bool(el)))
    if set(sizes) != set(ACTORS):
        raise UserError(f"needs a size for each of {', '.join(ACTORS)}; missing {sorted(set(ACTORS) - set(sizes))}",
                        key="landscape.size")
    props = {}
    for m, pr in enumerate(land.get("pair", [])):
        acts = pr.get("actors")
        w = f"landscape.pair[{'-'.join(acts) if isinstance(acts, list) else '#' + str(m + 1)}]"
        _keys(pr, ("actors", "propensity", "claims", "elicited", "note"), w)
        if (not isinstance(acts, list) or len(acts) != 2 or acts[0] == acts[1]
                or not all(a in ACTORS for a in acts)):
            raise UserError(f"actors must be two different codes of {', '.join(ACTORS)}", key=f"{w}.actors")
        key = frozenset(acts)
        if key in props:
            raise UserError("duplicate pair", key=f"{w}.actors")
        props[key] = _num(pr.get("propensity"), f"{w}.propensity", -1, 1)
        el = _elicited(pr.get("elicited"), f"{w}.elicited", ("propensity",))
        cites.append(dict(key=f"landscape.propensity.{acts[0]}-{acts[1]}", value=props[key],
                          claims=_claims(pr.get("claims"), f"{w}.claims", known), elicited=bool(el)))
    missing = ["-".join(sorted(c)) for c in combinations(ACTORS, 2) if frozenset(c) not in props]
    if missing:
        raise UserError(f"needs a propensity for every pair; missing {missing}", key="landscape.pair")
    return ClassicInputs(issues, sizes, props, cites, f)


def _parse_key(key) -> tuple:
    """Normalise an override key to a tuple: (issue, actor, field) | ("landscape", "size", actor) |
    ("landscape", "propensity", a, b)."""
    if isinstance(key, tuple):
        parts = tuple(str(k) for k in key)
    elif isinstance(key, str):
        parts = tuple(key.split("."))
        if len(parts) == 3 and parts[:2] == ("landscape", "propensity"):
            parts = ("landscape", "propensity", *parts[2].split("-"))
    else:
        raise UserError(f"override key must be a string like 'ISSUE.ACTOR.FIELD', got {key!r}", key="overrides")
    return parts


def apply_overrides(inputs: ClassicInputs, overrides: Mapping[Any, Any] | None) -> ClassicInputs:
    """A copy of ``inputs`` with some numbers changed (the original is untouched).

    Keys (all validated before anything changes):

    - ``"ISSUE.ACTOR.FIELD": value`` with FIELD in position, salience, capability,
      e.g. ``"us_prk_deal.USA.position": 0.8``;
    - ``(ISSUE, ACTOR): {FIELD: value, ...}``, e.g. ``{("us_prk_deal", "USA"): {"position": 0.8}}``;
    - ``"landscape.size.ACTOR": value``;
    - ``"landscape.propensity.A-B": value`` (or the tuple ``("landscape", "propensity", A, B)``).

    An overridden number is recorded as the scenario's (``elicited``: false,
    claims: ``["(override)"]``) in ``citations``.
    """
    if not overrides:
        return copy.deepcopy(inputs)
    if not isinstance(overrides, Mapping):
        raise UserError("overrides must be a mapping of key -> value", key="overrides")
    flat = []
    for key, val in overrides.items():
        parts = _parse_key(key)
        if len(parts) == 2 and parts[0] != "landscape":
            if not isinstance(val, Mapping) or not val:
                raise UserError(f"{key!r}: expected a mapping of field -> value", key="overrides")
            flat += [((*parts, fld), v) for fld, v in val.items()]
        else:
            flat.append((parts, val))
    checked = []
    for parts, val in flat:
        name = ".".join(parts)
        if parts[0] == "landscape":
            if len(parts) == 3 and parts[1] == "size" and parts[2] in ACTORS:
                v = _num(val, f"overrides: {name}", 0)
                if v <= 0:
                    raise UserError("must be > 0", key=f"overrides: {name}")
            elif (len(parts) == 4 and parts[1] == "propensity" and parts[2] in ACTORS and parts[3] in ACTORS
                  and parts[2] != parts[3]):
                v = _num(val, f"overrides: {name}", -1, 1)
            else:
                raise UserError(f"unknown landscape key {name!r}; use landscape.size.ACTOR or "
                                f"landscape.propensity.A-B with actors {', '.join(ACTORS)}", key="overrides")
        else:
            if len(parts) != 3:
                raise UserError(f"unknown key {name!r}; use ISSUE.ACTOR.FIELD", key="overrides")
            iss, act, fld = parts
            if iss not in inputs.issues:
                raise UserError(f"unknown issue {iss!r}; allowed: {', '.join(inputs.issues)}", key=f"overrides: {name}")
            if act not in ACTORS:
                raise UserError(f"unknown actor {act!r}; allowed: {', '.join(ACTORS)}", key=f"overrides: {name}")
            if fld not in FIELDS:
                raise UserError(f"unknown field {fld!r}; allowed: {', '.join(FIELDS)}", key=f"overrides: {name}")
            v = _num(val, f"overrides: {name}", 0, None if fld == "capability" else 1)
        checked.append((parts, v))
    out = copy.deepcopy(inputs)
    for parts, v in checked:
        if parts[0] == "landscape":
            if parts[1] == "size":
                out.sizes[parts[2]] = v
            else:
                out.propensity[frozenset(parts[2:])] = v
            key = ".".join(parts[:2]) + "." + "-".join(parts[2:])
        else:
            setattr(out.issues[parts[0]].actors[parts[1]], parts[2], v)
            key = ".".join(parts)
        out.citations = [c for c in out.citations if c["key"] != key]
        out.citations.append(dict(key=key, value=v, claims=["(override)"], elicited=False))
    for iid, iss in out.issues.items():
        if not any(e.capability * e.salience > 0 for e in iss.actors.values()):
            raise UserError(f"issue {iid!r} needs an actor with capability x salience > 0", key="overrides")
    return out
