"""Logit quantal response equilibrium (QRE) by predictor–corrector path-following.

Convention: player ``i`` plays action ``a`` with probability proportional to
``exp(lam * u_i(a))``, ``u_i(a)`` the expected payoff of ``a`` against the
others' strategies (McKelvey & Palfrey 1995; Gambit's ``lambda``). At
``lam = 0`` play is uniform; the *principal branch* is the curve of QRE that
starts there, and as ``lam -> inf`` it converges to a Nash equilibrium (the
"limiting logit" selection).

Method. Unknowns are log-probabilities ``z`` (one per action of each player)
and ``lam``; the equations are the logit fixed point written in logs::

    F_i(a) = z_i(a) - lam u_i(a; exp z) + log sum_c exp(lam u_i(c; exp z)) = 0

whose Jacobian is the identity at ``lam = 0`` and stays well conditioned as
probabilities go to zero (a vanishing probability only shrinks its column).
The branch is followed by pseudo-arclength continuation in ``(z, lam)``, so
turning points in ``lam`` are passed: an Euler predictor along the unit
tangent, then Newton's method on ``F = 0`` plus the hyperplane orthogonal to
the tangent. Steps adapt per game (doubling at most, halving on rejection).
When the next step would cross the target ``lam``, the step is shortened to
land on it and Newton's method is run with ``lam`` fixed there: the result
is the first point of the branch at the target ``lam`` (as Gambit's
``logit_solve_lambda``).

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
from .payoffs import pair_payoffs

__all__ = ["logit_qre", "logit_qre_batch", "QRE_TOL"]

#: Default Newton tolerance (max-norm of the last log-probability update).
QRE_TOL = 1e-10

_FIRST_STEP = 0.1  # initial arclength step
_TARGET_DIST = 0.05  # aimed-at size of the first Newton correction (log units)
_MAX_DIST = 0.15  # larger first corrections reject the step
_MIN_COS = 0.94  # consecutive tangents must be within ~20 degrees
_TARGET_CONTRACTION = 0.15  # aimed-at ratio of the 2nd to the 1st Newton correction
_CONTRACTION = 0.5  # each Newton step must shrink by this factor at least
_NOISE = 256 * np.finfo(float).eps  # relative rounding floor of a Newton update
_PATH_TOL = 1e-8  # Newton tolerance at intermediate points of the path
_CORRECTOR_ITERS = 6  # Newton iterations allowed per predictor step
_WARM_ITERS = 30  # Newton iterations allowed from a warm start
_MIN_STEP = 1e-13


def _dot(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Per-replicate inner product over axis 0, summed in a fixed order."""
    acc = u[0] * v[0]
    for r in range(1, u.shape[0]):
        acc = acc + u[r] * v[r]
    return acc


def _log_softmax(s: np.ndarray):
    """Log-probabilities and probabilities of a logit response, per column.

    ``s`` has shape ``(a, R)``; the max is subtracted so nothing overflows.
    """
    mx = s[0]
    for c in range(1, s.shape[0]):
        mx = np.maximum(mx, s[c])
    e = np.exp(s - mx)
    tot = e[0]
    for c in range(1, e.shape[0]):
        tot = tot + e[c]
    return s - (mx + np.log(tot)), e / tot


class _System:
    """Residual and Jacobian of the logit equations for a batch (batch-last)."""

    def __init__(self, tensors):
        self.tensors = tensors
        self.sizes = [int(k) for k in tensors[0].shape[:-1]]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)
        self.N = int(self.offsets[-1])

    def blocks(self, X):
        return [X[self.offsets[i] : self.offsets[i + 1]] for i in range(len(self.sizes))]

    def take(self, keep):
        return _System([t[..., keep] for t in self.tensors])

    def uniform(self, R):
        """State ``(z, lam)`` at the start of the branch, shape ``(N + 1, R)``."""
        X = np.empty((self.N + 1, R))
        for i, k in enumerate(self.sizes):
            X[self.offsets[i] : self.offsets[i + 1]] = -np.log(k)
        X[-1] = 0.0
        return X

    def start_tangent(self, X0):
        """Unit tangent of the branch at ``lam = 0``, oriented towards ``lam > 0``.

        There ``dF/dz = I`` and ``dF/dlam = -(u - mean u)``, so the tangent
        is ``(u - mean u, 1)`` normalised.
        """
        p = [np.exp(z) for z in self.blocks(X0)]
        u, _ = pair_payoffs(self.tensors, p)
        T = np.empty_like(X0)
        for i, ui in enumerate(u):
            mean = _dot(p[i], ui)
            T[self.offsets[i] : self.offsets[i + 1]] = ui - mean
        T[-1] = 1.0
        return T / np.sqrt(_dot(T, T))

    def residual_jacobian(self, X):
        """``F(X)`` of shape ``(N, R)`` and ``dF/d(z, lam)`` of shape ``(N, N + 1, R)``.

        Rows of player ``i``: ``log sum_c exp z_i(c)`` (normalisation), then
        ``z_i(a) - z_i(0) - lam (u_i(a) - u_i(0))`` for ``a >= 1``.
        """
        N, R = self.N, X.shape[1]
        lam = X[-1]
        z = self.blocks(X)
        p = [np.exp(zi) for zi in z]
        u, pairs = pair_payoffs(self.tensors, p)
        F = np.empty((N, R))
        J = np.zeros((N, N + 1, R))
        for i, ui in enumerate(u):
            lo, hi = self.offsets[i], self.offsets[i + 1]
            logq, q = _log_softmax(z[i])
            F[lo] = z[i][0] - logq[0]  # = log sum exp z_i
            J[lo, lo:hi] = q
            F[lo + 1 : hi] = z[i][1:] - z[i][0] - lam * (ui[1:] - ui[0])
            J[lo + 1 : hi, -1] = ui[0] - ui[1:]
            J[lo + 1 : hi, lo] = -1.0
            for a in range(1, hi - lo):
                J[lo + a, lo + a] = 1.0
            for j, U in pairs[i].items():
                # d/dz_j(b) of -lam u_i(a) is -lam U_ij(a, b) p_j(b)
                J[lo + 1 : hi, self.offsets[j] : self.offsets[j + 1]] = (
                    -lam * (U[1:] - U[0])
                ) * p[j]
        return F, J


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


