"""Strategyproofness audits: certificates for phantom mechanisms, searches otherwise.

``audit_strategyproofness(mechanism, x)`` returns the largest gain an agent can obtain
by misreporting, ``|f(x) - x_i| - |f(d, x_-i) - x_i|`` (expected distances for
lotteries), with the agent and the deviation ``d`` as a re-evaluable witness.

* The library's phantom mechanisms (anonymous phantoms, monotone Moulin constants,
  mixtures of order statistics; registered or bound from the registry) are strategyproof
  by Moulin's theorem: the verdict is a **certificate**.  A user-built
  :class:`~mechkit.facility.mechanisms.Mechanism` that only *declares* a
  ``phantom_form`` is searched like any other mechanism.  For anonymous phantoms the
  full candidate set is still evaluated with the incremental-median kernel and the
  (zero) gain reported.
* Any other mechanism (or a plain callable) is **searched**: for each agent the
  deviations are ``{0, 1}``, every report, the declared phantoms, the midpoints between
  consecutive candidates, ``x_i +- resolution/8`` and a grid of step ``resolution``;
  then the best intervals are refined by golden-section search.  A search that finds
  nothing says *"no manipulation found at resolution h"*, never "strategyproof":
  discontinuous strategyproof and manipulable rules exist that a grid can miss.

Examples
--------
>>> from fractions import Fraction as F
>>> from mechkit.facility import mean, uniform_phantom, ufs_clipped_median
>>> res = audit_strategyproofness(mean, [F(1, 10), F(3, 10), F(9, 10)])
>>> res.max_gain, res.agent, res.deviation
(Fraction(1, 10), 1, Fraction(0, 1))
>>> audit_strategyproofness(uniform_phantom, [0.1, 0.3, 0.9]).verdict
'strategyproof (certificate)'
>>> audit_strategyproofness(ufs_clipped_median, [0, 0, 0, 0.25]).max_gain
0.25
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mechkit._validate import check_choice, check_int, check_positive, check_real
from mechkit.errors import InvalidInputError
from mechkit.facility._profile import as_batch, as_exact_profile, as_float_profile, is_exact_input
from mechkit.facility.lottery import Lottery, LotteryBatch
from mechkit.facility.mechanisms import Mechanism, resolve_mechanism

__all__ = [
    "GroupAuditResult",
    "SPAuditResult",
    "audit_group_strategyproofness",
    "audit_strategyproofness",
    "certificate_for",
]

DEFAULT_RESOLUTION = 1 / 64
#: Finest search grid (the search evaluates about ``2 / resolution`` deviations per agent).
MIN_RESOLUTION = 1e-5
#: Largest group-audit enumeration (coalitions x joint deviations) accepted.
MAX_GROUP_EVALUATIONS = 5_000_000
#: Largest float search matrix (profiles x agents entries) built for one profile.
MAX_SEARCH_CELLS = 50_000_000
GOLDEN_ITERATIONS = 40


def _check_atol(atol: Any) -> float:
    tol = check_real(atol, "atol")
    if tol < 0:
        raise InvalidInputError(f"atol: must be >= 0 (a gain above atol is a manipulation); got {tol}")
    return tol


@dataclass(frozen=True)
class SPAuditResult:
    """Outcome of a strategyproofness audit.

    Attributes
    ----------
    max_gain : float or Fraction
        Largest cost reduction found (0 when truth-telling is best among the candidates).
    agent : int
        The manipulating agent (index into the profile).
    deviation : float or Fraction
        The misreport achieving ``max_gain``.
    profile : tuple
        The audited profile (for a batch: the profile with the largest gain).
    outcome, deviated_outcome : object
        ``f(profile)`` and ``f(deviation, profile_-agent)``.
    verdict : str
        ``"strategyproof (certificate)"``, ``"manipulable"`` or
        ``"no manipulation found at resolution h"``.
    method : str
        ``"certificate"`` or ``"search"``.
    certificate : str or None
        The theorem behind a certificate.
    resolution : float or None
        Grid step of a search.
    evaluations : int
        Mechanism evaluations performed.
    gains : numpy.ndarray or None
        Per-profile largest gains when a batch was audited.
    profile_index : int
        Row of the witness profile in a batch (0 for one profile).
    """

    max_gain: Any
    agent: int
    deviation: Any
    profile: tuple[Any, ...]
    outcome: Any
    deviated_outcome: Any
    verdict: str
    method: str
    certificate: str | None = None
    resolution: float | None = None
    evaluations: int = 0
    gains: NDArray[np.float64] | None = field(default=None, repr=False)
    profile_index: int = 0
    atol: float = 1e-12

    @property
    def manipulable(self) -> bool:
        """True when some agent gains more than ``atol`` by misreporting."""
        return bool(self.max_gain > self.atol)

    def witness_profile(self) -> tuple[Any, ...]:
        """The profile with the manipulating agent's report replaced by the deviation."""
        p = list(self.profile)
        p[self.agent] = self.deviation
        return tuple(p)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (exact numbers as strings)."""
        def conv(v: Any) -> Any:
            if isinstance(v, Fraction):
                return str(v)
            if isinstance(v, Lottery):
                return v.to_dict()
            if isinstance(v, tuple):  # budget setting: reports and allocations
                return [conv(u) for u in v]
            return v
        return {"max_gain": conv(self.max_gain), "agent": self.agent,
                "deviation": conv(self.deviation), "profile": [conv(v) for v in self.profile],
                "outcome": conv(self.outcome), "deviated_outcome": conv(self.deviated_outcome),
                "verdict": self.verdict, "method": self.method, "certificate": self.certificate,
                "resolution": self.resolution, "evaluations": self.evaluations,
                "profile_index": self.profile_index}

    def __repr__(self) -> str:
        return (f"SPAuditResult({self.verdict}: max_gain={self.max_gain}, agent={self.agent}, "
                f"deviation={self.deviation})")


def certificate_for(mechanism: Any) -> str | None:
    """The strategyproofness theorem covering a built-in mechanism, or ``None``.

    Only mechanisms evaluated by the library's own phantom-median implementations (the
    registered ones and their :meth:`~mechkit.facility.mechanisms.Mechanism.bind` copies)
    are certified; a declared ``phantom_form`` alone is not a proof.

    Examples
    --------
    >>> from mechkit.facility import median, mean
    >>> certificate_for(median)[:40]
    'anonymous generalized median (phantoms 0'
    >>> certificate_for(mean) is None
    True
    """
    if not isinstance(mechanism, Mechanism) or not _is_builtin(mechanism):
        return None
    if mechanism.phantom_form == "anonymous":
        return ("anonymous generalized median (phantoms 0/1 pad to n+1 points): Moulin (1980) -- "
                "strategyproof and group-strategyproof for single-peaked preferences")
    if mechanism.phantom_form == "moulin":
        return ("min-max generalized median with monotone coalition constants (validated): "
                "Moulin (1980) -- strategyproof for single-peaked preferences")
    if mechanism.name == "random_rank":
        return ("mixture of order statistics (each a generalized median): strategyproof in "
                "expectation")
    return None


def _is_builtin(mech: Mechanism) -> bool:
    """True when ``mech`` evaluates with a registered mechanism's own implementation.

    The certificates are theorems about the library's phantom-median implementations; a
    user-built :class:`Mechanism` that merely *declares* ``phantom_form`` may compute
    something else, so it is searched instead of certified.
    """
    from mechkit.facility.mechanisms import MECHANISMS

    base = mech.name.split("(")[0]
    if base not in MECHANISMS:
        return False
    reg = MECHANISMS.get(base)
    return (isinstance(reg, Mechanism) and reg._exact is mech._exact and reg._batch is mech._batch
            and reg._phantoms is mech._phantoms and reg.phantom_form == mech.phantom_form)


def _costs(mech: Any, P: NDArray[np.float64], agents: NDArray[np.int64],
           peaks: NDArray[np.float64]) -> tuple[NDArray[np.float64], Any]:
    """Cost of agent ``agents[r]`` with peak ``peaks[r]`` on profile row ``P[r]``."""
    out = mech.batch(P)
    if isinstance(out, LotteryBatch):
        dist = np.abs(out.support - peaks[:, None]) @ out.probs
        return dist, out
    return np.abs(out - peaks), out


def _candidates(x: NDArray[np.float64], extra: list[float], h: float) -> NDArray[np.float64]:
    base = np.concatenate([[0.0, 1.0], x, extra, np.arange(0.0, 1.0 + h / 2, h)])
    base = np.unique(np.clip(base, 0.0, 1.0))
    mids = (base[1:] + base[:-1]) / 2
    return np.unique(np.concatenate([base, mids]))


def _golden(mech: Any, x: NDArray[np.float64], agents: list[int], intervals: list[tuple[float, float]]
            ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Vectorised golden-section minimisation of each agent's cost over its interval."""
    invphi = (math.sqrt(5) - 1) / 2
    a = np.array([iv[0] for iv in intervals])
    b = np.array([iv[1] for iv in intervals])
    ag = np.array(agents, dtype=np.int64)
    peaks = x[ag]

    def cost(d: NDArray[np.float64]) -> NDArray[np.float64]:
        P = np.repeat(x[None, :], len(ag), axis=0)
        P[np.arange(len(ag)), ag] = d
        return _costs(mech, P, ag, peaks)[0]

    c, d = b - invphi * (b - a), a + invphi * (b - a)
    fc, fd = cost(c), cost(d)
    for _ in range(GOLDEN_ITERATIONS):
        left = fc < fd  # the minimum lies in [a, d]: shrink from the right
        a_new = np.where(left, a, c)
        b_new = np.where(left, d, b)
        new_pt = np.where(left, b_new - invphi * (b_new - a_new), a_new + invphi * (b_new - a_new))
        f_new = cost(new_pt)
        c, fc, d, fd = (np.where(left, new_pt, d), np.where(left, f_new, fd),
                        np.where(left, c, new_pt), np.where(left, fc, f_new))
        a, b = a_new, b_new
    best_d = np.where(fc < fd, c, d)
    return best_d, cost(best_d)


