import time

import pytest

from mechkit.bench import BENCHMARKS, BenchCase, BenchRow, benchmark, format_table, run_benchmarks, time_case
from mechkit.errors import InvalidInputError


def test_time_case_ratio_and_target():
    slow = BenchCase(size="s", baseline=lambda: time.sleep(0.004), candidate=lambda: None,
                     baseline_name="sleep", target_ratio=2.0)
    row = time_case("t", slow, repeats=3)
    assert row.baseline_s >= 0.004 and row.ratio > 2.0 and row.met is True
    unmet = BenchCase(size="s", baseline=lambda: None, candidate=lambda: time.sleep(0.004),
                      baseline_name="noop", target_ratio=1.0)
    assert time_case("t", unmet, repeats=2).met is False


def test_check_rejects_disagreeing_outputs():
    def check(a, b):
        assert a == b, "outputs differ"

    case = BenchCase(size="s", baseline=lambda: 1, candidate=lambda: 2, baseline_name="b",
                     target_ratio=None, check=check)
    with pytest.raises(AssertionError, match="outputs differ"):
        time_case("t", case)
    with pytest.raises(InvalidInputError, match="repeats"):
        time_case("t", case, repeats=0)


def test_registered_benchmark_runs_and_formats():
    @benchmark(name="test.fixed_row", domain="testdomain")
    def fixed():
        return BenchRow("test.fixed_row", "n=1", "loop", 2.0, 1.0, 2.0, 1.5, True, note="per task")

    try:
        rows = run_benchmarks(["testdomain"])
        assert rows == [BenchRow("test.fixed_row", "n=1", "loop", 2.0, 1.0, 2.0, 1.5, True, "per task")]
        table = format_table(rows)
        assert "test.fixed_row" in table and "2x" in table and "yes" in table and "per task" in table
    finally:
        BENCHMARKS.unregister("test.fixed_row")


def test_short_calls_are_timed_in_blocks_and_long_calls_one_by_one():
    calls = {"fast": 0, "slow": 0}

    def fast():
        calls["fast"] += 1

    def slow():
        calls["slow"] += 1
        time.sleep(0.02)

    case = BenchCase(size="s", baseline=slow, candidate=fast, baseline_name="sleep", target_ratio=None)
    row = time_case("t", case, repeats=3, min_block=0.01)
    # slow: 1 warm-up + (1 untimed + 1 calibration) + 3 x (1 untimed + 1 timed call)
    assert calls["slow"] == 9
    # fast: a no-op is far below 10 ms, so every sample is a block of many calls
    assert calls["fast"] > 5 * 3
    assert row.mechkit_s < row.baseline_s
    with pytest.raises(InvalidInputError, match="min_block"):
        time_case("t", case, min_block=-1.0)
