"""Checks model.py against the official DeepSeek reference outputs in test/fixtures/deepseek (V3 models).

Run: /usr/bin/python3 engine/train/test_model.py   (prints the max abs logit difference per fixture; exit 1 on failure)
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import DeepseekV3, load_safetensors  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "deepseek")


def check(name):
    d = os.path.join(ROOT, name)
    cfg = json.load(open(os.path.join(d, "config.json")))
    m = DeepseekV3(cfg)
    m.load_hf_state_dict(load_safetensors(os.path.join(d, "model.safetensors")))
    m.eval()
    gold = json.load(open(os.path.join(d, "golden.json")))
    gt = load_safetensors(os.path.join(d, "golden.safetensors"))
    worst = 0.0
    for i, p in enumerate(gold["prompts"]):
        ids = torch.tensor([p["tokens"]])
        with torch.no_grad():
            logits = m(ids)[0]
        diff = (logits - gt[f"p{i}.prefill_logits"]).abs().max().item()
        worst = max(worst, diff)
        for li, (layer, moe) in enumerate(m.moe_layers()):
            got = [sorted(r) for r in moe.last_idx.tolist()]
            want = [sorted(r) for r in p["routing"][li]["expert_indices"]]
            assert got == want, f"{name} p{i} layer {layer}: routing differs"
    print(f"{name}: max |logit diff| = {worst:.2e}")
    return worst < 1e-4


if __name__ == "__main__":
    torch.set_num_threads(1)
    ok = all([check("v3-tiny"), check("v3-tiny-yarn")])
    sys.exit(0 if ok else 1)
