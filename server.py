"""The Rewire dashboard: ``solara run server.py`` (see README).

Everything the page loads is served by this server: Solara's own JavaScript and
CSS from ``visualization/assets`` (see :mod:`visualization.offline_assets`), the
plots as PNGs drawn by matplotlib, and the usage telemetry is off, so the page
works in a classroom with no internet.
"""

import solara.server.settings

from visualization.offline_assets import use_offline_assets

# no calls home: the page must work offline and must not report on its users
solara.server.settings.telemetry.mixpanel_enable = False
use_offline_assets()

from visualization import raster, session  # noqa: E402
from visualization.app import Layout, Page  # noqa: E402,F401

# compile (or load) the compiled code once per server, not on a visitor's first frame
raster.warm_up()
session.warm_up()
