"""The Rewire dashboard: ``solara run server.py`` (see README and docs/dashboard.md).

Everything the page loads is served by this server: Solara's own JavaScript and
CSS from ``visualization/assets`` (see :mod:`visualization.offline_assets`), the
views' JavaScript from the ``anywidget`` package and ``visualization/static``; the
usage telemetry is off, so the page works in a classroom with no internet.

The per-session limits (``REWIRE_MAX_USERS``, ``REWIRE_MAX_TIES``,
``REWIRE_MAX_SESSION_MB``; see :mod:`visualization.limits`) are read here, so a
mistyped value stops the server at once with one line naming the variable.

Three pages (``routes`` below): the dashboard at ``/``, the class page at ``/class``
and a lesson plan's text at ``/lesson-text?lesson=NAME``.
"""

import os
import sys

import solara.server.settings

from visualization.limits import LimitsError
from visualization.offline_assets import use_offline_assets

# no calls home: the page must work offline and must not report on its users
solara.server.settings.telemetry.mixpanel_enable = False
use_offline_assets()

from visualization import app, session  # noqa: E402
from visualization.app import Layout  # noqa: E402
from visualization.app import Page as Dashboard  # noqa: E402
from visualization.class_page import ClassPage  # noqa: E402
from visualization.lessons import LessonText  # noqa: E402

#: the pages: the dashboard (``/``, also ``/?lesson=NAME`` and share links), the class
#: page a teacher projects (``/class``) and a lesson plan's text (``/lesson-text?lesson=NAME``)
routes = [
    solara.Route(path="/", component=Dashboard, label="Dashboard", layout=Layout),
    solara.Route(path="class", component=ClassPage, label="Class"),
    solara.Route(path="lesson-text", component=LessonText, label="Lesson"),
]

try:
    app.server_limits()
except LimitsError as err:
    print(f"rewire dashboard: {err}", file=sys.stderr, flush=True)
    # the server is importing this file inside its start-up, which would turn
    # SystemExit into a traceback and its own exit code: leave at once instead
    os._exit(2)

# compile (or load) the compiled code once per server, not on a visitor's first frame
session.warm_up()
