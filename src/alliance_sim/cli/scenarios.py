"""``alliance-sim run | compare | explain | list | validate``: scenarios and their ensembles."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UserError
from .options import PROG, add_model_flags, add_run_flags, executor_args, parse_sets, positive_int, resume_command


def add_commands(sub) -> None:
    p = sub.add_parser("run", help="run a scenario ensemble and write tables and figures")
    p.add_argument("scenario", help="a shipped scenario name or a .toml path")
    add_run_flags(p)
    p.add_argument("--out", default=None, help="output folder (default results/SCENARIO)")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="trajectories file format")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run with the same --out: compute only its missing chunks")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("compare", help="run several scenarios on the same seed and compare them")
    p.add_argument("scenarios", nargs="+", help="two or more scenario names or paths")
    add_run_flags(p)
    p.add_argument("--metric", action="append", default=None, help="metric(s) to compare (repeatable)")
    p.add_argument("--month", type=positive_int, default=None, help="month for the table (default: final)")
    p.add_argument("--out", default="results/compare", help="output folder")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("list", help="list the shipped scenarios")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("validate", help="check scenario files")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("explain", help="an actor's payoff by term, with the claims behind each")
    p.add_argument("actor", help="USA, RUS, PRK, KOR, CHN or UKR")
    p.add_argument("--scenario", default=None, help="take the state and actions from this scenario")
    p.add_argument("--month", type=positive_int, default=1, help="month of the scenario")
    p.add_argument("--action", dest="actions", action="append", metavar="ACTOR=ACTION",
                   help="set an actor's action, e.g. PRK=sustain/engage (repeatable)")
    p.add_argument("--set", dest="sets", action="append", metavar="NAME=VALUE", help="override a parameter")
    p.add_argument("--figure", default=None, help="save the waterfall figure to this PNG")
    p.set_defaults(func=cmd_explain)


def cmd_run(args) -> int:
    from ..domain.scenario import load_scenario
    from ..engine.planner import spans
    from ..engine.store import ChunkStore, partial_dir
    from ..ensemble import run

    sc = load_scenario(args.scenario)
    overrides = parse_sets(args.sets)
    out = Path(args.out or Path("results") / sc.name)
    try:
        res = run(sc, args.replicates, args.seed, overrides, solution=args.solution, chunk_size=args.chunk_size,
                  progress=True, out=out, resume=args.resume, table_format=args.format,
                  figures=not args.no_figures, **executor_args(args))
    except KeyboardInterrupt:
        done = len(ChunkStore(partial_dir(out), {}).finished())
        if not done:
            print(f"{PROG}: interrupted; nothing was written", file=sys.stderr)
        else:
            total = len(spans(args.replicates, args.chunk_size))
            print(f"{PROG}: interrupted; {done} of {total} chunks are saved in {partial_dir(out)}/\n"
                  f"resume with: {resume_command(args, out)}", file=sys.stderr)
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

    from ..ensemble import compare
    from ..output.io import atomic_dir

    overrides = parse_sets(args.sets)
    comp = compare(args.scenarios, args.replicates, args.seed, overrides, solution=args.solution,
                   chunk_size=args.chunk_size, progress=True, **executor_args(args))
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

    overrides = parse_sets(args.sets)
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
