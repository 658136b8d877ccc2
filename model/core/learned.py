"""A learned recommender's choice, compiled: the MLP ranking module scored by class.

The ranking module of :mod:`model.learning.ranking` with an MLP hidden module sees
each user only through its features (strategy, degree / current maximum degree), so
every user of one *class* (strategy s, degree d) gets the same hidden features and
the same score. The exact softmax over every valid user is therefore a softmax over
the classes, each weighted by its number of valid users, followed by a uniform draw
of a valid user within the chosen class; the greedy choice (evaluation) is a uniform
draw within the best class. Nothing is approximated and no user is scored twice.

A decision reads the degree index (:mod:`model.core.indexes`): the number of users
of each class is a difference of two entries of ``dstart``. It costs
O(D * R + deg u + C * S), D the largest degree, R the recommenders, C the classes
with a valid candidate and S the score size: about 60 degrees and 80 classes at
N = 1000, k = 30. Hidden features and their products with the score module's
candidate weights are cached per class and recomputed when the largest degree
changes (the degree feature is relative to it).

Two exact shortcuts keep a decision at 1.5 to 4 us at that size
(benchmarks/bench_learned.py): a class's score takes one division per score unit
instead of a tanh (the addition formula, :func:`_score`), and a greedy decision, which
scans the previous decision's winner first, skips unscored every class whose
Lipschitz bound falls short of the running best (tanh is 1-Lipschitz), where scoring
it would have changed nothing: the same seed gives the same run as scoring every
class (``SKIP`` = 0).

Layout of recommender r's slice ``lw[lw_at[r]:lw_at[r + 1]]`` of the state
(:class:`model.core.state.EngineState`), written by :func:`pack` from the NumPy
module's parameters: a header (:data:`HEADER` slots, below), the parameters in the
order of :func:`model.learning.ranking.param_shapes` (matrices row-major), then a
workspace (the class cache and scratch vectors) and a decision log, which training
reads (:func:`read_log`). Only this module and :func:`pack` know the layout.
"""

from __future__ import annotations

import math

import numpy as np

from model.core.groups import candidate_groups, group
from model.core.jit import compiled
from model.core.rng import uniform
from model.core.selectors import Who

_COOP = int(Who.COOPERATORS)
_DEFECT = int(Who.DEFECTORS)

# -- header slots -------------------------------------------------------------------
H_SIZE = 0  #: hidden size H
S_SIZE = 1  #: score size S
N_FEAT = 2  #: number of features F
COL_STRAT = 3  #: column of the strategy feature, or -1
COL_DEG = 4  #: column of the degree feature, or -1
GREEDY = 5  #: 1: the best class (evaluation); 0: sampled from pi (training)
LOG_EVERY = 6  #: log every this many decisions (0: none)
LOG_CAP = 7  #: floats available to the log
LOG_POS = 8  #: floats of the log in use
DECISIONS = 9  #: decisions taken so far
LOG_DROPPED = 10  #: decisions that should have been logged but found no room
CACHE_MAX = 11  #: the largest degree the class cache was computed for (-1: none)
D_CAP = 12  #: the cache holds degrees 0..D_CAP; above, a class is computed when needed
OFFSET = 13  #: log decisions whose count is congruent to this modulo LOG_EVERY
N_USERS = 14  #: the number of users the workspace was sized for
SKIP = 15  #: 1: a greedy decision skips classes that cannot lead (the default); 0: scores all
KIND = 16  #: the hidden module: 0 an MLP (this module), 1 a GAT (model.core.learned_gat)
SKIPPED = 17  #: classes a greedy decision skipped, unscored, so far (see learned_class)
LAST_BEST = 18  #: class 2 d + s of the previous greedy choice (-1: none): scanned first
HEADER = 20

#: The parameters in a slice, in order (as :func:`model.learning.ranking.param_shapes`).
PARAM_NAMES = ("hidden_W", "hidden_b", "score_Wg", "score_Wf", "score_Wc", "score_b",
               "score_v")