def _search_one(mech: Any, x: NDArray[np.float64], h: float, refine: bool
                ) -> tuple[float, int, float, Any, Any, int]:
    n = x.size
    extra = [float(v) for v in (mech.phantoms(n) or [])]
    cand = _candidates(x, extra, h)
    rows, agents, devs = [], [], []
    for i in range(n):
        near = np.clip([x[i] - h / 8, x[i] + h / 8], 0.0, 1.0)
        di = np.unique(np.concatenate([cand, near]))
        P = np.repeat(x[None, :], di.size + 1, axis=0)
        P[1:, i] = di
        rows.append(P)
        agents.append(np.full(di.size + 1, i))
        devs.append(np.concatenate([[x[i]], di]))
    P = np.concatenate(rows)
    ag = np.concatenate(agents)
    dv = np.concatenate(devs)
    costs, _ = _costs(mech, P, ag, x[ag])
    evaluations = P.shape[0]
    starts = np.cumsum([0] + [r.shape[0] for r in rows[:-1]])
    truth = costs[starts]
    gains = truth[np.searchsorted(starts, np.arange(P.shape[0]), side="right") - 1] - costs
    k = int(np.argmax(gains))
    best = (float(gains[k]), int(ag[k]), float(dv[k]))
    if refine:
        intervals, who = [], []
        for i in range(n):
            sl = slice(starts[i] + 1, starts[i] + rows[i].shape[0])
            ci, di = costs[sl], dv[sl]
            for q in np.argsort(ci, kind="stable")[:2]:
                lo = di[q - 1] if q > 0 else di[q]
                hi = di[q + 1] if q + 1 < di.size else di[q]
                if hi > lo:
                    intervals.append((float(lo), float(hi)))
                    who.append(i)
        if intervals:
            d_ref, c_ref = _golden(mech, x, who, intervals)
            evaluations += len(who) * (GOLDEN_ITERATIONS + 3)
            for r, i in enumerate(who):
                g = float(truth[i] - c_ref[r])
                if g > best[0]:
                    best = (g, i, float(d_ref[r]))
    g, i, d = best
    P1 = np.repeat(x[None, :], 2, axis=0)
    P1[1, i] = d
    out = mech.batch(P1)
    y, yd = (out.row(0), out.row(1)) if isinstance(out, LotteryBatch) else (float(out[0]), float(out[1]))
    return g, i, d, y, yd, evaluations


