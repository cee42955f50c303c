"""Independent brute-force oracles for the position-auction tests (no mechkit, no numba).

They enumerate every allocation (every set of shown ads, every injective choice of
positions, and for the free-order cascade every rendering order) and evaluate the user
models from their definitions.
"""

from __future__ import annotations

import itertools
from fractions import Fraction


def allocations(n, m, K):
    """Every allocation as a tuple of (ad, position) pairs, ads increasing."""
    yield ()
    for k in range(1, min(n, m, K) + 1):
        for ads in itertools.combinations(range(n), k):
            for ps in itertools.permutations(range(m), k):
                yield tuple(zip(ads, ps, strict=True))


def mnl_value(W, b, w0, pairs):
    den = w0 + sum(W[i][j] for i, j in pairs)
    return sum(b[i] * W[i][j] for i, j in pairs) / den


def cascade_value(P, Q, b, seq):
    surv, total = 1.0, 0.0
    for i, j in seq:
        total += b[i] * surv * P[i][j]
        surv *= Q[i][j]
    return total


def welfare(model, b, M, K, *, Q=None, w0=1.0, order="free", sigma=None, exclude=None):
    """Optimal welfare by enumeration (``exclude``: an ad that may not be shown)."""
    n = len(b)
    m = len(M[0]) if n else 0  # with no ads only the empty allocation exists
    best = 0.0
    for pairs in allocations(n, m, K):
        if exclude is not None and any(i == exclude for i, _ in pairs):
            continue
        if model == "mnl":
            v = mnl_value(M, b, w0, pairs)
        elif model == "independent":
            v = sum(b[i] * M[i][j] for i, j in pairs)
        elif order == "fixed":
            rank = {p: r for r, p in enumerate(sigma)}
            v = cascade_value(M, Q, b, sorted(pairs, key=lambda e: rank[e[1]]))
        else:
            v = max(cascade_value(M, Q, b, seq) for seq in itertools.permutations(pairs)) \
                if pairs else 0.0
        best = max(best, v)
    return best


def vcg_payment(model, b, M, K, i, welfare_star, ctr_i, **kw):
    """Clarke pivot of ad ``i`` given the optimum and its CTR there."""
    h = welfare(model, b, M, K, exclude=i, **kw)
    return h - (welfare_star - b[i] * ctr_i)


def mnl_optimum_fraction(W, b, w0, K):
    """Exact rational optimum and the set of optimal allocations (for tie checks)."""
    W = [[Fraction(x) for x in row] for row in W]
    b = [Fraction(x) for x in b]
    w0 = Fraction(w0)
    n, m = len(b), len(W[0]) if W else 0
    vals = {pairs: mnl_value(W, b, w0, pairs) for pairs in allocations(n, m, K)}
    best = max(vals.values())
    return best, [p for p, v in vals.items() if v == best]
