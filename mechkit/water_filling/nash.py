"""Iterative water-filling: Jacobi, Gauss-Seidel and asynchronous schedules.

``solve_nash`` runs one schedule until the fixed-point residual
``max_{q,k} |p - WF(p)|`` is at most ``tol * max(1, max budget)`` and returns a
:class:`NashResult`.  A run that does not converge never returns its last iterate as an
equilibrium: the status says ``"cycling"`` (with the period) or ``"max_iter"``.

Counting: one Jacobi iteration is one simultaneous update of every user, one
Gauss-Seidel iteration is one sweep over the users, one asynchronous iteration is one
tick.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_int_array, check_bool, check_choice, check_int, check_positive, check_real
from mechkit.errors import InvalidInputError
from mechkit.random import SeedLike, as_generator
from mechkit.water_filling.game import ContractionCertificate, PowerGame

__all__ = ["AsyncSchedule", "NashResult", "make_schedule", "solve_nash"]

SCHEDULES = ("jacobi", "gauss_seidel", "async")
STATUSES = ("converged", "cycling", "max_iter")


@dataclass(frozen=True, repr=False, eq=False)
class AsyncSchedule:
    """An explicit asynchronous event list.

    Event ``e``: at tick ``ticks[e]`` user ``users[e]`` updates using, for each other user
    ``r``, the copy of ``p_r`` from ``min(delays[e, r], tick)`` ticks earlier (delays
    larger than the tick are clipped to it: the start profile).  Ticks are
    non-decreasing, with at most one event per user and tick.

    Attributes
    ----------
    K : int
        Number of users.
    n_ticks : int
        Length of the run in ticks.
    ticks, users : numpy.ndarray of int64, shape (E,)
        The events.
    delays : numpy.ndarray of int64, shape (E, K)
        Delay per event and source user.
    """

    K: int
    n_ticks: int
    ticks: NDArray[np.int64]
    users: NDArray[np.int64]
    delays: NDArray[np.int64]

    @property
    def max_delay(self) -> int:
        """Largest delay in the list (0 if there are no events)."""
        return int(self.delays.max()) if self.delays.size else 0

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python version."""
        return {"K": self.K, "n_ticks": self.n_ticks, "ticks": self.ticks.tolist(),
                "users": self.users.tolist(), "delays": self.delays.tolist()}

    def __repr__(self) -> str:
        return (f"AsyncSchedule(K={self.K}, n_ticks={self.n_ticks}, events={self.ticks.shape[0]}, "
                f"max_delay={self.max_delay})")

    @classmethod
    def from_events(cls, K: int, events: Sequence[Sequence[Any]], n_ticks: int | None = None
                    ) -> AsyncSchedule:
        """Build a schedule from ``(tick, user)`` or ``(tick, user, delay)`` tuples.

        ``delay`` is an int (the same for every source) or a length-``K`` sequence.

        Examples
        --------
        >>> AsyncSchedule.from_events(2, [(0, 0), (1, 1, 1), (2, 0, [0, 0])])
        AsyncSchedule(K=2, n_ticks=3, events=3, max_delay=1)
        >>> AsyncSchedule.from_events(2, [(0, 2)])
        Traceback (most recent call last):
        ...
        mechkit.errors.InvalidInputError: events: event 0 names user 2; users are 0..1
        """
        KK = check_int(K, "K", minimum=1)
        if isinstance(events, str | bytes) or not isinstance(events, Sequence):
            raise InvalidInputError(f"events: must be a sequence of (tick, user[, delay]) tuples; "
                                    f"got {type(events).__name__}")
        if len(events) == 0:
            raise InvalidInputError("events: the schedule is empty")
        ticks, users, delays = [], [], []
        for e, ev in enumerate(events):
            if not isinstance(ev, Sequence) or len(ev) not in (2, 3):
                raise InvalidInputError(f"events: event {e} must be (tick, user[, delay]); got {ev!r}")
            t = ev[0]
            u = ev[1]
            if isinstance(t, bool) or not isinstance(t, numbers.Integral) or t < 0:
                raise InvalidInputError(f"events: event {e} has tick {t!r}; ticks are ints >= 0")
            if isinstance(u, bool) or not isinstance(u, numbers.Integral) or not 0 <= u < KK:
                raise InvalidInputError(f"events: event {e} names user {u!r}; users are 0..{KK - 1}")
            d: Any = 0 if len(ev) == 2 else ev[2]
            if isinstance(d, numbers.Integral) and not isinstance(d, bool):
                drow = np.full(KK, int(d), dtype=np.int64)
            else:
                drow = as_int_array(d, f"events[{e}] delay", shape=(KK,))
            if (drow < 0).any():
                raise InvalidInputError(f"events: event {e} has a negative delay {drow.tolist()}")
            ticks.append(int(t))
            users.append(int(u))
            delays.append(drow)
        return cls.from_arrays(KK, np.array(ticks), np.array(users), np.array(delays), n_ticks)

    @classmethod
    def round_robin(cls, K: int, n_ticks: int, delay: int = 0) -> AsyncSchedule:
        """User ``n mod K`` updates at tick ``n``, reading every source ``delay`` ticks late.

        ``delay = 0`` is Gauss-Seidel (one sweep every ``K`` ticks).

        Examples
        --------
        >>> AsyncSchedule.round_robin(3, 6, delay=2).users.tolist()
        [0, 1, 2, 0, 1, 2]
        """
        KK = check_int(K, "K", minimum=1)
        T = check_int(n_ticks, "n_ticks", minimum=1)
        D = check_int(delay, "delay", minimum=0)
        t = np.arange(T, dtype=np.int64)
        return cls.from_arrays(KK, t, t % KK, np.full((T, KK), D, dtype=np.int64), T)

    @classmethod
    def stale_jacobi(cls, K: int, n_ticks: int, delay: int = 0) -> AsyncSchedule:
        """Every user updates at every tick from ``delay``-tick-old copies (``0``: Jacobi).

        Examples
        --------
        >>> s = AsyncSchedule.stale_jacobi(2, 3, delay=1)
        >>> s.ticks.tolist(), s.users.tolist(), s.max_delay
        ([0, 0, 1, 1, 2, 2], [0, 1, 0, 1, 0, 1], 1)
        """
        KK = check_int(K, "K", minimum=1)
        T = check_int(n_ticks, "n_ticks", minimum=1)
        D = check_int(delay, "delay", minimum=0)
        t = np.repeat(np.arange(T, dtype=np.int64), KK)
        u = np.tile(np.arange(KK, dtype=np.int64), T)
        return cls.from_arrays(KK, t, u, np.full((T * KK, KK), D, dtype=np.int64), T)

    @classmethod
    def from_arrays(cls, K: int, ticks: ArrayLike, users: ArrayLike, delays: ArrayLike,
                    n_ticks: int | None = None) -> AsyncSchedule:
        """Validate event arrays (``ticks`` sorted, one event per user and tick) into a schedule.

        Examples
        --------
        >>> AsyncSchedule.from_arrays(2, [0, 0], [0, 0], [[0, 0], [0, 0]])
        Traceback (most recent call last):
        ...
        mechkit.errors.InvalidInputError: events: user 0 has two events at tick 0
        """
        KK = check_int(K, "K", minimum=1)
        t = as_int_array(ticks, "ticks", ndim=1, minimum=0)
        u = as_int_array(users, "users", shape=(t.shape[0],), minimum=0, maximum=KK - 1)
        d = as_int_array(delays, "delays", shape=(t.shape[0], KK), minimum=0)
        if (np.diff(t) < 0).any():
            raise InvalidInputError("ticks: events must be sorted by tick")
        key = t * KK + u
        dup = np.flatnonzero(np.diff(key) == 0) if t.shape[0] > 1 else np.array([], dtype=int)
        if dup.size == 0:
            seen: dict[int, int] = {}
            for i, kk in enumerate(key.tolist()):
                if kk in seen:
                    dup = np.array([i])
                    break
                seen[kk] = i
        if dup.size:
            i = int(dup[0])
            raise InvalidInputError(f"events: user {int(u[i])} has two events at tick {int(t[i])}")
        last = int(t[-1]) + 1
        T = last if n_ticks is None else check_int(n_ticks, "n_ticks", minimum=last)
        for a in (t, u, d):
            a.flags.writeable = False
        return cls(KK, T, t, u, d)


