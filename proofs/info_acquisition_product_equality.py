"""Conditionally independent signals: correlation does not help (design note a.4, fact 1).

Checked exactly on small instances by LP duality.

Claim: if ``P(s | b, θ) = Π_i P_i(s_i | b_i, θ)``, the optimal correlated IC mechanism is
worth exactly ``max_b [V(b) - Σ_i MinPay_i(b_i)]``, the value of the best pure profile that
pays each agent its single-agent minimum-payment rule.  Method: exact rational duality
certificates (see :mod:`proofs.info_acquisition_duality`) for the joint correlated LP and
for every single-agent minimum-payment LP, then an exact comparison of the two numbers.
The instances' data are decimal rationals (denominators <= 10^4), read exactly.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from proofs import Certificate

EXPECTED_SECONDS = 10.0


def _instances():
    from mechkit.info_acquisition import Instance, binary_accuracy_instance

    a = [[[0.5, 0.3, 0.2], [0.5, 0.3, 0.2]],
         [[0.6, 0.3, 0.1], [0.2, 0.3, 0.5]],
         [[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]]]
    b = [[[0.4, 0.4, 0.2], [0.4, 0.4, 0.2]],
         [[0.7, 0.2, 0.1], [0.1, 0.4, 0.5]],
         [[0.9, 0.1, 0.0], [0.0, 0.2, 0.8]]]
    three = Instance([0.4, 0.6], [[1.0, 0.0], [0.0, 1.0], [0.6, 0.6]], [[0.0, 0.02, 0.05], [0.0, 0.01, 0.06]],
                     signals=[a, b], payment_cap=2.0)
    return {
        "2 agents binary (0.8/0.75, 0.05/0.04), M=3": binary_accuracy_instance([0.8, 0.75], [0.05, 0.04],
                                                                               payment_cap=3.0),
        "3 agents binary (0.7, 0.02), M=3": binary_accuracy_instance([0.7] * 3, [0.02] * 3, payment_cap=3.0),
        "2 agents, 3 efforts, 3 signals, 3 actions, M=2": three,
    }


def verify() -> Certificate:
    from proofs.info_acquisition_duality import certify_lp, correlated_lp
    from solvers.scoring_lp import build_correlated_lp

    evidence: dict[str, str] = {}
    passed = True
    for name, inst in _instances().items():
        ok, val, _ = certify_lp(correlated_lp(inst))
        corr = None if val is None else -val
        all_ok = ok
        min_pay: list[list[Fraction]] = []
        for i in range(inst.n):
            qi = np.ascontiguousarray(np.transpose(inst.signals[i], (0, 2, 1)) * inst.prior[None, None, :])
            ki, mi, _ = qi.shape
            pays = []
            for b in range(ki):
                lp = build_correlated_lp(qi, (ki,), (mi,), np.zeros(ki), [inst.costs[i]], inst.payment_cap,
                                         fixed_profile=b, reduce=False)
                okb, pay, _ = certify_lp(lp)
                all_ok = all_ok and okb
                pays.append(pay if pay is not None else Fraction(10**9))
            min_pay.append(pays)
        values = [Fraction(float(v)).limit_denominator(10**6) for v in inst.values()]
        best = None
        for j, prof in enumerate(np.ndindex(*inst.k)):
            net = values[j] - sum(min_pay[i][prof[i]] for i in range(inst.n))
            best = net if best is None or net > best else best
        good = all_ok and corr == best
        passed = passed and good
        evidence[name] = f"correlated optimum {corr} == best pure profile {best}: {corr == best} (certified {all_ok})"
    return Certificate(
        claim="with conditionally independent signals the correlated optimum equals the best pure "
              "profile paying single-agent minimum payments",
        method="LP duality",
        scope="3 product instances (2-3 agents, up to 3 efforts/signals/actions)",
        evidence=evidence,
        passed=passed,
    )
