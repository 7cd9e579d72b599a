"""Markdown tables for the README from corpus-manifest.json and eval-results.json.

  /usr/bin/python3 engine/train/report.py --manifest engine/train/corpus-manifest.json \
      --eval engine/train/eval-results.json [--engine engine/train/engine-results.json]
"""
import argparse
import json


def mb(n):
    return f"{n / 1e6:.1f}"


def corpus_table(m):
    rows = ["| domain | train MB | val MB | test MB |", "|---|---|---|---|"]
    for d, b in sorted(m["bytes_by_domain"].items()):
        rows.append(f"| {d} | {mb(b['train'])} | {mb(b['val'])} | {mb(b['test'])} |")
    lic = {}
    for s in m["sources"]:
        lic[s["license"]] = lic.get(s["license"], 0) + sum(s["bytes"].values())
    rows.append("")
    rows.append(f"{len(m['sources'])} sources. Bytes by licence: " +
                ", ".join(f"{k} {mb(v)} MB" for k, v in sorted(lic.items(), key=lambda kv: -kv[1])) + ".")
    return "\n".join(rows)


def results_table(e, eng):
    rows = ["| held-out set (test split) | bits/byte (PyTorch) | tokens | bytes |" +
            (" bits/byte (engine) |" if eng else ""), "|---|---|---|---|" + ("---|" if eng else "")]
    for k, v in sorted(e["bits_per_byte"].items()):
        extra = f" {eng[k]['bits_per_byte']:.4f} |" if eng and k in eng else (" |" if eng else "")
        rows.append(f"| {k} | {v['bits_per_byte']:.3f} | {v['tokens']} | {v['bytes']} |{extra}")
    f, m = e["fim"], e["math"]
    rows.append("")
    rows.append(f"- FIM exact match (masked held-out code line, PSM, greedy): **{100 * f['exact_match']:.1f}%** of {f['n']}.")
    rows.append(f"- Math accuracy (held-out generated problems, greedy, exact `Answer:`): **{100 * m['accuracy']:.1f}%** "
                f"of {m['n']}; by kind: " + ", ".join(f"{k} {v}" for k, v in m["by_kind"].items()) + ".")
    return "\n".join(rows)


def experts_table(e):
    freq = e["expert_frequency"]
    doms = sorted(freq)
    layers = sorted(next(iter(freq.values())).keys(), key=int)
    E = len(freq[doms[0]][layers[0]])
    out = [f"Share of routed-expert selections (%, top-{2}) per MoE layer on held-out text; specialisation = mean "
           "total-variation distance of a domain's distribution from the pooled one (0 = identical use, 1 = disjoint).", ""]
    for li in layers:
        out.append(f"**Layer {li}** (specialisation {e['specialisation_tv'][li]:.3f})")
        out.append("")
        out.append("| domain | " + " | ".join(f"e{j}" for j in range(E)) + " |")
        out.append("|---|" + "---|" * E)
        for d in doms:
            out.append(f"| {d} | " + " | ".join(f"{100 * x:.1f}" for x in freq[d][li]) + " |")
        out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--engine")
    a = ap.parse_args()
    m = json.load(open(a.manifest))
    e = json.load(open(a.eval))
    eng = json.load(open(a.engine)) if a.engine else None
    print("## CORPUS\n" + corpus_table(m) + "\n\n## RESULTS\n" + results_table(e, eng) + "\n\n## EXPERTS\n" +
          experts_table(e))


if __name__ == "__main__":
    main()
