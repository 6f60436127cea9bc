"""Writing results: every output folder is written whole or not at all.

One writer for every command (``run``, ``compare``, ``sweep``,
``sensitivity``, ``discover``): tables, ``manifest.json`` and figures go to a
temporary sibling folder that is moved into place at the end. One manifest
builder: what was run and with which versions.
"""
from __future__ import annotations

import contextlib
import json
import platform
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

FIGURE_DPI = 110


def environment() -> dict:
    """Versions of the package and the libraries that shape results."""
    from importlib.metadata import PackageNotFoundError, version

    from .._version import __version__

    out = {"package": "alliance-sim", "version": __version__, "python": platform.python_version()}
    for lib in ("numpy", "scipy", "pandas", "mesa", "SALib"):
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:  # pragma: no cover - an optional library
            out[lib] = None
    return out


def manifest(kind: str, scenario, *, seed: int, solution: str, **facts) -> dict:
    """The manifest of an output folder: what ran (``kind``, scenario and its hash, seed, solution), facts, versions."""
    return {
        "kind": kind,
        "scenario": scenario.name, "scenario_path": scenario.path, "scenario_sha256": scenario.content_hash,
        "seed": int(seed), "solution": solution,
        **facts,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **environment(),
    }


def write_table(df, folder: Path, name: str, table_format: str = "parquet") -> Path:
    """Write ``name.parquet`` (or ``name.csv`` when asked, or without pyarrow)."""
    if table_format == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            table_format = "csv"
    path = Path(folder) / f"{name}.{table_format}"
    if table_format == "parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)
    return path


def write_outputs(out, tables: dict, manifest: dict | None = None, figures: dict | None = None, *,
                  table_format: str = "parquet") -> Path:
    """Write tables, ``manifest.json`` and figures into folder ``out``, atomically.

    ``tables`` maps a name to a DataFrame: ``"x.csv"`` is written as CSV,
    a bare name in ``table_format``. ``figures`` maps a relative name
    (``"figures/main_metrics"``) to a matplotlib figure, saved as PNG and closed.
    """
    import matplotlib.pyplot as plt

    out = Path(out)
    with atomic_dir(out) as tmp:
        for name, df in tables.items():
            if name.endswith(".csv"):
                df.to_csv(tmp / name, index=False)
            else:
                write_table(df, tmp, name, table_format)
        if manifest is not None:
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
        for name, fig in (figures or {}).items():
            path = tmp / f"{name}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(path, dpi=FIGURE_DPI)
            plt.close(fig)
    return out


@contextlib.contextmanager
def atomic_dir(out: Path):
    """Yield a temporary sibling folder of ``out``; move it into place on success, remove it on failure.

    So a failed or interrupted write leaves no half-written output.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def replace_dir(src: Path, dst: Path) -> None:
    """Move a finished folder into place, replacing an older one of the same name."""
    if dst.exists():
        old = dst.with_name(f".{dst.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        dst.rename(old)
        src.rename(dst)
        shutil.rmtree(old, ignore_errors=True)
    else:
        src.rename(dst)
