"""DeepSeek-V3 in PyTorch: the training-side implementation of the architecture the engine runs.

Written from the semantics in test/fixtures/deepseek/README.md (HF config fields and tensor names): MLA with a
compressed latent KV (kv_lora_rank) and a decoupled, interleaved RoPE part; optional q LoRA; dense first layers;
DeepSeekMoE with shared experts and fine-grained routed experts; sigmoid scores with the `noaux_tc` selection bias
(`e_score_correction_bias`, used only to choose experts, never to weight them), group-limited selection, top-k
renormalisation and routed_scaling_factor. The engine must reproduce these logits to 1e-4, and the fixture test in
test_model.py checks this file against the official reference outputs.
"""
import ctypes
import json
import math
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_inv_freq(cfg):
    d = cfg["qk_rope_head_dim"]
    theta = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.float32) / d))
    rs = cfg.get("rope_scaling")
    if rs:  # YaRN, as in the reference
        factor, orig = rs["factor"], rs["original_max_position_embeddings"]
        bf, bs = rs.get("beta_fast", 32), rs.get("beta_slow", 1)

        def cd(r):
            return d * math.log(orig / (r * 2 * math.pi)) / (2 * math.log(theta))

        low, high = max(math.floor(cd(bf)), 0), min(math.ceil(cd(bs)), d - 1)
        if low == high:
            high += 0.001
        ramp = ((torch.arange(d // 2, dtype=torch.float32) - low) / (high - low)).clamp(0, 1)
        inv = inv / factor * ramp + inv * (1 - ramp)
    return inv


def softmax_scale(cfg):
    s = (cfg["qk_nope_head_dim"] + cfg["qk_rope_head_dim"]) ** -0.5
    rs = cfg.get("rope_scaling")
    if rs and rs.get("mscale_all_dim"):
        m = 0.1 * rs["mscale_all_dim"] * math.log(rs["factor"]) + 1.0
        s = s * m * m
    return s


def apply_rope(x, cos, sin):
    """x [..., T, d] with interleaved pairs (2i, 2i+1) rotated by pos * inv_freq[i]."""
    x1, x2 = x[..., 0::2], x[..., 1::2]
    o1 = x1 * cos - x2 * sin
    o2 = x1 * sin + x2 * cos
    return torch.stack((o1, o2), dim=-1).flatten(-2)


class MLA(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        D, H = cfg["hidden_size"], cfg["num_attention_heads"]
        self.H, self.nope, self.rope, self.v = H, cfg["qk_nope_head_dim"], cfg["qk_rope_head_dim"], cfg["v_head_dim"]
        self.r = cfg["kv_lora_rank"]
        qk = self.nope + self.rope
        eps = cfg.get("rms_norm_eps", 1e-6)
        self.q_lora = cfg.get("q_lora_rank")
        if self.q_lora:
            self.q_a_proj = nn.Linear(D, self.q_lora, bias=False)
            self.q_a_layernorm = RMSNorm(self.q_lora, eps)
            self.q_b_proj = nn.Linear(self.q_lora, H * qk, bias=False)
        else:
            self.q_proj = nn.Linear(D, H * qk, bias=False)
        self.kv_a_proj_with_mqa = nn.Linear(D, self.r + self.rope, bias=False)
        self.kv_a_layernorm = RMSNorm(self.r, eps)
        self.kv_b_proj = nn.Linear(self.r, H * (self.nope + self.v), bias=False)
        self.o_proj = nn.Linear(H * self.v, D, bias=False)
        self.scale = softmax_scale(cfg)

    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        H = self.H
        q = self.q_b_proj(self.q_a_layernorm(self.q_a_proj(x))) if self.q_lora else self.q_proj(x)
        q = q.view(B, T, H, self.nope + self.rope).transpose(1, 2)
        q_nope, q_pe = q[..., :self.nope], q[..., self.nope:]
        kv = self.kv_a_proj_with_mqa(x)
        latent, k_pe = kv[..., :self.r], kv[..., self.r:]
        kvb = self.kv_b_proj(self.kv_a_layernorm(latent)).view(B, T, H, self.nope + self.v).transpose(1, 2)
        k_nope, v = kvb[..., :self.nope], kvb[..., self.nope:]
        q_pe = apply_rope(q_pe, cos, sin)
        k_pe = apply_rope(k_pe.unsqueeze(1), cos, sin)  # one rope key shared by all heads
        if x.is_cuda and hasattr(F, "scaled_dot_product_attention"):
            # the same attention through a fused kernel (training on a GPU); the explicit path below is the reference
            qf = torch.cat([q_nope, q_pe], -1)
            kf = torch.cat([k_nope, k_pe.expand(B, H, T, self.rope)], -1)
            o = F.scaled_dot_product_attention(qf, kf, v, is_causal=True, scale=self.scale)
            return self.o_proj(o.transpose(1, 2).reshape(B, T, H * self.v))
        scores = (q_nope @ k_nope.transpose(-1, -2) + q_pe @ k_pe.transpose(-1, -2)) * self.scale
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        scores = scores.float().masked_fill(mask, float("-inf"))
        attn = scores.softmax(-1).to(v.dtype)
        o = (attn @ v).transpose(1, 2).reshape(B, T, H * self.v)
        return self.o_proj(o)


class MLP(nn.Module):
    def __init__(self, dim, inter):
        super().__init__()
        self.gate_proj = nn.Linear(dim, inter, bias=False)
        self.up_proj = nn.Linear(dim, inter, bias=False)
        self.down_proj = nn.Linear(inter, dim, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Gate(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.E = cfg["n_routed_experts"]
        self.k = cfg["num_experts_per_tok"]
        self.n_group, self.topk_group = cfg.get("n_group", 1) or 1, cfg.get("topk_group", 1) or 1
        self.scale = cfg.get("routed_scaling_factor", 1.0)
        self.norm = cfg.get("norm_topk_prob", True)
        self.weight = nn.Parameter(torch.empty(self.E, cfg["hidden_size"]))
        self.register_buffer("e_score_correction_bias", torch.zeros(self.E))

    def forward(self, x, select_bias=None):
        """x [N, D] -> (expert ids [N, k], weights [N, k], scores [N, E]). select_bias: extra selection-only bias."""
        scores = torch.sigmoid(F.linear(x.float(), self.weight.float()))
        biased = scores + self.e_score_correction_bias
        if select_bias is not None:
            biased = biased + select_bias
        biased = biased.detach()
        if self.n_group > 1:
            g = biased.view(-1, self.n_group, self.E // self.n_group)
            gs = g.topk(2, dim=-1).values.sum(-1)
            keep = gs.topk(self.topk_group, dim=-1).indices
            gmask = torch.zeros_like(gs, dtype=torch.bool).scatter_(1, keep, True)
            biased = g.masked_fill(~gmask.unsqueeze(-1), float("-inf")).flatten(1)
        idx = biased.topk(self.k, dim=-1).indices
        w = scores.gather(1, idx)
        if self.norm:
            w = w / w.sum(-1, keepdim=True)
        return idx, (w * self.scale).to(x.dtype), scores


class MoE(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        D, I = cfg["hidden_size"], cfg["moe_intermediate_size"]
        self.gate = Gate(cfg)
        self.experts = nn.ModuleList(MLP(D, I) for _ in range(cfg["n_routed_experts"]))
        self.shared_experts = MLP(D, I * cfg["n_shared_experts"]) if cfg.get("n_shared_experts") else None
        self.last_idx = None
        self.last_scores = None  # [N, E] sigmoid scores of the last call, for a training loss on routing

    def forward(self, x, select_bias=None):
        shape = x.shape
        x = x.reshape(-1, shape[-1])
        idx, w, scores = self.gate(x, select_bias)
        self.last_idx = idx
        self.last_scores = scores
        out = torch.zeros_like(x)
        flat = idx.flatten()
        order = flat.argsort()
        counts = torch.bincount(flat, minlength=len(self.experts)).tolist()
        tok = order // idx.shape[1]
        wflat = w.flatten()[order]
        start = 0
        for e, c in enumerate(counts):
            if c == 0:
                continue
            t = tok[start:start + c]
            y = self.experts[e](x[t]) * wflat[start:start + c, None]
            out.index_add_(0, t, y)
            start += c
        if self.shared_experts is not None:
            out = out + self.shared_experts(x)
        return out.view(shape)


class Block(nn.Module):
    def __init__(self, cfg, layer):
        super().__init__()
        eps = cfg.get("rms_norm_eps", 1e-6)
        self.input_layernorm = RMSNorm(cfg["hidden_size"], eps)
        self.self_attn = MLA(cfg)
        self.post_attention_layernorm = RMSNorm(cfg["hidden_size"], eps)
        dense = layer < cfg.get("first_k_dense_replace", 0)
        self.mlp = MLP(cfg["hidden_size"], cfg["intermediate_size"]) if dense else MoE(cfg)

    def forward(self, h, cos, sin, select_bias=None):
        h = h + self.self_attn(self.input_layernorm(h), cos, sin)
        x = self.post_attention_layernorm(h)
        return h + (self.mlp(x, select_bias) if isinstance(self.mlp, MoE) else self.mlp(x))


class DeepseekV3(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList(Block(cfg, i) for i in range(cfg["num_hidden_layers"]))
        self.norm = RMSNorm(cfg["hidden_size"], cfg.get("rms_norm_eps", 1e-6))
        self.lm_head = nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)
        self.register_buffer("inv_freq", rope_inv_freq(cfg), persistent=False)

    def moe_layers(self):
        return [(i, b.mlp) for i, b in enumerate(self.layers) if isinstance(b.mlp, MoE)]

    def forward(self, ids, select_bias=None):
        T = ids.shape[1]
        pos = torch.arange(T, dtype=torch.float32, device=ids.device)
        ang = torch.outer(pos, self.inv_freq)
        cos, sin = ang.cos(), ang.sin()
        h = self.embed_tokens(ids)
        for i, layer in enumerate(self.layers):
            h = layer(h, cos, sin, None if select_bias is None else select_bias.get(i))
        return self.lm_head(self.norm(h))

    def init_weights(self, seed):
        g = torch.Generator().manual_seed(seed)
        std = 0.02
        n = self.cfg["num_hidden_layers"]
        for name, p in self.named_parameters():
            if name.endswith("layernorm.weight") or name.endswith("norm.weight"):
                nn.init.ones_(p)
            elif name.endswith(("o_proj.weight", "down_proj.weight")):
                with torch.no_grad():
                    p.normal_(0, std / math.sqrt(2 * n), generator=g)
            else:
                with torch.no_grad():
                    p.normal_(0, std, generator=g)

    def hf_state_dict(self):
        """Tensors under their HF DeepSeek-V3 names (model.* prefix, lm_head.weight)."""
        out = {}
        for k, v in self.state_dict().items():
            out[k if k.startswith("lm_head") else "model." + k] = v
        return out

    def load_hf_state_dict(self, sd):
        own = {k if k.startswith("lm_head") else k[len("model."):]: v for k, v in sd.items()}
        self.load_state_dict(own, strict=True)


# --- safetensors, written and read by hand (no Python package for it here) ---

_DT = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32"}
_TD = {v: k for k, v in _DT.items()}


def save_safetensors(tensors, path, metadata=None):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        b = ctypes.string_at(t.data_ptr(), t.numel() * t.element_size()) if t.numel() else b""  # no numpy needed
        header[name] = {"dtype": _DT[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        dt = _TD[info["dtype"]]
        buf = bytearray(data[a:b])
        if a == b:
            t = torch.zeros(0, dtype=dt)
        elif dt == torch.bfloat16:
            t = torch.frombuffer(buf, dtype=torch.int16).view(torch.bfloat16)
        else:
            t = torch.frombuffer(buf, dtype=dt)
        out[name] = t.reshape(info["shape"]).clone()
    return out


def load_checkpoint(path):
    """torch.load of our own training checkpoint (trusted: it holds the config and arguments next to tensors)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:  # a torch without the weights_only argument
        return torch.load(path, map_location="cpu")
