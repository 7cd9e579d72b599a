#!/usr/bin/env bash
# The engine's own figures on a model: bits per byte on the held-out texts that evaluate.py scored (--dump-dir), and
# prefill / decode tokens per second of a code completion, one thread.
#   bash engine/train/engine-eval.sh MODEL_DIR DUMP_DIR OUT.json
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:?model dir} dump=${2:?dump dir} out=${3:?out json}
tmp=$(mktemp -d)
for d in "$dump"/*/; do
  key=$(basename "$d")
  args=()
  for f in "$d"*.txt; do args+=(--file "$f"); done
  npm run -s engine -- perplexity --model "$model" "${args[@]}" --json --threads 1 >"$tmp/$key.json"
done
prompt=$'<|fim_prefix|>def mean(values):\n    """The arithmetic mean of a non-empty list."""\n    total = 0\n    for v in values:\n<|fim_suffix|>\n    return total / len(values)\n<|fim_middle|>'
npm run -s engine -- generate --model "$model" --prompt "$prompt" --max-tokens 48 --json --threads 1 >"$tmp/generate.json"
/usr/bin/python3 - "$tmp" "$out" <<'EOF'
import json, os, sys
tmp, out = sys.argv[1:]
res = {}
for f in sorted(os.listdir(tmp)):
    res[f[:-5]] = json.load(open(os.path.join(tmp, f)))
json.dump(res, open(out, "w"), indent=1)
print(json.dumps(res, indent=1))
EOF
rm -rf "$tmp"
