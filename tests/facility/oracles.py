"""Brute-force oracles for the facility tests (exact arithmetic, exhaustive, slow on purpose)."""

from __future__ import annotations

import itertools
from fractions import Fraction


def F(v) -> Fraction:
    return v if isinstance(v, Fraction) else Fraction(v)


def up_cdf_crossing(x) -> Fraction:
    """UP by the CDF-crossing form (c): min{y : #{x_i <= y} + floor(n y) >= n}."""
    xs = [F(v) for v in x]
    n = len(xs)
    cands = sorted(set(xs) | {Fraction(k, n) for k in range(n + 1)})
    for y in cands:
        if sum(1 for v in xs if v <= y) + (y * n).__floor__() >= n:
            return y
    raise AssertionError("no crossing")


def up_minmax(x) -> Fraction:
    """UP by the min-max form (b): min(1, min_s max(1 - s/n, x_(s)))."""
    xs = sorted(F(v) for v in x)
    n = len(xs)
    return min([Fraction(1)] + [max(1 - Fraction(s, n), xs[s - 1]) for s in range(1, n + 1)])


def median_of(values) -> object:
    """Middle element of an odd-length list."""
    vals = sorted(values)
    assert len(vals) % 2 == 1
    return vals[len(vals) // 2]


def moulin_brute(x, alpha_of) -> object:
    """min over all coalitions S of max(alpha_S, max_{i in S} x_i) (alpha_of(frozenset))."""
    n = len(x)
    best = alpha_of(frozenset())
    for k in range(1, n + 1):
        for S in itertools.combinations(range(n), k):
            best = min(best, max(alpha_of(frozenset(S)), max(x[i] for i in S)))
    return best


def pf_slack_subsets(x, y):
    """PF slack by definition: min over all non-empty S and i in S."""
    n = len(x)
    best = None
    for k in range(1, n + 1):
        for S in itertools.combinations(range(n), k):
            r = max(x[i] for i in S) - min(x[i] for i in S)
            for i in S:
                s = 1 - Fraction(k, n) + r - abs(y - x[i]) if isinstance(y, Fraction) else \
                    1 - k / n + r - abs(y - x[i])
                if best is None or s < best:
                    best = s
    return best


def ufs_slack_brute(x, y):
    """UFS slack by definition: every set of co-located agents."""
    n = len(x)
    best = None
    for v in set(x):
        k = sum(1 for u in x if u == v)
        s = (1 - Fraction(k, n) if isinstance(y, Fraction) else 1 - k / n) - abs(y - v)
        if best is None or s < best:
            best = s
    return best


def ifs_slack_brute(x, y):
    n = len(x)
    return min((1 - Fraction(1, n) if isinstance(y, Fraction) else 1 - 1 / n) - abs(y - v) for v in x)


def ratio_brute(f, n, L, objective):
    """Max ratio over ALL tuples (not multisets) of the grid {k/L}, exact; None if all skipped."""
    pts = [Fraction(k, L) for k in range(L + 1)]
    best = None
    for prof in itertools.product(pts, repeat=n):
        prof = list(prof)
        y = f(prof)
        srt = sorted(prof)
        tc_opt = min(sum(abs(v - c) for v in prof) for c in prof)
        tc = sum(abs(v - y) for v in prof)
        if objective == "welfare":
            num, den = n - tc_opt, n - tc
        elif objective == "cost":
            num, den = tc, tc_opt
        else:
            num = max(abs(y - v) for v in prof)
            den = (srt[-1] - srt[0]) / 2
        if den == 0:
            if num == 0:
                continue
            return float("inf")
        val = num / den
        if best is None or val > best:
            best = val
    return best


def sp_gain_grid(f, x, L):
    """Largest single-agent gain over deviations on the grid {k/L} (exact)."""
    n = len(x)
    y = f(list(x))
    best = Fraction(0)
    for i in range(n):
        for k in range(L + 1):
            prof = list(x)
            prof[i] = Fraction(k, L)
            best = max(best, abs(y - x[i]) - abs(f(prof) - x[i]))
    return best
