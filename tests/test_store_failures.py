"""Operating-system failures are one line: exit 2 before any chunk is saved, exit 1 with the exact resume
command after; a killed save's leftovers are cleaned up; the resumed run equals an uninterrupted one."""
import errno
import os

import pandas as pd
import pytest

import alliance_sim as a
from alliance_sim.engine import store
from alliance_sim.engine.store import partial_dir

ARGS = ["run", "baseline", "-n", 20, "--seed", 4, "--chunk-size", 5, "--no-figures"]


@pytest.fixture(scope="module")
def reference():
    return a.run("baseline", 20, seed=4, chunk_size=5).trajectories


def one_line(r, code=2):
    assert r.returncode == code, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    # the progress bar (shown after a second, on a busy machine) is not a message
    lines = [ln for ln in r.stderr.replace("\r", "\n").splitlines() if ln.strip() and "run/s]" not in ln
             and not ln.startswith("baseline: ")]
    assert lines[0].startswith("alliance-sim: error: "), r.stderr
    return lines


@pytest.mark.parametrize("out", ["/", ".", ".."])
def test_out_that_is_not_a_folder_name_of_its_own(tmp_path, out):
    from _cli import cli

    (tmp_path / "sub").mkdir()
    r = cli(*ARGS, "--out", out, cwd=tmp_path / "sub")
    assert len(one_line(r)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub"] and not any((tmp_path / "sub").iterdir())


def test_a_read_only_folder_is_one_line_exit_2(tmp_path, monkeypatch):
    from _cli import cli

    def read_only(path, write):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(store, "_write_atomic", read_only)
    r = cli(*ARGS, "--out", tmp_path / "run", cwd=tmp_path)
    (line,) = one_line(r)
    assert "Read-only file system" in line and "choose a writable --out" in line


def test_a_full_disk_mid_run_exits_1_with_the_resume_command(tmp_path, monkeypatch, reference):
    from _cli import cli

    real = store.ChunkStore.write
    calls = []

    def fill_up(self, lo, hi, arrays):
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.path(lo, hi)))
        calls.append(lo)
        return real(self, lo, hi, arrays)

    monkeypatch.setattr(store.ChunkStore, "write", fill_up)
    out = tmp_path / "run"
    r = cli(*ARGS, "--out", out, cwd=tmp_path)
    lines = one_line(r, code=1)
    assert len(lines) == 2 and "No space left on device" in lines[0] and "2 chunks saved in" in lines[0]
    assert lines[1].startswith("resume with: alliance-sim run baseline ") and lines[1].endswith("--resume")
    monkeypatch.undo()
    r = cli(*lines[1].removeprefix("resume with: alliance-sim ").split(), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(out / "trajectories.parquet"), reference, check_exact=True)


def test_a_full_disk_during_the_final_save_keeps_the_chunks_and_leaves_no_temporary_folder(tmp_path, monkeypatch,
                                                                                          reference):
    from _cli import cli

    import pyarrow.parquet as pq

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    write_row_group = pq.ParquetWriter.write_table

    def full_for_the_table(self, *args, **kwargs):  # the saved table is streamed through a ParquetWriter
        if os.path.basename(str(self.where)) == "trajectories.parquet":
            full()
        return write_row_group(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    monkeypatch.setattr(pq.ParquetWriter, "write_table", full_for_the_table)
    monkeypatch.setattr(store.ChunkStore, "write", lambda self, lo, hi, arrays: _write_csv_free(self, lo, hi, arrays))
    out = tmp_path / "run"
    r = cli(*ARGS, "--out", out, cwd=tmp_path)
    lines = one_line(r, code=1)
    assert "4 chunks saved" in lines[0] and lines[1].endswith("--resume")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.partial"]  # no .run.xxxx, no run/
    monkeypatch.undo()
    r = cli(*lines[1].removeprefix("resume with: alliance-sim ").split(), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "resumed: 4 of 4 chunks" in r.stdout
    pd.testing.assert_frame_equal(pd.read_parquet(out / "trajectories.parquet"), reference, check_exact=True)


def _write_csv_free(self, lo, hi, arrays):
    """``ChunkStore.write`` with pyarrow directly (``DataFrame.to_parquet`` is the one that fails here)."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from alliance_sim.abm.recorder import frame

    table = pa.Table.from_pandas(frame(arrays), preserve_index=False)
    path = self.path(lo, hi)
    store._write_atomic(path, lambda p: pq.write_table(table, p))
    rec = {"format": store.RECORD_FORMAT, "lo": lo, "hi": hi, "rows": int(len(arrays["replicate"])),
           "spec_sha256": self.spec_sha256, "content_sha256": store.content_hash(arrays),
           "columns": store.schema(arrays)}
    store._write_atomic(self.record_path(lo, hi), lambda p: p.write_text(json.dumps(rec)))
    return path


def test_a_killed_save_leaves_a_temporary_folder_the_next_save_removes(tmp_path):
    dead = tmp_path / ".run.999999999.abc_12"  # a pid that cannot be alive
    alive = tmp_path / f".run.{os.getppid()}.xyz_34"
    dead.mkdir()
    alive.mkdir()
    a.run("baseline", 4, seed=1, out=tmp_path / "run", figures=False)
    assert not dead.exists() and alive.exists() and (tmp_path / "run").is_dir()


def test_a_bad_scheduler_address_is_one_line(tmp_path):
    pytest.importorskip("dask.distributed")
    from _cli import cli

    r = cli(*ARGS, "--scheduler", "not a url", "--out", tmp_path / "run", cwd=tmp_path)
    (line,) = one_line(r)
    assert "cannot connect to the Dask scheduler at not a url" in line
    assert not (tmp_path / "run").exists() and not partial_dir(tmp_path / "run").exists()


def test_an_os_error_anywhere_is_one_line(tmp_path):
    from _cli import cli

    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = cli(*ARGS, "--out", blocker / "run", cwd=tmp_path)  # a folder inside a file
    (line,) = one_line(r)
    assert "file" in line


def test_a_full_disk_mid_run_with_the_default_output_folder(tmp_path, monkeypatch):
    from _cli import cli

    real = store.ChunkStore.write
    calls = []

    def fill_up(self, lo, hi, arrays):
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.path(lo, hi)))
        calls.append(lo)
        return real(self, lo, hi, arrays)

    monkeypatch.setattr(store.ChunkStore, "write", fill_up)
    r = cli(*ARGS, cwd=tmp_path)
    lines = one_line(r, code=1)
    assert "1 chunks saved in results/" in lines[0] and "--out results/" in lines[1]
