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
from . import app, calibrate, classic, docs, explore, reference, report, robustness, scenarios
from .options import PROG, Parser

COMMAND_GROUPS = (scenarios, reference, explore, robustness, calibrate, classic, docs, report, app)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description="What-if scenarios for the Russia-North Korea alliance.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for group in COMMAND_GROUPS:
        group.add_commands(sub)
    return parser


def main(argv=None) -> int:
    _system_allocator_for_arrow()
    parser = build_parser()
    args = None
    try:
        with _warnings_as_lines():
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
    except (OSError, MemoryError) as e:  # a full disk, a read-only or missing folder, out of memory, ...
        return _failed(args, e)


def _system_allocator_for_arrow() -> None:
    """Let pyarrow allocate with the system allocator in this command's processes, unless the user chose.

    A large run streams its table through pyarrow chunk by chunk; pyarrow's
    default allocator (mimalloc) keeps the freed buffers for reuse, which at
    100,000 replicates held about 40 MB more at the peak (412 MB against 371
    MB, serial, figures drawn) at the same speed. Set here, in the command's
    own process before pyarrow is imported, rather than in the library, where
    it would change a setting of the user's whole Python session. Worker
    processes inherit it.
    """
    import os

    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


def _failed(args, e: BaseException) -> int:
    """One line for an operating-system failure: exit 1 with the resume command if a run saved chunks, else 2."""
    from ..errors import os_error_message

    what = os_error_message(e) if isinstance(e, OSError) else "out of memory"
    out, done = None, 0
    if getattr(args, "command", None) == "run":
        from pathlib import Path

        from ..engine.store import ChunkStore, partial_dir

        try:
            if args.out is None:  # the command's default folder
                from ..domain.scenario import load_scenario
                from . import options

                name = load_scenario(args.scenario).name
                out = Path(options.default_out("run", name, args=args) if hasattr(options, "default_out")
                           else Path("results") / name)
            else:
                out = Path(args.out)
            partial = partial_dir(out)
            done = len(ChunkStore(partial, {}).finished())
        except (OSError, UserError):
            done = 0
    if not done:
        print(f"{PROG}: error: {what}", file=sys.stderr)
        return 2
    from .options import resume_command

    print(f"{PROG}: error: {what}; the run stopped with {done} chunks saved in {partial}/\n"
          f"resume with: {resume_command(args, out)}", file=sys.stderr)
    return 1


class _warnings_as_lines:
    """Library notices (``CheckpointWarning``) as one ``alliance-sim: warning: ...`` line each."""

    def __enter__(self):
        import warnings

        from ..errors import CheckpointWarning

        self._old = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, CheckpointWarning):
                print(f"{PROG}: warning: {message}", file=sys.stderr)
            else:
                self._old(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        return self

    def __exit__(self, *exc):
        import warnings

        warnings.showwarning = self._old
        return False


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
