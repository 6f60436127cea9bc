"""Records each month's arrays and yields the tidy replicate x month table.

A faster stand-in for Mesa's DataCollector over array-valued agents: it keeps
one ``(R,)`` array per column per month and builds the DataFrame once.
"""
from __future__ import annotations

import numpy as np

from ..domain.actors import ACTORS, arenas_of
from ..domain.state import VARIABLES

METRICS: tuple[str, ...] = tuple(VARIABLES) + ("prk_casualties_month",)


def month_dates(start: str, months: int) -> list[str]:
    y, m = (int(x) for x in start.split("-"))
    out = []
    for k in range(months):
        t = (m - 1) + k
        out.append(f"{y + t // 12:04d}-{t % 12 + 1:02d}")
    return out


def action_categories(code: str) -> list[str]:
    """All labels an actor's monthly action can take, in code order."""
    labels = [""]
    for arena in arenas_of(code):
        labels = [f"{a}/{b}" if a else b for a in labels for b in arena.actions_of(code)]
    return labels


_CATEGORIES = {code: action_categories(code) for code in ACTORS}


class Recorder:
    def __init__(self, n: int, replicate_ids: np.ndarray, start: str):
        self.n = n
        self.replicate_ids = replicate_ids
        self.start = start
        self.steps: list[int] = []
        self._data: dict[str, list[np.ndarray]] = {}
        self._radix = {code: [(a.name, len(a.actions_of(code))) for a in arenas_of(code)] for code in ACTORS}

    def _put(self, name: str, values: np.ndarray) -> None:
        self._data.setdefault(name, []).append(np.asarray(values))

    def record(self, step: int, state, actors: dict, casualties: np.ndarray) -> None:
        self.steps.append(step)
        for name in VARIABLES:
            self._put(name, getattr(state, name))
        self._put("prk_casualties_month", casualties)
        for code in ACTORS:
            agent = actors[code]
            self._put(f"payoff_{code}", agent.payoff)
            code_idx = None
            for arena, size in self._radix[code]:
                act = agent.action[arena]
                code_idx = act if code_idx is None else code_idx * size + act
            self._put(f"action_{code}", code_idx.astype(np.int16))

    def arrays(self) -> dict[str, np.ndarray]:
        """The table's columns in row order (replicate, then month); actions as integer codes.

        ``frame(recorder.arrays())`` is the tidy table; arrays of several
        chunks concatenate (``concat_arrays``) into one table built once.
        """
        H, R = len(self.steps), self.n
        dates = np.asarray(month_dates(self.start, max(self.steps) if self.steps else 0), dtype=object)
        steps = np.asarray(self.steps, dtype=np.int64)
        out = {
            "replicate": np.repeat(np.asarray(self.replicate_ids, dtype=np.int64), H),
            "step": np.tile(steps, R),
            "date": np.tile(dates[steps - 1] if H else dates[:0], R),
        }
        for name, values in self._data.items():
            # (H, R) stacked, transposed to replicate-major order.
            out[name] = np.stack(values, axis=1).reshape(-1) if values else np.empty(0)
        return out

    def frame(self):
        return frame(self.arrays())


def concat_arrays(parts: list[dict]) -> dict[str, np.ndarray]:
    """Columns of several chunks (in replicate order) as one set of columns."""
    if len(parts) == 1:
        return parts[0]
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


def frame(arrays: dict[str, np.ndarray]):
    """The tidy DataFrame from ``Recorder.arrays()`` columns (action codes become categoricals)."""
    import pandas as pd

    data = {}
    for name, col in arrays.items():
        if name.startswith("action_"):
            col = pd.Categorical.from_codes(col, categories=_CATEGORIES[name[7:]])
        data[name] = col
    return pd.DataFrame(data, copy=False)  # the columns are the table's own: no copy


def frame_arrays(df) -> dict[str, np.ndarray]:
    """The inverse of ``frame``: columns of a table read back (e.g. from parquet), exactly."""
    out = {}
    for name in df.columns:
        col = df[name]
        if name.startswith("action_"):
            cats = _CATEGORIES[name[7:]]
            if list(col.cat.categories) != cats:
                col = col.cat.set_categories(cats)
            out[name] = col.cat.codes.to_numpy().astype(np.int16)
        elif name == "date":
            out[name] = col.to_numpy(dtype=object)
        else:
            out[name] = col.to_numpy()
    return out
