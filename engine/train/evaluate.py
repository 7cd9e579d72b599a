"""Evaluates an exported model (HF folder) on the held-out test split, in PyTorch.

  /usr/bin/python3 engine/train/evaluate.py --model engine/models/default --corpus /work/train-state/corpus \
      --out engine/train/eval-results.json [--fim 100 --math 100 --threads 1]

Measures:
  - bits per byte on held-out code (Python, JavaScript, TypeScript), math, prose and this project's own sources
    (windows of the trained context, each starting with <|endoftext|>; same method as `engine perplexity`);
  - FIM exact match: a held-out code line is masked, the model gets PSM `<|fim_prefix|>before<|fim_suffix|>after
    <|fim_middle|>` and greedy-decodes until a newline; exact match of the line (trailing whitespace ignored);
  - math accuracy: `Problem: ...\\nSolution:\\n` from held-out generated problems, greedy, the `Answer:` line compared
    exactly, by problem kind;
  - expert selection frequency per MoE layer and domain on held-out text, and a specialisation measure: per layer,
    the mean over domains of the total-variation distance between that domain's expert distribution and the
    all-domain distribution (0 = every domain uses experts alike, 1 = disjoint expert sets).
"""
import argparse
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe import Tokenizer  # noqa: E402
from model import DeepseekV3, load_safetensors  # noqa: E402


def load_model(d):
    cfg = json.load(open(os.path.join(d, "config.json")))
    m = DeepseekV3(cfg)
    sd = {}
    idx = os.path.join(d, "model.safetensors.index.json")
    files = sorted(set(json.load(open(idx))["weight_map"].values())) if os.path.exists(idx) else ["model.safetensors"]
    for f in files:
        sd.update(load_safetensors(os.path.join(d, f)))
    m.load_hf_state_dict({k: v.float() for k, v in sd.items()})
    m.eval()
    tcfg = json.load(open(os.path.join(d, "tokenizer_config.json")))
    return m, cfg, Tokenizer.from_hf_json(os.path.join(d, "tokenizer.json")), tcfg.get("model_max_length", 256)


@torch.no_grad()
def bits_per_byte(model, tok, texts, ctx, counts=None):
    nats, nbytes, ntok = 0.0, 0, 0
    bos = tok.special_ids["<|endoftext|>"]
    for t in texts:
        nbytes += len(t.encode("utf-8"))
        ids = tok.encode(t)
        for s in range(0, len(ids), ctx - 1):
            tg = ids[s:s + ctx - 1]
            x = torch.tensor([[bos] + tg[:-1]])
            logits = model(x)[0].double()
            nats -= logits.log_softmax(-1).gather(1, torch.tensor(tg)[:, None]).sum().item()
            ntok += len(tg)
            if counts is not None:
                for li, m in model.moe_layers():
                    counts[li] += torch.bincount(m.last_idx.flatten(), minlength=m.gate.E)
    return nats / math.log(2) / max(1, nbytes), ntok, nbytes


@torch.no_grad()
def greedy_until_newline(model, tok, ids, max_new, ctx, eos_ids):
    out = []
    for _ in range(max_new):
        nxt = int(model(torch.tensor([ids[-ctx:]]))[0, -1].argmax())
        if nxt in eos_ids:
            break
        out.append(nxt)
        ids = ids + [nxt]
        if "\n" in tok.decode(out):
            break
    text = tok.decode(out)
    return text.split("\n")[0]


