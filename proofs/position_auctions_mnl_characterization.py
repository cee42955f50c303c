"""MNL welfare: the optimum is the unique root of g(lambda) = w0 lambda (exact rationals).

Claim (design note §1.3): for the MNL position auction with ``<= K`` shown ads, let
``W* = max_x sum x_ij w_ij b_i / (w0 + sum x_ij w_ij)`` and
``g(lambda) = max_x sum x_ij w_ij (b_i - lambda)^+``.  Then ``g(W*) = w0 W*``,
``g(lambda) > w0 lambda`` for ``lambda < W*`` and ``g(lambda) < w0 lambda`` for
``lambda > W*`` (unique root), no optimal allocation shows an ad with ``b_i < W*`` and
positive weight (an ad with ``b_i = W*`` may be added to an optimum without changing its
value, so the "fewer ads" tie rule leaves it out: the optimum it selects shows only ads with
``b_i > W*``), and Dinkelbach's iteration from 0 reaches ``W*`` exactly.  Checked
exhaustively with ``fractions.Fraction`` on a grid of small instances.
"""

from __future__ import annotations

import itertools
from fractions import Fraction as Fr

from proofs import Certificate

EXPECTED_SECONDS = 15.0


def _allocations(n: int, m: int, K: int):
    yield ()
    for k in range(1, min(n, m, K) + 1):
        for ads in itertools.combinations(range(n), k):
            for ps in itertools.permutations(range(m), k):
                yield tuple(zip(ads, ps, strict=True))


def _check(W, b, w0, K, allocs) -> tuple[bool, str]:
    def ratio(x):
        return sum(W[i][j] * b[i] for i, j in x) / (w0 + sum(W[i][j] for i, j in x))

    def g(lam):
        return max(sum(max(W[i][j] * (b[i] - lam), Fr(0)) for i, j in x) for x in allocs)

    vals = {x: ratio(x) for x in allocs}
    star = max(vals.values())
    if g(star) != w0 * star:
        return False, f"g(W*) != w0 W* for W={W}, b={b}"
    for delta in (Fr(1, 7), Fr(1, 1000)):
        if star - delta >= 0 and not g(star - delta) > w0 * (star - delta):
            return False, f"g - w0 lam not positive below W* for W={W}, b={b}"
        if not g(star + delta) < w0 * (star + delta):
            return False, f"g - w0 lam not negative above W* for W={W}, b={b}"
    for x, v in vals.items():
        if v == star and any(b[i] <= star and W[i][j] > 0 for i, j in x):
            # an optimum showing a zero-contribution ad: must also be optimal without it
            y = tuple(e for e in x if not (b[e[0]] <= star and W[e[0]][e[1]] > 0))
            if ratio(y) != star or any(b[i] < star and W[i][j] > 0 for i, j in x):
                return False, f"optimum shows an ad with b <= W* for W={W}, b={b}"
    lam = Fr(0)
    for _ in range(50):  # Dinkelbach in exact arithmetic
        best = max(allocs, key=lambda x: sum(max(W[i][j] * (b[i] - lam), Fr(0)) for i, j in x))
        best = tuple(e for e in best if W[e[0]][e[1]] * (b[e[0]] - lam) > 0)
        new = ratio(best)
        if new <= lam:
            break
        lam = new
    if lam != star:
        return False, f"Dinkelbach stopped at {lam} != W* = {star} for W={W}, b={b}"
    return True, ""


def verify() -> Certificate:
    checked = 0
    failures: list[str] = []
    grids = [
        (2, 2, [Fr(0), Fr(1, 2), Fr(2)], [Fr(0), Fr(1), Fr(3)]),
        (3, 2, [Fr(1, 2), Fr(2)], [Fr(0), Fr(1), Fr(3)]),
    ]
    for n, m, wvals, bvals in grids:
        for K in range(1, m + 1):
            allocs = list(_allocations(n, m, K))
            for wflat in itertools.product(wvals, repeat=n * m):
                W = [list(wflat[i * m:(i + 1) * m]) for i in range(n)]
                for b in itertools.product(bvals, repeat=n):
                    for w0 in (Fr(1), Fr(1, 2)):
                        ok, why = _check(W, list(b), w0, K, allocs)
                        checked += 1
                        if not ok and len(failures) < 5:
                            failures.append(why)
    return Certificate(
        claim="MNL welfare optimum W* is the unique root of g(lambda) = w0 lambda; no optimum "
              "shows an ad with b < W* (ads with b = W* can be dropped at no loss, so the "
              "fewer-ads optimum shows only b > W*); exact Dinkelbach reaches W*",
        method="exhaustive",
        scope="n=2, m=2, w in {0, 1/2, 2}; n=3, m=2, w in {1/2, 2}; b in {0, 1, 3}; "
              "K <= m; w0 in {1, 1/2}; exact rationals",
        evidence={"instances": checked, "failures": failures},
        passed=not failures and checked > 0,
    )