TIE_TOLERANCE = 1e-12  #: as model.learning.ranking.TIE_TOLERANCE
#: A score unit uses the addition formula for tanh when |tanh(pre)| is at most this:
#: the denominator 1 + tanh(pre) tanh(c) is then at least 0.01, so the unit's value is
#: within about 10^-14 of tanh(pre + c), far inside :data:`TIE_TOLERANCE`.
ADDITION_SAFE = 0.99
#: Largest degree kept in the class cache (memory: 2 (D_CAP + 1) (H + 2 S + 1) floats).
MAX_CACHED_DEGREE = 4095


def layout(h: int, s: int, f: int, n: int, log_floats: int = 0) -> dict:
    """Offsets (from the start of the slice) of every part, and the slice's size."""
    names = ("d_cap", "hidden_W", "hidden_b", "score_Wg", "score_Wf", "score_Wc", "score_b",
             "score_v", "hg", "hf", "pre", "tmp_h", "tmp_c", "excluded", "stamp", "hid",
             "cw", "log")
    at = dict(zip(names, (int(v) for v in _offsets(h, s, f, n))))
    at["size"] = at["log"] + log_floats
    return at


def pack(params: dict, architecture: dict, n: int, greedy: bool, log_every: int = 0,
         log_floats: int = 0, offset: int = 0) -> np.ndarray:
    """One recommender's slice: header, parameters (float64) and an empty workspace."""
    h, s = architecture["hidden_size"], architecture["score_size"]
    at = layout(h, s, len(architecture["features"]), n, log_floats)
    out = new_slice(at["size"], architecture, n, greedy, log_every, log_floats, offset)
    out[CACHE_MAX] = -1
    out[D_CAP] = at["d_cap"]
    out[SKIP] = 1
    write_params(out, params)
    return out


def new_slice(size: int, architecture: dict, n: int, greedy: bool, log_every: int,
              log_floats: int, offset: int, kind: int = 0) -> np.ndarray:
    """A zeroed slice of ``size`` floats with the header every learned module shares
    (sizes, feature columns, mode, log settings, users, ``kind``)."""
    features = list(architecture["features"])
    out = np.zeros(size)
    out[H_SIZE] = architecture["hidden_size"]
    out[S_SIZE] = architecture["score_size"]
    out[N_FEAT] = len(features)
    out[COL_STRAT] = features.index("strategy") if "strategy" in features else -1
    out[COL_DEG] = features.index("degree_over_max") if "degree_over_max" in features else -1
    out[GREEDY] = 1.0 if greedy else 0.0
    out[LOG_EVERY] = log_every
    out[LOG_CAP] = log_floats
    out[OFFSET] = offset
    out[N_USERS] = n
    out[KIND] = kind
    return out


def write_params(slice_: np.ndarray, params: dict) -> None:
    """Put new parameters into a packed slice, in place (an online learner's step,
    :mod:`model.learning.online`), and forget the class cache computed from the old."""
    h, s, f = int(slice_[H_SIZE]), int(slice_[S_SIZE]), int(slice_[N_FEAT])
    at = layout(h, s, f, int(slice_[N_USERS]))
    for name in PARAM_NAMES:
        value = np.asarray(params[name], dtype=np.float64).ravel()
        slice_[at[name]:at[name] + value.size] = value
    slice_[CACHE_MAX] = -1
    slice_[LAST_BEST] = -1


