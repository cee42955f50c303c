"""Side-by-side benchmark definitions, one module per domain (run with ``mechkit bench``)."""
