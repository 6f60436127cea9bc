"""The side-by-side table: mappings and intervals (on a synthetic ensemble, so it runs in milliseconds)."""
import numpy as np
import pandas as pd
import pytest

from alliance_sim.classic.sidebyside import MAPPINGS, _wilson, abm_metric, side_by_side
from alliance_sim.errors import UserError


def _fake(n=100, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(n):
        for step in (0, 36):
            rows.append(dict(replicate=r, step=step, prk_troops_in_russia=rng.uniform(0, 20),
                             us_prk_deal=float(rng.uniform() < 0.3), ceasefire=0.0,
                             tech_transfer=rng.uniform(), sanctions_pressure=rng.uniform()))
    return pd.DataFrame(rows)


def test_table_has_every_shared_issue_with_real_intervals():
    tab = side_by_side(trajectories=_fake())
    assert list(tab["issue"]) == list(MAPPINGS)
    assert ((tab["abm_low"] <= tab["abm"]) & (tab["abm"] <= tab["abm_high"])).all()
    assert (tab["abm_high"] - tab["abm_low"] > 0).all()
    assert tab["mapping"].str.len().min() > 20


def test_share_interval_is_wilson_90():
    lo, hi = _wilson(30, 100)
    assert lo == pytest.approx(0.2306, abs=1e-3) and hi == pytest.approx(0.3790, abs=1e-3)
    assert _wilson(0, 200)[0] == 0.0 and 0 < _wilson(0, 200)[1] < 0.02


def test_deployment_share_is_the_models_own_scale():
    d = _fake()
    point, lo, hi, n = abm_metric(d, "prk_support")
    x = d[d.step == 36]["prk_troops_in_russia"]
    assert point == pytest.approx((x / (x + 10)).mean()) and n == 100


def test_unknown_month_or_issue():
    with pytest.raises(UserError, match="month 12"):
        abm_metric(_fake(), "tech_transfer", month=12)
    with pytest.raises(UserError, match="no ABM counterpart"):
        abm_metric(_fake(), "nope")
