"""Bueno de Mesquita's expected-utility model of group decisions.

Implemented from Scholz, Calbert & Smith (2011), "Unravelling Bueno De
Mesquita's Group Decision Model" (*Journal of Theoretical Politics* 23(4);
conference version ICAART 2011), whose appendix states the complete algorithm,
reconstructing Bueno de Mesquita (1994, 1997). Read, not copied: the paper, and
for where the authors' code departs from the printed formulas, the open
re-implementations that discuss it (jmckib/bdm-scholz-expected-utility-model,
dmasad/BDM_DecisionModel_Replication).

One issue is a line. Actor ``i`` has a position ``x_i``, a capability ``c_i``
and a salience ``s_i`` in [0, 1]. Each round:

1. every actor's risk exponent is set to ``r_i = 1``;
2. each actor ``i`` estimates the expected utility of challenging each ``j``::

       E(U_ij) = s_j [P_ij U_s + (1 - P_ij) U_f] + (1 - s_j) U_s
                 - Q U_sq - (1 - Q) [T U_b + (1 - T) U_w]

   with ``U_s = 2 - 4 (0.5 - 0.5 d)^r``, ``U_f = 2 - 4 (0.5 + 0.5 d)^r``,
   ``U_sq = 2 - 4 (0.5)^r``, ``U_b, U_w = 2 - 4 (0.5 -/+ 0.25 (|x_i - mu| + |x_i - x_j|)/D)^r``,
   ``d = |x_i - x_j| / D``, ``D`` the range of positions, ``mu`` the median and
   ``T = 1`` when ``mu`` is closer to ``i`` than ``x_j`` is (the four cases of
   Scholz et al.'s figures 1-4). ``P_ij`` is the probability that ``i``
   prevails, from the capability x salience weighted "votes" of all actors;
3. an actor's *security* is the sum of the others' expected utilities of
   challenging it; it is mapped to ``R_i`` in [-1, 1] and ``r_i = (1 - R_i/3)
   / (1 + R_i/3)`` (risk-averse ``r = 0.5`` for the most threatened, risk
   acceptant ``r = 2`` for the least), and the expected utilities are
   recomputed with these ``r``;
4. every actor looks at each other actor's position and classifies the pair by
   the two expected utilities ``a = E(U_ij)``, ``b = E(U_ji)`` as seen by ``i``:
   *confrontation* (``b > a > 0``: ``i`` loses and moves to ``x_j``),
   *compromise* (``b > 0 > a``, ``b > |a|``: ``i`` moves the fraction ``|a/b|``
   of the way to ``x_j``), *capitulation* (``b > 0 > a``, ``|a| >= b``: ``i``
   moves to ``x_j``), or nothing. Each actor accepts one offer: a confrontation
   if any, else a compromise, else a capitulation; all move at once.

Interpretations (each an explicit option, defaults reproduce Table 2):

``probability``
    ``"code"`` (default): the numerator of eq. 31 (votes for ``i`` over ``j``,
    each voter's distances raised to its own ``r``) over the sum of the
    absolute votes of every voter on *every* pair of actors' positions: the
    denominator of Scholz et al.'s code. ``"paper"``: the printed eq. 31,
    ``sum_k c_k s_k max(0, |x_k - x_j| - |x_k - x_i|) / sum_k c_k s_k
    | |x_k - x_j| - |x_k - x_i| |``, so that ``P_ij + P_ji = 1``. Only
    ``"code"`` reproduces the published table.
``compromise``
    Which of several compromise offers an actor accepts. ``"code"``
    (default): the special case of the authors' code, the offer whose
    |EU|-weighted average of the two positions,
    ``(|a| x_i + |b| x_j) / (|a| + |b|)``, is lowest. ``"least_move"``: the
    offer that moves the actor least, as the paper's prose says.
``perspective``
    Whose risk exponent evaluates ``E(U_ji)`` in step 4. ``"perceiver"``
    (default): the receiving actor ``i`` evaluates both with its own ``r_i``.
    ``"own"``: each challenger's own ``r``.
``capitulation``
    Whether the capitulation octant moves an actor (default ``True``).
``q``
    The probability that, absent a challenge, nothing changes. Scholz et al.
    use ``Q = 1`` for Table 2 (no value is given by Bueno de Mesquita); results
    are sensitive to it.
``position_range``
    ``"fixed"`` (default): ``D`` is the initial range; ``"dynamic"``: the
    current round's range.

Security in step 3 is computed with every ``r = 1``, so whether it reads as
"the adversaries' expected utility of challenging ``i``" or "``i``'s estimate
of it" makes no difference.

The median is the weighted median of the current positions (the Condorcet
winner of capability x salience votes); the mean is the capability x salience
weighted mean.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import UserError
from .compromise import ActorTable, actor_table, weighted_mean, weighted_median

__all__ = ["BDMResult", "bdm", "ec_emissions_example", "expected_utilities", "win_probabilities",
           "risk_exponents"]

_PROB = ("code", "paper")
_COMP = ("code", "least_move")
_PERSP = ("perceiver", "own")
_RANGE = ("fixed", "dynamic")


def ec_emissions_example() -> ActorTable:
    """Bueno de Mesquita's (1994) EC emission-standards case, as tabled by Scholz et al. (Table 1).

    When to introduce emission standards for medium-sized cars: position in
    years, capability, salience (published on 0-100, here divided by 100).
    """
    rows = [("Netherlands", 0.08, 4, 80), ("Belgium", 0.08, 7, 40), ("Luxembourg", 0.03, 4, 20),
            ("Germany", 0.16, 4, 80), ("France", 0.16, 10, 60), ("Italy", 0.16, 10, 60),
            ("UK", 0.16, 10, 90), ("Ireland", 0.05, 7, 10), ("Denmark", 0.05, 4, 100),
            ("Greece", 0.08, 7, 70)]
    return ActorTable(tuple(r[0] for r in rows), np.array([r[2] for r in rows], float),
                      np.array([r[1] for r in rows], float), np.array([r[3] / 100 for r in rows], float))


def _distance_utils(x, D, r):
    """u[k, a] = (|x_k - x_a| / D) ** r_k: voter k's disutility of position a."""
    return (np.abs(x[:, None] - x[None, :]) / D) ** r[:, None]