def _exact_cost(mech: Any, prof: list[Fraction], peak: Fraction) -> Any:
    y = mech(prof, exact=True)
    return (y.expected_distance(peak) if isinstance(y, Lottery) else abs(y - peak)), y


def _search_exact(mech: Any, x: list[Fraction], h: Fraction
                  ) -> tuple[Any, int, Any, Any, Any, int]:
    n = len(x)
    base = {Fraction(0), Fraction(1), *x, *(mech.phantoms(n) or [])}
    steps = math.ceil(1 / h)  # grid step 1/steps <= h
    base.update(Fraction(k, steps) for k in range(steps + 1))
    srt = sorted(base)
    cand = sorted(set(srt) | {(a + b) / 2 for a, b in itertools.pairwise(srt)})
    best: tuple[Any, int, Any] = (Fraction(-2), 0, x[0])
    evaluations = 0
    for i in range(n):
        truth, _ = _exact_cost(mech, x, x[i])
        seen: list[tuple[Fraction, Any, Any]] = []
        for d in cand:
            prof = list(x)
            prof[i] = d
            c, y = _exact_cost(mech, prof, x[i])
            seen.append((d, c, y))
        # secant step: where the outcome crosses the peak between two candidates, the
        # deviation hitting the peak exactly (exact for mechanisms affine between candidates)
        for (d1, _, y1), (d2, _, y2) in itertools.pairwise(list(seen)):
            if isinstance(y1, Fraction) and isinstance(y2, Fraction) and y1 != y2 \
                    and min(y1, y2) < x[i] < max(y1, y2):
                d = d1 + (x[i] - y1) * (d2 - d1) / (y2 - y1)
                prof = list(x)
                prof[i] = d
                c, y = _exact_cost(mech, prof, x[i])
                seen.append((d, c, y))
        evaluations += len(seen)
        for d, c, _ in seen:
            if truth - c > best[0]:
                best = (truth - c, i, d)
    g, i, d = best
    prof = list(x)
    prof[i] = d
    return g, i, d, mech(x, exact=True), mech(prof, exact=True), evaluations


