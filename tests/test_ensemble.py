"""Ensembles: the same table from every executor, worker count and chunk size; checkpoints and resume."""
import json
import sys
import uuid

import numpy as np
import pandas as pd
import pytest

import alliance_sim as a
from alliance_sim.engine import batches
from alliance_sim.engine.executors import SerialExecutor, make_executor
from alliance_sim.engine.store import ChunkStore, partial_dir

from _interrupt import interrupt_after

N = 36
LAM = np.linspace(1.0, 12.0, N)  # one rationality per replicate: sliced per chunk
OVERRIDES = {"rationality": LAM, "wave_size": 5.0}


@pytest.fixture(scope="module")
def reference():
    return a.run("escalation", N, seed=9, overrides=OVERRIDES).trajectories


def same(df, ref):
    pd.testing.assert_frame_equal(df, ref, check_exact=True)


@pytest.mark.parametrize("chunk_size", [2, 5, 17, N])
def test_chunk_sizes_give_the_same_table(reference, chunk_size):
    same(a.run("escalation", N, seed=9, overrides=OVERRIDES, chunk_size=chunk_size).trajectories, reference)


@pytest.mark.parametrize("workers, chunk_size", [(1, 12), (2, 7)])
def test_process_pool_gives_the_same_table(reference, workers, chunk_size):
    res = a.run("escalation", N, seed=9, overrides=OVERRIDES, chunk_size=chunk_size, executor="processes",
                workers=workers)
    same(res.trajectories, reference)
    assert res.meta["run"]["executor"] == "processes" and res.meta["run"]["workers"] == workers


@pytest.fixture(scope="module")
def dask_executor():
    pytest.importorskip("dask.distributed")
    with make_executor("dask", workers=2) as ex:
        yield ex


def test_dask_local_cluster_gives_the_same_table(reference, dask_executor):
    res = a.run("escalation", N, seed=9, overrides=OVERRIDES, chunk_size=5, executor=dask_executor)
    same(res.trajectories, reference)
    cluster = dask_executor.client.cluster
    assert len(cluster.workers) == 2
    assert set(dask_executor.client.nthreads().values()) == {1}


def test_dask_connects_to_a_running_scheduler(reference, dask_executor):
    address = dask_executor.client.scheduler.address
    res = a.run("escalation", N, seed=9, overrides=OVERRIDES, chunk_size=9, executor="dask", scheduler=address)
    same(res.trajectories, reference)
    assert res.meta["run"]["workers"] == 2


def test_dask_runs_equal_tasks_separately(dask_executor):
    # Client.map/submit would collapse calls with equal arguments unless pure=False.
    got = sorted(dask_executor.map_unordered(uuid.uuid4, [(), (), ()]))
    assert [i for i, _ in got] == [0, 1, 2] and len({v for _, v in got}) == 3


def test_dask_by_name_starts_and_stops_a_local_cluster(reference):
    pytest.importorskip("dask.distributed")
    res = a.run("escalation", N, seed=9, overrides=OVERRIDES, chunk_size=18, executor="dask", workers=1)
    same(res.trajectories, reference)


def test_missing_dask_is_one_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(a.UserError, match=r"pip install 'alliance-sim\[dask\]'"):
        a.run("baseline", 4, executor="dask")


def test_bad_executor_settings_are_user_errors():
    with pytest.raises(a.UserError, match="unknown executor 'threads'"):
        a.run("baseline", 4, executor="threads")
    with pytest.raises(a.UserError, match="need --executor processes or dask"):
        a.run("baseline", 4, workers=3)
    with pytest.raises(a.UserError, match="scheduler address needs the dask executor"):
        a.run("baseline", 4, executor="processes", scheduler="tcp://127.0.0.1:1")
    with pytest.raises(a.UserError, match="resume needs an output folder"):
        a.run("baseline", 4, resume=True)


