"""NormalFormGame: construction, validation messages, representations."""

import numpy as np
import pytest

from alliance_sim.games import (
    NormalFormGame,
    best_responses_batch,
    expected_payoffs_batch,
    lemke_howson,
    logit_qre,
    logit_qre_batch,
    mixed_equilibria,
    pure_equilibria,
    pure_equilibrium_mask,
)
from alliance_sim.games import classic


def test_attributes_and_copy_semantics():
    a = np.array([[1, 2, 3], [4, 5, 6]])
    b = np.zeros((2, 3))
    g = NormalFormGame([a, b])
    assert g.n_players == 2
    assert g.shape == (2, 3)
    assert all(p.dtype == np.float64 for p in g.payoffs)
    assert isinstance(g.payoffs, tuple)
    # Read-only, and a copy: the caller's arrays are untouched.
    with pytest.raises(ValueError):
        g.payoffs[0][0, 0] = 10.0
    a[0, 0] = 100
    assert g.payoffs[0][0, 0] == 1.0
    b[0, 0] = 7.0  # still writeable for the caller
    assert g == NormalFormGame([[[1, 2, 3], [4, 5, 6]], np.zeros((2, 3))])


def test_three_players_and_stacked_array():
    stacked = np.arange(24, dtype=float).reshape(3, 2, 2, 2)
    g = NormalFormGame(stacked)
    assert g.n_players == 3 and g.shape == (2, 2, 2)
    np.testing.assert_array_equal(g.payoffs[2], stacked[2])


@pytest.mark.parametrize(
    "payoffs, message",
    [
        ([np.zeros((2, 2))], "at least 2 players"),
        ([np.zeros((2, 2)), np.zeros((2, 3))], "ragged payoffs.*player 1.*\\(2, 3\\)"),
        ([np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 2))], "player 0.*2 dimensions.*3-player"),
        ([np.zeros((1, 3)), np.zeros((1, 3))], "player 0 has 1 action"),
        ([np.zeros((3, 1)), np.zeros((3, 1))], "player 1 has 1 action"),
        ([np.array([[0, np.nan], [0, 0]]), np.zeros((2, 2))], "player 0.*NaN or inf.*\\(0, 1\\)"),
        ([np.zeros((2, 2)), np.array([[0, 0], [np.inf, 0]])], "player 1.*NaN or inf.*\\(1, 0\\)"),
        ([[["a", "b"], ["c", "d"]], np.zeros((2, 2))], "player 0 must be a numeric array"),
        ("not arrays", "sequence of arrays"),
    ],
)
def test_validation_messages(payoffs, message):
    with pytest.raises(ValueError, match=message):
        NormalFormGame(payoffs)


def test_solvers_accept_plain_arrays_and_games():
    pd = classic.prisoners_dilemma()
    arrays = [np.array(p) for p in pd.payoffs]
    assert pure_equilibria(arrays) == pure_equilibria(pd) == [(1, 1)]
    for x, y in (mixed_equilibria(arrays)[0], lemke_howson(arrays)):
        np.testing.assert_allclose(x, [0, 1])
        np.testing.assert_allclose(y, [0, 1])
    np.testing.assert_allclose(logit_qre(arrays, 1.0)[0], logit_qre(pd, 1.0)[0])


def test_two_player_only_solvers_reject_other_games():
    g3 = NormalFormGame(np.zeros((3, 2, 2, 2)))
    with pytest.raises(ValueError, match="two-player.*3 players"):
        mixed_equilibria(g3)
    with pytest.raises(ValueError, match="two-player.*3 players"):
        lemke_howson(g3)


def test_argument_validation():
    pd = classic.prisoners_dilemma()
    with pytest.raises(ValueError, match="initial_dropped_label.*0..3"):
        lemke_howson(pd, 4)
    with pytest.raises(ValueError, match="initial_dropped_label"):
        lemke_howson(pd, -1)
    with pytest.raises(ValueError, match="tol"):
        mixed_equilibria(pd, tol=0)
    with pytest.raises(ValueError, match="lam"):
        logit_qre(pd, -1.0)
    with pytest.raises(ValueError, match="lam"):
        logit_qre(pd, np.nan)
    batch = [p[None].repeat(3, axis=0) for p in pd.payoffs]
    with pytest.raises(ValueError, match=r"lam must be a scalar or an array of shape \(R,\)"):
        logit_qre_batch(batch, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"start\[1\] has shape"):
        logit_qre_batch(batch, 1.0, start=[np.full((3, 2), 0.5), np.full((2, 2), 0.5)])
    with pytest.raises(ValueError, match="non-negative"):
        logit_qre_batch(batch, 1.0, start=[np.full((3, 2), -0.5), np.full((3, 2), 0.5)])
    with pytest.raises(ValueError, match=r"batch payoffs of player 1 have shape \(2, 2\)"):
        logit_qre_batch([batch[0], pd.payoffs[1]], 1.0)
    with pytest.raises(ValueError, match="NaN or inf.*replicate 2"):
        bad = batch[0].copy()
        bad[2, 0, 0] = np.nan
        pure_equilibrium_mask([bad, batch[1]])
    with pytest.raises(ValueError, match=r"strategies of player 0 have shape"):
        expected_payoffs_batch(batch, [np.full((3, 3), 0.2), np.full((3, 2), 0.5)])
    with pytest.raises(ValueError, match="expected 2 strategy arrays"):
        best_responses_batch(batch, [np.full((3, 2), 0.5)])


def test_repr_and_html():
    bos = classic.battle_of_the_sexes()
    text = repr(bos)
    assert "NormalFormGame(2 players, shape (2, 2)" in text and "row payoffs" in text
    html = bos._repr_html_()
    assert html.count("<tr>") == 3 and "<td>3, 2</td>" in html and "<td>0, 0</td>" in html
    g3 = NormalFormGame(np.arange(3 * 2 * 3 * 2).reshape(3, 2, 3, 2))
    assert repr(g3) == "NormalFormGame(3 players, shape (2, 3, 2), payoffs in [0, 35])"
    html3 = g3._repr_html_()
    assert "3 players" in html3 and html3.count("<tr>") == 4
