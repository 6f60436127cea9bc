"""The ``alliance-sim`` command.

Bad input (a broken scenario file, an unknown actor, a parameter out of range,
a wrong flag) prints one line naming the file, the key and what is allowed,
and exits with status 2; nothing is written.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .options import positive_int as _positive, seed as _seed

from ..errors import UserError
from ..domain.parameters import check_value

PROG = "alliance-sim"


class _Parser(argparse.ArgumentParser):
    """argparse, but errors are one line (no usage dump)."""

    def error(self, message):
        raise UserError(f"{message} (see '{self.prog} --help')")


def _parse_sets(items) -> dict:
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UserError(f"expected NAME=VALUE, got {item!r}", key="--set")
        name = name.strip()
        out[name] = check_value(name, value.strip(), key=f"--set {name}")
    return out


def _add_run_flags(p, replicates=1000):
    p.add_argument("--replicates", "-n", type=_positive, default=replicates, help=f"replicates (default {replicates})")
    p.add_argument("--seed", type=_seed, default=0, help="run seed (default 0)")
    p.add_argument("--set", dest="sets", action="append", metavar="NAME=VALUE",
                   help="override a parameter (repeatable); see 'alliance-sim parameters'")
    p.add_argument("--solution", choices=("qre", "nash", "pure"), default="qre", help="how stage games are solved")
    p.add_argument("--chunk-size", type=_positive, default=None,
                   help="replicates per batched model, one task and one checkpoint each (default: up to 1000)")
    p.add_argument("--executor", choices=("serial", "processes", "dask"), default=None,
                   help="where chunks run: this process (default), local worker processes, or Dask "
                        "(needs alliance-sim[dask]); results are identical")
    p.add_argument("--workers", type=_positive, default=None,
                   help="worker processes for --executor processes/dask (default: one per core)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="connect to a running Dask scheduler, e.g. tcp://host:8786 (implies --executor dask)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="What-if scenarios for the Russia-North Korea alliance.")
    from .._version import __version__
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("run", help="run a scenario ensemble and write tables and figures")
    p.add_argument("scenario", help="a shipped scenario name or a .toml path")
    _add_run_flags(p)
    p.add_argument("--out", default=None, help="output folder (default results/SCENARIO)")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="trajectories file format")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run with the same --out: compute only its missing chunks")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("compare", help="run several scenarios on the same seed and compare them")
    p.add_argument("scenarios", nargs="+", help="two or more scenario names or paths")
    _add_run_flags(p)
    p.add_argument("--metric", action="append", default=None, help="metric(s) to compare (repeatable)")
    p.add_argument("--month", type=_positive, default=None, help="month for the table (default: final)")
    p.add_argument("--out", default="results/compare", help="output folder (default results/compare)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("list", help="list the shipped scenarios")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("validate", help="check scenario files")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("explain", help="an actor's payoff by term, with the claims behind each")
    p.add_argument("actor", help="USA, RUS, PRK, KOR, CHN or UKR")
    p.add_argument("--scenario", default=None, help="take the state and actions from this scenario")
    p.add_argument("--month", type=_positive, default=1, help="month of the scenario (default 1)")
    p.add_argument("--action", dest="actions", action="append", metavar="ACTOR=ACTION",
                   help="set an actor's action, e.g. PRK=sustain/engage (repeatable)")
    p.add_argument("--set", dest="sets", action="append", metavar="NAME=VALUE", help="override a parameter")
    p.add_argument("--figure", default=None, help="save the waterfall figure to this PNG")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("parameters", help="list parameters with ranges and claims")
    p.add_argument("--grep", default=None, help="only names or meanings containing this text")
    p.set_defaults(func=cmd_parameters)

    p = sub.add_parser("claims", help="list the claims registry")
    p.add_argument("--id", default=None, help="show one claim in full")
    p.set_defaults(func=cmd_claims)
    from .explore import add_commands

    add_commands(sub, _Parser, _add_run_flags)  # sweep, sensitivity, discover
    return parser


# ----------------------------------------------------------------------------- commands
def cmd_run(args) -> int:
    from ..engine.batches import cli_executor_args, resume_command
    from ..ensemble import chunks, run
    from ..domain.scenario import load_scenario
    from ..engine.store import ChunkStore, partial_dir

    sc = load_scenario(args.scenario)
    overrides = _parse_sets(args.sets)
    out = Path(args.out or Path("results") / sc.name)
    try:
        res = run(sc, args.replicates, args.seed, overrides, solution=args.solution, chunk_size=args.chunk_size,
                  progress=True, out=out, resume=args.resume, table_format=args.format,
                  figures=not args.no_figures, **cli_executor_args(args))
    except KeyboardInterrupt:
        done = len(ChunkStore(partial_dir(out), {}).finished())
        if not done:
            print(f"{PROG}: interrupted; nothing was written", file=sys.stderr)
        else:
            total = len(chunks(args.replicates, args.chunk_size))
            print(f"{PROG}: interrupted; {done} of {total} chunks are saved in {partial_dir(out)}/\n"
                  f"resume with: {resume_command(args, out, PROG)}", file=sys.stderr)
        return 130
    info = res.meta.get("run", {})
    if info.get("chunks_reused"):
        print(f"resumed: {info['chunks_reused']} of {info['chunks']} chunks were already done")
    print(f"{sc.name}: {args.replicates} replicates x {sc.horizon} months, seed {args.seed}")
    print(res.headline().to_string())
    print(f"wrote {out}/ (trajectories, summary.csv, manifest.json{', figures/' if not args.no_figures else ''})")
    return 0


def cmd_compare(args) -> int:
    import matplotlib.pyplot as plt

    from ..engine.batches import cli_executor_args
    from ..output.results import atomic_dir
    from ..ensemble import compare

    overrides = _parse_sets(args.sets)
    comp = compare(args.scenarios, args.replicates, args.seed, overrides, solution=args.solution,
                   chunk_size=args.chunk_size, progress=True, **cli_executor_args(args))
    df0 = next(iter(comp.results.values())).trajectories
    for metric in args.metric or []:
        if metric not in df0.columns:
            raise UserError(f"unknown metric {metric!r}; allowed: {', '.join(c for c in df0.columns if c not in ('replicate', 'step', 'date'))}",
                            key="--metric")
    table = comp.table(args.metric, args.month)
    out = Path(args.out)
    with atomic_dir(out) as tmp:
        table.to_csv(tmp / "comparison.csv", index=False)
        fig = comp.plot(args.metric)
        fig.savefig(tmp / "comparison.png", dpi=110)
        plt.close(fig)
    wide = table.pivot(index="metric", columns="scenario", values="diff_from_first")[comp.names]
    print(f"Difference of the mean from {comp.names[0]} at month {int(table['month'].iloc[0])} "
          f"({args.replicates} replicates, seed {args.seed}):")
    print(wide.round(3).to_string())
    print(f"wrote {out}/comparison.csv and comparison.png")
    return 0


def cmd_list(args) -> int:
    from ..domain.scenario import load_scenario, shipped

    for name in shipped():
        sc = load_scenario(name)
        print(f"{name:20s} {sc.horizon:3d} months  {sc.description[:90]}...")
    return 0


def cmd_validate(args) -> int:
    from ..domain.scenario import load_scenario

    for f in args.files:
        sc = load_scenario(f if f.endswith(".toml") or Path(f).exists() else f)
        print(f"{f}: ok ({sc.name}, {sc.horizon} months, {len(sc.parameters)} overrides, {len(sc.events)} events)")
    return 0


def cmd_explain(args) -> int:
    import pandas as pd

    from ..output.explain import explain, scenario_context
    from ..domain.parameters import Params

    overrides = _parse_sets(args.sets)
    actions = {}
    for item in args.actions or []:
        code, sep, action = item.partition("=")
        if not sep:
            raise UserError(f"expected ACTOR=ACTION, got {item!r}", key="--action")
        actions[code.strip()] = action.strip()
    state, params = None, None
    if args.scenario:
        state, params, modal = scenario_context(args.scenario, args.month, overrides=overrides)
        actions = {**modal, **actions}
    e = explain(args.actor, state, actions, params=params if params is not None else Params.build(overrides),
                figure=bool(args.figure))
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(f"{e.actor} at {e.profile[e.actor]} (others: "
              + ", ".join(f"{k}={v}" for k, v in e.profile.items() if k != e.actor) + ")")
        print(e.table[["term", "arena", "value", "claims"]].round(3).to_string(index=False))
        print(f"total: {e.total:.3f}")
        print("\nTotal by own action (others fixed):")
        print(e.by_action.sum(min_count=1).round(3).to_string())
    if args.figure:
        Path(args.figure).parent.mkdir(parents=True, exist_ok=True)
        e.figure.savefig(args.figure, dpi=110)
        print(f"wrote {args.figure}")
    return 0


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


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return args.func(args)
    except UserError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
