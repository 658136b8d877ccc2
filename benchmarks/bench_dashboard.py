"""How fast the dashboard shows a generation, measured in a real browser.

Run from the repository root (needs Debian's chromium at /usr/bin/chromium)::

    python3 benchmarks/bench_dashboard.py            # N=1000, k=30, 30 steps each
    python3 benchmarks/bench_dashboard.py --steps 50
    python3 benchmarks/bench_dashboard.py --class-sizes 1,4,8,16   # a class on one server

It starts ``solara run server.py`` on a free port, opens the page in headless
chromium and, for each of ``--steps`` generations, clicks Step and times, inside
the page (``performance.now()``), from the click to the moment the generation
counter shows the new generation *and* every picture on the page (the plots,
and the network when shown) has been replaced by a new, fully decoded
image. That span holds the whole path: the click's message to the server, one
generation (N elementary updates), drawing the pictures, sending them and the
browser decoding them. It does this with the network view on and then off, and
prints the medians (and 90th percentiles). It also times the first network layout
(no browser needed) at the same size.

Then, for a class sharing one server, it opens K tabs (each its own session and
model), presses Play in all of them (network shown, then hidden) and reports how many
generations per second each tab sees over ``--seconds``. The tabs run in the same
headless chromium on the same machine as the server, so they take CPU a class's own
laptops would not: the figures are a lower bound for a real classroom.

Targets (from the dashboard's issue): median under 250 ms with the network shown,
under 100 ms with it hidden; first layout under 1 s.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]

#: click Step, then resolve with the milliseconds until the counter and every image changed
STEP_AND_TIME = """
async (expected) => {
  const pictures = () => [...document.querySelectorAll('img.rw-image, img.rw-plots')];
  const before = pictures().map(img => img.src);
  const t0 = performance.now();
  document.querySelector('.rw-step').click();
  return await new Promise((resolve, reject) => {
    const give_up = setTimeout(() => reject(new Error('no update in 20 s')), 20000);
    function check() {
      const counter = document.querySelector('.rw-generation').innerText;
      const now = pictures();
      const shown = counter.endsWith(' ' + expected)
        && now.length === before.length
        && now.every((img, i) => img.src !== before[i] && img.complete && img.naturalWidth > 0);
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


def start_server(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "solara", "run", "server.py", "--port", str(port),
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


def time_steps(page, steps: int) -> list[float]:
    """Milliseconds from clicking Step to the updated page, for ``steps`` generations."""
    times = []
    for _ in range(steps):
        current = int(page.inner_text(".rw-generation").split()[-1])
        times.append(page.evaluate(STEP_AND_TIME, str(current + 1)))
    return times


def first_layout_seconds(n: int, k: float, repeats: int = 3) -> list[float]:
    from visualization.network import NetworkPicture
    from visualization.raster import warm_up
    from visualization.session import make_model

    warm_up()
    out = []
    for seed in range(1, repeats + 1):
        model = make_model(n=n, k=k, rng=seed)
        start = time.perf_counter()
        NetworkPicture(model, seed=seed)
        out.append(time.perf_counter() - start)
    return out


def generation_of(page) -> int:
    return int(page.inner_text(".rw-generation").split()[-1])


def class_rates(browser, url: str, tabs: int, seconds: float, network: bool) -> list[float]:
    """Generations per second seen in each of ``tabs`` tabs, all playing at once."""
    contexts = [browser.new_context(viewport={"width": 1600, "height": 1000})
                for _ in range(tabs)]
    pages = [context.new_page() for context in contexts]
    for page in pages:
        page.goto(url)
    for page in pages:
        page.wait_for_selector("img.rw-image", timeout=180_000)
        if not network:
            page.locator(".rw-show-network input").click()
            page.wait_for_selector("img.rw-image", state="detached", timeout=60_000)
    for page in pages:
        page.click(".rw-play")
    time.sleep(3)  # past the first frames, which rescale every plot
    start = [generation_of(page) for page in pages]
    t0 = time.perf_counter()
    time.sleep(seconds)
    end = [generation_of(page) for page in pages]
    elapsed = time.perf_counter() - t0
    for context in contexts:
        context.close()
    return [(b - a) / elapsed for a, b in zip(start, end)]


def summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return (f"{name}: median {statistics.median(times):.0f} ms, p90 {p90:.0f} ms, "
            f"min {ordered[0]:.0f} ms, max {ordered[-1]:.0f} ms ({len(times)} steps)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--class-sizes", default="1,4,8",
                        help="tabs playing at once, comma-separated ('' to skip)")
    parser.add_argument("--seconds", type=float, default=15.0,
                        help="how long each class size plays")
    args = parser.parse_args()

    layout = first_layout_seconds(1000, 30)
    print(f"first network layout + picture at N=1000, k=30: median "
          f"{statistics.median(layout):.2f} s (runs: {', '.join(f'{t:.2f}' for t in layout)})")

    from playwright.sync_api import sync_playwright

    port = free_port()
    server = start_server(port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium,
                                                 args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("img.rw-plots", timeout=90_000)
            page.wait_for_selector("img.rw-image", timeout=90_000)  # network laid out
            print("page: default parameters, N=1000, k=30, one generation per Step")
            time_steps(page, 3)  # warm-up: first frames rescale every plot
            with_network = time_steps(page, args.steps)
            page.locator(".rw-show-network input").click()
            page.wait_for_selector("img.rw-image", state="detached", timeout=30_000)
            time_steps(page, 3)
            without_network = time_steps(page, args.steps)
            page.close()
            sizes = [int(k) for k in args.class_sizes.split(",") if k.strip()]
            classes = {(k, network): class_rates(browser, f"http://127.0.0.1:{port}/", k,
                                                 args.seconds, network)
                       for network in (True, False) for k in sizes}
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=15)
    print(summary("step to updated page, network shown ", with_network)
          + "  [target < 250 ms]")
    print(summary("step to updated page, network hidden", without_network)
          + "  [target < 100 ms]")
    for (k, network), rates in classes.items():
        print(f"{k:3d} tab(s) playing at once, network {'shown ' if network else 'hidden'}: "
              f"{statistics.median(rates):.1f} generations/s per tab (slowest "
              f"{min(rates):.1f}), {sum(rates):.1f} in all")


if __name__ == "__main__":
    main()