def audit_strategyproofness(
    mechanism: Any,
    x: Any,
    *,
    method: str = "auto",
    resolution: float | None = None,
    refine: bool = True,
    exact: bool | None = None,
    atol: float | None = None,
    domain: Any = None,
    clip: bool = False,
    setting: str = "auto",
    seed: Any = None,
) -> SPAuditResult:
    """Audit a mechanism for profitable single-agent misreports on a profile (or a batch).

    Parameters
    ----------
    mechanism : Mechanism, str or callable
        A registered/bound mechanism, its name, or a black box ``f(x) -> float`` (it
        receives a 1-D float array; a list of ``Fraction`` s in exact mode).
    x : array_like
        One profile ``(n,)`` or a batch ``(B, n)`` (float mode only); ``Fraction``
        entries switch to exact arithmetic.
    method : {"auto", "certificate", "search"}
        ``auto`` certifies declared phantom mechanisms and searches otherwise.
    resolution : float, optional
        Grid step of the search, in ``[1e-5, 1]`` (default 1/64; exact mode: the grid
        ``k / ceil(1/resolution)``); a float search whose matrix would exceed
        ``MAX_SEARCH_CELLS`` entries per profile is refused.
    refine : bool, default True
        Golden-section refinement around each agent's two best candidates (float mode).
    exact : bool, optional
        Exact ``Fraction`` search (default: when ``x`` holds a ``Fraction``).
    atol : float, optional
        A gain above ``atol`` (``>= 0``) counts as a manipulation (float mode; default
        ``1e-12``, and ``1e-9`` in the budget setting, whose float ``t*`` is solved to
        ``1e-12`` per unit of sum).
    domain : (a, b), optional
        Reports live on ``[a, b]``.  A registered mechanism is the affine image of its
        ``[0, 1]`` rule; a plain callable receives and returns points of ``[a, b]``.
        Gains, deviations and outcomes are reported in domain units; ``resolution`` is
        relative to the width ``b - a``.
    clip : bool, default False
        Clip finite reports outside the domain instead of raising.
    setting : {"auto", "facility", "budget"}
        ``budget``: ``x`` is an ``(n, m)`` profile of reports on the simplex (or a
        ``(B, n, m)`` batch), the mechanism returns an allocation and costs are
        ``l1`` distances (Freeman et al.); see :func:`audit_budget_strategyproofness`.
        ``auto`` picks it for the moving-phantom mechanisms.
    seed : int or numpy.random.Generator, optional
        Random deviations of the budget search.

    Returns
    -------
    SPAuditResult

    Examples
    --------
    >>> from mechkit.facility import midpoint
    >>> res = audit_strategyproofness(midpoint, [0.1, 0.3, 0.9])
    >>> round(res.max_gain, 12), res.agent, res.deviation, res.verdict
    (0.05, 0, 0.0, 'manipulable')
    """
    from mechkit.facility._profile import check_clip, check_domain

    check_choice(setting, "setting", ("auto", "facility", "budget"))
    if setting == "budget" or (setting == "auto" and _is_budget(mechanism)):
        from mechkit.facility.budget_audit import audit_budget_strategyproofness

        if domain is not None or clip:
            raise InvalidInputError("domain: the budget setting lives on the simplex; domain= and "
                                    "clip= do not apply")
        return audit_budget_strategyproofness(
            mechanism, x, method=method, resolution=resolution, refine=refine, exact=exact,
            atol=1e-9 if atol is None else atol, seed=seed)
    if seed is not None:
        raise InvalidInputError("seed: only the budget search draws random deviations; got "
                                f"seed={seed!r} in the facility setting")
    atol = 1e-12 if atol is None else atol
    dom, clp = check_domain(domain), check_clip(clip)
    if not dom.is_unit or clp:
        return _audit_on_domain(mechanism, x, dom, clp, method=method, resolution=resolution,
                                refine=refine, exact=exact, atol=atol)
    mech = resolve_mechanism(mechanism)
    check_choice(method, "method", ("auto", "certificate", "search"))
    tol = _check_atol(atol)
    cert = certificate_for(mech)
    if method == "certificate" and cert is None:
        raise InvalidInputError(
            f"method: no strategyproofness certificate for {getattr(mech, 'name', mech)!r} (only "
            "declared phantom mechanisms have one); use method='search'"
        )
    use_cert = cert is not None and method in ("auto", "certificate")
    h = DEFAULT_RESOLUTION if resolution is None else check_positive(resolution, "resolution")
    if h > 1:
        raise InvalidInputError(f"resolution: must be <= 1; got {h}")
    if h < MIN_RESOLUTION:
        raise InvalidInputError(f"resolution: must be >= {MIN_RESOLUTION:g} (the search evaluates "
                                f"about 2/resolution deviations per agent); got {h}")
    use_exact = is_exact_input(x) if exact is None else bool(exact)
    if use_exact:
        xs = as_exact_profile(x)
        if use_cert:
            y = mech(xs, exact=True)
            return SPAuditResult(Fraction(0), 0, xs[0], tuple(xs), y, y,
                                 "strategyproof (certificate)", "certificate", cert)
        hf = Fraction(h).limit_denominator(10**6)
        g, i, d, y, yd, ev = _search_exact(mech, xs, hf)
        verdict = "manipulable" if g > 0 else f"no manipulation found at resolution {hf}"
        return SPAuditResult(g, i, d, tuple(xs), y, yd, verdict, "search", None, float(hf), ev,
                             atol=0.0)
    arr = np.asarray(x, dtype=object) if not isinstance(x, np.ndarray) else x
    X = as_batch(x) if arr.ndim == 2 else as_float_profile(x)[None, :]
    batch = arr.ndim == 2
    if use_cert:
        ph = mech.phantoms(X.shape[1]) if hasattr(mech, "phantoms") else None
        if ph is not None:
            from solvers.facility_audit import phantom_audit_batch

            gains, agents, devs, ev = phantom_audit_batch(
                X, np.ascontiguousarray([float(v) for v in ph]))
            b = int(np.argmax(gains))
            i, d = int(agents[b]), float(devs[b])
        else:
            gains, b, i, d, ev = np.zeros(X.shape[0]), 0, 0, float(X[0, 0]), 0
        prof = X[b].copy()
        dev = prof.copy()
        dev[i] = d
        y, yd = mech(prof), mech(dev)
        return SPAuditResult(float(gains[b]), i, d, tuple(float(v) for v in prof), y, yd,
                             "strategyproof (certificate)", "certificate", cert, None, int(ev),
                             gains if batch else None, b, tol)
    n = X.shape[1]
    cells = n * n * (2 * math.ceil(1 / h) + 2 * n + 16)
    if cells > MAX_SEARCH_CELLS:
        raise InvalidInputError(
            f"resolution: a search at resolution {h:g} with n={n} agents builds about {cells} "
            f"profile entries per profile (more than {MAX_SEARCH_CELLS}); use a coarser resolution"
        )
    all_gains = np.empty(X.shape[0])
    best: tuple[float, int, float, Any, Any] | None = None
    best_b, total = 0, 0
    for b in range(X.shape[0]):
        g, i, d, y, yd, ev = _search_one(mech, X[b], h, refine)
        total += ev
        all_gains[b] = g
        if best is None or g > best[0]:
            best, best_b = (g, i, d, y, yd), b
    assert best is not None
    g, i, d, y, yd = best
    verdict = "manipulable" if g > tol else f"no manipulation found at resolution {h:g}"
    return SPAuditResult(g, i, d, tuple(float(v) for v in X[best_b]), y, yd, verdict, "search",
                         None, h, total, all_gains if batch else None, best_b, tol)