def _max_abs(D):
    m = np.abs(D[0])
    for r in range(1, D.shape[0]):
        m = np.maximum(m, np.abs(D[r]))
    return m


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
    sys_w = system.take(idx)
    st = _Tracker(target[idx], X0[:, idx], warm[idx])
    if (~st.warm).any():
        _start_branch(sys_w, st, ~st.warm)
    while True:
        F, J = sys_w.residual_jacobian(st.X)
        c_gap = _dot(st.C, st.X - st.Xp)
        D, Tn = _solve(J, st.C, -F, -c_gap)
        Xn = st.X + D
        d = _max_abs(D)
        st.k += 1
        st.iters += 1
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
        conv = live & ~warm_bad & ~path_bad & ((d <= tol_k) | stalled)
        st.d_first = np.where(k == 1, d, st.d_first)
        with np.errstate(divide="ignore", invalid="ignore"):
            st.kappa = np.where(k == 2, d / st.d_first, st.kappa)
        cont = live & ~warm_bad & ~path_bad & ~conv
        st.X[:, cont] = Xn[:, cont]
        st.d_prev = np.where(cont, d, st.d_prev)
        # Guard against jumping to another part of the curve: the tangent
        # may only turn a little per step (C . Tn = 1 and |C| = 1 on path
        # steps, so the cosine of the turn is 1 / |Tn|), lam stays positive
        # and the orientation of the curve is kept.
        tnorm = np.sqrt(_dot(Tn, Tn))
        check = conv & ~warm
        jumped = check & ~st.final & ((tnorm * _MIN_COS > 1.0) | (Xn[-1] < 0.0))
        check &= ~jumped
        if check.any():
            sign = _orientation(J[:, :, check], st.T[:, check])
            flipped = np.zeros_like(check)
            flipped[check] = sign != st.sign[check]
            jumped |= flipped
        conv &= ~jumped
        path_bad |= jumped
        finished = conv & st.final
        out[:, idx[finished]] = Xn[:, finished]
        st.live = live & ~finished
        accept = conv & ~st.final
        if accept.any():
            st.Xb[:, accept] = Xn[:, accept]
            st.T[:, accept] = Tn[:, accept] / tnorm[accept]
            # The predictor error and the Newton contraction rate both grow
            # like h^2: aim both at their targets.
            with np.errstate(divide="ignore", invalid="ignore"):
                grow = np.minimum(
                    np.sqrt(_TARGET_DIST / st.d_first[accept]),
                    np.sqrt(_TARGET_CONTRACTION / st.kappa[accept]),
                )
            st.h[accept] = st.h_eff[accept] * np.clip(grow, 0.5, 2.0)
            st.predict(accept)
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
        Newton tolerance on the max-norm of the final update of the
        log-probabilities, so probabilities are accurate to about ``tol``
        relative (the update is quadratically convergent). Default 1e-10.
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
    or in any batch (see the module docstring). Solving the whole batch costs
    about as many vectorised iterations as its hardest game needs.
    """
    tensors = [np.ascontiguousarray(np.moveaxis(a, 0, -1)) for a in validate_batch_payoffs(payoffs)]
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    system = _System(tensors)
    R = tensors[0].shape[-1]
    target = _check_lam(lam, R)
    X0 = system.uniform(R)
    warm = np.zeros(R, dtype=bool)
    if start is not None:
        if isinstance(start, np.ndarray) or len(start) != len(tensors):
            raise ValueError(f"start must be a list of {len(tensors)} arrays of shape (R, a_i)")
        for i, s in enumerate(start):
            s = np.asarray(s, dtype=float)
            if s.shape != (R, system.sizes[i]):
                raise ValueError(
                    f"start[{i}] has shape {s.shape}; expected {(R, system.sizes[i])}"
                )
            if not np.all(np.isfinite(s)) or np.any(s < 0):
                raise ValueError(f"start[{i}] must hold finite non-negative probabilities")
            X0[system.offsets[i] : system.offsets[i + 1]] = np.log(np.maximum(s.T, 1e-300))
        X0[-1] = target
        warm[:] = True
    X = _run(system, target, X0, warm, int(max_iter), float(tol))
    out = []
    for z in system.blocks(X):
        _, q = _log_softmax(z)
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
