"""Streamed saves: a run with ``out`` never holds its whole table, yet saves exactly the in-memory run's table;
the returned (and loaded) ``Results`` read their table from disk only when asked; the executor chosen when none
is named; Dask is never imported unasked."""
import subprocess
import sys
import tracemalloc

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import alliance_sim as a
from alliance_sim.engine import executors
from alliance_sim.output.results import Results, summarise
from alliance_sim.output.table import StoredTable

N = 30
OVERRIDES = {"rationality": np.linspace(1.0, 10.0, N)}  # one value per replicate: sliced per chunk


@pytest.fixture(scope="module")
def memory_run():
    return a.run("escalation", N, seed=5, overrides=OVERRIDES)


def same(df, ref):
    pd.testing.assert_frame_equal(df, ref, check_exact=True)


@pytest.mark.parametrize("chunk_size, executor, workers", [(7, "serial", None), (4, "processes", 2), (N, "serial", None)])
def test_a_streamed_runs_parquet_equals_the_in_memory_table(tmp_path, memory_run, chunk_size, executor, workers):
    out = tmp_path / "run"
    res = a.run("escalation", N, seed=5, overrides=OVERRIDES, chunk_size=chunk_size, executor=executor,
                workers=workers, out=out, figures=False)
    saved = pd.read_parquet(out / "trajectories.parquet")
    same(saved, memory_run.trajectories)
    for col in saved.columns:  # bitwise: the floats' bytes, the action codes
        x, y = saved[col], memory_run.trajectories[col]
        if isinstance(x.dtype, pd.CategoricalDtype):
            assert np.array_equal(x.cat.codes.to_numpy(), y.cat.codes.to_numpy())
        else:
            assert x.to_numpy().tobytes() == y.to_numpy().tobytes(), col
    # one row group per chunk: written a chunk at a time
    assert pq.ParquetFile(out / "trajectories.parquet").num_row_groups == -(-N // chunk_size)
    same(res.trajectories, memory_run.trajectories)


def test_a_streamed_run_returns_results_that_read_the_table_only_when_asked(tmp_path, memory_run):
    out = tmp_path / "run"
    res = a.run("escalation", N, seed=5, overrides=OVERRIDES, chunk_size=8, out=out, figure_formats=("svg",))
    assert not res.in_memory and isinstance(res.table, StoredTable) and res.table.path == out / "trajectories.parquet"
    same(res.summary(), memory_run.summary())
    same(pd.read_csv(out / "summary.csv"), pd.read_csv(_saved_summary(memory_run, tmp_path)))
    assert res.months == memory_run.months
    assert np.array_equal(res.final("war_intensity"), memory_run.final("war_intensity"))
    same(res.headline(), memory_run.headline())
    res.plot("war_intensity")
    res.figures()
    assert not res.in_memory  # none of these read the whole table
    same(res.trajectories, memory_run.trajectories)
    assert res.in_memory


def _saved_summary(res, tmp_path):
    path = tmp_path / "summary.csv"
    res.summary().to_csv(path, index=False)
    return path


def test_the_summary_by_columns_equals_the_summary_of_the_whole_table(tmp_path, memory_run):
    """The stored table's summary reads one metric at a time: the numbers are exactly those of the whole table."""
    df = memory_run.trajectories
    path = tmp_path / "t.parquet"
    df.to_parquet(path, index=False)
    same(summarise(StoredTable(path), months=(0, 5, 12)), summarise(df, months=(0, 5, 12)))
    # and those of the whole-table computation (all metrics in one groupby)
    metrics = ["war_intensity", "payoff_RUS", "blood_debt"]
    sub = df[df["month"].isin([6, 12, 24, 36])]
    g = sub.groupby("month")[metrics]
    got = summarise(df, metrics).set_index(["month", "metric"])
    for stat, values in {"mean": g.mean(), "p05": g.quantile(0.05), "p50": g.quantile(0.5),
                         "p95": g.quantile(0.95)}.items():
        for month in (6, 12, 24, 36):
            for metric in metrics:
                assert got.loc[(month, metric), stat] == float(values.loc[month, metric])


@pytest.mark.parametrize("table_format", ["parquet", "csv"])
def test_loaded_results_are_lazy_and_save_again_exactly(tmp_path, memory_run, table_format):
    memory_run.save(tmp_path / "first", table_format=table_format, with_figures=False)
    res = a.load(tmp_path / "first")
    assert not res.in_memory
    same(res.summary(), memory_run.summary())
    res.save(tmp_path / "second", table_format="parquet", with_figures=True)  # copied a piece at a time
    assert not res.in_memory and res.table.path == tmp_path / "second" / "trajectories.parquet"
    expected = Results.load(tmp_path / "first", lazy=False).trajectories
    same(pd.read_parquet(tmp_path / "second" / "trajectories.parquet"), expected)
    same(res.trajectories, expected)
    if table_format == "parquet":
        same(expected, memory_run.trajectories)


def test_a_streamed_run_holds_far_less_than_its_table(tmp_path):
    """numpy's allocations (tracemalloc sees them) stay well under the table's size with ``out``, not without."""
    n, chunk = 1500, 150
    table_bytes = a.run("baseline", 2, seed=1).trajectories.memory_usage(deep=True, index=False).sum() / 2 * n

    def peak(**kwargs):
        tracemalloc.start()
        try:
            a.run("baseline", n, seed=1, chunk_size=chunk, figures=False, **kwargs)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    a.run("baseline", 2, seed=1, out=tmp_path / "warm", figures=False)  # one-off imports and caches first
    streamed = peak(out=tmp_path / "run")
    whole = peak()
    assert whole > table_bytes  # the in-memory run holds the table (the check can fail)
    assert streamed < 0.6 * table_bytes, (streamed, table_bytes)


# ---------------------------------------------------------------------------- the executor when none is named
def test_serial_below_the_break_even_and_processes_from_it_with_several_cores(monkeypatch):
    monkeypatch.setattr(executors, "default_workers", lambda: 2)
    assert executors.auto_executor(executors.PROCESSES_FROM - 1) == "serial"
    assert executors.auto_executor(executors.PROCESSES_FROM) == "processes"
    monkeypatch.setattr(executors, "default_workers", lambda: 1)  # one core allowed (CPU affinity)
    assert executors.auto_executor(10 * executors.PROCESSES_FROM) == "serial"


def test_named_workers_and_schedulers_decide_whatever_the_size():
    assert executors.auto_executor(1, workers=2) == "processes"
    assert executors.auto_executor(10**6, workers=1) == "serial"
    assert executors.auto_executor(1, scheduler="tcp://x:1") == "dask"
    assert executors.resolve_executor()["executor"] is None  # chosen from the job's size when it runs
    assert executors.resolve_executor(workers=3)["executor"] == "processes"


def test_a_small_run_without_an_executor_runs_serially(tmp_path):
    res = a.run("baseline", 3, seed=1, out=tmp_path / "run", figures=False)
    assert res.meta["run"]["executor"] == "serial"


def test_importing_and_running_serially_never_imports_dask(tmp_path):
    code = ("import sys, alliance_sim as a; a.run('baseline', 3, seed=1); "
            f"a.run('baseline', 3, seed=1, out={str(tmp_path / 'run')!r}); "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')); "
            "assert not bad, bad")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr


def test_a_chosen_executor_falls_back_to_serial_when_worker_processes_do_not_fit(monkeypatch):
    from alliance_sim.engine import resources
    from alliance_sim.engine.batches import Job, row_bytes, run_job

    monkeypatch.setattr(executors, "default_workers", lambda: 2)
    monkeypatch.setattr(executors, "PROCESSES_FROM", 10)
    job = Job.ensemble(a.load_scenario("baseline"), 20, 0)
    serial = resources.estimate(job, 10, 1, row_bytes(job)).memory
    assert resources.estimate(job, 10, 2, row_bytes(job), processes=True).memory > serial + 2**20
    monkeypatch.setattr(resources, "available_memory", lambda: int(serial / resources.MARGIN) + 2**20)
    _, info = run_job(job, chunk_size=10)  # processes chosen by size, but only this process fits
    assert info["executor"] == "serial"
    with pytest.raises(a.UserError, match="of memory"):  # asked for: refused, not changed
        run_job(job, chunk_size=10, executor="processes", workers=2)


def test_a_streamed_run_is_estimated_at_a_fraction_of_the_table(tmp_path):
    from alliance_sim.engine import resources
    from alliance_sim.engine.batches import Job, row_bytes

    job = Job.ensemble(a.load_scenario("baseline"), 100_000, 0)
    whole = resources.estimate(job, 1000, 1, row_bytes(job), out=tmp_path)
    streamed = resources.estimate(job, 1000, 1, row_bytes(job), out=tmp_path, streamed=True)
    assert streamed.memory < 400 * 2**20 < whole.memory  # the target for 100,000 x 36 months


def test_figure_statistics_a_month_at_a_time_equal_the_whole_table_groupby(tmp_path, memory_run):
    """Quantiles, means, counts and action shares, from memory or a stored table's single column: exactly groupby's."""
    from alliance_sim.output.figures import _stats, action_share_table, quantiles

    df = memory_run.trajectories
    df.to_parquet(tmp_path / "t.parquet", index=False)
    stored = StoredTable(tmp_path / "t.parquet")
    assert stored.month_rows() is not None
    for metric in ("war_intensity", "payoff_PRK", "us_prk_deal"):
        g = df.groupby("month")[metric]
        want = g.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
        want["mean"], want["count"] = g.mean(), g.count()
        for q in (quantiles(df, metric), _stats(stored, metric)[0]):
            exact = [c for c in want.columns if c != "mean"]
            pd.testing.assert_frame_equal(q[exact], want[exact], check_exact=True, check_names=False)
            # a month's mean alone is summed plainly, not with groupby's compensation: equal to rounding
            assert np.allclose(q["mean"], want["mean"], rtol=1e-12, atol=0, equal_nan=True)
    played = df[df["month"] >= 1]
    for col in ("action_RUS", "action_PRK"):
        want = played.groupby("month", observed=False)[col].value_counts(normalize=True).unstack(fill_value=0.0)
        for src in (df, stored, df.sample(frac=1, random_state=0)):  # shuffled: no month layout, counted by mask
            got = action_share_table(src, col).loc[1:]
            assert np.array_equal(got.to_numpy(), want.reindex(columns=got.columns).to_numpy())
