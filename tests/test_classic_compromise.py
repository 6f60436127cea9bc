"""The baselines: capability x salience weighted mean and weighted median."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from alliance_sim.classic import compromise as C
from alliance_sim.errors import UserError


def _table(k):
    # positions on a 0.1 grid: real-valued ties at distances of 1e-190 are float artefacts, not votes
    return st.tuples(st.lists(st.integers(-50, 50).map(lambda v: v / 10), min_size=k, max_size=k),
                     st.lists(st.floats(0.01, 3), min_size=k, max_size=k),
                     st.lists(st.floats(0.01, 1), min_size=k, max_size=k))


tables = st.integers(2, 9).flatmap(_table)


@settings(deadline=None)
@given(tables, st.randoms(use_true_random=False))
def test_weighted_mean_is_invariant_to_actor_order(tbl, rnd):
    x, c, s = tbl
    perm = list(range(len(x)))
    rnd.shuffle(perm)
    a = C.weighted_mean({"position": x, "capability": c, "salience": s})
    b = C.weighted_mean({"position": [x[i] for i in perm], "capability": [c[i] for i in perm],
                         "salience": [s[i] for i in perm]})
    assert a == pytest.approx(b, rel=1e-12, abs=1e-12)
    assert min(x) - 1e-12 <= a <= max(x) + 1e-12


@settings(deadline=None)
@given(tables)
def test_weighted_median_beats_every_other_position(tbl):
    """Black: the weighted median loses no pairwise vote (capability x salience votes)."""
    x, c, s = (np.array(v) for v in tbl)
    w = c * s
    m = C.weighted_median({"position": x, "capability": c, "salience": s})
    assert m in set(x)
    for k in x:
        votes = np.sum(w * np.sign(np.abs(x - k) - np.abs(x - m)))  # > 0: more weight closer to m
        assert votes >= -1e-9


def test_examples():
    t = {"position": [0, 1, 2], "capability": [1, 1, 1], "salience": [1, 1, 1]}
    assert C.weighted_mean(t) == 1 and C.weighted_median(t) == 1
    t = {"position": [0, 10], "capability": [3, 1], "salience": [1, 1]}
    assert C.weighted_mean(t) == 2.5 and C.weighted_median(t) == 0


def test_validation():
    with pytest.raises(UserError, match="missing column 'salience'"):
        C.weighted_mean({"position": [0, 1], "capability": [1, 1]})
    with pytest.raises(UserError, match="at least two"):
        C.weighted_mean({"position": [0], "capability": [1], "salience": [1]})
    with pytest.raises(UserError, match="capability"):
        C.weighted_mean({"position": [0, 1], "capability": [-1, 1], "salience": [1, 1]})
    with pytest.raises(UserError, match="duplicate"):
        C.weighted_mean({"actor": ["a", "a"], "position": [0, 1], "capability": [1, 1], "salience": [1, 1]})
