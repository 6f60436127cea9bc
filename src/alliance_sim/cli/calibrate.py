"""``alliance-sim calibrate``: keep the parameter sets whose simulated history meets the articles' dated figures."""
from __future__ import annotations

import argparse

from .options import (add_engine_flags, add_model_flags, add_output_flags, add_replicates, executor_args,
                      figure_formats, output_folder, parse_sets, positive_int)

WIDTH = 100


def _cutoff(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < v < 1e6:
        raise argparse.ArgumentTypeError(f"{v:g} not allowed; allowed: a number > 0 (3 is usual)")
    return v


def add_commands(sub) -> None:
    p = sub.add_parser("calibrate", help="history matching: keep the parameter sets whose simulated late-2024 "
                                         "history meets the dated figures")
    p.add_argument("scenario", help="a shipped scenario name or a .toml path (its uncertainty space is sampled)")
    p.add_argument("--targets", default=None, metavar="FILE",
                   help="calibration targets (default: the packaged seeds/calibration_targets.toml)")
    p.add_argument("--samples", "--n", dest="n", type=positive_int, default=4000, metavar="N",
                   help="parameter sets (Latin hypercube)")
    add_replicates(p, 8, "runs per parameter set, at least 2 (their spread enters the implausibility)")
    add_model_flags(p)
    p.add_argument("--parameter", dest="parameters", action="append", metavar="NAME",
                   help="vary only this parameter (repeatable; default: every uncertain parameter)")
    p.add_argument("--cutoff", type=_cutoff, default=3.0, help="largest implausibility accepted")
    p.add_argument("--variance", choices=("realisation", "mean"), default="realisation",
                   help="the history is one realisation of the model (its spread counts) or its expected path "
                        "(only the error of the mean counts)")
    add_engine_flags(p)
    add_output_flags(p, "results/calibrate/SCENARIO", resume=False)
    p.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args) -> int:
    from ..domain.scenario import load_scenario
    from ..errors import UserError
    from ..explore.calibrate import calibrate, load_targets

    sc = load_scenario(args.scenario)
    targets = load_targets(args.targets)  # checked before any run
    if args.replicates < 2:
        raise UserError("at least 2 replicates per set: their spread enters the implausibility", key="--replicates")
    formats = figure_formats(args)
    out = output_folder(args, "calibrate", sc.name)
    params = list(dict.fromkeys(args.parameters)) if args.parameters else None
    cal = calibrate(sc, targets, args.n, args.replicates, args.seed, cutoff=args.cutoff, variance=args.variance,
                    parameters=params, overrides=parse_sets(args.sets), solution=args.solution,
                    chunk_size=args.chunk_size, progress=True, **executor_args(args))
    cal.save(out, overwrite=args.overwrite, figure_formats=() if args.no_figures else formats,
             figures=not args.no_figures)
    m = cal.manifest
    print(f"{m['scenario']}: {m['sets']} sets x {m['replicates']} replicates from {m['history']['start']} "
          f"({m['history']['horizon']} months), seed {m['seed']}, cut-off {m['cutoff']:g} "
          f"({m['cpu_seconds']:.1f} s CPU)")
    for r, a in m["acceptance"].items():
        print(f"  reading {r}: {a['accepted']} accepted ({100 * a['rate']:.1f}%)")
    rng = cal.ranges()
    top = rng[rng["reading"] == cal.readings[0]].sort_values("sd_ratio").head(8)
    print("parameters the targets narrow most (accepted sd / prior sd; init_*: the October-2024 values sampled):")
    print(top[["parameter", "prior_low", "prior_high", "accepted_p05", "accepted_p95", "sd_ratio"]]
          .round(3).to_string(index=False, line_width=WIDTH))
    print(f"wrote {out}/ (accepted.csv, samples.csv, ranges.csv, readings.csv, manifest.json, figures/)")
    print(f"use with: alliance-sim run SCENARIO --calibrated {out}")
    return 0
