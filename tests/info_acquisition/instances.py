"""Reference instances of the design note (section b), built explicitly."""

from __future__ import annotations

import numpy as np

from mechkit.info_acquisition import Instance, binary_accuracy_instance, coupled_binary_instance


def perfect_signal_three(cost=0.1):
    """Binary state; working reveals θ (signals 0/1), shirking yields the 'no news' signal 2."""
    work = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    shirk = [[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]
    return Instance([0.5, 0.5], np.eye(2), [[0.0, cost]], signals=[[shirk, work]])


def coupled_instance(rho, q=0.8, cost=0.05, cap=20.0):
    """Two shirk-or-work agents whose errors coincide w.p. rho when both work (library constructor)."""
    return coupled_binary_instance(rho, accuracy=q, cost=cost, payment_cap=cap)


REFERENCE = {
    "single q=.9 c=.1": (lambda: binary_accuracy_instance([0.9], [0.1]), 0.675),
    "single q=.9 c=.1 M=.25": (lambda: binary_accuracy_instance([0.9], [0.1], payment_cap=0.25), 0.675),
    "single q=.9 c=.1 M=.2": (lambda: binary_accuracy_instance([0.9], [0.1], payment_cap=0.2), 0.5),
    "single q=.6 c=.2": (lambda: binary_accuracy_instance([0.6], [0.2]), 0.5),
    "single c=0": (lambda: binary_accuracy_instance([0.9], [0.0]), 0.9),
    "perfect signal m=3": (perfect_signal_three, 0.8),
    "2 agents product": (lambda: binary_accuracy_instance([0.8, 0.75], [0.05, 0.04], payment_cap=3.0),
                         2.0 / 3.0),
    "3 agents product": (lambda: binary_accuracy_instance([0.7] * 3, [0.02] * 3, payment_cap=3.0), 0.63),
}