def _is_budget(mechanism: Any) -> bool:
    from mechkit.facility.budget import MovingPhantomMechanism

    if isinstance(mechanism, str):
        from mechkit.facility.mechanisms import get_mechanism

        mechanism = get_mechanism(mechanism)
    return isinstance(mechanism, MovingPhantomMechanism)


def _audit_on_domain(mechanism: Any, x: Any, dom: Any, clip: bool, **kw: Any) -> SPAuditResult:
    """Audit on ``[a, b]``: map to ``[0, 1]``, audit the conjugate rule, map the result back."""
    import dataclasses

    from mechkit.facility._profile import prepare_batch, prepare_profile
    from mechkit.facility.mechanisms import on_unit_interval

    mech = on_unit_interval(mechanism, dom)
    use_exact = is_exact_input(x) if kw.get("exact") is None else bool(kw["exact"])
    kw["atol"] = _check_atol(kw["atol"]) / (float(dom.high) - float(dom.low))  # unit-scale gains
    arr = np.asarray(x, dtype=object) if not isinstance(x, np.ndarray) else x
    if use_exact:
        z: Any = prepare_profile(x, exact=True, domain=dom, clip=clip)
    elif arr.ndim == 2:
        z = prepare_batch(x, domain=dom, clip=clip)
    else:
        z = prepare_profile(x, exact=False, domain=dom, clip=clip)
    res = audit_strategyproofness(mech, z, **kw)
    return dataclasses.replace(
        res, max_gain=dom.scale(res.max_gain), deviation=dom.from_unit(res.deviation),
        profile=tuple(dom.from_unit(v) for v in res.profile), outcome=dom.from_unit(res.outcome),
        deviated_outcome=dom.from_unit(res.deviated_outcome),
        gains=None if res.gains is None else dom.scale(res.gains),
        atol=dom.scale(res.atol))


