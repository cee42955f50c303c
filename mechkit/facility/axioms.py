"""Proportional-fairness axioms for one facility on ``[0, 1]``, with slack and witness.

Utility is ``u_i = 1 - |y - x_i|``.  For an outcome ``y`` on a profile ``x`` of ``n``
reports (a *slack* is the minimum margin; a negative slack is the size of the worst
violation; the *witness* is the binding group of agents, as indices into ``x``):

* ``IFS`` (individual fair share): ``|y - x_i| <= 1 - 1/n`` for every agent.
* ``UFS`` (unanimous fair share): a group of ``k`` agents at the **same** location ``v``
  has ``|y - v| <= 1 - k/n``.  Co-location is exact equality unless ``colocation_atol``
  is given (then reports within ``colocation_atol`` of the smallest report of a run of
  sorted reports form one group, and the group's farthest member binds).
* ``proportionality``: applicable only when every report is exactly 0 or 1; then
  ``y = k/n`` for ``k`` reports at 1.  Not applicable gives ``satisfied = None``.
* ``PF`` (proportional fairness): a group ``S`` within a range of width ``r`` has
  ``|y - x_i| <= 1 - |S|/n + r`` for every member; computed by the closed form
  ``min(1 - y + min_j (x_(j) - (j+1)/n), y + min_i (i/n - x_(i)))`` after one sort.
* ``unanimity``: applicable when all reports are equal; then ``y`` must equal them.
* ``pareto``: ``min x <= y <= max x``.

Hierarchy: PF implies UFS implies IFS, proportionality and unanimity.

On a general domain ``[a, b]`` (``domain=(a, b)``) utility is ``1 - |y - x_i| / (b - a)``
and slacks are in utility units; ``clip=True`` clips out-of-domain reports.  With
``weights=`` a group is entitled to its share of the total weight (an agent of integer
weight ``w`` counts as ``w`` agents; see :func:`check_axioms`).

Exact mode (``Fraction`` arithmetic) is used when ``x`` or ``y`` holds a ``Fraction``
(or with ``exact=True``): the Uniform Phantom sits *exactly* on the UFS/PF boundary on
endpoint profiles, where floating point reports spurious violations of size 1e-16.  In
float mode an axiom counts as satisfied when ``slack >= -atol`` with
``atol = 1e-12 * max(1, n)`` by default.

Examples
--------
>>> from fractions import Fraction as F
>>> rep = check_axioms([0, 0, 1], F(1, 3))
>>> rep["PF"].satisfied, rep["PF"].slack, rep["proportionality"].slack
(True, Fraction(0, 1), Fraction(0, 1))
>>> rep = check_axioms([0.0, 0.0, 0.0, 1.0], 0.5)
>>> rep["UFS"].satisfied, rep["UFS"].slack, rep["UFS"].witness
(False, -0.25, (0, 1, 2))
>>> check_axioms([0.2, 0.7], 0.4)["proportionality"].satisfied is None
True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_bool, check_in_range, check_real
from mechkit.errors import InvalidInputError
from mechkit.facility._profile import (
    as_batch,
    as_exact_profile,
    as_float_profile,
    is_exact_input,
    to_fraction,
)

__all__ = ["AXIOMS", "AxiomReport", "AxiomResult", "axiom_slacks", "check_axioms"]

AXIOMS = ("IFS", "UFS", "proportionality", "PF", "unanimity", "pareto")
DEFAULT_AXIOMS = ("IFS", "UFS", "proportionality", "PF", "unanimity")
BATCH_AXIOMS = ("IFS", "UFS", "proportionality", "PF", "unanimity")


@dataclass(frozen=True)
class AxiomResult:
    """One axiom checked on one outcome.

    Attributes
    ----------
    axiom : str
        Axiom name.
    satisfied : bool or None
        ``None`` when the axiom does not apply to the profile.
    slack : Fraction, float or None
        Minimum margin (negative: the size of the worst violation).
    witness : tuple of int
        Agents (indices into the profile) of the binding group; empty if not applicable.
    """

    axiom: str
    satisfied: bool | None
    slack: Any
    witness: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (exact slacks as strings)."""
        s = self.slack
        return {"axiom": self.axiom, "satisfied": self.satisfied,
                "slack": str(s) if isinstance(s, Fraction) else s, "witness": list(self.witness)}

    def __repr__(self) -> str:
        return f"AxiomResult({self.axiom}: satisfied={self.satisfied}, slack={self.slack}, " \
               f"witness={self.witness})"


