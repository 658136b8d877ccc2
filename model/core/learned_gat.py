"""A learned recommender with a graph-attention (GAT) hidden module, compiled.

The MLP ranking module sees a user only through its class (strategy, degree), which
:mod:`model.core.learned` exploits. A GAT sees neighbourhoods, so every user has its
own hidden features: a decision computes them all, exactly as the NumPy module does
(:meth:`model.learning.ranking.RankingPolicy._gat_forward`: one head over the user
and its neighbours, LeakyReLU 0.2 logits, tanh output), then scores every valid
candidate and picks the best (greedy, ties at random) or draws from the softmax.
It costs O(N H (F + k) + C S) per decision, C the valid candidates: microseconds at
N = 10 to 100, about a millisecond at N = 1000, k = 30. This is the paper's
GAT (its Fig. 8); it is slower than the MLP and meant for small graphs.

The slice of ``lw`` shares the MLP's header (:mod:`model.core.learned`, ``KIND`` = 1)
and has its own parameters and workspace (:func:`layout`). A decision can be logged
for training as ``focus, chosen, 2E, strategy[N], degree[N], valid[N],
neighbours[2E]`` (the graph as CSR, in the kernel's neighbour order), which
:func:`read_log` turns back into the NumPy module's observation.
"""

from __future__ import annotations

import math

import numpy as np

from model.core.groups import group
from model.core.jit import compiled
from model.core.learned import (COL_DEG, COL_STRAT, DECISIONS, GREEDY, H_SIZE, HEADER,
                                LOG_CAP, LOG_DROPPED, LOG_EVERY, LOG_POS, N_FEAT, N_USERS,
                                OFFSET, S_SIZE, TIE_TOLERANCE, new_slice)
from model.core.rng import uniform

GAT = 1  #: the header's KIND for this module
SLOPE = 0.2  #: as model.learning.ranking.GAT_SLOPE
#: The parameters in a GAT slice, in order (as model.learning.ranking.param_shapes).
PARAM_NAMES = ("hidden_W", "hidden_att_src", "hidden_att_dst", "hidden_b", "score_Wg",
               "score_Wf", "score_Wc", "score_b", "score_v")


def layout(h: int, s: int, f: int, n: int, log_floats: int = 0) -> dict:
    """Offsets (from the start of the slice) of every part, and the slice's size."""
    names = ("hidden_W", "hidden_att_src", "hidden_att_dst", "hidden_b", "score_Wg",
             "score_Wf", "score_Wc", "score_b", "score_v", "z", "hid", "asrc", "adst",
             "hg", "pre", "mark", "log")
    at = dict(zip(names, (int(v) for v in _offsets(h, s, f, n))))
    at["size"] = at["log"] + log_floats
    return at


def record_floats(n: int, ties: int) -> int:
    """Floats of one logged decision on a graph of ``n`` users and ``ties`` ties."""
    return 3 + 3 * n + 2 * ties


def pack(params: dict, architecture: dict, n: int, greedy: bool, log_every: int = 0,
         log_floats: int = 0, offset: int = 0) -> np.ndarray:
    """One recommender's slice for a GAT module: header, parameters, workspace, log."""
    h, s = architecture["hidden_size"], architecture["score_size"]
    at = layout(h, s, len(architecture["features"]), n, log_floats)
    out = new_slice(at["size"], architecture, n, greedy, log_every, log_floats, offset,
                    kind=GAT)
    write_params(out, params)
    return out


def write_params(slice_: np.ndarray, params: dict) -> None:
    """Put new parameters into a packed GAT slice, in place."""
    h, s, f = int(slice_[H_SIZE]), int(slice_[S_SIZE]), int(slice_[N_FEAT])
    at = layout(h, s, f, int(slice_[N_USERS]))
    for name in PARAM_NAMES:
        value = np.asarray(params[name], dtype=np.float64).ravel()
        slice_[at[name]:at[name] + value.size] = value


