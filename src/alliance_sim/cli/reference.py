"""``alliance-sim parameters | claims``: the reference tables (every number, every claim)."""
from __future__ import annotations


def add_commands(sub) -> None:
    p = sub.add_parser("parameters", help="list parameters with ranges and claims")
    p.add_argument("--grep", default=None, help="only names or meanings containing this text")
    p.set_defaults(func=cmd_parameters)

    p = sub.add_parser("claims", help="list the claims registry")
    p.add_argument("--id", default=None, help="show one claim in full")
    p.set_defaults(func=cmd_claims)


def cmd_parameters(args) -> int:
    import pandas as pd

    from ..domain.parameters import parameters

    df = parameters()
    if args.grep:
        m = df["name"].str.contains(args.grep, case=False) | df["meaning"].str.contains(args.grep, case=False)
        df = df[m]
    with pd.option_context("display.width", 220, "display.max_colwidth", 70, "display.max_rows", 500):
        print(df[["name", "default", "low", "high", "unit", "claims"]].to_string(index=False))
    return 0


def cmd_claims(args) -> int:
    import pandas as pd

    from ..domain.claims import claims, get_claim

    if args.id:
        c = get_claim(args.id)
        print(f"{c.id} [{c.kind}] {c.source} {c.locator} actors: {', '.join(c.actors)}\n{c.text}")
        for r in c.readings:
            print(f"  reading: {r}")
        for f in c.figures:
            print(f"  figure: {f.model_dump(exclude_none=True)}")
        return 0
    df = claims()
    with pd.option_context("display.width", 220, "display.max_colwidth", 100, "display.max_rows", 500):
        print(df[["id", "kind", "source", "locator", "text"]].to_string(index=False))
    return 0
