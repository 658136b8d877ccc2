"""The ranking module: a learned recommender's rule for choosing a user's next tie.

After Carvalho (2021), section 4.1 and Fig. 8. When user ``f`` (the *focused* node)
may rewire, every candidate ``i`` gets a score and the recommender proposes one:

    h_i     = H(x_i)                 hidden features of each node (MLP or one-layer GAT)
    h_g     = mean of h_i over a pool of nodes (by default every node)
    score_i = v . tanh(W_g h_g + W_f h_f + W_c h_i + b)      the score module S
    pi(i)   = softmax of the scores over the *valid* candidates only

sampled from ``pi`` while training, the best-scoring candidate when evaluating.

Decisions, and why:

- **Features** (:data:`FEATURES`): a node's strategy (1 = cooperate, 0 = defect) and
  its degree divided by the current maximum degree, the paper's two inputs. Dividing
  by the maximum rather than by N - 1 keeps the feature spread over [0, 1] at any N
  and k (at N = 1000, k = 30 a typical degree / (N - 1) is 0.03, at N = 10, k = 4 it
  is 0.44), so a policy trained at one N sees familiar inputs at another, which is
  how the paper uses its policies. The price: one new hub rescales everybody's degree.
- **Score module with one hidden layer.** A purely linear score of
  (h_g, h_f, h_i) would add the same h_g and h_f terms to every candidate, and a
  softmax ignores what is added to all: the focused user and the graph could never
  change the choice. One tanh layer lets them interact with each candidate's features
  (for instance "cooperators for cooperators", the paper's FAIR). The output bias
  would cancel the same way, so there is none.
- **Mean pooling** for h_g (the paper sums): a sum grows with N, a mean does not, so
  again a policy runs at any N. For speed the pool can be a subset of nodes with
  weights (:func:`summary_pool`): with the MLP hidden module, one representative per
  distinct feature row weighted by its count gives exactly the mean over all nodes
  at the cost of a few dozen rows.
- **GAT**: one head, self-loops included (so a node can attend to its own features,
  the paper's reason for preferring GAT to GCN), LeakyReLU slope 0.2 on the attention
  logits as in Velickovic et al. (2018), tanh on the output. The graph is given as
  CSR arrays ``indptr, indices`` of current neighbours.
- **Candidates are an argument** (:class:`Observation`): every user
  (:func:`all_candidates`), a uniform sample of M users (:func:`sample_candidates`) so
  that a decision costs O(M) rather than O(N), or a recommender's own users under
  competition. ``invalid`` marks the ones that must never be chosen (the focused user
  and its neighbours); they are excluded structurally, so no weight, however extreme
  (even inf or nan), can make the module propose one.
- **Ties** in evaluation: users with identical features get identical scores; the
  best is drawn uniformly among them, as the heuristics break ties at random.

Forward and backward passes are written by hand and vectorised: :meth:`RankingPolicy.backward`
turns the gradient of any function of the scores into gradients of every parameter
(checked against finite differences in tests/test_ranking.py). The policy file format
(:func:`save_policy`, :func:`load_policy`) holds no Python objects, so opening a
stranger's file never runs code.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Node features the module can read, in the order of their columns.
FEATURES = ("strategy", "degree_over_max")
HIDDEN_KINDS = ("mlp", "gat")
#: Version of the policy file format written by :func:`save_policy`.
FORMAT_VERSION = 1
GAT_SLOPE = 0.2  #: LeakyReLU slope of the attention logits
MAX_SIZE = 4096  #: largest hidden or score size a policy file may declare
#: Scores this close (relative) to the best are ties: identical feature rows may
#: differ in the last bit after a matrix product.
TIE_TOLERANCE = 1e-12


# -- inputs ---------------------------------------------------------------------
def node_features(strat: np.ndarray, deg: np.ndarray, features=FEATURES) -> np.ndarray:
    """The (N, F) feature matrix: one column per name in ``features``.

    ``strat`` holds 1 for cooperators and 0 for defectors; ``deg`` the degrees. With
    every user isolated the degree column is 0.
    """
    strat = np.asarray(strat)
    deg = np.asarray(deg)
    columns = []
    for name in features:
        if name == "strategy":
            columns.append(strat.astype(np.float64))
        elif name == "degree_over_max":
            top = deg.max() if deg.size else 0
            columns.append(deg / top if top > 0 else np.zeros(deg.shape))
        else:
            raise ValueError(f"unknown feature {name!r}; known: {', '.join(FEATURES)}")
    return np.column_stack(columns) if columns else np.zeros((strat.size, 0))


def _invalid(candidates: np.ndarray, focus: int, indptr, indices) -> np.ndarray:
    mark = np.zeros(len(indptr) - 1, dtype=bool)
    mark[indices[indptr[focus]:indptr[focus + 1]]] = True
    mark[focus] = True
    return mark[candidates]


def all_candidates(focus: int, indptr: np.ndarray, indices: np.ndarray):
    """Every user as a candidate, and the mask of invalid ones (``focus`` and its neighbours)."""
    candidates = np.arange(len(indptr) - 1)
    return candidates, _invalid(candidates, focus, indptr, indices)


def sample_candidates(rng: np.random.Generator, m: int, focus: int, indptr: np.ndarray,
                      indices: np.ndarray):
    """``m`` distinct users drawn uniformly (all of them if fewer), and the invalid mask.

    Invalid users are drawn too and masked, so that a sample is uniform over users
    whatever the graph; when every sampled user is invalid the request goes unserved.
    """
    n = len(indptr) - 1
    candidates = rng.choice(n, size=min(m, n), replace=False) if m < n else np.arange(n)
    return candidates, _invalid(candidates, focus, indptr, indices)


def summary_pool(features: np.ndarray):
    """One representative node per distinct feature row, and how many nodes share it.

    Passed as ``pool`` and ``pool_weights`` of an :class:`Observation`, it gives the
    MLP hidden module exactly the mean over all nodes (an MLP sees only a node's own
    features) from a few dozen rows instead of N. For a GAT it is an approximation.
    """
    _, first, counts = np.unique(features, axis=0, return_index=True, return_counts=True)
    return first, counts.astype(np.float64)


@dataclass(frozen=True)
class Observation:
    """What the ranking module sees at one rewire request.

    ``features`` (N, F) for every node; ``focus`` the user rewiring; ``candidates``
    (C,) node ids among which to choose and ``invalid`` (C,) those never to choose.
    ``indptr``/``indices``: the current neighbours as CSR arrays (needed by the GAT).
    ``pool``/``pool_weights``: the nodes (and weights) whose hidden features are
    averaged into h_g; ``None`` means every node with equal weight.
    """

    features: np.ndarray
    focus: int
    candidates: np.ndarray
    invalid: np.ndarray
    indptr: np.ndarray | None = None
    indices: np.ndarray | None = None
    pool: np.ndarray | None = None
    pool_weights: np.ndarray | None = None


# -- the module -----------------------------------------------------------------
def param_shapes(architecture: dict) -> dict:
    """Name and shape of every parameter of a ranking module, in a fixed order."""
    f = len(architecture["features"])
    h = architecture["hidden_size"]
    s = architecture["score_size"]
    shapes = {"hidden_W": (f, h)}
    if architecture["hidden"] == "gat":
        shapes.update(hidden_att_src=(h,), hidden_att_dst=(h,))
    shapes.update(hidden_b=(h,), score_Wg=(h, s), score_Wf=(h, s), score_Wc=(h, s),
                  score_b=(s,), score_v=(s,))
    return shapes


def check_architecture(architecture) -> dict:
    """The architecture as a clean dict, or ValueError naming the bad field."""
    if not isinstance(architecture, dict):
        raise ValueError("architecture must be a JSON object")
    expected = {"hidden", "hidden_size", "score_size", "features"}
    if set(architecture) != expected:
        raise ValueError(f"architecture must have exactly the fields {', '.join(sorted(expected))}"
                         f" (has {', '.join(sorted(map(str, architecture))) or 'none'})")
    hidden = architecture["hidden"]
    if hidden not in HIDDEN_KINDS:
        raise ValueError(f"architecture field 'hidden' is {hidden!r}; allowed: "
                         f"{', '.join(HIDDEN_KINDS)}")
    for field in ("hidden_size", "score_size"):
        size = architecture[field]
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_SIZE:
            raise ValueError(f"architecture field {field!r} is {size!r}; allowed: an integer "
                             f"in 1..{MAX_SIZE}")
    features = architecture["features"]
    if (not isinstance(features, list | tuple) or not features
            or any(name not in FEATURES for name in features)
            or len(set(features)) != len(features)):
        raise ValueError(f"architecture field 'features' is {features!r}; allowed: distinct "
                         f"names among {', '.join(FEATURES)}")
    return {"hidden": hidden, "hidden_size": architecture["hidden_size"],
            "score_size": architecture["score_size"], "features": list(features)}


class RankingPolicy:
    """A ranking module with its parameters (``params``, a dict of float64 arrays).

    >>> policy = RankingPolicy("mlp", hidden_size=8, score_size=8, seed=1)
    >>> x = node_features(np.array([1, 0, 1, 0]), np.array([1, 2, 2, 1]))
    >>> indptr, indices = np.array([0, 1, 3, 5, 6]), np.array([1, 0, 2, 1, 3, 2])
    >>> cands, invalid = all_candidates(0, indptr, indices)
    >>> obs = Observation(x, 0, cands, invalid, indptr, indices)
    >>> int(cands[policy.act(obs, np.random.default_rng(0))]) in (2, 3)
    True
    """

    def __init__(self, hidden: str = "mlp", hidden_size: int = 16, score_size: int = 16,
                 features=FEATURES, seed=0):
        self.architecture = check_architecture(
            {"hidden": hidden, "hidden_size": hidden_size, "score_size": score_size,
             "features": list(features)})
        rng = np.random.default_rng(seed)
        self.params = {}
        for name, shape in param_shapes(self.architecture).items():
            if name.endswith("_b"):
                self.params[name] = np.zeros(shape)
            else:  # Glorot uniform; vectors are (fan_in, 1) matrices
                fan_in, fan_out = shape if len(shape) == 2 else (shape[0], 1)
                limit = np.sqrt(6.0 / (fan_in + fan_out))
                self.params[name] = rng.uniform(-limit, limit, size=shape)
        self.metadata: dict = {}

    @property
    def hidden(self) -> str:
        return self.architecture["hidden"]

    # -- forward ----------------------------------------------------------------
    def forward(self, obs: Observation):
        """Scores of ``obs.candidates`` (C,), and what :meth:`backward` needs."""
        x = np.asarray(obs.features, dtype=np.float64)
        n_features = len(self.architecture["features"])
        if x.ndim != 2 or x.shape[1] != n_features:
            raise ValueError(f"features must be an (N, {n_features}) array for this policy "
                             f"({', '.join(self.architecture['features'])}); got shape {x.shape}")
        n = x.shape[0]
        cands = np.asarray(obs.candidates)
        if np.shape(obs.invalid) != cands.shape:
            raise ValueError(f"invalid must have one entry per candidate ({cands.size}); "
                             f"got shape {np.shape(obs.invalid)}")
        if obs.pool is None:  # every node: rows are node ids
            nodes = None
            pool_rows, focus_row, cand_rows = None, int(obs.focus), cands
        else:  # one row per use (a node used twice is computed twice: cheaper than unique)
            pool = np.asarray(obs.pool)
            nodes = np.concatenate([pool, [obs.focus], cands])
            pool_rows = np.arange(len(pool))
            focus_row = len(pool)
            cand_rows = np.arange(len(pool) + 1, len(nodes))
        hid, hidden_cache = (self._mlp_forward(x, nodes) if self.hidden == "mlp"
                             else self._gat_forward(x, nodes, obs))
        if pool_rows is None:
            weights = None
            h_g = hid.mean(axis=0)
        else:
            w = (np.ones(len(pool_rows)) if obs.pool_weights is None
                 else np.asarray(obs.pool_weights, dtype=np.float64))
            weights = w / w.sum()
            h_g = weights @ hid[pool_rows]
        p = self.params
        h_f = hid[focus_row]
        h_c = hid[cand_rows]
        u = np.tanh((h_g @ p["score_Wg"] + h_f @ p["score_Wf"] + p["score_b"])
                    + h_c @ p["score_Wc"])
        scores = u @ p["score_v"]
        cache = dict(n=n, hid=hid, hidden_cache=hidden_cache, pool_rows=pool_rows,
                     weights=weights, focus_row=focus_row, cand_rows=cand_rows,
                     h_g=h_g, h_f=h_f, h_c=h_c, u=u)
        return scores, cache

    def _mlp_forward(self, x, nodes):
        xu = x if nodes is None else x[nodes]
        hid = np.tanh(xu @ self.params["hidden_W"] + self.params["hidden_b"])
        return hid, dict(xu=xu)

    def _gat_forward(self, x, nodes, obs):
        if obs.indptr is None or obs.indices is None:
            raise ValueError("a GAT ranking module needs the graph (indptr, indices)")
        indptr = np.asarray(obs.indptr)
        indices = np.asarray(obs.indices)
        if nodes is None:
            nodes = np.arange(x.shape[0])
        # Each node attends over itself (slot 0 of its segment) and its neighbours.
        starts = indptr[nodes]
        length = indptr[nodes + 1] - starts + 1
        seg_start = np.cumsum(length) - length
        seg = np.repeat(np.arange(len(nodes)), length)
        offset = np.arange(seg.size) - seg_start[seg]
        src = nodes[seg].copy()
        is_nbr = offset > 0
        src[is_nbr] = indices[starts[seg[is_nbr]] + offset[is_nbr] - 1]
        p = self.params
        xu = x[nodes]
        xs = x[src]
        zd = xu @ p["hidden_W"]
        zs = xs @ p["hidden_W"]
        logit = (zd @ p["hidden_att_dst"])[seg] + zs @ p["hidden_att_src"]
        e = np.where(logit > 0, logit, GAT_SLOPE * logit)
        e = np.exp(e - np.maximum.reduceat(e, seg_start)[seg])
        alpha = e / np.add.reduceat(e, seg_start)[seg]
        m = np.add.reduceat(alpha[:, None] * zs, seg_start, axis=0)
        hid = np.tanh(m + p["hidden_b"])
        return hid, dict(xu=xu, xs=xs, zd=zd, zs=zs, logit=logit, alpha=alpha, seg=seg,
                         seg_start=seg_start)

    # -- backward ---------------------------------------------------------------
    def backward(self, cache, dscores: np.ndarray) -> dict:
        """Gradients of every parameter, given d(objective)/d(scores) (C,)."""
        p = self.params
        ds = np.asarray(dscores, dtype=np.float64)
        u = cache["u"]
        grads = {}
        grads["score_v"] = u.T @ ds
        da = (ds[:, None] * p["score_v"][None, :]) * (1.0 - u * u)
        da_sum = da.sum(axis=0)
        grads["score_Wc"] = cache["h_c"].T @ da
        grads["score_Wf"] = np.outer(cache["h_f"], da_sum)
        grads["score_Wg"] = np.outer(cache["h_g"], da_sum)
        grads["score_b"] = da_sum
        hid = cache["hid"]
        dh_g = p["score_Wg"] @ da_sum
        if cache["pool_rows"] is None:  # rows are node ids, shared by every use
            dhid = np.broadcast_to(dh_g / hid.shape[0], hid.shape).copy()
            np.add.at(dhid, cache["cand_rows"], da @ p["score_Wc"].T)
        else:  # rows: pool, focus, candidates, each used once
            dhid = np.empty_like(hid)
            dhid[cache["pool_rows"]] = cache["weights"][:, None] * dh_g[None, :]
            dhid[cache["cand_rows"]] = da @ p["score_Wc"].T
            dhid[cache["focus_row"]] = 0.0
        dhid[cache["focus_row"]] += p["score_Wf"] @ da_sum
        dpre = dhid * (1.0 - hid * hid)
        hc = cache["hidden_cache"]
        grads["hidden_b"] = dpre.sum(axis=0)
        if self.hidden == "mlp":
            grads["hidden_W"] = hc["xu"].T @ dpre
        else:
            seg, seg_start, alpha, zs = hc["seg"], hc["seg_start"], hc["alpha"], hc["zs"]
            dm = dpre[seg]
            dalpha = np.einsum("ij,ij->i", dm, zs)
            dzs = alpha[:, None] * dm
            de = alpha * (dalpha - np.add.reduceat(alpha * dalpha, seg_start)[seg])
            dlogit = np.where(hc["logit"] > 0, de, GAT_SLOPE * de)
            dlogit_node = np.add.reduceat(dlogit, seg_start)
            grads["hidden_att_src"] = zs.T @ dlogit
            grads["hidden_att_dst"] = hc["zd"].T @ dlogit_node
            dzs += dlogit[:, None] * p["hidden_att_src"][None, :]
            dzd = dlogit_node[:, None] * p["hidden_att_dst"][None, :]
            grads["hidden_W"] = hc["xs"].T @ dzs + hc["xu"].T @ dzd
        return {name: grads[name] for name in p}

    # -- choosing ---------------------------------------------------------------
    def probabilities(self, obs: Observation) -> np.ndarray:
        """pi over the candidates: 0 on invalid ones, sums to 1 unless none is valid."""
        scores, _ = self.forward(obs)
        return masked_softmax(scores, obs.invalid)

    def act(self, obs: Observation, rng: np.random.Generator, greedy: bool = False) -> int:
        """Position in ``obs.candidates`` of the proposed user, or -1 if none is valid.

        Sampled from pi (training), or the best score with ties broken at random
        (``greedy``, evaluation).
        """
        scores, _ = self.forward(obs)
        return choose(scores, obs.invalid, rng, greedy)


def _clean(scores: np.ndarray, invalid: np.ndarray) -> np.ndarray:
    """Scores of valid candidates with nan read as -inf; invalid ones are -inf."""
    s = np.where(np.asarray(invalid, dtype=bool), -np.inf, scores)
    s[np.isnan(s)] = -np.inf
    return s


def masked_softmax(scores: np.ndarray, invalid: np.ndarray) -> np.ndarray:
    """Softmax over valid candidates; invalid ones get exactly 0.

    Robust to non-finite scores: +inf scores share all the mass, and if no valid
    score is finite (or all are -inf or nan) the valid candidates share it equally.
    """
    valid = ~np.asarray(invalid, dtype=bool)
    p = np.zeros(len(scores))
    if not valid.any():
        return p
    s = _clean(np.asarray(scores, dtype=np.float64), invalid)
    top = s.max()
    if top == np.inf:
        p[s == np.inf] = 1.0
    elif top == -np.inf:
        p[valid] = 1.0
    else:
        e = np.exp(s - top)
        p[valid] = e[valid]
    return p / p.sum()


def log_softmax_valid(scores: np.ndarray, invalid: np.ndarray) -> np.ndarray:
    """log pi over the candidates (-inf on invalid ones), for finite scores."""
    valid = ~np.asarray(invalid, dtype=bool)
    s = np.where(valid, scores, -np.inf)
    top = s[valid].max()
    return s - (top + np.log(np.exp(s[valid] - top).sum()))


def choose(scores: np.ndarray, invalid: np.ndarray, rng: np.random.Generator,
           greedy: bool = False) -> int:
    """A valid position drawn from pi, or the best one (``greedy``); -1 if none is valid.

    Only valid positions are ever looked at, so no score (inf, nan) can select an
    invalid one. Non-finite scores are read as in :func:`masked_softmax`.
    """
    valid_positions = np.flatnonzero(~np.asarray(invalid, dtype=bool))
    if valid_positions.size == 0:
        return -1
    s = np.asarray(scores, dtype=np.float64)[valid_positions]
    s = np.where(np.isnan(s), -np.inf, s)
    top = s.max()
    if not np.isfinite(top):  # all mass on +inf scores, or uniform if none is finite
        pick = valid_positions[s == top] if top == np.inf else valid_positions
    elif greedy:
        pick = valid_positions[s >= top - TIE_TOLERANCE * max(1.0, abs(top))]
    else:
        cumulative = np.cumsum(np.exp(s - top))
        position = np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right")
        return int(valid_positions[min(position, s.size - 1)])
    return int(pick[rng.integers(pick.size)] if pick.size > 1 else pick[0])


# -- policy files -----------------------------------------------------------------
class PolicyFileError(ValueError):
    """A policy file that cannot be used. ``str(err)`` is one line naming the file."""

    def __init__(self, path, problem: str):
        super().__init__(f"policy file {os.fspath(path)}: {' '.join(problem.split())}")
        self.path = os.fspath(path)


def _param_key(name: str) -> str:
    return f"param_{name}"


def save_policy(path, policy: RankingPolicy, metadata: dict | None = None) -> Path:
    """Write ``policy`` to ``path`` (exactly that name), atomically.

    The file is an ``.npz`` archive of plain arrays: ``format_version`` (an integer),
    ``architecture`` and ``metadata`` (JSON text), and one ``param_<name>`` float64
    array per parameter. No Python objects, so :func:`load_policy` never unpickles.
    """
    path = Path(path)
    meta = dict(policy.metadata if metadata is None else metadata)
    arrays = {"format_version": np.array(FORMAT_VERSION, dtype=np.int64),
              "architecture": np.array(json.dumps(policy.architecture, sort_keys=True)),
              "metadata": np.array(json.dumps(meta, sort_keys=True))}
    for name, value in policy.params.items():
        arrays[_param_key(name)] = np.asarray(value, dtype=np.float64)
    atomic_savez(path, arrays)
    return path


def atomic_savez(path: Path, arrays: dict) -> None:
    """``np.savez`` into a temporary file beside ``path``, then renamed over it: a reader
    (or a kill) never sees half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _array(path, data, key: str) -> np.ndarray:
    """``data[key]``; an array of Python objects is refused, never unpickled."""
    try:
        return data[key]
    except ValueError:
        raise PolicyFileError(path, f"array {key!r} holds Python objects; refused "
                                    "(a policy file holds plain numbers and text)") from None