@dataclass(frozen=True)
class GroupAuditResult:
    """Outcome of a group-strategyproofness audit.

    Attributes
    ----------
    manipulable : bool
        Whether a coalition deviation makes every member weakly better off (within
        ``atol``) and some member strictly better off.
    coalition : tuple of int
        The coalition of the best violation found (empty if none).
    deviation : tuple
        The coalition's joint misreport.
    gains : tuple
        Each member's cost reduction under that misreport.
    verdict : str
        ``"group-strategyproof (certificate)"``, ``"group-manipulable"`` or
        ``"no group manipulation found at resolution h"``.
    evaluations : int
        Mechanism evaluations performed.
    """

    manipulable: bool
    coalition: tuple[int, ...]
    deviation: tuple[Any, ...]
    gains: tuple[Any, ...]
    verdict: str
    evaluations: int = 0
    certificate: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {"manipulable": self.manipulable, "coalition": list(self.coalition),
                "deviation": [float(v) for v in self.deviation],
                "gains": [float(v) for v in self.gains], "verdict": self.verdict,
                "evaluations": self.evaluations, "certificate": self.certificate}


MAX_GROUP_AGENTS = 10


def audit_group_strategyproofness(
    mechanism: Any,
    x: Any,
    *,
    max_size: int = 2,
    resolution: float | None = None,
    method: str = "auto",
    atol: float = 1e-12,
    domain: Any = None,
    clip: bool = False,
) -> GroupAuditResult:
    """Search coalitions of size 2..``max_size`` for a joint misreport helping all members.

    Deviations of each member range over ``{0, 1}``, every report, declared phantoms, a
    grid of step ``resolution`` (default 1/16) and the midpoints between them, so the
    cost is ``O(C(n, k) * |cand|^k)`` evaluations; ``n <= 10``.

    Parameters
    ----------
    mechanism : Mechanism, str or callable
        The mechanism to audit.
    x : array_like, shape (n,)
        One profile.
    max_size : int, default 2
        Largest coalition size searched.
    resolution : float, optional
        Grid step in ``[1e-5, 1]`` (default 1/16); enumerations beyond
        ``MAX_GROUP_EVALUATIONS`` joint deviations are refused.
    method : {"auto", "certificate", "search"}
        ``auto`` returns the certificate for anonymous phantom mechanisms (Moulin: they
        are group-strategyproof) and searches otherwise.
    atol : float, default 1e-12
        Tolerance on gains (in domain units).
    domain : (a, b), optional
        Reports live on ``[a, b]`` (as in :func:`audit_strategyproofness`); deviations
        and gains are reported in domain units, ``resolution`` is relative to ``b - a``.
    clip : bool, default False
        Clip finite reports outside the domain instead of raising.

    Returns
    -------
    GroupAuditResult

    Examples
    --------
    >>> from mechkit.facility import mean
    >>> res = audit_group_strategyproofness(mean, [0.1, 0.3, 0.9])
    >>> res.manipulable, res.coalition
    (True, (0, 1))
    """
    import dataclasses

    from mechkit.facility._profile import check_clip, check_domain, prepare_profile
    from mechkit.facility.mechanisms import on_unit_interval

    dom, clp = check_domain(domain), check_clip(clip)
    if not dom.is_unit or clp:
        width = float(dom.high) - float(dom.low)
        res = audit_group_strategyproofness(
            on_unit_interval(mechanism, dom), prepare_profile(x, exact=False, domain=dom, clip=clp),
            max_size=max_size, resolution=resolution, method=method, atol=_check_atol(atol) / width)
        return dataclasses.replace(res, deviation=tuple(dom.from_unit(v) for v in res.deviation),
                                   gains=tuple(width * g for g in res.gains))
    mech = resolve_mechanism(mechanism)
    check_choice(method, "method", ("auto", "certificate", "search"))
    X = as_float_profile(x)
    n = X.size
    if n > MAX_GROUP_AGENTS:
        raise InvalidInputError(f"x: group audits enumerate coalitions; n must be <= "
                                f"{MAX_GROUP_AGENTS}, got n={n}")
    k_max = check_int(max_size, "max_size", minimum=2, maximum=max(2, n))
    tol = _check_atol(atol)
    anon_phantom = (isinstance(mech, Mechanism) and mech.phantom_form == "anonymous"
                    and _is_builtin(mech))
    if method == "certificate" and not anon_phantom:
        raise InvalidInputError("method: group-strategyproofness certificates exist only for "
                                "anonymous phantom mechanisms; use method='search'")
    if anon_phantom and method != "search":
        return GroupAuditResult(False, (), (), (), "group-strategyproof (certificate)", 0,
                                "anonymous generalized medians are group-strategyproof (Moulin 1980)")
    h = 1 / 16 if resolution is None else check_positive(resolution, "resolution")
    if h > 1:
        raise InvalidInputError(f"resolution: must be <= 1; got {h}")
    if h < MIN_RESOLUTION:
        raise InvalidInputError(f"resolution: must be >= {MIN_RESOLUTION:g}; got {h}")
    extra = [float(v) for v in (mech.phantoms(n) or [])]
    cand = _candidates(X, extra, h)
    rows = sum(math.comb(n, k) * cand.size**k for k in range(2, min(k_max, n) + 1))
    if rows > MAX_GROUP_EVALUATIONS:
        raise InvalidInputError(
            f"max_size: coalitions up to size {k_max} with {cand.size} candidate reports each need "
            f"{rows} evaluations (more than {MAX_GROUP_EVALUATIONS}); lower max_size or raise "
            "resolution")
    truth_out = mech.batch(X[None, :])
    if isinstance(truth_out, LotteryBatch):
        truth = np.abs(truth_out.support[0][None, :] - X[:, None]) @ truth_out.probs
    else:
        truth = np.abs(truth_out[0] - X)
    best: tuple[float, tuple[int, ...], tuple[float, ...], tuple[float, ...]] | None = None
    evaluations = 0
    for k in range(2, min(k_max, n) + 1):
        grids = np.array(list(itertools.product(cand, repeat=k)))
        for coal in itertools.combinations(range(n), k):
            P = np.repeat(X[None, :], grids.shape[0], axis=0)
            P[:, list(coal)] = grids
            out = mech.batch(P)
            evaluations += P.shape[0]
            if isinstance(out, LotteryBatch):
                cost = np.stack([np.abs(out.support - X[i]) @ out.probs for i in coal], axis=1)
            else:
                cost = np.abs(out[:, None] - X[list(coal)][None, :])
            g = truth[list(coal)][None, :] - cost
            ok = (g >= -tol).all(axis=1) & (g > tol).any(axis=1)
            if ok.any():
                score = np.where(ok, g.max(axis=1), -np.inf)
                r = int(np.argmax(score))
                if best is None or score[r] > best[0]:
                    best = (float(score[r]), coal, tuple(float(v) for v in grids[r]),
                            tuple(float(v) for v in g[r]))
    if best is None:
        return GroupAuditResult(False, (), (), (), f"no group manipulation found at resolution {h:g}",
                                evaluations)
    return GroupAuditResult(True, best[1], best[2], best[3], "group-manipulable", evaluations)
