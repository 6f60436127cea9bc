"""Resource checks before any work: a run that cannot fit in memory or on disk is refused with one line."""
import time

import pytest

import alliance_sim as a
from alliance_sim.engine import batches, resources
from alliance_sim.engine.batches import Job, row_bytes
from alliance_sim.engine.store import partial_dir
from alliance_sim.errors import UserError

MB = 2**20


def no_work(monkeypatch):
    """Fail the test if any batch is computed."""
    def boom(*args, **kwargs):
        raise AssertionError("a batch was computed")

    monkeypatch.setattr(batches, "compute_batch", boom)


def test_a_billion_replicates_are_refused_at_once(tmp_path, monkeypatch):
    from _cli import cli

    no_work(monkeypatch)
    t0 = time.process_time()  # CPU time: the property, not the machine's load
    r = cli("run", "baseline", "-n", 1_000_000_000, "--out", tmp_path / "big", cwd=tmp_path)
    assert time.process_time() - t0 < 2
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "1,000,000,000 runs is more than" in r.stderr and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []  # no OUT.partial, nothing


def test_a_run_too_big_for_memory_is_refused_before_any_work(tmp_path, monkeypatch):
    from _cli import cli

    monkeypatch.setattr(resources, "available_memory", lambda: 900 * MB)  # a 900 MB container
    no_work(monkeypatch)
    # with --out the table is streamed (never whole in memory): a million runs is what no longer fits
    r = cli("run", "baseline", "-n", 1_000_000, "--out", tmp_path / "big", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    (line,) = r.stderr.strip().splitlines()
    assert "1,000,000 runs x" in line and "of memory; 900.0 MB is available" in line
    assert "runs fit here" in line and "--seed" in line
    assert list(tmp_path.iterdir()) == []


def test_the_estimate_names_how_many_runs_fit(monkeypatch):
    monkeypatch.setattr(resources, "available_memory", lambda: 900 * MB)
    with pytest.raises(UserError, match=r"about ([\d,]+) runs fit") as e:
        a.run("baseline", 100_000)
    fit = int(e.value.args[0].split("about ")[-1].split(" runs fit")[0].replace(",", ""))
    assert 10_000 < fit < 100_000
    job = Job.ensemble(a.load_scenario("baseline"), fit, 0)
    est = resources.estimate(job, 1000, 1, row_bytes(job))
    assert est.memory <= 0.9 * 900 * MB  # what it says fits, fits by its own estimate


def test_batches_in_flight_that_do_not_fit_name_chunk_size_and_workers(monkeypatch):
    job = Job.ensemble(a.load_scenario("baseline"), 20_000, 0)
    rb = row_bytes(job)
    table = resources.estimate(job, 1, 1, rb).memory
    monkeypatch.setattr(resources, "available_memory", lambda: int(table / 0.9) + 10 * MB)
    with pytest.raises(UserError, match="smaller --chunk-size or fewer --workers"):
        resources.check_resources(job, 20_000, 1, rb)


def test_a_run_too_big_for_the_disk_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(resources, "free_disk", lambda out: 5 * MB)
    no_work(monkeypatch)
    with pytest.raises(UserError, match=r"of disk for checkpoints and results .* 5.0 MB is free"):
        a.run("baseline", 2_000, out=tmp_path / "run")
    assert not partial_dir(tmp_path / "run").exists()
    monkeypatch.undo()
    monkeypatch.setattr(resources, "free_disk", lambda out: 5 * MB)
    a.run("baseline", 20)  # without an output folder no disk is needed


def test_the_estimate_grows_with_runs_months_and_columns():
    sc = a.load_scenario("baseline")
    big, small = Job.ensemble(sc, 10_000, 0), Job.ensemble(sc, 1_000, 0)
    e_big = resources.estimate(big, 1000, 1, row_bytes(big), out="x")
    e_small = resources.estimate(small, 1000, 1, row_bytes(small), out="x")
    assert e_big.memory > e_small.memory and e_big.disk == 10 * e_small.disk
    few = Job(sc, 0, big.ids, months=(12,), metrics=("alliance_strength",))
    assert row_bytes(few) < row_bytes(big) / 5
    assert resources.estimate(few, 1000, 1, row_bytes(few)).memory < e_big.memory


def test_available_memory_is_known_here():
    mem = resources.available_memory()
    assert mem is None or mem > 0
