"""Water-filling closed forms, derived symbolically (sympy).

Claims:

1. Single user, ``m`` active carriers and one inactive carrier (checked for m = 1..4):
   ``p_k = mu - w_k`` with ``mu = (P + sum_active w) / m`` satisfies the KKT system of
   ``max sum log(1 + p_k / w_k)`` s.t. ``sum p = P``, ``p >= 0``: stationarity with budget
   multiplier ``1 / mu``, the budget, and a non-negative multiplier
   ``nu_j = 1/mu - 1/w_j = (w_j - mu) / (mu w_j)`` for an inactive carrier with ``w_j >= mu``;
   the Hessian is negative definite, so KKT is sufficient.
2. Two users, two carriers, unit direct gains: solving the interior KKT system
   (``p_q(k) + w_q(k) = mu_q``, ``p_q(1) + p_q(2) = P_q``) gives the design note's closed
   form ``p_q = ((P_q + d_q)/2, (P_q - d_q)/2)`` with
   ``d_1 = (b_1 - s_1 b_2) / (1 - s_1 s_2)``, ``d_2 = (b_2 - s_2 b_1) / (1 - s_1 s_2)``,
   ``s_q = (a_q(1) + a_q(2)) / 2``, ``b_q = dn_q + (P_r / 2)(a_q(2) - a_q(1))``.
3. The symmetric two-user special case: ``p_q(1) = P/2 + (n2 - n1) / (2 (1 + eps))``.
"""

from __future__ import annotations

from proofs import Certificate

EXPECTED_SECONDS = 8.0


def verify() -> Certificate:
    import sympy as sp

    checks: list[bool] = []
    evidence: dict[str, str] = {}

    # 1. single user, m active + 1 inactive carrier
    for m in range(1, 5):
        w = sp.symbols(f"w1:{m + 1}", positive=True)
        P, wj = sp.symbols("P w_j", positive=True)
        mu = (P + sum(w)) / m
        p = [mu - wk for wk in w]
        lam = 1 / mu
        stat = [sp.simplify(sp.diff(sp.log(1 + sp.Symbol("x") / wk), sp.Symbol("x")).subs(
            sp.Symbol("x"), pk) - lam) for wk, pk in zip(w, p, strict=True)]
        budget = sp.simplify(sum(p) - P)
        nu = sp.simplify(lam - 1 / wj)          # d/dp_j log(1 + p_j/w_j) at 0 is 1/w_j
        nu_form = sp.simplify(nu - (wj - mu) / (mu * wj))
        checks += [all(s == 0 for s in stat), budget == 0, nu_form == 0]
        x = sp.symbols(f"x1:{m + 1}", nonnegative=True)
        f = sum(sp.log(1 + xk / wk) for xk, wk in zip(x, w, strict=True))
        H = sp.hessian(f, x)
        diag_ok = all(sp.simplify(H[i, i] + 1 / (w[i] + x[i]) ** 2) == 0 for i in range(m))
        off_ok = all(H[i, j] == 0 for i in range(m) for j in range(m) if i != j)
        checks += [diag_ok, off_ok]
        evidence[f"single user, m={m}"] = (f"stationarity residuals {stat}, budget {budget}, "
                                           f"nu_j = {sp.factor(nu)}")

    # 2. two users, two carriers
    P1, P2 = sp.symbols("P1 P2", positive=True)
    a = sp.symbols("a11 a12 a21 a22", nonnegative=True)        # a[q, k]: cross gain into q
    n = sp.symbols("n11 n12 n21 n22", positive=True)
    x1, x2, m1, m2 = sp.symbols("x1 x2 mu1 mu2")                # p_q(1) = x_q, p_q(2) = P_q - x_q
    Pq = (P1, P2)
    xs = (x1, x2)
    ms = (m1, m2)
    eqs = []
    for q in range(2):
        r = 1 - q
        pr = (xs[r], Pq[r] - xs[r])
        pq = (xs[q], Pq[q] - xs[q])
        for k in range(2):
            wqk = n[2 * q + k] + a[2 * q + k] * pr[k]
            eqs.append(sp.Eq(pq[k] + wqk, ms[q]))
    sol = sp.solve(eqs, [x1, x2, m1, m2], dict=True)
    checks.append(len(sol) == 1)
    s = [(a[0] + a[1]) / 2, (a[2] + a[3]) / 2]
    dn = [n[1] - n[0], n[3] - n[2]]
    b = [dn[0] + Pq[1] / 2 * (a[1] - a[0]), dn[1] + Pq[0] / 2 * (a[3] - a[2])]
    d1 = (b[0] - s[0] * b[1]) / (1 - s[0] * s[1])
    d2 = (b[1] - s[1] * b[0]) / (1 - s[0] * s[1])
    diff1 = sp.simplify(sol[0][x1] - (P1 + d1) / 2)
    diff2 = sp.simplify(sol[0][x2] - (P2 + d2) / 2)
    checks += [diff1 == 0, diff2 == 0]
    evidence["two users"] = f"p_1(1) - (P_1 + d_1)/2 = {diff1}; p_2(1) - (P_2 + d_2)/2 = {diff2}"

    # 3. symmetric special case
    eps, n1, n2, Ps = sp.symbols("epsilon n1 n2 P", positive=True)
    subs = {a[0]: eps, a[1]: eps, a[2]: eps, a[3]: eps, n[0]: n1, n[1]: n2, n[2]: n1,
            n[3]: n2, P1: Ps, P2: Ps}
    sym = sp.simplify(sol[0][x1].subs(subs) - (Ps / 2 + (n2 - n1) / (2 * (1 + eps))))
    checks.append(sym == 0)
    evidence["symmetric"] = f"p_q(1) - (P/2 + (n2 - n1)/(2(1+eps))) = {sym}"
    return Certificate(
        claim="the water-filling KKT solution and the 2-user interior NE closed forms solve "
              "their KKT systems",
        method="symbolic",
        scope="single user with m = 1..4 active carriers; all 2-user 2-carrier interior NE",
        evidence=evidence,
        passed=all(checks),
    )
