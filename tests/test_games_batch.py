"""Batched functions: agreement with single-game references, bitwise reproducibility."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_sim.games import (
    best_responses_batch,
    expected_payoffs_batch,
    logit_qre,
    logit_qre_batch,
    mixed_equilibria,
    mixed_equilibria_batch,
    pure_equilibria,
    pure_equilibrium_mask,
)

SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def batches(draw, max_r=6):
    """R same-shaped random games with 2-5 players (the simulation's sizes)."""
    n = draw(st.integers(2, 5))
    max_actions = {2: 4, 3: 3, 4: 2, 5: 2}[n]
    shape = tuple(draw(st.integers(2, max_actions)) for _ in range(n))
    R = draw(st.integers(1, max_r))
    rng = np.random.default_rng(draw(SEEDS))
    scale = draw(st.sampled_from([1.0, 10.0]))
    return [scale * rng.uniform(-1, 1, (R,) + shape) for _ in range(n)], rng


def random_strategies(rng, R, shape):
    out = []
    for k in shape:
        s = rng.random((R, k))
        out.append(s / s.sum(axis=1, keepdims=True))
    return out


def einsum_expected_payoffs(p, strategies, i):
    """Reference: player i's payoff of each own action (plain einsum, one game)."""
    n = p.ndim
    letters = "abcdefgh"[:n]
    operands = [p] + [s for j, s in enumerate(strategies) if j != i]
    spec = letters + "," + ",".join(letters[j] for j in range(n) if j != i) + "->" + letters[i]
    return np.einsum(spec, *operands)


@settings(deadline=None)
@given(batches())
def test_expected_payoffs_and_best_responses_match_references(data):
    payoffs, rng = data
    R, shape = payoffs[0].shape[0], payoffs[0].shape[1:]
    strategies = random_strategies(rng, R, shape)
    u = expected_payoffs_batch(payoffs, strategies)
    best = best_responses_batch(payoffs, strategies)
    for r in range(R):
        game = [p[r] for p in payoffs]
        strat = [s[r] for s in strategies]
        for i in range(len(shape)):
            ref = einsum_expected_payoffs(game[i], strat, i)
            np.testing.assert_allclose(u[i][r], ref, rtol=1e-12, atol=1e-12)
            assert best[i][r].any()
            np.testing.assert_array_equal(best[i][r], ref >= ref.max() - 1e-7 * np.ptp(game[i]))


def test_best_response_tolerance_and_ties():
    a = np.array([[[1.0, 0.0], [1.0, 0.0]]])  # row player indifferent
    b = np.array([[[0.0, 1.0], [1.0, 0.0]]])
    half = [np.full((1, 2), 0.5), np.full((1, 2), 0.5)]
    best = best_responses_batch([a, b], half)
    np.testing.assert_array_equal(best[0], [[True, True]])
    np.testing.assert_array_equal(best[1], [[True, True]])
    a2 = a + np.array([[[1e-12, 0.0], [0.0, 0.0]]])
    assert best_responses_batch([a2, b], half)[0].all()
    assert best_responses_batch([a2, b], half, tol=0.0)[0].tolist() == [[True, False]]


@settings(deadline=None)
@given(batches(max_r=8))
def test_pure_equilibrium_mask_matches_single_games(data):
    payoffs, _ = data
    # Coarse payoffs so that pure equilibria (and ties) are common.
    coarse = [np.round(p / 5.0) for p in payoffs]
    mask = pure_equilibrium_mask(coarse)
    assert mask.shape == coarse[0].shape and mask.dtype == bool
    for r in range(mask.shape[0]):
        assert [tuple(map(int, v)) for v in np.argwhere(mask[r])] == pure_equilibria(
            [p[r] for p in coarse]
        )


def test_pure_equilibrium_mask_tolerance():
    a = np.array([[[1.0, 0.0], [1.0 + 1e-12, 0.0]]])
    b = np.array([[[1.0, 0.0], [1.0, 0.0]]])
    assert not pure_equilibrium_mask([a, b])[0, 0, 0]
    assert pure_equilibrium_mask([a, b], tol=1e-9)[0, 0, 0]


# --- logit QRE batches -------------------------------------------------------------


def _bitwise_equal(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


@settings(deadline=None)
@given(batches(), st.floats(0.0, 12.0), st.randoms(use_true_random=False))
def test_logit_qre_batch_is_bitwise_independent_of_the_batch(data, lam, rnd):
    payoffs, rng = data
    R = payoffs[0].shape[0]
    lams = rng.uniform(0, lam, R)
    lams[rng.random(R) < 0.2] = 0.0  # some games finish at once
    full = logit_qre_batch(payoffs, lams)
    # A shuffled sub-batch, and one game alone, give identical bits.
    order = list(range(R))
    rnd.shuffle(order)
    sub = order[: max(1, R // 2)]
    part = logit_qre_batch([p[sub] for p in payoffs], lams[sub])
    assert _bitwise_equal([f[sub] for f in full], part)
    r = order[-1]
    alone = logit_qre_batch([p[r : r + 1] for p in payoffs], lams[r])
    assert _bitwise_equal([f[r : r + 1] for f in full], alone)
    single = logit_qre([p[r] for p in payoffs], lams[r])
    assert _bitwise_equal([f[r] for f in full], single)


@settings(deadline=None)
@given(batches(), st.floats(0.5, 8.0), st.randoms(use_true_random=False))
def test_warm_started_batch_is_bitwise_independent_of_the_batch(data, lam, rnd):
    payoffs, rng = data
    R = payoffs[0].shape[0]
    start = logit_qre_batch(payoffs, lam)
    moved = [p + rng.normal(0, 0.05, p.shape) for p in payoffs]
    # Some starts are garbage, to exercise the fallback to the principal branch.
    for s in start:
        s[rng.random(R) < 0.3] = np.eye(s.shape[1])[0]
    full = logit_qre_batch(moved, lam, start=start)
    order = list(range(R))
    rnd.shuffle(order)
    part = logit_qre_batch([m[order] for m in moved], lam, start=[s[order] for s in start])
    assert _bitwise_equal([f[order] for f in full], part)


def test_batch_matches_single_game_solves_and_lam_per_replicate():
    rng = np.random.default_rng(11)
    payoffs = [rng.uniform(-10, 10, (7, 2, 3, 2)) for _ in range(3)]
    lams = np.array([0.0, 0.5, 1.0, 3.0, 10.0, 30.0, 100.0])
    batch = logit_qre_batch(payoffs, lams)
    for r, lam in enumerate(lams):
        single = logit_qre([p[r] for p in payoffs], lam)
        for b, s in zip(batch, single):
            np.testing.assert_array_equal(b[r], s)
    assert [b.shape for b in batch] == [(7, 2), (7, 3), (7, 2)]


def test_every_shape_the_simulation_uses():
    rng = np.random.default_rng(5)
    for shape in [(2, 3, 2), (2, 2, 2, 2, 2), (4, 4), (3, 3, 3), (2, 4, 3, 2)]:
        payoffs = [rng.uniform(-10, 10, (20,) + shape) for _ in shape]
        for lam in (0.5, 5.0, 50.0):
            out = logit_qre_batch(payoffs, lam)
            for p, k in zip(out, shape):
                assert p.shape == (20, k)
                np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
            u = expected_payoffs_batch(payoffs, out)
            for ui, pi in zip(u, out):
                z = lam * ui
                q = np.exp(z - z.max(axis=1, keepdims=True))
                np.testing.assert_allclose(q / q.sum(axis=1, keepdims=True), pi, atol=1e-9)


def test_pure_equilibrium_mask_matches_an_explicit_loop():
    # pure_equilibrium_mask agrees with an explicit loop on a 3-player batch.
    rng = np.random.default_rng(2)
    payoffs = [rng.integers(0, 3, (4, 2, 3, 2)).astype(float) for _ in range(3)]
    mask = pure_equilibrium_mask(payoffs)
    for r in range(4):
        for prof in itertools.product(range(2), range(3), range(2)):
            ok = all(
                payoffs[i][(r,) + prof] >= max(
                    payoffs[i][(r,) + prof[:i] + (a,) + prof[i + 1:]] for a in range(payoffs[0].shape[1 + i])
                )
                for i in range(3)
            )
            assert mask[(r,) + prof] == ok


# --- mixed equilibria batches ---------------------------------------------------------


def _identical_equilibria(a, b):
    return len(a) == len(b) and all(
        np.array_equal(x, u) and np.array_equal(y, v) for (x, y), (u, v) in zip(a, b)
    )


@st.composite
def bimatrix_batches(draw):
    """R same-shaped bimatrix games, a mix of generic and small-integer (degenerate) ones."""
    m, n = draw(st.integers(2, 6)), draw(st.integers(2, 6))
    R = draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(SEEDS))
    A, B = rng.normal(size=(R, m, n)), rng.normal(size=(R, m, n))
    coarse = rng.random(R) < 0.5
    A[coarse] = np.round(2 * A[coarse])
    B[coarse] = np.round(2 * B[coarse])
    return A, B


@settings(deadline=None, max_examples=60)
@given(bimatrix_batches(), st.randoms(use_true_random=False))
def test_mixed_equilibria_batch_is_identical_to_single_games(data, rnd):
    A, B = data
    R = A.shape[0]
    full = mixed_equilibria_batch([A, B])
    assert len(full) == R
    for r in range(R):
        assert _identical_equilibria(full[r], mixed_equilibria((A[r], B[r])))
    order = list(range(R))
    rnd.shuffle(order)
    part = mixed_equilibria_batch([A[order], B[order]])
    for k, r in enumerate(order):
        assert _identical_equilibria(part[k], full[r])


def test_mixed_equilibria_batch_of_many_games_is_identical_to_single_games():
    # More games than one search chunk, half of them degenerate.
    rng = np.random.default_rng(11)
    A, B = rng.integers(-3, 4, (2, 70, 3, 4)).astype(float)
    A[1::2] += rng.normal(size=A[1::2].shape)
    batch = mixed_equilibria_batch([A, B])
    for r in range(70):
        assert _identical_equilibria(batch[r], mixed_equilibria((A[r], B[r])))


def test_mixed_equilibria_batch_input_checks():
    with pytest.raises(ValueError):
        mixed_equilibria_batch([np.zeros((0, 2, 2)), np.zeros((0, 2, 2))])
    with pytest.raises(ValueError):
        mixed_equilibria_batch([np.zeros((1, 2, 2))] * 3)
    with pytest.raises(ValueError):
        mixed_equilibria_batch([np.zeros((1, 2, 2)), np.zeros((1, 2, 3))])
    with pytest.raises(ValueError):
        mixed_equilibria_batch([np.zeros((1, 2, 2))] * 2, tol=0.0)
