"""The speed work (issue 16) changed no result: bitwise identity, and the same model as a per-replicate reference.

- Committed hashes (``tests/fixtures/bitwise_hashes.txt``, written by
  ``benchmarks/bitwise_hashes.py`` BEFORE any optimisation) of every shipped
  scenario's table: each output must still hash the same.
- The optimised paths against the plain ones they replace, on random states,
  parameters and action profiles: payoff tensors (gated terms, running sums,
  replicate-last layout), realised payoffs read from the grids, backward
  induction's slice sums.
- The batched model against ``benchmarks/reference_model.py`` (Mesa agents,
  one replicate at a time, closed-form numpy solvers; the benchmark runs the
  same check with pygambit's solvers): per replicate, under common random
  numbers, the same trajectory.
"""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import bitwise_hashes  # noqa: E402

from alliance_sim.abm.model import AllianceModel  # noqa: E402
from alliance_sim.domain.actors import ARENAS, BARGAIN  # noqa: E402
from alliance_sim.domain.mechanisms import Acts  # noqa: E402
from alliance_sim.domain.parameters import PARAMETERS, Params  # noqa: E402
from alliance_sim.domain.payoffs import TERMS, arena_context, payoff_tensor, realised_payoff, terms_of  # noqa: E402
from alliance_sim.domain.state import State  # noqa: E402
from alliance_sim.domain.scenario import shipped  # noqa: E402


def _bits(x) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(x, dtype=float)).view(np.int64)


@pytest.mark.parametrize("scenario", shipped())
def test_every_shipped_scenario_is_bitwise_as_before_the_speed_work(scenario):
    """qre at 150 replicates and a single replicate (the hashes cover nash, pure and sweeps too:
    ``python benchmarks/bitwise_hashes.py`` checks them all)."""
    want = bitwise_hashes.read()
    import alliance_sim as a

    df = a.run(scenario, replicates=150, seed=7, solution="qre").trajectories
    assert f"{bitwise_hashes.table_hash(df)} {df.shape[0]}x{df.shape[1]}" == want[f"{scenario} qre R150"]
    df = AllianceModel(scenario, seed=7, replicate_ids=[5]).run().trajectories()
    assert f"{bitwise_hashes.table_hash(df)} {df.shape[0]}x{df.shape[1]}" == want[f"{scenario} qre N1"]


def _random_world(rng, n):
    from _strategies import BINARY, STATE_RANGES

    p = Params({k: (q.low + rng.random(n) * (q.high - q.low)) for k, q in PARAMETERS.items()})
    values = {k: lo + rng.random(n) * (hi - lo) for k, (lo, hi) in STATE_RANGES.items()}
    values.update({k: (rng.random(n) < 0.5).astype(float) for k in BINARY})
    return State(values), p


def _plain_tensor(terms, s, p, arena):
    """The payoff tensor as it was computed before the speed work: each term on a batch-first grid,
    terms of a shape summed in order, each group added to a zero grid."""
    k = len(arena.players)
    se, pe = s.expand(k), p.expand(k)
    a = Acts.grid(arena).bind(se, pe)
    groups = {}
    for t in terms:
        v = t.value(se, a, pe)
        groups[np.shape(v)] = groups[np.shape(v)] + v if np.shape(v) in groups else v
    total = np.zeros((s.n,) + arena.shape)
    for v in groups.values():
        total += v
    return total


def test_payoff_tensors_are_bitwise_the_plain_sum_of_their_terms():
    rng = np.random.default_rng(16)
    for n in (1, 5, 64, 64, 64):  # below GATE_MIN_REPLICATES gated terms take the whole grid
        s, p = _random_world(rng, n)
        s = s.replace(crisis=np.ones(n))
        for arena in ARENAS:
            context = arena_context(arena, s, p)
            for actor in arena.players:
                fast = payoff_tensor(terms_of(actor, arena.name), context, (n,) + arena.shape)
                plain = _plain_tensor(terms_of(actor, arena.name), s, p, arena)
                assert fast.shape == plain.shape
                assert np.array_equal(_bits(fast), _bits(plain)), (arena.name, actor)


