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

Each chunk is *verified*: when it is written, a record beside it,
``chunk-000000-000999.json``, keeps its replicate span, its row count, its
columns and dtypes, the SHA-256 of its data (of the arrays, not of the file)
and the SHA-256 of the run spec. Resuming checks that the run spec matches
(scenario content, seed, replicates, chunk size, overrides, solution
concept, package version), then verifies every chunk on disk (its record,
its data's hash, the run it belongs to, its columns and dtypes, its
replicates and months, finite values) and reuses only the chunks that pass;
the others are recomputed, and the run says so.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np

from ..errors import UserError, excerpt

SPEC_FORMAT = 1
RECORD_FORMAT = 1
_CHUNK = re.compile(r"^chunk-(\d+)-(\d+)\.parquet$")


def check_out_name(out, key: str = "out") -> Path:
    """``out`` as a path that names a folder of its own (not ``/``, ``.`` or ``..``)."""
    out = Path(out)
    if out.name in ("", ".", ".."):
        raise UserError(f"{excerpt(str(out))} is not a folder name of its own; name a new folder, e.g. "
                        f"results/run1", key=key)
    return out


def partial_dir(out) -> Path:
    """The checkpoint folder of a run whose results go to ``out``."""
    out = check_out_name(out)
    return out.with_name(out.name + ".partial")


def chunk_name(lo: int, hi: int) -> str:
    """File name of the chunk of replicates ``lo..hi-1`` (both ends in the name)."""
    return f"chunk-{lo:06d}-{hi - 1:06d}.parquet"


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def spec_hash(spec: dict) -> str:
    """SHA-256 of a run spec (recorded with every chunk of that run)."""
    return _digest(spec)


def schema(arrays: dict) -> list[list[str]]:
    """A chunk's columns and dtypes, in order: ``[[name, dtype], ...]``."""
    return [[str(k), np.asarray(v).dtype.str] for k, v in arrays.items()]


def content_hash(arrays: dict) -> str:
    """SHA-256 of a chunk's data: each column's name, dtype, length and values, in order.

    Of the arrays, not of the parquet file, so it is checked on what is read back.
    """
    h = hashlib.sha256()
    for name, col in arrays.items():
        col = np.asarray(col)
        h.update(f"\x00{name}\x00{col.dtype.str}\x00{col.size}\x00".encode())
        if col.dtype == object:
            h.update("\x1f".join(map(str, col.ravel())).encode("utf-8", "surrogatepass"))
        else:
            h.update(np.ascontiguousarray(col).tobytes())
    return h.hexdigest()


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
    """The ``OUT.partial/`` folder of one run: its spec and its finished, verified chunks."""

    def __init__(self, folder: Path, spec: dict):
        self.folder = Path(folder)
        self.spec = spec
        self.spec_sha256 = spec_hash(spec)
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
            spec = json.loads((self.folder / "spec.json").read_text())
        except (OSError, ValueError):
            return None
        return spec if isinstance(spec, dict) else None

    def finished(self) -> dict[tuple[int, int], Path]:
        """Chunk files on disk: ``{(lo, hi): path}`` (verified only when read)."""
        out = {}
        if self.chunk_dir.is_dir():
            for p in self.chunk_dir.iterdir():
                m = _CHUNK.match(p.name)
                if m:
                    out[(int(m.group(1)), int(m.group(2)) + 1)] = p
        return out

    def path(self, lo: int, hi: int) -> Path:
        return self.chunk_dir / chunk_name(lo, hi)

    def record_path(self, lo: int, hi: int) -> Path:
        return self.path(lo, hi).with_suffix(".json")

    def write(self, lo: int, hi: int, arrays: dict) -> Path:
        """Save a finished chunk's record and then its columns (each atomically).

        The record first: a chunk file on disk always has its record (a kill
        between the two leaves a record alone, which is ignored), so every
        chunk file counts as saved; one that does not match its record is
        recomputed.
        """
        from ..abm.recorder import frame

        record = {"format": RECORD_FORMAT, "lo": int(lo), "hi": int(hi), "rows": int(len(arrays["replicate"])),
                  "spec_sha256": self.spec_sha256, "content_sha256": content_hash(arrays),
                  "columns": schema(arrays)}
        df = frame(arrays)
        path = self.path(lo, hi)
        _write_atomic(self.record_path(lo, hi), lambda p: p.write_text(json.dumps(record, indent=1)))
        _write_atomic(path, lambda p: df.to_parquet(p, index=False))
        _release_arrow_memory()
        return path

    def verify(self, lo: int, hi: int, ids, expect: "Expected | None" = None) -> tuple[dict | None, str]:
        """A saved chunk's columns if it passes every check, else ``(None, why)``.

        Checks: a record written by this run (its spec's hash), the data's
        hash, the columns and dtypes, the replicate ids, the months, and
        (against ``expect``, a reference run) where values may be non-finite.
        """
        import pandas as pd

        from ..abm.recorder import frame_arrays

        ids = np.asarray(ids)
        try:
            record = json.loads(self.record_path(lo, hi).read_text())
        except FileNotFoundError:
            return None, "it has no record of its hash (not written completely)"
        except (OSError, ValueError):
            return None, "its record is unreadable"
        if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
            return None, "its record is unreadable"
        if record.get("spec_sha256") != self.spec_sha256:
            return None, "it was written by a different run"
        if (record.get("lo"), record.get("hi")) != (lo, hi):
            return None, "its record is for other replicates"
        try:
            arrays = frame_arrays(pd.read_parquet(self.path(lo, hi)))
        except Exception:  # noqa: BLE001 - any damage: the chunk is recomputed
            return None, "the file is unreadable"
        _release_arrow_memory()
        if content_hash(arrays) != record.get("content_sha256"):
            return None, "its data does not match the hash recorded when it was written"
        why = check_chunk(arrays, ids, expect)
        if why:
            return None, why
        return arrays, ""

    def read(self, lo: int, hi: int, months: int, ids=None) -> dict | None:
        """A saved chunk's columns if it verifies (see ``verify``), else None."""
        ids = np.arange(lo, hi) if ids is None else np.asarray(ids)
        arrays, _ = self.verify(lo, hi, ids, Expected(months=months))
        return arrays

    def discard(self, lo: int, hi: int) -> None:
        """Remove a chunk that failed verification (it is recomputed)."""
        self.path(lo, hi).unlink(missing_ok=True)
        self.record_path(lo, hi).unlink(missing_ok=True)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _release_arrow_memory() -> None:
    """Hand back what pyarrow's allocator keeps after a chunk is written or read (else it stays with the process)."""
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):  # pragma: no cover - an old pyarrow
        pass