@dataclass(frozen=True)
class AxiomReport(Mapping[str, AxiomResult]):
    """Mapping axiom name -> :class:`AxiomResult` for one profile and outcome."""

    results: Mapping[str, AxiomResult] = field(default_factory=dict)
    exact: bool = False
    atol: float = 0.0

    def __getitem__(self, key: str) -> AxiomResult:
        try:
            return self.results[key]
        except KeyError:
            raise InvalidInputError(
                f"axiom: {key!r} was not checked; checked: {', '.join(self.results)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    @property
    def all_satisfied(self) -> bool:
        """True when every applicable axiom holds."""
        return all(r.satisfied is not False for r in self.results.values())

    @property
    def violated(self) -> tuple[str, ...]:
        """Names of the violated axioms."""
        return tuple(k for k, r in self.results.items() if r.satisfied is False)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {k: r.to_dict() for k, r in self.results.items()}

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={'n/a' if r.satisfied is None else r.satisfied}"
                         for k, r in self.results.items())
        return f"AxiomReport({body})"


def _group_runs(order: list[int], xs: list[Any], atol: float) -> list[list[int]]:
    """Runs of sorted positions whose values are within ``atol`` of the run's first value."""
    runs: list[list[int]] = []
    start = 0
    for p in range(1, len(xs) + 1):
        if p == len(xs) or xs[p] - xs[start] > atol:
            runs.append(list(range(start, p)))
            start = p
    return runs


def _check(name: str, x: list[Any], y: Any, exact: bool, atol: float, coloc: float,
           order: list[int], xs: list[Any], wsorted: list[Any] | None = None) -> AxiomResult:
    n = len(x)
    one = Fraction(1) if exact else 1.0
    if wsorted is None:
        def frac(k: int) -> Any:  # share of the k first sorted agents (or of any k agents)
            return Fraction(k, n) if exact else k / n

        def share(positions: list[int]) -> Any:
            return frac(len(positions))
    else:  # weighted: shares are weights over the total weight
        cum = [0 * wsorted[0]]
        for w in wsorted:
            cum.append(cum[-1] + w)
        total = cum[-1]

        def frac(k: int) -> Any:
            return cum[k] / total

        def share(positions: list[int]) -> Any:
            return sum((wsorted[p] for p in positions), start=0 * total) / total

    def verdict(slack: Any) -> bool:
        return bool(slack >= 0) if exact else bool(slack >= -atol)

    if name == "IFS":
        dist = [abs(y - v) for v in x]
        i = max(range(n), key=lambda j: dist[j])
        unit = frac(1) if wsorted is None else 1 / total  # one individual's fair share
        s = one - unit - dist[i]
        return AxiomResult(name, verdict(s), s, (i,))
    if name == "UFS":
        best: tuple[Any, list[int]] | None = None
        for run in _group_runs(order, xs, coloc):
            members = [order[p] for p in run]
            s = one - share(run) - max(abs(y - x[i]) for i in members)
            if best is None or s < best[0]:
                best = (s, members)
        assert best is not None
        return AxiomResult(name, verdict(best[0]), best[0], tuple(sorted(best[1])))
    if name == "proportionality":
        if any(v != 0 and v != 1 for v in x):
            return AxiomResult(name, None, None, ())
        k = sum(1 for v in x if v == 1)
        target = share([p for p in range(n) if xs[p] == 1])
        s = -abs(y - target)
        side = 0 if (y >= target and k < n) or k == 0 else 1
        members = tuple(i for i in range(n) if x[i] == side)
        return AxiomResult(name, verdict(s), s, members)
    if name == "PF":
        best_s: Any = None
        members_pf: tuple[int, ...] = ()
        for j in range(n):  # S = the j+1 leftmost reports; binding member is the leftmost
            s = one - y + xs[j] - frac(j + 1)
            if best_s is None or s < best_s:
                best_s, members_pf = s, tuple(sorted(order[: j + 1]))
        for i in range(n):  # S = the reports from position i on; binding member is the rightmost
            s = y + frac(i) - xs[i]
            if s < best_s:
                best_s, members_pf = s, tuple(sorted(order[i:]))
        return AxiomResult(name, verdict(best_s), best_s, members_pf)
    if name == "unanimity":
        if any(v != x[0] for v in x):
            return AxiomResult(name, None, None, ())
        s = -abs(y - x[0])
        return AxiomResult(name, verdict(s), s, tuple(range(n)))
    if name == "pareto":
        lo, hi = xs[0], xs[-1]
        if y - lo <= hi - y:
            return AxiomResult(name, verdict(y - lo), y - lo, tuple(sorted(order[p] for p in range(n)
                                                                           if xs[p] == hi)))
        return AxiomResult(name, verdict(hi - y), hi - y, tuple(sorted(order[p] for p in range(n)
                                                                       if xs[p] == lo)))
    raise AssertionError(name)