def win_probabilities(x, c, s, r, D, probability="code") -> np.ndarray:
    """``P[i, j]``: the probability that ``i`` prevails over ``j`` (0 where ``x_i == x_j``).

    Parameters
    ----------
    x, c, s, r : ndarray, shape (n,)
        Positions, capabilities, saliences, risk exponents.
    D : float
        Range of the issue scale used to normalise distances.
    probability : {"code", "paper"}
        See the module docstring.
    """
    w = c * s
    if probability == "paper":
        u = np.abs(x[:, None] - x[None, :])  # u[k, a] = |x_k - x_a|
        votes = w[:, None, None] * (u[:, None, :] - u[:, :, None])  # [k, i, j]: k's votes for i over j
        num = np.clip(votes, 0, None).sum(0)
        den = np.abs(votes).sum(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            P = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.5)
    else:
        u = _distance_utils(x, D, r)
        votes = w[:, None, None] * (u[:, None, :] - u[:, :, None])
        num = np.clip(votes, 0, None).sum(0)
        den = np.abs(votes).sum()
        P = num / den if den > 0 else np.full_like(num, 0.5)
    P = np.where(np.isclose(x[:, None], x[None, :], rtol=0, atol=1e-12), 0.0, P)
    return P


def expected_utilities(x, c, s, r, D, *, q=1.0, mu=None, probability="code") -> np.ndarray:
    """``E[p, i, j]``: actor ``p``'s estimate of ``i``'s expected utility of challenging ``j``.

    ``p`` evaluates the utilities with its own risk exponent ``r_p``; the
    probability ``P_ij`` is common to all. The diagonal ``i == j`` is 0.

    Parameters
    ----------
    x, c, s, r : ndarray, shape (n,)
    D : float
    q : float
        Probability of the status quo absent a challenge.
    mu : float, optional
        The current median (needed when ``q < 1``).
    probability : {"code", "paper"}

    Returns
    -------
    ndarray, shape (n, n, n)
    """
    P = win_probabilities(x, c, s, r, D, probability)
    d = np.abs(x[:, None] - x[None, :]) / D  # [i, j]
    rp = r[:, None, None]
    Us = 2 - 4 * (0.5 - 0.5 * d[None]) ** rp
    Uf = 2 - 4 * (0.5 + 0.5 * d[None]) ** rp
    Usq = 2 - 4 * 0.5 ** rp
    E = s[None, None, :] * (P[None] * Us + (1 - P[None]) * Uf) + (1 - s[None, None, :]) * Us - q * Usq
    if q != 1.0:
        mu = weighted_median(ActorTable(tuple(map(str, range(len(x)))), x, c, s)) if mu is None else mu
        dm = np.abs(x - mu)[:, None] / D
        spread = np.clip(0.25 * (dm + d), 0, 0.5)
        Ub = 2 - 4 * (0.5 - spread[None]) ** rp
        Uw = 2 - 4 * (0.5 + spread[None]) ** rp
        T = (np.abs(x - mu)[:, None] < np.abs(x[:, None] - x[None, :])).astype(float)[None]
        E = E - (1 - q) * (T * Ub + (1 - T) * Uw)
    idx = np.arange(len(x))
    E[:, idx, idx] = 0.0
    return E


