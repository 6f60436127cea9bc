"""Verified checkpoints: a resumed run never trusts a damaged, edited or foreign chunk.

Each saved chunk has a record beside it (its span, its data's SHA-256, the run
spec's SHA-256, its columns); resuming verifies every chunk, recomputes those
that fail (with a warning naming them), and ends with the table of an
uninterrupted run, bit for bit.
"""
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import alliance_sim as a
from alliance_sim.abm.recorder import frame, frame_arrays
from alliance_sim.engine.batches import ChunkRecomputed, _Assembler
from alliance_sim.engine.store import ChunkStore, content_hash, partial_dir, schema

from _interrupt import interrupt_after

N, CHUNK = 20, 5
KW = dict(overrides={"rationality": 6.0}, chunk_size=CHUNK, figures=False)
VICTIM = "chunk-000005-000009"


@pytest.fixture(scope="module")
def reference():
    return a.run("baseline", N, seed=3, **{k: v for k, v in KW.items() if k != "figures"}).trajectories


def interrupted(tmp_path, monkeypatch, k=3):
    """A run into ``tmp_path/run`` stopped after ``k`` chunks; returns (out, chunks folder)."""
    interrupt_after(monkeypatch, k)
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        a.run("baseline", N, seed=3, out=out, **KW)
    monkeypatch.undo()
    return out, partial_dir(out) / "chunks"


def rewrite(chunks, edit, *, fix_record=False):
    """Apply ``edit(arrays)`` to the victim chunk and save it; with ``fix_record``, make its record agree."""
    path = chunks / f"{VICTIM}.parquet"
    arrays = frame_arrays(pd.read_parquet(path))
    arrays = edit(arrays)
    frame(arrays).to_parquet(path, index=False)
    if fix_record:
        rec_path = path.with_suffix(".json")
        rec = json.loads(rec_path.read_text())
        rec.update(content_sha256=content_hash(arrays), columns=schema(arrays))
        rec_path.write_text(json.dumps(rec))


def flip_bytes(chunks):
    path = chunks / f"{VICTIM}.parquet"
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    for i in range(mid, mid + 21):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def edit_value(chunks):
    def edit(arr):
        arr["alliance_strength"] = arr["alliance_strength"].copy()
        arr["alliance_strength"][7] += 0.125
        return arr
    rewrite(chunks, edit)


def nan_with_matching_record(chunks):
    def edit(arr):
        arr["war_intensity"] = arr["war_intensity"].copy()
        arr["war_intensity"][3] = np.nan
        return arr
    rewrite(chunks, edit, fix_record=True)


def dropped_column_with_matching_record(chunks):
    rewrite(chunks, lambda arr: {k: v for k, v in arr.items() if k != "blood_debt"}, fix_record=True)


def other_run(chunks):
    rec_path = chunks / f"{VICTIM}.json"
    rec = json.loads(rec_path.read_text())
    rec["spec_sha256"] = "0" * 64  # as if written by a run with another seed into the same folder
    rec_path.write_text(json.dumps(rec))


def no_record(chunks):
    (chunks / f"{VICTIM}.json").unlink()


def truncated(chunks):
    path = chunks / f"{VICTIM}.parquet"
    path.write_bytes(path.read_bytes()[:100])


