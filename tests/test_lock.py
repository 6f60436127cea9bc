"""One run per output folder: a second run into a folder in use is refused with one line naming it and
the process holding it; a lock left by a dead process is taken over."""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import alliance_sim as a
from alliance_sim.engine.lock import hold, lock_path
from alliance_sim.engine.store import partial_dir
from alliance_sim.errors import UserError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def holder(tmp_path):
    """Another process holding the lock of ``tmp_path/run`` (as a running ``alliance-sim run`` would)."""
    out = tmp_path / "run"
    code = ("import sys, time; from alliance_sim.engine.lock import acquire; acquire(sys.argv[1]); "
            "print('locked', flush=True); time.sleep(120)")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout.readline().strip() == "locked"
    yield out, proc
    proc.kill()
    proc.wait()


def test_a_second_run_into_a_folder_in_use_is_refused(holder):
    out, proc = holder
    with pytest.raises(UserError, match=rf"{out} is being written by another run \(process {proc.pid}"):
        a.run("baseline", 4, seed=1, out=out, figures=False)
    assert not partial_dir(out).exists() and not out.exists()  # nothing touched


def test_the_cli_refuses_in_one_line(holder):
    from _cli import cli

    out, proc = holder
    r = cli("run", "baseline", "-n", 4, "--seed", 1, "--no-figures", "--out", out, cwd=out.parent)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(out) in lines[0] and f"process {proc.pid}" in lines[0], r.stderr


def test_a_lock_left_by_a_dead_process_is_taken_over(holder):
    out, proc = holder
    assert lock_path(out).exists()
    proc.send_signal(signal.SIGKILL)  # the holder dies without cleaning up
    proc.wait()
    assert lock_path(out).exists()  # stale file, no lock
    res = a.run("baseline", 4, seed=1, out=out, figures=False)
    assert len(res.trajectories) and out.is_dir() and not lock_path(out).exists()


def test_the_lock_is_reentrant_in_a_thread_and_exclusive_across_threads(tmp_path):
    out = tmp_path / "run"
    errors = []
    with hold(out):
        with hold(out):  # e.g. a save inside a run that holds it
            assert lock_path(out).exists()

        def other():
            try:
                with hold(out):
                    pass
            except UserError as e:
                errors.append(str(e))

        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert errors and "in this process" in errors[0]
    assert not lock_path(out).exists()
    with hold(out):  # free again
        pass


def test_a_sweep_checkpoint_is_locked_too(holder):
    from alliance_sim.explore import sweep

    out, _ = holder
    with pytest.raises(UserError, match="being written by another run"):
        sweep("baseline", "lhs", n=4, seed=1, checkpoint=out)


def test_two_real_runs_into_one_folder(tmp_path):
    """Two ``alliance-sim run`` processes with different seeds into the same --out: the second is refused.

    The first is slowed down (half a second per chunk) so that the second starts while it computes.
    """
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg"}
    args = ["run", "baseline", "-n", "40", "--chunk-size", "5", "--no-figures", "--out", str(out)]
    slow = ("import sys, time; from alliance_sim.engine import batches; real = batches.compute_batch; "
            "batches.compute_batch = lambda *a, **k: (time.sleep(0.5), real(*a, **k))[1]; "
            "from alliance_sim.cli import main; sys.exit(main(sys.argv[1:]))")
    first = subprocess.Popen([sys.executable, "-c", slow, *args, "--seed", "0"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while not lock_path(out).exists():
        assert first.poll() is None and time.monotonic() - t0 < 60
        time.sleep(0.02)
    second = subprocess.run([sys.executable, "-m", "alliance_sim", *args, "--seed", "1"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert first.poll() is None  # still computing
    assert second.returncode == 2 and f"process {first.pid}" in second.stderr, second.stderr
    assert len(second.stderr.strip().splitlines()) == 1 and "is being written by another run" in second.stderr
    assert first.wait(timeout=120) == 0, first.stderr.read()
    import json

    assert json.loads((out / "manifest.json").read_text())["seed"] == 0
