"""The claims registry: what the four articles argue, in the project's words.

``seeds/sources.toml`` lists the articles; ``seeds/claims.toml`` the claims,
each with a stable id, its source, a paragraph locator, a paraphrase, a kind,
the actors concerned and the figures it carries. Every payoff term and
parameter cites claim ids from here; loading validates the files.
"""
from __future__ import annotations

import functools
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .actors import ACTORS
from ..errors import UserError

_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    file: str
    title: str
    outlet: str
    author: str
    date: str
    date_note: str
    url: str = ""       # where the article can be read; "" when no canonical address was found
    url_note: str = ""


class Figure(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    date: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _has_quantity(self):
        if self.value is None and (self.low is None or self.high is None) and not (self.unit == "date" and self.date):
            raise ValueError("a figure needs a value, a low/high range, or (unit 'date') a date")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"figure range low {self.low} > high {self.high}")
        return self


class Claim(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    source: str
    locator: str = Field(min_length=1)
    kind: Literal["fact", "figure", "mechanism", "forecast", "contested"]
    actors: list[str] = Field(min_length=1)
    text: str = Field(min_length=20)
    readings: list[str] = []
    also_sources: list[str] = []
    figures: list[Figure] = []

    @field_validator("id")
    @classmethod
    def _id_form(cls, v):
        if not _ID.match(v):
            raise ValueError(f"id {v!r} must be lowercase dotted 'topic.slug' ([a-z0-9_.])")
        return v

    @field_validator("actors")
    @classmethod
    def _actors_known(cls, v):
        bad = [a for a in v if a not in ACTORS]
        if bad:
            raise ValueError(f"unknown actor(s) {bad}; allowed: {', '.join(ACTORS)}")
        return v

    @model_validator(mode="after")
    def _kind_rules(self):
        if self.kind == "contested" and len(self.readings) < 2:
            raise ValueError("a contested claim needs at least two readings")
        if self.kind == "figure" and not self.figures:
            raise ValueError("a figure claim needs at least one figure")
        return self


def seeds_dir() -> Path:
    """The registry folder: the installed package's copy, else the repository's ``seeds/``."""
    packaged = resources.files("alliance_sim") / "_data" / "seeds"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "seeds"


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise UserError("file not found", file=str(path)) from None
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"not valid TOML ({e})", file=str(path)) from None


def _validate(model, raw: dict, path: Path, index: int, table: str):
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err["loc"]) or "(table)"
        ident = raw.get("id", f"#{index + 1}")
        raise UserError(f"{err['msg']}", file=str(path), key=f"{table}[{ident}].{loc}") from None


def load_registry(folder: str | Path | None = None) -> tuple[dict[str, Source], dict[str, Claim]]:
    """Load and validate ``sources.toml`` and ``claims.toml``; raise ``UserError`` on any problem."""
    folder = Path(folder) if folder is not None else seeds_dir()
    sp, cp = folder / "sources.toml", folder / "claims.toml"
    sources: dict[str, Source] = {}
    for i, raw in enumerate(_read_toml(sp).get("source", [])):
        s = _validate(Source, raw, sp, i, "source")
        if s.id in sources:
            raise UserError(f"duplicate source id {s.id!r}", file=str(sp), key=f"source[{s.id}].id")
        sources[s.id] = s
    claims: dict[str, Claim] = {}
    for i, raw in enumerate(_read_toml(cp).get("claim", [])):
        c = _validate(Claim, raw, cp, i, "claim")
        if c.id in claims:
            raise UserError(f"duplicate claim id {c.id!r}", file=str(cp), key=f"claim[{c.id}].id")
        for src in (c.source, *c.also_sources):
            if src not in sources:
                raise UserError(f"unknown source {src!r}; allowed: {', '.join(sources)}",
                                file=str(cp), key=f"claim[{c.id}].source")
        claims[c.id] = c
    if not claims:
        raise UserError("no [[claim]] tables", file=str(cp))
    return sources, claims


@functools.lru_cache(maxsize=1)
def _registry():
    return load_registry()


def claim_ids() -> frozenset[str]:
    return frozenset(_registry()[1])


def get_claim(claim_id: str) -> Claim:
    try:
        return _registry()[1][claim_id]
    except KeyError:
        raise UserError(f"unknown claim id {claim_id!r}", key="claim") from None


def claims(folder: str | Path | None = None):
    """The claims registry as a DataFrame, one row per claim.

    Columns: ``id, source, locator, kind, actors, text, readings, figures,
    also_sources, source_title, source_date``. ``figures`` holds a list of
    dicts (unit, value, low, high, date, note).
    """
    import pandas as pd

    sources, cl = load_registry(folder) if folder is not None else _registry()
    rows = []
    for c in cl.values():
        s = sources[c.source]
        rows.append(dict(
            id=c.id, source=c.source, locator=c.locator, kind=c.kind, actors=list(c.actors),
            text=c.text, readings=list(c.readings), figures=[f.model_dump() for f in c.figures],
            also_sources=list(c.also_sources), source_title=s.title, source_date=s.date,
        ))
    return pd.DataFrame(rows)


def sources(folder: str | Path | None = None):
    """The registry's sources as a DataFrame."""
    import pandas as pd

    src = load_registry(folder)[0] if folder is not None else _registry()[0]
    return pd.DataFrame([s.model_dump() for s in src.values()])
