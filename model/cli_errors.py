"""How the command line refuses: one line on stderr, ``rewire: error: ...``, exit code 2.

Every command of ``python -m model`` reports through this module, and :func:`guarded`
is the one place where what went wrong in a command becomes that line: a bad
parameter, scenario file or results directory, a path that cannot be written, a
machine without the memory a model needs. Anything else is a bug, and keeps its
traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Callable

PROG = "rewire"

#: what argparse must take for a negative number rather than an option
NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|infinity|nan)$",
                             re.IGNORECASE)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but an error is one line (``rewire: error: ...``) and exit code 2.

    ``-inf``, ``-1e3`` and ``-.5`` are read as (negative) numbers, not as options, so
    that ``--beta -inf`` reaches the parameter's own check and its message.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = NEGATIVE_NUMBER

    def error(self, message: str):  # noqa: D102 - argparse's hook
        self.exit(2, f"{PROG}: error: {' '.join(message.split())}\n")


def error(message: str) -> int:
    """One line on stderr, exit code 2: the command line's only way to refuse."""
    print(f"{PROG}: error: {' '.join(str(message).split())}", file=sys.stderr)
    return 2


def guarded(command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run ``command(args)``; turn every refusal into one line and exit code 2."""
    from model.parameters import ParameterError
    from model.scenario import ScenarioError

    try:
        return command(args)
    except (ParameterError, ScenarioError) as err:
        return error(str(err))
    except OSError as err:  # a path that cannot be read or written
        where = f"{err.filename}: " if err.filename else ""
        return error(f"{where}{err.strerror or err}")
    except MemoryError as err:
        return error(f"out of memory{': ' + str(err) if str(err) else ''}; "
                     f"lower n or k (the limits are in README.md)")
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
