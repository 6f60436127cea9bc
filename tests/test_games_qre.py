"""Logit QRE: known values, fixed-point properties, limits, warm starts."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_sim.games import (
    classic,
    expected_payoffs_batch,
    logit_qre,
    logit_qre_batch,
    mixed_equilibria,
)

SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def small_games(draw, max_players=4):
    """Random games with 2-4 players, 2-3 actions, payoffs of scale 1-10."""
    n = draw(st.integers(2, max_players))
    max_actions = {2: 4, 3: 3, 4: 2}[n]
    shape = tuple(draw(st.integers(2, max_actions)) for _ in range(n))
    scale = draw(st.sampled_from([1.0, 3.0, 10.0]))
    rng = np.random.default_rng(draw(SEEDS))
    return [scale * rng.uniform(-1, 1, shape) for _ in range(n)]


def logit_residual(payoffs, strategies, lam):
    """Max difference between the strategies and the logit response to them."""
    u = expected_payoffs_batch([p[None] for p in payoffs], [s[None] for s in strategies])
    worst = 0.0
    for ui, si in zip(u, strategies):
        z = lam * ui[0]
        q = np.exp(z - z.max())
        worst = max(worst, np.abs(q / q.sum() - si).max())
    return worst


# --- asymmetric matching pennies (McKelvey & Palfrey 1995) --------------------

# pygambit 16.7 logit_solve_lambda on the same game (row: up, down;
# column: left, right).
GAMBIT_AMP = {
    0.5: ([0.8306705917218129, 0.1693294082781871], [0.41807746659954526, 0.5819225334004546]),
    1.0: ([0.8935763305754392, 0.1064236694245609], [0.3127803748968523, 0.6872196251031477]),
    2.0: ([0.8607543943409784, 0.1392456056590215], [0.19107849431741095, 0.8089215056825891]),
    5.0: ([0.7019842367983296, 0.29801576320167045], [0.11713529134628273, 0.8828647086537172]),
}


def amp_by_bisection(lam):
    """High-accuracy independent solve of the 2x2 asymmetric matching pennies QRE.

    With p = P(up) and q = P(left): q = 1 / (1 + exp(lam (2p - 1))) and
    p = 1 / (1 + exp(-lam (10 q - 1))); p minus the right-hand side is
    increasing in p, so the root is unique and bisection finds it.
    """
    def gap(p):
        q = 1 / (1 + np.exp(lam * (2 * p - 1)))
        return p - 1 / (1 + np.exp(-lam * (10 * q - 1)))

    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if gap(mid) < 0 else (lo, mid)
    p = 0.5 * (lo + hi)
    return p, 1 / (1 + np.exp(lam * (2 * p - 1)))


@pytest.mark.parametrize("lam", sorted(GAMBIT_AMP))
def test_asymmetric_matching_pennies_matches_gambit(lam):
    x, y = logit_qre(classic.asymmetric_matching_pennies(), lam)
    np.testing.assert_allclose(x, GAMBIT_AMP[lam][0], atol=1e-8)
    np.testing.assert_allclose(y, GAMBIT_AMP[lam][1], atol=1e-8)


@pytest.mark.parametrize("lam", [0.05, 0.3, 1.0, 2.5, 7.0, 20.0, 60.0])
def test_asymmetric_matching_pennies_matches_bisection(lam):
    x, y = logit_qre(classic.asymmetric_matching_pennies(), lam)
    p, q = amp_by_bisection(lam)
    np.testing.assert_allclose([x[0], y[0]], [p, q], atol=1e-10)


def test_asymmetric_matching_pennies_known_behaviour():
    game = classic.asymmetric_matching_pennies()
    lams = [0.1, 0.5, 1, 2, 5, 10, 50, 200, 1000]
    up, left = zip(*[(x[0], y[0]) for x, y in (logit_qre(game, lam) for lam in lams)])
    # Own-payoff effect: the row player over-plays the 9-payoff row...
    assert all(u > 0.5 for u in up)
    # ...rising first, then falling back towards the equilibrium mix 1/2.
    assert up[2] > up[0] and all(a > b for a, b in zip(up[2:], up[3:]))
    # The column player's left probability falls monotonically towards 1/10.
    assert all(a > b for a, b in zip(left, left[1:]))
    (x_ne, y_ne), = mixed_equilibria(game)
    np.testing.assert_allclose([up[-1], left[-1]], [x_ne[0], y_ne[0]], atol=2e-3)


# --- properties -----------------------------------------------------------------


@settings(deadline=None)
@given(small_games())
def test_lam_zero_is_uniform(payoffs):
    for p, k in zip(logit_qre(payoffs, 0.0), payoffs[0].shape):
        np.testing.assert_array_equal(p, np.full(k, 1.0 / k))


@settings(deadline=None)
@given(small_games(), st.floats(0.01, 15.0))
def test_qre_is_a_positive_logit_fixed_point(payoffs, lam):
    strategies = logit_qre(payoffs, lam)
    for p, k in zip(strategies, payoffs[0].shape):
        assert p.shape == (k,)
        assert np.all(p > 0)
        assert abs(p.sum() - 1) < 1e-12
    assert logit_residual(payoffs, strategies, lam) < 1e-9


@settings(deadline=None)
@given(small_games(max_players=3), st.floats(0.1, 300.0))
def test_logit_regret_bound(payoffs, lam):
    # A logit response loses at most entropy / lam <= log(a) / lam against
    # the best reply, at every lam: a check that large lam approaches Nash.
    strategies = logit_qre(payoffs, lam)
    u = expected_payoffs_batch([p[None] for p in payoffs], [s[None] for s in strategies])
    for ui, si in zip(u, strategies):
        regret = ui[0].max() - ui[0] @ si
        assert regret <= np.log(len(si)) / lam + 1e-7 * np.abs(ui).max()


@settings(deadline=None)
@given(small_games(max_players=3), st.floats(0.1, 10.0), st.data())
def test_qre_depends_on_payoff_differences_times_lam(payoffs, lam, data):
    # Adding a constant to a player's payoffs changes nothing; scaling all
    # payoffs by s is the same as scaling lam by s.
    shifts = data.draw(st.lists(st.floats(-20, 20), min_size=len(payoffs), max_size=len(payoffs)))
    scale = data.draw(st.floats(0.2, 5.0))
    base = logit_qre(payoffs, lam)
    shifted = logit_qre([p + c for p, c in zip(payoffs, shifts)], lam)
    scaled = logit_qre([p * scale for p in payoffs], lam / scale)
    for a, b, c in zip(base, shifted, scaled):
        np.testing.assert_allclose(a, b, atol=1e-8)
        np.testing.assert_allclose(a, c, atol=1e-8)


@settings(deadline=None)
@given(small_games(max_players=3), st.randoms(use_true_random=False))
def test_relabelling_actions_permutes_the_qre(payoffs, rnd):
    perms = []
    for k in payoffs[0].shape:
        perm = list(range(k))
        rnd.shuffle(perm)
        perms.append(perm)
    ix = np.ix_(*perms)
    permuted = logit_qre([p[ix] for p in payoffs], 4.0)
    for a, b, perm in zip(logit_qre(payoffs, 4.0), permuted, perms):
        np.testing.assert_allclose(a[perm], b, atol=1e-8)


def test_large_lam_limiting_logit_selects_a_nash_equilibrium():
    # Generic (real-valued) games: isolated equilibria, one of which is the
    # limit of the principal branch (McKelvey & Palfrey 1995).
    rng = np.random.default_rng(3)
    for _ in range(20):
        A, B = 5 * rng.normal(size=(2, 3, 3))
        x, y = logit_qre((A, B), 1000.0)
        eqs = mixed_equilibria((A, B))
        assert min(max(abs(x - u).max(), abs(y - v).max()) for u, v in eqs) < 0.02


# --- warm starts ----------------------------------------------------------------


@settings(deadline=None)
@given(small_games(max_players=3), st.floats(0.5, 8.0), SEEDS)
def test_warm_start_from_a_nearby_game_returns_a_qre(payoffs, lam, seed):
    rng = np.random.default_rng(seed)
    batch = [p[None] for p in payoffs]
    start = logit_qre_batch(batch, lam)
    moved = [p + rng.normal(0, 0.01, p.shape) for p in batch]
    warm = logit_qre_batch(moved, lam, start=start)
    cold = logit_qre_batch(moved, lam)
    assert logit_residual([m[0] for m in moved], [w[0] for w in warm], lam) < 1e-9
    # From a nearby solution Newton stays on the same branch, which is the
    # principal branch unless the small change crossed a fold of it.
    if max(np.abs(w - c).max() for w, c in zip(warm, cold)) > 1e-6:
        assert max(np.abs(w - s).max() for w, s in zip(warm, start)) < 0.5


def test_warm_start_from_the_solution_and_from_garbage():
    game = [p[None] for p in classic.asymmetric_matching_pennies().payoffs]
    cold = logit_qre_batch(game, 2.0)
    again = logit_qre_batch(game, 2.0, start=cold)
    for a, b in zip(cold, again):
        np.testing.assert_allclose(a, b, atol=1e-12)
    # A start on the wrong side of everything still ends at the (unique) QRE,
    # by Newton or by the fallback to the principal branch.
    bad = logit_qre_batch(game, 2.0, start=[np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]])])
    for a, b in zip(cold, bad):
        np.testing.assert_allclose(a, b, atol=1e-9)


def test_warm_start_can_stay_on_a_non_principal_branch():
    # Stag hunt at lam = 10 has three QRE; the principal branch is near
    # (hare, hare), but a start near (stag, stag) is corrected to the QRE
    # near (stag, stag), as documented.
    game = [p[None] for p in classic.stag_hunt().payoffs]
    principal = logit_qre_batch(game, 10.0)
    assert principal[0][0, 1] > 0.99
    near_stag = [np.array([[0.99, 0.01]])] * 2
    warm = logit_qre_batch(game, 10.0, start=near_stag)
    assert warm[0][0, 0] > 0.99 and warm[1][0, 0] > 0.99
    assert logit_residual(classic.stag_hunt().payoffs, [w[0] for w in warm], 10.0) < 1e-9
