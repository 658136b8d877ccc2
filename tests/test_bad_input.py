"""Hostile and careless input: one line naming what is wrong, exit code 2, nothing lost.

Each group of bad input is refused in the one place every path goes through:

- a name read from a file is data, never a path (``model.filenames.safe_file_name``);
- a damaged or foreign file of a results directory is named, and a resume sets it
  aside and recovers whatever is intact (``model.sweeps.storage``);
- a command-line run always ends (a default time limit that says so);
- sizes that would exhaust the machine are refused before anything is allocated;
- what used to be a traceback (encodings, nesting, paths, addresses) is one line;
- the Python API cannot be tricked into recording a step that did not happen.

Everything runs for real: files on disk, ``python -m model`` in a subprocess.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from commands import TINY, rewire, write
from model.filenames import safe_file_name
from model.scenario import ScenarioError, load_scenario, parse_scenario
from model.sweeps.runner import run_one
from model.sweeps.storage import (ResultStore, read_manifest, read_runs, read_series)


def refused(out, *expected: str) -> str:
    """The promise: exit code 2, one line ``rewire: error: ...``, no traceback."""
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    assert out.stderr.count("\n") == 1, out.stderr[-2000:]
    assert out.stderr.startswith("rewire: error: ") and "Traceback" not in out.stderr
    for text in expected:
        assert text in out.stderr, out.stderr
    return out.stderr.strip()


def record_runs(out: Path, scenario_path: Path, batches: list[list[int]],
                status: str = "interrupted") -> list[str]:
    """Write a results directory as a sweep would: ``batches`` of run indexes, each a part.

    Returns the part file names, in batch order. Runs in no batch stay missing.
    """
    scenario = load_scenario(scenario_path)
    runs = scenario.runs()
    store = ResultStore.open(out, scenario)
    names = []
    for batch in batches:
        before = set(p.name for p in (out / "runs").glob("part-*.parquet"))
        store.commit([run_one(runs[i].run_id, runs[i].point, runs[i].replicate, runs[i].seed,
                              runs[i].params, scenario.record, scenario.every,
                              store.recommenders) for i in batch])
        names += sorted(set(p.name for p in (out / "runs").glob("part-*.parquet")) - before)
    store.close(status, compact=(status == "complete"))
    return names


def damage(path: Path) -> None:
    """What a full disk or a bad copy leaves: the first half of the file."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


# -- names from files are data, never paths -------------------------------------------------

@pytest.mark.parametrize("name", ["../../escaped", "/tmp/rewire-absolute-escape", "..", ".",
                                  "a/../../b", "C:\\x\\..\\y", "", "\x00evil", "~/x",
                                  "-rf", "x" * 1000, "é/../ü"])
def test_a_name_from_data_is_one_harmless_file_name(name):
    stem = safe_file_name(name)
    assert stem and "/" not in stem and "\\" not in stem and "\x00" not in stem
    assert stem not in (".", "..") and not stem.startswith((".", "-")) and len(stem) <= 100


@pytest.mark.timeout(300)
def test_plot_never_writes_outside_its_folder_whatever_the_scenario_is_named(tmp_path):
    escape_abs = tmp_path / "absolute"
    for i, name in enumerate(["../../escaped", str(escape_abs)]):
        scenario = write(tmp_path / f"s{i}.toml", TINY.replace('name = "tiny"',
                                                               f"name = {json.dumps(name)}"))
        out = tmp_path / f"out{i}"
        record_runs(out, scenario, [[0, 1, 2, 3]], status="complete")
        res = rewire("plot", out)
        assert res.returncode == 0, res.stderr
        written = [Path(line) for line in res.stdout.split()]
        assert written and all(p.parent == out / "figures" for p in written)
        assert {p.suffix for p in written} >= {".png", ".svg"}
    assert not list(tmp_path.glob("*.png")) and not list(tmp_path.glob("*.svg"))
    assert not escape_abs.with_suffix(".png").exists()


# -- damaged or foreign files of a results directory ----------------------------------------

