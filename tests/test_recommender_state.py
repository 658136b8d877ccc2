"""Recommenders that carry settings and state.

The recommender mix gives a recommender its settings; the engine makes one policy
instance per recommender, tells a stateful one what happened between chunks of
updates, and the kernel stops exactly when it has served the requests it asked for.
The policy below alternates between recommending cooperators and defectors every
``every`` requests: the smallest policy that needs all of this.
"""

import copy
import pickle

import numpy as np
import pytest

from model import RewireModel
from model.core.graph import largest_remainder
from model.core.recommend import ask
from model.core.selectors import Rank, Source, Who
from model.engine import Engine
from model.parameters import Parameter, ParameterError, format_mix, mix_shares, validate
from model.policies import Policy, register, unregister


class Alternate(Policy):
    """A random cooperator for ``every`` requests, then a random defector, and so on."""

    name = "test-alternate"
    source = Source.OWN_USERS
    who = Who.COOPERATORS
    stateful = True
    settings = (Parameter("every", "int", 10, 1, 10**9, help="requests per window"),)

    def __init__(self, **settings):
        super().__init__(**settings)
        self.switches = []  # (requests served, step, whom it recommended) at each switch
        self.chunks = 0

    def start(self, view):
        view.set_selector(Source.OWN_USERS, Who.COOPERATORS, Rank.RANDOM)
        view.stop_after(self.values["every"])

    def at_checkpoint(self, view):
        source, who, rank = view.selector
        self.switches.append((view.requests, view.steps, who))
        other = Who.DEFECTORS if who == Who.COOPERATORS else Who.COOPERATORS
        view.set_selector(source, other, rank)
        view.stop_after(self.values["every"])

    def between_chunks(self, view):
        self.chunks += 1


@pytest.fixture(autouse=True)
def alternate_registered():
    register(Alternate)
    yield
    unregister(Alternate)


PARAMS = dict(n=200, k=6, W=3.0, max_steps=20_000, stop_on_fixation=False, rng=5)


def alternating(every=7, **extra):
    return Engine(**{**PARAMS, **extra},
                  recommenders={"test-alternate": {"share": 1.0, "every": every}})


def fingerprint(e):
    return (e.policies[0].switches, e.state.strat.tobytes(), e.edges().tobytes(),
            e.state.rng.tobytes())


