"""The Uniform Phantom mechanism satisfies proportional fairness for every profile, n <= 6.

Claim: for ``n <= 6`` and every profile ``x in [0, 1]^n``, ``y = UP(x) = med(x, 0, 1/n, ..., 1)``
satisfies PF: for every non-empty group ``S`` and member ``i in S``,
``|y - x_i| <= 1 - |S|/n + (max_S x - min_S x)``.

Method (exhaustive cell enumeration, exact arithmetic).  Fix a closed cell of the
arrangement ``{x_i = x_j}, {x_i = k/n}`` in ``[0, 1]^n`` (a weak order of the agents
and the phantoms).  On it ``y`` is a fixed agent coordinate or a fixed phantom, ``max_S x``
and ``min_S x`` are fixed coordinates and the sign of ``y - x_i`` is fixed, so every
term ``1 - |S|/n + max_S x - min_S x - |y - x_i|`` is affine and the PF slack (their
minimum) is concave: its minimum over the cell is attained at a vertex.  Every vertex
has all coordinates in ``C = {0, 1/n, ..., 1}`` (it is cut out by ``n`` independent
equalities, each chaining coordinates to a constant of ``C``), and UP and PF are
symmetric in the agents, so checking all multisets of ``C`` of size ``n`` with the
*definition* of PF (all subsets, ``Fraction`` arithmetic) covers every cell.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from proofs import Certificate

EXPECTED_SECONDS = 6.0
MAX_N = 6


def _pf_slack(x: tuple[Fraction, ...], y: Fraction) -> Fraction:
    n = len(x)
    best = Fraction(2)
    for k in range(1, n + 1):
        for S in itertools.combinations(range(n), k):
            r = max(x[i] for i in S) - min(x[i] for i in S)
            far = max(abs(y - x[i]) for i in S)
            best = min(best, 1 - Fraction(k, n) + r - far)
    return best


def verify() -> Certificate:
    from mechkit.facility import uniform_phantom

    evidence: dict[str, object] = {}
    ok = True
    for n in range(1, MAX_N + 1):
        C = [Fraction(k, n) for k in range(n + 1)]
        vertices = 0
        tight = 0
        worst = Fraction(2)
        for prof in itertools.combinations_with_replacement(C, n):
            y = uniform_phantom(list(prof))
            s = _pf_slack(prof, y)
            vertices += 1
            worst = min(worst, s)
            tight += s == 0
        ok &= worst >= 0
        evidence[f"n={n}"] = f"{vertices} vertices, min PF slack {worst}, {tight} tight"
    return Certificate(
        claim="the Uniform Phantom mechanism satisfies proportional fairness (hence UFS, IFS, "
              "proportionality, unanimity) on every profile",
        method="exhaustive",
        scope=f"n <= {MAX_N}, all x in [0,1]^n (every cell of the order arrangement)",
        evidence=evidence,
        passed=bool(ok),
    )
