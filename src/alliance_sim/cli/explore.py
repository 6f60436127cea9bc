"""``alliance-sim sweep | sensitivity | discover``: exploratory-modelling subcommands.

Registered by ``build_parser()`` in :mod:`alliance_sim.cli` through
:func:`add_commands`; the flags they share with ``run`` are ``options``'s. Every input is validated before the model runs;
outputs go to a temporary sibling folder moved into place at the end, so a
bad flag or an interrupted run leaves nothing behind.
"""
from __future__ import annotations

import shutil
import warnings

from .options import (add_engine_flags, add_model_flags, add_output_flags, add_replicates, executor_args,
                      figure_formats, fraction, output_folder, parse_sets, positive_int)


def _common(p, *, replicates: int = 1, n_help: str = "", out: str = "", figures: bool = True):
    p.add_argument("scenario", help="a shipped scenario name or a .toml path")
    p.add_argument("--samples", "--n", dest="n", type=positive_int, default=None, metavar="N", help=n_help)
    add_replicates(p, replicates, "runs per parameter set (the outcome is their mean, a share for a condition)")
    add_model_flags(p)
    p.add_argument("--parameter", dest="parameters", action="append", metavar="NAME",
                   help="vary only this parameter (repeatable; default: every uncertain parameter)")
    add_engine_flags(p)
    add_output_flags(p, out, figures=figures)


def add_commands(sub) -> None:
    """Add ``sweep``, ``sensitivity`` and ``discover`` to the CLI's subparsers."""
    p = sub.add_parser("sweep", help="run a design (lhs, sobol, morris) over the uncertain parameters")
    _common(p, n_help="design size: points (lhs, default 100), base sample N, a power of 2 (sobol, "
                      "default 64), trajectories (morris, default 10)", out="results/sweep/SCENARIO_DESIGN",
            figures=False)
    p.add_argument("--design", choices=("lhs", "sobol", "morris"), default="lhs", help="design")
    p.add_argument("--month", type=positive_int, action="append", default=None,
                   help="month at which outcomes are kept (repeatable; default: final)")
    p.add_argument("--outcome", dest="outcomes", action="append", metavar="METRIC",
                   help="metric to keep (repeatable; default: the main metrics)")
    p.add_argument("--second-order", action="store_true", help="sobol: include rows for second-order indices")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("sensitivity", help="Sobol or Morris indices of one outcome, with confidence intervals")
    _common(p, n_help="sobol: base sample N, a power of 2 (default 512, N x (D+2) runs); "
                      "morris: trajectories (default 20)", out="results/sensitivity/SCENARIO_METHOD_OUTCOME")
    p.add_argument("--outcome", dest="outcomes", action="append", required=True, metavar="OUTCOME",
                   help="a metric (alliance_strength) or a condition ('us_prk_deal > 0.5'); repeatable: "
                        "several outcomes are analysed from the same runs")
    p.add_argument("--month", type=positive_int, default=None, help="month of the outcome (default: final)")
    p.add_argument("--method", choices=("sobol", "morris"), default="sobol", help="method")
    p.add_argument("--second-order", action="store_true", help="sobol: also second-order indices")
    p.add_argument("--top", type=positive_int, default=20, help="parameters to print and plot")
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("discover", help="scenario discovery: parameter ranges where an outcome holds (PRIM, CART)")
    _common(p, n_help="Latin hypercube points (default 1000)", out="results/discover/SCENARIO_METHOD_OUTCOME")
    p.add_argument("--outcome", default="us_prk_deal > 0.5", help="condition METRIC OP NUMBER")
    p.add_argument("--month", type=positive_int, default=None, help="month of the outcome (default: final)")
    p.add_argument("--method", choices=("prim", "cart"), default="prim", help="method")
    p.add_argument("--threshold", type=fraction, default=0.8, help="density a box should reach")
    p.add_argument("--mass-min", type=fraction, default=0.05, help="smallest share of runs in a box")
    p.add_argument("--boxes", type=positive_int, default=1, help="PRIM: boxes to find by covering")
    p.add_argument("--max-depth", type=positive_int, default=3, help="CART: tree depth")
    p.set_defaults(func=cmd_discover)


