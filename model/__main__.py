"""``python -m model``: see :mod:`model.cli`. The installed ``rewire`` command calls the
same :func:`model.cli.main`; both exit with its return code."""

import sys

from model.cli import main

if __name__ == "__main__":
    sys.exit(main())