@pytest.mark.timeout(400)
def test_a_damaged_part_is_named_then_set_aside_and_its_runs_run_again(tmp_path):
    scenario = write(tmp_path / "tiny.toml", TINY)
    out = tmp_path / "out"
    parts = record_runs(out, scenario, [[0, 1], [2]])  # run 3 missing: interrupted
    kept = read_runs(out).to_pandas().set_index("run_id")
    damage(out / "runs" / parts[0])

    line = refused(rewire("plot", out), f"{out / 'runs' / parts[0]}: damaged",
                   "run the same sweep command again")
    assert "damaged/" in line

    res = rewire("sweep", scenario, "--out", out, "--workers", "1", "--no-progress")
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr and f"{parts[0]}: damaged, moved to" in res.stderr
    manifest = read_manifest(out)
    assert manifest["status"] == "complete" and manifest["counts"]["ok"] == 4
    runs = read_runs(out).to_pandas().set_index("run_id")
    assert sorted(runs.index) == ["p00000-r0000", "p00000-r0001", "p00001-r0000", "p00001-r0001"]
    # the intact part was kept as it was, not run again
    assert runs.loc["p00001-r0000", "wall_time_s"] == kept.loc["p00001-r0000", "wall_time_s"]
    # nothing is lost: the damaged part and its series twin are kept aside
    assert (out / "damaged" / "runs" / parts[0]).exists()
    assert (out / "damaged" / "series" / parts[0]).exists()
    assert manifest["set_aside"] == [f"damaged/runs/{parts[0]}", f"damaged/series/{parts[0]}"]
    series = read_series(out).to_pandas()
    assert series.groupby("run_id").size().to_dict().keys() == set(runs.index)


@pytest.mark.timeout(400)
def test_a_damaged_compacted_file_or_a_foreign_part_is_recovered_by_a_resume(tmp_path):
    scenario = write(tmp_path / "tiny.toml", TINY)
    out = tmp_path / "out"
    record_runs(out, scenario, [[0, 1, 2, 3]], status="complete")
    assert (out / "runs.parquet").exists()
    damage(out / "runs.parquet")
    pq.write_table(pa.table({"colour": ["blue"]}), out / "runs" / "part-foreign.parquet")

    refused(rewire("plot", out), "runs.parquet: damaged or not a results file")
    res = rewire("sweep", scenario, "--out", out, "--workers", "1", "--no-progress")
    assert res.returncode == 0, res.stderr
    assert read_manifest(out)["counts"] == {"runs": 4, "points": 2, "replicates": 2,
                                            "ok": 4, "failed": 0, "missing": 0}
    assert len(read_runs(out)) == 4
    for kept in ("runs.parquet", "series.parquet", "runs/part-foreign.parquet"):
        assert (out / "damaged" / kept).exists()


@pytest.mark.timeout(400)
@pytest.mark.parametrize("text", [b"{not json", b"\xff\xfe\x00", b"[1, 2, 3]", b'{"a": 1}'])
def test_a_damaged_manifest_is_named_and_a_resume_keeps_the_runs(tmp_path, text):
    scenario = write(tmp_path / "tiny.toml", TINY)
    out = tmp_path / "out"
    record_runs(out, scenario, [[0, 1], [2]])
    before = read_runs(out).to_pandas().set_index("run_id")["wall_time_s"]
    write(out / "manifest.json", text)

    refused(rewire("plot", out), f"{out / 'manifest.json'}: damaged or not a results file",
            "run the sweep command again with its scenario file")
    res = rewire("sweep", scenario, "--out", out, "--workers", "1", "--no-progress")
    assert res.returncode == 0, res.stderr
    after = read_runs(out).to_pandas().set_index("run_id")["wall_time_s"]
    assert len(after) == 4 and after.loc[before.index].equals(before)  # kept, not rerun
    assert read_manifest(out)["status"] == "complete"
    assert (out / "damaged" / "manifest.json").read_bytes() == text


@pytest.mark.timeout(300)
def test_a_damaged_manifest_over_another_scenarios_runs_is_refused(tmp_path):
    scenario = write(tmp_path / "tiny.toml", TINY)
    other = write(tmp_path / "other.toml", TINY.replace("seed = 5", "seed = 6"))
    out = tmp_path / "out"
    record_runs(out, scenario, [[0, 1]])
    write(out / "manifest.json", "{")
    refused(rewire("sweep", other, "--out", out, "--workers", "1", "--no-progress"),
            "is not a run of this scenario; use another --out")
    assert len(read_runs(out)) == 2  # untouched


