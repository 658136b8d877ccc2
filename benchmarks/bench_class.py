"""A class on one server, measured through the page's own websocket protocol.

Run from the repository root::

    python3 benchmarks/bench_class.py                      # 30 sessions, network shown
    python3 benchmarks/bench_class.py --sessions 30 --seconds 20 --hidden
    python3 benchmarks/bench_class.py --sessions 1 --seconds 10

It starts ``solara run server.py`` on a free port pinned to one core (``taskset``,
``--server-core``) and, pinned to the other (``--client-core``), a lightweight
client that speaks to it exactly as the page does, without drawing anything. For
each session it:

1. loads ``/`` (which sets Solara's session cookie) and opens the kernel websocket
   (one session after the other, each once the previous one's page is ready, as a
   class arrives: 30 first renders at once starve the server's event loop, which
   then drops connections whose keep-alive pings it cannot answer in time)
   ``/jupyter/api/kernels/<kernel id>/channels?session_id=<page id>`` with it;
2. sends what the page's JavaScript sends: ``kernel_info_request``, a ``comm_open``
   of the ``solara.control`` target and its ``run`` message for the path ``/``;
3. reads the widgets the server opens (Jupyter ``comm_open`` messages, binary
   frames decoded as the Jupyter websocket protocol does), finds the plots view,
   the network view and the Play button (by its class ``rw-play``), and says
   ``hello`` from both views, as they do when they render;
4. clicks Play (the ``click`` event ipyvue sends), and answers the frames the plots
   view is sent with ``received`` as the page does once a frame's numbers are in
   (every other frame: the play loop keeps one frame in flight), so each session
   plays at the pace the server can give it.

With every page open and none playing it first reads the server's idle CPU use
(over 5 s). After a warm-up of play it counts the frames every session receives over
``--seconds`` and reads the server process's CPU time: the server's CPU time per
frame per session (and the part of it above the idle use),
with the network shown (or hidden with ``--hidden``: the switch's ``v_model`` is
set as the page's switch sets it). Target: <= 10 ms per frame per session with the
network shown, 30 sessions at N=1000, k=30.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import struct
import sys
import time
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_dashboard import cpu_seconds, free_port, pinned, start_server  # noqa: E402


def now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def decode(frame) -> dict:
    """A Jupyter websocket message: JSON text, or binary (offsets, JSON, buffers)."""
    if isinstance(frame, str):
        return json.loads(frame)
    (count,) = struct.unpack_from(">I", frame, 0)
    offsets = struct.unpack_from(f">{count}I", frame, 4)
    end = offsets[1] if count > 1 else len(frame)
    message = json.loads(frame[offsets[0]:end])
    message["buffer_sizes"] = [b - a for a, b in zip(offsets[1:], list(offsets[2:]) + [len(frame)])]
    return message


class Page:
    """One visitor: a websocket speaking the page's protocol, counting frames."""

    def __init__(self, port: int, hidden: bool):
        self.port = port
        self.hidden = hidden
        self.page_id = str(uuid.uuid4())
        self.kernel_id = str(uuid.uuid4())
        self.states: dict[str, dict] = {}  # comm id -> widget state
        self.plots = self.network = self.play = self.switch = None
        self.frames = 0
        self.bytes = 0
        self.ready = asyncio.Event()
        self.ws = None

    def cookie(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=120) as r:
            for header in r.headers.get_all("Set-Cookie") or []:
                if header.startswith("solara-session-id="):
                    return header.split(";")[0]
        return f"solara-session-id={uuid.uuid4()}"

    async def send(self, msg_type: str, content: dict) -> None:
        await self.ws.send(json.dumps({
            "buffers": [], "channel": "shell", "content": content, "metadata": {},
            "parent_header": {}, "header": {"date": now(), "msg_id": str(uuid.uuid4()),
                                            "msg_type": msg_type, "session": self.page_id,
                                            "username": "", "version": "5.2"}}))

    async def custom(self, comm_id: str, content: dict) -> None:
        await self.send("comm_msg", {"comm_id": comm_id,
                                     "data": {"method": "custom", "content": content}})

    async def run(self) -> None:
        import websockets

        cookie = await asyncio.get_running_loop().run_in_executor(None, self.cookie)
        url = (f"ws://127.0.0.1:{self.port}/jupyter/api/kernels/{self.kernel_id}/channels"
               f"?session_id={self.page_id}")
        async with websockets.connect(url, additional_headers={"Cookie": cookie},
                                      max_size=None, compression=None,
                                      ping_interval=None) as ws:  # a busy server is slow to pong
            self.ws = ws
            await self.send("kernel_info_request", {})
            control = str(uuid.uuid4())
            await self.send("comm_open", {"comm_id": control, "target_name": "solara.control",
                                          "data": {}})
            await self.send("comm_msg", {"comm_id": control, "data": {
                "method": "run", "args": {"path": "/", "dark": False,
                                          "themes": {"light": {}, "dark": {}},
                                          "appName": None}}})
            async for frame in ws:
                await self.receive(decode(frame), len(frame))

    async def receive(self, msg: dict, size: int) -> None:
        kind = msg.get("header", {}).get("msg_type")
        content = msg.get("content", {})
        if kind == "comm_open":
            state = content.get("data", {}).get("state", {})
            self.states[content["comm_id"]] = dict(state)
            await self.found(content["comm_id"])
        elif kind == "comm_msg":
            data = content.get("data", {})
            comm = content.get("comm_id")
            if data.get("method") == "update" and comm in self.states:
                self.states[comm].update(data.get("state", {}))
                await self.found(comm)
            elif data.get("method") == "custom" and comm == self.plots:
                self.bytes += size
                frame = data.get("content", {}).get("frame")
                if frame is not None:
                    self.frames += 1
                    if frame % 2 == 0:  # as the page does (views.js: every other frame)
                        await self.custom(self.plots, {"type": "received", "frame": frame})
            elif data.get("method") == "custom":
                self.bytes += size

    async def found(self, comm: str) -> None:
        state = self.states[comm]
        widget = state.get("_anywidget_id", "")
        if widget.endswith("PlotsView") and self.plots is None:
            self.plots = comm
            await self.custom(comm, {"type": "hello"})
        elif widget.endswith("NetworkView") and self.network is None:
            self.network = comm
            await self.custom(comm, {"type": "hello"})
        elif "rw-play" in (state.get("class_") or "") and state.get("_model_name") == "BtnModel":
            self.play = comm
        elif "rw-show-network" in (state.get("class_") or ""):
            self.switch = comm
        if self.plots and self.network and self.play and (self.switch or not self.hidden):
            self.ready.set()

    async def press_play(self) -> None:
        if self.hidden and self.switch:
            await self.send("comm_msg", {"comm_id": self.switch, "data": {
                "method": "update", "state": {"v_model": False}, "buffer_paths": []}})
            await asyncio.sleep(0.5)
        await self.custom(self.play, {"event": "click", "data": {}})