def _axiom_names(axioms: Any, allowed: Sequence[str]) -> tuple[str, ...]:
    if isinstance(axioms, str):
        axioms = (axioms,)
    names = tuple(axioms)
    if not names:
        raise InvalidInputError(f"axioms: must name at least one of {', '.join(allowed)}; got none")
    for a in names:
        if a not in allowed:
            raise InvalidInputError(f"axioms: unknown axiom {a!r}; known: {', '.join(allowed)}")
    return names


def check_axioms(
    x: Any,
    y: Any,
    axioms: Sequence[str] | str = DEFAULT_AXIOMS,
    *,
    exact: bool | None = None,
    atol: float | None = None,
    colocation_atol: float = 0.0,
    domain: Any = None,
    clip: bool = False,
    weights: Any = None,
) -> AxiomReport:
    """Check fairness axioms of the outcome ``y`` on the profile ``x``.

    Parameters
    ----------
    x : sequence of float or Fraction
        Reports in ``[0, 1]`` (``n >= 1``).
    y : float or Fraction
        Facility location in ``[0, 1]``.
    axioms : sequence of str
        Any of ``IFS``, ``UFS``, ``proportionality``, ``PF``, ``unanimity``, ``pareto``.
    exact : bool, optional
        Use ``Fraction`` arithmetic (default: when ``x`` or ``y`` holds a ``Fraction``;
        floats are converted exactly).
    atol : float, optional
        Float mode only: an axiom holds when ``slack >= -atol``; default
        ``1e-12 * max(1, n)``.  Must be omitted (or 0) in exact mode.
    colocation_atol : float, default 0.0
        Reports within this distance of a group's smallest member count as co-located
        for UFS (0: exact equality; in domain units).
    domain : (a, b), optional
        Locations live on ``[a, b]`` and utility is ``1 - |y - x_i| / (b - a)``: the
        constants ``1 - k/n`` are unchanged and slacks are in utility units (the same
        numbers as for the image of ``x`` and ``y`` on ``[0, 1]``).
    clip : bool, default False
        Clip finite reports outside the domain instead of raising (``y`` must lie in
        the domain).
    weights : sequence, optional
        Agent weights (``>= 0``, finite, positive total ``W``; zero-weight agents are
        ignored and never appear in witnesses).  A group ``S`` is entitled to the share
        ``w(S) / W`` instead of ``|S| / n`` (UFS, PF; proportionality asks
        ``y = w(reports at 1) / W``).  IFS counts individuals: it needs integer
        weights, an agent of weight ``w`` being ``w`` individuals with fair share
        ``1 / W`` each.  For integer weights every verdict and slack equals the one on
        the profile with agent ``i`` repeated ``w_i`` times.

    Returns
    -------
    AxiomReport
        Mapping axiom -> :class:`AxiomResult` (``satisfied``, ``slack``, ``witness``).

    Examples
    --------
    >>> rep = check_axioms([0.1, 0.3, 0.9], 0.7)
    >>> rep.violated, rep["PF"].witness
    (('PF',), (0, 1))
    """
    from mechkit.facility._profile import as_weights, check_clip, check_domain, prepare_profile

    names = _axiom_names(axioms, AXIOMS)
    use_exact = (is_exact_input(x) or isinstance(y, Fraction)
                 or (weights is not None and is_exact_input(weights))) if exact is None else bool(exact)
    coloc = check_real(colocation_atol, "colocation_atol")
    if coloc < 0:
        raise InvalidInputError(f"colocation_atol: must be >= 0; got {coloc}")
    dom, clp = check_domain(domain), check_clip(clip)
    if not dom.is_unit or clp or weights is not None:
        return _check_general(x, y, names, use_exact, atol, coloc, dom, clp, weights,
                              prepare_profile, as_weights)
    if use_exact:
        xv: list[Any] = as_exact_profile(x)
        yv: Any = to_fraction(y, "y")
        if atol not in (None, 0, 0.0):
            raise InvalidInputError(f"atol: exact mode compares slacks with 0; got atol={atol}")
        tol = 0.0
        coloc_v: Any = Fraction(coloc)
    else:
        xv = [float(v) for v in as_float_profile(x)]
        yv = check_real(y, "y")
        n = len(xv)
        tol = 1e-12 * max(1, n) if atol is None else check_real(atol, "atol")
        if tol < 0:
            raise InvalidInputError(f"atol: must be >= 0; got {tol}")
        coloc_v = coloc
    if not 0 <= yv <= 1:
        raise InvalidInputError(f"y: must lie in [0, 1]; got {y}")
    order = sorted(range(len(xv)), key=lambda i: xv[i])
    xs = [xv[i] for i in order]
    results = {a: _check(a, xv, yv, use_exact, tol, coloc_v, order, xs) for a in names}
    return AxiomReport(results, use_exact, tol)


