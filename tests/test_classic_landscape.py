"""Axelrod & Bennett's landscape theory (alliance_sim.classic.landscape).

The Unix case (Axelrod & Bennett 1993, BJPS 23(2), the Unix-standards section):
nine firms with the sizes and types given in the paper, propensity 0 between a
specialist and a generalist and -1 within a type.

Provenance, stated honestly: the paper's printed minima, energies and basin
sizes could not be opened from this machine, so the expected values here are
derived by hand from the model's definition, independently of the code:
with zero cross-type propensity the energy splits into one "max-cut" per type,
``E = -2 (a (S - a) + b (G - b))`` (ordered pairs), where ``a`` and ``b`` are
the sizes of one side's specialists and generalists and S = 59.9, G = 63.8
the type totals. The best splits are {Sun, Prime} (29.9) vs {Apollo,
Intergraph, SGI} (30.0): 897.0, and {AT&T, IBM} (32.3) vs {DEC, HP} (31.5):
1017.45. So there are exactly two minima, {Sun, Prime, AT&T, IBM} vs the rest
and {Sun, Prime, DEC, HP} vs the rest, both at E = -2 (897 + 1017.45) =
-3828.9 (ordered pairs; -1914.45 unordered). Relabelling the generalists'
sides maps each minimum to the other and commutes with the dynamics, so the
two basins have equal size: 128 of the 256 configurations each. As recalled
(not verified against the text), the paper reports the first of these as its
prediction, right for every firm but IBM.
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from alliance_sim.classic import landscape as L
from alliance_sim.errors import UserError


@pytest.fixture(scope="module")
def unix():
    names, s, p = L.unix_example()
    return names, s, p, L.landscape(s, p, names)


def test_unix_two_minima_and_their_coalitions(unix):
    names, s, p, res = unix
    sides = [set(map(frozenset, res.sides(r))) for r in res.minima]
    expect = [{frozenset({"Sun", "Prime", "AT&T", "IBM"}), frozenset({"DEC", "HP", "Apollo", "Intergraph", "SGI"})},
              {frozenset({"Sun", "Prime", "DEC", "HP"}), frozenset({"AT&T", "IBM", "Apollo", "Intergraph", "SGI"})}]
    assert len(res.minima) == 2
    assert all(e in sides for e in expect)


def test_unix_energies_exact(unix):
    names, s, p, res = unix
    assert [res.energies[r] for r in res.minima] == pytest.approx([-3828.9, -3828.9], abs=1e-9)
    un = L.landscape(s, p, names, pairs="unordered")
    assert [un.energies[r] for r in un.minima] == pytest.approx([-1914.45, -1914.45], abs=1e-9)


@pytest.mark.parametrize("rule", ["steepest", "first"])
def test_unix_basins_exact(unix, rule):
    names, s, p, _ = unix
    res = L.landscape(s, p, names, rule=rule)
    assert len(res.configs) == 256
    assert sorted(np.bincount(res.basin).tolist()) == [128, 128]


def test_six_actor_landscape_splits_along_the_war():
    from alliance_sim.classic import load_inputs

    names, s, p = load_inputs().landscape_arrays()
    res = L.landscape(s, p, names)
    assert len(res.minima) == 1
    assert set(map(frozenset, res.sides(res.minima[0]))) == {frozenset({"USA", "KOR", "UKR"}),
                                                             frozenset({"RUS", "PRK", "CHN"})}


def _systems():
    def build(n):
        k = n * (n - 1) // 2
        return st.tuples(st.just(n), st.lists(st.floats(0.1, 10), min_size=n, max_size=n),
                         st.lists(st.floats(-1, 1), min_size=k, max_size=k))
    return st.integers(2, 7).flatmap(build)


def _matrix(n, vals):
    p = np.zeros((n, n))
    iu = np.triu_indices(n, 1)
    p[iu] = vals
    return p + p.T


@settings(deadline=None)
@given(_systems(), st.sampled_from(["steepest", "first"]), st.sampled_from(["ordered", "unordered"]))
def test_every_single_switch_from_a_minimum_raises_energy(sys_, rule, pairs):
    n, s, vals = sys_
    p = _matrix(n, vals)
    s = np.array(s)
    res = L.landscape(s, p, rule=rule, pairs=pairs)
    # the landscape's own numerical tolerance: a switch within it is neutral, not downhill
    tol = 2e-9 * max(1.0, float(np.abs(np.outer(s, s) * p).sum()))
    for r in res.minima:
        d = L.switch_deltas(res.configs[r], s, p, pairs=pairs)
        assert np.all(d >= -tol)
        # strictly, unless a switch is neutral (ties: e.g. an actor with zero propensities)
        assume(np.all(np.abs(d) > tol))
        assert np.all(d > 0)


@settings(deadline=None)
@given(_systems(), st.sampled_from(["steepest", "first"]))
def test_basins_partition_the_configuration_space(sys_, rule):
    n, s, vals = sys_
    res = L.landscape(np.array(s), _matrix(n, vals), rule=rule)
    k = 2 ** (n - 1)
    assert len(res.configs) == k and len({tuple(c) for c in res.configs}) == k
    assert res.basin.shape == (k,) and set(res.basin.tolist()) == set(range(len(res.minima)))
    for m, r in enumerate(res.minima):
        assert res.basin[r] == m  # each minimum lies in its own basin
    assert np.bincount(res.basin, minlength=len(res.minima)).sum() == k


@settings(deadline=None)
@given(_systems(), st.integers(0, 2 ** 6 - 1))
def test_energy_conventions_and_switch_deltas_agree(sys_, bits):
    n, s, vals = sys_
    s, p = np.array(s), _matrix(n, vals)
    c = np.array([(bits >> i) & 1 for i in range(n)])
    e_o, e_u = L.energy(c, s, p), L.energy(c, s, p, pairs="unordered")
    assert e_o == pytest.approx(2 * e_u, abs=1e-9)
    assert L.energy(1 - c, s, p) == pytest.approx(e_o, abs=1e-9)  # relabelling the sides changes nothing
    d = L.switch_deltas(c, s, p)
    for a in range(n):
        c2 = c.copy(); c2[a] ^= 1
        assert L.energy(c2, s, p) - e_o == pytest.approx(d[a], abs=1e-9)


def test_validation():
    with pytest.raises(UserError, match="symmetric"):
        L.landscape([1, 1], [[0, 1], [0, 0]])
    with pytest.raises(UserError, match="> 0"):
        L.landscape([1, 0], np.zeros((2, 2)))
    with pytest.raises(UserError, match="pairs"):
        L.landscape([1, 1], np.zeros((2, 2)), pairs="both")
