"""Independent brute-force oracles for the tropical domain (itertools + fractions only)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np


def closure_pairs(n, relations):
    """Transitive closure by repeated squaring of a boolean matrix (no bitmasks)."""
    m = [[False] * n for _ in range(n)]
    for a, b in relations:
        m[a][b] = True
    changed = True
    while changed:
        changed = False
        for i in range(n):
            for j in range(n):
                if m[i][j]:
                    for k in range(n):
                        if m[j][k] and not m[i][k]:
                            m[i][k] = True
                            changed = True
    return {(i, j) for i in range(n) for j in range(n) if m[i][j]}


def upsets_brute(n, rel):
    """All subsets closed upward, as frozensets."""
    out = []
    for mask in range(1 << n):
        s = {i for i in range(n) if mask >> i & 1}
        if all(b in s for a, b in rel if a in s):
            out.append(frozenset(s))
    return out


def linext_brute(n, rel):
    """Count permutations that respect every relation."""
    count = 0
    for perm in itertools.permutations(range(n)):
        pos = {v: k for k, v in enumerate(perm)}
        if all(pos[a] < pos[b] for a, b in rel):
            count += 1
    return count


def linext_python_dp(n, above):
    """Pure-Python dict DP over down-sets (the benchmark's baseline algorithm)."""
    full = (1 << n) - 1
    below = [0] * n
    for i in range(n):
        for j in range(n):
            if above[i] >> j & 1:
                below[j] |= 1 << i
    # down-sets by breadth-first growth, then the DP in order of size
    downs = {0}
    frontier = {0}
    while frontier:
        nxt = set()
        for d in frontier:
            for x in range(n):
                if not d >> x & 1 and (below[x] & ~d) == 0:
                    nxt.add(d | (1 << x))
        nxt -= downs
        downs |= nxt
        frontier = nxt
    e = {0: 1}
    for s in sorted(downs, key=lambda v: bin(v).count("1")):
        if s == 0:
            continue
        e[s] = sum(e[s & ~(1 << x)] for x in range(n) if s >> x & 1 and not (above[x] & s))
    return e[full]


def isomorphic_brute(n, rel1, rel2):
    s2 = set(rel2)
    for perm in itertools.permutations(range(n)):
        if {(perm[a], perm[b]) for a, b in rel1} == s2:
            return True
    return False


def filter_oracle(window, ups):
    """f_P and the minimal maximizer of a window, exactly (Fractions)."""
    xs = [Fraction(v) for v in window]
    vals = {u: sum((xs[i] for i in u), Fraction(0)) for u in ups}
    best = max(vals.values())
    maximizers = [u for u, v in vals.items() if v == best]
    inter = frozenset(range(len(xs)))
    for u in maximizers:
        inter &= u
    return best, inter


def pool_oracle(x, ups, k, s):
    """Zero-padded k x k / stride s poset pooling with the minimal-maximizer rule, in Fractions."""
    B, C, H, W = x.shape
    Ho = 1 if H <= k else -(-(H - k) // s) + 1
    Wo = 1 if W <= k else -(-(W - k) // s) + 1
    out = np.zeros((B, C, Ho, Wo))
    grad = np.zeros((B, C, H, W))
    bits = np.zeros((B, C, Ho, Wo), dtype=np.int64)
    for b in range(B):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    win = []
                    for t in range(k * k):
                        r, q = i * s + t // k, j * s + t % k
                        win.append(float(x[b, c, r, q]) if r < H and q < W else 0.0)
                    best, U = filter_oracle(win, ups)
                    out[b, c, i, j] = float(best)
                    bits[b, c, i, j] = sum(1 << t for t in U)
                    for t in U:
                        r, q = i * s + t // k, j * s + t % k
                        if r < H and q < W:
                            grad[b, c, r, q] += 1.0
    return out, bits, grad


def lattice_points_brute(A, b, m, n):
    count = 0
    for x in itertools.product(range(m + 1), repeat=n):
        if all(sum(a * v for a, v in zip(row, x, strict=False)) <= m * rhs for row, rhs in zip(A, b, strict=False)):
            count += 1
    return count


def forward_exact(weights, biases, thresholds, x):
    """Forward pass in Fractions."""
    z = [Fraction(v) for v in x]
    for W, b, t in zip(weights, biases, thresholds, strict=False):
        z = [sum((Fraction(w) * v for w, v in zip(row, z, strict=False)), Fraction(0)) + Fraction(bi)
             for row, bi in zip(W, b, strict=False)]
        if t is not None:
            z = [max(v, Fraction(t)) for v in z]
    return z


def euler_zigzag(count):
    """Euler zigzag numbers E_0..E_{count-1} by the boustrophedon (Seidel) triangle."""
    out = [1]
    row = [1]
    for _ in range(1, count):
        new = [0]
        for v in reversed(row):
            new.append(new[-1] + v)
        row = new
        out.append(row[-1])
    return out


def hook_length_syt(a, b):
    """Standard Young tableaux of the a x b rectangle (hook-length formula)."""
    from math import factorial, prod

    hooks = prod((a - i) + (b - j) - 1 for i in range(a) for j in range(b))
    return factorial(a * b) // hooks
