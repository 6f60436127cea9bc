"""Why an actor prefers what it prefers: its payoff broken into cited terms."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..domain.actors import ACTORS, ARENAS, STATUS_QUO, arenas_of, check_actor
from ..errors import UserError
from ..domain.mechanisms import Acts
from ..domain.metrics import action_column
from ..domain.parameters import Params
from ..domain.payoffs import terms_of
from ..domain.state import VARIABLES, State



@dataclass
class Explanation:
    """``table``: one row per term (value, weight, claims); ``by_action``: the terms under each own action."""

    actor: str
    table: object
    by_action: object
    profile: dict
    figure: object = None

    @property
    def total(self) -> float:
        return float(self.table["value"].sum())

    def __iter__(self):  # ``table, fig = explain(...)``
        yield self.table
        yield self.figure

    def __repr__(self) -> str:
        return f"<Explanation {self.actor} at {self.profile}: total {self.total:.3f}>\n{self.table.to_string()}"

    def _repr_html_(self) -> str:
        return (f"<p><b>{self.actor}</b> at {self.profile}: total payoff {self.total:.3f}</p>"
                + self.table.to_html(float_format="%.3f"))


def _arena(name: str):
    return next(a for a in ARENAS if a.name == name)


def _split_profile(actions: dict | None) -> dict[str, dict[str, int]]:
    """Map ``{actor: label}`` to ``{arena: {actor: index}}``, filling in the status quo.

    A label is an action of the actor (``"draw_down/seoul"``), in whichever of
    its arenas has it, or ``"arena:label"`` (``"crisis:limited"``).
    """
    out: dict[str, dict[str, int]] = {a.name: {} for a in ARENAS}
    for code, by_arena in STATUS_QUO.items():
        for arena, label in by_arena.items():
            out[arena][code] = _arena(arena).actions_of(code).index(label)
    for code, label in (actions or {}).items():
        code = check_actor(code)
        arena_name, sep, action = str(label).rpartition(":")
        arenas = [a for a in arenas_of(code) if (a.name == arena_name if sep else action in a.actions_of(code))]
        if not arenas:
            allowed = "; ".join(f"{a.name}: {', '.join(a.actions_of(code))}" for a in arenas_of(code))
            raise UserError(f"unknown action {label!r} for {code}; allowed: {allowed}", key=f"actions.{code}")
        arena = arenas[0]
        if action not in arena.actions_of(code):
            raise UserError(f"unknown {arena.name} action {action!r} for {code}; allowed: "
                            f"{', '.join(arena.actions_of(code))}", key=f"actions.{code}")
        out[arena.name][code] = arena.actions_of(code).index(action)
    return out


def _state(state, params: Params) -> State:
    base = State.initial(params, 1)
    if state is None:
        return base
    values = state.as_dict() if isinstance(state, State) else dict(state)
    unknown = [k for k in values if k not in VARIABLES]
    if unknown:
        raise UserError(f"unknown state variable {unknown[0]!r}; allowed: {', '.join(VARIABLES)}", key="state")
    return base.replace(**{k: np.atleast_1d(np.asarray(v, dtype=float))[:1] for k, v in values.items()})


def _values(actor, s, profile, p):
    acts = {name: Acts(_arena(name), {c: np.array([i]) for c, i in idx.items()}) for name, idx in profile.items()}
    return {t.name: float(np.ravel(t.value(s, acts[t.arena], p))[0]) for t in terms_of(actor)}


def explain(actor: str, state=None, actions: dict | None = None, *, params=None, overrides=None, figure: bool = True,
            context: str | None = None):
    """An actor's payoff at a state and action profile, term by term.

    Parameters
    ----------
    actor : str
        ISO alpha-3 code (USA, RUS, PRK, KOR, CHN, UKR).
    state : State or dict, optional
        State variables (scalars); missing ones take their January 2025 values.
    actions : dict, optional
        ``{actor: action}``, e.g. ``{"PRK": "draw_down/russia", "USA": "offer"}``, or
        ``"arena:action"`` (``"crisis:limited"``). Missing actors take the early-2025 status quo.
    params, overrides : optional
        A ``Params`` object, or parameter overrides by name.

    Returns
    -------
    Explanation
        ``.table`` (term, arena, value, weight parameter and value, claims, meaning),
        ``.by_action`` (each term's value under each of the actor's own actions,
        others' actions fixed) and ``.figure`` (a waterfall chart).
    """
    import pandas as pd

    code = check_actor(actor)
    p = params if params is not None else Params.build(overrides)
    s = _state(state, p)
    profile = _split_profile(actions)
    values = _values(code, s, profile, p)
    rows = [dict(term=t.name, arena=t.arena, value=values[t.name], weight=t.weight,
                 weight_value=float(np.ravel(getattr(p, t.weight))[0]), claims=", ".join(t.claims),
                 meaning=t.meaning) for t in terms_of(code)]
    table = pd.DataFrame(rows)

    # The same terms under each of the actor's own alternatives.
    columns = {}
    for arena in arenas_of(code):
        for i, action in enumerate(arena.actions_of(code)):
            alt = {k: dict(v) for k, v in profile.items()}
            alt[arena.name][code] = i
            vals = _values(code, s, alt, p)
            columns[f"{arena.name}:{action}"] = [vals[t.name] if t.arena == arena.name else np.nan
                                                 for t in terms_of(code)]
    by_action = pd.DataFrame(columns, index=table["term"])
    shown = {c: _label(profile, c) for c in ACTORS}
    fig = None
    if figure:
        from .figures import explain_chart
        others = ", ".join(f"{c} {v}" for c, v in shown.items() if c != code)
        where = context or "the given state"
        fig = explain_chart(table, title=f"{code}'s stage payoff by term when it plays {shown[code]}\n"
                                         f"{where}; others: {others}")
    return Explanation(code, table, by_action, shown, fig)


def _label(profile, code) -> str:
    return "; ".join(a.actions_of(code)[profile[a.name][code]] for a in arenas_of(code, recorded_only=True))


def scenario_context(scenario, month: int, replicates: int = 200, seed: int = 0, overrides=None):
    """The mean state, parameters and modal actions of a scenario at ``month``.

    Runs the scenario to ``month``; the state is the replicates' mean as that
    month's games are played (after its events), the parameters include every
    event up to it, and the actions are each actor's most common choice in it.
    """
    from ..abm.model import AllianceModel

    model = AllianceModel(scenario, replicates=replicates, seed=seed, overrides=overrides)
    if not 1 <= month <= model.horizon:
        raise UserError(f"month {month} outside the scenario; allowed: 1 to {model.horizon}", key="month")
    model.run(month)
    before, params = model.solved_at
    df = model.trajectories()
    at = df[df["step"] == month]
    actions = {code: str(at[action_column(code)].mode().iloc[0]) for code in ACTORS}
    state = {k: float(np.mean(v)) for k, v in before.as_dict().items()}
    return state, params, actions


def arena(name: str):
    """The stage game ``name`` (``"bargain"``, ``"front"``, ``"crisis"``): its players, actions, order."""
    names = [a.name for a in ARENAS]
    if name not in names:
        raise UserError(f"unknown arena {name!r}; allowed: {', '.join(names)}", key="arena")
    return _arena(name)


def stage_game(name: str, state=None, *, params=None, overrides=None) -> list:
    """One arena's stage game at a state: each player's payoff array, one axis per player (in ``players`` order).

    Parameters
    ----------
    name : str
        The arena (see :func:`arena`).
    state : State or dict, optional
        State variables (scalars); missing ones take their January 2025 values.
    params, overrides : optional
        A ``Params`` object (e.g. from ``scenario_context``), or parameter overrides by name.

    Returns
    -------
    list of numpy.ndarray
        The game as the solvers of ``alliance_sim.games`` take it.
    """
    from ..domain.payoffs import arena_payoffs

    ar = arena(name)
    p = params if params is not None else Params.build(overrides)
    return [u[0] for u in arena_payoffs(ar, _state(state, p), p)]
