"""Writing results: every output folder is written whole or not at all.

One writer for every command (``run``, ``compare``, ``sweep``,
``sensitivity``, ``discover``): tables, ``manifest.json`` and figures go to a
temporary sibling folder that is moved into place at the end. One manifest
builder: what was run and with which versions.
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import platform
import shutil
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from ..errors import UserError

FIGURE_DPI = 200
FIGURE_FORMATS = ("png", "svg", "pdf")
PACKAGE = "alliance-sim"


@functools.lru_cache(maxsize=1)
def source_commit() -> dict:
    """The git commit of the checkout the package runs from (``{}`` for an installed wheel or without git).

    ``{"commit": SHA, "dirty": bool}``: ``dirty`` when the checkout has uncommitted changes.
    """
    root = Path(__file__).resolve().parents[3]
    if not (root / ".git").exists() or not (root / "src" / "alliance_sim").is_dir():
        return {}
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {}
    return {"commit": sha, "dirty": bool(dirty)} if sha else {}


def environment() -> dict:
    """Versions of the package and the libraries that shape results, and the commit when run from a checkout."""
    from importlib.metadata import PackageNotFoundError, version

    from .._version import __version__

    out = {"package": PACKAGE, "version": __version__, **source_commit(), "python": platform.python_version()}
    for lib in ("numpy", "scipy", "pandas", "mesa", "SALib", "matplotlib"):
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:  # pragma: no cover - an optional library
            out[lib] = None
    return out


# ----------------------------------------------------------------------------- never lose a file
# Names an output folder written before manifests listed their files may hold.
_LEGACY = ("trajectories.parquet", "trajectories.csv", "summary.csv", "manifest.json", "figures", "comparison.csv",
           "comparison.png", "sweep.parquet", "sweep.csv", "boxes.csv", "limits.csv", "trajectory.csv")


def _files_in(folder: Path) -> list[str]:
    """Every file under ``folder``, as a relative POSIX path."""
    return sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if not p.is_dir())


def written_files(out: Path) -> set | None:
    """The files alliance-sim wrote into folder ``out`` (relative paths, from its manifest), or None if it did not.

    A manifest written before files were listed gives the names such folders hold.
    """
    try:
        man = json.loads((Path(out) / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(man, dict) or man.get("package") != PACKAGE:
        return None
    files = man.get("files")
    if isinstance(files, list):
        return {str(f) for f in files} | {"manifest.json"}
    legacy = set(_LEGACY) | {p.name for p in Path(out).glob("indices*.csv")} | {
        p.name for p in Path(out).glob("second_order*.csv")}
    return {f for f in _files_in(out) if f.split("/")[0] in legacy}


def _names(items, k: int = 3) -> str:
    items = sorted(items)
    return ", ".join(items[:k]) + (f" and {len(items) - k} more" if len(items) > k else "")


def check_out(out, overwrite: bool = False, *, key: str = "--out") -> Path:
    """Refuse an output folder whose writing would lose a file; call it before any work.

    ``out`` may be missing or an empty folder. A folder alliance-sim wrote
    (its manifest lists its files) is replaced only with ``overwrite``. A
    file, or a folder holding anything alliance-sim did not write, is
    always refused, naming it: nothing there is ever changed.
    """
    out = Path(out)
    if out.is_symlink() and not out.exists():
        raise UserError(f"{out} is a broken link; choose another folder", key=key)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} is a file, not a folder; alliance-sim never replaces a file: choose another "
                        f"folder", key=key)
    if not out.exists():
        for parent in out.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise UserError(f"{parent} is a file, not a folder; choose another folder", key=key)
                break
        return out
    entries = _files_in(out)
    if not entries:
        return out  # empty, or only empty folders: nothing to lose
    ours = written_files(out)
    if ours is None:
        raise UserError(f"{out} is not empty ({_names(entries)}) and was not written by alliance-sim; "
                        f"choose a new or empty folder (nothing was changed)", key=key)
    foreign = [e for e in entries if e not in ours]
    if foreign:
        raise UserError(f"{out} holds files alliance-sim did not write ({_names(foreign)}); move them or "
                        f"choose another folder (nothing was changed)", key=key)
    if not overwrite:
        raise UserError(f"{out} already holds alliance-sim results; pass --overwrite to replace them, or "
                        f"choose another folder", key=key)
    return out


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _finish(tmp: Path) -> None:
    """Give the new folder the user's normal permissions and list its files in its manifest."""
    mode = 0o777 & ~_umask()
    tmp.chmod(mode)
    man = tmp / "manifest.json"
    if man.is_file():
        try:
            data = json.loads(man.read_text())
        except ValueError:  # pragma: no cover - written by us just before
            return
        if isinstance(data, dict):
            data["files"] = _files_in(tmp)  # every file written, so --overwrite never removes another
            man.write_text(json.dumps(data, indent=2, default=str))


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
    """Write ``name.parquet`` (or ``name.csv`` when asked, or without pyarrow).

    ``df`` is a DataFrame, or a table on disk or in pieces (``output.table``:
    anything with ``pieces()``), copied one piece at a time.
    """
    if hasattr(df, "pieces"):
        from .table import write_pieces

        return write_pieces(df.pieces(), folder, name, table_format)
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