def _json_field(path, data, key: str):
    value = _array(path, data, key)
    if value.shape != () or value.dtype.kind != "U":
        raise PolicyFileError(path, f"array {key!r} must hold one JSON text "
                                    f"(has dtype {value.dtype}, shape {value.shape})")
    try:
        return json.loads(str(value))
    except json.JSONDecodeError as err:
        raise PolicyFileError(path, f"array {key!r} is not valid JSON ({err.msg})") from None


def load_policy(path) -> RankingPolicy:
    """Read a policy written by :func:`save_policy`, checking everything.

    Raises :class:`PolicyFileError` (one line naming the file and the problem) for a
    missing file, a file that is not an ``.npz`` archive, an array holding Python
    objects (refused, never unpickled), another format version, a bad architecture,
    missing or unexpected arrays, and weights of the wrong shape, type or non-finite.
    """
    path = Path(path)
    if not path.exists():
        raise PolicyFileError(path, "no such file")
    if path.is_dir():
        raise PolicyFileError(path, "is a directory, not a policy file")
    try:
        data = np.load(path, allow_pickle=False)
    except zipfile.BadZipFile:
        raise PolicyFileError(path, "not a policy file: a damaged .npz archive") from None
    except (ValueError, OSError, EOFError):
        raise PolicyFileError(path, "not a policy file: not an .npz archive") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise PolicyFileError(path, "not a policy file: a single .npy array, not an .npz archive")
    try:
        with data:
            return _read_policy(path, data)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        if isinstance(err, PolicyFileError):
            raise
        raise PolicyFileError(path, f"unreadable array ({err})") from None


