"""The README's commands are the ones CI runs, and its notebook example runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_quickstart_is_exactly_two_commands_and_ci_runs_them():
    commands = [b.strip() for b in _blocks("bash")]
    assert commands == ['pip install -e ".[dev]" && mechkit tour',
                        'pip install -e ".[dev]" && python -m pytest']
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert 'pip install -e ".[dev]"' in ci
    assert "python -m pytest" in ci
    assert "ruff check ." in ci


def test_notebook_example_runs(capsys):
    (code,) = _blocks("python")
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert float(out[0]) < 1e-12
    assert out[1] == "y: must be finite; entry (1,) is nan"
