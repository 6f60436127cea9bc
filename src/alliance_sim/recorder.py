"""Records each month's arrays and yields the tidy replicate x month table.

A faster stand-in for Mesa's DataCollector over array-valued agents: it keeps
one ``(R,)`` array per column per month and builds the DataFrame once.
"""
from __future__ import annotations

import numpy as np

from .actors import ACTORS, arenas_of
from .state import VARIABLES

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


class Recorder:
    def __init__(self, n: int, replicate_ids: np.ndarray, start: str):
        self.n = n
        self.replicate_ids = replicate_ids
        self.start = start
        self.steps: list[int] = []
        self.columns: dict[str, list[np.ndarray]] = {}

    def _put(self, name: str, values: np.ndarray) -> None:
        self.columns.setdefault(name, []).append(np.asarray(values))

    def record(self, step: int, state, actors: dict, casualties: np.ndarray) -> None:
        self.steps.append(step)
        for name in VARIABLES:
            self._put(name, getattr(state, name))
        self._put("prk_casualties_month", casualties)
        for code in ACTORS:
            agent = actors[code]
            self._put(f"payoff_{code}", agent.payoff)
            code_idx = np.zeros(self.n, dtype=np.int16)
            for arena in agent.arenas:
                code_idx = code_idx * len(arena.actions_of(code)) + agent.action[arena.name]
            self._put(f"action_{code}", code_idx)

    def frame(self):
        import pandas as pd

        H, R = len(self.steps), self.n
        dates = month_dates(self.start, max(self.steps) if self.steps else 0)
        data = {
            "replicate": np.tile(self.replicate_ids, H),
            "step": np.repeat(np.asarray(self.steps, dtype=np.int64), R),
            "date": np.repeat(np.asarray([dates[s - 1] for s in self.steps], dtype=object), R),
        }
        for name, arrays in self.columns.items():
            col = np.concatenate(arrays) if arrays else np.empty(0)
            if name.startswith("action_"):
                col = pd.Categorical.from_codes(col, categories=action_categories(name[7:]))
            data[name] = col
        df = pd.DataFrame(data)
        return df.sort_values(["replicate", "step"], kind="stable").reset_index(drop=True)