def _check_general(x: Any, y: Any, names: tuple[str, ...], use_exact: bool, atol: Any, coloc: float,
                   dom: Any, clip: bool, weights: Any, prepare_profile: Any, as_weights: Any
                   ) -> AxiomReport:
    """check_axioms on a general domain, with clipping and/or weights."""
    xv: list[Any] = list(prepare_profile(x, exact=use_exact, domain=dom, clip=clip))
    n = len(xv)
    if use_exact:
        yv: Any = to_fraction(y, "y")
        if atol not in (None, 0, 0.0):
            raise InvalidInputError(f"atol: exact mode compares slacks with 0; got atol={atol}")
        tol: Any = 0.0
        coloc_v: Any = Fraction(coloc) / dom.width
    else:
        xv = [float(v) for v in xv]
        yv = check_real(y, "y")
        tol = 1e-12 * max(1, n) if atol is None else check_real(atol, "atol")
        if tol < 0:
            raise InvalidInputError(f"atol: must be >= 0; got {tol}")
        coloc_v = coloc / (float(dom.high) - float(dom.low))
    if not dom.low <= yv <= dom.high:
        where = "[0, 1]" if dom.is_unit else f"the domain {dom}"
        raise InvalidInputError(f"y: must lie in {where}; got {y}")
    if not dom.is_unit:
        yv = dom.to_unit_exact([yv])[0] if use_exact else float(dom.to_unit_float(np.array([yv]))[0])
    keep = list(range(n))
    wsorted = None
    if weights is not None:
        ws = as_weights(weights, n, exact=use_exact)
        ws = list(ws) if use_exact else [float(v) for v in ws]
        keep = [i for i in range(n) if ws[i] > 0]
        if "IFS" in names and not all((w.denominator == 1) if use_exact else float(w).is_integer()
                                      for w in ws):
            raise InvalidInputError(
                "axioms: IFS counts individuals and is defined for integer weights only (an agent "
                f"of weight w is w individuals); got weights {[str(w) for w in ws]}; check the "
                "other axioms without 'IFS'")
    xk = [xv[i] for i in keep]
    order = sorted(range(len(xk)), key=lambda i: xk[i])
    xs = [xk[i] for i in order]
    if weights is not None:
        wsorted = [ws[keep[i]] for i in order]
    out = {}
    for a in names:
        r = _check(a, xk, yv, use_exact, tol, coloc_v, order, xs, wsorted)
        out[a] = AxiomResult(r.axiom, r.satisfied, r.slack, tuple(sorted(keep[i] for i in r.witness)))
    return AxiomReport(out, use_exact, tol)