# -- the hook ---------------------------------------------------------------------------
def test_a_stateful_policy_is_told_after_exactly_every_window_of_requests():
    e = alternating(every=7)
    e.advance(20_000)
    switches = e.policies[0].switches
    assert len(switches) == e.state.requests_by[0] // 7 > 20
    assert [s[0] for s in switches] == [7 * (i + 1) for i in range(len(switches))]
    assert [s[2] for s in switches] == [Who.COOPERATORS, Who.DEFECTORS] * (len(switches) // 2) \
        + [Who.COOPERATORS] * (len(switches) % 2)
    assert e.steps == 20_000  # stopping at a checkpoint loses no update


def test_the_kernel_executes_the_selector_the_policy_wrote():
    e = alternating(every=3)
    seen = set()
    for _ in range(40):
        e.advance(97)
        wanted = 1 if len(e.policies[0].switches) % 2 == 0 else 0  # cooperators first
        u = int(np.argmax(e.state.deg))
        z = ask(e.state, u, int(e.neighbours(u)[0]))
        if z >= 0:
            assert e.state.strat[z] == wanted
            seen.add(wanted)
    assert seen == {0, 1}


def test_checkpoints_do_not_depend_on_how_the_run_is_chunked():
    whole, chunked = alternating(), alternating()
    whole.advance(20_000)
    while chunked.running:
        chunked.advance(137)
    assert fingerprint(whole) == fingerprint(chunked)
    assert chunked.policies[0].chunks == -(-20_000 // 137) and whole.policies[0].chunks == 1


def test_a_stateful_run_is_reproducible_from_its_seed_and_differs_from_the_fixed_rule():
    a, b = alternating(), alternating()
    a.advance(20_000)
    b.advance(20_000)
    assert fingerprint(a) == fingerprint(b)
    fixed = Engine(**PARAMS, recommenders={"coop-random": 1.0})
    fixed.advance(20_000)
    assert fixed.edges().tobytes() != a.edges().tobytes()


@pytest.mark.parametrize("clone", [copy.deepcopy, lambda e: pickle.loads(pickle.dumps(e))],
                         ids=["deepcopy", "pickle"])
def test_a_policy_state_survives_copying_the_engine(clone):
    straight = alternating()
    straight.advance(20_000)
    e = alternating()
    e.advance(9_000)
    twin = clone(e)
    assert twin.policies[0].switches == e.policies[0].switches
    twin.advance(11_000)
    e.advance(11_000)
    assert fingerprint(twin) == fingerprint(straight) == fingerprint(e)


def test_a_view_reads_a_recommenders_tallies_from_the_state():
    e = Engine(**PARAMS, recommenders={"local": 0.5, "coop-random": 0.5})
    e.advance(5_000)
    st = e.state
    for r, view in enumerate(e.views):
        users = np.flatnonzero(st.rec == r)
        assert view.users == len(users)
        assert view.cooperators == int(st.strat[users].sum())
        assert view.requests == st.requests_by[r] and view.rewires == st.rewires_by[r]
        assert view.welfare() == pytest.approx(e.payoffs()[users].mean())
    assert e.stateful == []  # fixed policies are never called


def test_a_recommenders_own_random_stream_is_fixed_by_the_seed_and_apart_from_the_kernels():
    a, b = alternating(), alternating()
    draws = a.views[0].random_stream().random(3)
    assert (draws == b.views[0].random_stream().random(3)).all()
    assert a.state.rng.tobytes() == b.state.rng.tobytes()


# -- settings in the mix ---------------------------------------------------------------
def test_settings_are_given_in_the_mix_and_filled_with_defaults():
    mix = validate({"recommenders": "local=0.5,alt=0.5[policy=test-alternate,every=4]"})
    assert mix["recommenders"] == {
        "local": 0.5, "alt": {"share": 0.5, "policy": "test-alternate", "every": 4}}
    table = validate({"recommenders": {"local": 0.5,
                                       "alt": {"share": 0.5, "policy": "test-alternate",
                                               "every": 4}}})
    assert table == mix
    assert validate({"recommenders": "test-alternate"})["recommenders"] == {
        "test-alternate": {"share": 1.0, "policy": "test-alternate", "every": 10}}


def test_a_mix_with_settings_prints_and_parses_back_to_itself():
    mix = validate({"recommenders": "local=0.25,alt=0.75[policy=test-alternate,every=4]"})
    text = format_mix(mix["recommenders"])
    assert text == "local=0.25,alt=0.75[policy=test-alternate,every=4]"
    assert validate({"recommenders": text}) == mix


def test_mixes_without_settings_keep_their_form():
    mix = validate({"recommenders": "local=0.9,GOOD=0.1"})["recommenders"]
    assert mix == {"local": 0.9, "coop-random": 0.1}
    assert format_mix(mix) == "local=0.9,coop-random=0.1"


@pytest.mark.parametrize("text, message", [
    ("alt=1[policy=test-alternate,every=0]",
     "recommenders: 'alt': every must be an integer in [1, 1000000000]; got 0"),
    ("test-alternate=1[evry=3]",
     "recommenders: 'test-alternate' has no setting 'evry'; known: share, policy, every"),
    ("local=0.5,local=0.5", "recommenders: 'local' is listed twice"),
    ("GOOD=0.5,coop-random=0.5",
     "recommenders: recommender 'coop-random' is listed twice (as 'GOOD' and 'coop-random')"),
    ("a=0.5[policy=nope],local=0.5", "recommenders: unknown recommender 'nope'"),
    ("local=1[policy=coop-random", "recommenders: settings of 'local' must end with ']'"),
])
def test_bad_settings_are_refused_in_one_line_naming_them(text, message):
    with pytest.raises(ParameterError) as err:
        validate({"recommenders": text})
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("shares", [[0.3333333, 0.3333333, 0.3333334], [0.5000005, 0.5],
                                    [0.3333336] * 3, [0.3333333] * 3])
def test_shares_within_rounding_of_one_split_users_exactly(shares):
    mix = validate({"recommenders": dict(zip(["local", "GOOD", "BAD"], shares))})
    split = mix_shares(mix["recommenders"])
    for n in (10**6, 3 * 10**6, 10**7):
        counts = largest_remainder(n, list(split.values()))
        assert sum(counts) == n and min(counts) >= 0


def test_a_labelled_recommender_reaches_the_mesa_model():
    m = RewireModel(n=60, k=4, rng=1, max_steps=600,
                    recommenders="friends=0.5[policy=local],platform=0.5[policy=GOOD]")
    m.run()
    assert [a.name for a in m.recommender_agents] == ["friends", "platform"]
    assert [type(a.policy).name for a in m.recommender_agents] == ["local", "coop-random"]
    assert set(m.summary()["shares"]) == {"friends", "platform"}
    assert m.params["recommenders"]["platform"] == {"share": 0.5, "policy": "coop-random"}
