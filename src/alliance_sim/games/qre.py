"""Logit quantal response equilibrium (QRE) by predictor–corrector path-following.

Convention: player ``i`` plays action ``a`` with probability proportional to
``exp(lam * u_i(a))``, ``u_i(a)`` the expected payoff of ``a`` against the
others' strategies (McKelvey & Palfrey 1995; Gambit's ``lambda``). At
``lam = 0`` play is uniform; the *principal branch* is the curve of QRE that
starts there, and as ``lam -> inf`` it converges to a Nash equilibrium (the
"limiting logit" selection).

Method. Unknowns are each player's log-odds against its first action,
``w_i(a) = log p_i(a) - log p_i(0)`` for ``a >= 1``, and ``lam``; the
equations are the logit fixed point (Gambit's formulation)::

    F_i(a) = w_i(a) - lam (u_i(a) - u_i(0)) = 0,   p_i = softmax([0, w_i]),

with an analytic Jacobian. The log-odds stay well scaled as probabilities go
to zero (the equations are linear in ``w`` for the vanishing ones), and
unlike the log-sum-exp form the curvature grows only like ``lam``, so
Newton's method keeps a usable basin at ``lam`` in the thousands. The branch
is followed by pseudo-arclength continuation in ``(w, lam)``, so turning
points in ``lam`` are passed: an Euler predictor along the unit tangent, then
Newton's method on ``F = 0`` plus the hyperplane orthogonal to the tangent.
Each game has its own step, adapted to the size of the first Newton
correction, the Newton contraction rate and the turn of the tangent (grow at
most 2x, halve on rejection). Near-bifurcations are the classic way to jump
onto another branch; a jump is caught by the sign of ``det [dF; tangent]``,
which is constant along a branch traversed in one direction, and the step is
retried smaller (a flip that persists down to a tiny step is a genuine
bifurcation point, e.g. in a symmetric game, and is passed straight on).
When the next step would cross the target ``lam``, it is shortened to land
on it and Newton's method is run with ``lam`` fixed (then only the
``dF/dw`` block is solved): the result is the first point of the branch at
the target ``lam`` (as Gambit's ``logit_solve_lambda``). The equations need
only each player's payoff *gains* over its action 0, so those are what the
expected payoffs are contracted from (``OwnerStack(gains=True)``). ``exp`` never overflows (the max is subtracted).

Batches. All ``R`` games advance together, each with its own step size,
Newton counter and convergence test; a finished game is frozen and dropped
from the working set. Nothing mixes games: reductions are explicit
fixed-order sums over action axes, and linear systems are solved by
``np.linalg.solve`` on a stack (one LAPACK call per matrix). So each game's
result is bitwise independent of the batch it is solved in.
"""

from __future__ import annotations

import numpy as np

from .normal_form import as_game, validate_batch_payoffs
from .payoffs import OwnerStack

__all__ = ["logit_qre", "logit_qre_batch", "QRE_TOL"]

#: Default Newton tolerance (max-norm of the predicted next log-odds update).
QRE_TOL = 1e-10

_FIRST_STEP = 0.3  # initial arclength step
_TARGET_DIST = 0.1  # aimed-at size of the first Newton correction (log units)
_MAX_DIST = 0.3  # larger first corrections reject the step
_TARGET_ANGLE = 0.3  # aimed-at turn of the tangent per step (radians)
_MIN_COS = 0.8  # larger turns (about 37 degrees) reject the step
_TARGET_CONTRACTION = 0.15  # aimed-at ratio of the 2nd to the 1st Newton correction
_CONTRACTION = 0.5  # each Newton step must shrink by this factor at least
_NOISE = 256 * np.finfo(float).eps  # relative rounding floor of a Newton update
_PATH_TOL = 1e-6  # Newton tolerance at intermediate points of the path
_CORRECTOR_ITERS = 6  # Newton iterations allowed per predictor step
_WARM_ITERS = 30  # Newton iterations allowed from a warm start
_MIN_STEP = 1e-13
_BIFURCATION_STEP = 1e-6  # relative step below which an orientation flip is accepted


