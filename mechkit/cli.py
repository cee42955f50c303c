"""The ``mechkit`` command.

``main(argv) -> int`` so tests can call it directly.  Errors print one line to stderr
and return 2 (``--debug`` shows the traceback instead).

Examples
--------
>>> main(["--version"])  # doctest: +ELLIPSIS
mechkit ...
0
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from mechkit import __version__
from mechkit.errors import MechkitError

__all__ = ["build_parser", "main"]


def _checkout_root() -> Path | None:
    """The checkout holding ``proofs/`` and ``benchmarks/``: cwd first, then the package's parent."""
    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        if (base / "proofs" / "__main__.py").is_file():
            return base
    return None


def _cmd_tour(args: argparse.Namespace) -> int:
    from mechkit.tour import run_tour

    report = run_tour(args.out, domains=args.domains or None, seed=args.seed,
                      echo=lambda text: print(text, flush=True))
    tail = report.render().split("\n")
    print("\n".join(line for line in tail if not line.startswith(("==", "   "))))
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from mechkit.bench import discover_benchmarks, format_table, run_benchmarks, write_json

    discover_benchmarks(Path(args.root) if args.root else None)
    rows = run_benchmarks(args.names, repeats=args.repeats)
    print(format_table(rows))
    if args.json:
        write_json(rows, Path(args.json))
        print(f"wrote {len(rows)} rows to {args.json}")
    return 0


def _cmd_proofs(args: argparse.Namespace) -> int:
    root = _checkout_root()
    if root is None:
        raise MechkitError("proofs: no proofs/ folder found; run `mechkit proofs` from a mechkit checkout")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    cmd = [sys.executable, "-m", "proofs", *args.names]
    return subprocess.call(cmd, cwd=root, env=env)


#: Extra subcommands contributed by other modules: name -> (configure(parser), handler).
EXTRA_COMMANDS: dict[
    str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]
] = {}


def _load_extra_commands() -> None:
    """Import the modules that contribute subcommands (e.g. ``mechkit.experiments.cli``)."""
    import importlib
    import importlib.util

    for module in ("mechkit.experiments.cli",):
        parent = module.rsplit(".", 1)[0]
        if importlib.util.find_spec(parent) is None or importlib.util.find_spec(module) is None:
            continue
        importlib.import_module(module)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``mechkit`` command."""
    parser = argparse.ArgumentParser(
        prog="mechkit", description="Computational mechanism design toolkit."
    )
    parser.add_argument("--version", action="version", version=f"mechkit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("tour", help="a short pass through every domain; figures to ./mechkit-tour/")
    p.add_argument("--out", default="mechkit-tour", help="folder for figures (default: mechkit-tour)")
    p.add_argument("--seed", type=int, default=0, help="seed for every section (default: 0)")
    p.add_argument("domains", nargs="*", help="restrict to these domains")
    p.set_defaults(handler=_cmd_tour)

    p = sub.add_parser("bench", help="run side-by-side benchmarks (from a checkout)")
    p.add_argument("names", nargs="*", help="benchmark names or domains (default: all)")
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    p.add_argument("--repeats", type=int, default=5, help="timed repeats per side (default: 5)")
    p.add_argument("--root", help="checkout holding benchmarks/ (default: auto)")
    p.set_defaults(handler=_cmd_bench)

    p = sub.add_parser("proofs", help="re-check the computer-assisted proofs (python -m proofs)")
    p.add_argument("names", nargs="*", help="proof module names (default: all)")
    p.set_defaults(handler=_cmd_proofs)

    _load_extra_commands()
    for name, (help_text, configure, handler) in EXTRA_COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        configure(p)
        p.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mechkit`` command with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 0 for --help/--version, 2 for usage errors
        return int(exc.code or 0)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 0
    try:
        return int(args.handler(args))
    except Exception as err:
        if args.debug:
            raise
        kind = "" if isinstance(err, MechkitError) else f"{type(err).__name__}: "
        print(f"mechkit: error: {kind}{err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mechkit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