def axiom_slacks(
    X: ArrayLike, y: ArrayLike, axioms: Sequence[str] | str = ("IFS", "UFS", "PF"), *,
    domain: Any = None, clip: bool = False, parallel: bool = True,
) -> dict[str, NDArray[np.float64]]:
    """Slacks of the outcomes ``y`` on a batch of profiles (numba kernel).

    Parameters
    ----------
    X : array_like, shape (B, n)
        Profiles, entries in ``[0, 1]``.
    y : array_like, shape (B,)
        Outcomes in ``[0, 1]``.
    axioms : sequence of str
        Any of ``IFS``, ``UFS``, ``proportionality``, ``PF``, ``unanimity``.
    domain : (a, b), optional
        Locations on ``[a, b]`` (utility ``1 - |y - x| / (b - a)``); slacks are in utility
        units.  Profiles and outcomes are mapped onto ``[0, 1]`` in floating point, so
        co-location and proportionality (exact float tests) refer to the mapped values.
    clip : bool, default False
        Clip finite reports outside the domain instead of raising.
    parallel : bool, default True
        Split batches of at least 32768 reports (``solvers.medians.PAR_MIN_AGENTS``) into
        row chunks run on numba's threads; the slacks are bitwise the same for any thread
        count.  ``False`` keeps the call on one core (as ``numba.set_num_threads(1)``).

    Returns
    -------
    dict
        Axiom -> ``(B,)`` float slacks (``nan`` where the axiom does not apply).  UFS
        co-location is exact float equality.

    Examples
    --------
    >>> s = axiom_slacks([[0.0, 0.0, 1.0], [0.0, 0.5, 1.0]], [1 / 3, 0.7])
    >>> [round(float(v), 12) for v in s["PF"]]
    [-0.0, -0.033333333333]
    """
    from mechkit.facility._profile import check_clip, check_domain, prepare_batch, raise_for_flagged_batch
    from solvers.facility_axioms import BUCKET_MIN_N, axiom_slacks_batch, axiom_slacks_batch_parallel
    from solvers.medians import PAR_MIN_AGENTS

    names = _axiom_names(axioms, BATCH_AXIOMS)
    dom, clp = check_domain(domain), check_clip(clip)
    par = check_bool(parallel, "parallel")
    fused = False  # the sort-free kernel checks the entries itself (nan rows)
    if dom.is_unit and not clp:
        arr = as_batch(X, check_values=False)
        fused = arr.shape[1] >= BUCKET_MIN_N
        if not fused:
            arr = as_batch(arr)
    else:
        arr = prepare_batch(X, domain=dom, clip=clp)
    yy = as_float_array(y, "y")
    if yy.shape != (arr.shape[0],):
        raise InvalidInputError(f"y: must have shape ({arr.shape[0]},) to match X; got shape {yy.shape}")
    if dom.is_unit:
        check_in_range(yy, "y", 0, 1)
    else:
        check_in_range(yy, "y", float(dom.low), float(dom.high))
    yy = dom.to_unit_float(yy)
    # from PAR_MIN_AGENTS reports on, rows are split over numba's threads (the same slacks)
    kernel = axiom_slacks_batch_parallel if par and arr.size >= PAR_MIN_AGENTS else axiom_slacks_batch
    out = kernel(arr, yy)
    if fused and np.isnan(out[:, 0]).any():  # IFS is finite on every valid row
        raise_for_flagged_batch(arr)
    return {a: np.ascontiguousarray(out[:, BATCH_AXIOMS.index(a)]) for a in names}
