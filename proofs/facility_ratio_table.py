"""Exact worst-case welfare and cost ratios of the Uniform Phantom mechanism, n = 2..8.

Claim: the welfare ratio ``sup SW*/SW`` of UP is 1, 6/5, 6/5, 20/17, 6/5, 35/29, 6/5 for
``n = 2..8`` and equals the endpoint bound ``max_k max(k, n-k) / (n - 2k(n-k)/n)`` that
every UFS mechanism must meet (UP is welfare-optimal among UFS mechanisms); the cost
ratio ``sup TC/TC*`` is exactly ``n - 1`` (witness ``(0^(n-1), 1/n)``).

Method (exhaustive, exact arithmetic).  On every cell of the arrangement
``{x_i = x_j}, {x_i = k/n}``, ``UP(x)`` and the optimal median are fixed coordinates, so
``TC``, ``TC*``, ``SW``, ``SW*`` are affine and each ratio is linear-fractional, hence
maximised at a vertex; all vertices have coordinates in ``{0, 1/n, ..., 1}``.  This
module enumerates every vertex multiset in pure ``Fraction`` arithmetic (independently
of the numba enumeration used by ``approximation_ratio``) and records the maximising
profiles as certificates.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from proofs import Certificate

EXPECTED_SECONDS = 8.0
WELFARE = {2: Fraction(1), 3: Fraction(6, 5), 4: Fraction(6, 5), 5: Fraction(20, 17),
           6: Fraction(6, 5), 7: Fraction(35, 29), 8: Fraction(6, 5)}


def _up(x: tuple[Fraction, ...]) -> Fraction:
    n = len(x)
    return sorted([*x, *(Fraction(k, n) for k in range(n + 1))])[n]


def verify() -> Certificate:
    evidence: dict[str, object] = {}
    ok = True
    for n in range(2, 9):
        C = [Fraction(k, n) for k in range(n + 1)]
        best_w: tuple[Fraction, tuple[Fraction, ...]] = (Fraction(0), ())
        best_c: tuple[Fraction, tuple[Fraction, ...]] = (Fraction(0), ())
        for prof in itertools.combinations_with_replacement(C, n):
            y = _up(prof)
            med = prof[(n - 1) // 2]
            tc = sum((abs(v - y) for v in prof), Fraction(0))
            opt = sum((abs(v - med) for v in prof), Fraction(0))
            w = (n - opt) / (n - tc)
            if w > best_w[0]:
                best_w = (w, prof)
            if opt > 0 and tc / opt > best_c[0]:
                best_c = (tc / opt, prof)
            if opt == 0 and tc > 0:
                ok = False  # an infinite cost ratio would contradict the claim
        bound = max(Fraction(max(k, n - k)) / (n - Fraction(2 * k * (n - k), n)) for k in range(n + 1))
        ok &= best_w[0] == WELFARE[n] == bound and best_c[0] == n - 1
        evidence[f"n={n}"] = (f"welfare {best_w[0]} at {tuple(str(v) for v in best_w[1])}; "
                              f"endpoint bound {bound}; cost {best_c[0]} at "
                              f"{tuple(str(v) for v in best_c[1])}")
    return Certificate(
        claim="UP's exact worst-case welfare ratio equals the UFS endpoint lower bound and its "
              "cost ratio is n - 1",
        method="exhaustive",
        scope="n = 2..8, all profiles in [0,1]^n (vertex enumeration)",
        evidence=evidence,
        passed=bool(ok),
    )
