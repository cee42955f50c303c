"""The poset filter f_P is the support function of the order polytope O(P) (n <= 5).

Claim: for every poset P on n <= 5 points, the vertices of the polyhedron
{x : x_i <= x_j for covers i < j, x_i >= 0 for minimal i, x_i <= 1 for maximal i} are
exactly the indicator vectors of the up-sets of P.  Hence for every y,
max over O(P) of <y, x> = max over up-sets U of sum_{i in U} y_i = f_P(y): the poset
filter is the support function of O(P), and O(P) determines P (the up-set family
round-trips to the same relations).  Vertices are enumerated exactly: every choice of n
linearly independent constraints is solved in Fractions and kept when the solution
satisfies all constraints.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from proofs import Certificate

EXPECTED_SECONDS = 10.0


def _solve(rows: list[list[int]], rhs: list[int]) -> list[Fraction] | None:
    n = len(rows)
    m = [[Fraction(v) for v in r] + [Fraction(b)] for r, b in zip(rows, rhs, strict=True)]
    for c in range(n):
        piv = next((i for i in range(c, n) if m[i][c] != 0), None)
        if piv is None:
            return None
        m[c], m[piv] = m[piv], m[c]
        for i in range(n):
            if i != c and m[i][c] != 0:
                f = m[i][c] / m[c][c]
                m[i] = [a - f * b for a, b in zip(m[i], m[c], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def verify() -> Certificate:
    import numpy as np

    from mechkit.tropical import (
        Poset,
        filter_polynomial,
        filter_value,
        order_polytope,
        posets_up_to_isomorphism,
    )

    checked = 0
    failures: list[str] = []
    for n in range(1, 6):
        for p in posets_up_to_isomorphism(n):
            Op = order_polytope(p)
            A, b = Op.A.tolist(), Op.b.tolist()
            vertices = set()
            for idx in itertools.combinations(range(len(A)), n):
                x = _solve([A[i] for i in idx], [b[i] for i in idx])
                if x is not None and all(sum(a * v for a, v in zip(row, x, strict=True)) <= r
                                         for row, r in zip(A, b, strict=True)):
                    vertices.add(tuple(x))
            ups = {tuple(Fraction(1 if i in u else 0) for i in range(n)) for u in p.upsets()}
            if vertices != ups:
                failures.append(f"vertices of {p!r}")
            V = np.array(sorted(vertices), dtype=np.int64).reshape(len(vertices), n)
            Y = np.array(list(itertools.product((-2, -1, 1, 3), repeat=n)), dtype=np.int64)
            support = (Y @ V.T).max(axis=1)  # exact: integer vertices and directions
            fp = filter_polynomial(p)(Y.astype(np.float64))
            if not np.array_equal(support, fp) or support[0] != filter_value(p, list(Y[0])):
                failures.append(f"support function of {p!r}")
            if Poset.from_upsets(n, [list(v) for v in Op.vertices]) != p:
                failures.append(f"round trip {p!r}")
            checked += 1
    return Certificate(
        claim="f_P is the support function of O(P): the H-polytope's vertices are exactly "
              "the up-set indicators, and O(P) determines P",
        method="exact arithmetic",
        scope="all 87 isomorphism classes of posets on 1..5 points; support checked on {-2,-1,1,3}^n",
        evidence={"posets_checked": checked, "failures": failures[:5]},
        passed=not failures and checked == 87,
    )
