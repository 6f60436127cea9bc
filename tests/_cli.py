"""Run the ``alliance-sim`` command in this process (``main(argv)``): as the shell would, without a new Python.

A subprocess adds about 2 s of imports per call and tests nothing more, except
what ``test_cli.py::test_installed_entry_point`` and the Ctrl-C/kill tests
check with real processes.
"""
import contextlib
import io
import os
from dataclasses import dataclass

from alliance_sim.cli import main


@dataclass
class Completed:
    returncode: int
    stdout: str
    stderr: str


def cli(*args, cwd=None) -> Completed:
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main([str(a) for a in args])
            except SystemExit as e:  # --help, --version
                rc = int(e.code or 0)
    finally:
        os.chdir(old)
    return Completed(rc, out.getvalue(), err.getvalue())
