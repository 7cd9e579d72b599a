"""Trains the default model: seeded, resumable, wall-clock or step budgeted, on CPU or CUDA.

  /usr/bin/python3 engine/train/train.py --corpus /work/train-state/corpus --tokenizer engine/models/default \
      --state /work/train-state/run-cpu --preset cpu-small --budget-minutes 55 --threads 1

The state directory holds `checkpoint.pt` (model, optimizer, step, elapsed seconds; written atomically every
--checkpoint-minutes), `log.jsonl` (one line per logged step and per evaluation) and `loss.png`. Running the same
command again resumes from the checkpoint; the learning-rate schedule follows the fraction of the budget spent, so a
resumed run continues the same curve. Routing balance uses DeepSeek-V3's auxiliary-loss-free rule: after each step
every expert's `e_score_correction_bias` moves by `--bias-rate` toward equal load (counted over the whole mixed-domain
batch, so experts stay free to specialise by domain).

`--init-from MODEL_DIR` starts from an exported model (its weights and balancing biases, a fresh optimizer) instead of
random weights; `--spec-weight W` adds the domain-specialisation loss of specialise.py (each domain group's gate mass
outside its preferred experts), its subsets chosen from the starting model's routing and kept in the checkpoint.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe import Tokenizer  # noqa: E402
from data import Sampler, load_docs  # noqa: E402
from model import DeepseekV3, load_checkpoint, load_safetensors  # noqa: E402
from specialise import assign, capacities, outside_mass, preference_masks, routing_counts  # noqa: E402

PRESETS = {
    # d192 / 4 layers / 1 shared + 16 routed experts, top-2: the CPU model
    "cpu-small": dict(hidden_size=192, num_hidden_layers=4, num_attention_heads=4, intermediate_size=512,
                      moe_intermediate_size=128, n_routed_experts=16, num_experts_per_tok=2, kv_lora_rank=64,
                      q_lora_rank=None, qk_nope_head_dim=32, qk_rope_head_dim=16, v_head_dim=32),
    # for a GPU session: ~25M total / ~10M active, 50 MB in bf16 (the shipped model must stay under 64 MiB)
    "gpu-medium": dict(hidden_size=384, num_hidden_layers=8, num_attention_heads=6, intermediate_size=1024,
                       moe_intermediate_size=128, n_routed_experts=16, num_experts_per_tok=2, kv_lora_rank=128,
                       q_lora_rank=192, qk_nope_head_dim=48, qk_rope_head_dim=16, v_head_dim=48),
}


def make_config(preset, vocab_size, seq_len):
    cfg = dict(
        architectures=["DeepseekV3ForCausalLM"], model_type="deepseek_v3", vocab_size=vocab_size,
        n_shared_experts=1, first_k_dense_replace=1, moe_layer_freq=1, n_group=1, topk_group=1,
        scoring_func="sigmoid", topk_method="noaux_tc", norm_topk_prob=True, routed_scaling_factor=1.0,
        hidden_act="silu", rms_norm_eps=1e-6, rope_theta=10000.0, rope_scaling=None,
        max_position_embeddings=max(2048, seq_len), tie_word_embeddings=False, attention_bias=False,
        attention_dropout=0.0, initializer_range=0.02, num_nextn_predict_layers=0,
        bos_token_id=0, eos_token_id=0, pad_token_id=0, torch_dtype="float32", use_cache=True,
    )
    cfg.update(PRESETS[preset])
    cfg["num_key_value_heads"] = cfg["num_attention_heads"]
    return cfg


def count_params(model, cfg):
    total = sum(p.numel() for p in model.parameters())
    per_expert = 3 * cfg["hidden_size"] * cfg["moe_intermediate_size"]
    n_moe = cfg["num_hidden_layers"] - cfg["first_k_dense_replace"]
    inactive = n_moe * per_expert * (cfg["n_routed_experts"] - cfg["num_experts_per_tok"])
    return total, total - inactive


def lr_at(progress, base, warmup_frac, final_frac=0.1):
    if progress < warmup_frac:
        return base * max(progress / warmup_frac, 0.02)
    p = min(1.0, (progress - warmup_frac) / max(1e-9, 1 - warmup_frac))
    return base * (final_frac + (1 - final_frac) * 0.5 * (1 + math.cos(math.pi * p)))


def evaluate(model, batches, device):
    """Bits per byte per domain on fixed validation batches (token loss in nats -> bits over the bytes covered)."""
    model.eval()
    out = {}
    with torch.no_grad():
        for dom, (x, y, nbytes) in batches.items():
            logits = model(x.to(device))
            loss = F.cross_entropy(logits.float().flatten(0, 1), y.to(device).flatten(), reduction="sum").item()
            out[dom] = loss / math.log(2) / nbytes
    model.train()
    return out


def val_batches(tok, docs, seq_len, n_rows):
    """Plain LM rows per domain from validation documents (no FIM), with the exact bytes their targets cover."""
    out = {}
    for dom in ("code", "math", "prose"):
        rows, nbytes = [], 0
        for _, text in docs.get(dom, []):
            ids = tok.encode_plain(text)
            for i in range(0, len(ids) - seq_len - 1, seq_len * 4):
                chunk = ids[i:i + seq_len + 1]
                rows.append(chunk)
                nbytes += len(tok.decode(chunk[1:]).encode("utf-8"))
                if len(rows) >= n_rows:
                    break
            if len(rows) >= n_rows:
                break
        if rows:
            t = torch.tensor(rows)
            out[dom] = (t[:, :-1], t[:, 1:], nbytes)
    return out


def plot(log_path, png_path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # the loss log stays; the picture is a convenience
        return
    steps, losses, ev = [], [], {}
    for line in open(log_path):
        e = json.loads(line)
        if "loss" in e:
            steps.append(e["tokens"] / 1e6)
            losses.append(e["loss"] / math.log(2))
        if "val_bpb" in e:
            for k, v in e["val_bpb"].items():
                ev.setdefault(k, []).append((e["tokens"] / 1e6, v))
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(steps, losses, lw=0.6, alpha=0.6, label="train (bits/token)")
    ax2 = ax.twinx()
    for k, pts in ev.items():
        ax2.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=3, label=f"val {k} (bits/byte)")
    ax.set_xlabel("tokens (millions)")
    ax.set_ylabel("train loss, bits/token")
    ax2.set_ylabel("validation bits/byte")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=8, loc="upper right")
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)
    plt.close(fig)


class Prefetcher:
    """Builds the batches of the coming steps in worker processes (tokenising on the fly is the GPU's bottleneck).

    Batches depend only on (seed, step), so the result is the same as building them inline, in the same order.
    """

    def __init__(self, sampler, batch_size, workers, start, ahead=None):
        import multiprocessing as mp
        global _SAMPLER
        _SAMPLER = sampler  # inherited by the forked workers, not pickled
        self.pool = mp.get_context("fork").Pool(workers)
        self.batch_size, self.next_step = batch_size, start
        self.pending = []
        for _ in range(ahead or 2 * workers):
            self._submit()

    def _submit(self):
        self.pending.append(self.pool.apply_async(_make_batch, (self.next_step, self.batch_size)))
        self.next_step += 1

    def get(self, step):
        r = self.pending.pop(0).get()
        assert r[0] == step
        self._submit()
        return r[1]

    def close(self):
        self.pool.terminate()


_SAMPLER = None


def _make_batch(step, batch_size):
    return step, _SAMPLER.batch(step, batch_size)


def save_checkpoint(path, model, opt, step, elapsed, cfg, args, prefs=None):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "elapsed": elapsed,
                "config": cfg, "args": vars(args), "prefs": prefs}, tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True, help="folder with train.jsonl, val.jsonl, math-train-problems.json")
    ap.add_argument("--tokenizer", required=True, help="folder with tokenizer.json")
    ap.add_argument("--state", required=True)
    ap.add_argument("--preset", default="cpu-small", choices=sorted(PRESETS))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warmup", type=float, default=0.03, help="fraction of the budget")
    ap.add_argument("--bias-rate", type=float, default=0.003)
    ap.add_argument("--budget-minutes", type=float, default=55)
    ap.add_argument("--max-steps", type=int, default=0, help="if set, the schedule follows steps instead of time")
    ap.add_argument("--checkpoint-minutes", type=float, default=4)
    ap.add_argument("--eval-minutes", type=float, default=8)
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--bf16", action="store_true", help="autocast matmuls to bfloat16 (CUDA)")
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--workers", type=int, default=0, help="processes that build batches ahead (GPU runs)")
    ap.add_argument("--eval-rows", type=int, default=0, help="validation rows per domain (default 16 on CPU, 64 else)")
    ap.add_argument("--probe", type=int, default=0, help="time this many steps, print tokens/s and exit")
    ap.add_argument("--init-from", default="", help="a model folder (config.json, model.safetensors) to continue from")
    ap.add_argument("--spec-weight", type=float, default=0.0,
                    help="weight of the domain-specialisation loss (specialise.py); 0 = off")
    ap.add_argument("--spec-steps", type=int, default=24,
                    help="training batches routed by the starting model to choose each domain's experts")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.state, exist_ok=True)
    tok = Tokenizer.from_hf_json(os.path.join(args.tokenizer, "tokenizer.json"))
    ckpt_path = os.path.join(args.state, "checkpoint.pt")
    log_path = os.path.join(args.state, "log.jsonl")

    if os.path.exists(ckpt_path) and not args.probe:
        ck = load_checkpoint(ckpt_path)
        cfg = ck["config"]
    elif args.init_from:
        ck, cfg = None, json.load(open(os.path.join(args.init_from, "config.json")))
    else:
        ck, cfg = None, make_config(args.preset, tok.vocab_size, args.seq_len)
    model = DeepseekV3(cfg)
    if ck:
        model.load_state_dict(ck["model"])
    elif args.init_from:  # continue from a shipped model: its weights and balancing biases, a fresh optimizer
        sd = load_safetensors(os.path.join(args.init_from, "model.safetensors"))
        model.load_hf_state_dict({k: v.float() for k, v in sd.items()})
        print(f"initialised from {args.init_from}", flush=True)
    else:
        model.init_weights(args.seed)
    model.to(args.device)
    total, active = count_params(model, cfg)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    step, elapsed = 0, 0.0
    if ck:
        opt.load_state_dict(ck["opt"])
        step, elapsed = ck["step"], ck["elapsed"]
        print(f"resumed at step {step}, {elapsed / 60:.1f} min", flush=True)

    t0 = time.time()
    docs = load_docs(os.path.join(args.corpus, "train.jsonl"))
    problems = json.load(open(os.path.join(args.corpus, "math-train-problems.json")))
    sampler = Sampler(tok, docs, problems, args.seq_len, args.seed)
    vdocs = load_docs(os.path.join(args.corpus, "val.jsonl"))
    vb = val_batches(tok, vdocs, args.seq_len, args.eval_rows or (16 if args.device == "cpu" else 64))
    print(f"params {total / 1e6:.2f}M total, {active / 1e6:.2f}M active; data ready in {time.time() - t0:.0f}s; "
          + " ".join(f"{k}={len(v)}" for k, v in docs.items()), flush=True)
    fwd = torch.compile(model) if args.compile else model

    # each domain group's preferred experts: from the checkpoint, else chosen from the starting model's own routing
    prefs = ck.get("prefs") if ck else None
    if args.spec_weight > 0 and prefs is None:
        counts = routing_counts(model, sampler, args.spec_steps, args.batch_size, 10_000_000)
        cap = capacities(sampler.mix, cfg["n_routed_experts"])
        prefs = {str(i): assign(c, cap) for i, c in counts.items()}
        print("preferred experts", json.dumps(prefs), flush=True)
    masks = preference_masks(prefs, cfg["n_routed_experts"]) if prefs else None

    moe = model.moe_layers()
    budget = args.budget_minutes * 60
    last_ck = last_ev = time.time()
    tokens_per_step = args.batch_size * args.seq_len
    window_t, window_tok = time.time(), 0
    logf = open(log_path, "a")
    if not ck:
        logf.write(json.dumps({"event": "start", "config": cfg, "args": vars(args), "params_total": total,
                               "params_active": active, "prefs": prefs}) + "\n")
    prefetch = Prefetcher(sampler, args.batch_size, args.workers, step) if args.workers else None
    model.train()
    while True:
        progress = step / args.max_steps if args.max_steps else elapsed / budget
        if progress >= 1.0 or (args.probe and step >= args.probe):
            break
        ts = time.time()
        lr = lr_at(progress, args.lr, args.warmup)
        for g in opt.param_groups:
            g["lr"] = lr
        x, y, domains = prefetch.get(step) if prefetch else sampler.batch(step, args.batch_size)
        x, y = x.to(args.device), y.to(args.device)
        if args.bf16:
            with torch.autocast("cuda", dtype=torch.bfloat16):
                logits = fwd(x)
        else:
            logits = fwd(x)
        loss = F.cross_entropy(logits.float().flatten(0, 1), y.flatten())
        spec = outside_mass(model, masks, domains, x.shape[1]) if masks else None
        opt.zero_grad(set_to_none=True)
        (loss + args.spec_weight * spec if spec is not None else loss).backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        with torch.no_grad():  # auxiliary-loss-free balancing (DeepSeek-V3): push load toward the mean
            for _, m in moe:
                load = torch.bincount(m.last_idx.flatten(), minlength=m.gate.E).float()
                m.gate.e_score_correction_bias += args.bias_rate * torch.sign(load.mean() - load)
        step += 1
        elapsed += time.time() - ts
        window_tok += tokens_per_step
        if step % args.log_every == 0:
            lv = loss.item()
            now = time.time()
            rate = window_tok / (now - window_t)
            window_t, window_tok = now, 0
            e = {"step": step, "tokens": step * tokens_per_step, "loss": round(lv, 4), "lr": round(lr, 6),
                 "grad_norm": round(float(gn), 3), "tok_per_s": round(rate), "elapsed_min": round(elapsed / 60, 2)}
            if spec is not None:
                e["outside_mass"] = round(spec.item(), 4)
            logf.write(json.dumps(e) + "\n")
            logf.flush()
            print(json.dumps(e), flush=True)
        if args.probe:
            continue
        if time.time() - last_ev > args.eval_minutes * 60:
            ev = evaluate(model, vb, args.device)
            logf.write(json.dumps({"step": step, "tokens": step * tokens_per_step,
                                   "val_bpb": {k: round(v, 4) for k, v in ev.items()}}) + "\n")
            logf.flush()
            print("val", ev, flush=True)
            last_ev = time.time()
        if time.time() - last_ck > args.checkpoint_minutes * 60:
            save_checkpoint(ckpt_path, model, opt, step, elapsed, cfg, args, prefs)
            plot(log_path, os.path.join(args.state, "loss.png"))
            last_ck = time.time()
    if prefetch:
        prefetch.close()
    if args.probe:
        return
    ev = evaluate(model, vb, args.device)
    logf.write(json.dumps({"step": step, "tokens": step * tokens_per_step,
                           "val_bpb": {k: round(v, 4) for k, v in ev.items()}, "event": "end"}) + "\n")
    logf.close()
    save_checkpoint(ckpt_path, model, opt, step, elapsed, cfg, args, prefs)
    plot(log_path, os.path.join(args.state, "loss.png"))
    print("done", step, ev, flush=True)


if __name__ == "__main__":
    main()
