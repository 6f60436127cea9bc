"""The ``alliance-sim`` command: one module per command group, one shared grammar (``options``).

Bad input (a broken scenario file, an unknown actor, a parameter out of range,
a wrong flag) prints one line naming the file, the key and what is allowed,
and exits with status 2; nothing is written. Commands import the library
only when they run, so ``--help`` answers at once.
"""
from __future__ import annotations

import argparse
import sys

from .._version import __version__
from ..errors import UserError
from . import classic, explore, reference, scenarios
from .options import PROG, Parser

COMMAND_GROUPS = (scenarios, reference, explore, classic)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description="What-if scenarios for the Russia-North Korea alliance.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for group in COMMAND_GROUPS:
        group.add_commands(sub)
    return parser


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
