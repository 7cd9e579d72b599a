"""Writes the small reference fixtures the Node tests compare against (run after every export of the default model).

  /usr/bin/python3 engine/train/fixtures.py --model engine/models/default --corpus /work/train-state/corpus \
      --out test/fixtures/train

  tokenizer-samples.json   corpus excerpts from every domain and split plus hard cases, with the ids this Python
                           encoder gives; the Node test checks @huggingface/tokenizers gives the same ids and that
                           decode(encode(text)) is exact.
  default-parity.json      held-out sequences of the default model: token ids, the experts PyTorch selects at every
  default-parity.safetensors   token, logits at a few positions; plus bits per byte of a held-out text, so the engine's
                           perplexity is checked against PyTorch's. Tagged with the checkpoint's sha256.
"""
import argparse
import hashlib
import json
import os
import random
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import bits_per_byte, load_model  # noqa: E402
from model import save_safetensors  # noqa: E402

HARD_CASES = [
    "", " ", "\n", "\r\n\r\n", "\t\tx = 1\r\n", "a\u00a0b", "\ufeffBOM first", "emoji 😀👍🏽 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "中文字符 和 日本語のテキスト", "Ünïcödé façade naïve", "x**2 + 3*x - 1 = 0", "1234567890",
    "    def f(self):\n        return 42\n", "  \n\n   \t", "<|endoftext|>", "a<|fim_prefix|>b<|fim_suffix|>c<|fim_middle|>",
    "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", "don't we'll they've I'm", "\\frac{1}{2} + \\int_0^1 x\\,dx",
    "tab\tand\u000bvertical\u000cfeed", "\x1c\x1d\x1e\x1f separators", "\u2028line\u2029para", "zero\u200bwidth",
]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def tokenizer_samples(tok, corpus, n_per, max_chars, seed=0):
    r = random.Random(seed)
    out = []
    for split in ("train", "val", "test"):
        by_dom = {}
        with open(os.path.join(corpus, f"{split}.jsonl")) as f:
            for i, line in enumerate(f):
                if split == "train" and i % 50:
                    continue
                d = json.loads(line)
                by_dom.setdefault(f"{d['domain']}-{d['lang']}", []).append(d)
        for key in sorted(by_dom):
            for d in r.sample(by_dom[key], min(n_per, len(by_dom[key]))):
                t = d["text"]
                start = r.randrange(0, max(1, len(t) - max_chars))
                out.append({"source": d["id"], "split": split, "text": t[start:start + max_chars]})
    for t in HARD_CASES:
        out.append({"source": "hard-case", "split": "-", "text": t})
    for s in out:
        s["ids"] = tok.encode(s["text"])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(a.out, exist_ok=True)
    model, cfg, tok, ctx = load_model(a.model)

    samples = tokenizer_samples(tok, a.corpus, 3, 1200)
    with open(os.path.join(a.out, "tokenizer-samples.json"), "w") as f:
        json.dump(samples, f, ensure_ascii=False)

    test = [json.loads(l) for l in open(os.path.join(a.corpus, "val.jsonl"))]
    r = random.Random(1)
    seqs, tensors, routing = [], {}, []
    for dom in ("code", "math", "prose"):
        d = r.choice([x for x in test if x["domain"] == dom and len(x["text"]) > 400])
        ids = [0] + tok.encode(d["text"])[:47]
        with torch.no_grad():
            logits = model(torch.tensor([ids]))[0]
        positions = [0, 15, 31, len(ids) - 1]
        i = len(seqs)
        tensors[f"s{i}.logits"] = logits[positions].contiguous()
        seqs.append({"domain": dom, "source": d["id"], "tokens": ids, "positions": positions,
                     "argmax": logits.argmax(-1).tolist(),
                     "experts": [[sorted(t) for t in m.last_idx.tolist()] for _, m in model.moe_layers()]})
    # bits per byte of a held-out code text, computed the way `engine perplexity` does (windows of ctx)
    code = [x for x in test if x["domain"] == "code" and 1500 < len(x["text"])][:3]
    text = "".join(x["text"][:1500] for x in code)
    bpb, ntok, nb = bits_per_byte(model, tok, [text], ctx)
    st = os.path.join(a.model, "model.safetensors")
    meta = {"model_sha256": sha256(st) if os.path.exists(st) else None, "context": ctx, "sequences": seqs,
            "perplexity": {"text": text, "bits_per_byte": bpb, "tokens": ntok, "bytes": nb}}
    with open(os.path.join(a.out, "default-parity.json"), "w") as f:
        json.dump(meta, f)
    save_safetensors(tensors, os.path.join(a.out, "default-parity.safetensors"), {"format": "pt"})
    print(json.dumps({"samples": len(samples), "sequences": len(seqs), "bpb": bpb}))


if __name__ == "__main__":
    main()
