"""One table of parameters: every front end is derived from ``model.parameters.PARAMETERS``.

The command line's options, the dashboard's controls and labels, the Arrow columns
of sweep results and the page's one-line description all come from the table; the
explicit ``RewireModel.__init__`` signature, kept for readers, must agree with it.
"""

from __future__ import annotations

import inspect

import ipyvuetify as v
import pyarrow as pa
import pytest
import solara

from model.cli import build_parser
from model.parameters import GROUPS, PARAMETERS, Parameter, defaults
from model.rewire_model import RewireModel
from model.sweeps.storage import runs_schema
from visualization import controls
from visualization.app import describe

#: A parameter a future model might add, used to check that it reaches every front end.
NEW = Parameter("gamma", "float", 0.25, 0, 1, help="a new rate", label="γ (new rate)",
                group="Game", control="slider")


@pytest.fixture
def new_parameter(monkeypatch):
    monkeypatch.setitem(PARAMETERS, NEW.name, NEW)
    return NEW


def test_the_signature_of_rewire_model_is_the_table():
    signature = inspect.signature(RewireModel.__init__).parameters
    names = [name for name in signature if name != "self"]
    assert names == list(PARAMETERS), "RewireModel.__init__ and PARAMETERS disagree on names/order"
    for name, p in PARAMETERS.items():
        default = signature[name].default
        if p.kind == "mix":  # a dict cannot be a default argument: None stands for it
            assert default is None
            assert RewireModel(n=10, k=2, max_steps=0, rng=1).params[name] == p.default
        else:
            assert default == p.default and type(default) is type(p.default), name


def test_every_parameter_has_a_label_a_known_group_and_control():
    for name, p in PARAMETERS.items():
        assert p.label, name
        assert p.group in GROUPS, name
        assert p.control in ("int", "number", "slider", "select", "checkbox", "mix"), name


def test_the_command_line_keeps_every_option_name_users_type():
    options = {a.dest: a.option_strings for a in build_parser()._subparsers._group_actions[0]
               .choices["run"]._actions}
    assert options["max_steps"] == ["--steps"] and options["rng"] == ["--seed"]
    assert options["beta_med"] == ["--beta-med"] and options["coop_init"] == ["--coop-init"]
    assert options["stop_on_fixation"] == ["--no-stop-on-fixation"]
    assert options["allow_isolation"] == ["--allow-isolation"]
    assert options["recommenders"] == ["--recommenders"] and options["policy"] == ["--policy"]
    for name in ("n", "k", "T", "S", "beta", "W", "W2", "graph"):
        assert options[name] == [f"--{name}"]


def test_the_arrow_columns_keep_their_names_and_types():
    schema = runs_schema(["local"])
    expected = {"n": pa.int64(), "k": pa.float64(), "T": pa.float64(), "S": pa.float64(),
                "beta": pa.float64(), "W": pa.float64(), "W2": pa.float64(),
                "beta_med": pa.float64(), "coop_init": pa.float64(),
                "recommenders": pa.string(), "allow_isolation": pa.bool_(),
                "stop_on_fixation": pa.bool_(), "graph": pa.string(), "max_steps": pa.int64(),
                "seed": pa.uint64()}
    for name, kind in expected.items():
        assert schema.field(name).type == kind, name
    assert "rng" not in schema.names


def test_a_new_parameter_reaches_the_command_line(new_parameter):
    args = build_parser().parse_args(["run", "--gamma", "0.5"])
    assert args.gamma == 0.5
    assert "a new rate ([0, 1]; default 0.25)" in build_parser()._subparsers._group_actions[0] \
        .choices["run"].format_help().replace("\n", " ").replace("  ", " ")


def test_a_new_parameter_reaches_the_arrow_schema(new_parameter):
    schema = runs_schema(["local"])
    assert schema.field("gamma").type == pa.float64()
    row = {"run_id": "p0-r0", "status": "ok", **defaults(), "recommenders": "local=1"}
    assert pa.Table.from_pylist([row], schema=schema).column("gamma").to_pylist() == [0.25]


def test_a_new_parameter_reaches_the_dashboard_and_its_description(new_parameter):
    draft = solara.reactive({**controls.initial_draft(), "gamma": 0.25})
    box, rc = solara.render(controls.ParameterControls(draft), handle_error=False)
    try:
        labels = [w.label for w in rc.find(v.Slider).widgets]
        assert any(label.startswith("γ (new rate): 0.25") for label in labels)
    finally:
        rc.close()
    assert "gamma=0.25" in describe({**defaults(), "gamma": 0.25})
