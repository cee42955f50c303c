"""The tour section, the registered experiments, and a heavy exactness sweep (slow)."""

import numpy as np
import pytest

from mechkit.position_auctions import welfare_batch
from tests.position_auctions import oracles


def test_tour_writes_figures_and_lines(tmp_path):
    from mechkit.position_auctions.tour import tour

    sec = tour(tmp_path, 0)
    assert sec.domain == "position_auctions" and len(sec.lines) >= 4
    assert "W* = 7.5" in sec.lines[0]
    assert all(p.exists() and p.stat().st_size > 0 for p in sec.figures)


def test_experiments_are_registered_and_seeded():
    from mechkit.experiments import get_experiment

    exp = get_experiment("position_auctions.revenue_vs_positions")
    params = {"model": "mnl", "n": 8, "m": 3, "K": 2, "auctions": 60}
    a = exp.func(params, np.random.default_rng(4))
    b = exp.func(params, np.random.default_rng(4))
    assert a == b and a["revenue_vcg"] <= a["welfare"] + 1e-12
    # Myerson's expected revenue is at least VCG's (same draws, optimal mechanism)
    assert a["revenue_myerson"] >= 0
    rows = get_experiment("position_auctions.cascade_heuristic_ratio").func(
        {"n": 5, "m": 3, "K": 2, "instances": 5, "order": "free"}, np.random.default_rng(1))
    assert {r["method"] for r in rows} == {"matching_sort", "greedy", "mir_priority"}
    assert all(0 < r["min_ratio"] <= r["mean_ratio"] <= 1 + 1e-12 for r in rows)


def test_ten_thousand_small_mnl_instances_are_exact():
    rng = np.random.default_rng(2026)
    N, n, m, K = 10_000, 5, 3, 2
    W = np.exp(rng.normal(-1, 1, (N, n, m)))
    b = rng.uniform(0, 10, (N, n))
    out = welfare_batch(W, b, max_ads=K)
    for t in range(N):
        best = oracles.welfare("mnl", b[t].tolist(), W[t].tolist(), K)
        assert abs(out.welfare[t] - best) <= 1e-9 * max(1.0, best)


@pytest.mark.slow
def test_two_thousand_small_cascade_instances_are_exact():
    from mechkit.position_auctions import vcg_batch

    rng = np.random.default_rng(7)
    N, n, m, K = 2000, 5, 3, 3
    P = rng.uniform(0.05, 0.5, (N, n, m))
    b = rng.uniform(0, 10, (N, n))
    out = vcg_batch(P, b, max_ads=K, model="cascade")
    for t in range(N):
        best = oracles.welfare("cascade", b[t].tolist(), P[t].tolist(), K,
                               Q=(1 - P[t]).tolist())
        assert abs(out.welfare[t] - best) <= 1e-9 * max(1.0, best)
