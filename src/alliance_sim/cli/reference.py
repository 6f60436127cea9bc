"""``alliance-sim parameters | claims``: the reference tables (every number, every claim), 100 columns wide."""
from __future__ import annotations

import textwrap

WIDTH = 100


def add_commands(sub) -> None:
    p = sub.add_parser("parameters", help="list parameters with ranges, units and meanings")
    p.add_argument("--grep", default=None, help="only parameters whose name, meaning or claims contain this text")
    p.add_argument("--name", default=None, help="show one parameter in full, with the claims it cites")
    p.set_defaults(func=cmd_parameters)

    p = sub.add_parser("claims", help="list the claims registry")
    p.add_argument("--id", default=None, help="show one claim in full")
    p.add_argument("--grep", default=None, help="only claims whose id or text contain this text")
    p.set_defaults(func=cmd_claims)


def _cut(text, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _claims_text(value) -> str:
    return ", ".join(value) if isinstance(value, (list, tuple)) else str(value)


def cmd_parameters(args) -> int:
    from ..domain.parameters import parameters
    from ..errors import UserError

    df = parameters()
    if args.name:
        row = df[df["name"] == args.name]
        if row.empty:
            raise UserError(f"unknown parameter {args.name!r}; see 'alliance-sim parameters'", key="--name")
        r = row.iloc[0]
        print(f"{r['name']} = {r['default']:g}  range [{r['low']:g}, {r['high']:g}]  unit: {r['unit']}")
        print(textwrap.fill(str(r["meaning"]), WIDTH))
        print(textwrap.fill("claims: " + _claims_text(r["claims"]), WIDTH, subsequent_indent="  "))
        return 0
    if args.grep:
        needle = args.grep.lower()
        hay = df["name"] + " " + df["meaning"] + " " + df["claims"].map(_claims_text)
        df = df[hay.str.lower().str.contains(needle, regex=False)]
        if df.empty:
            print(f"no parameter matches {args.grep!r}")
            return 0
    nw = max(df["name"].str.len().max(), 4)
    uw = 16
    head = f"{'name':<{nw}} {'default':>8} {'low':>7} {'high':>7}  {'unit':<{uw}} "
    mw = max(WIDTH - len(head), 20)
    print(head + "meaning")
    for r in df.itertuples():
        print(f"{r.name:<{nw}} {r.default:>8.4g} {r.low:>7.4g} {r.high:>7.4g}  {_cut(r.unit, uw):<{uw}} "
              f"{_cut(r.meaning, mw)}")
    print(f"({len(df)} parameters; 'alliance-sim parameters --name NAME' shows one in full with its claims)")
    return 0


def cmd_claims(args) -> int:
    from ..domain.claims import claims, get_claim

    if args.id:
        c = get_claim(args.id)
        print(f"{c.id} [{c.kind}] {c.source} {c.locator}; actors: {', '.join(c.actors)}")
        print(textwrap.fill(c.text, WIDTH))
        for r in c.readings:
            print(textwrap.fill(f"reading: {r}", WIDTH, initial_indent="  ", subsequent_indent="    "))
        for f in c.figures:
            print(textwrap.fill(f"figure: {f.model_dump(exclude_none=True)}", WIDTH, initial_indent="  ",
                                subsequent_indent="    "))
        return 0
    df = claims()
    if args.grep:
        needle = args.grep.lower()
        df = df[(df["id"] + " " + df["text"]).str.lower().str.contains(needle, regex=False)]
    for r in df.itertuples():
        print(f"{r.id} [{r.kind}] {r.source} {r.locator}")
        print(textwrap.fill(r.text, WIDTH, initial_indent="    ", subsequent_indent="    "))
    print(f"({len(df)} claims; 'alliance-sim claims --id ID' shows one in full)")
    return 0