def read_log(slice_: np.ndarray) -> list[tuple]:
    """The logged decisions of one slice, oldest first, and empty the log.

    Each is ``(focus_strategy, focus_degree, chosen_strategy, chosen_degree, max_degree,
    counts, valid)``: ``counts[s, d]`` users of every recommender with strategy s and
    degree d (s = 1 cooperate), ``valid[s, d]`` the valid candidates among them, for
    d = 0 .. max_degree.
    """
    h, s, f = int(slice_[H_SIZE]), int(slice_[S_SIZE]), int(slice_[N_FEAT])
    at = layout(h, s, f, int(slice_[N_USERS]))
    used = int(slice_[LOG_POS])
    log = slice_[at["log"]:at["log"] + used]
    out, p = [], 0
    while p < used:
        fs, fd, cs, cd, dmax = (int(v) for v in log[p:p + 5])
        block = log[p + 5:p + 5 + 4 * (dmax + 1)].reshape(dmax + 1, 4)
        counts = np.stack([block[:, 1], block[:, 0]])  # rows: defect, cooperate
        valid = np.stack([block[:, 3], block[:, 2]])
        out.append((fs, fd, cs, cd, dmax, counts, valid))
        p += 5 + 4 * (dmax + 1)
    slice_[LOG_POS] = 0
    return out


# -- compiled ---------------------------------------------------------------------
@compiled
def _class_row(w, base, h, s, f, col_s, col_d, strat, feat_deg, out_h, out_c, at_hid_W,
               at_hid_b, at_wc):
    """Hidden features of a class (out_h, H), their product with W_c (out_c[:S]) and
    its tanh (out_c[S:2S], for :func:`_score`)."""
    for j in range(h):
        a = w[at_hid_b + j]
        if col_s >= 0:
            a += strat * w[at_hid_W + col_s * h + j]
        if col_d >= 0:
            a += feat_deg * w[at_hid_W + col_d * h + j]
        out_h[j] = math.tanh(a)
    for k in range(s):
        out_c[k] = 0.0
    for j in range(h):
        hj = out_h[j]
        row = at_wc + j * s
        for k in range(s):
            out_c[k] += hj * w[row + k]
    for k in range(s):
        out_c[s + k] = math.tanh(out_c[k])


@compiled
def _offsets(h, s, f, n):
    """The workspace offsets of :func:`layout`, for the kernel."""
    d_cap = min(max(n - 1, 0), MAX_CACHED_DEGREE)
    at_W = HEADER
    at_b = at_W + f * h
    at_wg = at_b + h
    at_wf = at_wg + h * s
    at_wc = at_wf + h * s
    at_sb = at_wc + h * s
    at_v = at_sb + s
    at_hg = at_v + s
    at_hf = at_hg + h
    at_pre = at_hf + h
    at_th = at_pre + 3 * s
    at_tc = at_th + h
    at_ex = at_tc + 2 * s
    at_stamp = at_ex + 2 * max(n, 1)
    at_hid = at_stamp + 2 * (d_cap + 1)
    at_cw = at_hid + 2 * (d_cap + 1) * h
    at_log = at_cw + 4 * (d_cap + 1) * s
    return (d_cap, at_W, at_b, at_wg, at_wf, at_wc, at_sb, at_v, at_hg, at_hf, at_pre,
            at_th, at_tc, at_ex, at_stamp, at_hid, at_cw, at_log)


@compiled(inline=True)
def _users_at(st, d, strat, n_rec, G):
    """How many users (of every recommender) play ``strat`` and have degree ``d``."""
    cnt = 0
    for q in range(n_rec):
        lo, hi = candidate_groups(q, _COOP if strat == 1 else _DEFECT)
        cnt += st.dstart[d * G + hi] - st.dstart[d * G + lo]
    return cnt


