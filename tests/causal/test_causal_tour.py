"""The causal tour section runs, prints its headline lines and writes its figure."""

from __future__ import annotations

from mechkit.causal.tour import tour


def test_tour(tmp_path):
    sec = tour(tmp_path, seed=0)
    assert sec.domain == "causal" and len(sec.lines) == 3
    assert "recovers 28/28" in sec.lines[0]
    assert all(p.exists() and p.stat().st_size > 1000 for p in sec.figures)
    iid = int(sec.lines[2].split("flagged untrustworthy in ")[1].split("/")[0])
    assert iid >= 18
