"""``alliance-sim robustness``: does a scenario's difference from the baseline survive the solution concept?

A command of its own rather than a list-valued ``compare --solution``: every
run command takes ``--solution`` as one concept with the same meaning (the
shared grammar), and the grid has its own output (a verdict per scenario x
metric, a Markdown document) that ``compare`` does not.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import UserError
from .options import CONCEPTS, add_engine_flags, add_output_flags, add_replicates, executor_args, nonnegative_int, \
    output_folder, parse_sets
from .options import seed as seed_type

WIDTH = 100


def _solutions(text: str) -> list[str]:
    items = [x.strip() for x in text.split(",") if x.strip()]
    for x in items:
        if x not in CONCEPTS:
            raise argparse.ArgumentTypeError(f"unknown solution concept {x!r}; allowed: {', '.join(CONCEPTS)}")
    if not items:
        raise argparse.ArgumentTypeError(f"no solution concept given; allowed: {', '.join(CONCEPTS)}")
    return list(dict.fromkeys(items))


def _numbers(text: str) -> list[float]:
    try:
        items = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of numbers") from None
    if not items:
        raise argparse.ArgumentTypeError("no rationality value given")
    return items


def add_commands(sub) -> None:
    p = sub.add_parser("robustness", help="each scenario's difference from the first under several solution "
                                          "concepts: does its sign hold?")
    p.add_argument("scenarios", nargs="+", help="two or more scenario names or paths; the first is the reference")
    add_replicates(p, 500, "replicates per scenario and concept")
    p.add_argument("--seed", type=seed_type, default=0, help="run seed (one for the whole grid)")
    p.add_argument("--set", dest="sets", action="append", metavar="NAME=VALUE",
                   help="hold a parameter at a value in every run (repeatable; not rationality: see --rationality)")
    p.add_argument("--solution", dest="solutions", type=_solutions, default=["qre", "nash"], metavar="LIST",
                   help="solution concepts, comma-separated, from: qre, nash, pure (default: qre,nash)")
    p.add_argument("--rationality", type=_numbers, default=None, metavar="LIST",
                   help="qre's rationality values, comma-separated, each in the parameter's range "
                        "(default: 2,4,12: low, the model's default, the top of the range)")
    p.add_argument("--metric", action="append", default=None,
                   help="metric(s) (repeatable; default: the main metrics)")
    p.add_argument("--month", type=nonnegative_int, default=None,
                   help="month, 0 (the start) to the horizon (default: final)")
    add_engine_flags(p)
    add_output_flags(p, "results/robustness/SCENARIO_SCENARIO...", resume=False, figures=False)
    p.add_argument("--markdown", default=None, metavar="FILE",
                   help="also write the Markdown document to FILE (refused if FILE exists unless --overwrite)")
    p.set_defaults(func=cmd_robustness)


def cmd_robustness(args) -> int:
    import shlex
    import textwrap

    from ..domain.scenario import load_scenario
    from ..explore.robustness import RATIONALITY, concepts, robustness, save
    from ..output.comparison import check_compare_args
    from .options import PROG

    # everything is checked before the first run
    scenarios = [load_scenario(s) for s in args.scenarios]
    if len(scenarios) < 2:
        raise UserError("robustness needs at least two scenarios (the first is the reference)", key="scenarios")
    if args.rationality is not None and "qre" not in args.solutions:
        raise UserError("--rationality applies to qre only; add qre to --solution", key="--rationality")
    rationality = RATIONALITY if args.rationality is None else args.rationality
    grid = concepts(args.solutions, rationality, keys=("--solution", "--rationality"))
    metrics, month = check_compare_args(scenarios, args.metric, args.month, keys=("--metric", "--month"))
    overrides = parse_sets(args.sets)
    if "rationality" in overrides:
        raise UserError("set rationality with --rationality (the grid), not --set", key="--set")
    markdown_path = _check_markdown(args.markdown, args.overwrite) if args.markdown else None
    names = [sc.name for sc in scenarios]
    joined = "_".join(names)
    out = output_folder(args, "robustness", joined if len(joined) <= 80 else f"{names[0]}_and_{len(names) - 1}_more")
    command = shlex.join([PROG, "robustness", *args.scenarios, "-n", str(args.replicates), "--seed", str(args.seed),
                          "--solution", ",".join(args.solutions)]
                         + (["--rationality", ",".join(f"{r:g}" for r in rationality)] if "qre" in args.solutions
                            else [])
                         + [x for m in (args.metric or []) for x in ("--metric", m)]
                         + ([] if args.month is None else ["--month", str(args.month)])
                         + [x for s in (args.sets or []) for x in ("--set", s)]
                         + ([] if markdown_path is None else ["--markdown", str(args.markdown)])
                         + (["--overwrite"] if args.overwrite else []))
    table = robustness(scenarios, args.solutions, rationality, args.replicates, args.seed, metrics, month,
                       overrides, progress=True, **_engine(args))
    save(table, out, scenarios[0], seed=args.seed, replicates=args.replicates, command=command,
         overwrite=args.overwrite)
    if markdown_path is not None:
        _write_text(markdown_path, (out / "robustness.md").read_text(encoding="utf-8"))
    print(textwrap.fill(
        f"Difference from {names[0]} at month {int(table['month'].iloc[0])} under each solution concept "
        f"({', '.join(c['concept'] for c in grid)}), paired replicate by replicate ({args.replicates} replicates, "
        f"seed {args.seed}), with its 90% interval; ~0: it covers zero. Verdict: holds (one sign, clear of "
        f"zero, under every concept), depends, or ~0 everywhere.", WIDTH))
    print(robustness_lines(table))
    counts = table.drop_duplicates(["scenario", "metric"])["verdict"].value_counts()
    print("\n" + ", ".join(f"{k}: {counts.get(k, 0)}" for k in ("holds", "depends", "~0 everywhere")))
    md = f", {markdown_path}" if markdown_path is not None else ""
    print(f"wrote {out}/ (robustness.csv, verdicts.csv, robustness.md, manifest.json){md}")
    return 0


def _engine(args) -> dict:
    kw = executor_args(args)
    if args.chunk_size:
        kw["chunk_size"] = args.chunk_size
    return kw


def robustness_lines(table, width: int = WIDTH) -> str:
    """A block per scenario: each metric's difference and interval under each concept, and its verdict."""
    from .scenarios import _num

    mw = min(max([len("metric")] + [len(x) for x in table["metric"]]), 30)
    cw = max([len("concept")] + [len(x) for x in table["concept"]])
    ref = table["reference"].iloc[0]
    lines = []
    for name, block in table.groupby("scenario", sort=False):
        lines += ["", f"{name} - {ref}:"[:width],
                  f"  {'metric':<{mw}}  {'concept':<{cw}} {'diff':>9}  {'90% interval':<21}     verdict"]
        for metric, g in block.groupby("metric", sort=False):
            for i, r in enumerate(g.itertuples()):
                interval = f"[{_num(r.lo)}, {_num(r.hi)}]"
                line = (f"  {(metric if i == 0 else '')[:mw]:<{mw}}  {r.concept:<{cw}} {_num(r.diff):>9}  "
                        f"{interval:<21} {'~0' if r.covers_zero else '  '}   {r.verdict if i == 0 else ''}")
                lines.append(line.rstrip()[:width])
    return "\n".join(lines)


def _check_markdown(path, overwrite: bool) -> Path:
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path} is a folder; give a file name", key="--markdown")
    if path.exists() and not overwrite:
        raise UserError(f"{path} exists; pass --overwrite to replace it, or choose another name", key="--markdown")
    if not path.parent.is_dir():
        raise UserError(f"folder {path.parent} does not exist", key="--markdown")
    return path


def _write_text(path: Path, text: str) -> None:
    """Write a file atomically: a temporary sibling, then a rename (an interrupted write leaves the old file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(1)