def fim_eval(model, tok, docs, n, ctx, seed=0):
    """Masked middle line, PSM, prefix/suffix trimmed so the prompt fits the context."""
    r = random.Random(seed)
    sid = tok.special_ids
    hits, total, samples = 0, 0, []
    code = [d for d in docs if d["domain"] == "code"]
    r.shuffle(code)
    for d in code:
        if total >= n:
            break
        lines = d["text"].splitlines(keepends=True)
        cand = [i for i in range(2, len(lines) - 2) if 4 <= len(lines[i].strip()) <= 80]
        if not cand:
            continue
        i = r.choice(cand)
        prefix, middle, suffix = "".join(lines[:i]), lines[i], "".join(lines[i + 1:])
        p_ids, s_ids = tok.encode_plain(prefix), tok.encode_plain(suffix)
        budget = ctx - 40
        s_ids = s_ids[:budget // 3]
        p_ids = p_ids[-(budget - len(s_ids)):]
        prompt = [sid["<|fim_prefix|>"]] + p_ids + [sid["<|fim_suffix|>"]] + s_ids + [sid["<|fim_middle|>"]]
        got = greedy_until_newline(model, tok, prompt, 40, ctx, {sid["<|endoftext|>"]})
        want = middle.rstrip("\n")
        ok = got.rstrip() == want.rstrip()
        hits += ok
        total += 1
        if len(samples) < 8:
            samples.append({"want": want, "got": got, "ok": ok})
    return {"exact_match": hits / max(1, total), "n": total, "samples": samples}


def math_eval(model, tok, problems, n, ctx, seed=0):
    r = random.Random(seed)
    probs = problems[:]
    r.shuffle(probs)
    by_kind, hits, samples = {}, 0, []
    eot = tok.special_ids["<|endoftext|>"]
    for p in probs[:n]:
        steps = "".join(f"Step {i + 1}: {s}\n" for i, s in enumerate(p["steps"]))
        prompt = tok.encode_plain(f"Problem: {p['question']}\nSolution:\n")
        out = []
        ids = prompt
        for _ in range(160):
            nxt = int(model(torch.tensor([ids[-ctx:]]))[0, -1].argmax())
            if nxt == eot:
                break
            out.append(nxt)
            ids = ids + [nxt]
            txt = tok.decode(out)
            if "Answer:" in txt and txt.rstrip(" ").endswith("\n") and txt.index("Answer:") < len(txt) - 1:
                if "\n" in txt[txt.index("Answer:"):]:
                    break
            if "Problem:" in txt:
                break
        txt = tok.decode(out)
        ans = txt.split("Answer:", 1)[1].split("\n")[0].strip() if "Answer:" in txt else None
        ok = ans == p["answer"]
        hits += ok
        k = by_kind.setdefault(p["kind"], [0, 0])
        k[0] += ok
        k[1] += 1
        if len(samples) < 6:
            samples.append({"question": p["question"], "want": p["answer"], "got": ans})
    return {"accuracy": hits / max(1, min(n, len(probs))), "n": min(n, len(probs)),
            "by_kind": {k: f"{a}/{b}" for k, (a, b) in sorted(by_kind.items())}, "samples": samples}


def specialisation(counts_by_domain):
    """Per layer: mean total-variation distance of each domain's expert distribution from the pooled one."""
    layers = sorted(next(iter(counts_by_domain.values())).keys())
    out = {}
    for li in layers:
        dists = {d: c[li].double() / c[li].sum() for d, c in counts_by_domain.items()}
        pooled = sum(c[li].double() for c in counts_by_domain.values())
        pooled = pooled / pooled.sum()
        out[li] = sum(0.5 * (p - pooled).abs().sum().item() for p in dists.values()) / len(dists)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--fim", type=int, default=100)
    ap.add_argument("--math", type=int, default=100)
    ap.add_argument("--bytes-per-domain", type=int, default=60_000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--parts", default="bpb,fim,math", help="which measurements (several processes can split them)")
    ap.add_argument("--dump-dir", help="write the scored held-out texts here, one file each (for `engine perplexity`)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t0 = time.time()
    model, cfg, tok, ctx = load_model(a.model)
    docs = [json.loads(l) for l in open(os.path.join(a.corpus, "test.jsonl"))]
    groups = {}
    for d in docs:
        key = d["domain"] if d["domain"] != "code" else f"code-{d['lang']}"
        if d["domain"] == "project":
            key = "project"
        groups.setdefault(key, []).append(d["text"])
    r = random.Random(0)
    res = {"model": a.model, "context": ctx, "bits_per_byte": {}, "expert_counts": {}}
    counts_by_domain = {}
    parts = set(a.parts.split(","))
    for key in (sorted(groups) if "bpb" in parts else []):
        texts = groups[key][:]
        r.shuffle(texts)
        chosen, got = [], 0
        for t in texts:
            if got >= a.bytes_per_domain:
                break
            chosen.append(t[:a.bytes_per_domain - got])
            got += len(chosen[-1].encode())
        if a.dump_dir:
            os.makedirs(os.path.join(a.dump_dir, key), exist_ok=True)
            for i, t in enumerate(chosen):
                with open(os.path.join(a.dump_dir, key, f"{i:03d}.txt"), "w", encoding="utf-8", newline="") as f:
                    f.write(t)
        counts = {li: torch.zeros(cfg["n_routed_experts"], dtype=torch.long) for li, _ in model.moe_layers()}
        bpb, ntok, nb = bits_per_byte(model, tok, chosen, ctx, counts)
        res["bits_per_byte"][key] = {"bits_per_byte": round(bpb, 4), "tokens": ntok, "bytes": nb}
        dom = "code" if key.startswith("code") or key == "project" else key
        if key != "project":
            c = counts_by_domain.setdefault(dom, {li: torch.zeros_like(v) for li, v in counts.items()})
            for li in counts:
                c[li] += counts[li]
        print(key, res["bits_per_byte"][key], flush=True)
    if "bpb" in parts:
        experts(res, counts_by_domain)
    if "fim" in parts:
        res["fim"] = fim_eval(model, tok, docs, a.fim, ctx)
        print("fim", res["fim"]["exact_match"], flush=True)
    if "math" in parts:
        problems = json.load(open(os.path.join(a.corpus, "math-test-problems.json")))
        res["math"] = math_eval(model, tok, problems, a.math, ctx)
        print("math", res["math"]["accuracy"], res["math"]["by_kind"], flush=True)
    res["seconds"] = round(time.time() - t0)
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")


def experts(res, counts_by_domain):
    res["expert_counts"] = {d: {str(li): v.tolist() for li, v in c.items()} for d, c in counts_by_domain.items()}
    res["expert_frequency"] = {d: {str(li): [round(x, 4) for x in (v.double() / v.sum()).tolist()]
                                   for li, v in c.items()} for d, c in counts_by_domain.items()}
    res["specialisation_tv"] = {str(k): round(v, 4) for k, v in specialisation(counts_by_domain).items()}
    print("specialisation", res["specialisation_tv"], flush=True)


if __name__ == "__main__":
    main()
