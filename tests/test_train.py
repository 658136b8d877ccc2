"""``python -m model train``: a policy, its learning curve, checkpoints that survive a kill.

Every test runs the real command in a subprocess. Killing a training run and
starting it again must end with exactly the weights of a run that was never
interrupted (same seed, same result), and bad options are one line with exit code 2.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from model.learning.ranking import RankingPolicy, load_policy

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--config", "n10", "--steps", "300", "--batch", "4", "--hidden-size", "4",
        "--score-size", "4", "--no-progress"]


def train(*args, timeout=280):
    return subprocess.run([sys.executable, "-m", "model", "train", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.timeout(300)
def test_training_writes_a_policy_and_its_learning_curve(tmp_path):
    out = tmp_path / "p.npz"
    done = train("--reward", "coops", *TINY, "--updates", "3", "--out", str(out))
    assert done.returncode == 0, done.stderr
    policy = load_policy(out)
    assert policy.hidden == "mlp" and policy.metadata["reward"] == "coops"
    assert policy.metadata["n"] == 10 and policy.metadata["beta"] == 0.1
    rows = list(csv.DictReader(open(out.with_suffix(".curve.csv"))))
    assert [int(r["update"]) for r in rows] == [0, 1, 2]
    for r in rows:
        assert -1 <= float(r["mean_return"]) <= 1
        assert 0 <= float(r["mean_action_strat"]) <= 1
    assert out.with_suffix(".curve.png").stat().st_size > 1000
    assert not list(tmp_path.glob("*.checkpoint-*"))  # removed once done


@pytest.mark.timeout(600)
def test_a_killed_run_resumes_to_the_same_weights(tmp_path):
    args = ["--reward", "rewires", *TINY, "--updates", "12", "--checkpoint-every", "1"]
    whole = tmp_path / "whole.npz"
    assert train(*args, "--out", str(whole)).returncode == 0
    killed = tmp_path / "killed.npz"
    proc = subprocess.Popen([sys.executable, "-m", "model", "train", *args, "--out",
                             str(killed)], cwd=ROOT, stderr=subprocess.DEVNULL)
    ckpt = tmp_path / "killed.checkpoint-0.npz"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if ckpt.exists():
            with np.load(ckpt) as data:
                if len(data["curve"]) >= 3:
                    break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    with np.load(ckpt) as data:
        assert 3 <= len(data["curve"]) < 12  # killed mid-way
    resumed = train(*args, "--out", str(killed))
    assert resumed.returncode == 0, resumed.stderr
    a, b = load_policy(whole), load_policy(killed)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    ca = list(csv.DictReader(open(whole.with_suffix(".curve.csv"))))
    cb = list(csv.DictReader(open(killed.with_suffix(".curve.csv"))))
    assert [r["mean_return"] for r in ca] == [r["mean_return"] for r in cb]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("args,message", [
    (["--reward", "likes"], "--reward: invalid choice"),
    (["--reward", "coops", "--n", "2"], "--n: must be an integer >= 3; got 2"),
    (["--reward", "coops", "--batch", "1"], "--batch: must be an integer >= 2"),
    (["--reward", "coops", "--init", "aligned-n10", "--hidden", "gat"],
     "--hidden: must be mlp, the module of --init aligned-n10; got gat"),
    (["--reward", "coops", "--config", "n7"], "--config: invalid choice"),
    (["--reward", "coops", "--init", "nothere.npz"], "--init: policy file nothere.npz: no such file"),
    (["--reward", "coops", "--init", "aligned-n10", "--hidden-size", "4"],
     "--hidden-size: must be 8, the size of --init aligned-n10; got 4"),
])
def test_a_bad_option_is_one_line_and_exit_code_2(tmp_path, args, message):
    done = train(*args, "--out", str(tmp_path / "x.npz"))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr


@pytest.mark.timeout(300)
def test_a_checkpoint_made_with_other_options_is_refused_in_one_line(tmp_path):
    out = tmp_path / "p.npz"
    base = ["--reward", "coops", *TINY, "--updates", "2", "--checkpoint-every", "1"]
    assert train(*base, "--out", str(out)).returncode == 0
    # leave a checkpoint behind, as a killed run would, then change an option
    from model.train import CHECKPOINT_VERSION
    np.savez(tmp_path / "p.checkpoint-0.npz", checkpoint_version=np.array(CHECKPOINT_VERSION),
             config=np.array(json.dumps({"n": 30})))
    done = train(*base, "--out", str(out))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "made with other options" in done.stderr and "--fresh" in done.stderr


@pytest.mark.timeout(300)
def test_init_starts_from_a_policy_and_says_so(tmp_path):
    # A learning rate of 1e-9 leaves the weights where they started: at the shipped
    # N = 10 policy's, sizes and all, not at a random draw.
    out = tmp_path / "tuned.npz"
    done = train("--reward", "coops", "--config", "n10", "--steps", "300", "--batch", "4",
                 "--updates", "1", "--lr", "1e-9", "--init", "aligned-n10", "--no-progress",
                 "--out", str(out))
    assert done.returncode == 0, done.stderr
    tuned, start = load_policy(out), load_policy(ROOT / "policies" / "aligned-mlp-n10.npz")
    assert tuned.metadata["init"] == "aligned-n10"
    assert tuned.architecture == start.architecture
    for name in start.params:
        np.testing.assert_allclose(tuned.params[name], start.params[name], atol=1e-6)


@pytest.mark.timeout(300)
def test_a_gat_trains_in_the_kernel_and_the_same_seed_gives_the_same_weights(tmp_path):
    # The paper's other hidden module, trained the same way (each decision logs the
    # whole graph, and the NumPy module's backward pass gives the gradient).
    args = ["--reward", "coops", "--hidden", "gat", *TINY, "--updates", "4"]
    whole = tmp_path / "g.npz"
    done = train(*args, "--out", str(whole))
    assert done.returncode == 0, done.stderr
    policy = load_policy(whole)
    assert policy.hidden == "gat" and policy.metadata["hidden"] == "gat"
    again = tmp_path / "again.npz"
    assert train(*args, "--out", str(again)).returncode == 0
    for name in policy.params:  # same seed, same weights
        np.testing.assert_array_equal(policy.params[name], load_policy(again).params[name])
    untrained = RankingPolicy("gat", 4, 4, seed=[1, 0])  # where run 0 starts
    assert any(not np.array_equal(policy.params[k], untrained.params[k]) for k in policy.params)
