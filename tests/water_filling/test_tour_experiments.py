"""The tour section and the registered experiments."""

from __future__ import annotations

import numpy as np
import pytest

from mechkit.errors import InvalidInputError


def test_tour_writes_figures_and_headlines(tmp_path):
    from mechkit.water_filling.tour import tour

    sec = tour(tmp_path, seed=0)
    assert sec.domain == "water_filling" and len(sec.figures) == 2
    assert all(p.exists() and p.stat().st_size > 0 for p in sec.figures)
    text = "\n".join(sec.lines)
    assert "p=[5.0, 2.0, 0.0, 3.0], level=6" in text
    assert "Jacobi cycling with period 2" in text and "alpha*=0.2857" in text


def test_experiments_rows():
    from mechkit.water_filling.experiments import DEFAULTS, convergence, residual_trace

    params = DEFAULTS | {"K": 4, "N": 6, "rho": 0.8, "max_iter": 500}
    a = convergence(params, np.random.default_rng(3))
    b = convergence(params, np.random.default_rng(3))
    assert a == b and a["converged"] and a["certified_factor"] < 1
    assert a["rho_measured"] == pytest.approx(0.8)
    rows = residual_trace(params | {"schedule": "gauss_seidel"}, np.random.default_rng(3))
    assert [r["iteration"] for r in rows] == list(range(len(rows)))
    assert rows[-1]["trace_kind"] == "step"
    noisy = convergence(params | {"noise": 0.2, "max_iter": 50}, np.random.default_rng(0))
    assert noisy["status"] == "max_iter" and noisy["residual"] > 0
    cyc = convergence(params | {"rho": 1.5, "max_iter": 300}, np.random.default_rng(1))
    assert np.isnan(cyc["certified_factor"])
    with pytest.raises(InvalidInputError, match="schedule: must be one of"):
        convergence(params | {"schedule": "newton"}, np.random.default_rng(0))
