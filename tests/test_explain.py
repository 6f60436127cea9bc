"""explain(): an actor's payoff by term, with the claims behind each."""
import numpy as np
import pytest

import alliance_sim as a
from alliance_sim.output.explain import scenario_context


def test_terms_sum_to_the_total_and_cite_claims():
    e = a.explain("PRK", actions={"PRK": "draw_down/russia", "USA": "offer", "RUS": "reward/mediate"})
    assert {"term", "arena", "value", "claims", "weight"} <= set(e.table.columns)
    assert e.total == pytest.approx(e.table["value"].sum())
    assert e.table["claims"].str.len().min() > 0
    table, fig = e
    assert fig is not None and fig.axes


def test_by_action_shows_each_own_alternative():
    e = a.explain("RUS", figure=False)
    assert set(e.by_action.columns) == {"bargain:reward/mediate", "bargain:reward/block", "bargain:restrain/mediate",
                                        "bargain:restrain/block", "crisis:honour", "crisis:limited", "crisis:abandon"}


def test_state_overrides_change_the_breakdown():
    calm = a.explain("RUS", state={"personnel_shortage": 0.1}, figure=False)
    short = a.explain("RUS", state={"personnel_shortage": 0.9}, figure=False)
    v = lambda e: float(e.table.set_index("term").loc["secure_supply", "value"])  # noqa: E731
    assert v(short) > v(calm)


@pytest.mark.parametrize("bad, match", [
    (dict(actor="JPN"), "unknown actor 'JPN'; allowed: USA, RUS, PRK, KOR, CHN, UKR"),
    (dict(actor="PRK", actions={"PRK": "invade"}), "allowed: bargain: expand/refuse, sustain/refuse"),
    (dict(actor="PRK", state={"moon_phase": 1}), "unknown state variable 'moon_phase'"),
])
def test_bad_input_is_a_clear_error(bad, match):
    with pytest.raises(a.UserError, match=match):
        a.explain(figure=False, **bad)


def test_scenario_context_takes_state_and_modal_actions_from_a_run():
    state, params, actions = scenario_context("ukraine_ceasefire", month=12, replicates=30)
    assert state["ceasefire"] == 1.0
    assert set(actions) == {"USA", "RUS", "PRK", "KOR", "CHN", "UKR"}
    assert np.isfinite(list(state.values())).all()


def test_stage_game_is_the_models_own_game_at_a_state():
    """The public stage_game gives the arena's payoff arrays, one per player, as the model builds them."""
    import numpy as np

    from alliance_sim.domain.actors import BARGAIN
    from alliance_sim.domain.parameters import Params
    from alliance_sim.domain.payoffs import arena_payoffs
    from alliance_sim.domain.state import State

    game = a.stage_game("bargain", {"personnel_shortage": 0.5})
    p = Params.build()
    s = State.initial(p, 1).replace(personnel_shortage=np.array([0.5]))
    for mine, model in zip(game, arena_payoffs(BARGAIN, s, p)):
        assert mine.shape == BARGAIN.shape and np.array_equal(mine, model[0])
    assert a.arena("crisis").players == ("RUS",)
    with pytest.raises(a.UserError, match="unknown arena 'war'; allowed: bargain, front, crisis"):
        a.stage_game("war")
