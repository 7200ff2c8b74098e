"""``python -m oauth1core COMMAND ...``: see :mod:`oauth1core.cli`."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