def read_log(slice_: np.ndarray) -> list[tuple]:
    """The logged decisions, oldest first, and empty the log: each ``(focus, chosen,
    strategy, degree, valid, indptr, indices)`` (arrays over the n users)."""
    h, s, f, n = (int(slice_[i]) for i in (H_SIZE, S_SIZE, N_FEAT, N_USERS))
    at = layout(h, s, f, n)
    used = int(slice_[LOG_POS])
    log = slice_[at["log"]:at["log"] + used]
    out, p = [], 0
    while p < used:
        focus, chosen, two_e = int(log[p]), int(log[p + 1]), int(log[p + 2])
        strat = log[p + 3:p + 3 + n].astype(np.int8)
        deg = log[p + 3 + n:p + 3 + 2 * n].astype(np.int64)
        valid = log[p + 3 + 2 * n:p + 3 + 3 * n] > 0
        indices = log[p + 3 + 3 * n:p + 3 + 3 * n + two_e].astype(np.int64)
        indptr = np.concatenate([[0], np.cumsum(deg)]).astype(np.int64)
        out.append((focus, chosen, strat, deg, valid, indptr, indices))
        p += 3 + 3 * n + two_e
    slice_[LOG_POS] = 0
    return out


@compiled
def _offsets(h, s, f, n):
    at_W = HEADER
    at_src = at_W + f * h
    at_dst = at_src + h
    at_b = at_dst + h
    at_wg = at_b + h
    at_wf = at_wg + h * s
    at_wc = at_wf + h * s
    at_sb = at_wc + h * s
    at_v = at_sb + s
    at_z = at_v + s
    at_hid = at_z + n * h
    at_asrc = at_hid + n * h
    at_adst = at_asrc + n
    at_hg = at_adst + n
    at_pre = at_hg + h
    at_mark = at_pre + s
    at_log = at_mark + n
    return (at_W, at_src, at_dst, at_b, at_wg, at_wf, at_wc, at_sb, at_v, at_z, at_hid,
            at_asrc, at_adst, at_hg, at_pre, at_mark, at_log)


