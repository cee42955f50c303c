"""Numerical engines behind mechkit: arrays in, arrays out.

``solvers`` imports nothing from ``mechkit``.  Kernels assume validated, contiguous
input (the public wrappers in ``mechkit`` validate); each numba kernel keeps its plain
Python body as ``.py_func`` for testing against independent oracles.
"""

__all__: list[str] = []
