"""Stokman & Van Oosten's exchange model of issue linkage, equal-gain rule.

Stokman, F. N. and Van Oosten, R. (1994), "The Exchange of Voting Positions:
An Object-Oriented Model of Policy Networks", in Bueno de Mesquita & Stokman
(eds), *European Community Decision Making*, Yale UP. Reimplemented from the
model's definitions; the GPL-licensed Decide program (foarsitter/decide-exchange-model)
was read, not copied, to check the rate of exchange and the limits on a shift.

Actors ``i`` hold positions ``x_id``, saliences ``s_id`` and capabilities
``c_id`` on several issues ``d``. The expected outcome of an issue is the
capability x salience weighted mean::

    O_d = sum_i c_id s_id x_id / W_d,        W_d = sum_i c_id s_id

and an actor's utility falls linearly with the salience-weighted distance of
the outcomes from its positions. Two actors can *exchange voting positions*
on two issues ``p`` and ``q`` when they are on opposite sides of the outcome
on both and value them differently: ``i`` cares relatively more about ``p``
(``s_ip / s_iq > s_jp / s_jq``). Then ``j`` moves its position on ``p``
towards ``x_ip`` and ``i`` moves on ``q`` towards ``x_jq``. Moving ``j`` shifts
the outcome on ``p`` by ``dO_p = c_jp s_jp |move_j| / W_p`` towards ``i``.

**Equal gain.** The rate of exchange makes the two actors' net gains equal::

    G_i = s_ip dO_p - s_iq dO_q = G_j = s_jq dO_q - s_jp dO_p
    =>  dO_q = dO_p (s_ip + s_jp) / (s_iq + s_jq)
    =>  G = dO_p (s_ip s_jq - s_iq s_jp) / (s_iq + s_jq)   (> 0 iff i values p relatively more)

**Size.** The exchange is as large as it can be until a limit binds: an actor
reaches the other's position (``|move_j| <= |x_ip - x_jp|``, ``|move_i| <=
|x_jq - x_iq|``) or an outcome reaches the demanding actor's position
(``dO_p <= |x_ip - O_p|``, ``dO_q <= |x_jq - O_q|``).

**Rounds.** In a round every feasible exchange is computed from the positions
at the start of the round; they are realised in order of gain (largest first;
ties by actor and issue order), an actor taking part in at most one realised
exchange per issue per round. Positions then move and outcomes are recomputed.
With more than one round, the voting positions reached are taken as the
actors' positions in the next round (a simplification: Decide blends the two),
so the first round is the model's cleanest statement.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import UserError

__all__ = ["ExchangeResult", "IssueTable", "candidate_exchanges", "exchange_model", "issue_table",
           "outcomes", "two_actor_gain"]


@dataclass(frozen=True)
class IssueTable:
    """Actors x issues: positions, saliences and capabilities, each shape ``(n, m)``."""

    actors: tuple[str, ...]
    issues: tuple[str, ...]
    position: np.ndarray
    salience: np.ndarray
    capability: np.ndarray

    def with_positions(self, position) -> "IssueTable":
        return IssueTable(self.actors, self.issues, np.asarray(position, float), self.salience, self.capability)


def issue_table(table: Any) -> IssueTable:
    """Coerce a long table (``actor, issue, position, salience, capability``) to an :class:`IssueTable`.

    Every actor needs a row for every issue; salience in [0, 1]; capability >= 0.
    """
    if isinstance(table, IssueTable):
        return table
    import pandas as pd

    try:
        df = pd.DataFrame(table)
    except (TypeError, ValueError):
        raise UserError("expected a table with columns actor, issue, position, salience, capability",
                        key="exchange") from None
    need = ["actor", "issue", "position", "salience", "capability"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise UserError(f"missing column(s) {missing}; need {', '.join(need)}", key="exchange")
    if df.duplicated(["actor", "issue"]).any():
        raise UserError("duplicate actor-issue rows", key="exchange")
    actors = tuple(dict.fromkeys(df["actor"].astype(str)))
    issues = tuple(dict.fromkeys(df["issue"].astype(str)))
    if len(actors) < 2 or len(issues) < 2:
        raise UserError("needs at least two actors and two issues", key="exchange")
    if len(df) != len(actors) * len(issues):
        raise UserError("every actor needs a row for every issue", key="exchange")
    df = df.assign(actor=df["actor"].astype(str), issue=df["issue"].astype(str))
    out = {}
    for col in ("position", "salience", "capability"):
        try:
            m = df.pivot(index="actor", columns="issue", values=col).loc[list(actors), list(issues)]
            arr = m.to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise UserError(f"column {col!r} must be numbers", key="exchange") from None
        if not np.all(np.isfinite(arr)):
            raise UserError(f"column {col!r} must be finite numbers", key="exchange")
        out[col] = arr
    if np.any((out["salience"] < 0) | (out["salience"] > 1)):
        raise UserError("salience must be in [0, 1]", key="exchange")
    if np.any(out["capability"] < 0):
        raise UserError("capability must be >= 0", key="exchange")
    if np.any((out["salience"] * out["capability"]).sum(axis=0) <= 0):
        raise UserError("every issue needs an actor with capability x salience > 0", key="exchange")
    return IssueTable(actors, issues, out["position"], out["salience"], out["capability"])


def outcomes(tbl: Any) -> np.ndarray:
    """Expected outcome of each issue: the capability x salience weighted mean, shape ``(m,)``."""
    t = issue_table(tbl)
    w = t.capability * t.salience
    return (w * t.position).sum(axis=0) / w.sum(axis=0)


def two_actor_gain(s_ip, s_iq, s_jp, s_jq, dO_p):
    """Equal gain of an exchange that shifts the outcome on ``p`` by ``dO_p``.

    Returns ``(dO_q, gain)`` with ``dO_q = dO_p (s_ip + s_jp) / (s_iq + s_jq)`` and
    ``gain = dO_p (s_ip s_jq - s_iq s_jp) / (s_iq + s_jq)``.
    """
    dO_q = dO_p * (s_ip + s_jp) / (s_iq + s_jq)
    return dO_q, dO_p * (s_ip * s_jq - s_iq * s_jp) / (s_iq + s_jq)


def _exchange(t: IssueTable, O, W, i, j, p, q):
    X, S, C = t.position, t.salience, t.capability
    if not ((X[i, p] - O[p]) * (X[j, p] - O[p]) < 0 and (X[i, q] - O[q]) * (X[j, q] - O[q]) < 0):
        return None
    if not S[i, p] * S[j, q] > S[i, q] * S[j, p]:
        return None
    wj, wi = C[j, p] * S[j, p], C[i, q] * S[i, q]
    if wj <= 0 or wi <= 0 or S[i, q] + S[j, q] <= 0:
        return None
    k = (S[i, p] + S[j, p]) / (S[i, q] + S[j, q])
    cap_p = min(wj * abs(X[i, p] - X[j, p]) / W[p], abs(X[i, p] - O[p]))
    cap_q = min(wi * abs(X[j, q] - X[i, q]) / W[q], abs(X[j, q] - O[q]))
    dOp = min(cap_p, cap_q / k)
    if dOp <= 0:
        return None
    dOq, gain = two_actor_gain(S[i, p], S[i, q], S[j, p], S[j, q], dOp)
    move_j = np.sign(X[i, p] - X[j, p]) * dOp * W[p] / wj
    move_i = np.sign(X[j, q] - X[i, q]) * dOq * W[q] / wi
    to_j, to_i = X[j, p] + move_j, X[i, q] + move_i
    if abs(abs(move_j) - abs(X[i, p] - X[j, p])) <= 1e-12 * (1 + abs(X[i, p])):
        to_j = X[i, p]  # the limit that binds: j reaches i's position exactly
    if abs(abs(move_i) - abs(X[j, q] - X[i, q])) <= 1e-12 * (1 + abs(X[j, q])):
        to_i = X[j, q]
    return dict(demander=t.actors[i], supplier=t.actors[j], issue_p=t.issues[p], issue_q=t.issues[q],
                supplier_from=float(X[j, p]), supplier_to=float(to_j),
                demander_from=float(X[i, q]), demander_to=float(to_i),
                dO_p=float(dOp), dO_q=float(dOq), gain=float(gain), _idx=(i, j, p, q))


def candidate_exchanges(tbl: Any) -> list[dict]:
    """Every feasible equal-gain exchange at the current positions, largest gain first.

    Each exchange is listed once. Each record: ``demander`` (``i``, the
    first of the two in table order, who gets ``supplier``'s move on
    ``issue_p``, the issue it values relatively more), ``supplier`` (``j``),
    ``issue_p``, ``issue_q`` (on which ``i`` moves towards ``j`` in return), ``supplier_from/to`` (``j`` on ``p``), ``demander_from/to`` (``i``
    on ``q``), the outcome shifts ``dO_p``, ``dO_q`` and the common ``gain``.
    """
    t = issue_table(tbl)
    O = outcomes(t)
    W = (t.capability * t.salience).sum(axis=0)
    n, m = t.position.shape
    out = []
    for i in range(n):
        for j in range(i + 1, n):  # each pair once: the salience condition fixes who moves on which issue
            for p in range(m):
                for q in range(m):
                    if p != q:
                        e = _exchange(t, O, W, i, j, p, q)
                        if e is not None:
                            out.append(e)
    out.sort(key=lambda e: (-round(e["gain"], 12), e["_idx"]))
    return out


@dataclass
class ExchangeResult:
    """Rounds of the exchange model.

    Attributes
    ----------
    actors, issues : tuple of str
    positions : ndarray, shape (rounds + 1, n, m)
    outcomes : ndarray, shape (rounds + 1, m)
    exchanges : list of dict
        Every realised exchange with its ``round``.
    """

    actors: tuple
    issues: tuple
    positions: np.ndarray
    outcomes: np.ndarray
    exchanges: list = field(default_factory=list)

    def exchanges_frame(self):
        import pandas as pd

        cols = ["round", "demander", "supplier", "issue_p", "issue_q", "supplier_from", "supplier_to",
                "demander_from", "demander_to", "dO_p", "dO_q", "gain"]
        return pd.DataFrame([{k: e[k] for k in cols} for e in self.exchanges], columns=cols)

    def outcomes_frame(self):
        import pandas as pd

        df = pd.DataFrame(self.outcomes, columns=list(self.issues))
        df.insert(0, "round", np.arange(len(df)))
        return df


def exchange_model(tbl: Any, *, rounds: int = 1) -> ExchangeResult:
    """Run the exchange model for ``rounds`` rounds.

    Parameters
    ----------
    tbl : long table or IssueTable
        ``actor, issue, position, salience, capability``.
    rounds : int
        Rounds of exchange (>= 0).

    Returns
    -------
    ExchangeResult
    """
    if not isinstance(rounds, (int, np.integer)) or isinstance(rounds, bool) or rounds < 0:
        raise UserError(f"rounds must be an integer >= 0, got {rounds!r}", key="exchange")
    t = issue_table(tbl)
    X = t.position.copy()
    hist, outs, done = [X.copy()], [outcomes(t)], []
    for rnd in range(1, rounds + 1):
        cur = t.with_positions(X)
        used = set()
        new = X.copy()
        for e in candidate_exchanges(cur):
            i, j, p, q = e["_idx"]
            keys = {(i, p), (i, q), (j, p), (j, q)}
            if keys & used:
                continue
            used |= keys
            new[j, p] = e["supplier_to"]
            new[i, q] = e["demander_to"]
            done.append({**e, "round": rnd})
        X = new
        hist.append(X.copy())
        outs.append(outcomes(t.with_positions(X)))
    return ExchangeResult(t.actors, t.issues, np.array(hist), np.array(outs), done)
