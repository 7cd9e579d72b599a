"""Byte-level BPE: trainer, encoder and the Hugging Face `tokenizer.json` writer (plain Python, no dependencies).

The pre-tokenizer is one regex of ASCII character classes only, so Python's `re` here and JavaScript's RegExp in
`@huggingface/tokenizers` split every text identically (`\\s`, `\\w` and `\\p{..}` differ between the two). Digits are
single tokens so that arithmetic sees every digit. Non-ASCII characters go with punctuation runs; the byte-level
alphabet makes every string encodable.

Usage: python3 bpe.py --corpus /work/train-state/corpus/train.jsonl --vocab 4096 --out engine/models/default
"""
import argparse
import heapq
import json
import os
import random
import re
import time

SPECIALS = ["<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|file_sep|>",
            "<|im_start|>", "<|im_end|>"]
WS = "\\t\\n\\v\\f\\r "
# contractions | letters | one digit | punctuation and non-ASCII runs | whitespace not before a word | whitespace
PATTERN = (f"'(?:[sdmt]|ll|ve|re)| ?[A-Za-z]+| ?[0-9]| ?[^{WS}A-Za-z0-9]+|[{WS}]+(?![^{WS}])|[{WS}]+")
SPLIT = re.compile(PATTERN)
SPECIAL_RE = re.compile("(" + "|".join(re.escape(s) for s in SPECIALS) + ")")


