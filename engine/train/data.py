"""Training examples: fill-in-the-middle on code (PSM and SPM), plain LM on math and prose, ChatML chat.

Every row of a batch is one domain (code, math, prose or chat), filled by packing that domain's documents with
`<|endoftext|>` between them. The random stream of step s is seeded by (seed, s) alone, so a resumed run sees
exactly the batches an uninterrupted one would have seen.
"""
import json
import random

import torch

EOT, FIM_PREFIX, FIM_MIDDLE, FIM_SUFFIX = "<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>"
IM_START, IM_END = "<|im_start|>", "<|im_end|>"
DEFAULT_MIX = {"code": 0.5, "math": 0.2, "prose": 0.18, "chat": 0.12}
LANG_FENCE = {"python": "python", "javascript": "javascript", "typescript": "typescript"}


def load_docs(path, domains=("code", "math", "prose")):
    docs = {d: [] for d in domains}
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            if d["domain"] in docs:
                docs[d["domain"]].append((d["lang"], d["text"]))
    return docs


def window(r, text, max_chars, sep="\n"):
    """A random slice of about max_chars characters starting at a line (or problem) boundary."""
    if len(text) <= max_chars:
        return text
    start = r.randrange(0, len(text) - max_chars)
    nl = text.find(sep, start)
    start = 0 if nl < 0 or nl > start + max_chars // 2 else nl + len(sep)
    return text[start:start + max_chars]


def fim_split(r, text):
    """prefix, middle, suffix: half the time whole lines (what inline completion asks for), else a random span."""
    if r.random() < 0.5:
        lines = text.splitlines(keepends=True)
        if len(lines) >= 3:
            i = r.randrange(1, len(lines) - 1)
            j = min(len(lines), i + r.choice([1, 1, 1, 2, 3, 5]))
            return "".join(lines[:i]), "".join(lines[i:j]), "".join(lines[j:])
    a, b = sorted(r.randrange(0, len(text) + 1) for _ in range(2))
    return text[:a], text[a:b], text[b:]


def fim_text(r, text, spm):
    p, m, s = fim_split(r, text)
    if spm:  # SPM: suffix first, then prefix directly followed by the middle
        return f"{FIM_PREFIX}{FIM_SUFFIX}{s}{FIM_MIDDLE}{p}{m}"
    return f"{FIM_PREFIX}{p}{FIM_SUFFIX}{s}{FIM_MIDDLE}{m}"


def chatml(messages):
    """The messages as ChatML: the same text the chat template in tokenizer_config.json renders."""
    return messages


def chatml_ids(tok, messages):
    """Structure tokens are special; the content is encoded plainly (a literal `<|im_end|>` in code stays text)."""
    s, ids = tok.special_ids, []
    for m in messages:
        ids += [s[IM_START]] + tok.encode_plain(f"{m['role']}\n{m['content']}") + [s[IM_END]] + tok.encode_plain("\n")
    return ids


def math_chat(r, p):
    steps = "\n".join(f"{i + 1}. {s}" for i, s in enumerate(p["steps"]))
    ask = r.choice(["{q}", "{q} Show your steps.", "Please help: {q}", "{q} Explain briefly."]).format(q=p["question"])
    return chatml([{"role": "user", "content": ask},
                   {"role": "assistant", "content": f"{steps}\n\nAnswer: {p['answer']}"}])


def code_chat(r, lang, text):
    w = window(r, text, 1200)
    lines = w.splitlines(keepends=True)
    if len(lines) < 4:
        return None
    cut = r.randrange(2, len(lines) - 1)
    fence = LANG_FENCE.get(lang, "")
    head, tail = "".join(lines[:cut]), "".join(lines[cut:cut + r.randint(1, 6)])
    ask = r.choice(["Continue this code:", "What comes next?", "Complete the following {l} code:"]).format(l=lang)
    return chatml([{"role": "user", "content": f"{ask}\n```{fence}\n{head}```"},
                   {"role": "assistant", "content": f"```{fence}\n{tail}```"}])


class Sampler:
    def __init__(self, tok, docs, math_problems, seq_len, seed, mix=None, fim_rate=0.5, spm_rate=0.5):
        self.tok, self.docs, self.problems = tok, docs, math_problems
        self.seq_len, self.seed = seq_len, seed
        self.mix = mix or DEFAULT_MIX
        self.fim_rate, self.spm_rate = fim_rate, spm_rate
        self.eot = tok.special_ids[EOT]

    def _doc_tokens(self, r, domain):
        chars = self.seq_len * 4
        if domain == "chat":
            if r.random() < 0.6 or not self.docs["code"]:
                text = math_chat(r, r.choice(self.problems))
            else:
                lang, src = r.choice(self.docs["code"])
                text = code_chat(r, lang, src) or math_chat(r, r.choice(self.problems))
            return chatml_ids(self.tok, text) + [self.eot]
        lang, text = r.choice(self.docs[domain])
        text = window(r, text, chars, "\nProblem:" if domain == "math" else "\n")
        if domain == "code" and r.random() < self.fim_rate:
            # the special tokens are structure; the code around them must never be read as special tokens
            spm = r.random() < self.spm_rate
            p, m, s = fim_split(r, text)
            enc = self.tok.encode_plain
            sid = self.tok.special_ids
            if spm:
                ids = [sid[FIM_PREFIX], sid[FIM_SUFFIX]] + enc(s) + [sid[FIM_MIDDLE]] + enc(p) + enc(m)
            else:
                ids = [sid[FIM_PREFIX]] + enc(p) + [sid[FIM_SUFFIX]] + enc(s) + [sid[FIM_MIDDLE]] + enc(m)
            return ids + [self.eot]
        return self.tok.encode_plain(text) + [self.eot]

    def row(self, r, domain):
        ids = []
        while len(ids) < self.seq_len + 1:
            ids.extend(self._doc_tokens(r, domain))
        return ids[:self.seq_len + 1]

    def batch(self, step, batch_size):
        r = random.Random(self.seed * 1_000_003 + step)
        names = list(self.mix)
        weights = [self.mix[n] for n in names]
        domains = [r.choices(names, weights)[0] for _ in range(batch_size)]
        rows = [self.row(r, d) for d in domains]
        t = torch.tensor(rows, dtype=torch.long)
        return t[:, :-1], t[:, 1:], domains
