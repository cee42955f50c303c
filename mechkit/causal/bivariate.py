"""The bivariate causal de Finetti rule: direction from three two-sample CI tests.

With two samples per environment, ``p_xy = p(X1 _||_ Y2 | X2)``, ``p_yx = p(Y1 _||_ X2 | Y2)``
and ``p_ind = p(X1 _||_ Y1)``; the paper's rule at level ``alpha`` (evaluated in this order,
each comparison inclusive so the earliest rule wins at ``p = alpha``):

1. ``p_xy >= a, p_yx <= a, p_ind <= a``  -> ``"X->Y"``
2. ``p_xy <= a, p_yx >= a, p_ind <= a``  -> ``"Y->X"``
3. all three ``>= a``                    -> ``"none"``
4. otherwise ``argmax(p_xy, p_yx, p_ind)`` (first index wins ties).

``strict=True`` answers ``"undetermined"`` instead of step 4: the pattern (accept, accept,
reject) is exactly what i.i.d. data produce, and the argmax then picks a direction at
random.

Examples
--------
>>> decide_bivariate(0.6, 0.001, 0.0)
('X->Y', 'X->Y pattern')
>>> decide_bivariate(0.6, 0.4, 0.0)
('X->Y', 'argmax')
>>> decide_bivariate(0.6, 0.4, 0.0, strict=True)
('undetermined', 'strict: no pattern matched')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from mechkit._validate import check_real
from mechkit.causal.citests import CITestResult, Oracle, make_tester
from mechkit.causal.data import ExchangeableData, as_exchangeable
from mechkit.errors import InvalidInputError
from mechkit.random import SeedLike

__all__ = ["DIRECTIONS", "BivariateResult", "bivariate_direction", "check_alpha", "decide_bivariate"]

DIRECTIONS = ("X->Y", "Y->X", "none", "undetermined")


def check_alpha(alpha: object) -> float:
    """Validate a significance level in the open interval (0, 1).

    Examples
    --------
    >>> check_alpha(1.0)
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: alpha: must lie in (0, 1); got 1.0
    """
    if type(alpha) is float and 0.0 < alpha < 1.0:
        return alpha
    a = check_real(alpha, "alpha")
    if not 0.0 < a < 1.0:
        raise InvalidInputError(f"alpha: must lie in (0, 1); got {a}")
    return a


def decide_bivariate(p_xy: float, p_yx: float, p_ind: float, alpha: float = 0.05,
                     strict: bool = False) -> tuple[str, str]:
    """Apply the bivariate decision rule to three p-values.

    Parameters
    ----------
    p_xy, p_yx, p_ind : float
        P-values in [0, 1] of ``X1 _||_ Y2 | X2``, ``Y1 _||_ X2 | Y2`` and ``X1 _||_ Y1``.
    alpha : float, default 0.05
        Level in (0, 1).
    strict : bool, default False
        Return ``"undetermined"`` instead of the argmax fallback.

    Returns
    -------
    (str, str)
        The direction and the rule that fired.

    Examples
    --------
    >>> decide_bivariate(0.05, 0.05, 0.05)   # ties at alpha: the earliest rule wins
    ('X->Y', 'X->Y pattern')
    >>> decide_bivariate(1.2, 0.0, 0.0)
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: p_xy: must lie in [0, 1]; got 1.2
    """
    a = check_alpha(alpha)
    if not isinstance(strict, bool):
        raise InvalidInputError(f"strict: must be a bool; got {strict!r}")
    ps = []
    for name, p in (("p_xy", p_xy), ("p_yx", p_yx), ("p_ind", p_ind)):
        v = check_real(p, name)
        if not 0.0 <= v <= 1.0:
            raise InvalidInputError(f"{name}: must lie in [0, 1]; got {v}")
        ps.append(v)
    return _decide(ps[0], ps[1], ps[2], a, strict)


def _decide(pxy: float, pyx: float, pind: float, a: float, strict: bool) -> tuple[str, str]:
    if pxy >= a and pyx <= a and pind <= a:
        return "X->Y", "X->Y pattern"
    if pxy <= a and pyx >= a and pind <= a:
        return "Y->X", "Y->X pattern"
    if pxy >= a and pyx >= a and pind >= a:
        return "none", "all accept"
    if strict:
        return "undetermined", "strict: no pattern matched"
    return ("X->Y", "Y->X", "none")[int(np.argmax([pxy, pyx, pind]))], "argmax"


@dataclass(frozen=True)
class BivariateResult:
    """The answer of :func:`bivariate_direction`.

    Attributes
    ----------
    direction : str
        ``"X->Y"``, ``"Y->X"``, ``"none"`` or ``"undetermined"``.
    p_xy, p_yx, p_ind : float
        The three p-values of the rule.
    rule : str
        Which rule fired (``"X->Y pattern"``, ``"Y->X pattern"``, ``"all accept"``,
        ``"argmax"``, ``"strict: no pattern matched"`` or
        ``"strict: no between-environment variation"``).
    alpha : float
        Level used.
    strict : bool
        Whether the strict rule was used.
    test : str
        The CI test.
    p_variation : tuple of float
        ``p(X1 _||_ X2)`` and ``p(Y1 _||_ Y2)``: evidence of between-environment variation.
    flags : tuple of str
        ``"no_between_env_variation"`` when neither variable shows any (Bonferroni over the
        two tests): the direction is then not identifiable, whatever the rule says.
        ``"no_pattern_matched"`` when the answer comes from the argmax fallback (or is
        ``"undetermined"`` in strict mode): e.g. the (accept, accept, reject) pattern of
        equal intra-class correlation, where both directions fit the data.
    results : tuple of CITestResult
        The five test results (``p_xy``, ``p_yx``, ``p_ind`` and the two variation
        tests), built on first access.
    """

    direction: str
    p_xy: float
    p_yx: float
    p_ind: float
    rule: str
    alpha: float
    strict: bool
    test: str
    p_variation: tuple[float, float]
    flags: tuple[str, ...]
    tests: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    @property
    def results(self) -> tuple[CITestResult, ...]:
        """The five CI test results (built from the stored numbers on first access)."""
        return tuple(t if isinstance(t, CITestResult) else _fisher_result(*t) for t in self.tests)

    @property
    def trustworthy(self) -> bool:
        """False when a flag says the data cannot identify the direction (or no pattern matched)."""
        return not self.flags

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (without the raw test results)."""
        return {"direction": self.direction, "p_xy": self.p_xy, "p_yx": self.p_yx,
                "p_ind": self.p_ind, "rule": self.rule, "alpha": self.alpha,
                "strict": self.strict, "test": self.test, "p_variation": list(self.p_variation),
                "flags": list(self.flags), "trustworthy": self.trustworthy}

    def __repr__(self) -> str:
        flag = f", flags={list(self.flags)}" if self.flags else ""
        return (f"BivariateResult({self.direction!r} by {self.rule!r}; p_xy={self.p_xy:.3g}, "
                f"p_yx={self.p_yx:.3g}, p_ind={self.p_ind:.3g}{flag})")


