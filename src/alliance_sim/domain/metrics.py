"""What a run records: the metric columns of the tidy table and their names.

The one place for column names: the id columns, the metrics (every state
variable, then quantities derived from the state), the main metrics shown by
default, and the per-actor ``payoff_``/``action_`` columns. Adding a metric
means adding it here (and, for a state variable, in ``state.VARIABLES``).
"""
from __future__ import annotations

from .actors import ACTORS
from .mechanisms import obligation
from .state import VARIABLES

ID_COLUMNS: tuple[str, ...] = ("replicate", "step", "date")

# Derived metrics: name -> (unit, meaning, function of (state, params)). Recorded, never fed back.
DERIVED: dict[str, tuple] = {
    "russia_obligation": ("index 0-2", "Russia's obligation to PRK: alliance strength deepened by the blood debt",
                          obligation),
}
# Recorded by the model from the month's flows, not the state.
FLOWS: dict[str, tuple[str, str]] = {
    "prk_casualties_month": ("thousand", "PRK casualties this month"),
}

# Table order: the state variables with the derived metric after blood debt, then the flows.
_order = list(VARIABLES)
_order.insert(_order.index("blood_debt") + 1, "russia_obligation")
METRICS: tuple[str, ...] = tuple(_order) + tuple(FLOWS)

UNITS: dict[str, tuple[str, str]] = {**VARIABLES, **{k: v[:2] for k, v in DERIVED.items()}, **FLOWS}

MAIN_METRICS: tuple[str, ...] = ("war_intensity", "ceasefire", "front", "prk_troops_in_russia", "prk_casualties",
                                 "blood_debt", "tech_transfer", "alliance_strength", "sanctions_pressure",
                                 "us_russia_relations", "us_prk_talks", "us_prk_deal")

PAYOFF_PREFIX, ACTION_PREFIX = "payoff_", "action_"


def payoff_column(code: str) -> str:
    return PAYOFF_PREFIX + code


def action_column(code: str) -> str:
    return ACTION_PREFIX + code


def payoff_columns() -> list[str]:
    return [payoff_column(c) for c in ACTORS]


def action_columns() -> list[str]:
    return [action_column(c) for c in ACTORS]


def actor_of(column: str) -> str | None:
    """The actor code of a ``payoff_``/``action_`` column, else None."""
    for prefix in (PAYOFF_PREFIX, ACTION_PREFIX):
        if column.startswith(prefix):
            return column[len(prefix):]
    return None


def is_action(column: str) -> bool:
    return column.startswith(ACTION_PREFIX)


def outcome_metrics() -> list[str]:
    """Every numeric column an analysis may use as an outcome."""
    return list(METRICS) + payoff_columns()
