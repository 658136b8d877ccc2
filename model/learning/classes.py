"""The MLP ranking module over classes of users: what the kernel decided, and its gradient.

An MLP ranking module sees a user only through its class (strategy, degree), so the
compiled kernel (:mod:`model.core.learned`) chooses a class, weighting each by its
number of valid users, then a user within it. It logs each decision as class counts
(:func:`model.core.learned.read_log`); this module turns a logged decision back into
what the NumPy module would see (:func:`decision_observation`: one feature row per
class, the summary pool weighted by class sizes) and computes, for a whole batch at
once, the gradient of ``sum_t advantage_t * log pi(a_t | s_t)``, where pi is the
softmax over every valid *user*: the log-probability of a user of class c is
``score_c - log sum_j valid_j exp(score_j)``.

:func:`batch_gradient` is vectorised over every class of every decision (one pass
of array operations per batch, however many decisions); tests check it against the
module's own forward and backward passes (:meth:`RankingPolicy.backward`), which
are themselves checked against finite differences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.learning.ranking import Observation, RankingPolicy


@dataclass(frozen=True)
class ClassDecision:
    """One logged decision: the focused user's class, the chosen class, the largest
    degree, and per class (rows: strategy 0 = defect, 1 = cooperate; columns: degree
    0..max_degree) the users of every recommender (``counts``) and the valid
    candidates (``valid``)."""

    focus_strategy: int
    focus_degree: int
    chosen_strategy: int
    chosen_degree: int
    max_degree: int
    counts: np.ndarray
    valid: np.ndarray

    @classmethod
    def from_log(cls, record) -> "ClassDecision":
        return cls(*record)


def _features(policy: RankingPolicy, strategy, degree, max_degree) -> np.ndarray:
    cols = []
    for name in policy.architecture["features"]:
        if name == "strategy":
            cols.append(np.asarray(strategy, dtype=np.float64))
        else:
            deg = np.asarray(degree, dtype=np.float64)
            md = np.asarray(max_degree, dtype=np.float64)
            cols.append(np.where(md > 0, deg / np.where(md > 0, md, 1.0), 0.0))
    return np.stack(cols, axis=-1)


def decision_observation(policy: RankingPolicy, dec: ClassDecision):
    """The NumPy module's view of a class decision: an :class:`Observation` whose
    features are one row per class, candidates the classes with a valid user, and
    their multiplicities (valid users per candidate class); and the chosen position."""
    s, d = np.nonzero(dec.counts)
    order = np.lexsort((s, d))
    s, d = s[order], d[order]
    rows = _features(policy, s, d, dec.max_degree)
    feats = np.vstack([rows, _features(policy, [dec.focus_strategy], [dec.focus_degree],
                                       dec.max_degree)])
    focus = len(rows)
    cs, cd = np.nonzero(dec.valid > 0)
    index = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(s, d))}
    cands = np.array([index[(int(a), int(b))] for a, b in zip(cs, cd)], dtype=np.int64)
    chosen = int(np.flatnonzero((cs == dec.chosen_strategy) & (cd == dec.chosen_degree))[0])
    obs = Observation(feats, focus, cands, np.zeros(len(cands), dtype=bool),
                      pool=np.arange(len(rows)), pool_weights=dec.counts[s, d].astype(float))
    return obs, dec.valid[cs, cd].astype(np.float64), chosen


def class_probabilities(scores: np.ndarray, multiplicity: np.ndarray) -> np.ndarray:
    """P(class) = valid_c exp(score_c) / sum_j valid_j exp(score_j)."""
    z = scores - scores.max()
    w = multiplicity * np.exp(z)
    return w / w.sum()


def reference_gradient(policy: RankingPolicy, dec: ClassDecision, advantage: float) -> dict:
    """advantage * grad log pi(chosen user) through the NumPy module (slow; for tests)."""
    obs, mult, chosen = decision_observation(policy, dec)
    scores, cache = policy.forward(obs)
    p = class_probabilities(scores, mult)
    dscores = -advantage * p
    dscores[chosen] += advantage
    return policy.backward(cache, dscores)


def batch_gradient(policy: RankingPolicy, decisions, advantages) -> tuple[dict, dict]:
    """Sum over decisions of advantage_t * grad log pi(a_t | s_t), vectorised; and
    statistics of the batch (mean entropy of the class choice, decisions)."""
    if policy.hidden != "mlp":
        raise ValueError("class decisions are made by an mlp ranking module only")
    P = policy.params
    H = P["hidden_b"].size
    decs = list(decisions)
    adv = np.asarray(advantages, dtype=np.float64)
    grads = {name: np.zeros_like(v) for name, v in P.items()}
    if not decs:
        return grads, {"entropy": 0.0, "decisions": 0}
    # every class with a user, of every decision: (decision, strategy, degree, count, valid)
    dec_id, ss, dd, cnt, val, mx = [], [], [], [], [], []
    for i, dec in enumerate(decs):
        s, d = np.nonzero(dec.counts)
        dec_id.append(np.full(s.size, i))
        ss.append(s)
        dd.append(d)
        cnt.append(dec.counts[s, d])
        val.append(dec.valid[s, d])
        mx.append(np.full(s.size, dec.max_degree))
    dec_id = np.concatenate(dec_id)
    ss = np.concatenate(ss)
    dd = np.concatenate(dd)
    cnt = np.concatenate(cnt).astype(np.float64)
    val = np.concatenate(val).astype(np.float64)
    mx = np.concatenate(mx)
    D = len(decs)
    n_users = np.bincount(dec_id, weights=cnt, minlength=D)
    fs = np.array([d.focus_strategy for d in decs])
    fd = np.array([d.focus_degree for d in decs])
    fmx = np.array([d.max_degree for d in decs])
    x = _features(policy, ss, dd, mx)
    xf = _features(policy, fs, fd, fmx)
    hid = np.tanh(x @ P["hidden_W"] + P["hidden_b"])
    hidf = np.tanh(xf @ P["hidden_W"] + P["hidden_b"])
    wgt = cnt / n_users[dec_id]
    hg = np.zeros((D, H))
    np.add.at(hg, dec_id, wgt[:, None] * hid)
    pre = hg @ P["score_Wg"] + hidf @ P["score_Wf"] + P["score_b"]
    cand = val > 0
    cid = dec_id[cand]
    hc = hid[cand]
    u = np.tanh(pre[cid] + hc @ P["score_Wc"])
    scores = u @ P["score_v"]
    top = np.full(D, -np.inf)
    np.maximum.at(top, cid, scores)
    e = val[cand] * np.exp(scores - top[cid])
    z = np.bincount(cid, weights=e, minlength=D)
    prob = e / z[cid]
    chosen = np.zeros(cand.sum(), dtype=bool)
    cs, cd = ss[cand], dd[cand]
    chosen_s = np.array([d.chosen_strategy for d in decs])
    chosen_d = np.array([d.chosen_degree for d in decs])
    chosen = (cs == chosen_s[cid]) & (cd == chosen_d[cid])
    ds = adv[cid] * (chosen.astype(np.float64) - prob)
    # backward
    grads["score_v"] = u.T @ ds
    da = (ds[:, None] * P["score_v"][None, :]) * (1.0 - u * u)
    grads["score_Wc"] = hc.T @ da
    da_sum = np.zeros((D, da.shape[1]))
    np.add.at(da_sum, cid, da)
    grads["score_Wg"] = hg.T @ da_sum
    grads["score_Wf"] = hidf.T @ da_sum
    grads["score_b"] = da_sum.sum(axis=0)
    dhid = (wgt[:, None] * (da_sum @ P["score_Wg"].T)[dec_id])
    dhid[cand] += da @ P["score_Wc"].T
    dhidf = da_sum @ P["score_Wf"].T
    dpre = dhid * (1.0 - hid * hid)
    dpref = dhidf * (1.0 - hidf * hidf)
    grads["hidden_W"] = x.T @ dpre + xf.T @ dpref
    grads["hidden_b"] = dpre.sum(axis=0) + dpref.sum(axis=0)
    logp = np.log(np.maximum(prob, np.finfo(float).tiny)) - np.log(val[cand])
    ent_terms = -prob * (logp + np.log(val[cand]))  # entropy of the class choice
    entropy = float(np.bincount(cid, weights=ent_terms, minlength=D).mean())
    return grads, {"entropy": entropy, "decisions": D}


def reinforce_step(trainer, decisions, advantages, episodes: int) -> dict:
    """One ascent step of ``trainer`` (:class:`~model.learning.policy_gradient.Reinforce`)
    on logged decisions: the gradient of ``sum_t advantage_t log pi(a_t | s_t)`` over
    ``episodes``, clipped to the trainer's global norm, then its Adam step. Decisions
    are :class:`ClassDecision` for an MLP (vectorised, :func:`batch_gradient`) or
    :class:`~model.learning.policy_gradient.Decision` with the whole graph for a GAT
    (one forward and backward pass each). Returns the batch statistics. Used by
    ``python -m model train`` and the online learner (:mod:`model.learning.online`)."""
    from model.learning.policy_gradient import clip_by_global_norm, decision_gradient

    decisions = list(decisions)
    if trainer.policy.hidden == "mlp":
        grads, stats = batch_gradient(trainer.policy, decisions, advantages)
    else:
        grads = {name: np.zeros_like(v) for name, v in trainer.policy.params.items()}
        entropies = []
        for dec, adv in zip(decisions, advantages):
            g, _, entropy = decision_gradient(trainer.policy, dec, float(adv),
                                              trainer.entropy_bonus)
            entropies.append(entropy)
            for name, value in g.items():
                grads[name] += value
        stats = {"entropy": float(np.mean(entropies)) if entropies else 0.0,
                 "decisions": len(decisions)}
    ascent = {name: g / episodes for name, g in grads.items()}
    ascent, norm = clip_by_global_norm(ascent, trainer.max_grad_norm)
    if np.isfinite(norm) and decisions:
        trainer.optimizer.step({name: -g for name, g in ascent.items()})
    return stats


def graph_decisions(records, features=None) -> list:
    """The GAT kernel's logged decisions (:func:`model.core.learned_gat.read_log`) as
    :class:`~model.learning.policy_gradient.Decision` over every user, unserved
    requests left out."""
    from model.learning.policy_gradient import Decision
    from model.learning.ranking import FEATURES, node_features

    out = []
    for focus, chosen, strat, deg, valid, indptr, indices in records:
        if chosen < 0:
            continue
        n = len(strat)
        obs = Observation(node_features(strat, deg, features or FEATURES), focus,
                          np.arange(n), ~valid, indptr, indices)
        out.append(Decision(obs, chosen))
    return out


def chosen_class(decision, features) -> tuple[int, int]:
    """(strategy, degree) of the user a logged decision proposed, either kind;
    ``features``: the policy's feature names (the GAT's observation holds them)."""
    if isinstance(decision, ClassDecision):
        return decision.chosen_strategy, decision.chosen_degree
    obs = decision.observation
    degree = int(obs.indptr[decision.action + 1] - obs.indptr[decision.action])
    strategy = obs.features[decision.action, list(features).index("strategy")]
    return int(strategy), degree