def test_gated_terms_are_their_gate_times_what_they_are_without_it():
    """A term declared ``gate=(actor, action)`` is that action's 0/1 indicator times a factor that does not
    depend on it: on the full grid, the term equals the indicator times its value on the gated view."""
    rng = np.random.default_rng(3)
    gated = [t for t in TERMS if t.gate is not None]
    assert gated, "the bargain's talks terms are gated by the US offer"
    for _ in range(5):
        s, p = _random_world(rng, 16)
        k = len(BARGAIN.players)
        se, pe = s.expand(k), p.expand(k)
        a = Acts.grid(BARGAIN).bind(se, pe)
        for t in gated:
            full = t.value(se, a, pe)
            reduced = t.value(se, a.gated(*t.gate), pe)
            axis = 1 + BARGAIN.players.index(t.gate[0])
            assert np.shape(reduced)[axis] == 1  # nothing else in it depends on the gated actor
            want = np.broadcast_to(a.i(*t.gate) * reduced, np.broadcast_shapes(np.shape(full), np.shape(reduced)))
            assert np.array_equal(_bits(np.broadcast_to(full, want.shape)), _bits(want)), t.name


def test_realised_payoffs_read_from_the_grids_are_bitwise_the_terms_at_the_actions():
    rng = np.random.default_rng(5)
    for n in (1, 40, 40, 40):
        s, p = _random_world(rng, n)
        s = s.replace(crisis=np.ones(n))
        on_grid = {}
        for arena in ARENAS:
            context = arena_context(arena, s, p)
            for actor in arena.players:
                payoff_tensor(terms_of(actor, arena.name), context, (n,) + arena.shape, keep=on_grid)
        acts = {a.name: Acts(a, {c: rng.integers(0, len(a.actions_of(c)), n) for c in a.players}).bind(s, p)
                for a in ARENAS}
        for actor in {t.actor for t in TERMS}:
            fast = realised_payoff(terms_of(actor), s, acts, p, on_grid)
            plain = realised_payoff(terms_of(actor), s, acts, p)
            assert np.array_equal(_bits(fast), _bits(plain)), actor


def test_backward_induction_slice_sums_are_numpys_sums():
    from alliance_sim.games.sequential import _expected_last, _max_last, _sum_last

    rng = np.random.default_rng(0)
    for n, rows in itertools.product((2, 3, 4, 7, 8, 11), (1, 50)):
        x = rng.standard_normal((rows, 3, 4, n)) * 10.0 ** rng.uniform(-8, 8, (rows, 3, 4, n))
        y = rng.random((rows, 3, 4, n))
        assert np.array_equal(_bits(_sum_last(x)), _bits(x.sum(axis=-1)))
        assert np.array_equal(_bits(_max_last(x)), _bits(x.max(axis=-1)))
        assert np.array_equal(_bits(_expected_last(x, y)), _bits((x * y).sum(axis=-1)))


@pytest.mark.parametrize("scenario", ["baseline", "korean_crisis", "us_russia_settlement"])
def test_batched_model_is_the_per_replicate_reference_model(scenario):
    """Mesa agents, one replicate at a time, numpy solvers (``benchmarks/reference_model.py``), with the
    replicate's own random numbers: the same trajectory as that replicate of a batched run."""
    from reference_model import ReferenceModel

    from alliance_sim.domain.metrics import METRICS

    ids = np.array([0, 7, 19])
    model = AllianceModel(scenario, seed=11, replicate_ids=np.arange(20)).run()
    for r in ids:
        ref = ReferenceModel(scenario, replicate=int(r), seed=11, solver="numpy").run()
        fin = ref.final()
        from alliance_sim.abm.recorder import metric_values

        for m in METRICS:
            mine = metric_values(m, model.state, model.params, model.flows)[r]
            assert fin[m] == pytest.approx(float(mine), abs=1e-12), (m, r)


def test_model_speed_is_near_its_floor():
    """A generous CPU-time bound (real figures: ``benchmarks/ensemble.py``): 1,000 replicates x 36 months
    took ~0.56 s before the speed work and ~0.21 s after; fail only if it is far slower than that."""
    import time

    AllianceModel("baseline", replicates=50).run()
    t0 = time.process_time()
    AllianceModel("baseline", replicates=1000).run().trajectories()
    assert time.process_time() - t0 < 2.0
