"""``python -m covia.cli``: the same as the ``covia`` command."""

from __future__ import annotations

import sys

from covia.cli import main

if __name__ == "__main__":
    sys.exit(main())
