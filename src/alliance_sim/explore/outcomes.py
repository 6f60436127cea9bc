"""Outcomes of interest: a metric at a month, or a condition on it.

An outcome is written as a metric name (``"alliance_strength"``) or as a
comparison of a metric with a number (``"us_prk_deal > 0.5"``). The text is
parsed with a regular expression, never evaluated as code.
"""
from __future__ import annotations

import operator
import re
from dataclasses import dataclass

import numpy as np

from ..errors import UserError

OPERATORS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne,
             ">": operator.gt, "<": operator.lt}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_EXPR = re.compile(rf"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:(>=|<=|==|!=|>|<)\s*({_NUMBER}))?\s*$")


def metrics() -> list[str]:
    """The numeric metrics a run records, usable as outcomes (state variables,
    monthly casualties and each actor's realised payoff)."""
    from ..domain.metrics import outcome_metrics

    return outcome_metrics()


@dataclass(frozen=True)
class Outcome:
    """A metric, optionally compared with a number (``op`` and ``value``)."""

    metric: str
    op: str | None = None
    value: float | None = None

    @property
    def is_condition(self) -> bool:
        return self.op is not None

    def evaluate(self, values) -> np.ndarray:
        """The metric's values, or 1.0/0.0 where the condition holds (NaN stays NaN)."""
        v = np.asarray(values, dtype=float)
        if not self.is_condition:
            return v
        out = OPERATORS[self.op](v, self.value).astype(float)
        out[np.isnan(v)] = np.nan
        return out

    @property
    def slug(self) -> str:
        """A file-name-safe label."""
        if not self.is_condition:
            return self.metric
        names = {">": "gt", ">=": "ge", "<": "lt", "<=": "le", "==": "eq", "!=": "ne"}
        return f"{self.metric}_{names[self.op]}_{self.value:g}".replace(".", "p").replace("-", "m")

    def __str__(self) -> str:
        return self.metric if not self.is_condition else f"{self.metric} {self.op} {self.value:g}"


def parse_outcome(text, *, condition: bool | None = None, key: str = "outcome") -> Outcome:
    """Parse ``"METRIC"`` or ``"METRIC OP NUMBER"``.

    Parameters
    ----------
    text : str or Outcome
    condition : bool, optional
        ``True``: a comparison is required (scenario discovery); ``False``:
        only a metric name is allowed; ``None``: either.
    key : str
        Name of the option in error messages.

    Raises
    ------
    UserError
        Naming the allowed metrics and operators.
    """
    if isinstance(text, Outcome):
        out = text
    else:
        m = _EXPR.match(str(text))
        ops = ", ".join(OPERATORS)
        form = "METRIC OP NUMBER, e.g. 'us_prk_deal > 0.5'" if condition else \
            "METRIC or METRIC OP NUMBER, e.g. 'alliance_strength' or 'us_prk_deal > 0.5'"
        if condition is False:
            form = "a metric name, e.g. 'alliance_strength'"
        if not m:
            raise UserError(f"cannot read outcome {str(text)!r}; expected {form}; operators: {ops}", key=key)
        metric, op, value = m.groups()
        out = Outcome(metric, op, float(value) if value is not None else None)
    allowed = metrics()
    if out.metric not in allowed:
        raise UserError(f"unknown metric {out.metric!r} in outcome {str(text)!r}; allowed: {', '.join(allowed)}",
                        key=key)
    if condition and not out.is_condition:
        raise UserError(f"outcome {str(text)!r} needs a condition: METRIC OP NUMBER, e.g. "
                        f"'{out.metric} > 0.5'; operators: {', '.join(OPERATORS)}", key=key)
    if condition is False and out.is_condition:
        raise UserError(f"outcome {str(text)!r}: expected a metric name, e.g. 'alliance_strength'", key=key)
    return out
