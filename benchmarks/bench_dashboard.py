"""How fast the dashboard shows generations, for one student and for a class.

Run from the repository root (needs Debian's chromium at /usr/bin/chromium)::

    python3 benchmarks/bench_dashboard.py                 # everything below
    python3 benchmarks/bench_dashboard.py --steps 50 --class-sizes 1,8 --seconds 20
    python3 benchmarks/bench_dashboard.py --class-sizes '' --sessions 0   # step latency only

It starts ``solara run server.py`` on a free port pinned to one core (``taskset``,
``--server-core``) and a headless chromium pinned to the other (``--browser-core``),
at the default parameters (N=1000, k=30, one generation per frame, no pause):

1. **Step to page**: clicks Step ``--steps`` times and times, inside the page
   (``performance.now()``), until the headline shows the new generation and both
   views (plots and network) say they have drawn it (their ``data-generation``).
2. **A class on one server**: opens K tabs (separate sessions) for each K of
   ``--class-sizes``, presses Play in all of them with the network shown, and counts
   the generations each tab shows per second over ``--seconds`` (and how often each
   tab drew its network: a busy browser skips drawings). Meanwhile it reads
   the server process's CPU time, and divides it by the frames all tabs were sent:
   the server's CPU time per frame per session, with real browsers answering.
3. **Many sessions, server only**: builds ``--sessions`` pages in this process
   (``solara.render``, the same components and handlers the server runs, but no
   websocket) and presses Step in each in turn, timing the CPU per frame per session
   (model step, layout, tie diff, messages). This stands in for a websocket client
   speaking the page's protocol, which this benchmark does not have.

Targets: 8 tabs at N=1000, k=30 with the network shown, each >= 4 generations per
second; server CPU <= 10 ms per frame per session with the network shown.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
                 "--disable-backgrounding-occluded-windows"]

#: click Step, then resolve with the milliseconds until the headline and both views show it
STEP_AND_TIME = """
async (expected) => {
  const t0 = performance.now();
  document.querySelector('.rw-step').click();
  return await new Promise((resolve, reject) => {
    const give_up = setTimeout(() => reject(new Error('no update in 20 s')), 20000);
    function check() {
      const counter = document.querySelector('.rw-generation').innerText;
      const views = [...document.querySelectorAll('.rw-plots-view, .rw-network-view')];
      const shown = counter.endsWith(' ' + expected)
        && views.length > 0 && views.every(v => v.dataset.generation === String(expected));
      if (shown) { clearTimeout(give_up); resolve(performance.now() - t0); }
      else requestAnimationFrame(check);
    }
    check();
  });
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(core: int | None) -> list[str]:
    """``taskset -c core`` as a command prefix (nothing when not pinning)."""
    if core is None or shutil.which("taskset") is None:
        return []
    return ["taskset", "-c", str(core)]


def start_server(port: int, core: int | None) -> subprocess.Popen:
    proc = subprocess.Popen(
        pinned(core) + [sys.executable, "-m", "solara", "run", "server.py", "--port", str(port),
                        "--host", "127.0.0.1", "--production", "--no-open"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300  # the first start may compile the engine
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("the dashboard server did not start")


def chromium_on_core(chromium: str, core: int | None, folder: str) -> str:
    """A launcher that runs chromium (and so every process it forks) on ``core``."""
    if not pinned(core):
        return chromium
    script = Path(folder) / "chromium-pinned"
    script.write_text(f'#!/bin/sh\nexec taskset -c {core} {chromium} "$@"\n')
    script.chmod(0o755)
    return str(script)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def generation_of(page) -> int:
    return int(page.inner_text(".rw-generation").split()[-1])


def network_draws(page) -> int:
    """How many times the page has drawn the network (the views count their paints)."""
    return int(page.get_attribute(".rw-network-view", "data-paints") or 0)


def time_steps(page, steps: int) -> list[float]:
    """Milliseconds from clicking Step to the updated page, for ``steps`` generations."""
    times = []
    for _ in range(steps):
        current = generation_of(page)
        times.append(page.evaluate(STEP_AND_TIME, str(current + 1)))
    return times


def open_tab(browser, url: str):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.goto(url, timeout=180_000)
    return context, page


def class_run(browser, url: str, tabs: int, seconds: float, server_pid: int) -> dict:
    """Generations per second in each of ``tabs`` tabs playing at once, and the server's
    CPU time per frame per session over the same window."""
    opened = [open_tab(browser, url) for _ in range(tabs)]
    pages = [page for _, page in opened]
    for page in pages:  # many pages loading on one core take minutes
        page.wait_for_selector(".rw-network-view[data-generation]", timeout=600_000)
    for page in pages:
        page.click(".rw-play")
    time.sleep(3)  # past the first frames
    start = [generation_of(page) for page in pages]
    drawn0 = [network_draws(page) for page in pages]
    cpu0, t0 = cpu_seconds(server_pid), time.perf_counter()
    time.sleep(seconds)
    end = [generation_of(page) for page in pages]
    drawn1 = [network_draws(page) for page in pages]
    cpu1, elapsed = cpu_seconds(server_pid), time.perf_counter() - t0
    for context, _ in opened:  # closing a tab ends its session (and its play loop)
        context.close()
    frames = sum(b - a for a, b in zip(start, end))
    return {"rates": [(b - a) / elapsed for a, b in zip(start, end)],
            "draws": [(b - a) / elapsed for a, b in zip(drawn0, drawn1)],
            "cpu_ms_per_frame": 1000 * (cpu1 - cpu0) / max(frames, 1),
            "server_busy": (cpu1 - cpu0) / elapsed}


def in_process_sessions(sessions: int, rounds: int) -> tuple[float, float]:
    """CPU ms per frame per session for ``sessions`` pages stepped in this process,
    with the network shown; and the same with it hidden."""
    import ipyvuetify as v
    import solara

    from visualization.app import Page
    from visualization.session import warm_up

    warm_up()
    pages = [solara.render(Page(), handle_error=False)[1] for _ in range(sessions)]

    def control(rc, kind, label):
        return [w for w in rc.find(kind).widgets if label in str(w.children or w.label)][0]

    def per_frame() -> float:
        steps = [control(rc, v.Btn, "Step") for rc in pages]
        for b in steps:  # first frame lays the network out
            b.click()
        t0 = time.process_time()
        for _ in range(rounds):
            for b in steps:
                b.click()
        return 1000 * (time.process_time() - t0) / (rounds * sessions)

    shown = per_frame()
    for rc in pages:
        rc.find(v.Switch).widget.v_model = False
    hidden = per_frame()
    for rc in pages:
        rc.close()
    return shown, hidden


def summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return (f"{name}: median {statistics.median(times):.0f} ms, p90 {p90:.0f} ms, "
            f"min {ordered[0]:.0f} ms, max {ordered[-1]:.0f} ms ({len(times)} steps)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--class-sizes", default="1,8",
                        help="tabs playing at once, comma-separated ('' to skip)")
    parser.add_argument("--seconds", type=float, default=15.0,
                        help="how long each class size plays")
    parser.add_argument("--sessions", type=int, default=30,
                        help="pages stepped in-process for the server-only figure (0 to skip)")
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--browser-core", type=int, default=1)
    args = parser.parse_args()
    if (os.cpu_count() or 1) < 2:
        args.server_core = args.browser_core = None

    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = start_server(port, args.server_core)
    results = []
    try:
        with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_on_core(args.chromium, args.browser_core, folder),
                args=CHROMIUM_ARGS)
            print(f"server on core {args.server_core}, chromium on core {args.browser_core}; "
                  "default parameters: N=1000, k=30, one generation per frame", flush=True)
            if args.steps:
                context, page = open_tab(browser, url)
                page.wait_for_selector(".rw-network-view[data-generation]", timeout=180_000)
                time_steps(page, 3)  # warm-up
                with_network = time_steps(page, args.steps)
                page.locator(".rw-show-network input").click()
                page.wait_for_selector(".rw-network-view", state="detached", timeout=30_000)
                time_steps(page, 3)
                without_network = time_steps(page, args.steps)
                context.close()
                print(summary("step to updated page, network shown ", with_network), flush=True)
                print(summary("step to updated page, network hidden", without_network),
                      flush=True)
            for tabs in [int(k) for k in args.class_sizes.split(",") if k.strip()]:
                run = class_run(browser, url, tabs, args.seconds, server.pid)
                rates = run["rates"]
                results.append((tabs, run))
                print(f"{tabs:3d} tab(s) playing at once, network shown: "
                      f"{statistics.median(rates):.1f} generations/s per tab (slowest "
                      f"{min(rates):.1f}), {sum(rates):.1f} in all; network drawn "
                      f"{statistics.median(run['draws']):.1f} times/s per tab; server CPU "
                      f"{run['cpu_ms_per_frame']:.1f} ms per frame per session, server core "
                      f"{100 * run['server_busy']:.0f}% busy  [target >= 4 per tab at 8 tabs]",
                      flush=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=15)
    if args.sessions:
        shown, hidden = in_process_sessions(args.sessions, rounds=5)
        print(f"{args.sessions} sessions stepped in one process (no websocket): server CPU "
              f"{shown:.1f} ms per frame per session with the network shown, {hidden:.1f} ms "
              "with it hidden  [target <= 10 ms shown]")


if __name__ == "__main__":
    main()
