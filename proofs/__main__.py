"""``python -m proofs [NAME ...]``: run the proofs, print a table, exit 1 if any fails."""

import sys

from proofs import main

sys.exit(main(sys.argv[1:]))