@compiled
def gat_user(st, u, r, g_lo, g_hi):
    """Recommender r's GAT choice for user u among the users of groups g_lo..g_hi - 1
    (never u nor a neighbour of u); -1 if none is valid."""
    w = st.lw[st.lw_at[r]:]
    h = int(w[H_SIZE])
    s = int(w[S_SIZE])
    f = int(w[N_FEAT])
    col_s = int(w[COL_STRAT])
    col_d = int(w[COL_DEG])
    n = len(st.deg)
    (at_W, at_src, at_dst, at_b, at_wg, at_wf, at_wc, at_sb, at_v, at_z, at_hid, at_asrc,
     at_adst, at_hg, at_pre, at_mark, at_log) = _offsets(h, s, f, n)
    dmax = st.deg[st.dorder[n - 1]]
    inv_max = 1.0 / dmax if dmax > 0 else 0.0
    # z_i = x_i W and its two attention projections, for every user
    for i in range(n):
        xs = float(st.strat[i])
        xd = st.deg[i] * inv_max
        a_s = 0.0
        a_d = 0.0
        for j in range(h):
            zj = 0.0
            if col_s >= 0:
                zj += xs * w[at_W + col_s * h + j]
            if col_d >= 0:
                zj += xd * w[at_W + col_d * h + j]
            w[at_z + i * h + j] = zj
            a_s += zj * w[at_src + j]
            a_d += zj * w[at_dst + j]
        w[at_asrc + i] = a_s
        w[at_adst + i] = a_d
    # h_i = tanh(sum over {i} + N(i) of alpha_ij z_j + b), softmax of LeakyReLU logits
    for j in range(h):
        w[at_hg + j] = 0.0
    for i in range(n):
        ad = w[at_adst + i]
        e = ad + w[at_asrc + i]
        top = e if e > 0 else SLOPE * e
        base = st.off[i]
        for t in range(st.deg[i]):
            e = ad + w[at_asrc + st.nbr[base + t]]
            e = e if e > 0 else SLOPE * e
            if e > top:
                top = e
        hi = at_hid + i * h
        e = ad + w[at_asrc + i]
        wt = math.exp((e if e > 0 else SLOPE * e) - top)
        total = wt
        for j in range(h):
            w[hi + j] = wt * w[at_z + i * h + j]
        for t in range(st.deg[i]):
            q = st.nbr[base + t]
            e = ad + w[at_asrc + q]
            wt = math.exp((e if e > 0 else SLOPE * e) - top)
            total += wt
            for j in range(h):
                w[hi + j] += wt * w[at_z + q * h + j]
        for j in range(h):
            v = math.tanh(w[hi + j] / total + w[at_b + j])
            w[hi + j] = v
            w[at_hg + j] += v
    for j in range(h):
        w[at_hg + j] /= n
    # pre = W_g' h_g + W_f' h_u + b, shared by every candidate
    hu = at_hid + u * h
    for k in range(s):
        w[at_pre + k] = w[at_sb + k]
    for j in range(h):
        a = w[at_hg + j]
        b = w[hu + j]
        for k in range(s):
            w[at_pre + k] += a * w[at_wg + j * s + k] + b * w[at_wf + j * s + k]
    # u and its neighbours are not candidates
    w[at_mark + u] = 1.0
    base = st.off[u]
    for t in range(st.deg[u]):
        w[at_mark + st.nbr[base + t]] = 1.0
    greedy = w[GREEDY] != 0.0
    best = -1
    top = -np.inf
    total = 0.0
    for p in range(st.gstart[g_lo], st.gstart[g_hi]):
        z = st.gorder[p]
        if w[at_mark + z] != 0.0:
            continue
        hz = at_hid + z * h
        score = 0.0
        for k in range(s):
            c = w[at_pre + k]
            for j in range(h):
                c += w[hz + j] * w[at_wc + j * s + k]
            score += w[at_v + k] * math.tanh(c)
        if score != score:  # nan reads as -inf, as in the NumPy module
            score = -np.inf
        if greedy:
            # within the tolerance of a finite best is a tie; infinite bests tie exactly
            tol = TIE_TOLERANCE * max(1.0, abs(top)) if abs(top) < np.inf else 0.0
            if best < 0 or score > top + tol:
                top = score
                total = 1.0
                best = z
            elif score >= top - tol:
                total += 1.0
                if uniform(st.rng) * total < 1.0:
                    best = z
        else:
            if best < 0:
                top = score
                total = 1.0
                best = z
                continue
            if score > top:
                total *= math.exp(top - score) if top > -np.inf else 0.0
                top = score
            wgt = math.exp(score - top) if top > -np.inf else 1.0
            total += wgt
            if uniform(st.rng) * total < wgt:
                best = z
    # log for training: the graph and who was valid, then clear the marks
    decision = int(w[DECISIONS])
    log_every = int(w[LOG_EVERY])
    if log_every > 0 and decision % log_every == int(w[OFFSET]):
        two_e = 0
        for i in range(n):
            two_e += st.deg[i]
        lp = int(w[LOG_POS])
        if lp + 3 + 3 * n + two_e > int(w[LOG_CAP]):
            w[LOG_DROPPED] += 1
        else:
            rec = at_log + lp
            w[rec] = u
            w[rec + 1] = best
            w[rec + 2] = two_e
            for i in range(n):
                w[rec + 3 + i] = st.strat[i]
                w[rec + 3 + n + i] = st.deg[i]
                ok = w[at_mark + i] == 0.0 and g_lo <= group(st, i) < g_hi
                w[rec + 3 + 2 * n + i] = 1.0 if ok else 0.0
            q = rec + 3 + 3 * n
            for i in range(n):
                for t in range(st.deg[i]):
                    w[q] = st.nbr[st.off[i] + t]
                    q += 1
            w[LOG_POS] = lp + 3 + 3 * n + two_e
    w[DECISIONS] = decision + 1
    w[at_mark + u] = 0.0
    for t in range(st.deg[u]):
        w[at_mark + st.nbr[base + t]] = 0.0
    return best
