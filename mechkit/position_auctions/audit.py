"""Truthfulness audit: the largest gain any bidder gets by misreporting, with a witness.

For every bidder ``i`` (true value = its bid in the instance) the audit evaluates the
utility ``v_i pi_i(b', b_-i) - p_i(b', b_-i)`` over a grid of misreports ``b'`` plus the
breakpoints of ``i``'s CTR curve (every jump between two grid points is located by
bisection, left to right, then probed just below and just above), and reports the largest gain over
truthful bidding.  It also checks individual rationality (utility at the truth ``>=
-tol``) and no positive transfers (payments ``>= -tol``) at every evaluated profile.

Examples
--------
>>> from mechkit.position_auctions import AuctionInstance
>>> inst = AuctionInstance([10, 4, 2], ctr=[[1, 0.95], [1, 0.95], [1, 0.95]],
...                        model="independent")
>>> audit = truthfulness_audit("gsp", inst)
>>> audit.truthful, audit.witness.bidder, round(audit.max_gain, 6)
(False, 0, 1.6)
>>> truthfulness_audit("vcg", inst).truthful
True
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mechkit._validate import as_float_array, check_int, check_positive
from mechkit.errors import InvalidInputError
from mechkit.position_auctions.instance import AuctionInstance
from mechkit.position_auctions.mechanisms import MECHANISMS, MechanismOutcome

__all__ = ["AuditResult", "AuditWitness", "truthfulness_audit"]


@dataclass(frozen=True)
class AuditWitness:
    """A misreport and what it earns."""

    bidder: int
    value: float
    misreport: float
    truthful_utility: float
    misreport_utility: float

    @property
    def gain(self) -> float:
        """``misreport_utility - truthful_utility``."""
        return self.misreport_utility - self.truthful_utility


@dataclass(frozen=True)
class AuditResult:
    """Outcome of :func:`truthfulness_audit`.

    Attributes
    ----------
    max_gain : float
        Largest utility gain from misreporting found (``<= 0`` up to ``tol`` means none).
    witness : AuditWitness or None
        The misreport achieving ``max_gain`` (None when there are no bidders).
    truthful : bool
        ``max_gain <= tol``.
    individually_rational : bool
        Truthful utilities are all ``>= -tol``.
    no_positive_transfers : bool
        No evaluated payment is below ``-tol``.
    breakpoints : dict
        Per bidder, the bids where its CTR jumps, each located to within
        ``(grid spacing) / 2**refine`` (about ``1e-12`` relative with the defaults).  Jumps
        that cancel between two grid points (a non-monotone CTR) are not seen: the audit
        is a search over the evaluated reports, not a proof.
    n_evaluations : int
        Mechanism runs performed.
    """

    max_gain: float
    witness: AuditWitness | None
    truthful: bool
    individually_rational: bool
    no_positive_transfers: bool
    breakpoints: dict[int, tuple[float, ...]] = field(default_factory=dict)
    n_evaluations: int = 0
    tol: float = 1e-9

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        out = dict(self.__dict__)
        out["witness"] = None if self.witness is None else dict(self.witness.__dict__)
        return out

    def __repr__(self) -> str:
        return (f"AuditResult(truthful={self.truthful}, max_gain={self.max_gain:.3g}, "
                f"IR={self.individually_rational}, NPT={self.no_positive_transfers}, "
                f"evaluations={self.n_evaluations})")


def _runner(mechanism: str | Callable[..., MechanismOutcome], kwargs: dict[str, Any]
            ) -> Callable[[AuctionInstance], MechanismOutcome]:
    if isinstance(mechanism, str):
        fn = MECHANISMS.get(mechanism)
        if mechanism == "myerson" and "priors" not in kwargs:
            raise InvalidInputError("priors: the 'myerson' mechanism needs priors=...")
        return lambda inst: fn(inst, **kwargs)
    if callable(mechanism):
        return lambda inst: mechanism(inst, **kwargs)
    raise InvalidInputError(f"mechanism: must be a mechanism name or a callable; got "
                            f"{mechanism!r}")


def truthfulness_audit(
    mechanism: str | Callable[..., MechanismOutcome],
    instance: AuctionInstance,
    *,
    grid: ArrayLike | None = None,
    n_grid: int = 33,
    bidders: Sequence[int] | None = None,
    tol: float = 1e-9,
    refine: int = 40,
    **kwargs: Any,
) -> AuditResult:
    """Search for profitable misreports of a mechanism at one bid profile.

    Parameters
    ----------
    mechanism : {"vcg", "myerson", "gsp"} or callable
        ``f(instance, **kwargs) -> MechanismOutcome``.
    instance : AuctionInstance
        The bids are the true values.
    grid : array_like, optional
        Misreports to try for every bidder (default ``n_grid`` points spanning
        ``[0, 1.5 * max(bids)]`` plus each bidder's own value scaled by 0.5..1.5).
    n_grid : int, default 33
    bidders : sequence of int, optional
        Bidders to audit (default all).
    tol : float, default 1e-9
        Gains and negative payments within ``tol * max(1, max bid)`` count as zero.
    refine : int, default 40
        Bisection steps to locate each CTR breakpoint.
    **kwargs
        Passed to the mechanism (e.g. ``priors=`` for Myerson, ``method=``).

    Returns
    -------
    AuditResult
    """
    if not isinstance(instance, AuctionInstance):
        raise InvalidInputError(f"instance: must be an AuctionInstance; got "
                                f"{type(instance).__name__}")
    run = _runner(mechanism, kwargs)
    n_grid = check_int(n_grid, "n_grid", minimum=2)
    refine = check_int(refine, "refine", minimum=0)
    tol = check_positive(tol, "tol")
    v = instance.bids
    n = instance.n
    who = list(range(n)) if bidders is None else [check_int(i, "bidders", minimum=0,
                                                            maximum=n - 1) for i in bidders]
    scale = max(1.0, float(np.max(v, initial=0.0)))
    atol = tol * scale
    if grid is not None:
        g = as_float_array(grid, "grid", ndim=1)
        if (g < 0).any():
            raise InvalidInputError("grid: misreports must be non-negative")
    evals = [0]
    npt = [True]

    def utility(i: int, report: float) -> tuple[float, float]:
        b = v.copy()
        b[i] = report
        out = run(instance.with_bids(b))
        evals[0] += 1
        if np.any(out.payment < -atol):
            npt[0] = False
        return float(v[i] * out.ctr[i] - out.payment[i]), float(out.ctr[i])

    best: AuditWitness | None = None
    ir = True
    breaks: dict[int, tuple[float, ...]] = {}
    for i in who:
        u0, _ = utility(i, float(v[i]))
        if u0 < -atol:
            ir = False
        if grid is None:
            top = 1.5 * scale
            pts = np.unique(np.concatenate([np.linspace(0.0, top, n_grid),
                                            v[i] * np.linspace(0.5, 1.5, 11)]))
        else:
            pts = np.unique(g)
        vals = [(float(x), *utility(i, float(x))) for x in pts]
        found: list[float] = []
        extra: list[float] = []
        for (x0, _, c0), (x1, _, c1) in itertools.pairwise(vals):
            # every jump between two grid points, left to right (the CTR is a step function)
            for _jump in range(64):
                if abs(c1 - c0) <= 1e-15:
                    break
                lo, hi, chi = x0, x1, c1
                for _ in range(refine):
                    mid = 0.5 * (lo + hi)
                    _, cm = utility(i, mid)
                    if abs(cm - c0) <= 1e-15:
                        lo = mid
                    else:
                        hi, chi = mid, cm
                found.append(hi)
                extra.extend([lo, hi])
                if hi >= x1 or refine == 0:
                    break
                x0, c0 = hi, chi
        breaks[i] = tuple(found)
        for x in extra:
            u, c = utility(i, x)
            vals.append((x, u, c))
        for x, u, _ in vals:
            w = AuditWitness(i, float(v[i]), x, u0, u)
            if best is None or w.gain > best.gain:
                best = w
    max_gain = 0.0 if best is None else max(0.0, best.gain)
    return AuditResult(max_gain, best, bool(max_gain <= atol), ir, npt[0], breaks, evals[0], tol)
