"""Calibrated parameter sets: read a calibration's accepted sets and give each replicate one of them.

``alliance-sim calibrate`` (``alliance_sim.explore.calibrate``) writes a folder
with ``accepted.csv`` (one row per accepted parameter set; ``accepted_READING.csv``
per reading of a contested figure) and ``manifest.json``. ``run``/``compare
--calibrated FILE`` take that folder or one of its ``accepted*.csv`` files and
draw each replicate's parameter set from the accepted rows.

What is carried over. Every column named as a parameter: the sampled
parameters (weights, rates) and the ``init_*`` starting values, which are the
calibration run's simulated state at the month before ``start`` (the month 0 of
a scenario starting then), not hand-set values. The ``init_*`` columns apply
only to a scenario starting at the calibrated ``start`` (every shipped scenario
starts 2025-01); for another start only the other parameters are carried and the
run's manifest says so. Other columns (``set``, ``implausibility``,
``I_<target>``) are records and are not carried.

Precedence. The scenario's own ``[parameters]`` and event values, and explicit
overrides (``--set``), win over the calibrated sets: a calibrated set fills only
the parameters the scenario leaves uncertain (``Scenario.uncertainty()``), so a
what-if's deliberate value (``escalation``'s casualty rate) is kept.

Reproducible draws. Replicate ``i`` takes row ``floor(u_i * rows)``, where
``u`` is the sequence of uniforms of a numpy Generator seeded by
``SeedSequence([seed, CALIBRATED_STREAM])``: the draws are made once, before
the run is cut into chunks, and replicate ``i``'s draw does not depend on the
number of replicates, the chunk size or the executor.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from .domain.parameters import PARAMETERS
from .errors import UserError

KIND = "calibrate"  # manifest kind of a calibration folder
CALIBRATED_STREAM = 0xCA11B  # separates these draws from the model's own streams (abm.streams)
INIT_PREFIX = "init_"
MAX_ROWS = 1_000_000


def _resolve(path) -> tuple[Path, Path]:
    """``(accepted csv, manifest.json)`` for a calibration folder or one of its ``accepted*.csv`` files."""
    p = Path(path)
    csv = p / "accepted.csv" if p.is_dir() else p
    file = str(path)
    if not csv.is_file():
        raise UserError("not a calibration folder or accepted*.csv file (file not found); allowed: the --out "
                        "folder of 'alliance-sim calibrate' or an accepted*.csv in it", file=file, key="--calibrated")
    if csv.suffix != ".csv" or not csv.name.startswith("accepted"):
        raise UserError(f"{csv.name!r} is not an accepted*.csv file; allowed: the --out folder of "
                        "'alliance-sim calibrate' or an accepted*.csv in it", file=file, key="--calibrated")
    man = csv.parent / "manifest.json"
    if not man.is_file():
        raise UserError("no manifest.json beside it; allowed: an accepted*.csv in a folder written by "
                        "'alliance-sim calibrate'", file=str(csv), key="--calibrated")
    return csv, man


def read_calibrated(path) -> tuple[object, dict, str]:
    """The carried-over columns of an accepted-sets file, its calibration manifest and the file's sha256.

    Raises
    ------
    UserError
        One line naming the file and what is wrong: missing file or manifest,
        not a calibration, no rows, no parameter column, a value that is not a
        number or lies outside the parameter's plausible range.
    """
    import pandas as pd

    csv, man_path = _resolve(path)
    try:
        man = json.loads(man_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise UserError(f"manifest.json is not valid JSON ({str(e)[:80]})", file=str(man_path)) from None
    if not isinstance(man, dict) or man.get("kind") != KIND:
        got = man.get("kind") if isinstance(man, dict) else type(man).__name__
        raise UserError(f"manifest kind {got!r}; allowed: {KIND!r} (a folder written by 'alliance-sim calibrate')",
                        file=str(man_path), key="kind")
    data = csv.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        df = pd.read_csv(csv)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as e:  # EmptyDataError is a ValueError
        raise UserError(f"not a readable CSV table ({str(e).splitlines()[0][:80]})", file=str(csv)) from None
    if len(df) == 0:
        raise UserError("no accepted parameter set (no rows); allowed: at least one row", file=str(csv))
    if len(df) > MAX_ROWS:
        raise UserError(f"{len(df):,} rows; allowed: at most {MAX_ROWS:,}", file=str(csv))
    names = [c for c in df.columns if c in PARAMETERS]
    if not names:
        raise UserError("no column names a parameter; allowed: parameter names (see 'alliance-sim parameters')",
                        file=str(csv), key="columns")
    for name in names:
        spec = PARAMETERS[name]
        col = pd.to_numeric(df[name], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(col) | (col < spec.low) | (col > spec.high)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise UserError(f"row {row + 1}: value {df[name].iloc[row]!r} not allowed; allowed: a number in "
                            f"[{spec.low:g}, {spec.high:g}] ({spec.unit})", file=str(csv), key=name)
        df[name] = col
    return df[names], man, digest


def draw_rows(rows: int, replicates: int, seed: int) -> np.ndarray:
    """Row index for each replicate: replicate ``i``'s draw depends only on ``seed`` and ``i``."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), CALIBRATED_STREAM])))
    u = rng.random(int(replicates))  # uniforms come one by one: any prefix is the same
    return np.minimum((u * rows).astype(np.int64), rows - 1)


def calibrated_overrides(path, replicates: int, seed: int, scenario=None) -> tuple[dict, dict]:
    """Per-replicate parameter arrays drawn from a calibration's accepted sets.

    Parameters
    ----------
    path : str or path
        A calibration folder (``accepted.csv``) or an ``accepted*.csv`` in one.
    replicates, seed : int
        The run's replicates and seed (the draws are reproducible from them).
    scenario : Scenario, optional
        The scenario to run: only the parameters it leaves uncertain are
        filled, and the ``init_*`` starting values only if it starts at the
        calibrated start.

    Returns
    -------
    overrides : dict
        ``{name: array of length replicates}``.
    info : dict
        For the run's manifest: file, sha256, reading, sets, rows drawn, which
        parameters were carried and whether the calibrated start applied.
    """
    df, man, digest = read_calibrated(path)
    names = list(df.columns)
    start = man.get("handoff", {}).get("start")
    start_applies = True
    if scenario is not None:
        open_ = set(scenario.uncertainty())
        start_applies = start is None or scenario.start == start
        names = [n for n in names if n in open_ and (start_applies or not n.startswith(INIT_PREFIX))]
    idx = draw_rows(len(df), replicates, seed)
    values = df[names].to_numpy(dtype=float)[idx]
    overrides = {name: values[:, k].copy() for k, name in enumerate(names)}
    info = {"file": str(path), "sha256": digest, "reading": man.get("reading_of", {}).get(Path(_resolve(path)[0]).name),
            "sets": int(len(df)), "distinct_sets_drawn": int(np.unique(idx).size), "parameters": names,
            "calibrated_start": start, "start_applied": bool(start_applies),
            "precedence": "the scenario's [parameters] and events, then --set, win over the calibrated sets"}
    return overrides, info
