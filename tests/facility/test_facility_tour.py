from __future__ import annotations

from mechkit.facility.tour import tour


def test_tour_writes_figures_and_headlines(tmp_path):
    sec = tour(tmp_path, 0)
    assert sec.domain == "facility" and len(sec.figures) == 2
    assert all(p.exists() and p.stat().st_size > 0 for p in sec.figures)
    text = "\n".join(sec.lines)
    assert "UP(1/10, 3/10, 9/10) = 1/3" in text
    assert "1, 6/5, 6/5, 20/17, 6/5, 35/29, 6/5" in text
    assert "1, 2, 3, 4, 5, 6, 7" in text
