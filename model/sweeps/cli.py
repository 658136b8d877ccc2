"""The ``sweep`` and ``plot`` commands of ``python -m model``.

``add_sweep_commands(subparsers)`` registers them on the main parser (:mod:`model.cli`);
errors in a scenario or a results directory are one line, ``rewire: error: ...``, exit
code 2.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

from model.cli_errors import error
from model.scenario import ScenarioError


def add_sweep_commands(subparsers) -> None:
    """Register ``sweep`` and ``plot`` on an argparse ``add_subparsers()`` object."""
    sweep = subparsers.add_parser(
        "sweep", help="run every grid point x replicate of a scenario file",
        description="Run a scenario's grid in parallel and write the results to DIR "
                    "(Parquet, plus CSV with --csv). Running the same command again "
                    "resumes: only missing runs are run.")
    sweep.add_argument("scenario", type=Path, help="scenario TOML file")
    sweep.add_argument("--out", type=Path, required=True, metavar="DIR",
                       help="results directory (created; reused to resume)")
    sweep.add_argument("--workers", type=worker_count, default=None, metavar="N",
                       help=f"local worker processes, at most {MAX_WORKERS} (4 per core) "
                            f"(default: all cores)")
    sweep.add_argument("--scheduler", type=scheduler_address, default=None, metavar="ADDRESS",
                       help="run on an existing Dask cluster, e.g. tcp://host:8786")
    sweep.add_argument("--quick", action="store_true",
                       help="apply the scenario's [quick] overrides (a few minutes' version)")
    sweep.add_argument("--stall-timeout", type=_positive_float, default=None, metavar="SECONDS",
                       help="stop (exit code 3, results kept) when no run has finished and "
                            "no worker has been running one for this long, or the scheduler "
                            "is lost (default: 120; inf: never)")
    sweep.add_argument("--csv", action="store_true", help="also write runs.csv / series.csv")
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")
    sweep.set_defaults(func=sweep_command)

    plot = subparsers.add_parser(
        "plot", help="draw the figures of a sweep (PNG and SVG)",
        description="Draw the figures of the sweep in DIR into DIR/figures (or --out).")
    plot.add_argument("dir", type=Path, metavar="DIR", help="results directory of a sweep")
    plot.add_argument("--out", type=Path, default=None, metavar="FIGDIR",
                      help="where to write the figures (default: DIR/figures)")
    plot.set_defaults(func=plot_command)


#: A Dask scheduler's address: [protocol://]host:port.
_ADDRESS = re.compile(r"^(?:(?P<proto>[a-z][a-z0-9+.-]*)://)?(?P<host>\[[0-9a-fA-F:.]+\]|"
                      r"[A-Za-z0-9_.-]+):(?P<port>[0-9]{1,5})$")
PROTOCOLS = ("tcp", "tls", "inproc", "ucx", "ws", "wss")


def scheduler_address(text: str) -> str:
    """``tcp://host:8786`` (or ``host:8786``, tcp assumed), checked before connecting.

    >>> scheduler_address("tcp://127.0.0.1:8786")
    'tcp://127.0.0.1:8786'
    """
    match = _ADDRESS.match(text.strip())
    if not match or (match["proto"] or "tcp") not in PROTOCOLS \
            or not 1 <= int(match["port"]) <= 65535:
        raise argparse.ArgumentTypeError(
            f"must be a scheduler address PROTOCOL://HOST:PORT (protocol one of "
            f"{', '.join(PROTOCOLS)}, port 1-65535), e.g. tcp://127.0.0.1:8786; got {text!r}")
    return text.strip()


#: Local workers are processes of about 100 MB each: more than a few per core only
#: adds memory and start-up time, and thousands would exhaust the machine.
MAX_WORKERS = 4 * (os.cpu_count() or 1)


def worker_count(text: str) -> int:
    """``--workers``: an integer in [1, MAX_WORKERS]."""
    value = _positive_int(text)
    if value > MAX_WORKERS:
        raise argparse.ArgumentTypeError(
            f"must be an integer in [1, {MAX_WORKERS}] (4 per core on this machine); "
            f"got {value}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1; got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number > 0; got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0; got {text}")
    return value


def sweep_command(args) -> int:
    from model.scenario import load_scenario
    from model.sweeps.runner import STALL_TIMEOUT, run_sweep

    try:
        scenario = load_scenario(args.scenario, quick=args.quick)
        with _dask_quiet():
            outcome = run_sweep(scenario, args.out, workers=args.workers,
                                scheduler=args.scheduler, progress=not args.no_progress,
                                csv=args.csv, stall_timeout=args.stall_timeout or STALL_TIMEOUT)
    except ScenarioError as err:
        return error(str(err))
    except OSError as err:
        if args.scheduler:  # dask reports an unreachable scheduler as OSError
            return error(f"--scheduler {args.scheduler}: cannot connect: "
                         f"{' '.join(str(err).split())}")
        raise
    counts = outcome.manifest["counts"]
    if outcome.stopped:
        print(f"rewire: error: {outcome.stopped}", file=sys.stderr)
        return outcome.stop_code
    if outcome.interrupted:
        print(f"interrupted: {counts['ok'] + counts['failed']} of {counts['runs']} runs "
              f"recorded in {args.out}; run the same command again to finish",
              file=sys.stderr)
        return 130
    print(f"{scenario.name}: {counts['ok']} ok, {counts['failed']} failed, "
          f"{counts['missing']} missing of {counts['runs']} runs "
          f"({outcome.ran} run by this command in {outcome.wall_time_s:.1f} s) -> {args.out}",
          file=sys.stderr)
    return 1 if counts["failed"] else 0


@contextmanager
def _dask_quiet():
    """No log lines or warnings while a sweep runs (Dask's, with tracebacks, when a
    scheduler is lost): the command says what happened in its one line, and failed runs keep
    their error in the results."""
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)


def plot_command(args) -> int:
    from model.sweeps.plots import plot_sweep

    try:
        paths = plot_sweep(args.dir, args.out)
    except ScenarioError as err:
        return error(str(err))
    for path in paths:
        print(path)
    return 0