def check_figure_formats(formats) -> tuple:
    """Figure formats as a tuple, each one of ``FIGURE_FORMATS``."""
    if formats is None:
        return ("png",)
    items = [formats] if isinstance(formats, str) else list(formats)
    if not items:
        return ()  # no figures
    items = [f.strip().lower().lstrip(".") for item in items for f in str(item).split(",") if f.strip()]
    bad = [f for f in items if f not in FIGURE_FORMATS]
    if bad or not items:
        raise UserError(f"unknown figure format {', '.join(bad) or '(none)'}; allowed: {', '.join(FIGURE_FORMATS)}",
                        key="--figure-format")
    return tuple(dict.fromkeys(items))


def save_figure(fig, path, formats=("png",)) -> list[Path]:
    """Save ``fig`` as ``path`` with each format's suffix (PNG at ``FIGURE_DPI``); returns the paths."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for fmt in check_figure_formats(formats):
        p = path.with_suffix(f".{fmt}")
        fig.savefig(p, dpi=FIGURE_DPI, format=fmt, metadata={"Creator": PACKAGE})
        out.append(p)
    return out


def write_outputs(out, tables: dict, manifest: dict | None = None, figures: dict | None = None, *,
                  table_format: str = "parquet", overwrite: bool = False, figure_formats=("png",),
                  extra: dict | None = None) -> Path:
    """Write tables, ``manifest.json`` and figures into folder ``out``, atomically.

    ``tables`` maps a name to a DataFrame: ``"x.csv"`` is written as CSV,
    a bare name in ``table_format`` (a name may hold a folder, ``"a/b.csv"``).
    ``figures`` maps a relative name (``"figures/main_metrics"``) to a
    matplotlib figure, saved in each of ``figure_formats`` and closed. An
    existing ``out`` is replaced only if alliance-sim wrote it and
    ``overwrite`` is set (see :func:`check_out`). ``extra`` maps a file
    name to text written as is (e.g. the scenario file that was run).
    """
    out = Path(out)
    formats = check_figure_formats(figure_formats)
    with atomic_dir(out, overwrite=overwrite) as tmp:
        write_outputs_into(tmp, tables, manifest, figures, table_format=table_format, figure_formats=formats,
                           extra=extra)
    return out


def write_outputs_into(tmp: Path, tables: dict, manifest: dict | None = None, figures: dict | None = None, *,
                       table_format: str = "parquet", figure_formats=("png",), extra: dict | None = None) -> None:
    """The files of :func:`write_outputs`, into a folder being prepared (``atomic_dir``'s)."""
    import matplotlib.pyplot as plt

    tmp = Path(tmp)
    formats = check_figure_formats(figure_formats)
    for name, df in tables.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".csv"):
            df.to_csv(tmp / name, index=False)
        else:
            write_table(df, (tmp / name).parent, Path(name).name, table_format)
    for name, text in (extra or {}).items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(text, encoding="utf-8")
    if manifest is not None:
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    for name, fig in (figures or {}).items():
        save_figure(fig, tmp / name, formats)
        plt.close(fig)


def _remove_stale_temps(out: Path) -> None:
    """Remove the temporary folders ``.OUT.PID.xxxx`` of saves into ``out`` whose process is dead.

    A save killed outright (``kill -9``, a power cut) cannot clean up after
    itself; the next save into the same folder does.
    """
    import os
    import re

    pattern = re.compile(rf"^\.{re.escape(out.name)}\.(\d+)\.[A-Za-z0-9_]+$")
    try:
        siblings = list(out.parent.iterdir()) if out.parent.is_dir() else []
    except OSError:
        return
    for p in siblings:
        m = pattern.match(p.name)
        if not m or not p.is_dir() or p.is_symlink():
            continue
        pid = int(m.group(1))
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
            continue  # alive (or not ours to signal): leave it
        except ProcessLookupError:
            shutil.rmtree(p, ignore_errors=True)
        except (PermissionError, OverflowError, OSError):
            continue


@contextlib.contextmanager
def atomic_dir(out: Path, *, overwrite: bool = False):
    """Yield a temporary sibling folder of ``out``; move it into place on success, remove it on failure.

    So a failed or interrupted write leaves no half-written output. ``out``
    is checked first and again before the move (:func:`check_out`): an
    existing file, or a folder holding files alliance-sim did not write, is
    never touched; earlier alliance-sim results are replaced only with
    ``overwrite``. The folder gets the user's normal permissions (umask).
    """
    out = Path(out)
    check_out(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}.", dir=out.parent))  # pid: for clean-up
    try:
        yield tmp
        _finish(tmp)
        check_out(out, overwrite)  # again: something may have appeared there while we worked
        replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def replace_dir(src: Path, dst: Path) -> None:
    """Move a finished folder into place, replacing an older one of the same name (checked by ``check_out``)."""
    if dst.is_dir():
        old = Path(tempfile.mkdtemp(prefix=f".{dst.name}.old.", dir=dst.parent))  # a fresh name: clobbers nothing
        dst.rename(old / dst.name)
        src.rename(dst)
        shutil.rmtree(old, ignore_errors=True)
    else:
        src.rename(dst)