def make_schedule(K: int, n_ticks: int, *, p_update: float = 0.3, max_delay: int = 0,
                  seed: SeedLike = None) -> AsyncSchedule:
    """Seeded random asynchronous schedule (the design note's reproducible recipe).

    At every tick, always in this order: ``u = rng.random(K)``, then
    ``d = rng.integers(0, max_delay + 1, size=(K, K))``; user ``q`` updates iff
    ``u[q] < p_update``, reading source ``r`` with delay ``d[q, r]`` (clipped to the tick).

    Parameters
    ----------
    K : int
        Users.
    n_ticks : int
        Ticks.
    p_update : float, default 0.3
        Probability that a user updates at a tick, in ``(0, 1]``.
    max_delay : int, default 0
        Delay bound ``D >= 0``.
    seed : int, SeedSequence, Generator or None
        Randomness.

    Returns
    -------
    AsyncSchedule

    Examples
    --------
    >>> s = make_schedule(3, 100, p_update=0.3, max_delay=5, seed=0)
    >>> s.n_ticks, s.max_delay <= 5
    (100, True)
    >>> bool((s.ticks == make_schedule(3, 100, p_update=0.3, max_delay=5, seed=0).ticks).all())
    True
    """
    KK = check_int(K, "K", minimum=1)
    T = check_int(n_ticks, "n_ticks", minimum=1)
    pu = check_real(p_update, "p_update")
    if not 0 < pu <= 1:
        raise InvalidInputError(f"p_update: must lie in (0, 1]; got {pu}")
    D = check_int(max_delay, "max_delay", minimum=0)
    rng = as_generator(seed)
    t, u, d = _draw_events(rng, KK, 0, T, pu, D)
    if t.shape[0] == 0:
        raise InvalidInputError("p_update: no user ever updates in this schedule; raise n_ticks")
    return AsyncSchedule.from_arrays(KK, t, u, d, T)


