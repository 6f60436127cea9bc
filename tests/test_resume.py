"""Resuming a real interrupted ``alliance-sim run`` process (Ctrl-C and kill -9)."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import alliance_sim as a
from alliance_sim.engine.store import partial_dir

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # real processes: about 30 s
ARGS = ["baseline", "--replicates", "240", "--seed", "5", "--chunk-size", "20", "--set", "rationality=6",
        "--no-figures"]
CHUNKS = 12


def cli(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg"}
    return [sys.executable, "-m", "alliance_sim", "run", *map(str, args)], env


def finished(out: Path) -> list[Path]:
    return sorted((partial_dir(out) / "chunks").glob("chunk-*.parquet"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "run"
    a.run("baseline", 240, 5, {"rationality": 6.0}, chunk_size=20, out=out, figures=False)
    return pd.read_parquet(out / "trajectories.parquet")


def interrupt(out: Path, sig, extra=(), at_least=2, timeout=120):
    """Start a run, wait until ``at_least`` chunks are saved, send ``sig``; returns the process's outcome."""
    cmd, env = cli(*ARGS, "--out", out, *extra)
    # A session of its own, so that Ctrl-C can go to the whole process group (workers too), as in a terminal.
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    t0 = time.monotonic()
    while len(finished(out)) < at_least:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - t0 < timeout, "no chunk saved in time"
        time.sleep(0.02)
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    return proc.returncode, stdout, stderr


@pytest.mark.parametrize("sig, extra", [
    (signal.SIGINT, ()),
    (signal.SIGKILL, ()),
    (signal.SIGINT, ("--executor", "processes", "--workers", "2")),
    (signal.SIGINT, ("--executor", "dask", "--workers", "2")),
], ids=["ctrl-c", "kill-9", "ctrl-c-processes", "ctrl-c-dask"])
def test_interrupted_process_resumes_to_the_same_table(tmp_path, reference, sig, extra):
    if "dask" in extra:
        pytest.importorskip("dask.distributed")
    out = tmp_path / "run"
    code, _, stderr = interrupt(out, sig, extra)
    if sig == signal.SIGINT:
        assert code == 130, stderr
        assert "Traceback" not in stderr
        lines = [ln for ln in stderr.replace("\r", "\n").splitlines() if ln.startswith(("alliance-sim:", "resume"))]
        assert lines[0].startswith("alliance-sim: interrupted; ") and "chunks are saved in" in lines[0]
        resume_cmd = lines[1].removeprefix("resume with: ")
        assert resume_cmd.startswith("alliance-sim run baseline ") and resume_cmd.endswith(" --resume")
        assert f"--out {out}" in resume_cmd and "--set rationality=6" in resume_cmd
    else:
        assert code == -signal.SIGKILL
    done = len(finished(out))
    assert 2 <= done < CHUNKS and not out.exists()

    cmd, env = cli(*ARGS, "--out", out)
    if sig == signal.SIGKILL:  # without --resume the partial run is refused, and left as it is
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 2 and "holds an unfinished run" in r.stderr and len(finished(out)) == done

    r = subprocess.run(cmd + ["--resume", *extra], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"resumed: {done} of {CHUNKS} chunks were already done" in r.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["run"]["chunks_reused"] == done  # only the missing chunks were computed
    assert not partial_dir(out).exists()
    table = pd.read_parquet(out / "trajectories.parquet")
    pd.testing.assert_frame_equal(table, reference, check_exact=True)  # none lost, none duplicated
    assert table.groupby("replicate").size().eq(37).all() and table["replicate"].nunique() == 240  # months 0-36