@compiled(inline=True)
def learned_class(st, u, r, g_lo, g_hi):
    """Recommender r's learned choice for user u among groups g_lo..g_hi - 1: the
    chosen class as (degree, first group, end group) of its range in the degree
    index, in which the caller draws a uniform valid user; degree -1 if no user of
    those groups is a valid candidate.
    """
    w = st.lw
    base = st.lw_at[r]
    h = int(w[base + H_SIZE])
    s = int(w[base + S_SIZE])
    f = int(w[base + N_FEAT])
    col_s = int(w[base + COL_STRAT])
    col_d = int(w[base + COL_DEG])
    n = len(st.deg)
    G = len(st.gstart) - 1
    n_rec = len(st.requests_by)
    dmax = int(st.deg[st.dorder[n - 1]])
    coop_lo, coop_hi = candidate_groups(r, _COOP)
    defect_lo, defect_hi = candidate_groups(r, _DEFECT)
    (d_cap, at_W, at_b, at_wg, at_wf, at_wc, at_sb, at_v, at_hg, at_hf, at_pre, at_th,
     at_tc, at_ex, at_stamp, at_hid, at_cw, at_log) = _offsets(h, s, f, n)
    ws = w[base:]
    inv_max = 1.0 / dmax if dmax > 0 else 0.0
    if ws[CACHE_MAX] != dmax:  # the degree feature changed scale: forget the cache
        ws[CACHE_MAX] = dmax
        for c in range(2 * (d_cap + 1)):
            ws[at_stamp + c] = 0.0
    th = ws[at_th:at_th + h]
    tc = ws[at_tc:at_tc + 2 * s]
    # h_g: mean hidden features over every user, class by class
    hg = ws[at_hg:at_hg + h]
    for j in range(h):
        hg[j] = 0.0
    for d in range(dmax + 1):
        if st.dstart[(d + 1) * G] == st.dstart[d * G]:
            continue  # nobody has degree d
        for strat in range(2):
            cnt = _users_at(st, d, strat, n_rec, G)
            if cnt == 0:
                continue
            hv = _hidden_at(ws, d, strat, d_cap, h, s, f, col_s, col_d, inv_max, at_W, at_b,
                            at_wc, at_stamp, at_hid, at_cw, th, tc)
            for j in range(h):
                hg[j] += cnt * ws[hv + j] if hv >= 0 else cnt * th[j]
    for j in range(h):
        hg[j] /= n
    # h_f, then pre = W_g' h_g + W_f' h_f + b, shared by every candidate
    fs = int(st.strat[u])
    fd = int(st.deg[u])
    hv = _class_hidden(ws, fd, fs, d_cap, h, s, f, col_s, col_d, inv_max, at_W, at_b, at_wc,
                       at_stamp, at_hid, at_cw, th, tc)
    hf = ws[at_hf:at_hf + h]
    for j in range(h):
        hf[j] = ws[hv + j] if hv >= 0 else th[j]
    pre = ws[at_pre:at_pre + 3 * s]
    for k in range(s):
        pre[k] = ws[at_sb + k]
    for j in range(h):
        a = hg[j]
        b = hf[j]
        for k in range(s):
            pre[k] += a * ws[at_wg + j * s + k] + b * ws[at_wf + j * s + k]
    for k in range(s):  # tanh(pre), and whether the addition formula is accurate for it
        t = math.tanh(pre[k])
        pre[s + k] = t
        pre[2 * s + k] = 1.0 if abs(t) <= ADDITION_SAFE else 0.0
    # the classes u may not be sent to: u itself and its neighbours, among the candidates
    ex = ws[at_ex:at_ex + 2 * n]
    if g_lo <= group(st, u) < g_hi:
        ex[2 * fd + fs] += 1.0
    nb = st.off[u]
    for t in range(st.deg[u]):
        z = st.nbr[nb + t]
        if g_lo <= group(st, z) < g_hi:
            ex[2 * st.deg[z] + st.strat[z]] += 1.0
    # score every class with a valid candidate; choose in one pass
    greedy = ws[GREEDY] != 0.0
    best_d = -1
    best_s = -1
    top = -np.inf
    total = 0.0
    decision = int(ws[DECISIONS])
    log_every = int(ws[LOG_EVERY])
    logging = log_every > 0 and decision % log_every == int(ws[OFFSET])
    rec_len = 5 + 4 * (dmax + 1)
    lp = int(ws[LOG_POS])
    if logging and lp + rec_len > int(ws[LOG_CAP]):
        logging = False
        ws[LOG_DROPPED] += 1
    # greedy: the scan starts with the class that won the previous decision (if it
    # still has a valid candidate), so the running best is high from the start; then
    # a class whose score bound (below) falls short of the running best by more than
    # the tie tolerance can neither lead nor tie: scanning it would do nothing (no
    # draw either), so it is skipped unscored. SKIP = 0 scans the same classes in the
    # same order and scores them all.
    skip = greedy and ws[SKIP] != 0.0
    anchor = -1
    anchor_score = 0.0
    first = -1
    last = int(ws[LAST_BEST])
    if greedy and last >= 0 and last // 2 <= min(dmax, d_cap):
        ld, ls = last // 2, last % 2
        lv = _valid_in(st, ld, ls, ex, G, coop_lo, coop_hi, defect_lo, defect_hi, g_lo, g_hi)
        if lv > 0:
            _hidden_at(ws, ld, ls, d_cap, h, s, f, col_s, col_d, inv_max, at_W, at_b, at_wc,
                       at_stamp, at_hid, at_cw, th, tc)
            top = _score(ws, pre, at_cw + 2 * last * s, at_v, s)
            total = lv
            best_d, best_s = ld, ls
            anchor, anchor_score, first = last, top, last
    for d in range(dmax + 1):
        if not logging and st.dstart[(d + 1) * G] == st.dstart[d * G]:
            continue  # nobody has degree d (a log records every degree, empty or not)
        for strat in range(2):
            valid = _valid_in(st, d, strat, ex, G, coop_lo, coop_hi, defect_lo, defect_hi,
                              g_lo, g_hi)
            if logging:
                cnt = _users_at(st, d, strat, n_rec, G)
                slot = at_log + lp + 5 + 4 * d + (1 - strat)
                ws[slot] = cnt
                ws[slot + 2] = valid
            if valid <= 0 or 2 * d + strat == first:
                continue
            hv = _hidden_at(ws, d, strat, d_cap, h, s, f, col_s, col_d, inv_max, at_W, at_b,
                            at_wc, at_stamp, at_hid, at_cw, th, tc)
            cw0 = at_cw + 2 * (2 * d + strat) * s
            if skip and hv >= 0 and anchor >= 0:
                # tanh is 1-Lipschitz: score(c) <= score(anchor) + sum_k |v_k| |cw_c - cw_a|,
                # the anchor being the last class scored (so a running best exists)
                bound = anchor_score
                a0 = at_cw + 2 * anchor * s
                for k in range(s):
                    bound += abs(ws[at_v + k]) * abs(ws[cw0 + k] - ws[a0 + k])
                if bound < top - TIE_TOLERANCE * max(1.0, abs(top)):
                    ws[SKIPPED] += 1.0
                    continue
            if hv >= 0:
                score = _score(ws, pre, cw0, at_v, s)
                anchor, anchor_score = 2 * d + strat, score
            else:
                score = 0.0
                for k in range(s):
                    score += ws[at_v + k] * math.tanh(pre[k] + tc[k])
            if greedy:
                if best_d < 0 or score > top + TIE_TOLERANCE * max(1.0, abs(top)):
                    top = score
                    total = valid
                    best_d, best_s = d, strat
                elif score >= top - TIE_TOLERANCE * max(1.0, abs(top)):
                    total += valid
                    if uniform(st.rng) * total < valid:
                        best_d, best_s = d, strat
            else:
                if score > top:
                    total *= math.exp(top - score) if total > 0.0 else 0.0
                    top = score
                wgt = valid * math.exp(score - top)
                total += wgt
                if uniform(st.rng) * total < wgt:
                    best_d, best_s = d, strat
    # clear the exclusion tallies
    ex[2 * fd + fs] = 0.0
    for t in range(st.deg[u]):
        z = st.nbr[nb + t]
        ex[2 * st.deg[z] + st.strat[z]] = 0.0
    ws[DECISIONS] = decision + 1
    if greedy:
        ws[LAST_BEST] = 2 * best_d + best_s if 0 <= best_d <= d_cap else -1
    if logging:
        ws[at_log + lp] = fs
        ws[at_log + lp + 1] = fd
        ws[at_log + lp + 2] = best_s
        ws[at_log + lp + 3] = best_d
        ws[at_log + lp + 4] = dmax
        ws[LOG_POS] = lp + rec_len
    if best_d < 0:
        return -1, 0, 0
    if best_s == 1:
        return best_d, max(coop_lo, g_lo), min(coop_hi, g_hi)
    return best_d, max(defect_lo, g_lo), min(defect_hi, g_hi)


