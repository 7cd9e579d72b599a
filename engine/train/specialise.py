"""Domain specialisation of routed experts: each domain group prefers a subset of experts per MoE layer.

Switchyard's routing skew adds a per-request selection bias toward a domain's experts; it only pays when a domain's
tokens already concentrate on few experts. Training adds a small auxiliary loss per row of a known domain: the share
of the token's gate score mass (sigmoid scores normalised over experts) that falls on experts outside the domain's
preferred subset. DeepSeek-V3's auxiliary-loss-free bias still balances the load of the whole mixed batch, so the
subsets are sized in proportion to each group's share of the training mix (code 50% -> 8 of 16 experts, math 20% -> 3,
general 30% -> 5): with that sizing a fully specialised router is also balanced, and the two rules do not fight.

The subsets are not fixed numbers but chosen from the starting model's own routing (each expert goes to the group
that already uses it most, relative to the pooled use), so continued training sharpens the specialisation the model
has rather than moving every expert's role.
"""
import math

import torch

GROUP = {"code": "code", "math": "math", "prose": "general", "chat": "general"}
GROUPS = ("code", "math", "general")


def capacities(mix, n_experts):
    """Experts per group in proportion to the group's share of the mix (largest remainder; at least 1 each)."""
    share = {g: 0.0 for g in GROUPS}
    for d, w in mix.items():
        share[GROUP[d]] += w
    tot = sum(share.values())
    raw = {g: n_experts * share[g] / tot for g in GROUPS}
    cap = {g: max(1, int(raw[g])) for g in GROUPS}
    for g in sorted(GROUPS, key=lambda g: raw[g] - int(raw[g]), reverse=True):
        if sum(cap.values()) >= n_experts:
            break
        cap[g] += 1
    return cap


def assign(counts, cap):
    """counts: {group: [selections per expert]} of one layer -> {group: sorted expert ids}, disjoint, sizes = cap.

    Greedy on the log-ratio of a group's share of an expert against the pooled share (smoothed by 1 selection)."""
    n = len(next(iter(counts.values())))
    share = {g: [(c + 1) / (sum(counts[g]) + n) for c in counts[g]] for g in GROUPS}
    pooled = [sum(share[g][e] for g in GROUPS) / len(GROUPS) for e in range(n)]
    pairs = sorted(((math.log(share[g][e] / pooled[e]), g, e) for g in GROUPS for e in range(n)), reverse=True)
    out, taken = {g: [] for g in GROUPS}, set()
    for _, g, e in pairs:
        if e not in taken and len(out[g]) < cap[g]:
            out[g].append(e)
            taken.add(e)
    return {g: sorted(v) for g, v in out.items()}


@torch.no_grad()
def routing_counts(model, sampler, steps, batch_size, start_step):
    """Selections per (layer, group, expert) of the model on training batches `start_step..+steps`."""
    model.eval()
    moe = model.moe_layers()
    E = moe[0][1].gate.E
    counts = {i: {g: [0] * E for g in GROUPS} for i, _ in moe}
    for s in range(start_step, start_step + steps):
        x, _, domains = sampler.batch(s, batch_size)
        model(x)
        for i, m in moe:
            idx = m.last_idx.view(len(domains), -1)
            for r, d in enumerate(domains):
                c = torch.bincount(idx[r], minlength=E).tolist()
                row = counts[i][GROUP[d]]
                for e in range(E):
                    row[e] += c[e]
    model.train()
    return counts


def preference_masks(prefs, n_experts):
    """{layer: {group: ids}} -> {layer: bool tensor [len(GROUPS), E]} in GROUPS order."""
    out = {}
    for layer, by_group in prefs.items():
        m = torch.zeros(len(GROUPS), n_experts, dtype=torch.bool)
        for gi, g in enumerate(GROUPS):
            m[gi, by_group[g]] = True
        out[int(layer)] = m
    return out


def outside_mass(model, masks, domains, seq_len):
    """Mean over tokens and MoE layers of the normalised gate score mass on experts outside the row's group."""
    rows = torch.tensor([GROUPS.index(GROUP[d]) for d in domains])
    total, n = 0.0, 0
    for i, m in model.moe_layers():
        s = m.last_scores  # [B*T, E]
        p = s / s.sum(-1, keepdim=True)
        inside = masks[i][rows].repeat_interleave(seq_len, dim=0).to(p.device)
        total = total + (1 - (p * inside).sum(-1)).mean()
        n += 1
    return total / n
