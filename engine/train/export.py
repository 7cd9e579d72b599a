"""Exports a training checkpoint to Hugging Face layout (what the engine and any DeepSeek-V3 loader read).

  /usr/bin/python3 engine/train/export.py --state /work/train-state/run-cpu --tokenizer engine/models/default \
      --out engine/models/default [--dtype f32|bf16] [--shard-mib 15]

Writes config.json (model_type deepseek_v3), model.safetensors (or model-0000N-of-0000M.safetensors plus
model.safetensors.index.json when sharded), tokenizer.json (copied), tokenizer_config.json (FIM tokens, ChatML chat
template, clean_up_tokenization_spaces false) and generation_config.json.
"""
import argparse
import json
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe import SPECIALS  # noqa: E402
from model import DeepseekV3, save_safetensors  # noqa: E402

CHAT_TEMPLATE = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
                 "'<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
                 "{% endif %}")


def tokenizer_config(model_max_length):
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>", "unk_token": None,
        "add_bos_token": False, "add_eos_token": False, "clean_up_tokenization_spaces": False,
        "model_max_length": model_max_length,
        "additional_special_tokens": SPECIALS[1:],
        "added_tokens_decoder": {str(i): {"content": s, "lstrip": False, "normalized": False, "rstrip": False,
                                          "single_word": False, "special": True} for i, s in enumerate(SPECIALS)},
        "fim_prefix_token": "<|fim_prefix|>", "fim_suffix_token": "<|fim_suffix|>",
        "fim_middle_token": "<|fim_middle|>", "file_sep_token": "<|file_sep|>",
        "fim_modes": ["psm", "spm"],
        "fim_note": "PSM: <|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|> -> middle, then <|endoftext|>. "
                    "SPM: <|fim_prefix|><|fim_suffix|>{suffix}<|fim_middle|>{prefix} -> middle.",
        "chat_template": CHAT_TEMPLATE,
    }


def export(state, tok_dir, out, dtype="f32", shard_mib=0):
    ck = torch.load(os.path.join(state, "checkpoint.pt"), map_location="cpu")
    cfg = dict(ck["config"])
    model = DeepseekV3(cfg)
    model.load_state_dict(ck["model"])
    sd = model.hf_state_dict()
    torch_dtype = {"f32": torch.float32, "bf16": torch.bfloat16}[dtype]
    sd = {k: v.to(torch_dtype) for k, v in sd.items()}
    cfg["torch_dtype"] = "float32" if dtype == "f32" else "bfloat16"
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):  # no stale shards from an earlier export
        if f.startswith("model") and f.endswith((".safetensors", ".json")):
            os.remove(os.path.join(out, f))
    meta = {"format": "pt", "step": str(ck["step"])}
    if shard_mib:
        shards, cur, size = [], {}, 0
        for k in sorted(sd):
            b = sd[k].numel() * sd[k].element_size()
            if cur and size + b > shard_mib * 2 ** 20:
                shards.append(cur)
                cur, size = {}, 0
            cur[k] = sd[k]
            size += b
        shards.append(cur)
        wmap = {}
        for i, sh in enumerate(shards):
            name = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
            save_safetensors(sh, os.path.join(out, name), meta)
            wmap.update({k: name for k in sh})
        total = sum(v.numel() * v.element_size() for v in sd.values())
        json.dump({"metadata": {"total_size": total}, "weight_map": wmap},
                  open(os.path.join(out, "model.safetensors.index.json"), "w"), indent=1)
    else:
        save_safetensors(sd, os.path.join(out, "model.safetensors"), meta)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    src_tok = os.path.join(tok_dir, "tokenizer.json")
    if os.path.abspath(src_tok) != os.path.abspath(os.path.join(out, "tokenizer.json")):
        shutil.copy(src_tok, os.path.join(out, "tokenizer.json"))
    seq_len = ck.get("args", {}).get("seq_len", 256)
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump(tokenizer_config(seq_len), f, indent=2)  # the context it was trained on
        f.write("\n")
    with open(os.path.join(out, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": 0, "eos_token_id": [0, SPECIALS.index("<|im_end|>")], "pad_token_id": 0,
                   "do_sample": False, "temperature": 1.0, "top_p": 1.0, "max_new_tokens": 128}, f, indent=2)
        f.write("\n")
    return ck["step"], cfg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--state", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", default="f32", choices=["f32", "bf16"])
    ap.add_argument("--shard-mib", type=int, default=0)
    a = ap.parse_args()
    step, cfg = export(a.state, a.tokenizer, a.out, a.dtype, a.shard_mib)
    print(json.dumps({"exported_step": step, "out": a.out}))


if __name__ == "__main__":
    main()