def bivariate_direction(data: Any, test: str | Oracle = "fisher_z", alpha: float = 0.05,
                        strict: bool = False, *, pair: str = "first", seed: SeedLike = None,
                        **test_options: Any) -> BivariateResult:
    """Causal direction between two variables from exchangeable data.

    Parameters
    ----------
    data : array_like ``(n_env, m >= 2, 2)``, ExchangeableData or Oracle
        The data (variable 0 is X, variable 1 is Y), or a d-separation oracle on 2 nodes.
    test : str, default "fisher_z"
        A registered CI test (``fisher_z``, ``g_test``, ``kci``, ``rcot``, ``rcit``).
    alpha : float, default 0.05
        Level in (0, 1).
    strict : bool, default False
        Answer ``"undetermined"`` instead of the paper's argmax fallback.
    pair : {"first", "random", "all"}, default "first"
        Which two samples per environment are used; ``"all"`` (``fisher_z`` only) averages
        over every ordered pair of samples and calibrates with a jackknife over
        environments (more power when ``m > 2``; see
        :class:`~mechkit.causal.citests.AllPairsFisherZ`).
    seed : seed-like, optional
        For ``pair="random"`` and randomised tests (``rcot``, ``rcit``).
    **test_options
        Passed to the CI test.

    Returns
    -------
    BivariateResult

    Raises
    ------
    InvalidInputError
        For data with ``d != 2`` and every invalid data shape or content.

    Examples
    --------
    >>> from mechkit.causal import simulate_gaussian, d_separation
    >>> sim = simulate_gaussian([(0, 1)], n_env=2000, spread=[1.0, 0.5], seed=0)
    >>> bivariate_direction(sim.data).direction
    'X->Y'
    >>> bivariate_direction(d_separation([(1, 0)], d=2)).direction
    'Y->X'
    """
    a = check_alpha(alpha)
    if not isinstance(strict, bool):
        raise InvalidInputError(f"strict: must be a bool; got {strict!r}")
    fast = None
    if test == "fisher_z" and pair == "first" and not test_options and not isinstance(data, Oracle):
        ex = as_exchangeable(data)
        _check_two(ex.d)
        fast = _fisher_z_five(ex)
    if fast is not None:
        (_, _, p_xy, _, _), (_, _, p_yx, _, _), (_, _, p_ind, _, _), vx, vy = fast
        p_vx, p_vy = vx[2], vy[2]
        tests: tuple[Any, ...] = fast
        name = "fisher_z"
    else:
        tester = make_tester(data, test, pair=pair, seed=seed, **test_options)
        _check_two(tester.d)
        name = tester.name
        r_xy = tester.test((0, 0), (1, 1), [(0, 1)])
        r_yx = tester.test((1, 0), (0, 1), [(1, 1)])
        r_ind = tester.test((0, 0), (1, 0), [])
        r_vx = tester.test((0, 0), (0, 1), [])
        r_vy = tester.test((1, 0), (1, 1), [])
        p_xy, p_yx, p_ind = r_xy.p_value, r_yx.p_value, r_ind.p_value
        p_vx, p_vy = r_vx.p_value, r_vy.p_value
        tests = (r_xy, r_yx, r_ind, r_vx, r_vy)
    direction, rule = _decide(p_xy, p_yx, p_ind, a, strict)
    flags: tuple[str, ...] = ()
    if rule in ("argmax", "strict: no pattern matched"):
        # No pattern of the rule matched (e.g. accept, accept, reject: both directions are
        # consistent with the data, as for equal intra-class correlation): a guess, not an
        # identified direction.
        flags = ("no_pattern_matched",)
    if min(p_vx, p_vy) > a / 2:
        flags = ("no_between_env_variation", *flags)
        if strict:
            direction, rule = "undetermined", "strict: no between-environment variation"
    return BivariateResult(direction, p_xy, p_yx, p_ind, rule, a, strict, name, (p_vx, p_vy),
                           flags, tests)