def _dot(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Per-replicate inner product over axis 0, summed in a fixed order."""
    acc = u[0] * v[0]
    for r in range(1, u.shape[0]):
        acc = acc + u[r] * v[r]
    return acc


class _System:
    """Residual and Jacobian of the logit equations for a batch (batch-last).

    Unknowns per player ``i``: log-odds ``w_i(a) = log p_i(a) - log p_i(0)``
    for ``a >= 1``; equations ``w_i(a) - lam (u_i(a) - u_i(0)) = 0``.
    """

    def __init__(self, payoffs):
        # Gains over each player's action 0: the equations use nothing else.
        self.payoffs = payoffs if isinstance(payoffs, OwnerStack) else OwnerStack(payoffs, gains=True)
        self.sizes = self.payoffs.sizes
        n = len(self.sizes)
        self.offsets = np.concatenate([[0], np.cumsum([k - 1 for k in self.sizes])]).astype(int)
        self.N = int(self.offsets[-1])
        # Unknown q is action act[q] >= 1 of player own[q].
        own = np.repeat(np.arange(n), [k - 1 for k in self.sizes])
        act = np.concatenate([np.arange(1, k) for k in self.sizes])
        self.own, self.act = own, act
        # Position of player own[r] among the others of player own[q].
        pos = np.where(own[None, :] < own[:, None], own[None, :], own[None, :] - 1)
        pos = np.where(own[None, :] == own[:, None], 0, pos)
        ones = np.ones_like(pos)
        # G[own[q], pos, act[q] - 1, act[r]] = U_ij(a, b) - U_ij(0, b).
        self.idx = (own[:, None] * ones, pos, (act[:, None] - 1) * ones, act[None, :] * ones)
        # A player's own log-odds do not enter its payoffs.
        self.cross = (own[:, None] != own[None, :]).astype(float)[:, :, None]
        self.eye = np.eye(self.N)[:, :, None]

    def blocks(self, X):
        return [X[self.offsets[i] : self.offsets[i + 1]] for i in range(len(self.sizes))]

    def padded_strategies(self, X):
        """All players' logit strategies as one ``(n, amax, R)`` array.

        ``p_i = softmax([0, w_i])`` with the max subtracted (no overflow);
        padded actions get log-odds -inf, so probability exactly 0.
        """
        n, amax = len(self.sizes), self.payoffs.amax
        logits = np.full((n, amax, X.shape[1]), -np.inf)
        logits[:, 0] = 0.0
        logits[self.own, self.act] = X[:-1]
        mx = logits.max(axis=1)  # exact, whatever the order
        e = np.exp(logits - mx[:, None])
        tot = e[:, 0]
        for c in range(1, amax):
            tot = tot + e[:, c]
        return e / tot[:, None]

    def strategies(self, X):
        padded = self.padded_strategies(X)
        return [padded[i, :k] for i, k in enumerate(self.sizes)]

    def take(self, keep):
        return _System(self.payoffs.take(keep))

    def uniform(self, R):
        """State ``(w, lam) = 0`` at the start of the branch, shape ``(N + 1, R)``."""
        return np.zeros((self.N + 1, R))

    def start_tangent(self, X0):
        """Unit tangent of the branch at ``lam = 0``, oriented towards ``lam > 0``.

        There ``dF/dw = I`` and ``dF/dlam = -(u(a) - u(0))``, so the tangent
        is ``(u(a) - u(0), 1)`` normalised.
        """
        g, _ = self.payoffs.pairs(self.padded_strategies(X0))
        T = np.empty_like(X0)
        T[:-1] = g[self.own, self.act - 1]
        T[-1] = 1.0
        return T / np.sqrt(_dot(T, T))

    def residual_jacobian(self, X):
        """``F(X)`` of shape ``(N, R)`` and ``dF/d(w, lam)`` of shape ``(N, N + 1, R)``.

        With ``du(a) = u_i(a) - u_i(0)``: ``dF/dw_j(b) = -lam p_j(b)
        (U_ij(a, b) - U_ij(0, b) - du(a))`` for ``j != i``, identity on the
        player's own block, and ``dF/dlam = -du``.
        """
        N, R = self.N, X.shape[1]
        lam = X[-1]
        padded = self.padded_strategies(X)
        g, G = self.payoffs.pairs(padded)  # expected gains over action 0
        du = g[self.own, self.act - 1]
        D = G[self.idx]  # (N, N, R): U_ij(a, b) - U_ij(0, b)
        J = np.empty((N, N + 1, R))
        J[:, :N] = self.eye - (lam * (D - du[:, None])) * (self.cross * padded[self.own, self.act])
        J[:, N] = -du
        return X[:-1] - lam * du, J


def _solve(J, C, rhs_top, rhs_last):
    """Solve ``[J; C^T] (d, t) = ([rhs_top; rhs_last], e_last)`` per replicate.

    Returns the Newton update and the (unnormalised) tangent, batch-last.
    """
    N1, R = C.shape
    M = np.empty((R, N1, N1))
    M[:, :-1, :] = J.transpose(2, 0, 1)
    M[:, -1, :] = C.T
    b = np.zeros((R, N1, 2))
    b[:, :-1, 0] = rhs_top.T
    b[:, -1, 0] = rhs_last
    b[:, -1, 1] = 1.0
    sol = np.linalg.solve(M, b)
    return np.ascontiguousarray(sol[:, :, 0].T), np.ascontiguousarray(sol[:, :, 1].T)


def _solve_fixed(J, rhs_top):
    """Solve ``J_w d = rhs_top`` per replicate: the Newton update at fixed ``lam``.

    With ``C = e_lam`` (landing on the target, or a warm start) and a zero
    ``lam`` gap, the bordered system of :func:`_solve` reduces to the
    ``N x N`` block ``dF/dw``; the ``lam`` update is zero and the tangent is
    not used, so one right-hand side suffices (about half the work).
    """
    N = J.shape[0]
    M = np.ascontiguousarray(J[:, :N].transpose(2, 0, 1))
    b = np.ascontiguousarray(rhs_top.T)[:, :, None]
    return np.ascontiguousarray(np.linalg.solve(M, b)[:, :, 0].T)


def _newton(J, C, F, c_gap, final):
    """Newton updates ``D`` and tangents ``Tn`` of the working set, batch-last.

    Replicates landing at fixed ``lam`` (``final``) use :func:`_solve_fixed`
    (their ``Tn`` is set to ``e_lam``, never used); the others the bordered
    system. Which one a replicate uses depends only on its own state, so
    results stay independent of the batch.
    """
    if not final.any():
        return _solve(J, C, -F, -c_gap)
    D = np.empty((F.shape[0] + 1, F.shape[1]))
    Tn = np.zeros_like(D)
    Tn[-1] = 1.0
    if final.all():
        D[:-1] = _solve_fixed(J, -F)
        D[-1] = -c_gap
        return D, Tn
    path = ~final
    D[:, path], Tn[:, path] = _solve(J[:, :, path], C[:, path], -F[:, path], -c_gap[path])
    D[:-1, final] = _solve_fixed(J[:, :, final], -F[:, final])
    D[-1, final] = -c_gap[final]
    return D, Tn


def _max_abs(D):
    """Per-replicate max-norm over axis 0 (a max is exact in any order)."""
    return np.abs(D).max(axis=0)


class _Tracker:
    """Per-replicate predictor–corrector state of the working set (batch-last)."""

    _VECTORS = ("Xb", "T", "X", "Xp", "C")

    def __init__(self, target, X0, warm):
        R = X0.shape[1]
        self.target = target
        self.Xb = X0.copy()  # last accepted point on the branch
        self.T = np.zeros_like(X0)  # unit tangent there
        self.X = X0.copy()  # current Newton iterate
        self.Xp = X0.copy()  # predicted point (anchor of the hyperplane)
        self.C = np.zeros_like(X0)  # hyperplane normal: tangent, or e_lam when landing
        self.C[-1] = 1.0
        self.h = np.full(R, _FIRST_STEP)  # nominal arclength step
        self.h_eff = np.zeros(R)  # step actually taken (shortened to land)
        self.k = np.zeros(R, dtype=np.int64)  # Newton iterations in this step
        self.iters = np.zeros(R, dtype=np.int64)  # all Newton iterations
        self.d_prev = np.full(R, np.inf)
        self.d_first = np.zeros(R)
        self.kappa = np.zeros(R)
        self.cos = np.ones(R)  # cosine of the tangent's turn over the step
        self.sign = np.zeros(R)  # orientation of the branch
        self.final = warm.copy()  # landing on the target lam (fixed lam)
        self.warm = warm.copy()
        self.live = np.ones(R, dtype=bool)

    def take(self, keep):
        """The state of the replicates in boolean ``keep`` (copies)."""
        new = _Tracker.__new__(_Tracker)
        for name, value in vars(self).items():
            setattr(new, name, value[:, keep] if name in self._VECTORS else value[keep])
        return new

    def predict(self, sel):
        """Set up the next predictor step for the replicates in boolean ``sel``."""
        Xb, T, h = self.Xb[:, sel], self.T[:, sel], self.h[sel]
        lam_b, tl, target = Xb[-1], T[-1], self.target[sel]
        with np.errstate(divide="ignore", invalid="ignore"):
            land = (tl > 0) & (lam_b + h * tl >= target)
            h_eff = np.where(land, (target - lam_b) / np.where(tl > 0, tl, 1.0), h)
        Xp = Xb + h_eff * T
        Xp[-1] = np.where(land, target, Xp[-1])
        C = T.copy()
        C[:, land] = 0.0
        C[-1, land] = 1.0
        self.Xp[:, sel] = Xp
        self.X[:, sel] = Xp
        self.C[:, sel] = C
        self.h_eff[sel] = h_eff
        self.final[sel] = land
        self.k[sel] = 0
        self.d_prev[sel] = np.inf
        self.kappa[sel] = 0.0
        self.cos[sel] = 1.0


def _orientation(J, T):
    """Sign of ``det [J; T^T]`` per replicate (batch-last inputs).

    Constant along a regular solution curve traversed in one direction; a
    change of sign between two accepted points means the corrector has
    jumped onto another branch (e.g. across a near-bifurcation), since the
    tangent orientation is kept (``T_new . T_old > 0``).
    """
    M = np.empty((J.shape[2], J.shape[0] + 1, J.shape[1]))
    M[:, :-1, :] = J.transpose(2, 0, 1)
    M[:, -1, :] = T.T
    return np.linalg.slogdet(M)[0]


def _start_branch(system, st, sel):
    """Put replicates ``sel`` at the start of the principal branch."""
    sub = system.take(np.flatnonzero(sel))
    X0 = sub.uniform(int(sel.sum()))
    T0 = sub.start_tangent(X0)
    _, J0 = sub.residual_jacobian(X0)
    st.Xb[:, sel] = X0
    st.T[:, sel] = T0
    st.sign[sel] = _orientation(J0, T0)
    st.h[sel] = _FIRST_STEP
    st.warm[sel] = False
    st.predict(sel)


def _classify_newton_step(st, d, Xn, tol):
    """Judge the Newton update just computed for every live replicate.

    Returns boolean masks ``(conv, warm_bad, path_bad)``: converged (at the
    target, or at an intermediate point of the path), a warm start that
    failed (it falls back to the principal branch), and a path step to
    reject (diverging, not contracting, or too many iterations: the step is
    halved). A replicate in none of them takes another Newton step.
    """
    k, live, warm = st.k, st.live, st.warm
    # At large lam, |z| is large and rounding alone moves z by ~eps |z|.
    floor = _NOISE * (1.0 + _max_abs(st.X[:-1]))
    tol_k = np.maximum(np.where(st.final, tol, _PATH_TOL), floor)
    finite = np.isfinite(d) & np.all(np.isfinite(Xn), axis=0)
    # Newton that stops contracting at the rounding floor has converged
    # as far as floating point allows.
    stalled = finite & (k >= 2) & (d > _CONTRACTION * st.d_prev) & (st.d_prev <= 1e4 * floor)
    # Newton from a warm start may need a few steps to start contracting.
    warm_bad = live & warm & ~stalled & (
        ~finite | (k > _WARM_ITERS) | ((k >= 3) & (d > st.d_prev))
    )
    path_bad = live & ~warm & ~stalled & (
        ~finite
        | ((k == 1) & (d > _MAX_DIST))
        | ((k > 1) & (d > _CONTRACTION * st.d_prev))
        | ((k >= _CORRECTOR_ITERS) & (d > tol_k))
    )
    # Converged when the next update is predicted (linear contraction
    # estimate, pessimistic for Newton) to be below the tolerance.
    with np.errstate(divide="ignore", invalid="ignore"):
        next_d = np.where(k >= 2, d * (d / st.d_prev), d)
    conv = live & ~warm_bad & ~path_bad & ((next_d <= tol_k) | stalled)
    return conv, warm_bad, path_bad


def _continue_newton(st, d, Xn, conv, warm_bad, path_bad):
    """Record the step's contraction data; replicates still iterating move to ``Xn``."""
    k = st.k
    st.d_first = np.where(k == 1, d, st.d_first)
    with np.errstate(divide="ignore", invalid="ignore"):
        st.kappa = np.where(k == 2, d / st.d_first, st.kappa)
    cont = st.live & ~warm_bad & ~path_bad & ~conv
    st.X[:, cont] = Xn[:, cont]
    st.d_prev = np.where(cont, d, st.d_prev)


def _guard_branch_jumps(st, J, Tn, Xn, conv, path_bad):
    """Reject converged path points that may lie on another part of the curve.

    The tangent may only turn a little per step (``C . Tn = 1`` and
    ``|C| = 1`` on path steps, so the cosine of the turn is ``1 / |Tn|``),
    ``lam`` stays positive and the orientation of the curve is kept.
    Returns the updated ``(conv, path_bad)`` and ``|Tn|``.
    """
    k, live, warm = st.k, st.live, st.warm
    tnorm = np.sqrt(_dot(Tn, Tn))
    first = live & ~warm & ~st.final & (k == 1)
    st.cos = np.where(first, 1.0 / tnorm, st.cos)
    turned = first & (tnorm * _MIN_COS > 1.0)
    conv &= ~turned
    path_bad |= turned
    check = conv & ~warm
    jumped = check & ~st.final & (Xn[-1] < 0.0)
    check &= ~jumped
    if check.any():
        sign = _orientation(J[:, :, check], st.T[:, check])
        flip = sign != st.sign[check]
        # A flip that persists down to a tiny step is a genuine
        # bifurcation point on the branch (non-generic games, e.g. the
        # symmetry-breaking pitchforks of symmetric games): pass it
        # straight on, with the new orientation as reference.
        tiny = st.h_eff[check] <= _BIFURCATION_STEP * (1.0 + _max_abs(st.Xb[:, check]))
        st.sign[check] = np.where(flip & tiny, sign, st.sign[check])
        flipped = np.zeros_like(check)
        flipped[check] = flip & ~tiny
        jumped |= flipped
    conv &= ~jumped
    path_bad |= jumped
    return conv, path_bad, tnorm


def _accept_and_adapt_step(st, Xn, Tn, tnorm, accept):
    """Accept the new path points ``accept`` and predict from them with an adapted step."""
    st.Xb[:, accept] = Xn[:, accept]
    st.T[:, accept] = Tn[:, accept] / tnorm[accept]
    # The predictor error and the Newton contraction rate both grow
    # like h^2: aim both at their targets.
    with np.errstate(all="ignore"):
        grow = np.minimum(
            np.minimum(
                np.sqrt(_TARGET_DIST / st.d_first[accept]),
                np.sqrt(_TARGET_CONTRACTION / st.kappa[accept]),
            ),
            _TARGET_ANGLE / np.arccos(np.minimum(st.cos[accept], 1.0)),
        )
    st.h[accept] = st.h_eff[accept] * np.clip(grow, 0.5, 2.0)
    st.predict(accept)


def _run(system, target, X0, warm, max_iter, tol):
    """Follow every replicate to its target; returns the final states ``X``.

    ``warm[r]`` replicates start with a fixed-``lam`` Newton correction from
    ``X0[:, r]``; if it fails they restart on the branch at ``lam = 0``.
    """
    R = X0.shape[1]
    out = np.empty_like(X0)
    # lam = 0 is the uniform start itself (a warm start there is corrected).
    done = (target == 0.0) & ~warm
    out[:, done] = X0[:, done]
    idx = np.flatnonzero(~done)
    if idx.size == 0:
        return out
    sys_w = system if idx.size == R else system.take(idx)
    st = _Tracker(target[idx], X0[:, idx], warm[idx])
    if (~st.warm).any():
        _start_branch(sys_w, st, ~st.warm)
    while True:
        F, J = sys_w.residual_jacobian(st.X)
        c_gap = _dot(st.C, st.X - st.Xp)
        D, Tn = _newton(J, st.C, F, c_gap, st.final)
        Xn = st.X + D
        d = _max_abs(D)
        st.k += 1
        st.iters += 1
        conv, warm_bad, path_bad = _classify_newton_step(st, d, Xn, tol)
        _continue_newton(st, d, Xn, conv, warm_bad, path_bad)
        conv, path_bad, tnorm = _guard_branch_jumps(st, J, Tn, Xn, conv, path_bad)
        finished = conv & st.final
        out[:, idx[finished]] = Xn[:, finished]
        st.live = st.live & ~finished
        accept = conv & ~st.final
        if accept.any():
            _accept_and_adapt_step(st, Xn, Tn, tnorm, accept)
        if warm_bad.any():
            _start_branch(sys_w, st, warm_bad)  # fall back to the principal branch
        if path_bad.any():
            st.h[path_bad] = 0.5 * st.h_eff[path_bad]
            st.predict(path_bad)
        stuck = st.live & ((st.h < _MIN_STEP) | (st.iters > max_iter))
        if stuck.any():
            raise RuntimeError(
                "logit QRE path-following failed for replicate(s) "
                f"{idx[stuck][:10].tolist()} (step size underflow or more than "
                f"max_iter={max_iter} Newton iterations)"
            )
        n_live = int(st.live.sum())
        if n_live == 0:
            return out
        # Finished columns stay frozen (never written again); drop them once
        # they are a quarter of the working set.
        if n_live < 0.75 * st.live.size:
            keep = st.live
            idx = idx[keep]
            sys_w = sys_w.take(np.flatnonzero(keep))
            st = st.take(keep)


def _check_lam(lam, R):
    lam = np.asarray(lam, dtype=float)
    if lam.ndim == 0:
        lam = np.full(R, float(lam))
    if lam.shape != (R,):
        raise ValueError(f"lam must be a scalar or an array of shape (R,) = ({R},), got {lam.shape}")
    if not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ValueError("lam must be finite and >= 0")
    return lam


def logit_qre_batch(payoffs, lam, start=None, *, tol: float = QRE_TOL, max_iter: int = 5000):
    """Logit QRE of ``R`` same-shaped games at once (any number of players).

    Parameters
    ----------
    payoffs : sequence of array_like
        ``n >= 2`` arrays of shape ``(R, a_1, ..., a_n)``, or a
        :class:`~alliance_sim.games.NormalFormGame` (``R = 1``).
    lam : float or array_like
        Precision ``lam >= 0``, one value or one per game (shape ``(R,)``).
        Probabilities are proportional to ``exp(lam * expected payoff)``.
    start : sequence of array_like, optional
        ``n`` arrays of shape ``(R, a_i)``: a warm start, e.g. the solution of
        a slightly different game. Each game is Newton-corrected at ``lam``
        from its start and the QRE reached from there is returned: a QRE at
        ``lam``, but not necessarily the one on the principal branch. Games
        whose correction fails (diverges, stalls, or needs more than 30
        iterations) are solved on the principal branch instead. Zero
        probabilities are replaced by 1e-300. Default ``None``: the
        principal branch for every game.
    tol : float, optional
        Newton stops when the next update of the log-odds is predicted to
        be below ``tol`` in max-norm (pessimistic linear-rate estimate), so
        probabilities are accurate to about ``tol`` relative; the logit
        equations then hold to about ``tol``. Rounding sets a floor of
        about ``5.7e-14 * (1 + max |log-odds|)``, which exceeds 1e-10 only
        when ``lam * payoff gap`` exceeds about 1,700 (then accuracy is about
        that floor, e.g. 1e-9 at ``lam = 1e3`` with payoff gaps of 20).
        Default 1e-10.
    max_iter : int, optional
        Cap on the Newton iterations (linear solves) spent on one game,
        path included. Default 5000.

    Returns
    -------
    list of numpy.ndarray
        ``n`` arrays of shape ``(R, a_i)``: each player's QRE strategy in
        each game; rows are strictly positive (unless ``lam * payoff gap``
        exceeds about 700, where a probability underflows to 0) and sum to 1.

    Raises
    ------
    ValueError
        On malformed payoffs, ``lam`` or ``start``.
    RuntimeError
        If path-following fails for some game (not observed for payoffs
        O(1)–O(10) and ``lam`` up to 1e3).

    Notes
    -----
    The result for game ``r`` is bitwise identical whether it is solved alone
    or in any batch of any size or composition (see the module docstring).
    Solving the whole batch costs about as many vectorised iterations as its
    hardest game needs, so a warm-started batch in which one game falls back
    to the principal branch costs about one principal-branch solve of that
    game (tens of milliseconds) on top of the Newton corrections.

    Games with exact symmetries (non-generic) have bifurcation points on
    the branch; they are passed straight on, which keeps e.g. the symmetric
    branch of a symmetric game.
    """
    arrays = validate_batch_payoffs(payoffs)
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    tensors = [np.moveaxis(a, 0, -1) for a in arrays]  # batch last (views: the stack below copies)
    system = _System(tensors)
    R = tensors[0].shape[-1]
    target = _check_lam(lam, R)
    X0 = system.uniform(R)
    warm = np.zeros(R, dtype=bool)
    if start is not None:
        if isinstance(start, np.ndarray) or len(start) != len(arrays):
            raise ValueError(f"start must be a list of {len(arrays)} arrays of shape (R, a_i)")
        for i, s in enumerate(start):
            s = np.asarray(s, dtype=float)
            if s.shape != (R, system.sizes[i]):
                raise ValueError(
                    f"start[{i}] has shape {s.shape}; expected {(R, system.sizes[i])}"
                )
            if not np.all(np.isfinite(s)) or np.any(s < 0):
                raise ValueError(f"start[{i}] must hold finite non-negative probabilities")
            logp = np.log(np.maximum(s.T, 1e-300))
            X0[system.offsets[i] : system.offsets[i + 1]] = logp[1:] - logp[0]
        X0[-1] = target
        warm[:] = True
    X = _run(system, target, X0, warm, int(max_iter), float(tol))
    out = []
    for q in system.strategies(X):
        out.append(np.ascontiguousarray(q.T))
    return out


def logit_qre(game, lam: float, *, tol: float = QRE_TOL) -> tuple[np.ndarray, ...]:
    """Logit QRE on the principal branch at precision ``lam`` (any number of players).

    Parameters
    ----------
    game : NormalFormGame or sequence of array_like
        The game, or its payoff arrays (one per player).
    lam : float
        Precision ``lam >= 0``: player ``i`` plays ``a`` with probability
        proportional to ``exp(lam * u_i(a))``. ``lam = 0`` gives uniform play;
        large ``lam`` approaches a Nash equilibrium (the limiting logit
        equilibrium).
    tol : float, optional
        Newton tolerance (see :func:`logit_qre_batch`). Default 1e-10.

    Returns
    -------
    tuple of numpy.ndarray
        One probability vector per player.

    Examples
    --------
    >>> from alliance_sim.games import classic
    >>> x, y = logit_qre(classic.matching_pennies(), 2.0)
    >>> x.round(6).tolist(), y.round(6).tolist()
    ([0.5, 0.5], [0.5, 0.5])
    """
    g = as_game(game)
    res = logit_qre_batch([p[None] for p in g.payoffs], float(lam), tol=tol)
    return tuple(r[0] for r in res)
