"""The command line: ``python -m model run|sweep|plot|train``.

``run`` builds one :class:`model.RewireModel` from options named as its parameters,
runs it with a progress bar, and prints a readable summary or, with ``--json``,
one JSON object of the final metrics. Any bad option is one line on stderr naming
it and what is allowed, with exit code 2 and no traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from model.cli_errors import OneLineParser, error, guarded
from model.parameters import PARAMETERS, ParameterError, parse_mix
from model.policies import policy_names

#: Without --steps or --generations, a run stops after this many generations: some
#: graphs never reach fixation (an isolated user who can never change, say), and a
#: command must end. The summary says when a run stopped there.
DEFAULT_GENERATIONS = 10_000


def _float(text: str) -> float:
    """Numbers as people type them, ``inf`` included."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number; got {text!r}") from None


def _int(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer; got {text!r}") from None
    if not value.is_integer():
        raise argparse.ArgumentTypeError(f"must be an integer; got {text!r}")
    return int(value)


def _help(name: str) -> str:
    p = PARAMETERS[name]
    return f"{p.help} ({p.range_text()}; default {p.default_text})"


#: How each kind of parameter is typed on the command line.
_CLI_TYPES = {"int": _int, "float": _float, "steps": _int, "seed": _int}
#: Help that differs on the command line from the table's (the run's default limit).
_CLI_HELP = {
    "max_steps": "time limit in elementary updates (default: "
                 f"{DEFAULT_GENERATIONS:,} generations, since some graphs never reach fixation)",
    "rng": "seed (default: fresh entropy, printed in the summary)",
}


def add_parameter_options(parser) -> None:
    """One option per parameter of the table, named after it (``--beta-med``, ``--steps``).

    A new parameter in :data:`model.parameters.PARAMETERS` becomes an option here by
    itself; its value reaches :class:`RewireModel` under the parameter's name.
    """
    for name, p in PARAMETERS.items():
        help_text = _CLI_HELP.get(name, _help(name))
        if p.kind == "mix":
            mix = parser.add_mutually_exclusive_group()
            mix.add_argument("--policy", metavar="NAME",
                             help="one recommender for everybody: "
                                  + ", ".join(policy_names(True)))
            mix.add_argument(p.cli_option, dest=name, metavar="MIX",
                             help="several, with initial shares: local=0.9,coop-random=0.1")
        elif p.kind == "bool":
            parser.add_argument(p.cli_option, dest=name, default=None,
                                action="store_false" if p.default else "store_true",
                                help=f"turn off: {p.help}" if p.default else p.help)
        elif p.kind == "choice":
            parser.add_argument(p.cli_option, dest=name, choices=p.choices, help=help_text)
        else:
            metavar = "N" if p.kind == "steps" else p.cli_option.lstrip("-").upper()
            parser.add_argument(p.cli_option, dest=name, type=_CLI_TYPES[p.kind],
                                metavar=metavar, help=help_text)


def add_run_command(subparsers) -> None:
    """Register ``run``: one model, options named as RewireModel's parameters."""
    run = subparsers.add_parser(
        "run", help="run one model and print its final metrics",
        description="Run one model (MODEL.md) and print its final metrics.")
    add_parameter_options(run)
    run.add_argument("--generations", type=_int, metavar="G",
                     help="time limit in generations of n updates (sets --steps; default "
                          f"{DEFAULT_GENERATIONS:,}, since some graphs never reach fixation)")
    run.add_argument("--json", action="store_true", help="print one JSON object of final metrics")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.set_defaults(func=run_command)


def run_command(args) -> int:
    from model.rewire_model import RewireModel

    params = {name: getattr(args, name) for name in PARAMETERS
              if getattr(args, name, None) is not None}
    try:
        if args.policy is not None:
            params["recommenders"] = {args.policy: 1.0}
        elif args.recommenders is not None:
            params["recommenders"] = parse_mix(args.recommenders)
        if args.generations is not None:
            if args.max_steps is not None:
                return error("--generations: give --steps or --generations, not both")
            if args.generations < 0:
                return error(f"--generations: must be an integer >= 0; got {args.generations}")
            params["max_steps"] = args.generations * params.get("n", PARAMETERS["n"].default)
        if params.get("max_steps") is None and params.get("stop_on_fixation") is False:
            return error("--no-stop-on-fixation needs --steps or --generations, "
                         "or the run would never end")
        default_limit = params.get("max_steps") is None
        if default_limit:
            n = params.get("n", PARAMETERS["n"].default)
            params["max_steps"] = min(DEFAULT_GENERATIONS * n, PARAMETERS["max_steps"].high)
        model = RewireModel(**params)
    except ParameterError as err:
        return error(f"{_option(err.name, args)}: {err}")
    started = time.perf_counter()
    summary = model.run(progress=not (args.no_progress or args.json))
    elapsed = time.perf_counter() - started
    if default_limit and summary["fixation_step"] is None:
        print(f"rewire: note: stopped at the default time limit of {DEFAULT_GENERATIONS:,} "
              f"generations without fixation; give --steps or --generations to run longer",
              file=sys.stderr)
    if args.json:
        print(json.dumps(summary))
    else:
        print(format_summary(model, summary, elapsed))
    return 0


def _option(name: str, args) -> str:
    """The command-line option that set parameter ``name``."""
    if name == "recommenders" and args.policy is not None:
        return "--policy"
    if name == "max_steps" and args.generations is not None:
        return "--generations"
    return PARAMETERS[name].cli_option if name in PARAMETERS else name


def format_summary(model, s: dict, elapsed: float) -> str:
    """A readable account of a finished run."""
    p = model.params
    lines = [
        f"Rewire: n={p['n']} k={p['k']:g} T={p['T']:g} S={p['S']:g} beta={p['beta']:g} "
        f"W={p['W']:g} W2={p['W2']:g} seed={model.seed}",
        f"  steps              {s['steps']:,} ({s['steps'] / p['n']:.1f} generations, "
        f"{elapsed:.2f} s)",
        "  fixation           " + ("none" if s["fixation_step"] is None
                                   else f"at step {s['fixation_step']:,}"),
        f"  cooperation        {s['cooperation']:.3f}",
        f"  rewires            {s['rewires']:,} of {s['rewire_requests']:,} requests, "
        f"{s['rewire_opportunities']:,} opportunities "
        f"({s['rewires_per_opportunity']:.3f} per opportunity)",
        f"  degree             heterogeneity {s['heterogeneity']:.2f}, max {s['max_degree']}",
        f"  mean payoff        {s['mean_payoff']:.3f}",
        "  recommenders",
    ]
    for name, share in s["shares"].items():
        coop = s["proposed_cooperators_by_recommender"][name]
        proposed = "" if coop is None else (
            f"; proposed {coop:.0%} cooperators, "
            f"mean degree {s['proposed_degree_by_recommender'][name]:.1f}")
        lines.append(f"    {name:14s} share {share:.3f}, "
                     f"{s['requests_by_recommender'][name]:,} requests, "
                     f"{s['rewires_by_recommender'][name]:,} rewires{proposed}")
    if s["quality_share"] is not None:
        lines += [
            f"  creators           {model.engine.n_creators:,} ({p['creator_fitness']} "
            f"fitness), quality share {s['quality_share']:.3f}",
            f"    audience         Gini {s['audience_gini']:.3f}, "
            f"{s['quality_audience_share']:.3f} of follows on quality creators, "
            f"{s['follows_rewired']:,} follows rewired",
            f"    mean payoff      {s['creator_payoff']:.3f} (viewers: users above)",
        ]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    from model.sweeps.cli import add_sweep_commands
    from model.train import add_train_command

    parser = OneLineParser(prog="python -m model",
                           description="Rewire: recommenders and an evolving social graph.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    add_run_command(sub)
    add_sweep_commands(sub)
    add_train_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return guarded(args.func, args)