def _read_policy(path, data) -> RankingPolicy:
    names = set(data.files)
    for key in ("format_version", "architecture"):
        if key not in names:
            raise PolicyFileError(path, f"missing array {key!r}; not a policy file")
    version = _array(path, data, "format_version")
    if version.shape != () or version.dtype.kind not in "iu":
        raise PolicyFileError(path, "array 'format_version' must be one integer")
    if int(version) != FORMAT_VERSION:
        raise PolicyFileError(path, f"format version {int(version)}; this version of the "
                                    f"program reads version {FORMAT_VERSION}")
    try:
        architecture = check_architecture(_json_field(path, data, "architecture"))
    except PolicyFileError:
        raise
    except ValueError as err:
        raise PolicyFileError(path, str(err)) from None
    shapes = param_shapes(architecture)
    expected = {"format_version", "architecture", "metadata"} | {_param_key(n) for n in shapes}
    missing = sorted(expected - names)
    if missing:
        raise PolicyFileError(path, f"missing array(s) {', '.join(missing)} "
                                    f"(for the {architecture['hidden']} hidden module)")
    extra = sorted(names - expected)
    if extra:
        raise PolicyFileError(path, f"unexpected array(s) {', '.join(extra)} "
                                    f"(for the {architecture['hidden']} hidden module)")
    metadata = _json_field(path, data, "metadata")
    if not isinstance(metadata, dict):
        raise PolicyFileError(path, "array 'metadata' must hold a JSON object")
    policy = RankingPolicy(**architecture, seed=0)
    for name, shape in shapes.items():
        key = _param_key(name)
        value = _array(path, data, key)
        if value.dtype.kind != "f":
            raise PolicyFileError(path, f"array {key!r} has dtype {value.dtype}; expected floats")
        if value.shape != shape:
            raise PolicyFileError(path, f"array {key!r} has shape {value.shape}; expected {shape}")
        if not np.isfinite(value).all():
            raise PolicyFileError(path, f"array {key!r} holds non-finite values")
        policy.params[name] = value.astype(np.float64)
    policy.metadata = metadata
    return policy