def risk_exponents(E1: np.ndarray) -> np.ndarray:
    """Risk exponents ``r_i`` from first-pass (all ``r = 1``) expected utilities.

    ``E1[i, j]`` is ``i``'s expected utility of challenging ``j``. Security of
    ``i`` is the column sum ``sum_j E1[j, i]`` (what the others expect from
    challenging ``i``); ``R_i = (2 sec_i - max - min) / (max - min)`` and
    ``r_i = (1 - R_i/3) / (1 + R_i/3)``, in [0.5, 2].
    """
    sec = E1.sum(axis=0)
    hi, lo = sec.max(), sec.min()
    if hi - lo <= 1e-15:
        return np.ones_like(sec)
    R = (2 * sec - hi - lo) / (hi - lo)
    return (1 - R / 3) / (1 + R / 3)


@dataclass
class BDMResult:
    """Rounds of the expected-utility model.

    Attributes
    ----------
    actor : tuple of str
    positions : ndarray, shape (rounds + 1, n)
        Row 0 the initial positions, row ``t`` after round ``t``.
    median, mean : ndarray, shape (rounds + 1,)
        Weighted median and weighted mean after each round (row 0: initial).
    risk : ndarray, shape (rounds, n)
        The risk exponents used in each round.
    moves : list of dict
        ``round, actor, kind, partner, from, to`` for every move.
    options : dict
        The interpretation options used.
    """

    actor: tuple[str, ...]
    positions: np.ndarray
    median: np.ndarray
    mean: np.ndarray
    risk: np.ndarray
    moves: list = field(default_factory=list)
    options: dict = field(default_factory=dict)

    @property
    def rounds(self) -> int:
        return self.positions.shape[0] - 1

    @property
    def final_median(self) -> float:
        return float(self.median[-1])

    @property
    def final_mean(self) -> float:
        return float(self.mean[-1])

    def table(self):
        """One row per round (0 = initial): ``round, median, mean``."""
        import pandas as pd

        return pd.DataFrame({"round": np.arange(self.rounds + 1), "median": self.median, "mean": self.mean})

    def positions_frame(self):
        """Tidy positions: ``round, actor, position``."""
        import pandas as pd

        t, n = self.positions.shape
        return pd.DataFrame({"round": np.repeat(np.arange(t), n), "actor": list(self.actor) * t,
                             "position": self.positions.ravel()})

    def moves_frame(self):
        import pandas as pd

        return pd.DataFrame(self.moves, columns=["round", "actor", "kind", "partner", "from", "to"])


def _check_options(q, rounds, probability, compromise, perspective, position_range):
    if not isinstance(rounds, (int, np.integer)) or isinstance(rounds, bool) or rounds < 0:
        raise UserError(f"rounds must be an integer >= 0, got {rounds!r}", key="bdm")
    try:
        qf = float(q)
    except (TypeError, ValueError):
        raise UserError(f"q must be a number in [0, 1], got {q!r}", key="bdm") from None
    if not 0.0 <= qf <= 1.0:
        raise UserError(f"q must be in [0, 1], got {q!r}", key="bdm")
    for name, val, allowed in (("probability", probability, _PROB), ("compromise", compromise, _COMP),
                               ("perspective", perspective, _PERSP), ("position_range", position_range, _RANGE)):
        if val not in allowed:
            raise UserError(f"{name} must be one of {', '.join(allowed)}; got {val!r}", key="bdm")
    return qf