class Expected:
    """What a verified chunk must look like: from a reference run of the same job (``batches``).

    ``months``: rows per run; ``columns``: ``[[name, dtype], ...]``; ``steps``:
    one run's months, in order; ``nonfinite``: per column, a boolean mask over
    one run's months where the reference run has non-finite values (e.g.
    payoffs before the first month). Rows flagged in a ``failed`` column may
    be non-finite too.
    """

    def __init__(self, months: int, columns=None, steps=None, nonfinite: dict | None = None):
        self.months, self.columns, self.steps, self.nonfinite = int(months), columns, steps, nonfinite

    @classmethod
    def from_reference(cls, arrays: dict) -> "Expected":
        steps = np.asarray(arrays[_month_column(arrays)])
        months = steps.size
        nonfinite = {k: ~np.isfinite(v) for k, v in arrays.items() if np.asarray(v).dtype.kind == "f"}
        return cls(months, schema(arrays), steps, nonfinite)


def _month_column(arrays: dict) -> str:
    return "month" if "month" in arrays else "step"


def check_chunk(arrays: dict, ids, expect: Expected | None) -> str:
    """Why a chunk's columns are not what the run produces, or ``""``."""
    rep = arrays.get("replicate")
    months = expect.months if expect is not None else None
    if rep is None or _month_column(arrays) not in arrays:
        return "it has no replicate or month column"
    n = ids.size
    if months is None or rep.size != n * months:
        return f"it has {rep.size} rows, expected {n * (months or 0)}"
    if any(np.asarray(v).shape != (rep.size,) for v in arrays.values()):
        return "its columns differ in length"
    if expect.columns is not None and schema(arrays) != expect.columns:
        got, want = dict(map(tuple, schema(arrays))), dict(map(tuple, expect.columns))
        missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
        changed = sorted(k for k in set(got) & set(want) if got[k] != want[k])
        what = "; ".join(x for x in (missing and f"missing columns {', '.join(missing[:3])}",
                                     extra and f"unexpected columns {', '.join(extra[:3])}",
                                     changed and f"other dtypes in {', '.join(changed[:3])}") if x)
        return f"its columns differ from the run's ({what or 'in order'})"
    if not np.array_equal(rep, np.repeat(ids, months)):
        return "its replicate ids are not those of its runs"
    steps = np.asarray(arrays[_month_column(arrays)]).reshape(n, months)
    want_steps = expect.steps if expect.steps is not None else steps[0]
    if not (steps == np.asarray(want_steps)[None, :]).all():
        return "its months are not those of the run"
    failed = arrays.get("failed")
    failed = (np.asarray(failed) == 1) if failed is not None else np.zeros(rep.size, dtype=bool)
    for name, col in arrays.items():
        col = np.asarray(col)
        if col.dtype.kind != "f":
            continue
        bad = ~np.isfinite(col) & ~failed
        if expect.nonfinite is not None and name in expect.nonfinite:
            bad &= ~np.tile(expect.nonfinite[name], n)
        if bad.any():
            return f"{int(bad.sum())} non-finite values in {name}"
    return ""
