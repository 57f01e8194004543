"""``python -m labelnr.cli``: the same as the ``labelnr`` console script."""

import sys

from labelnr.cli import main

if __name__ == "__main__":  # not when a tool walks the package importing every module
    sys.exit(main())
