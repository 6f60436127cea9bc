"""The command line's shared grammar: value types, flags and their meaning in every subcommand.

One definition per flag, so ``-n``, ``--seed``, ``--set``, ``--solution``,
``--chunk-size``, ``--executor``, ``--workers`` and ``--scheduler`` mean
the same thing wherever they appear. The allowed solution concepts and
executors come from the modules that implement them.
"""
from __future__ import annotations

import argparse
import shlex

from ..errors import UserError

PROG = "alliance-sim"
CONCEPTS = ("qre", "nash", "pure")  # abm.choice.CONCEPTS (checked equal in the tests; not imported: keeps --help fast)
EXECUTORS = ("serial", "processes", "dask")  # engine.executors.EXECUTORS (idem)


class _ShowDefaults(argparse.HelpFormatter):
    """Append ``(default: X)`` to a flag's help unless it has no default or already names it."""

    def _get_help_string(self, action):
        text = action.help or ""
        hidden = action.default is None or action.default is False or action.default == argparse.SUPPRESS
        if "default" in text or hidden or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


def _formatter(prog):
    """Help text at most 100 columns wide (narrower terminals wrap narrower)."""
    import shutil

    return _ShowDefaults(prog, width=min(shutil.get_terminal_size().columns, 100) - 2)


class Parser(argparse.ArgumentParser):
    """argparse, but errors are one line (no usage dump) and defaults are shown in --help."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _formatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        raise UserError(f"{message} (see '{self.prog} --help')")


# ----------------------------------------------------------------------------- value types
def _whole(text: str, minimum: int, rule: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if v < minimum:
        raise argparse.ArgumentTypeError(f"{v} must be {rule}")
    return v


def positive_int(text: str) -> int:
    return _whole(text, 1, "at least 1")


def nonnegative_int(text: str) -> int:
    return _whole(text, 0, "0 or more")


seed = nonnegative_int  # a run seed: any whole number from 0


def fraction(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < v <= 1.0:
        raise argparse.ArgumentTypeError(f"{v:g} not allowed; allowed: 0 < value <= 1")
    return v


def parse_sets(items) -> dict:
    """``--set NAME=VALUE`` items as validated parameter overrides."""
    from ..domain.parameters import check_value

    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UserError(f"expected NAME=VALUE, got {item!r}", key="--set")
        name = name.strip()
        out[name] = check_value(name, value.strip(), key=f"--set {name}")
    return out


def parse_retimes(items) -> dict:
    """``--retime EVENT=MONTH`` items as ``{event: month}`` (checked against a scenario by ``retimed``)."""
    out = {}
    for item in items or []:
        name, sep, month = item.partition("=")
        name, month = name.strip(), month.strip()
        if not sep or not name or not month.isdigit():
            raise UserError(f"expected EVENT=MONTH (an event's id or kind, a whole month), got {item!r}",
                            key="--retime")
        out[name] = int(month)
    return out


def retimed_scenarios(scenarios, args) -> list:
    """The scenarios with ``--retime`` applied: each moves the named events it schedules (and those timed
    after them); an event no scenario schedules is an error naming the scenarios."""
    from ..domain.scenario import load_scenario

    loaded = [load_scenario(s) for s in scenarios]
    moves = parse_retimes(getattr(args, "retimes", None))
    names = [{n for t in sc.timing for n in (t.key, t.kind, t.id) if n} for sc in loaded]  # what can be named
    for name in moves:
        if not any(name in known for known in names):
            raise UserError(f"no scenario schedules an event {name!r} ({', '.join(sc.name for sc in loaded)}); "
                            f"allowed: an event's id or kind ('alliance-sim show SCENARIO' lists them)",
                            key=f"--retime {name}")
    out = []
    for sc, known in zip(loaded, names):
        mine = {k: m for k, m in moves.items() if k in known}
        for name, month in mine.items():  # one at a time, so that a bad month is named by its flag
            if not 1 <= month <= sc.horizon:
                raise UserError(f"month {month} outside {sc.name}'s horizon; allowed: 1 to {sc.horizon}",
                                key=f"--retime {name}")
        out.append(sc.retimed(mine) if mine else sc)
    return out


def add_retime(p) -> None:
    p.add_argument("--retime", dest="retimes", action="append", metavar="EVENT=MONTH",
                   help="move an event (its id or kind) to another month; events timed after it follow "
                        "(repeatable; order and timing as a what-if)")


# ----------------------------------------------------------------------------- flags
def add_replicates(p, default: int, what: str = "replicates") -> None:
    p.add_argument("--replicates", "-n", type=positive_int, default=default, help=what)


def add_model_flags(p) -> None:
    """Seed, parameter overrides and the solution concept."""
    p.add_argument("--seed", type=seed, default=0, help="run seed")
    p.add_argument("--set", dest="sets", action="append", metavar="NAME=VALUE",
                   help="hold a parameter at a value (repeatable); see 'alliance-sim parameters'")
    p.add_argument("--solution", choices=CONCEPTS, default="qre", help="how stage games are solved")


def add_engine_flags(p) -> None:
    """Where and in what batches the runs go (identical results whatever is chosen)."""
    p.add_argument("--chunk-size", type=positive_int, default=None,
                   help="runs per batched model, one task and one checkpoint each (default: up to 1000)")
    p.add_argument("--executor", choices=EXECUTORS, default=None,
                   help="where batches run: this process (serial), local worker processes, or Dask "
                        "(needs alliance-sim[dask]); default: serial, or processes from 5,000 runs when more "
                        "than one core is available; results are identical")
    p.add_argument("--workers", type=positive_int, default=None,
                   help="worker processes for --executor processes/dask (default: one per core)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="connect to a running Dask scheduler, e.g. tcp://host:8786 (implies --executor dask)")


def add_run_flags(p, replicates: int = 1000) -> None:
    add_replicates(p, replicates)
    add_model_flags(p)
    add_engine_flags(p)


def add_calibrated(p) -> None:
    """``--calibrated FILE``: draw each replicate's parameters from a calibration's accepted sets."""
    p.add_argument("--calibrated", default=None, metavar="FILE",
                   help="draw each replicate's parameter set from the accepted sets of 'alliance-sim calibrate' "
                        "(its --out folder or an accepted*.csv in it); the scenario's values and --set win")


def add_output_flags(p, default: str, *, resume: bool = True, figures: bool = True) -> None:
    """``--out``, ``--overwrite``, ``--resume`` and the figure flags: the same in every command that writes."""
    p.add_argument("--out", default=None, metavar="FOLDER",
                   help=f"output folder (default: {default}); must be new or empty unless --overwrite")
    p.add_argument("--overwrite", action="store_true",
                   help="replace results alliance-sim wrote earlier in --out (a folder holding other files, or a "
                        "file, is always refused)")
    if resume:
        p.add_argument("--resume", action="store_true",
                       help="continue an interrupted run with the same --out: compute only its missing chunks")
    if figures:
        p.add_argument("--figure-format", dest="figure_formats", action="append", metavar="FMT",
                       help="figure format(s): png, svg, pdf; repeatable or comma-separated (default: png)")
        p.add_argument("--no-figures", action="store_true", help="write no figures")


def figure_formats(args) -> tuple:
    from ..output.io import check_figure_formats

    return check_figure_formats(getattr(args, "figure_formats", None))


def slug(text: str) -> str:
    """A file-name-safe form of a flag value (``us_prk_deal > 0.5`` -> ``us_prk_deal_gt_0.5``)."""
    import re

    for a, b in ((">=", "_ge_"), ("<=", "_le_"), ("==", "_eq_"), ("!=", "_ne_"), (">", "_gt_"), ("<", "_lt_"),
                 ("=", "-")):
        text = text.replace(a, b)
    return re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9._+-]+", "_", text)).strip("_")


def default_out(command: str, *parts, args=None) -> str:
    """``results/COMMAND/PART_PART...``: distinct per command, scenario, method, outcome, overrides and concept."""
    words = [slug(str(x)) for x in parts if x]
    if args is not None:
        words += [slug(item.replace(" ", "")) for item in (getattr(args, "sets", None) or [])]
        words += [slug(item.replace(" ", "").replace("=", "-at-")) for item in (getattr(args, "retimes", None) or [])]
        if getattr(args, "solution", "qre") != "qre":
            words.append(args.solution)
    return f"results/{command}/{'_'.join(words)}"


def output_folder(args, command: str, *parts):
    """The ``--out`` folder (or the command's default), checked before any work: nothing there is ever lost."""
    from pathlib import Path

    from ..output.io import check_out

    out = Path(args.out or default_out(command, *parts, args=args))
    check_out(out, args.overwrite)
    return out


def executor_args(args) -> dict:
    """``executor, workers, scheduler`` from the flags (a scheduler implies dask, several workers processes)."""
    from ..engine.executors import resolve_executor

    return resolve_executor(args.executor, args.workers, args.scheduler)


def resume_command(args, out) -> str:
    """The command that resumes this run (the same settings, with --resume)."""
    parts = [PROG, "run", args.scenario, "--replicates", str(args.replicates), "--seed", str(args.seed)]
    for item in args.sets or []:
        parts += ["--set", item]
    for item in getattr(args, "retimes", None) or []:
        parts += ["--retime", item]
    if args.solution != "qre":
        parts += ["--solution", args.solution]
    if args.chunk_size:
        parts += ["--chunk-size", str(args.chunk_size)]
    for flag in ("executor", "workers", "scheduler"):
        if getattr(args, flag):
            parts += [f"--{flag}", str(getattr(args, flag))]
    parts += ["--out", str(out)]
    if getattr(args, "calibrated", None):
        parts += ["--calibrated", str(args.calibrated)]
    if args.format != "parquet":
        parts += ["--format", args.format]
    if args.no_figures:
        parts.append("--no-figures")
    for fmt in args.figure_formats or []:
        parts += ["--figure-format", fmt]
    if args.overwrite:
        parts.append("--overwrite")
    return shlex.join(parts + ["--resume"])
