"""One-facility mechanisms on ``[0, 1]``: Uniform Phantom, phantom medians and the rest.

Every mechanism is a :class:`Mechanism` object registered in :data:`MECHANISMS` with
metadata (``anonymous``, ``strategyproof``, ``phantom_form``, ``randomized``, ``params``).
Calling it on a profile validates the input and returns the facility location (a
``float``; a ``Fraction`` when the profile holds ``Fraction`` s, computed exactly; a
:class:`~mechkit.facility.lottery.Lottery` for randomized mechanisms).
``mechanism.batch(X)`` evaluates a ``(B, n)`` array of profiles with a numba kernel.

Conventions: the *median* is the **left median** (the ``ceil(n/2)``-th smallest report);
phantom medians always have an odd number of points, so they need no tie rule.

Examples
--------
>>> from fractions import Fraction as F
>>> uniform_phantom([0.1, 0.3, 0.9])
0.3333333333333333
>>> uniform_phantom([F(1, 10), F(3, 10), F(9, 10)])
Fraction(1, 3)
>>> uniform_phantom([0, 1, 0, 1, 0])
0.4
>>> median.batch([[0.2, 0.9], [0.4, 0.1]]).tolist()
[0.2, 0.1]
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import check_bool
from mechkit.errors import InvalidInputError
from mechkit.facility._profile import (
    as_batch,
    is_exact_input,
    to_fraction,
)
from mechkit.facility.lottery import Lottery, LotteryBatch
from mechkit.registry import Registry

__all__ = [
    "MECHANISMS",
    "Mechanism",
    "generalized_median",
    "get_mechanism",
    "ifs_clipped_median",
    "leftmost",
    "lrm",
    "mean",
    "median",
    "midpoint",
    "moulin_minmax",
    "phantom_median",
    "random_rank",
    "resolve_mechanism",
    "rightmost",
    "ufs_clipped_median",
    "uniform_phantom",
]

Number = Fraction | float

#: Registered mechanisms, by name.
MECHANISMS: Registry[Any] = Registry("mechanism")

MAX_MOULIN_AGENTS = 20


class Mechanism:
    """A named facility-location mechanism with an exact path and a batched kernel.

    Parameters
    ----------
    name : str
        Registry name.
    exact : callable
        ``exact(xs, **params)`` on a Python list of numbers (``Fraction`` s for exact
        evaluation) returning the location (or a :class:`Lottery`).
    batch : callable
        ``batch(X, **params)`` on a validated ``(B, n)`` float64 array.
    description : str
        One line.
    anonymous, strategyproof : bool
        Properties (``strategyproof`` may be ``"in expectation"`` for lotteries).
    randomized : bool
        Whether the outcome is a lottery.
    phantom_form : str or None
        ``"anonymous"`` (``phantoms(n)`` gives ``n + 1`` phantoms), ``"moulin"``
        (coalition constants) or ``None``.
    params : tuple of str
        Names of required parameters.
    prepare : callable, optional
        ``prepare(n, exact, **params) -> dict`` validating and normalising parameters.
    phantoms : callable, optional
        ``phantoms(n, **prepared) -> list`` of the ``n + 1`` sorted phantoms.
    breakpoints : callable, optional
        ``breakpoints(n, **prepared) -> list`` of constants ``C`` such that the mechanism
        is affine on every cell of the arrangement ``{x_i = x_j, x_i = c}``, ``c in C``.
    bound : dict, optional
        Parameter values fixed by :meth:`bind`.
    fused_check : bool, default False
        The batch kernel checks the entries itself and returns ``nan`` for a row with
        an entry that is not finite or outside ``[0, 1]`` (one pass less).
    weighted : callable, optional
        ``weighted(xs, ws, exact, **params)`` on Python lists (reports on ``[0, 1]``,
        validated weights): the weighted rule, equal to the rule on the profile with
        agent ``i`` repeated ``w_i`` times whenever the weights are integers.
        ``None``: the mechanism takes no weights.
    weighted_batch : callable, optional
        ``weighted_batch(X, W, **params)`` on a ``(B, n)`` batch and ``(B, n)`` weights.
    threaded_batch : callable, optional
        The ``batch`` kernel over numba's threads (bitwise the same outcomes), used by
        :meth:`batch` for batches of at least ``solvers.medians.PAR_MIN_AGENTS`` reports.
    """

    def __init__(
        self,
        name: str,
        *,
        exact: Callable[..., Any],
        batch: Callable[..., Any],
        description: str,
        anonymous: bool = True,
        strategyproof: bool | str = False,
        randomized: bool = False,
        phantom_form: str | None = None,
        params: tuple[str, ...] = (),
        prepare: Callable[..., dict[str, Any]] | None = None,
        phantoms: Callable[..., list[Fraction]] | None = None,
        breakpoints: Callable[..., list[Fraction]] | None = None,
        bound: Mapping[str, Any] | None = None,
        fused_check: bool = False,
        weighted: Callable[..., Any] | None = None,
        weighted_batch: Callable[..., Any] | None = None,
        threaded_batch: Callable[..., Any] | None = None,
    ) -> None:
        self.name = name
        self.description = description
        self.anonymous = anonymous
        self.strategyproof = strategyproof
        self.randomized = randomized
        self.phantom_form = phantom_form
        self.params = params
        self._exact = exact
        self._batch = batch
        self._prepare = prepare or (lambda n, exact, **p: dict(p))
        self._phantoms = phantoms
        self._breakpoints = breakpoints
        self.bound: dict[str, Any] = dict(bound or {})
        self._fused_check = fused_check
        self._weighted = weighted
        self._weighted_batch = weighted_batch
        self._threaded_batch = threaded_batch

    # -- parameters -------------------------------------------------------------------
    def _collect(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        free = [p for p in self.params if p not in self.bound]
        if len(args) > len(free):
            raise InvalidInputError(
                f"{self.name}: takes parameters {free or 'none'}; got {len(args)} positional "
                "parameter(s)"
            )
        got = dict(self.bound)
        got.update(zip(free, args, strict=False))
        for key, value in kwargs.items():
            if key not in self.params:
                raise InvalidInputError(
                    f"{self.name}: unknown parameter {key!r}; parameters: {list(self.params) or 'none'}"
                )
            got[key] = value
        missing = [p for p in self.params if p not in got]
        if missing:
            raise InvalidInputError(f"{self.name}: missing parameter(s) {missing}")
        return got

    @property
    def is_bound(self) -> bool:
        """True when every parameter has a value (the mechanism maps a profile to an outcome)."""
        return all(p in self.bound for p in self.params)

    def bind(self, **params: Any) -> Mechanism:
        """Return a copy with ``params`` fixed (for audits, ratios and dynamics).

        Examples
        --------
        >>> m = phantom_median.bind(phantoms=[0.5])
        >>> m([0.1, 0.9]), m.name
        (0.5, 'phantom_median(phantoms=[0.5])')
        """
        unknown = [k for k in params if k not in self.params]
        if unknown:
            raise InvalidInputError(
                f"{self.name}: unknown parameter(s) {unknown}; parameters: {list(self.params) or 'none'}"
            )
        bound = {**self.bound, **params}
        shown = ", ".join(f"{k}={_short(v)}" for k, v in bound.items())
        return Mechanism(
            f"{self.name.split('(')[0]}({shown})", exact=self._exact, batch=self._batch,
            description=self.description, anonymous=self.anonymous,
            strategyproof=self.strategyproof, randomized=self.randomized,
            phantom_form=self.phantom_form, params=self.params, prepare=self._prepare,
            phantoms=self._phantoms, breakpoints=self._breakpoints, bound=bound,
            fused_check=self._fused_check, weighted=self._weighted,
            weighted_batch=self._weighted_batch, threaded_batch=self._threaded_batch,
        )

    # -- evaluation -------------------------------------------------------------------
    def __call__(self, x: Any, *args: Any, exact: bool | None = None, domain: Any = None,
                 clip: bool = False, weights: Any = None, **kwargs: Any) -> Any:
        """Evaluate on one profile.

        Parameters
        ----------
        x : sequence of float or Fraction
            Reports in ``[0, 1]`` (in ``domain`` when given).
        *args, **kwargs
            The mechanism's parameters (if not bound).
        exact : bool, optional
            Compute with ``Fraction`` s (default: when ``x`` or ``weights`` holds a
            ``Fraction``).
        domain : (a, b), optional
            Locations live on ``[a, b]``: the rule is the affine image of the ``[0, 1]``
            rule (e.g. the Uniform Phantom's phantoms become ``a + k (b - a) / n``).
        clip : bool, default False
            Clip finite reports outside the domain to its nearer endpoint instead of
            raising ``InvalidInputError`` (NaN and infinities always raise).
        weights : sequence of float or Fraction, optional
            Agent weights (``>= 0``, finite, positive total; zero-weight agents are
            ignored).  An agent of integer weight ``w`` counts as ``w`` agents at its
            report: the result equals the rule on the duplicated profile.  Offered by
            ``uniform_phantom`` (the weighted empirical CDF meets ``1 - y``),
            ``phantom_median`` (each phantom weighs 1), ``median``, ``leftmost``,
            ``rightmost``, ``mean``, ``midpoint``, ``lrm`` and ``random_rank``.

        Returns
        -------
        float, Fraction or Lottery

        Examples
        --------
        >>> from fractions import Fraction as F
        >>> uniform_phantom([F(3), F(7)], domain=(2, 6), clip=True)
        Fraction(4, 1)
        >>> uniform_phantom([F(0), F(1)], weights=[2, 1]) == uniform_phantom([F(0), F(0), F(1)])
        True
        """
        from mechkit.facility._profile import check_clip, check_domain, prepare_profile

        params = self._collect(args, kwargs)
        dom, clp = check_domain(domain), check_clip(clip)
        use_exact = (is_exact_input(x) or (weights is not None and is_exact_input(weights))
                     if exact is None else bool(exact))
        if weights is not None:
            return dom.from_unit(self._call_weighted(x, weights, use_exact, dom, clp, params))
        if use_exact:
            xs = prepare_profile(x, exact=True, domain=dom, clip=clp)
            return dom.from_unit(self._exact(xs, **self._prepare(len(xs), True, **params)))
        arr = prepare_profile(x, exact=False, domain=dom, clip=clp)
        out = self._batch(arr.reshape(1, -1), **self._prepare(arr.size, False, **params))
        if isinstance(out, LotteryBatch):
            return dom.from_unit(out.row(0))
        return dom.from_unit(float(out[0]))

    def _no_weights(self) -> InvalidInputError:
        return InvalidInputError(
            f"weights: {self.name} does not take agent weights (its constants are tied to the number "
            "of agents); weighted rules: " + ", ".join(
                k for k in MECHANISMS.names() if getattr(MECHANISMS.get(k), "_weighted", None)))

    def _call_weighted(self, x: Any, weights: Any, exact: bool, dom: Any, clip: bool,
                       params: dict[str, Any]) -> Any:
        from mechkit.facility._profile import as_weights, prepare_profile

        if self._weighted is None:
            raise self._no_weights()
        xs = prepare_profile(x, exact=exact, domain=dom, clip=clip)
        ws = as_weights(weights, len(xs), exact=exact)
        if not exact:
            xs, ws = [float(v) for v in xs], [float(v) for v in ws]
        return self._weighted(list(xs), list(ws), exact, **params)

    def batch(self, X: ArrayLike, *args: Any, domain: Any = None, clip: bool = False,
              weights: Any = None, parallel: bool = True,
              **kwargs: Any) -> NDArray[np.float64] | LotteryBatch:
        """Evaluate on every row of a ``(B, n)`` array (numba kernel).

        ``domain``, ``clip`` and ``weights`` are as in :meth:`__call__`; ``weights`` has
        shape ``(n,)`` (shared) or ``(B, n)`` (one vector per profile).  With
        ``parallel=True`` (the default) a mechanism with a threaded kernel (the Uniform
        Phantom) splits batches of at least 32768 reports over numba's threads; the
        outcomes are bitwise the same for any thread count.  ``parallel=False`` keeps the
        call on one core (as ``numba.set_num_threads(1)`` does).

        Returns
        -------
        numpy.ndarray of shape (B,) or LotteryBatch
        """
        from mechkit.facility._profile import (
            as_weights,
            check_clip,
            check_domain,
            prepare_batch,
            raise_for_flagged_batch,
        )

        params = self._collect(args, kwargs)
        dom, clp = check_domain(domain), check_clip(clip)
        par = check_bool(parallel, "parallel")
        if weights is not None:
            if self._weighted_batch is None:
                raise self._no_weights()
            arr = prepare_batch(X, domain=dom, clip=clp)
            W = as_weights(weights, arr.shape[1], exact=False, batch_rows=arr.shape[0])
            W = np.ascontiguousarray(np.broadcast_to(W, arr.shape), dtype=np.float64)
            return dom.from_unit(self._weighted_batch(arr, W, **params))
        if not dom.is_unit or clp:
            arr = prepare_batch(X, domain=dom, clip=clp)
            kernel = self._kernel_for(arr, par)
            return dom.from_unit(kernel(arr, **self._prepare(arr.shape[1], False, **params)))
        if not self._fused_check:
            arr = as_batch(X)
            return self._kernel_for(arr, par)(arr, **self._prepare(arr.shape[1], False, **params))
        # the kernel checks the entries itself (nan rows); the full check words the error
        arr = as_batch(X, check_values=False)
        out = self._kernel_for(arr, par)(arr, **self._prepare(arr.shape[1], False, **params))
        if np.isnan(out).any():
            raise_for_flagged_batch(arr)
        return out

    def _kernel_for(self, arr: NDArray[np.float64], parallel: bool) -> Callable[..., Any]:
        # the threaded kernel from PAR_MIN_AGENTS reports on (below, a thread launch costs
        # more than it saves); the numbers are the serial kernel's either way
        if parallel and self._threaded_batch is not None and arr.size >= _kernels().PAR_MIN_AGENTS:
            return self._threaded_batch
        return self._batch

    def phantoms(self, n: int) -> list[Fraction] | None:
        """The ``n + 1`` sorted phantoms of an anonymous phantom mechanism (else ``None``)."""
        if self._phantoms is None:
            return None
        return self._phantoms(n, **self._prepare(n, True, **self._collect((), {})))

    def breakpoints(self, n: int) -> list[Fraction] | None:
        """Constants ``C`` making the mechanism affine on the cells (``None``: not declared)."""
        if self._breakpoints is None:
            return None
        return self._breakpoints(n, **self._prepare(n, True, **self._collect((), {})))

    def metadata(self) -> dict[str, Any]:
        """The registry metadata of this mechanism."""
        return {
            "anonymous": self.anonymous,
            "strategyproof": self.strategyproof,
            "randomized": self.randomized,
            "phantom_form": self.phantom_form,
            "params": self.params,
            "description": self.description,
        }

    def __repr__(self) -> str:
        return f"Mechanism({self.name!r})"


def _short(value: Any) -> str:
    text = repr(list(value)) if isinstance(value, np.ndarray | tuple) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _register(mech: Mechanism) -> Mechanism:
    MECHANISMS.register(mech.name, mech, **mech.metadata())
    return mech


def _kernels() -> Any:
    import solvers.medians as kernels

    return kernels


def _frac_grid(n: int) -> list[Fraction]:
    return [Fraction(k, n) for k in range(n + 1)]


def _with_ends(values: list[Fraction]) -> list[Fraction]:
    return sorted({Fraction(0), Fraction(1), *values})


# -- weighted rules ----------------------------------------------------------------------
# An agent of weight w counts as w agents at its report (zero weights: the agent is absent);
# each rule below equals its unweighted rule on the duplicated profile for integer weights.
def _positive(xs: list[Number], ws: list[Number]) -> list[tuple[Number, Number]]:
    return sorted((v, w) for v, w in zip(xs, ws, strict=True) if w > 0)


def _weighted_left_median(pairs: list[tuple[Number, Number]]) -> Number:
    """Smallest value whose cumulative weight reaches half the total (left median)."""
    pairs = sorted(pairs)
    total = sum((w for _, w in pairs), start=0 * pairs[0][1])
    acc = 0 * total
    for v, w in pairs:
        acc += w
        if 2 * acc >= total:
            return v
    raise AssertionError("weights sum to the total")


def _is_integral(w: Number) -> bool:
    return w.denominator == 1 if isinstance(w, Fraction) else float(w).is_integer()


def _up_weighted(xs: list[Number], ws: list[Number], exact: bool) -> Number:
    """min(1, min_s max(1 - C_s / W, x_(s))): where the weighted CDF meets 1 - y."""
    pairs = _positive(xs, ws)
    total = sum((w for _, w in pairs), start=0 * pairs[0][1])
    one = Fraction(1) if exact else 1.0
    best, acc = one, 0 * total
    for v, w in pairs:
        acc += w
        best = min(best, max(one - acc / total, v))
    return best


def _phantom_median_weighted(xs: list[Number], ws: list[Number], exact: bool, phantoms: Any
                             ) -> Number:
    ph = sorted(_check_points(phantoms, "phantoms", exact))
    pairs = _positive(xs, ws)
    if all(_is_integral(w) for _, w in pairs):
        _check_weighted_parity(sum(w for _, w in pairs), len(ph))
    one = Fraction(1) if exact else 1.0
    return _weighted_left_median(pairs + [(p, one) for p in ph])


def _check_weighted_parity(total: Any, n_phantoms: int) -> None:
    if (int(total) + n_phantoms) % 2 == 0:
        raise InvalidInputError(
            f"phantoms: with integer weights the total weight plus the number of phantoms must be "
            f"odd for a median (as for the duplicated profile); got total weight {total} and "
            f"{n_phantoms} phantoms")


def _weighted_order_stat(which: str) -> Callable[..., Number]:
    def rule(xs: list[Number], ws: list[Number], exact: bool) -> Number:
        pairs = _positive(xs, ws)
        if which == "median":
            return _weighted_left_median(pairs)
        return pairs[0][0] if which == "leftmost" else pairs[-1][0]
    return rule


def _mean_weighted(xs: list[Number], ws: list[Number], exact: bool) -> Number:
    total = sum(ws, start=0 * ws[0])
    return sum((w * v for v, w in zip(xs, ws, strict=True)), start=0 * total) / total


def _midpoint_weighted(xs: list[Number], ws: list[Number], exact: bool) -> Number:
    pairs = _positive(xs, ws)
    return (pairs[0][0] + pairs[-1][0]) / 2


def _lrm_weighted(xs: list[Number], ws: list[Number], exact: bool) -> Lottery:
    pairs = _positive(xs, ws)
    return _lrm_exact([pairs[0][0], pairs[-1][0]])


def _random_rank_weighted(xs: list[Number], ws: list[Number], exact: bool) -> Lottery:
    pairs = _positive(xs, ws)
    total = sum((w for _, w in pairs), start=0 * pairs[0][1])
    return Lottery.from_pairs([(v, w / total) for v, w in pairs])


def _wkernels() -> Any:
    import solvers.facility_weighted as kernels

    return kernels


def _masked(X: NDArray[np.float64], W: NDArray[np.float64], fill: float) -> NDArray[np.float64]:
    return np.where(W > 0, X, fill)


def _phantom_median_weighted_batch(X: NDArray[np.float64], W: NDArray[np.float64], phantoms: Any
                                   ) -> NDArray[np.float64]:
    ph = np.ascontiguousarray(sorted(_check_points(phantoms, "phantoms", False)), dtype=np.float64)
    pos = np.where(W > 0, W, 0.0)
    if np.all(pos == np.floor(pos)):
        totals = pos.sum(axis=1)
        bad = (totals.astype(np.int64) + ph.size) % 2 == 0
        if bad.any():
            _check_weighted_parity(int(totals[np.argmax(bad)]), ph.size)
    return _wkernels().weighted_median_batch(X, W, ph)


def _random_rank_weighted_batch(X: NDArray[np.float64], W: NDArray[np.float64]) -> LotteryBatch:
    if not (W == W[0]).all():
        raise InvalidInputError("weights: random_rank.batch needs one weight vector shared by all "
                                "profiles (a LotteryBatch has shared probabilities); got per-row weights")
    return LotteryBatch(np.ascontiguousarray(X), W[0] / W[0].sum())


# -- Uniform Phantom ---------------------------------------------------------------------
def _up_exact(xs: list[Number]) -> Number:
    n = len(xs)
    return sorted([*xs, *_frac_grid(n)])[n]


uniform_phantom = _register(Mechanism(
    "uniform_phantom",
    exact=_up_exact,
    batch=lambda X: _kernels().uniform_phantom_batch(X),
    threaded_batch=lambda X: _kernels().uniform_phantom_batch_parallel(X),
    description="median of the reports and the n+1 phantoms 0, 1/n, ..., 1",
    strategyproof=True,
    phantom_form="anonymous",
    phantoms=lambda n: _frac_grid(n),
    breakpoints=lambda n: _frac_grid(n),
    fused_check=True,
    weighted=_up_weighted,
    weighted_batch=lambda X, W: _wkernels().weighted_uniform_phantom_batch(X, W),
))


# -- phantom medians ---------------------------------------------------------------------
def _check_points(values: Any, name: str, exact: bool) -> list[Number]:
    if isinstance(values, str | bytes) or not hasattr(values, "__len__"):
        raise InvalidInputError(f"{name}: must be a 1-D sequence of numbers in [0, 1]; got {values!r}")
    arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if arr.ndim != 1:
        raise InvalidInputError(f"{name}: must be 1-dimensional; got shape {arr.shape}")
    out: list[Number] = []
    for i, v in enumerate(arr):
        f = to_fraction(v, f"{name}[{i}]")
        if not 0 <= f <= 1:
            raise InvalidInputError(f"{name}: entries must lie in [0, 1]; entry ({i},) is {v}")
        out.append(f if exact else float(v))
    return out


def _prep_phantom_median(n: int, exact: bool, phantoms: Any) -> dict[str, Any]:
    ph = sorted(_check_points(phantoms, "phantoms", exact))
    if (n + len(ph)) % 2 == 0:
        raise InvalidInputError(
            f"phantoms: the number of reports plus phantoms must be odd for a median; got n={n} "
            f"reports and {len(ph)} phantoms"
        )
    return {"phantoms": ph if exact else np.ascontiguousarray(ph, dtype=np.float64)}


def _normalise_phantoms(n: int, ph: list[Fraction]) -> list[Fraction]:
    """Equivalent n+1 phantoms: pad with 0/1 pairs or drop extreme pairs (median unchanged)."""
    ph = sorted(ph)
    while len(ph) < n + 1:
        ph = [Fraction(0), *ph, Fraction(1)]
    while len(ph) > n + 1:
        ph = ph[1:-1]
    return ph


phantom_median = _register(Mechanism(
    "phantom_median",
    exact=lambda xs, phantoms: sorted([*xs, *phantoms])[(len(xs) + len(phantoms)) // 2],
    batch=lambda X, phantoms: _kernels().phantom_median_batch(X, phantoms),
    description="median of the reports and a fixed multiset of phantoms (odd total)",
    strategyproof=True,
    phantom_form="anonymous",
    params=("phantoms",),
    prepare=_prep_phantom_median,
    phantoms=lambda n, phantoms: _normalise_phantoms(n, phantoms),
    breakpoints=lambda n, phantoms: _with_ends(list(phantoms)),
    weighted=_phantom_median_weighted,
    weighted_batch=_phantom_median_weighted_batch,
))


def _order_statistic(name: str, k_of_n: Callable[[int], int], description: str,
                     weighted_batch: Callable[..., Any]) -> Mechanism:
    def phantoms(n: int) -> list[Fraction]:
        k = k_of_n(n)  # 1-based rank: phantoms 0^(n+1-k) 1^k
        return [Fraction(0)] * (n + 1 - k) + [Fraction(1)] * k

    return _register(Mechanism(
        name,
        exact=lambda xs: sorted(xs)[k_of_n(len(xs)) - 1],
        batch=lambda X: _kernels().order_statistic_batch(X, k_of_n(X.shape[1]) - 1),
        description=description,
        strategyproof=True,
        phantom_form="anonymous",
        phantoms=phantoms,
        breakpoints=lambda n: [Fraction(0), Fraction(1)],
        weighted=_weighted_order_stat(name),
        weighted_batch=weighted_batch,
    ))


median = _order_statistic(
    "median", lambda n: (n + 1) // 2, "left median: the ceil(n/2)-th smallest report",
    lambda X, W: _wkernels().weighted_median_batch(X, W, np.zeros(0)))
leftmost = _order_statistic("leftmost", lambda n: 1, "the smallest report",
                            lambda X, W: _masked(X, W, np.inf).min(axis=1))
rightmost = _order_statistic("rightmost", lambda n: n, "the largest report",
                             lambda X, W: _masked(X, W, -np.inf).max(axis=1))


def _prep_beta(n: int, exact: bool, beta: Any) -> dict[str, Any]:
    b = _check_points(beta, "beta", exact)
    if len(b) != n + 1:
        raise InvalidInputError(f"beta: must hold n + 1 = {n + 1} constants beta_0..beta_n; got {len(b)}")
    for s in range(n):
        if b[s] < b[s + 1]:
            raise InvalidInputError(
                f"beta: must be non-increasing (beta_s is the constant of coalitions of size s); "
                f"got beta_{s} = {b[s]} < beta_{s + 1} = {b[s + 1]}"
            )
    return {"beta": b if exact else np.ascontiguousarray(b, dtype=np.float64)}


def _gm_exact(xs: list[Number], beta: list[Number]) -> Number:
    srt = sorted(xs)
    return min([beta[0], *(max(beta[s], srt[s - 1]) for s in range(1, len(xs) + 1))])


generalized_median = _register(Mechanism(
    "generalized_median",
    exact=_gm_exact,
    batch=lambda X, beta: _kernels().generalized_median_batch(X, beta),
    description="anonymous generalized median min_s max(beta_s, x_(s)) (Moulin 1980)",
    strategyproof=True,
    phantom_form="anonymous",
    params=("beta",),
    prepare=_prep_beta,
    phantoms=lambda n, beta: sorted(beta),
    breakpoints=lambda n, beta: _with_ends(list(beta)),
))


def _ifs_clipped_phantoms(n: int) -> list[Fraction]:
    low = (n + 1) // 2 - 1
    return ([Fraction(0)] + [Fraction(1, n)] * low + [Fraction(n - 1, n)] * (n - (n + 1) // 2)
            + [Fraction(1)])


ifs_clipped_median = _register(Mechanism(
    "ifs_clipped_median",
    exact=lambda xs: sorted([*xs, *_ifs_clipped_phantoms(len(xs))])[len(xs)],
    batch=lambda X: _kernels().phantom_median_batch(
        X, np.array([float(v) for v in _ifs_clipped_phantoms(X.shape[1])])),
    description="median phantoms clipped into [1/n, 1-1/n]: SP and IFS, beats UP on welfare",
    strategyproof=True,
    phantom_form="anonymous",
    phantoms=_ifs_clipped_phantoms,
    breakpoints=lambda n: _with_ends(_ifs_clipped_phantoms(n)),
))


# -- non-SP deterministic rules ----------------------------------------------------------
mean = _register(Mechanism(
    "mean",
    exact=lambda xs: sum(xs, start=0 * xs[0]) / len(xs),
    batch=lambda X: _kernels().mean_batch(X),
    description="average report (continuous, strictly monotone, UFS; not SP)",
    breakpoints=lambda n: [Fraction(0), Fraction(1)],
    weighted=_mean_weighted,
    weighted_batch=lambda X, W: (X * W).sum(axis=1) / W.sum(axis=1),
))

midpoint = _register(Mechanism(
    "midpoint",
    exact=lambda xs: (min(xs) + max(xs)) / 2,
    batch=lambda X: _kernels().midpoint_batch(X),
    description="(min + max) / 2, optimal for the maximum cost; not SP",
    breakpoints=lambda n: [Fraction(0), Fraction(1)],
    weighted=_midpoint_weighted,
    weighted_batch=lambda X, W: (_masked(X, W, np.inf).min(axis=1)
                                 + _masked(X, W, -np.inf).max(axis=1)) / 2,
))


def _ufs_clip_exact(xs: list[Number]) -> Number:
    n = len(xs)
    srt = sorted(xs)
    med = srt[(n + 1) // 2 - 1]
    lo, hi = 0 * srt[0], 0 * srt[0] + 1
    counts: dict[Any, int] = {}
    for v in srt:
        counts[v] = counts.get(v, 0) + 1
    for v, k in counts.items():
        rad = 1 - Fraction(k, n) if isinstance(v, Fraction) else 1.0 - k / n
        lo, hi = max(lo, v - rad), min(hi, v + rad)
    return min(max(med, lo), hi)


ufs_clipped_median = _register(Mechanism(
    "ufs_clipped_median",
    exact=_ufs_clip_exact,
    batch=lambda X: _kernels().ufs_clipped_median_batch(X),
    description="left median clipped into the UFS-feasible interval (UFS, not SP)",
))


# -- Moulin's min-max form ---------------------------------------------------------------
def _prep_alpha(n: int, exact: bool, alpha: Any) -> dict[str, Any]:
    if n > MAX_MOULIN_AGENTS:
        raise InvalidInputError(
            f"x: moulin_minmax needs 2^n coalition constants; n must be <= {MAX_MOULIN_AGENTS}, "
            f"got n={n}"
        )
    M = 1 << n
    if isinstance(alpha, Mapping):
        table: list[Any] = [None] * M
        for key, value in alpha.items():
            members = [key] if isinstance(key, numbers.Integral) else list(key)
            if any(not isinstance(i, numbers.Integral) or not 0 <= int(i) < n for i in members):
                raise InvalidInputError(
                    f"alpha: coalition keys must be sets of agent indices in 0..{n - 1}; got {key!r}"
                )
            mask = sum(1 << int(i) for i in set(members))
            table[mask] = value
        missing = [m for m in range(M) if table[m] is None]
        if missing:
            shown = sorted(i for i in range(n) if missing[0] >> i & 1)
            raise InvalidInputError(
                f"alpha: every coalition needs a constant; {len(missing)} missing, e.g. "
                f"coalition {set(shown) or '{}'}"
            )
        values = table
    else:
        values = list(np.asarray(alpha, dtype=object).ravel()) if not isinstance(alpha, str) else []
        if len(values) != M or np.ndim(np.asarray(alpha, dtype=object)) != 1:
            raise InvalidInputError(
                f"alpha: must be a mapping coalition -> constant or a 1-D array of 2^n = {M} "
                f"constants indexed by bitmask; got {_short(alpha)}"
            )
    vals = _check_points(values, "alpha", exact)
    for mask in range(M):
        for i in range(n):
            if not mask >> i & 1 and vals[mask] < vals[mask | 1 << i]:
                S = sorted(j for j in range(n) if mask >> j & 1)
                T = sorted(j for j in range(n) if (mask | 1 << i) >> j & 1)
                raise InvalidInputError(
                    f"alpha: must be monotone (S subset of T implies alpha_S >= alpha_T); got "
                    f"alpha_{set(S) or '{}'} = {vals[mask]} < alpha_{set(T)} = {vals[mask | 1 << i]}"
                )
    return {"alpha": vals if exact else np.ascontiguousarray(vals, dtype=np.float64)}


def _moulin_exact(xs: list[Number], alpha: list[Number]) -> Number:
    n = len(xs)
    best = alpha[0]
    for mask in range(1, 1 << n):
        m = max(xs[i] for i in range(n) if mask >> i & 1)
        best = min(best, max(alpha[mask], m))
    return best


moulin_minmax = _register(Mechanism(
    "moulin_minmax",
    exact=_moulin_exact,
    batch=lambda X, alpha: _kernels().moulin_minmax_batch(X, alpha),
    description="Moulin's generalized median min_S max(alpha_S, max_{i in S} x_i) (2^n constants)",
    anonymous=False,
    strategyproof=True,
    phantom_form="moulin",
    params=("alpha",),
    prepare=_prep_alpha,
    breakpoints=lambda n, alpha: _with_ends(list(alpha)),
))


# -- randomized ---------------------------------------------------------------------------
def _lrm_exact(xs: list[Number]) -> Lottery:
    lo, hi = min(xs), max(xs)
    q, h = (Fraction(1, 4), Fraction(1, 2)) if isinstance(lo, Fraction) else (0.25, 0.5)
    return Lottery.from_pairs([(lo, q), ((lo + hi) / 2, h), (hi, q)])


def _lrm_batch(X: NDArray[np.float64]) -> LotteryBatch:
    lo, hi = X.min(axis=1), X.max(axis=1)
    return LotteryBatch(np.ascontiguousarray(np.stack([lo, (lo + hi) / 2, hi], axis=1)),
                        np.array([0.25, 0.5, 0.25]))


lrm = _register(Mechanism(
    "lrm",
    exact=_lrm_exact,
    batch=_lrm_batch,
    description="left-right-middle: min w.p. 1/4, max w.p. 1/4, midpoint w.p. 1/2",
    strategyproof="in expectation",
    randomized=True,
    breakpoints=lambda n: [Fraction(0), Fraction(1)],
    weighted=_lrm_weighted,
    weighted_batch=lambda X, W: _lrm_batch(np.stack([_masked(X, W, np.inf).min(axis=1),
                                                     _masked(X, W, -np.inf).max(axis=1)], axis=1)),
))


def _random_rank_exact(xs: list[Number]) -> Lottery:
    n = len(xs)
    p = Fraction(1, n) if isinstance(xs[0], Fraction) else 1.0 / n
    return Lottery.from_pairs([(v, p) for v in xs])


random_rank = _register(Mechanism(
    "random_rank",
    exact=_random_rank_exact,
    batch=lambda X: LotteryBatch(np.sort(X, axis=1), np.full(X.shape[1], 1.0 / X.shape[1])),
    description="a uniformly random order statistic (= random dictator)",
    strategyproof=True,
    randomized=True,
    breakpoints=lambda n: [Fraction(0), Fraction(1)],
    weighted=_random_rank_weighted,
    weighted_batch=_random_rank_weighted_batch,
))


def get_mechanism(name: str, **params: Any) -> Mechanism:
    """Look up a registered mechanism, binding ``params`` if given.

    Examples
    --------
    >>> get_mechanism("generalized_median", beta=[1, 0.5, 0]).phantoms(2)
    [Fraction(0, 1), Fraction(1, 2), Fraction(1, 1)]
    >>> get_mechanism("dictator")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mechkit.errors.UnknownNameError: unknown mechanism 'dictator'; known: generalized_median, ...
    """
    import mechkit.facility.budget  # noqa: F401  (registers the budget mechanisms)

    mech = MECHANISMS.get(name)
    return mech.bind(**params) if params else mech


class _BlackBox:
    """Adapter giving a plain callable ``f(x) -> float`` the batch interface."""

    def __init__(self, func: Callable[..., Any], name: str) -> None:
        self.func = func
        self.name = name
        self.randomized = False
        self.phantom_form = None
        self.anonymous = False
        self.strategyproof = None

    def batch(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.empty(X.shape[0])
        for b in range(X.shape[0]):
            y = self.func(X[b].copy())
            if isinstance(y, bool) or not isinstance(y, numbers.Real) or not math.isfinite(y):
                raise InvalidInputError(
                    f"mechanism: {self.name} must return a finite real location; got {y!r} on "
                    f"profile {X[b].tolist()}"
                )
            out[b] = float(y)
        return out

    def __call__(self, x: Any, exact: bool | None = None) -> Any:
        return self.func(list(x) if exact else np.asarray(x, dtype=float))

    def phantoms(self, n: int) -> None:
        return None

    def breakpoints(self, n: int) -> None:
        return None


def on_unit_interval(mechanism: Any, dom: Any) -> Any:
    """The ``[0, 1]`` rule whose affine image on ``dom`` is ``mechanism``.

    A registered :class:`Mechanism` is defined on ``[0, 1]`` (its ``[a, b]`` version is the
    affine image), so it is returned as is; a plain callable on ``[a, b]`` is conjugated:
    ``g(z) = (f(a + (b - a) z) - a) / (b - a)`` (exactly, on lists of ``Fraction``).
    """
    mech = resolve_mechanism(mechanism)
    if not isinstance(mech, _BlackBox) or dom.is_unit:
        return mech
    f = mech.func
    lo, hi = float(dom.low), float(dom.high)

    def g(z: Any) -> Any:
        if isinstance(z, list):
            return dom.to_unit_exact([f([dom.from_unit(v) for v in z])])[0]
        out = f(np.clip(lo + (hi - lo) * np.asarray(z, dtype=float), lo, hi))
        if isinstance(out, bool) or not isinstance(out, numbers.Real):
            return out  # the black-box adapter words the error
        return (float(out) - lo) / (hi - lo)

    return _BlackBox(g, mech.name)


def resolve_mechanism(mechanism: Any) -> Any:
    """Turn a name, a :class:`Mechanism` or a plain callable into an evaluable mechanism.

    Raises
    ------
    InvalidInputError
        For unbound parameterised mechanisms and non-callables.
    """
    if isinstance(mechanism, str):
        mechanism = get_mechanism(mechanism)
    if isinstance(mechanism, Mechanism):
        if not mechanism.is_bound:
            free = [p for p in mechanism.params if p not in mechanism.bound]
            raise InvalidInputError(
                f"mechanism: {mechanism.name} needs parameter(s) {free}; use "
                f"{mechanism.name}.bind(...) or get_mechanism({mechanism.name!r}, ...)"
            )
        return mechanism
    if isinstance(mechanism, _BlackBox):
        return mechanism
    if callable(mechanism) and not isinstance(mechanism, type):
        return _BlackBox(mechanism, getattr(mechanism, "__name__", repr(mechanism)))
    raise InvalidInputError(f"mechanism: must be a name, a Mechanism or a callable; got {mechanism!r}")