def test_compare_shares_one_executor_and_matches_serial():
    serial = a.compare(["baseline", "kor_engagement"], 12, seed=4, chunk_size=5)
    pooled = a.compare(["baseline", "kor_engagement"], 12, seed=4, chunk_size=5, executor="processes", workers=2)
    for name in serial.names:
        same(pooled.results[name].trajectories, serial.results[name].trajectories)


# ---------------------------------------------------------------------------- checkpoints
def test_out_saves_results_and_removes_the_checkpoints(tmp_path, reference):
    out = tmp_path / "run"
    res = a.run("escalation", N, seed=9, overrides=OVERRIDES, chunk_size=10, out=out, figures=False)
    same(res.trajectories, reference)
    same(pd.read_parquet(out / "trajectories.parquet"), pd.read_parquet(_saved(reference, tmp_path)))
    assert not partial_dir(out).exists()
    run = json.loads((out / "manifest.json").read_text())["run"]
    assert run == {"chunk_size": 10, "chunks": 4, "chunks_reused": 0, "chunks_recomputed": 0, "executor": "serial",
                   "workers": 1}


def _saved(df, tmp_path):
    path = tmp_path / "ref.parquet"
    df.to_parquet(path, index=False)
    return path


def test_interrupted_run_resumes_with_only_the_missing_chunks(tmp_path, monkeypatch, reference):
    out = tmp_path / "run"
    interrupt_after(monkeypatch, 2)
    with pytest.raises(batches.Interrupted) as info:
        a.run("escalation", N, seed=9, overrides=OVERRIDES, chunk_size=5, out=out, figures=False)
    assert (info.value.done, info.value.total) == (2, 8)
    store = ChunkStore(partial_dir(out), {})
    assert sorted(store.finished()) == [(0, 5), (5, 10)]
    assert not out.exists()

    # Without resume the partial run is neither reused nor deleted.
    monkeypatch.undo()
    with pytest.raises(a.UserError, match="holds an unfinished run .*--resume"):
        a.run("escalation", N, seed=9, overrides=OVERRIDES, chunk_size=5, out=out, figures=False)
    # A different run is refused, naming what differs.
    with pytest.raises(a.UserError, match=r"seed 9 \(now 10\)"):
        a.run("escalation", N, seed=10, overrides=OVERRIDES, chunk_size=5, out=out, resume=True)
    with pytest.raises(a.UserError, match=r"--set rationality an array of 36 .* \(now none\)"):
        a.run("escalation", N, seed=9, overrides={"wave_size": 5.0}, chunk_size=5, out=out, resume=True)
    with pytest.raises(a.UserError, match=r"chunk size 5 \(now 6\)"):
        a.run("escalation", N, seed=9, overrides=OVERRIDES, chunk_size=6, out=out, resume=True)

    calls = interrupt_after(monkeypatch, 99)
    res = a.run("escalation", N, seed=9, overrides=OVERRIDES, chunk_size=5, out=out, resume=True, figures=False)
    assert calls == [(lo, min(lo + 5, N)) for lo in range(10, N, 5)]  # only the missing chunks
    same(res.trajectories, reference)
    assert res.meta["run"]["chunks_reused"] == 2 and not partial_dir(out).exists()


def test_damaged_or_stray_files_are_recomputed_or_ignored(tmp_path, monkeypatch, reference):
    out = tmp_path / "run"
    interrupt_after(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt):
        a.run("escalation", N, seed=9, overrides=OVERRIDES, chunk_size=10, out=out, figures=False)
    chunks = partial_dir(out) / "chunks"
    (chunks / "chunk-000010-000019.parquet").write_bytes(b"not parquet")  # damaged
    (chunks / ".chunk-000030-000035.parquet.123.tmp").write_bytes(b"half")  # left by kill -9
    monkeypatch.undo()
    calls = interrupt_after(monkeypatch, 99)
    with pytest.warns(batches.ChunkRecomputed, match="chunk-000010-000019.parquet: the file is unreadable"):
        res = a.run("escalation", N, seed=9, overrides=OVERRIDES, chunk_size=10, out=out, resume=True, figures=False)
    assert calls == [(10, 20), (30, 36)]
    same(res.trajectories, reference)