def bytes_to_unicode():
    """GPT-2's reversible map from bytes to printable characters (what the ByteLevel pre-tokenizer uses)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    m = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + m)
            m += 1
    return dict(zip(bs, map(chr, cs)))


B2U = bytes_to_unicode()


def train(texts, vocab_size, log=print):
    t0 = time.time()
    counts = {}
    for t in texts:
        for part in SPECIAL_RE.split(t):
            if part in SPECIALS:
                continue
            for w in SPLIT.findall(part):
                counts[w] = counts.get(w, 0) + 1
    words = [list(w.encode("utf-8")) for w in counts]
    freqs = list(counts.values())
    log(f"bpe: {len(words)} distinct words in {time.time() - t0:.1f}s")
    # token ids: specials, then the 256 bytes, then merges
    base = len(SPECIALS)
    words = [[base + b for b in w] for w in words]
    pair_count = {}
    where = {}
    for i, w in enumerate(words):
        f = freqs[i]
        for p in zip(w, w[1:]):
            pair_count[p] = pair_count.get(p, 0) + f
            where.setdefault(p, set()).add(i)
    heap = [(-c, p) for p, c in pair_count.items()]
    heapq.heapify(heap)
    merges = []
    n_merges = vocab_size - base - 256
    while len(merges) < n_merges and heap:
        c, p = heapq.heappop(heap)
        cur = pair_count.get(p, 0)
        if cur <= 0:
            continue
        if -c != cur:
            heapq.heappush(heap, (-cur, p))
            continue
        new_id = base + 256 + len(merges)
        merges.append(p)
        changed = {}
        for i in where.pop(p, ()):
            w, f = words[i], freqs[i]
            j, out = 0, []
            while j < len(w):
                if j + 1 < len(w) and w[j] == p[0] and w[j + 1] == p[1]:
                    out.append(new_id)
                    j += 2
                else:
                    out.append(w[j])
                    j += 1
            for q in zip(w, w[1:]):
                changed[q] = changed.get(q, 0) - f
            for q in zip(out, out[1:]):
                changed[q] = changed.get(q, 0) + f
                where.setdefault(q, set()).add(i)
            words[i] = out
        pair_count.pop(p, None)
        for q, d in changed.items():
            if q == p or d == 0:
                continue
            v = pair_count.get(q, 0) + d
            pair_count[q] = v
            if d > 0:
                heapq.heappush(heap, (-v, q))
        if len(merges) % 500 == 0:
            log(f"bpe: {len(merges)} merges, {time.time() - t0:.1f}s")
    return merges


class Tokenizer:
    """Encoder/decoder equal to the written tokenizer.json (specials are matched in the text, as HF does)."""

    def __init__(self, merges):
        base = len(SPECIALS)
        self.strings = {i: s for i, s in enumerate(SPECIALS)}
        for b in range(256):
            self.strings[base + b] = B2U[b]
        self.ranks = {}
        for r, (a, b) in enumerate(merges):
            new = base + 256 + r
            self.strings[new] = self.strings[a] + self.strings[b]
            self.ranks[(a, b)] = r
        self.merges = merges
        self.special_ids = {s: i for i, s in enumerate(SPECIALS)}
        self.id_of = {s: i for i, s in self.strings.items()}
        self.u2b = {u: b for b, u in B2U.items()}
        self.cache = {}
        self.vocab_size = base + 256 + len(merges)

    def _word(self, w):
        ids = self.cache.get(w)
        if ids is not None:
            return ids
        base = len(SPECIALS)
        ids = [base + b for b in w.encode("utf-8")]
        ranks = self.ranks
        while len(ids) > 1:
            best, bi = None, -1
            for j in range(len(ids) - 1):
                r = ranks.get((ids[j], ids[j + 1]))
                if r is not None and (best is None or r < best):
                    best, bi = r, j
            if best is None:
                break
            pair = (ids[bi], ids[bi + 1])
            new = base + 256 + best
            out, j = [], 0
            while j < len(ids):
                if j + 1 < len(ids) and ids[j] == pair[0] and ids[j + 1] == pair[1]:
                    out.append(new)
                    j += 2
                else:
                    out.append(ids[j])
                    j += 1
            ids = out
        if len(self.cache) < 2_000_000:
            self.cache[w] = ids
        return ids

    def encode_plain(self, text):
        """Encodes text with no special-token matching (training data: a literal `<|im_end|>` in a source file)."""
        out = []
        for w in SPLIT.findall(text):
            out.extend(self._word(w))
        return out

    def encode(self, text):
        out = []
        for part in SPECIAL_RE.split(text):
            if not part:
                continue
            if part in self.special_ids:
                out.append(self.special_ids[part])
            else:
                out.extend(self.encode_plain(part))
        return out

    def decode(self, ids):
        s = "".join(self.strings[i] if i >= len(SPECIALS) else "\0" + SPECIALS[i] + "\0" for i in ids)
        out, buf = [], bytearray()
        for part in s.split("\0"):
            if part in self.special_ids:
                out.append(buf.decode("utf-8", errors="replace"))
                buf = bytearray()
                out.append(part)
            else:
                buf.extend(self.u2b[c] for c in part)
        out.append(buf.decode("utf-8", errors="replace"))
        return "".join(out)

    def to_hf_json(self):
        added = [{"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                  "normalized": False, "special": True} for i, s in enumerate(SPECIALS)]
        vocab = {s: i for i, s in sorted(self.strings.items())}
        return {
            "version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": PATTERN}, "behavior": "Isolated", "invert": False},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]},
            "post_processor": None,
            "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": vocab, "merges": [[self.strings[a], self.strings[b]] for a, b in self.merges]},
        }

    @staticmethod
    def from_hf_json(path):
        j = json.load(open(path))
        vocab = j["model"]["vocab"]
        merges = [(vocab[a], vocab[b]) for a, b in (m if isinstance(m, list) else m.split(" ") for m in j["model"]["merges"])]
        return Tokenizer(merges)


def sample_texts(corpus, budget, seed=0):
    """A fixed share of each domain, so the vocabulary serves code, prose and math."""
    docs = {"code": [], "prose": [], "math": []}
    with open(corpus) as f:
        for line in f:
            d = json.loads(line)
            if d["domain"] in docs:
                docs[d["domain"]].append(d["text"])
    r = random.Random(seed)
    share = {"code": 0.65, "prose": 0.2, "math": 0.15}
    out = []
    for dom, texts in docs.items():
        r.shuffle(texts)
        got = 0
        for t in texts:
            if got >= budget * share[dom]:
                break
            out.append(t)
            got += len(t)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--sample-bytes", type=int, default=12_000_000)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    texts = sample_texts(a.corpus, a.sample_bytes)
    merges = train(texts, a.vocab)
    tok = Tokenizer(merges)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "tokenizer.json"), "w") as f:
        json.dump(tok.to_hf_json(), f, ensure_ascii=False)
    n_bytes = sum(len(t.encode()) for t in texts[:300])
    n_tok = sum(len(tok.encode(t)) for t in texts[:300])
    for t in texts[:300]:
        assert tok.decode(tok.encode(t)) == t
    print(json.dumps({"vocab": tok.vocab_size, "bytes_per_token_sample": round(n_bytes / n_tok, 3)}))


if __name__ == "__main__":
    main()
