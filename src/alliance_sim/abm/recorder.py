"""Records each month's arrays and yields the tidy replicate x month table.

The model's per-replicate record (Mesa's ``DataCollector`` keeps the
model-level series, see ``AllianceModel.datacollector``): one ``(R,)`` array
per column per month, the DataFrame built once at the end. Columns and their
order come from ``domain.metrics``.
"""
from __future__ import annotations

import numpy as np

from ..domain.actors import ACTORS, arenas_of
from ..domain.metrics import DERIVED, METRICS, action_column, actor_of, is_action, payoff_column
from ..domain.state import VARIABLES


def month_dates(start: str, months: int) -> list[str]:
    y, m = (int(x) for x in start.split("-"))
    out = []
    for k in range(months):
        t = (m - 1) + k
        out.append(f"{y + t // 12:04d}-{t % 12 + 1:02d}")
    return out


def month_datetimes(start: str, months) -> np.ndarray:
    """The first day of each month as ``datetime64[ns]``: month 1 is ``start``, month 0 the month before it."""
    return (np.datetime64(start, "M") + (np.asarray(months, dtype=np.int64) - 1).astype("timedelta64[M]")).astype("datetime64[ns]")


def action_categories(code: str) -> list[str]:
    """All labels an actor's monthly action can take, in code order."""
    labels = [""]
    for arena in arenas_of(code, recorded_only=True):
        labels = [f"{a}/{b}" if a else b for a in labels for b in arena.actions_of(code)]
    return labels


_CATEGORIES = {code: action_categories(code) for code in ACTORS}


def metric_values(name: str, state, params, flows: dict):
    """One metric's ``(R,)`` values at a state (with this month's flows)."""
    if name in VARIABLES:
        return getattr(state, name)
    if name in DERIVED:
        return DERIVED[name][2](state, params)
    return flows[name]


class Recorder:
    def __init__(self, n: int, replicate_ids: np.ndarray, start: str):
        self.n = n
        self.replicate_ids = replicate_ids
        self.start = start
        self.steps: list[int] = []
        self._data: dict[str, list[np.ndarray]] = {}
        self.latest: dict[str, np.ndarray] = {}  # the metrics of the month recorded last (the model's means read them)

    def _put(self, name: str, values: np.ndarray) -> None:
        self._data.setdefault(name, []).append(np.asarray(values))

    def _metrics(self, state, params, flows: dict) -> None:
        latest = self.latest = {}
        data = self._data
        for name in METRICS:
            v = latest[name] = np.asarray(metric_values(name, state, params, flows))
            col = data.get(name)
            if col is None:
                data[name] = [v]
            else:
                col.append(v)

    def record_initial(self, state, params, agents, flows: dict) -> None:
        """Keep month 0, the starting state: payoffs NaN, actions missing (no month has been played)."""
        self.steps.append(0)
        self._metrics(state, params, flows)
        for agent in agents:
            self._put(payoff_column(agent.code), np.full(self.n, np.nan))
            self._put(action_column(agent.code), np.full(self.n, -1, dtype=np.int16))

    def record(self, step: int, state, params, agents, flows: dict) -> None:
        """Keep month ``step``: every metric, and each agent's payoff and action code."""
        self.steps.append(step)
        self._metrics(state, params, flows)
        for agent in agents:
            self._put(payoff_column(agent.code), agent.payoff)
            self._put(action_column(agent.code), agent.action_code().astype(np.int16))

    def arrays(self) -> dict[str, np.ndarray]:
        """The table's columns in row order (replicate, then month); actions as integer codes.

        ``frame(recorder.arrays())`` is the tidy table.
        """
        H, R = len(self.steps), self.n
        steps = np.asarray(self.steps, dtype=np.int64)
        out = {
            "replicate": np.repeat(np.asarray(self.replicate_ids, dtype=np.int64), H),
            "month": np.tile(steps, R),
            "step": np.tile(steps, R),  # deprecated: the same as "month", kept for one release
            "date": np.tile(month_datetimes(self.start, steps), R),
        }
        for name, values in self._data.items():
            # (H, R) stacked, transposed to replicate-major order.
            out[name] = np.stack(values, axis=1).reshape(-1) if values else np.empty(0)
        return out

    def frame(self):
        return frame(self.arrays())


_DTYPES: dict = {}


def _dtype(code: str):
    """The categorical dtype of an actor's action column, made (and its categories checked) once."""
    out = _DTYPES.get(code)
    if out is None:
        import pandas as pd

        out = _DTYPES[code] = pd.CategoricalDtype(_CATEGORIES[code])
    return out


def frame(arrays: dict[str, np.ndarray]):
    """The tidy DataFrame from ``Recorder.arrays()`` columns (action codes become categoricals)."""
    import pandas as pd

    data = {}
    for name, col in arrays.items():
        if is_action(name):
            col = pd.Categorical.from_codes(col, dtype=_dtype(actor_of(name)))
        data[name] = col
    return pd.DataFrame(data, copy=False)  # the columns are the table's own: no copy


def frame_arrays(df) -> dict[str, np.ndarray]:
    """The inverse of ``frame``: columns of a table read back (e.g. from parquet), exactly."""
    out = {}
    for name in df.columns:
        col = df[name]
        if is_action(name):
            cats = _CATEGORIES[actor_of(name)]
            if list(col.cat.categories) != cats:
                col = col.cat.set_categories(cats)
            out[name] = col.cat.codes.to_numpy().astype(np.int16)
        elif name == "date":
            out[name] = col.to_numpy(dtype="datetime64[ns]")
        else:
            out[name] = col.to_numpy()
    return out
