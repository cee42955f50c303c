import json
import subprocess
import sys
from pathlib import Path

import pytest

import mechkit
from mechkit.cli import build_parser, main
from mechkit.tour import DOMAINS, available_domains, run_tour

ROOT = Path(__file__).resolve().parents[1]


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"mechkit {mechkit.__version__}"


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "tour" in capsys.readouterr().out


def test_usage_error_exits_2(capsys):
    assert main(["no-such-command"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_tour_writes_folder_and_names_domains(tmp_path, capsys):
    out = tmp_path / "tour"
    assert main(["tour", "--out", str(out), "--seed", "3"]) == 0
    text = capsys.readouterr().out
    assert "Foundation" in text and "KKT residual" in text
    assert (out / "foundation_simplex_projection.png").stat().st_size > 1000
    present = available_domains()
    assert f"domains present: {', '.join(present) if present else 'none yet'}" in text
    missing = [d for d in DOMAINS if d not in present]
    if missing:
        assert "domains not yet in mechkit: " + ", ".join(missing) in text


def test_tour_unknown_domain_is_one_line_error(tmp_path, capsys):
    assert main(["tour", "--out", str(tmp_path), "astrology"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown domain 'astrology'" in err and "Traceback" not in err


def test_debug_shows_the_exception(tmp_path):
    with pytest.raises(mechkit.InvalidInputError):
        main(["--debug", "tour", "--out", str(tmp_path), "astrology"])


def test_run_tour_api(tmp_path):
    report = run_tour(tmp_path, domains=[], seed=1)
    assert [s.domain for s in report.sections] == ["foundation"]
    assert report.sections[0].figures[0].exists()


def test_bench_prints_table_and_json(tmp_path, capsys):
    path = tmp_path / "bench.json"
    assert main(["bench", "foundation", "--repeats", "1", "--json", str(path), "--root", str(ROOT)]) == 0
    out = capsys.readouterr().out
    assert "foundation.simplex_projection" in out and "ratio" in out
    rows = json.loads(path.read_text())
    assert {"name", "size", "baseline_s", "mechkit_s", "ratio", "target_ratio", "met"} <= set(rows[0])
    assert all(r["ratio"] > 0 for r in rows)


def test_bench_unknown_name(capsys):
    assert main(["bench", "nope", "--root", str(ROOT)]) == 2
    assert "unknown benchmark 'nope'; known:" in capsys.readouterr().err


def test_bench_without_checkout(tmp_path, capsys):
    assert main(["bench", "--root", str(tmp_path)]) == 2
    assert "no benchmarks/ folder" in capsys.readouterr().err


def test_console_script_and_proofs_subcommand():
    proc = subprocess.run([sys.executable, "-m", "mechkit", "proofs", "waterfill_two_carriers"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "1 of 1 proofs passed" in proc.stdout


def test_parser_lists_core_commands():
    text = build_parser().format_help()
    for cmd in ("tour", "bench", "proofs"):
        assert cmd in text