def _check_two(d: int) -> None:
    if d != 2:
        raise InvalidInputError(
            f"data: bivariate_direction needs exactly 2 variables (d = 2); got d = {d}; "
            "use discover() for more variables")


def _fisher_result(pc: float, stat: float, p: float, k: int, n: int) -> CITestResult:
    return CITestResult("fisher_z", stat, p, n, None,
                        MappingProxyType({"partial_correlation": pc, "conditioning_size": k,
                                          "null": "standard normal (two-sided)"}))


def _fisher_z_five(ex: ExchangeableData) -> tuple[tuple[float, float, float, int, int], ...] | None:
    """The five Fisher-z tests from one 4 x 4 covariance, in closed form (numba kernel).

    Returns ``(partial correlation, statistic, p-value, |z|, n)`` per test, or None (the
    caller then takes the general path, which raises the proper errors) for too few
    environments, constant columns or a nearly singular correlation block.
    """
    from solvers.citests import _TRIPLES, bivariate_fisher_z

    n = ex.n_env
    if n - 4 <= 0:
        return None
    vals = ex.values if ex.m == 2 else np.ascontiguousarray(ex.values[:, :2, :])
    rows = bivariate_fisher_z(vals.reshape(n, 4), _TRIPLES).tolist()  # columns X1, Y1, X2, Y2
    if any(r[2] != r[2] for r in rows):  # NaN: singular block or constant column
        return None
    return tuple((r[0], r[1], r[2], k, n) for r, k in zip(rows, (1, 1, 0, 0, 0), strict=True))
