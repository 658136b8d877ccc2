"""Test helpers: the commands users type, run the way they type them, and the small
scenario files the tests feed them.

Every test that runs ``python -m model ...`` (or the installed ``rewire``) in a fresh
process goes through here, so a change to how the package is found or started is made
once. The scenario texts are deliberately tiny: they test the machinery, not the model.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: 12 runs of a few milliseconds: two W values x two mixes x three replicates
SMALL = """
[scenario]
name = "small"
[model]
n = 60
k = 6
max_steps = 3000
[grid]
W = [0.5, 2]
recommenders = [ { local = 1.0 }, { local = 0.5, "coop-random" = 0.5 } ]
[run]
replicates = 3
seed = 99
record = "series"
every = 4
"""

#: 4 runs, the smallest sweep that has a grid and a series
TINY = """
[scenario]
name = "tiny"
[model]
n = 30
k = 4
max_steps = 300
[grid]
W = [0.5, 2]
[run]
replicates = 2
seed = 5
record = "series"
every = 2
"""

#: 32 runs long enough (about a second each) that a kill lands mid-sweep
LONG = """
[scenario]
name = "long"
[model]
n = 500
k = 20
W = 1
stop_on_fixation = false
max_steps = 1500000
[grid]
W2 = [0.0, 0.1]
[run]
replicates = 16
seed = 7
"""


def write(path: Path, text: str | bytes) -> Path:
    """A real file on disk (a scenario, a damaged results file...), folders included."""
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return path


def env_with(*paths: Path) -> dict:
    """This process's environment with ``paths`` first on ``PYTHONPATH``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*map(str, paths), env.get("PYTHONPATH", "")])
    return env


def model_cmd(*args) -> list[str]:
    """``python -m model ARGS``, with this interpreter."""
    return [sys.executable, "-m", "model", *map(str, args)]


def rewire_cmd(*args) -> list[str]:
    """``rewire ARGS`` when the package is installed, else its equal ``python -m model``."""
    exe = shutil.which("rewire")
    return [exe, *map(str, args)] if exe else model_cmd(*args)


def rewire(*args, timeout: float = 240, cwd: Path = ROOT,
           limit_memory: int | None = None) -> subprocess.CompletedProcess:
    """``python -m model ARGS`` in a fresh process, as a user would type it.

    ``limit_memory`` (bytes) caps the process's data segment: a machine with less
    memory, whatever this one has.
    """

    def cap():
        resource.setrlimit(resource.RLIMIT_DATA, (limit_memory, limit_memory))

    return subprocess.run(model_cmd(*args), cwd=cwd, env=env_with(ROOT), capture_output=True,
                          text=True, timeout=timeout, preexec_fn=cap if limit_memory else None)
