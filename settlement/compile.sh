#!/usr/bin/env bash
# Compiles settlement/contracts/*.sol with solc 0.8.28 (npm `solc`, installed
# in tests/js by tests/setup.sh) into settlement/artifacts/<Name>.json:
# { "abi": [...], "bytecode": "0x..." }, the form alloy's `sol!` reads.
# Usage: settlement/compile.sh [OUT_DIR]   (default: settlement/artifacts)
# The committed artifacts are checked against a fresh compile by a test.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/artifacts}"
solcjs="$here/../tests/js/node_modules/.bin/solcjs"
[ -x "$solcjs" ] || { echo "solcjs missing: run tests/setup.sh" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
cd "$here/contracts"
for src in *.sol; do
  "$solcjs" --optimize --optimize-runs 200 --abi --bin -o "$tmp" "$src" >/dev/null
done
for abi in "$tmp"/*.abi; do
  base="$(basename "$abi" .abi)"
  name="${base##*_}"
  node -e '
    const fs = require("fs");
    const [abi, bin, out] = process.argv.slice(1);
    const art = { abi: JSON.parse(fs.readFileSync(abi, "utf8")), bytecode: "0x" + fs.readFileSync(bin, "utf8").trim() };
    fs.writeFileSync(out, JSON.stringify(art, null, 1) + "\n");
  ' "$abi" "$tmp/$base.bin" "$out/$name.json"
done
echo "compiled $(ls "$out" | wc -l) contracts into $out"