async def measure(port: int, sessions: int, seconds: float, warm: float, hidden: bool,
                  server_pid: int, idle: float = 5.0) -> dict:
    pages = [Page(port, hidden) for _ in range(sessions)]
    tasks = []
    try:
        deadline = time.monotonic() + 900
        for page in pages:  # a class arrives one by one: each page is ready before the next
            tasks.append(asyncio.create_task(page.run()))
            while not page.ready.is_set() and not tasks[-1].done() \
                    and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
        while not all(p.ready.is_set() for p in pages):
            failed = [t.exception() for t in tasks if t.done() and not t.cancelled()
                      and t.exception() is not None]
            if failed or time.monotonic() > deadline:
                ready = sum(p.ready.is_set() for p in pages)
                raise RuntimeError(f"{ready} of {sessions} pages ready; "
                                   f"{failed[0] if failed else 'timed out'}")
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)
        idle0, t_idle = cpu_seconds(server_pid), time.perf_counter()
        await asyncio.sleep(idle)  # every page open, none playing: the server's idle cost
        idle_rate = (cpu_seconds(server_pid) - idle0) / (time.perf_counter() - t_idle)
        for p in pages:
            await p.press_play()
        await asyncio.sleep(warm)
        frames0, bytes0 = [p.frames for p in pages], sum(p.bytes for p in pages)
        cpu0, t0 = cpu_seconds(server_pid), time.perf_counter()
        await asyncio.sleep(seconds)
        frames1, bytes1 = [p.frames for p in pages], sum(p.bytes for p in pages)
        cpu1, elapsed = cpu_seconds(server_pid), time.perf_counter() - t0
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    frames = [b - a for a, b in zip(frames0, frames1)]
    total = max(sum(frames), 1)
    return {"cpu_ms_per_frame": 1000 * (cpu1 - cpu0) / total,
            "marginal_ms_per_frame": 1000 * max(cpu1 - cpu0 - idle_rate * elapsed, 0) / total,
            "idle_busy": idle_rate,
            "rates": [f / elapsed for f in frames], "server_busy": (cpu1 - cpu0) / elapsed,
            "kb_per_frame": (bytes1 - bytes0) / 1024 / total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warm", type=float, default=5.0, help="seconds of play before counting")
    parser.add_argument("--hidden", action="store_true", help="with the network switched off")
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    args = parser.parse_args()
    if (os.cpu_count() or 1) < 2:
        args.server_core = args.client_core = None
    if args.client_core is not None and pinned(args.client_core):
        os.sched_setaffinity(0, {args.client_core})
    port = free_port()
    server = start_server(port, args.server_core)
    try:
        result = asyncio.run(measure(port, args.sessions, args.seconds, args.warm,
                                     args.hidden, server.pid))
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except Exception:
            server.kill()
    rates = sorted(result["rates"])
    load = os.getloadavg()
    print(f"{args.sessions} sessions over the websocket protocol, network "
          f"{'hidden' if args.hidden else 'shown'}, N=1000, k=30 (server on core "
          f"{args.server_core}, client on core {args.client_core}; load average "
          f"{load[0]:.1f}): server CPU {result['cpu_ms_per_frame']:.1f} ms per frame per "
          f"session; {sum(rates):.1f} frames/s in all, per session median "
          f"{rates[len(rates) // 2]:.2f} (slowest {rates[0]:.2f}); server core "
          f"{100 * result['server_busy']:.0f}% busy ({100 * result['idle_busy']:.0f}% with "
          f"every page open and none playing: {result['marginal_ms_per_frame']:.1f} ms per "
          f"frame above that); {result['kb_per_frame']:.1f} kB sent per frame  "
          "[target <= 10 ms shown]", flush=True)


if __name__ == "__main__":
    main()