def _sets(args) -> dict:
    return parse_sets(args.sets)


def _parameters(args):
    return list(dict.fromkeys(args.parameters)) if args.parameters else None


def _done(out) -> None:
    """The results are written: drop the checkpoints kept for --resume."""
    from ..engine.store import partial_dir

    shutil.rmtree(partial_dir(out), ignore_errors=True)


def cmd_sweep(args) -> int:
    from ..domain.scenario import load_scenario
    from ..explore.sweep import sweep

    sc = load_scenario(args.scenario)
    n = args.n or {"lhs": 100, "sobol": 64, "morris": 10}[args.design]
    out = output_folder(args, "sweep", sc.name, args.design)
    sw = sweep(sc, args.design, n, args.replicates, args.seed, args.month, _parameters(args),
               outcomes=args.outcomes, overrides=_sets(args), solution=args.solution,
               calc_second_order=args.second_order, chunk_size=args.chunk_size, **executor_args(args), progress=True,
               checkpoint=out, resume=args.resume)
    sw.save(out, overwrite=args.overwrite)
    _done(out)
    m = sw.manifest
    print(f"{m['scenario']}: {m['design']} design, n={m['n']}: {m['rows']} parameter sets x {m['replicates']} "
          f"replicate(s) = {m['runs']} runs over {m['num_vars']} parameters, seed {m['seed']}, "
          f"months {', '.join(map(str, m['months']))} ({m['seconds']:.1f} s)")
    _notes(m)
    print(sw.table[m["outcomes"]].describe().T[["mean", "std", "min", "max"]].round(3).to_string(line_width=100))
    print(f"wrote {out}/ (sweep.parquet, manifest.json, scenario.toml)")
    return 0


def _notes(man: dict) -> None:
    if man.get("failed_runs"):
        print(f"note: {man['failed_runs']} run(s) failed in the model; their outcomes are NaN "
              f"(first ids in the manifest's failed_run_ids)")
    if man.get("event_parameters"):
        print(f"note: the scenario's events set {', '.join(man['event_parameters'])} during the run; "
              f"the varied values hold only until then")


