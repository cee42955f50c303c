"""``python -m mechkit`` runs the ``mechkit`` command."""

from mechkit.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
