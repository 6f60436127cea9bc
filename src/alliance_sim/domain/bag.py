"""Named scalars and replicate arrays with attribute access.

The shared base of ``Params`` and ``State``: values are floats or arrays whose
leading axis is the replicate axis. ``expand(k)`` appends ``k`` unit axes so a
value broadcasts against a ``(R, a_1, ..., a_k)`` payoff grid.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np


class Bag:
    __slots__ = ("_values", "_expanded")

    def __init__(self, values: Mapping[str, object]):
        object.__setattr__(self, "_values", dict(values))
        object.__setattr__(self, "_expanded", {})

    def __getattr__(self, name: str):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):  # immutability: derive new bags instead
        raise AttributeError(f"{type(self).__name__} is immutable; use .replace()")

    def __getstate__(self):
        return {"_values": self._values}

    def __setstate__(self, state):
        object.__setattr__(self, "_values", state["_values"])
        object.__setattr__(self, "_expanded", {})

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def as_dict(self) -> dict[str, object]:
        return dict(self._values)

    def replace(self, **changes):
        new = dict(self._values)
        new.update(changes)
        return type(self)(new)

    def expand(self, k: int):
        """The same values with ``k`` unit axes appended to arrays (remembered: bags are immutable)."""
        out = self._expanded.get(k)
        if out is None:
            tail = (1,) * k
            out = type(self)({n: (v.reshape(v.shape + tail) if isinstance(v, np.ndarray) else v)
                              for n, v in self._values.items()})
            self._expanded[k] = out
        return out