# -- runs that never end --------------------------------------------------------------------

@pytest.mark.timeout(300)
def test_a_run_that_never_fixates_stops_at_the_default_limit_and_says_so():
    # W = inf: ties only rewire; an isolated user (k = 1) with no one to imitate
    res = rewire("run", "--n", "20", "--k", "1", "--W", "inf", "--allow-isolation",
                 "--seed", "3", "--json")
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["fixation_step"] is None and summary["steps"] == 10_000 * 20
    assert "default time limit of 10,000 generations" in res.stderr
    assert res.stderr.count("\n") == 1


# -- sizes that would exhaust the machine ---------------------------------------------------

SIZES = {
    "linspace of 10^9": ("[grid]\nW = { start = 0, stop = 1, num = 1000000000 }",
                         "[grid] W.num: must be an integer in [1, 10000]"),
    "step range of 10^9": ("[grid]\nW = { start = 0, stop = 1, step = 1e-9 }",
                           "[grid] W.step: gives more than 10,000 values"),
    "grid list of 20,000": ("[grid]\nW = [" + ", ".join(str(i) for i in range(20_000)) + "]",
                            "[grid] W: lists 20,000 values; at most 10,000 per key"),
    "grid of 10^9 points": ("[grid]\nW = { start = 0, stop = 1, num = 1000 }\n"
                            "beta = { start = 0, stop = 1, num = 1000 }\n"
                            "W2 = { start = 0, stop = 1, num = 1000 }",
                            "[grid] beta: makes 1,000,000 grid points with the keys before "
                            "it; at most 100,000"),
    "replicates near 2^63": ("[run]\nreplicates = 9223372036854775000",
                             "[run] replicates: must be an integer in [1, 1,000,000]"),
    "10^6 runs exceeded": ("[grid]\nW = { start = 0, stop = 1, num = 1000 }\n"
                           "[run]\nreplicates = 10000",
                           "1,000 points x 10,000 replicates make 10,000,000 runs"),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", list(SIZES))
def test_sizes_beyond_the_limits_are_refused_before_anything_is_allocated(tmp_path, case):
    body, message = SIZES[case]
    path = write(tmp_path / "big.toml", "[model]\nn = 30\nk = 4\nmax_steps = 100\n" + body)
    with pytest.raises(ScenarioError, match="^" + str(path).replace("\\", "\\\\")) as err:
        load_scenario(path)
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.timeout(120)
def test_a_model_too_big_for_the_memory_is_refused_with_what_it_needs():
    res = rewire("run", "--n", "1000000", "--k", "200", "--steps", "1",
                 limit_memory=3 * 2**30)
    line = refused(res, "--n: n x k = 1,000,000 x 200 would need about 7.3 GB",
                   "this machine allows 3.2 GB")
    assert "lower n or k" in line


# -- what used to be a traceback ------------------------------------------------------------

@pytest.mark.timeout(120)
@pytest.mark.parametrize("content, message", [
    (b"[model]\nn = 30\n\xff\xfe", "not UTF-8 text"),
    ("a = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
    ("a = " + "{b = " * 3000 + "1" + "}" * 3000, "nested too deeply"),
])
def test_unreadable_scenario_files_are_one_line(tmp_path, content, message):
    path = write(tmp_path / "bad.toml", content)
    refused(rewire("sweep", path, "--out", tmp_path / "out"), f"{path}: ", message)
    assert not (tmp_path / "out").exists()


@pytest.mark.timeout(300)
def test_impossible_output_paths_are_one_line(tmp_path):
    scenario = write(tmp_path / "tiny.toml", TINY)
    a_file = write(tmp_path / "a-file", "keep me")
    refused(rewire("sweep", scenario, "--out", "/proc/rewire-x"), "/proc/rewire-x",
            "choose another --out")
    refused(rewire("sweep", scenario, "--out", a_file), "exists and is not a directory")
    refused(rewire("sweep", scenario, "--out", a_file / "sub"), "choose another --out")
    assert a_file.read_text() == "keep me"
    out = tmp_path / "out"
    record_runs(out, scenario, [[0, 1, 2, 3]], status="complete")
    refused(rewire("plot", out, "--out", a_file), "cannot write the figures here")
    refused(rewire("plot", out, "--out", "/proc/rewire-figs"), "cannot write the figures")
    refused(rewire("plot", tmp_path / "nowhere"), "no such directory")
    assert a_file.read_text() == "keep me"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("args, message", [
    (["sweep", "x.toml", "--out", "o", "--scheduler", "notanaddress"],
     "argument --scheduler: must be a scheduler address"),
    (["sweep", "x.toml", "--out", "o", "--scheduler", "tcp://host:99999"], "port 1-65535"),
    (["sweep", "x.toml", "--out", "o", "--scheduler", "gopher://host:80"], "protocol one of"),
    (["sweep", "x.toml", "--out", "o", "--workers", "many"], "argument --workers"),
    (["sweep", "x.toml", "--out", "o", "--workers", "100000"],
     "argument --workers: must be an integer in [1, "),
    (["run", "--n", "1e400"], "argument --n: must be an integer"),
    (["run", "--n", "nan"], "argument --n: must be an integer"),
    (["run", "--beta", "1,5"], "argument --beta: must be a number"),
    (["run", "--beta", "-inf"], "--beta: beta must be a number >= 0 or inf; got -inf"),
    (["run", "--W", "-1e3"], "--W: W must be a number >= 0 or inf; got -1000.0"),
    (["run", "--steps", "1e300"], "--steps: max_steps must be an integer in [0, 2**62]; "
                                  "got an integer of 301 digits"),
    (["run", "--seed", "99999999999999999999"], "--seed: rng must be an integer in "
                                                "[0, 2**63 - 1]"),
    (["run", "--n", "100000000000000000000"], "--n: n must be an integer in [3, 10000000]"),
    (["run", "--recommenders", "GOOD=0.5,coop-random=0.5"], "'coop-random' is listed twice"),
    (["run", "--recommenders", "=1"], "--recommenders"),
])
def test_malformed_numbers_and_addresses_are_one_line(args, message):
    refused(rewire(*args), message)


# -- the Python API -------------------------------------------------------------------------

def test_a_stopped_model_records_no_step_even_if_running_is_set_back():
    from model import RewireModel

    model = RewireModel(n=30, k=4, rng=1, max_steps=60)
    model.run()
    rows = len(model.datacollector.get_model_vars_dataframe())
    model.running = True
    model.step()
    assert len(model.datacollector.get_model_vars_dataframe()) == rows
    assert model.running is False and model.summary()["steps"] == 60


@pytest.mark.parametrize("kwargs, message", [
    ({"recommenders": {None: 1.0}}, "recommenders: recommender names must be text; got None"),
    ({"recommenders": {1: 1.0}}, "recommender names must be text; got 1"),
    ({"n": "100"}, "n must be an integer in [3, 10000000]; got '100'"),
    ({"k": None}, "k must be a number > 0; got None"),
    ({"rng": 1.5}, "rng must be an integer in [0, 2**63 - 1]; got 1.5"),
    ({"max_steps": True}, "max_steps must be an integer"),
    ({"graph": "GNM"}, "graph must be one of gnm, regular"),
    ({"allow_isolation": "yes"}, "allow_isolation must be true or false"),
])
def test_wrong_types_in_the_python_api_are_one_line_parameter_errors(kwargs, message):
    from model import RewireModel
    from model.parameters import ParameterError

    with pytest.raises(ParameterError) as err:
        RewireModel(**{"n": 30, "k": 4, **kwargs})
    assert message in str(err.value) and "\n" not in str(err.value)


def test_run_refuses_a_nonsense_generation_count():
    from model import RewireModel

    model = RewireModel(n=30, k=4, rng=1, max_steps=60)
    for bad in (-1, 2.5, "3", True):
        with pytest.raises(ValueError, match="max_generations must be an integer >= 0"):
            model.run(max_generations=bad)
    assert model.engine.steps == 0  # nothing happened


def test_an_unknown_keyword_is_refused_by_name():
    from model import RewireModel

    with pytest.raises(TypeError, match="colour"):
        RewireModel(colour="blue")


def test_a_scenario_name_is_kept_as_written_in_the_results(tmp_path):
    # the name is data: kept verbatim in the manifest, only the figure's file name is cleaned
    s = parse_scenario(TINY.replace('name = "tiny"', 'name = "../x"'))
    assert s.name == "../x"