def test_interrupt_before_any_chunk_leaves_nothing(tmp_path, monkeypatch):
    out = tmp_path / "run"
    interrupt_after(monkeypatch, 0)
    with pytest.raises(batches.Interrupted):
        a.run("baseline", 4, out=out)
    assert list(tmp_path.iterdir()) == []


def test_resume_without_a_partial_run_starts_afresh(tmp_path, reference):
    out = tmp_path / "run"
    res = a.run("escalation", N, seed=9, overrides=OVERRIDES, out=out, resume=True, figures=False)
    same(res.trajectories, reference)
    assert res.meta["run"]["chunks_reused"] == 0


def test_a_given_executor_is_used_and_not_closed():
    class Recording(SerialExecutor):
        tasks, closed = 0, False

        def map_unordered(self, fn, tasks):
            self.tasks += len(tasks)
            yield from super().map_unordered(fn, tasks)

        def close(self):
            self.closed = True

    ex = Recording()
    first = a.run("baseline", 6, seed=2, executor=ex, chunk_size=2)
    second = a.run("baseline", 6, seed=2, executor=ex, chunk_size=3)  # the same executor serves a second run
    assert ex.tasks == 3 + 2 and not ex.closed
    same(first.trajectories, second.trajectories)
    same(first.trajectories, a.run("baseline", 6, seed=2).trajectories)


def test_cli_executor_flags(tmp_path):
    from _cli import cli

    r = cli("run", "baseline", "-n", 4, "--workers", 3, "--executor", "serial", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.strip().endswith("3 workers need --executor processes or dask")
    r = cli("compare", "baseline", "escalation", "-n", 4, "--month", 37, "--resume", cwd=tmp_path)
    assert r.returncode == 2 and "allowed: 0 to 36" in r.stderr  # checked before anything runs
    assert list(tmp_path.iterdir()) == []
    r = cli("compare", "baseline", "escalation", "-n", 6, "--chunk-size", 3, "--workers", 2,  # implies processes
            "--out", tmp_path / "cmp", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "cmp" / "comparison.csv").is_file()


def test_a_script_piped_to_python_can_use_worker_processes(tmp_path, executor="processes"):
    """``python - <<EOF`` has a ``__main__`` that no worker can re-import (``<stdin>``): it works all the same.

    (The Dask ``LocalCluster`` starts its workers inside the same ``main_importable()``; checked by hand,
    about 8 s, and by the test below.)
    """
    import os
    import subprocess
    from pathlib import Path
    script = (f"import alliance_sim as a\n"
              f"if __name__ == '__main__':\n"
              f"    res = a.run('baseline', 8, seed=4, chunk_size=4, executor='{executor}', workers=2)\n"
              f"    print(res.trajectories['alliance_strength'].sum().hex())\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    r = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, env=env, cwd=tmp_path,
                       timeout=180)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == a.run("baseline", 8, seed=4).trajectories["alliance_strength"].sum().hex()


def test_main_importable_hides_only_a_main_file_that_does_not_exist(monkeypatch):
    import types

    from alliance_sim.engine import executors

    fake = types.ModuleType("__main__")
    fake.__file__ = "<stdin>"
    fake.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", fake)
    with executors.main_importable():
        assert not hasattr(fake, "__file__")  # workers will not try to run "<stdin>"
    assert fake.__file__ == "<stdin>"
    fake.__file__ = __file__  # a real script: workers import it, as multiprocessing expects
    with executors.main_importable():
        assert fake.__file__ == __file__
    calls = []
    monkeypatch.setattr(executors, "main_importable", lambda: calls.append(1) or __import__("contextlib").nullcontext())
    if "dask.distributed" in sys.modules or __import__("importlib").util.find_spec("distributed"):
        with make_executor("dask", workers=1):
            pass
        assert calls  # the LocalCluster's workers start inside it
