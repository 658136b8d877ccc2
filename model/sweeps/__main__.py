"""``python -m model.sweeps sweep|plot ...``: the sweep commands on their own."""

import sys

from model.sweeps.cli import main

sys.exit(main())
