"""The dashboard page: controls on the side, the run, its network and its plots.

:func:`Page` is what ``solara run server.py`` serves. Every browser tab that opens
it gets its own :class:`~visualization.session.Session` (created with
``use_memo`` inside the component, never at module level), so runs on one server
are independent.

Playing runs a worker thread (``solara.use_thread``) that steps the model, sends
the headline and the views the numbers that changed (:meth:`Session.publish`) and
waits until the browser says it has received the frame before (one frame in flight)
before stepping again, so frames never queue up between server and browser. The browser draws the newest state
once per screen refresh: a busy browser skips drawings, not data. The server draws
nothing.

Before a model is built the request is checked against the server's per-session
limits (:mod:`visualization.limits`): a refused request is a message in that page,
and every other session keeps playing.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import solara

from model.parameters import PARAMETERS, format_mix
from visualization.bandit_panel import BanditCard
from visualization.controls import ParameterControls, PlaybackControls, problem
from visualization.classroom import registry
from visualization.compare import CompareCard, TwinNetworkCard
from visualization.how_it_works import HowItWorks
from visualization.interventions_panel import InterventionCard
from visualization.lessons import LessonCard
from visualization.limits import Limits, refusal
from visualization.links import opening, share_query, url_name
from visualization.network import network_caption
from visualization.scenarios_picker import ScenarioPicker
from visualization.session import Session

#: page title, also the browser tab's
TITLE = "Rewire: recommenders and cooperation"
#: how long the play loop waits for a frame to be received before it gives up playing
#: (a backstop: closing the page cancels the loop at once)
FRAME_TIMEOUT = 60.0

CSS = """
.rw-page { width: 100%; flex-wrap: nowrap; }
.rw-sidebar { width: 350px; min-width: 350px; padding: 8px; background: #f5f5f5; }
.rw-views { flex-wrap: wrap; align-items: flex-start; gap: 8px; }
.rw-network-card { flex: 1 1 420px; min-width: 340px; max-width: 640px; }
.rw-plots-card { flex: 1 1 690px; min-width: 340px; max-width: 1040px; }
.rw-main { flex: 1 1 auto; min-width: 0; padding: 8px; }
.rw-title { font-size: 1.35rem; font-weight: 600; margin: 4px 8px 8px 8px; display: block; }
.rw-headline { font-size: 1.25rem; font-weight: 500; }
.rw-network-view canvas { max-width: 100%; height: auto !important; }
.rw-caption { color: #444; font-size: 0.95rem; }
"""


#: the per-session limits, read once from the environment (see visualization.limits)
_limits: Limits | None = None


def server_limits() -> Limits:
    """This server's per-session limits (``server.py`` checks them at start)."""
    global _limits
    if _limits is None:
        _limits = Limits.from_environ()
    return _limits


class FrameClock:
    """Lets the play loop wait until the browser has received the frame it was sent."""

    def __init__(self):
        self.received = 0
        self.sent = 0
        self.condition = threading.Condition()

    def next_frame(self) -> int:
        """The number of the next frame to publish."""
        with self.condition:
            self.sent += 1
            return self.sent

    def mark_received(self, frame: int) -> None:
        with self.condition:
            self.received = max(self.received, frame)
            self.condition.notify_all()

    def wait_for(self, frame: int, timeout: float) -> bool:
        """True once ``frame`` is received; False if it was not within ``timeout`` seconds."""
        with self.condition:
            return self.condition.wait_for(lambda: self.received >= frame, timeout)


def current_kernel():
    """This browser session's Solara kernel context (None outside a server, e.g. in tests)."""
    try:
        from solara.server import kernel_context

        return kernel_context.get_current_context()
    except Exception:  # no server: nothing to watch
        return None


def has_viewer(context) -> bool:
    """Whether a browser still shows this session.

    Solara keeps a session alive for a day after its tab goes away (so that a page
    can reconnect); a run must not keep stepping for nobody all that time.
    """
    if context is None:
        return True
    if context.closed_event.is_set():
        return False
    statuses = [getattr(s, "value", s) for s in context.page_status.values()]
    return not statuses or "connected" in statuses


def describe(params: dict[str, Any]) -> str:
    """The running model's parameters in one line, every one of the table, in its order.

    Each is named as on the command line (``seed=``, ``steps=``); the recommender mix,
    whose text holds ``=`` and ``,``, as ``recommenders: local=0.9,coop-random=0.1``.
    """
    if not params:
        return ""
    parts = []
    for name, p in PARAMETERS.items():
        if name not in params:
            continue
        value = params[name]
        short = url_name(name)
        if p.kind == "mix":
            parts.append(f"{short}: {format_mix(value) if isinstance(value, dict) else value}")
        elif value is None:
            parts.append(f"{short}={(p.blank or 'none').replace('*', '·')}")
        else:
            parts.append(f"{short}={value}")
    return ", ".join(parts)


# A frame re-renders nothing on the server: the headline and both views get their
# numbers by message and draw themselves. The server-side tree (buttons, status,
# controls) re-renders only when a model is built or a run stops.

@solara.component
def Status(session: Session, draft: solara.Reactive, message: solara.Reactive, changed: int):
    """What is wrong with the controls, if anything, and what the running model is."""
    draft_problem = problem(draft.value)
    if message.value and message.value[1] == draft.value:
        # the last reset failed, and the controls still hold what failed
        solara.Error(f"Could not start a run: {message.value[0]}", classes=["rw-error"])
    elif draft_problem:
        solara.Error(draft_problem, classes=["rw-error"])
    elif session.model is not None and draft.value != session.params:
        solara.Warning("The controls differ from the running model: "
                       "press Reset to start a run with them.", dense=True)
    running = dict(session.model.params) if session.model is not None else {}
    solara.Text(f"Running: {describe(running)}", classes=["rw-caption", "rw-running-params"])


@solara.component
def Downloads(session: Session):
    """The current run's time series (CSV); each view has its own PNG and SVG buttons."""
    with solara.Row(style={"flex-wrap": "wrap", "gap": "6px"}):
        solara.FileDownload(session.csv, filename="rewire-timeseries.csv",
                            label="Time series (CSV)", mime_type="text/csv")
    solara.Text("Pictures: the PNG and SVG buttons above each view.", classes=["rw-caption"])


@solara.component
def NetworkCard(session: Session, show_network: solara.Reactive, n_users: int):
    """The network view (or why it is not shown) and its on/off switch."""
    shown = show_network.value
    session.network_shown = shown
    with solara.Card("Network", classes=["rw-network-card"]):
        solara.Switch(label="Show the network", value=show_network, classes=["rw-show-network"])
        if shown:
            solara.Text(network_caption(n_users), classes=["rw-caption"])
            solara.Column(children=[session.network_view])
        else:
            solara.Text("Hidden: the run goes faster without it.", classes=["rw-caption"])


@solara.component
def PlotsCard(session: Session):
    """The live plots (hover for values, wheel to zoom, click a legend entry to hide it)."""
    with solara.Card("Measurements", classes=["rw-plots-card"]):
        solara.Column(children=[session.plots_view])


@solara.component
def Progress(session: Session, changed: solara.Reactive, playback: dict,
             draft: solara.Reactive, message: solara.Reactive):
    """Buttons, headline and status. Only this component reads ``changed``, which is
    bumped when a model is built or a run stops (Play and Step then change), never
    per frame: a frame costs the server no render pass at all."""
    current = changed.value
    with solara.Card():
        PlaybackControls(**playback, session=session, frame=current)
        solara.Column(children=[session.headline_view])
        Status(session, draft, message, current)


@solara.component
def RunView(session: Session, changed: solara.Reactive, playback: dict,
            draft: solara.Reactive, message: solara.Reactive, show_network: solara.Reactive,
            run: int):
    """The run: its controls and numbers, and the two views (``run`` counts the models
    built, so the network's caption follows a reset)."""
    with solara.Column(classes=["rw-main"]):
        Progress(session, changed, playback, draft, message)
        with solara.Row(classes=["rw-views"]):
            NetworkCard(session, show_network, int(session.params.get("n", 0)))
            TwinNetworkCard(session, show_network.value, int(session.params.get("n", 0)), run)
            PlotsCard(session)
            BanditCard(session, run)
        with solara.Card("How it works", classes=["rw-how-card"]):
            HowItWorks()


def share_url(query: str) -> str:
    """The whole link (``http://host:port/?...``) when the page's host is known, else
    the part after the host."""
    path = f"/?{query}"
    try:
        from solara.lab import headers

        found = {k.lower(): v for k, v in (headers.value or {}).items()}
        host = (found.get("host") or [None])[0]
    except Exception:  # no server (components rendered in tests)
        host = None
    return f"http://{host}{path}" if host else path


@solara.component_vue("copy_link.vue")
def CopyLinkButton(url: str):
    """A button that puts ``url`` on the clipboard (in the browser: copy_link.vue)."""


@solara.component
def ShareLink(session: Session, run: int, label: str):
    """"Share this run": a link that rebuilds the running model (same parameters, same
    seed, so the same run); ``run`` counts the models built, so it follows a reset."""
    params = session.share_params()
    if not params:
        return
    url = share_url(share_query(params))
    solara.v.TextField(label="Link to this run (copy it)", v_model=url, readonly=True,
                       hide_details=True, class_="rw-share-link")
    with solara.Row(style={"align-items": "baseline", "gap": "6px", "flex-wrap": "wrap"}):
        CopyLinkButton(url=url)
        solara.v.Html(tag="a", attributes={"href": url, "target": "_blank"},
                      children=["Open it in a new tab"], class_="rw-share-anchor",
                      style_="color: #0072B2; text-decoration: underline;")
        solara.Text(f"On the class page (/class) this run is {label}.",
                    classes=["rw-caption", "rw-class-label"])


@solara.component
def Layout(children=[]):
    """The page frame: no app bar, the page has its own title (more room on a projector)."""
    with solara.Column(style={"padding": "0", "width": "100%"}, children=children):
        pass


@solara.component
def Page():
    """The whole dashboard; one per browser session, with its own model."""
    session = solara.use_memo(Session, [])
    clock = solara.use_memo(FrameClock, [])
    session.plots_view.on_received = clock.mark_received
    router = solara.use_context(solara.routing.router_context)  # None outside a server
    link = solara.use_memo(lambda: opening(getattr(router, "search", None)), [])
    kernel = solara.use_memo(current_kernel, [])
    entry = solara.use_memo(lambda: registry.add(session, kernel), [])
    solara.use_effect(lambda: (lambda: registry.remove(entry)), [])
    draft = solara.use_reactive(link.params)
    changed = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(1)
    delay = solara.use_reactive(0)
    show_network = solara.use_reactive(True)
    message = solara.use_reactive(None)
    run = solara.use_reactive(0)

    def rebuild(params: dict[str, Any]) -> None:
        playing.set(False)
        why = problem(params) or refusal(params, server_limits())
        if why is not None:
            message.set((why, dict(params)))
            return
        try:
            session.build(params)
        except ValueError as err:  # ParameterError and any other refusal of the model
            message.set((str(err), dict(params)))
            return
        message.set(None)
        run.set(run.peek() + 1)
        session.publish(clock.next_frame())
        changed.set(changed.peek() + 1)

    def first_model():
        if not session.ready:
            rebuild(draft.value)

    solara.use_effect(first_model, [])

    def step_once():
        session.step(1)
        session.publish(clock.next_frame())
        if not session.running:
            changed.set(changed.peek() + 1)  # Play and Step turn off

    def load_preset(params: dict[str, Any]):
        draft.set(dict(params))
        rebuild(params)

    def play_loop(cancel: threading.Event):
        while playing.value and not cancel.is_set():
            if not has_viewer(kernel):
                playing.value = False  # the tab was closed: stop using the CPU
                break
            started = time.perf_counter()
            session.step(speed.value)
            target = clock.next_frame()
            session.publish(target)
            if not clock.wait_for(target - 1, FRAME_TIMEOUT):  # one frame may be in flight
                playing.value = False  # nobody is drawing: the page was closed
                break
            if not session.running:
                playing.set(False)
                changed.set(changed.peek() + 1)
                break
            pause = delay.value / 1000 - (time.perf_counter() - started)
            if pause > 0:
                cancel.wait(pause)

    solara.use_thread(play_loop, dependencies=[playing.value], intrusive_cancel=False)

    solara.Style(CSS)
    solara.Title(TITLE)
    with solara.Row(classes=["rw-page"], style={"align-items": "flex-start", "gap": "0"}):
        with solara.Column(classes=["rw-sidebar"]):
            solara.Text(TITLE, classes=["rw-title"])
            for line in link.problems:
                solara.Error(line, dense=True, classes=["rw-link-problem"])
            if link.lesson is not None:
                LessonCard(link.lesson)
            with solara.Card("Scenarios"):
                ScenarioPicker(on_load=load_preset)
            with solara.Card("Share this run"):
                ShareLink(session, run.value, entry.label)
            with solara.Card("Compare with a twin"):
                CompareCard(session, restart=lambda: rebuild(dict(session.params)), run=run.value)
            with solara.Card("Change the rules now"):
                InterventionCard(session, publish=lambda: session.publish(clock.next_frame()),
                                 run=run.value)
            with solara.Card("Download the current run"):
                Downloads(session)  # here, out of the per-frame tree: nothing to redraw
            with solara.Card("Parameters"):
                ParameterControls(draft)
        playback = dict(playing=playing, speed=speed, delay=delay, on_step=step_once,
                        on_reset=lambda: rebuild(draft.value))
        RunView(session, changed, playback, draft, message, show_network, run.value)
