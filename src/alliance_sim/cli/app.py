"""``alliance-sim app``: the browser explorer, served on this machine only (``alliance_sim.app``).

The app is imported only when the command runs, so ``--help`` stays fast and
the command line works without Solara installed.
"""
from __future__ import annotations

from .options import nonnegative_int

DEFAULT_PORT = 8765  # app.server.DEFAULT_PORT (checked equal in the tests; not imported: keeps --help fast)


def add_commands(sub) -> None:
    p = sub.add_parser("app", help="start the browser explorer on 127.0.0.1 (pick a scenario, move parameters "
                                   "and events, run, compare, explain, download)")
    p.add_argument("--port", type=nonnegative_int, default=DEFAULT_PORT,
                   help="port on 127.0.0.1 (0: any free port, printed)")
    p.add_argument("--open", action="store_true", help="open the app in the default web browser")
    p.set_defaults(func=cmd_app)


def cmd_app(args) -> int:
    from ..app.server import serve

    serve(args.port, open_browser=args.open)
    return 0
