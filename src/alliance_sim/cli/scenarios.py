"""``alliance-sim run | compare | explain | list | validate | show``: scenarios and their ensembles."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from ..errors import UserError
from .options import (PROG, add_calibrated, add_output_flags, add_retime, add_run_flags, executor_args, figure_formats,
                      nonnegative_int, output_folder, parse_sets, positive_int, resume_command, retimed_scenarios)
from .options import seed as seed_type


WIDTH = 100  # terminal tables fit this many columns


def add_commands(sub) -> None:
    p = sub.add_parser("run", help="run a scenario ensemble and write tables and figures")
    p.add_argument("scenario", help="a shipped scenario name or a .toml path")
    add_run_flags(p)
    add_retime(p)
    add_calibrated(p)
    add_output_flags(p, "results/run/SCENARIO[_NAME-VALUE for each --set, _EVENT-at-MONTH for each --retime]")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="trajectories file format")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("compare", help="run several scenarios on the same seed and compare them")
    p.add_argument("scenarios", nargs="+", help="two or more scenario names or paths")
    add_run_flags(p)
    add_retime(p)
    add_calibrated(p)
    p.add_argument("--metric", action="append", default=None,
                   help="metric(s) to compare (repeatable; default: the main metrics)")
    p.add_argument("--month", type=nonnegative_int, default=None,
                   help="month for the table, 0 (the start) to the horizon (default: final)")
    add_output_flags(p, "results/compare/SCENARIO_SCENARIO...")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("list", help="list the shipped scenarios")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("validate", help="check scenario files")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("show", help="print a scenario as resolved, with the file behind each setting")
    p.add_argument("scenario", help="a shipped scenario name or a .toml path")
    p.add_argument("--toml", action="store_true",
                   help="print it as one self-contained scenario file instead (no extends, every event at its month)")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("explain", help="an actor's payoff by term, with the claims behind each")
    p.add_argument("actor", help="USA, RUS, PRK, KOR, CHN or UKR")
    p.add_argument("--scenario", default=None, help="take the state and actions from this scenario")
    p.add_argument("--month", type=positive_int, default=1, help="month of the scenario")
    p.add_argument("--action", dest="actions", action="append", metavar="ACTOR=ACTION",
                   help="set an actor's action, e.g. PRK=sustain/engage (repeatable)")
    p.add_argument("--set", dest="sets", action="append", metavar="NAME=VALUE", help="override a parameter")
    p.add_argument("--seed", type=seed_type, default=0, help="seed of the runs that give the scenario's state")
    p.add_argument("--figure", default=None, metavar="FILE",
                   help="save the waterfall figure (.png, .svg or .pdf; refused if FILE exists unless --overwrite)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --figure file")
    p.set_defaults(func=cmd_explain)


def cmd_run(args) -> int:
    from ..domain.scenario import load_scenario
    from ..engine.planner import spans
    from ..engine.store import ChunkStore, partial_dir
    from ..ensemble import run

    sc = retimed_scenarios([args.scenario], args)[0]
    overrides = parse_sets(args.sets)
    formats = figure_formats(args)
    out = output_folder(args, "run", sc.name)
    try:
        res = run(sc, args.replicates, args.seed, overrides, solution=args.solution, chunk_size=args.chunk_size,
                  progress=True, out=out, resume=args.resume, table_format=args.format,
                  figures=not args.no_figures, overwrite=args.overwrite, figure_formats=formats,
                  calibrated=args.calibrated, **executor_args(args))
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
    print(res.headline().to_string(line_width=WIDTH))
    figs = "" if args.no_figures else f", figures/ ({', '.join(formats)})"
    print(f"wrote {out}/ (trajectories, summary.csv, manifest.json, scenario.toml{figs})")
    return 0


def cmd_compare(args) -> int:
    from ..domain.scenario import load_scenario
    from ..engine.store import partial_dir
    from ..ensemble import check_compare_args, compare

    # everything is checked before the first scenario runs
    scenarios = retimed_scenarios(args.scenarios, args)
    if len(scenarios) < 2:
        raise UserError("compare needs at least two scenarios", key="scenarios")
    metrics, month = check_compare_args(scenarios, args.metric, args.month, keys=("--metric", "--month"))
    overrides = parse_sets(args.sets)
    formats = figure_formats(args)
    out = output_folder(args, "compare", "_".join(sc.name for sc in scenarios))
    comp = compare(scenarios, args.replicates, args.seed, overrides, metrics=metrics, month=month,
                   solution=args.solution, chunk_size=args.chunk_size, progress=True, checkpoint=out,
                   resume=args.resume, calibrated=args.calibrated, **executor_args(args))
    comp.save(out, metrics, month, overwrite=args.overwrite, figure_formats=() if args.no_figures else formats)
    shutil.rmtree(partial_dir(out), ignore_errors=True)
    table = comp.table(metrics, month)
    import textwrap

    print(textwrap.fill(f"Difference from {comp.names[0]} at month {int(table['month'].iloc[0])}, paired "
                        f"replicate by replicate ({args.replicates} replicates, seed {args.seed}, {args.solution}), "
                        f"with its 90% interval; ~0: the interval covers zero (chance alone could make this "
                        f"difference):", WIDTH))
    print(difference_lines(table, comp.names[0]))
    figs = "" if args.no_figures else ", comparison." + "/".join(formats) + ", differences." + "/".join(formats)
    print(f"wrote {out}/ (comparison.csv, differences.csv{figs}, manifest.json, runs/)")
    return 0


def _num(v: float) -> str:
    """A value in at most 9 characters with 3 decimals where they fit (troops in thousands, shares, utilities)."""
    text = f"{v:.3f}"
    return text if len(text) <= 9 else f"{v:.3g}"


def difference_lines(table, reference: str, width: int = WIDTH) -> str:
    """``Comparison.table()`` as lines: per scenario, each metric's means (the reference's and the scenario's),
    the difference, its interval and ``~0`` where the interval covers zero.

    A block per scenario (not a column): any number of scenarios fits ``width`` columns.
    """
    ref = table[table["scenario"] == reference].set_index("metric")["mean"]
    rows = table[table["scenario"] != reference]
    mw = min(max([len("metric")] + [len(x) for x in rows["metric"]]), 30)
    lines = []
    for name, block in rows.groupby("scenario", sort=False):
        lines.append(f"{name} - {reference}:"[:width])
        lines.append(f"  {'metric':<{mw}} {'reference':>9} {'scenario':>9} {'diff':>9}  90% interval")
        for r in block.itertuples():
            interval = f"[{_num(r.lo)}, {_num(r.hi)}]"
            line = (f"  {r.metric[:mw]:<{mw}} {_num(ref[r.metric]):>9} {_num(r.mean):>9} "
                    f"{_num(r.diff_from_first):>9}  {interval:<21} {'~0' if r.covers_zero else ''}")
            lines.append(line.rstrip()[:width])
    return "\n".join(lines)


def cmd_list(args) -> int:
    from ..domain.scenario import load_scenario, shipped

    for name in shipped():
        sc = load_scenario(name)
        text = " ".join(sc.description.split())
        line = f"{name:20s} {sc.horizon:3d} months  {text}"
        print(line if len(line) <= WIDTH else line[: WIDTH - 3] + "...")
    return 0


def cmd_validate(args) -> int:
    from ..domain.scenario import load_scenario

    for f in args.files:
        sc = load_scenario(f if f.endswith(".toml") or Path(f).exists() else f)
        print(f"{f}: ok ({sc.name}, {sc.horizon} months, {len(sc.parameters)} overrides, {len(sc.events)} events)")
    return 0


def cmd_show(args) -> int:
    from ..domain.scenario import load_scenario, show

    sys.stdout.write(load_scenario(args.scenario).to_toml() if args.toml else show(args.scenario, width=WIDTH) + "\n")
    return 0


def cmd_explain(args) -> int:
    from ..domain.parameters import Params
    from ..output.explain import explain, scenario_context

    overrides = parse_sets(args.sets)
    actions = {}
    for item in args.actions or []:
        code, sep, action = item.partition("=")
        if not sep:
            raise UserError(f"expected ACTOR=ACTION, got {item!r}", key="--action")
        actions[code.strip()] = action.strip()
    fig_path = _check_figure_path(args.figure, args.overwrite) if args.figure else None
    state, params, context = None, None, None
    if args.scenario:
        from ..domain.scenario import load_scenario

        sc = load_scenario(args.scenario)
        if not 1 <= args.month <= sc.horizon:
            raise UserError(f"month {args.month} outside the scenario; allowed: 1 to {sc.horizon}", key="--month")
        state, params, modal = scenario_context(sc, args.month, overrides=overrides, seed=args.seed)
        actions = {**modal, **actions}
        context = (f"{sc.name}, month {args.month} ({_month_name(sc.start, args.month)}): mean state of 200 "
                   f"replicates, seed {args.seed}, modal actions")
    e = explain(args.actor, state, actions, params=params if params is not None else Params.build(overrides),
                figure=bool(fig_path), context=context)
    print(f"{e.actor} at {e.profile[e.actor]} (others: "
          + ", ".join(f"{k}={v}" for k, v in e.profile.items() if k != e.actor) + ")")
    import textwrap

    tw = max([len(str(x)) for x in e.table["term"]] + [4])
    aw = max([len(str(x)) for x in e.table["arena"]] + [5])
    head = f"{'term':<{tw}}  {'arena':<{aw}}  {'value':>7}  "
    print(head + "claims")
    for row in e.table.itertuples():
        lines = textwrap.wrap(str(row.claims), WIDTH - len(head)) or [""]
        print(f"{row.term:<{tw}}  {row.arena:<{aw}}  {row.value:7.3f}  {lines[0]}")
        for more in lines[1:]:
            print(" " * len(head) + more)
    print(f"total: {e.total:.3f}")
    print("\nTotal by own action (others fixed):")
    print(e.by_action.sum(min_count=1).round(3).to_string())
    if fig_path:
        from ..output.io import save_figure

        save_figure(e.figure, fig_path, (fig_path.suffix.lstrip(".") or "png",))
        print(f"wrote {fig_path}")
    return 0


def _month_name(start: str, month: int) -> str:
    import numpy as np

    return str(np.datetime64(start, "M") + np.timedelta64(month - 1, "M"))


def _check_figure_path(path, overwrite: bool) -> Path:
    from ..output.io import FIGURE_FORMATS

    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(".png")
    if path.suffix.lstrip(".").lower() not in FIGURE_FORMATS:
        raise UserError(f"unknown figure format {path.suffix!r}; allowed: .png, .svg, .pdf", key="--figure")
    if path.is_dir():
        raise UserError(f"{path} is a folder; give a file name", key="--figure")
    if path.exists() and not overwrite:
        raise UserError(f"{path} exists; pass --overwrite to replace it, or choose another name", key="--figure")
    return path