def cmd_sensitivity(args) -> int:
    from ..domain.scenario import load_scenario
    from ..explore import plots
    from ..explore.designs import check_n
    from ..explore.outcomes import parse_outcome
    from ..explore.sensitivity import SensitivityWarning, analyze_sweep, format_indices
    from ..explore.space import problem
    from ..explore.sweep import check_months, sweep
    from ..output.io import write_outputs

    outcomes = list(dict.fromkeys(parse_outcome(o, key="--outcome") for o in args.outcomes))
    sc = load_scenario(args.scenario)
    month = check_months(sc, args.month)[0]
    sets, params = _sets(args), _parameters(args)
    n = args.n or (512 if args.method == "sobol" else 20)
    check_n(args.method, n, problem(sc, params, overrides=sets)["num_vars"], args.second_order)
    formats = figure_formats(args)
    single = len(outcomes) == 1
    out = output_folder(args, "sensitivity", sc.name, args.method, "+".join(o.slug for o in outcomes))
    sw = sweep(sc, args.method, n, args.replicates, args.seed, month, params,
               outcomes=list(dict.fromkeys(o.metric for o in outcomes)), overrides=sets,
               solution=args.solution, calc_second_order=args.second_order, chunk_size=args.chunk_size,
               **executor_args(args), progress=True, checkpoint=out, resume=args.resume)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SensitivityWarning)  # printed below, one line each, and kept in the manifest
        results = [analyze_sweep(sw, o, month) for o in outcomes]
    m = sw.manifest
    print(f"{m['scenario']}: {args.method} design, n={n}: {m['runs']} runs over {m['num_vars']} parameters, "
          f"seed {m['seed']}, month {month} ({m['seconds']:.1f} s)")
    _notes(m)
    tables, figs, summary, warned = {}, {}, [], []
    for o, idx in zip(outcomes, results):
        a = idx.attrs
        sfx = "" if single else f"_{o.slug}"
        tables[f"indices{sfx}.csv"] = idx.reset_index()
        if not args.no_figures:
            figs[f"tornado{sfx}"] = plots.tornado(idx, top=args.top)
            figs[f"top2_binned{sfx}"] = plots.top2_binned(idx, sw)
        summary.append(dict(outcome=str(o), mean=a["mean"], variance=a["variance"], constant=a["constant"],
                            imputed_outputs=a["imputed"], warnings=list(a.get("warnings", []))))
        conf = int(round(100 * a["conf_level"]))
        print(f"\n'{o}' at month {month}: mean {a['mean']:.4g}, variance {a['variance']:.4g}")
        for w in a.get("warnings", []):
            print(f"warning: {w}")
            warned.append(f"{o}: {w}")
        print(f"top {min(args.top, len(idx))} by {'ST' if args.method == 'sobol' else 'mu*'} "
              f"(± {conf}% confidence half-width):")
        print(format_indices(idx, args.top))
    man = {**m, "kind": "sensitivity", "method": args.method, "month": month, "conf_level": 0.95,
           "num_resamples": 100, "analysed": summary, "warnings": warned}
    if args.second_order:
        for o, idx in zip(outcomes, results):
            if "S2" in idx.attrs:
                name = f"second_order{'' if single else '_' + o.slug}.csv"
                tables[name] = idx.attrs["S2"].reset_index(names="parameter")
    write_outputs(out, tables, man, figs, overwrite=args.overwrite, figure_formats=formats)
    _done(out)
    fig_text = f", {', '.join(figs)} ({'/'.join(formats)})" if figs else ""
    print(f"\nwrote {out}/ ({', '.join(tables)}, manifest.json{fig_text})")
    return 0


def cmd_discover(args) -> int:
    from ..domain.scenario import load_scenario
    from ..explore.discovery import discover
    from ..explore.outcomes import parse_outcome
    from ..output.io import write_outputs

    o = parse_outcome(args.outcome, condition=True, key="--outcome")
    sc = load_scenario(args.scenario)
    formats = figure_formats(args)
    out = output_folder(args, "discover", sc.name, args.method, o.slug)
    d = discover(sc, o, args.month, args.n or 1000, args.replicates, args.seed, args.method,
                 parameters=_parameters(args), overrides=_sets(args), threshold=args.threshold,
                 mass_min=args.mass_min, n_boxes=args.boxes, max_depth=args.max_depth, solution=args.solution,
                 chunk_size=args.chunk_size, **executor_args(args), progress=True, checkpoint=out,
                 resume=args.resume)
    sw = d.meta["sweep"]
    man = {**sw.manifest, "kind": "discover", "method": args.method, "outcome": str(o), "month": d.meta["month"],
           "threshold": args.threshold, "mass_min": args.mass_min, "cases": int(len(d.y)),
           "cases_of_interest": int(d.y.sum()),
           "boxes": d.stats.to_dict(orient="records")}
    tables = {"boxes.csv": d.stats, "limits.csv": d.limits}
    if d.trajectory is not None:
        tables["trajectory.csv"] = d.trajectory
    figs = {} if args.no_figures else d.figures()
    write_outputs(out, tables, man, figs, overwrite=args.overwrite, figure_formats=formats)
    _done(out)
    print(f"{sw.manifest['scenario']}: '{o}' at month {d.meta['month']}; {sw.manifest['runs']} runs "
          f"({sw.manifest['rows']} parameter sets x {sw.manifest['replicates']}), seed {args.seed}")
    _notes(sw.manifest)
    print(d.summary())
    fig_text = f", {', '.join(figs)} ({'/'.join(formats)})" if figs else ""
    print(f"wrote {out}/ ({', '.join(tables)}, manifest.json{fig_text})")
    return 0
