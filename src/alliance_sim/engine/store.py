"""Checkpoints of an ensemble run, so an interrupted run can be resumed.

A run with an output folder ``OUT`` keeps its finished chunks in the sibling
folder ``OUT.partial/`` while it runs::

    OUT.partial/spec.json                          what is being run (written first)
    OUT.partial/chunks/chunk-000000-000999.parquet replicates 0..999, one file per finished chunk

Each chunk file is written to a temporary name and moved into place with
``os.replace``, so a file that exists is complete, whenever the process is
stopped (Ctrl-C, ``kill -9``, a power cut after the data reached the disk).
When the run completes, the results are saved to ``OUT`` (``Results.save``)
and ``OUT.partial/`` is removed.

Resuming checks that the run spec matches (scenario content, seed,
replicates, chunk size, overrides, solution concept, package version),
reuses the chunks on disk and computes only the missing ones.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np

from ..errors import UserError

SPEC_FORMAT = 1
_CHUNK = re.compile(r"^chunk-(\d+)-(\d+)\.parquet$")


def partial_dir(out) -> Path:
    """The checkpoint folder of a run whose results go to ``out``."""
    out = Path(out)
    return out.with_name(out.name + ".partial")


def chunk_name(lo: int, hi: int) -> str:
    """File name of the chunk of replicates ``lo..hi-1`` (both ends in the name)."""
    return f"chunk-{lo:06d}-{hi - 1:06d}.parquet"


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def _describe(value):
    """A JSON-able fingerprint of an override: the number, or an array's length and hash."""
    if isinstance(value, np.ndarray):
        arr = np.ascontiguousarray(value, dtype=np.float64)
        return {"array_sha256": hashlib.sha256(arr.tobytes()).hexdigest(), "length": int(arr.size)}
    return float(value)


def run_spec(job, chunk_size: int) -> dict:
    """What identifies a job's results: two jobs with equal specs give identical tables."""
    from .._version import __version__

    sc = job.scenario
    content = dict(name=sc.name, start=sc.start, horizon=sc.horizon, parameters=sc.parameters,
                   precision=sc.precision,
                   events=[dict(month=e.month, kind=e.kind, params=e.params, state_set=e.state_set,
                                state_add=e.state_add) for e in sc.events])
    spec = {
        "format": SPEC_FORMAT,
        "package_version": __version__,
        "scenario": sc.name,
        "scenario_file_sha256": sc.content_hash,
        "scenario_content_sha256": _digest(content),
        "seed": int(job.seed),
        "replicates": int(job.runs),
        "chunk_size": int(chunk_size),
        "solution": job.solution,
        "overrides": {k: _describe(v) for k, v in sorted(job.overrides.items())},
    }
    if not job.consecutive():  # a design: its runs' replicate ids, months and metrics identify it too
        spec["replicate_ids"] = _describe(job.ids)
    if job.months is not None or job.metrics is not None or job.isolate_failures:
        spec["kept"] = {"months": list(job.months or []), "metrics": list(job.metrics or []),
                        "isolate_failures": job.isolate_failures}
    return spec


def _show(v) -> str:
    if isinstance(v, dict) and "array_sha256" in v:
        return f"an array of {v['length']} (sha256 {v['array_sha256'][:8]})"
    if isinstance(v, str) and len(v) == 64:
        return v[:12]
    return "none" if v is None else str(v)


def spec_differences(stored: dict, spec: dict) -> list[str]:
    """Human-readable differences ``"seed 1 (now 2)"`` between two run specs."""
    out = []
    for key in spec:
        if key == "overrides":
            a, b = stored.get(key) or {}, spec[key]
            for name in sorted(set(a) | set(b)):
                if a.get(name) != b.get(name):
                    out.append(f"--set {name} {_show(a.get(name))} (now {_show(b.get(name))})")
        elif stored.get(key) != spec[key]:
            out.append(f"{key.replace('_', ' ')} {_show(stored.get(key))} (now {_show(spec[key])})")
    return out


def _write_atomic(path: Path, write) -> None:
    """``write(tmp_path)`` then move it to ``path``: the file is either absent or complete."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class ChunkStore:
    """The ``OUT.partial/`` folder of one run: its spec and its finished chunks."""

    def __init__(self, folder: Path, spec: dict):
        self.folder = Path(folder)
        self.spec = spec
        self.chunk_dir = self.folder / "chunks"

    @classmethod
    def open(cls, out, spec: dict, resume: bool) -> "ChunkStore":
        """The store of a run writing to ``out``, created or (``resume``) reopened.

        Without ``resume``, a partial run holding finished chunks is an error
        (it is neither reused nor deleted); with ``resume``, its spec must
        match ``spec``. A missing or empty partial folder starts afresh.
        """
        folder = partial_dir(out)
        store = cls(folder, spec)
        if folder.exists():
            done = store.finished()
            stored = store._read_spec()
            if done and not resume:
                raise UserError(f"{folder} holds an unfinished run ({len(done)} chunks done); pass --resume "
                                f"(resume=True) to continue it, or delete it to start over", key="out")
            if done and stored is None:
                raise UserError(f"{folder} has chunks but no readable spec.json; delete it to start over", key="out")
            if done and stored != spec:
                diff = spec_differences(stored, spec) or ["spec format"]
                raise UserError(f"cannot resume: {folder} was started with different settings: {'; '.join(diff)}; "
                                f"rerun with the original settings or delete it to start over", key="out")
            for tmp in store.chunk_dir.glob(".*.tmp"):  # left by a killed run
                tmp.unlink(missing_ok=True)
        store.chunk_dir.mkdir(parents=True, exist_ok=True)
        _write_atomic(folder / "spec.json", lambda p: p.write_text(json.dumps(spec, indent=2)))
        return store

    def _read_spec(self) -> dict | None:
        try:
            return json.loads((self.folder / "spec.json").read_text())
        except (OSError, ValueError):
            return None

    def finished(self) -> dict[tuple[int, int], Path]:
        """Chunks on disk: ``{(lo, hi): path}``."""
        out = {}
        if self.chunk_dir.is_dir():
            for p in self.chunk_dir.iterdir():
                m = _CHUNK.match(p.name)
                if m:
                    out[(int(m.group(1)), int(m.group(2)) + 1)] = p
        return out

    def path(self, lo: int, hi: int) -> Path:
        return self.chunk_dir / chunk_name(lo, hi)

    def write(self, lo: int, hi: int, arrays: dict) -> Path:
        """Save a finished chunk's columns (atomically)."""
        from ..abm.recorder import frame

        df = frame(arrays)
        path = self.path(lo, hi)
        _write_atomic(path, lambda p: df.to_parquet(p, index=False))
        return path

    def read(self, lo: int, hi: int, months: int, ids=None) -> dict | None:
        """A saved chunk's columns, or None if the file is missing, unreadable or not that chunk.

        ``ids`` are the replicate ids of runs ``lo..hi-1`` (default ``lo..hi-1``).
        """
        import pandas as pd

        from ..abm.recorder import frame_arrays

        try:
            arrays = frame_arrays(pd.read_parquet(self.path(lo, hi)))
        except Exception:  # noqa: BLE001 - a damaged chunk is recomputed
            return None
        rep = arrays.get("replicate")
        ids = np.arange(lo, hi) if ids is None else np.asarray(ids)
        if rep is None or rep.size != (hi - lo) * months or not np.array_equal(rep[::months], ids):
            return None
        return arrays

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
