"""mechkit never prints: the HiGHS licence banner (C-level stdout) is silenced."""

import subprocess
import sys

CODE = """
import numpy as np
from solvers.lp import solve_lp
sol = solve_lp([1.0], [[1.0]], [0.5], [np.inf], [0.0], [1.0])
assert sol.status == "optimal" and abs(sol.x[0] - 0.5) < 1e-12, sol
sol = solve_lp([1.0], [[1.0]], [2.0], [np.inf], [0.0], [1.0])
assert sol.status == "infeasible", sol.status
"""


def test_lp_solves_print_nothing():
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""


def test_python_prints_still_reach_stdout_after_the_first_solve():
    code = CODE + "\nprint('visible')\n"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout == "visible\n"
