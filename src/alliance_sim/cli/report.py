"""``alliance-sim report RUN_DIR``: one self-contained HTML file to open anywhere or send to a colleague."""
from __future__ import annotations

from .options import positive_int


def add_commands(sub) -> None:
    p = sub.add_parser("report", help="write one self-contained HTML report of a run or compare folder "
                                      "(opens in any browser, offline)")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by 'alliance-sim run' or 'compare --out'")
    p.add_argument("--out", default=None, metavar="FILE",
                   help="the HTML file to write (default: RUN_DIR/report.html)")
    p.add_argument("--month", type=positive_int, default=None,
                   help="month of the actors' explanations, 1 to the horizon (default: 12, or the horizon if "
                        "shorter)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a report written earlier (any other file is never replaced)")
    p.set_defaults(func=cmd_report)

    # ``run --report``: the run's command, then its report (the run's parser is registered before this one)
    run = sub.choices.get("run")
    if run is not None:
        run.add_argument("--report", action="store_true",
                         help="also write the HTML report, OUT/report.html (as 'alliance-sim report OUT')")
        run.set_defaults(func=_then_report(run.get_default("func")))


def cmd_report(args) -> int:
    from ..output.report import write_report

    out = write_report(args.run_dir, args.out, month=args.month, overwrite=args.overwrite)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB; open it in any browser)")
    return 0


def _then_report(cmd_run):
    """``cmd_run``, followed by the report of the folder it wrote when ``--report`` is given."""

    def run_and_report(args) -> int:
        rc = cmd_run(args)
        if rc != 0 or not getattr(args, "report", False):
            return rc
        from pathlib import Path

        from ..domain.scenario import load_scenario
        from ..output.report import write_report
        from .options import default_out

        folder = Path(args.out or default_out("run", load_scenario(args.scenario).name, args=args))
        out = write_report(folder, overwrite=True)  # the folder was just written: any report in it is stale
        print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB; open it in any browser)")
        return 0

    return run_and_report