@compiled(inline=True)
def _valid_in(st, d, strat, ex, G, coop_lo, coop_hi, defect_lo, defect_hi, g_lo, g_hi):
    """Valid candidates of class (strat, d) among groups g_lo..g_hi - 1: its users there
    (two entries of the degree index) minus the excluded ones tallied in ``ex``."""
    if strat == 1:
        glo, ghi = max(coop_lo, g_lo), min(coop_hi, g_hi)
    else:
        glo, ghi = max(defect_lo, g_lo), min(defect_hi, g_hi)
    cand = 0
    if glo < ghi:
        cand = st.dstart[d * G + ghi] - st.dstart[d * G + glo]
    return cand - ex[2 * d + strat]


@compiled(inline=True)
def _score(ws, pre, cw0, at_v, s):
    """A cached class's score, v . tanh(pre + c) with c = W_c' h_class, by the addition
    formula tanh(a + b) = (tanh a + tanh b) / (1 + tanh a tanh b) from tanh(pre), taken
    once per decision, and tanh(c), cached per class: a division instead of a tanh per
    unit and class. Where |tanh(pre_k)| > :data:`ADDITION_SAFE` the denominator could
    cancel, and that unit takes tanh directly."""
    score = 0.0
    for k in range(s):
        if pre[2 * s + k] != 0.0:
            a = pre[s + k]
            b = ws[cw0 + s + k]
            score += ws[at_v + k] * ((a + b) / (1.0 + a * b))
        else:
            score += ws[at_v + k] * math.tanh(pre[k] + ws[cw0 + k])
    return score


