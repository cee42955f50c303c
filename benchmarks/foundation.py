"""Foundation benchmark: the numba wrapper on a small kernel against its own ``.py_func``."""

import numpy as np

from mechkit.bench import BenchCase, benchmark
from mechkit.random import as_generator


@benchmark(name="foundation.simplex_projection", domain="foundation",
           description="batched simplex projection: njit kernel vs its plain-Python body")
def simplex_projection():
    from solvers.simplex import project_rows

    cases = []
    for B, n in ((2_000, 8), (200, 100)):
        Y = as_generator(0).normal(size=(B, n))

        def check(a, b):
            np.testing.assert_allclose(a, b, atol=1e-12)

        cases.append(BenchCase(
            size=f"B={B}, n={n}",
            baseline=lambda Y=Y: project_rows.py_func(Y, 1.0),
            candidate=lambda Y=Y: project_rows(Y, 1.0),
            baseline_name="pure Python .py_func",
            target_ratio=10.0,
            check=check,
        ))
    return cases