def bdm(actors: Any, *, rounds: int = 8, q: float = 1.0, probability: str = "code",
        compromise: str = "code", perspective: str = "perceiver", capitulation: bool = True,
        position_range: str = "fixed") -> BDMResult:
    """Run Bueno de Mesquita's expected-utility model for ``rounds`` rounds.

    Parameters
    ----------
    actors : actor table
        ``actor, position, capability, salience`` (salience in [0, 1]); see
        :func:`alliance_sim.classic.compromise.actor_table`.
    rounds : int
        Rounds to run (Scholz et al. report eight).
    q : float
        Probability of the status quo absent a challenge (Scholz et al.: 1).
    probability, compromise, perspective, capitulation, position_range
        The interpretation options described in the module docstring.

    Returns
    -------
    BDMResult

    Notes
    -----
    Positions never leave the initial range: every move goes to another
    actor's position or part of the way towards it.

    Examples
    --------
    >>> res = bdm(ec_emissions_example(), rounds=2)
    >>> res.table().round(1)["median"].tolist()[:2]
    [7.0, 8.4]
    """
    t = actor_table(actors, where="bdm")
    qf = _check_options(q, rounds, probability, compromise, perspective, position_range)
    x = t.position.astype(float).copy()
    c, s, n = t.capability, t.salience, len(t)
    D0 = float(x.max() - x.min())
    history, medians, means, risks, moves = [x.copy()], [weighted_median(t)], [weighted_mean(t)], [], []
    for rnd in range(1, rounds + 1):
        D = D0 if position_range == "fixed" else float(x.max() - x.min())
        if D <= 0:  # everyone agrees: nothing left to bargain over
            history.append(x.copy()); medians.append(medians[-1]); means.append(means[-1])
            risks.append(np.ones(n))
            continue
        cur = t.with_positions(x)
        mu = weighted_median(cur)
        E1 = expected_utilities(x, c, s, np.ones(n), D, q=qf, mu=mu, probability=probability)[0]
        r = risk_exponents(E1)
        E = expected_utilities(x, c, s, r, D, q=qf, mu=mu, probability=probability)
        idx = np.arange(n)
        own = E[idx, idx, :]  # own[i, j] = E^i(U_ij), with r_i
        if perspective == "perceiver":
            seen = E[idx, :, idx]  # seen[i, j] = E^i(U_ji): i's estimate, with r_i
        else:
            seen = own.T  # E^j(U_ji) with r_j
        new = x.copy()
        for i in range(n):
            best = {}
            for j in range(n):
                if j == i or abs(x[j] - x[i]) <= 1e-12:
                    continue
                a, b = own[i, j], seen[i, j]
                if b > a > 0:
                    kind, target = "confrontation", x[j]
                elif b > 0 > a and b > abs(a):
                    kind, target = "compromise", x[i] + (x[j] - x[i]) * abs(a / b)
                elif capitulation and b > 0 > a:
                    kind, target = "capitulation", x[j]
                else:
                    continue
                if kind == "compromise" and compromise == "code":
                    key = (abs(a) * x[i] + abs(b) * x[j]) / (abs(a) + abs(b))
                else:
                    key = abs(target - x[i])
                if kind not in best or key < best[kind][0] - 1e-15:
                    best[kind] = (key, j, target)
            for kind in ("confrontation", "compromise", "capitulation"):
                if kind in best:
                    _, j, target = best[kind]
                    new[i] = target
                    moves.append(dict(round=rnd, actor=t.actor[i], kind=kind, partner=t.actor[j],
                                      **{"from": float(x[i]), "to": float(target)}))
                    break
        x = new
        cur = t.with_positions(x)
        history.append(x.copy()); medians.append(weighted_median(cur)); means.append(weighted_mean(cur))
        risks.append(r)
    opts = dict(q=qf, probability=probability, compromise=compromise, perspective=perspective,
                capitulation=bool(capitulation), position_range=position_range)
    return BDMResult(t.actor, np.array(history), np.array(medians), np.array(means),
                     np.array(risks).reshape(len(risks), n), moves, opts)