@compiled(inline=True)
def _hidden_at(ws, d, strat, d_cap, h, s, f, col_s, col_d, inv_max, at_W, at_b, at_wc,
               at_stamp, at_hid, at_cw, th, tc):
    """:func:`_class_hidden`, with the cache looked up in place: the call, which
    passes a dozen arrays, is made only for a class not cached yet."""
    c = 2 * d + strat
    if d <= d_cap and ws[at_stamp + c] != 0.0:
        return at_hid + c * h
    return _class_hidden(ws, d, strat, d_cap, h, s, f, col_s, col_d, inv_max, at_W, at_b,
                         at_wc, at_stamp, at_hid, at_cw, th, tc)


@compiled
def _class_hidden(ws, d, strat, d_cap, h, s, f, col_s, col_d, inv_max, at_W, at_b, at_wc,
                  at_stamp, at_hid, at_cw, th, tc):
    """Where class (strat, d)'s hidden features are in ``ws`` (its products with W_c at
    the same class's place in the ``cw`` table), computing them if the cache lacks
    them; -1 for a degree above the cache, whose values are then in th and tc."""
    if d > d_cap:
        _class_row(ws, 0, h, s, f, col_s, col_d, float(strat), d * inv_max, th, tc,
                   at_W, at_b, at_wc)
        return -1
    c = 2 * d + strat
    hv = at_hid + c * h
    if ws[at_stamp + c] == 0.0:
        _class_row(ws, 0, h, s, f, col_s, col_d, float(strat), d * inv_max,
                   ws[hv:hv + h], ws[at_cw + 2 * c * s:at_cw + 2 * (c + 1) * s], at_W, at_b,
                   at_wc)
        ws[at_stamp + c] = 1.0
    return hv
