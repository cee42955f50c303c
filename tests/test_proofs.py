"""Every proof that takes under 30 s runs in the default test run; the rest are slow."""

import subprocess
import sys
from pathlib import Path

import pytest

import proofs
from proofs import Certificate, ProofRun, expected_seconds, format_table

ROOT = Path(__file__).resolve().parents[1]
MODULES = proofs.discover()


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=[pytest.mark.slow] if expected_seconds(m) >= 30 else [])
     for n, m in sorted(MODULES.items())],
)
def test_proof_passes(name):
    cert = MODULES[name].verify()
    assert isinstance(cert, Certificate)
    assert cert.passed, cert.evidence
    assert cert.claim and cert.scope


def test_runner_reports_failures_and_errors():
    good = ProofRun("a", Certificate("c", "symbolic", "all", {}, True), 0.1)
    bad = ProofRun("b", Certificate("c", "exhaustive", "n <= 3", {}, False), 0.1)
    broken = ProofRun("c", None, 0.0, "Traceback ...\nZeroDivisionError: boom")
    table = format_table([good, bad, broken])
    assert "passed" in table and "FAILED" in table and "ERROR" in table and "boom" in table
    assert [r.passed for r in (good, bad, broken)] == [True, False, False]


def test_certificate_method_is_checked():
    with pytest.raises(ValueError, match="method"):
        Certificate("c", "vibes", "all")


def test_unknown_proof_name(capsys):
    with pytest.raises(KeyError, match="unknown proof"):
        proofs.run(["nope"])
    assert proofs.main(["nope"]) == 2
    assert "unknown proof" in capsys.readouterr().err


def test_main_exits_nonzero_when_a_proof_fails_or_raises(monkeypatch, capsys):
    class Failing:
        @staticmethod
        def verify():
            return Certificate("false claim", "exhaustive", "n <= 2", {"counterexample": 1}, False)

    class Raising:
        @staticmethod
        def verify():
            raise ZeroDivisionError("boom")

    monkeypatch.setattr(proofs, "discover", lambda: {"failing": Failing, "raising": Raising})
    assert proofs.main([]) == 1
    out = capsys.readouterr()
    assert "0 of 2 proofs passed; failed: failing, raising" in out.out
    assert "ZeroDivisionError: boom" in out.err


def test_python_m_proofs_exit_code():
    proc = subprocess.run([sys.executable, "-m", "proofs", "waterfill_two_carriers"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "1 of 1 proofs passed" in proc.stdout
