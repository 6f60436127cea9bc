"""Games played in turn (perfect information): agent logit QRE and subgame-perfect play by backward induction."""
import json
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from alliance_sim.games.sequential import logit_backward_induction, pure_backward_induction, realised_path

FIXTURE = Path(__file__).parent / "fixtures" / "gambit" / "sequential.json"


def test_agrees_with_gambits_agent_logit_qre():
    """pygambit's logit_solve_lambda on the same extensive games (benchmarks/make_gambit_sequential_fixtures.py)."""
    data = json.loads(FIXTURE.read_text())
    assert len(data["games"]) >= 10
    for game in data["games"]:
        payoffs = np.asarray(game["payoffs"], dtype=float)
        for lam, profile in zip(game["lams"], game["profiles"]):
            ours = logit_backward_induction([p[None] for p in payoffs], lam)
            for mine, theirs in zip(ours, profile):
                np.testing.assert_allclose(mine[0], np.asarray(theirs), atol=1e-7)


games = st.tuples(st.integers(2, 3), st.integers(2, 3), st.integers(2, 4)).flatmap(
    lambda shape: arrays(np.float64, (3, 4) + shape, elements=st.floats(-5, 5, allow_nan=False)))


@settings(deadline=None)
@given(games, st.floats(0.1, 20))
def test_behaviour_strategies_are_distributions_and_batches_do_not_mix(p, lam):
    payoffs = [p[i] for i in range(3)]  # 4 games of shape (a, b, c)
    together = logit_backward_induction(payoffs, lam)
    for sigma in together:
        np.testing.assert_allclose(sigma.sum(axis=-1), 1.0)
    for g in range(4):  # each game alone gives the same bits
        alone = logit_backward_induction([x[g:g + 1] for x in payoffs], lam)
        for a, b in zip(together, alone):
            assert np.array_equal(a[g:g + 1], b)


@settings(deadline=None)
@given(arrays(np.int64, (3, 1, 2, 3, 2), elements=st.integers(-9, 9)))
def test_high_precision_tends_to_subgame_perfect_play(p):
    """Without ties in any continuation value, logit play at high precision is the backward-induction play."""
    payoffs = [p[i].astype(float) for i in range(3)]
    spe = pure_backward_induction(payoffs)
    # continuation values must not tie for the limit to be a single action
    values = [x.copy() for x in payoffs]
    for i in range(2, -1, -1):
        v = values[i]
        top = np.sort(v, axis=-1)
        if np.any(top[..., -1] - top[..., -2] < 1e-9):
            return
        values = [(x * spe[i]).sum(axis=-1) for x in values]
    limit = logit_backward_induction(payoffs, 400.0)
    for a, b in zip(limit, spe):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_later_movers_answer_the_moves_before_them():
    """A leader who anticipates the answer: the follower takes what the leader leaves it."""
    # player 0 chooses L or R; player 1 then chooses l or r. 1 prefers l after L and r after R.
    u0 = np.array([[[3.0, 0.0], [1.0, 2.0]]])
    u1 = np.array([[[1.0, 0.0], [0.0, 1.0]]])
    lead, follow = pure_backward_induction([u0, u1])
    assert lead[0].tolist() == [1.0, 0.0] and follow[0].tolist() == [[1.0, 0.0], [0.0, 1.0]]
    path = realised_path([lead, follow], [np.array([0.5]), np.array([0.5])])
    assert [int(a[0]) for a, _ in path] == [0, 0]
    assert path[1][1].tolist() == [[1.0, 0.0]]  # the follower chose at the history that happened