def _draw_events(rng: np.random.Generator, K: int, n0: int, n1: int, p_update: float, D: int
                 ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Events of ticks ``n0..n1-1``, drawing ``random(K)`` then ``integers(0, D+1, (K, K))`` per tick."""
    ticks: list[int] = []
    users: list[int] = []
    delays: list[NDArray[np.int64]] = []
    for n in range(n0, n1):
        u = rng.random(K)
        dd = rng.integers(0, D + 1, size=(K, K))
        for q in np.flatnonzero(u < p_update).tolist():
            ticks.append(n)
            users.append(q)
            delays.append(dd[q])
    dl = np.array(delays, dtype=np.int64).reshape(len(ticks), K)
    return np.array(ticks, dtype=np.int64), np.array(users, dtype=np.int64), dl


@dataclass(frozen=True, repr=False)
class NashResult:
    """Outcome of :func:`solve_nash`.

    Attributes
    ----------
    status : str
        ``"converged"`` (residual within tolerance: ``p`` is an approximate NE),
        ``"cycling"`` (a deterministic schedule returned to a previous state: a cycle of
        ``cycle_period`` iterations) or ``"max_iter"`` (budget of iterations / ticks /
        events exhausted).  Only ``"converged"`` makes ``p`` an equilibrium.
    p : numpy.ndarray, shape (K, N)
        Final profile (for ``"cycling"``: a point of the cycle).
    iterations : int
        Iterations performed (Jacobi updates, Gauss-Seidel sweeps or async ticks).
    residual : float
        ``max |p - WF(p)|`` at the returned ``p`` (power units).
    rate_gap : float
        Nikaido-Isoda gap at ``p`` in nats.
    trace : numpy.ndarray
        Per-iteration convergence measure (see ``trace_kind``).
    trace_kind : str
        ``"residual"`` (Jacobi: ``max |WF(p^n) - p^n|`` at each iterate),
        ``"step"`` (Gauss-Seidel: largest change in each sweep) or ``"residual@check"``
        (async: the residual every ``check_every`` ticks).
    cycle_period : int or None
        Period of the detected cycle.
    schedule : str
        The schedule used.
    tol : float
        The absolute residual tolerance applied.
    orbit : numpy.ndarray or None
        The ``cycle_period`` profiles of a detected cycle.
    error_bound : float
        When ``rho(S^max) < 1``: a certified bound on ``max |p - p*|`` (and on the weighted
        distance ``||p - p*||_w``) to the unique equilibrium ``p*``, from
        ``||p - p*||_w <= ||p - WF(p)||_w / (1 - factor)``; ``nan`` without a certificate
        (or when ``p`` puts power on unusable carriers).
    """

    status: str
    p: NDArray[np.float64]
    iterations: int
    residual: float
    rate_gap: float
    trace: NDArray[np.float64]
    trace_kind: str
    cycle_period: int | None
    schedule: str
    tol: float
    orbit: NDArray[np.float64] | None = field(default=None)
    error_bound: float = math.nan

    @property
    def converged(self) -> bool:
        """``status == "converged"``."""
        return self.status == "converged"

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python version."""
        return {
            "status": self.status, "p": self.p.tolist(), "iterations": self.iterations,
            "residual": self.residual, "rate_gap": self.rate_gap, "trace": self.trace.tolist(),
            "trace_kind": self.trace_kind, "cycle_period": self.cycle_period,
            "schedule": self.schedule, "tol": self.tol,
            "orbit": None if self.orbit is None else self.orbit.tolist(),
            "error_bound": self.error_bound,
        }

    def __repr__(self) -> str:
        extra = f", period={self.cycle_period}" if self.cycle_period else ""
        return (f"NashResult(status={self.status!r}{extra}, schedule={self.schedule!r}, "
                f"iterations={self.iterations}, residual={self.residual:.3g}, "
                f"rate_gap={self.rate_gap:.3g})")


def _damping_fn(damping: object) -> tuple[Callable[[int], float], bool]:
    """Return ``(alpha(n), constant)``."""
    if isinstance(damping, str):
        check_choice(damping, "damping", ("diminishing",))
        return (lambda n: (n + 1.0) ** -0.75), False
    if callable(damping):
        def fn(n: int) -> float:
            a = damping(n)
            if isinstance(a, bool) or not isinstance(a, numbers.Real) or not 0 < float(a) <= 1:
                raise InvalidInputError(f"damping: alpha_n must lie in (0, 1]; got {a!r} at n={n}")
            return float(a)
        return fn, False
    if isinstance(damping, bool) or not isinstance(damping, numbers.Real):
        raise InvalidInputError(
            f"damping: must be a number in (0, 1], 'diminishing' or a callable n -> alpha_n; "
            f"got {damping!r}")
    a = float(damping)
    if not 0 < a <= 1:
        raise InvalidInputError(f"damping: must lie in (0, 1]; got {a}")
    return (lambda n: a), True


@functools.lru_cache(maxsize=8)
def _probe(K: int, N: int) -> NDArray[np.float64]:
    """Three fixed linear functionals with sum |weight| = 1 (cheap state fingerprints)."""
    j = np.arange(K * N, dtype=np.float64)
    P = np.vstack([np.cos(1.0 + 0.61803398875 * j * (i + 1)) for i in range(3)])
    P /= np.abs(P).sum(axis=1, keepdims=True)
    P.flags.writeable = False
    return P


class _CycleDetector:
    """Detect a return of a deterministic iteration to an earlier state.

    Fingerprints of every iterate are compared at lags ``2..max_period``; a lag whose
    fingerprints agree within ``ctol`` for ``2 * lag`` consecutive iterations is
    confirmed by iterating the map ``lag`` times from the current state: a cycle is
    reported when the state returns within ``ctol`` while every step along the orbit is
    at least ``max(1e-6 * scale, 10 * tol)`` (so a slowly spiralling convergent run is
    not mistaken for a cycle).
    """

    def __init__(self, K: int, N: int, max_iter: int, max_period: int, ctol: float) -> None:
        self.probe = _probe(K, N)
        self.fp = np.empty((max_iter + 2, 3))
        self.counts = np.zeros(max_period + 1, dtype=np.int64)
        self.max_period = max_period
        self.ctol = ctol

    def push(self, n: int, p: NDArray[np.float64]) -> int | None:
        """Fingerprint iterate ``n`` (``p`` C-contiguous); return a candidate lag or ``None``."""
        from solvers.iwf import cycle_push

        lag = int(cycle_push(self.probe, p, self.fp, n, self.counts, self.max_period, self.ctol))
        return lag if lag else None

    def push_recorded(self, n: int) -> int | None:
        """Like :meth:`push` when ``fp[n]`` was already written (by :func:`jacobi_step_fp`)."""
        from solvers.iwf import cycle_match

        lag = int(cycle_match(self.fp, n, self.counts, self.max_period, self.ctol))
        return lag if lag else None

    def reject(self, lag: int) -> None:
        self.counts[lag] = 0


def _confirm_cycle(step: Callable[[NDArray[np.float64]], NDArray[np.float64]],
                   p: NDArray[np.float64], lag: int, ctol: float, min_step: float
                   ) -> NDArray[np.float64] | None:
    orbit = [p.copy()]
    x = p.copy()
    for _ in range(lag):
        y = step(x)
        if np.max(np.abs(y - x)) < min_step:
            return None
        x = y
        orbit.append(x.copy())
    if np.max(np.abs(x - p)) > ctol:
        return None
    # the fundamental period divides lag: take the smallest divisor that also returns
    for d in range(1, lag):
        if lag % d == 0 and np.max(np.abs(orbit[d] - p)) <= ctol:
            return np.array(orbit[:d])
    return np.array(orbit[:lag])


def solve_nash(
    game: PowerGame,
    schedule: str = "jacobi",
    *,
    damping: float | str | Callable[[int], float] = 1.0,
    p0: ArrayLike | None = None,
    project_p0: bool = False,
    tol: float = 1e-10,
    max_iter: int = 10_000,
    seed: SeedLike = None,
    delays: int = 0,
    p_update: float = 0.5,
    events: AsyncSchedule | Sequence[Sequence[Any]] | None = None,
    order: ArrayLike | None = None,
    check_every: int | None = None,
    detect_cycles: bool = True,
    max_period: int = 64,
    cycle_tol: float = 1e-12,
    measurement_noise: float = 0.0,
    parallel: bool = True,
) -> NashResult:
    """Run iterative water-filling from ``p0`` until ``max|p - WF(p)| <= tol * max(1, max P)``.

    Parameters
    ----------
    game : PowerGame
        The game.
    schedule : {"jacobi", "gauss_seidel", "async"}, default "jacobi"
        Simultaneous updates; sequential sweeps (in ``order``) with incremental
        interference updates; or asynchronous updates with bounded delays.
    damping : float in (0, 1], "diminishing" or callable, default 1.0
        ``p <- (1 - a_n) p + a_n WF(p)`` (per user for Gauss-Seidel; not for async).
        ``"diminishing"`` is ``a_n = (n + 1)^-0.75`` (sum infinite, sum of squares finite);
        a callable maps ``n`` to ``a_n`` (checked to lie in (0, 1]).
    p0 : array_like, shape (K, N), optional
        Feasible start (default: :meth:`PowerGame.initial_profile`).
    project_p0 : bool, default False
        Project an infeasible ``p0`` onto the strategy sets instead of raising.
    tol : float, default 1e-10
        Relative tolerance: the absolute one is ``tol * max(1, max budget)``.
    max_iter : int, default 10000
        Maximum iterations (async: ticks, when ``events`` is not given).
    seed : int, SeedSequence, Generator or None
        Drives the async schedule and the measurement noise.
    delays : int, default 0
        Async delay bound ``D`` for the seeded schedule (:func:`make_schedule`).
    p_update : float, default 0.5
        Async update probability per user and tick for the seeded schedule.
    events : AsyncSchedule or sequence of tuples, optional
        Explicit async events (``(tick, user[, delay])``); overrides the seeded schedule.
    order : array_like of int, optional
        Gauss-Seidel user order per sweep (a permutation of ``0..K-1``; default natural).
    check_every : int, optional
        Async: residual check period in ticks (default ``K``).
    detect_cycles : bool, default True
        Detect cycles of deterministic runs (Jacobi / Gauss-Seidel with constant damping).
    max_period : int, default 64
        Longest cycle period looked for.
    cycle_tol : float, default 1e-12
        Relative tolerance for "the state returned" (times ``max(1, max P)``).  A cycle is
        reported only when every step along it is at least ``max(1e-6, 10 tol)`` times
        ``max(1, max P)``: tiny cycles are reported as ``"max_iter"``.
    measurement_noise : float, default 0.0
        Jacobi only: users see the interference times ``exp(s Z - s^2/2)``, ``Z ~ N(0, 1)``
        i.i.d. per user, carrier and iteration, with ``s = measurement_noise``; the
        residual and trace use the true interference.
    parallel : bool, default True
        Split the Jacobi sweeps, the interference passes and the residual checks over
        numba's threads from ``K * K * N >= 65536`` multiply-adds per sweep
        (:data:`solvers.iwf.PAR_MIN_WORK`).  Every number in the result is bitwise the same
        either way; ``False`` keeps the run on one core (as ``numba.set_num_threads(1)``).
        Gauss-Seidel and asynchronous updates themselves stay sequential.

    Returns
    -------
    NashResult

    Raises
    ------
    InvalidInputError
        For a bad schedule name, damping outside (0, 1], infeasible ``p0``, a malformed
        order or event list, or options that do not apply to the schedule.

    Warns
    -----
    NoGuaranteeWarning
        When ``rho(S^max) >= 1`` (not an error: the run may still converge).

    Examples
    --------
    >>> from mechkit.water_filling.examples import cyclic_game, ping_pong_game
    >>> res = solve_nash(cyclic_game(0.6, 0.3), "gauss_seidel")
    >>> res.status, res.p.round(6).tolist()[0]
    ('converged', [0.5, 0.5])
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     bad = solve_nash(ping_pong_game(2.0), p0=[[1, 0], [1, 0]])
    >>> bad.status, bad.cycle_period
    ('cycling', 2)
    """
    from solvers.iwf import async_run, gs_sweep, interference, jacobi_step, jacobi_step_fp, sweep_threads

    if not isinstance(game, PowerGame):
        raise InvalidInputError(f"game: must be a PowerGame; got {type(game).__name__}")
    check_choice(schedule, "schedule", SCHEDULES)
    alpha_fn, constant = _damping_fn(damping)
    tol_rel = check_positive(tol, "tol")
    n_max = check_int(max_iter, "max_iter", minimum=1)
    mp = check_int(max_period, "max_period", minimum=2)
    ctol_rel = check_positive(cycle_tol, "cycle_tol")
    noise_s = check_real(measurement_noise, "measurement_noise")
    if noise_s < 0:
        raise InvalidInputError(f"measurement_noise: must be >= 0; got {noise_s}")
    if noise_s > 0 and schedule != "jacobi":
        raise InvalidInputError("measurement_noise: only the 'jacobi' schedule supports it")
    if schedule == "async" and (not constant or alpha_fn(0) != 1.0):
        raise InvalidInputError("damping: the 'async' schedule is undamped (damping must be 1.0)")
    if schedule != "async" and events is not None:
        raise InvalidInputError("events: only the 'async' schedule takes an event list")
    if schedule != "async" and check_every is not None:
        raise InvalidInputError("check_every: only the 'async' schedule takes a check period")
    if schedule != "async" and not (isinstance(delays, numbers.Integral) and delays == 0):
        raise InvalidInputError(f"delays: only the 'async' schedule takes delays; got {delays!r}")
    if schedule != "gauss_seidel" and order is not None:
        raise InvalidInputError("order: only the 'gauss_seidel' schedule takes a user order")
    K, N = game.K, game.N
    scale = max(1.0, float(game.budgets.max()))
    tol_abs = tol_rel * scale
    ctol = ctol_rel * scale
    min_step = max(1e-6 * scale, 10.0 * tol_abs)
    if p0 is None:
        p = game.initial_profile()
    elif project_p0:
        p = game.project(p0)
    else:
        p = game.check_profile(p0, "p0")
    p = np.ascontiguousarray(p, dtype=np.float64)
    game.warn_if_no_guarantee(stacklevel=2)
    args = game._kernel_args()
    # receiver chunks per sweep (results do not depend on it)
    nch = sweep_threads(K, N) if check_bool(parallel, "parallel") else 1
    intf = np.empty((K, N))
    nxt = np.empty((K, N))

    direct = np.ascontiguousarray(np.einsum("qqk->qk", game.gains), dtype=np.float64)
    cert = game.contraction_certificate()

    def finish(status: str, pf: NDArray[np.float64], it: int, trace: list[float] | NDArray[np.float64],
               kind: str, period: int | None = None, orbit: NDArray[np.float64] | None = None,
               known: tuple[float, NDArray[np.float64], NDArray[np.float64]] | None = None,
               owned: bool = False) -> NashResult:
        # known = (residual, WF(pf), interference at pf) when the caller has them already;
        # owned: pf is a work buffer of this call that nothing else references (no copy)
        if known is None:
            br = np.empty((K, N))
            intf_p = np.empty((K, N))
            res = float(jacobi_step(*args, pf, 1.0, br, intf_p, nch))
        else:
            res, br, intf_p = known
        final_status = status
        if status == "converged" and res > tol_abs:
            final_status = "max_iter"
        gap, bound = _final_metrics(direct, pf, br, intf_p, cert, game.usable)
        if not owned:
            pf = pf.copy()
        pf.flags.writeable = False
        tr = np.asarray(trace, dtype=np.float64)
        tr.flags.writeable = False
        return NashResult(final_status, pf, it, res, gap, tr, kind, period, schedule, tol_abs,
                          orbit, bound)

    if schedule == "async":
        ce = K if check_every is None else check_int(check_every, "check_every", minimum=1)
        if events is None:
            pu = check_real(p_update, "p_update")
            if not 0 < pu <= 1:
                raise InvalidInputError(f"p_update: must lie in (0, 1]; got {pu}")
            D = check_int(delays, "delays", minimum=0)
            return _run_async_seeded(game, p, as_generator(seed), n_max, pu, D, ce, tol_abs,
                                     finish, nch)
        if isinstance(events, AsyncSchedule):
            if events.K != K:
                raise InvalidInputError(f"events: schedule is for K={events.K} users; game has K={K}")
            sched = events
        else:
            sched = AsyncSchedule.from_events(K, events)
        hist = np.empty((sched.max_delay + 2, K, N))
        hist[0] = p
        trace = np.empty(sched.n_ticks // ce + 1)
        ticks, nchk, done = async_run(*args, hist, 0, sched.n_ticks, sched.ticks, sched.users,
                                      sched.delays, ce, tol_abs, trace, nch)
        status = "converged" if done else "max_iter"
        return finish(status, hist[ticks % hist.shape[0]], int(ticks), trace[:nchk],
                      "residual@check")

    detector = (_CycleDetector(K, N, n_max, mp, ctol)
                if detect_cycles and constant and noise_s == 0 else None)
    trace_list: list[float] = []
    if detector is not None:
        detector.push(0, p)

    if schedule == "jacobi":
        alpha0 = alpha_fn(0)
        rng = as_generator(seed) if noise_s > 0 else None

        def det_step(x: NDArray[np.float64]) -> NDArray[np.float64]:
            y = np.empty_like(x)
            jacobi_step(*args, x, alpha0, y, np.empty_like(x), nch)
            return y

        for n in range(n_max):
            a = alpha_fn(n)
            if detector is not None:     # the step also fingerprints the next iterate
                r = jacobi_step_fp(*args, p, a, nxt, intf, detector.probe, detector.fp[n + 1], nch)
            elif rng is None:
                r = jacobi_step(*args, p, a, nxt, intf, nch)
            else:
                r = _noisy_jacobi(game, p, a, noise_s, rng, nxt, intf, nch)
            trace_list.append(r)
            if r <= tol_abs:
                known = (r, nxt, intf) if (a == 1.0 and rng is None) else None
                return finish("converged", p, n, trace_list, "residual", known=known, owned=True)
            p, nxt = nxt, p
            if detector is not None:
                lag = detector.push_recorded(n + 1)
                if lag is not None:
                    orbit = _confirm_cycle(det_step, p, lag, ctol, min_step)
                    if orbit is None:
                        detector.reject(lag)
                    else:
                        return finish("cycling", p, n + 1, trace_list, "residual",
                                      orbit.shape[0], orbit, owned=True)
        return finish("max_iter", p, n_max, trace_list, "residual", owned=True)

    # Gauss-Seidel
    if order is None:
        ordv = np.arange(K, dtype=np.int64)
    else:
        ordv = as_int_array(order, "order", shape=(K,))
        if sorted(ordv.tolist()) != list(range(K)):
            raise InvalidInputError(f"order: must be a permutation of 0..{K - 1}; got {ordv.tolist()}")
    alpha0 = alpha_fn(0)

    def gs_step(x: NDArray[np.float64]) -> NDArray[np.float64]:
        y = x.copy()
        II = np.empty_like(x)
        interference(game.gains, game.noise, y, II, nch)
        gs_sweep(*args, y, II, ordv, alpha0)
        return y

    interference(game.gains, game.noise, p, intf, nch)
    for n in range(n_max):
        step = gs_sweep(*args, p, intf, ordv, alpha_fn(n))
        trace_list.append(step)
        if step <= tol_abs:
            r = jacobi_step(*args, p, 1.0, nxt, intf, nch)  # leaves the interference of p in intf
            if r <= tol_abs:
                return finish("converged", p, n + 1, trace_list, "step", known=(r, nxt, intf),
                              owned=True)
        if (n + 1) % 64 == 0:
            interference(game.gains, game.noise, p, intf, nch)   # refresh the incremental sums
        if detector is not None:
            lag = detector.push(n + 1, p)
            if lag is not None:
                orbit = _confirm_cycle(gs_step, p, lag, ctol, min_step)
                if orbit is None:
                    detector.reject(lag)
                else:
                    return finish("cycling", p, n + 1, trace_list, "step", orbit.shape[0], orbit,
                                  owned=True)
    return finish("max_iter", p, n_max, trace_list, "step", owned=True)


def _final_metrics(direct: NDArray[np.float64], p: NDArray[np.float64], br: NDArray[np.float64],
                   intf: NDArray[np.float64], cert: ContractionCertificate, usable: NDArray[np.bool_]
                   ) -> tuple[float, float]:
    """Nikaido-Isoda rate gap and certified error bound at ``p`` (``br = WF(p)``, ``intf`` its interference).

    The gap is ``max(0, max_q [rate_q(br_q, p_-q) - rate_q(p)])`` with each rate summed as
    ``sum_k log1p(direct * x / intf)``; the bound is ``cert.norm(p - br) / (1 - factor)``
    (``nan`` without a certificate or with power on unusable carriers).  The arithmetic is
    that of the plain numpy expressions, operation for operation, in one scratch buffer
    instead of eight fresh ``(K, N)`` temporaries.
    """
    t = np.empty_like(p)
    np.multiply(direct, br, out=t)
    np.divide(t, intf, out=t)
    np.log1p(t, out=t)
    gain = t.sum(axis=1)
    np.multiply(direct, p, out=t)
    np.divide(t, intf, out=t)
    np.log1p(t, out=t)
    gain -= t.sum(axis=1)
    gap = float(max(0.0, gain.max()))
    bound = math.nan
    if cert.certified and not np.any(p, where=~usable):
        bound = cert.norm(np.subtract(p, br, out=t)) / (1.0 - cert.factor)
    return gap, bound


def _run_async_seeded(game: PowerGame, p: NDArray[np.float64], rng: np.random.Generator,
                      n_max: int, p_update: float, D: int, check_every: int, tol_abs: float,
                      finish: Callable[..., NashResult], nch: int) -> NashResult:
    """Seeded async run, drawing the schedule in chunks (same stream as :func:`make_schedule`).

    ``nch``: receiver chunks of the residual checks (:func:`solvers.iwf.sweep_threads`).
    """
    from solvers.iwf import async_run

    K, N = game.K, game.N
    hist = np.empty((D + 2, K, N))
    hist[0] = p
    chunk = max(256, 8 * check_every)
    traces: list[NDArray[np.float64]] = []
    n = 0
    while n < n_max:
        n1 = min(n_max, n + chunk)
        t, u, d = _draw_events(rng, K, n, n1, p_update, D)
        trace = np.empty((n1 - n) // check_every + 2)
        reached, nchk, done = async_run(*game._kernel_args(), hist, n, n1, t, u, d, check_every,
                                        tol_abs, trace, nch)
        traces.append(trace[:nchk].copy())
        if done:
            return finish("converged", hist[reached % (D + 2)], int(reached),
                          np.concatenate(traces), "residual@check")
        n = n1
    return finish("max_iter", hist[n % (D + 2)], n, np.concatenate(traces), "residual@check")


def _noisy_jacobi(game: PowerGame, p: NDArray[np.float64], alpha: float, s: float,
                  rng: np.random.Generator, out: NDArray[np.float64], intf: NDArray[np.float64],
                  nch: int) -> float:
    """One Jacobi step with multiplicatively perturbed interference; returns the true residual."""
    from solvers.iwf import jacobi_step
    from solvers.waterfill import wf_rows_select

    G, noise, invd, P, ceff = game._kernel_args()
    true_res = float(jacobi_step(G, noise, invd, P, ceff, p, 1.0, out, intf, nch))
    meas = intf * np.exp(s * rng.standard_normal(intf.shape) - s * s / 2.0)
    W = np.ascontiguousarray(np.where(invd > 0, meas * invd, 1.0))
    wf_rows_select(W, P.copy(), ceff.copy(), out, np.empty(game.K))
    if alpha != 1.0:
        out[:] = p + alpha * (out - p)
    return true_res