DAMAGE = {
    "21 bytes flipped mid-file": (flip_bytes, ""),
    "a value edited": (edit_value, "does not match the hash"),
    "NaN written, record made to agree": (nan_with_matching_record, "non-finite values in war_intensity"),
    "a column dropped, record made to agree": (dropped_column_with_matching_record, "missing columns blood_debt"),
    "written by another run": (other_run, "different run"),
    "no record": (no_record, "no record"),
    "truncated": (truncated, "unreadable"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_chunk_is_detected_recomputed_and_the_table_is_exact(tmp_path, monkeypatch, reference, damage):
    out, chunks = interrupted(tmp_path, monkeypatch)
    assert len(list(chunks.glob("*.parquet"))) == 3 and len(list(chunks.glob("*.json"))) == 3
    spoil, reason = DAMAGE[damage]
    spoil(chunks)
    with pytest.warns(ChunkRecomputed) as caught:
        res = a.run("baseline", N, seed=3, out=out, resume=True, **KW)
    msg = str(caught[0].message)
    assert f"{VICTIM}.parquet" in msg and "failed verification and will be recomputed" in msg and reason in msg
    assert "\n" not in msg
    pd.testing.assert_frame_equal(res.trajectories, reference, check_exact=True)
    run = json.loads((out / "manifest.json").read_text())["run"]
    assert run["chunks_reused"] == 2 and run["chunks_recomputed"] == 1
    assert pd.read_parquet(out / "trajectories.parquet").equals(reference)


def test_intact_chunks_resume_without_a_warning(tmp_path, monkeypatch, reference):
    out, _ = interrupted(tmp_path, monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChunkRecomputed)
        res = a.run("baseline", N, seed=3, out=out, resume=True, **KW)
    assert res.meta["run"]["chunks_reused"] == 3 and res.meta["run"]["chunks_recomputed"] == 0
    pd.testing.assert_frame_equal(res.trajectories, reference, check_exact=True)


def test_every_damaged_chunk_is_recomputed(tmp_path, monkeypatch, reference):
    out, chunks = interrupted(tmp_path, monkeypatch)
    for p in chunks.glob("*.parquet"):
        p.write_bytes(p.read_bytes()[::-1])
    with pytest.warns(ChunkRecomputed, match="3 saved chunk"):
        res = a.run("baseline", N, seed=3, out=out, resume=True, **KW)
    assert res.meta["run"]["chunks_reused"] == 0 and res.meta["run"]["chunks_recomputed"] == 3
    pd.testing.assert_frame_equal(res.trajectories, reference, check_exact=True)


def test_the_cli_says_which_chunk_was_recomputed_in_one_line(tmp_path, monkeypatch):
    from _cli import cli

    out, chunks = interrupted(tmp_path, monkeypatch)
    flip_bytes(chunks)
    r = cli("run", "baseline", "-n", N, "--seed", 3, "--set", "rationality=6", "--chunk-size", CHUNK,
            "--no-figures", "--out", out, "--resume", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if "warning" in ln]
    assert len(lines) == 1 and lines[0].startswith("alliance-sim: warning: 1 saved chunk(s)") and VICTIM in lines[0]
    assert "Traceback" not in r.stderr


def test_the_content_hash_is_of_the_data_not_the_file(tmp_path):
    arrays = {"replicate": np.arange(4, dtype=np.int64), "step": np.ones(4, dtype=np.int64),
              "x": np.linspace(0, 1, 4)}
    h = content_hash(arrays)
    assert h == content_hash({k: v.copy() for k, v in arrays.items()})
    for change in ({"x": np.nextafter(arrays["x"], 2)}, {"x": arrays["x"].astype(np.float32)}):
        assert content_hash({**arrays, **change}) != h
    assert content_hash({k: arrays[k] for k in ("step", "replicate", "x")}) != h  # column order counts
    store = ChunkStore(tmp_path, {"a": 1})
    store.chunk_dir.mkdir(parents=True)
    store.write(0, 4, arrays)
    p = store.path(0, 4)
    pd.read_parquet(p).to_parquet(p, index=False, compression="gzip")  # another file, the same data
    got, why = store.verify(0, 4, np.arange(4), None)
    assert why == "" or why.startswith("it has")  # the data verifies (no reference given: rows unchecked)


def test_the_assembler_refuses_a_batch_with_other_columns():
    t = _Assembler([(0, 2), (2, 4)], 3)
    full = {"replicate": np.repeat(np.arange(2), 3), "step": np.tile(np.arange(1, 4), 2), "x": np.zeros(6)}
    t.put(0, full)
    with pytest.raises(RuntimeError, match="columns"):
        t.put(1, {k: v for k, v in full.items() if k != "x"})  # never an unfilled np.empty column
    with pytest.raises(RuntimeError, match="rows"):
        t.put(1, {k: v[:3] for k, v in full.items()})
    with pytest.raises(RuntimeError, match="missing"):
        t.result()


def test_a_sweep_checkpoint_is_verified_too(tmp_path, monkeypatch):
    from alliance_sim.explore import sweep

    ck = tmp_path / "ck"
    ref, _ = sweep("baseline", "lhs", n=12, seed=2, chunk_size=4, month=[6, 12])
    interrupt_after(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        sweep("baseline", "lhs", n=12, seed=2, chunk_size=4, month=[6, 12], checkpoint=ck)
    monkeypatch.undo()
    victim = sorted((partial_dir(ck) / "chunks").glob("*.parquet"))[0]
    victim.write_bytes(victim.read_bytes()[: len(victim.read_bytes()) // 2])
    with pytest.warns(ChunkRecomputed):
        again, _ = sweep("baseline", "lhs", n=12, seed=2, chunk_size=4, month=[6, 12], checkpoint=ck, resume=True)
    pd.testing.assert_frame_equal(again, ref, check_exact=True)


def test_dependency_floors_exclude_known_vulnerable_releases():
    """pyarrow 14.0.0 and earlier run code from a crafted Parquet file (CVE-2023-47248): never allowed."""
    import tomllib
    from pathlib import Path

    from packaging.requirements import Requirement

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    reqs = {Requirement(r).name.lower(): Requirement(r) for r in project["dependencies"]}
    extras = {Requirement(r).name.lower(): Requirement(r) for rs in project["optional-dependencies"].values()
              for r in rs}
    for name, bad, good, where in [("pyarrow", "14.0.0", "14.0.1", reqs), ("tqdm", "4.66.2", "4.66.3", reqs),
                                   ("dask", "2025.12.0", "2026.1.0", extras),
                                   ("pytest", "9.0.2", "9.0.3", extras)]:
        spec = where[name].specifier
        assert bad not in spec and good in spec, (name, str(spec))
