#!/usr/bin/env bash
# The GPU path of the default model, in three steps (see engine/train/README.md):
#
#   bash engine/train/gpu-run.sh bundle          # here, once: pack the corpus (from corpus.py) into engine/train/bundle/
#   bash engine/train/gpu-run.sh train           # on the GPU machine, as one call that carries engine/train/bundle:
#                                                #   unpack, tokenise on the fly in worker processes, train, export
#                                                #   bf16 shards (<= 16 MiB each, <= 8 files) into $OUT/model
#   bash engine/train/gpu-run.sh install DIR     # here: DIR = the returned files; completes the HF folder in
#                                                #   engine/train/candidates/gpu, evaluates it next to the default
#                                                #   model and prints both; replace the default only when it is better
#
# Knobs for `train` (environment): MINUTES (training budget, default 6), PRESET (gpu-medium), DEVICE (cuda), BATCH (64),
# SEQ (1024), LR (2e-3), WORKERS (12), STATE (/tmp/switchyard-train). DEVICE=cpu PRESET=cpu-small MINUTES=0.3 BATCH=2
# SEQ=128 WORKERS=1 rehearses the whole call on a CPU.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=engine/train
bundle=$here/bundle/corpus.tar.xz

python_with_torch() {
  for py in python3 /usr/bin/python3 python; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import torch' >/dev/null 2>&1; then echo "$py"; return; fi
  done
  echo "no Python with torch found" >&2
  exit 1
}

case "${1:-}" in
  bundle)
    corpus=${CORPUS:-/work/train-state/corpus}
    mkdir -p "$here/bundle"
    tar -C "$corpus" -cf - train.jsonl val.jsonl test.jsonl math-train-problems.json math-val-problems.json \
      math-test-problems.json | xz -6 -T1 >"$bundle.tmp"
    mv "$bundle.tmp" "$bundle"
    sha256sum "$bundle" | tee "$here/bundle/SHA256SUMS"
    ls -l "$bundle"
    ;;
  train)
    py=$(python_with_torch)
    out=${OUT:?set OUT to the folder whose files come back}
    state=${STATE:-/tmp/switchyard-train}
    corpus=$state/corpus
    mkdir -p "$corpus" "$out/model"
    [ -f "$bundle" ] || { echo "$bundle is missing: run 'gpu-run.sh bundle' here and carry engine/train/bundle" >&2; exit 1; }
    (cd "$here/bundle" && sha256sum -c SHA256SUMS)
    xz -dc -T0 "$bundle" | tar -C "$corpus" -xf -
    "$py" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")'
    "$py" $here/train.py --corpus "$corpus" --tokenizer engine/models/default --state "$state/run" \
      --preset "${PRESET:-gpu-medium}" --device "${DEVICE:-cuda}" $([ "${DEVICE:-cuda}" = cuda ] && echo --bf16) \
      --threads "${THREADS:-4}" --seq-len "${SEQ:-1024}" --batch-size "${BATCH:-64}" --lr "${LR:-2e-3}" \
      --bias-rate "${BIAS_RATE:-0.001}" --budget-minutes "${MINUTES:-6}" --workers "${WORKERS:-12}" \
      --eval-minutes 1.5 --checkpoint-minutes 1000 --log-every 20 2>&1 | tee "$out/train-stdout.txt"
    "$py" $here/export.py --state "$state/run" --tokenizer engine/models/default --out "$state/export" \
      --dtype "${DTYPE:-bf16}" --shard-mib 15
    # what comes back is limited to 8 files: the shards, their index, config.json, the log and the stdout
    cp "$state/export"/model-*.safetensors "$state/export/model.safetensors.index.json" "$state/export/config.json" "$out/model/"
    cp "$state/run/log.jsonl" "$out/log.jsonl"
    ls -l "$out" "$out/model"
    ;;
  install)
    src=${2:?usage: gpu-run.sh install DIR-WITH-RETURNED-FILES}
    py=$(python_with_torch)
    dest=$here/candidates/gpu
    rm -rf "$dest"
    mkdir -p "$dest"
    cp "$src"/model/* "$dest/"
    cp "$src/log.jsonl" "$dest/train-log.jsonl"
    "$py" - "$dest" <<'EOF'
import json, os, shutil, sys
sys.path.insert(0, "engine/train")
from export import tokenizer_config
from bpe import SPECIALS
d = sys.argv[1]
shutil.copy("engine/models/default/tokenizer.json", d)
seq = 1024
for line in open(os.path.join(d, "train-log.jsonl")):
    e = json.loads(line)
    if e.get("event") == "start":
        seq = e["args"]["seq_len"]
json.dump(tokenizer_config(seq), open(os.path.join(d, "tokenizer_config.json"), "w"), indent=2)
shutil.copy("engine/models/default/generation_config.json", d)
EOF
    "$py" -c "import sys; sys.path.insert(0, '$here'); from train import plot; plot('$dest/train-log.jsonl', '$dest/loss.png')"
    for m in engine/models/default "$dest"; do
      "$py" $here/evaluate.py --model "$m" --corpus "${CORPUS:-/work/train-state/corpus}" --out "$m.eval.json" \
        --fim "${FIM:-50}" --math "${MATH:-50}" --threads "${THREADS:-1}" | tail -4
    done
    du -sh "$dest"
    ;;
  *)
    sed -n '2,16p' "$0"
    exit 2
    ;;
esac
