#!/usr/bin/env bash
# Compiles settlement/contracts/*.sol with solc 0.8.28 (npm `solc`, installed
# in tests/js by tests/setup.sh) through its standard-JSON interface into
# settlement/artifacts/<Name>.json: { "abi": [...], "bytecode": "0x..." }, the
# form alloy's `sol!` reads; one file per deployable contract.
# Usage: settlement/compile.sh [OUT_DIR]   (default: settlement/artifacts)
# The committed artifacts are checked against a fresh compile by a test.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/artifacts}"
js="$here/../tests/js"
[ -f "$js/node_modules/solc/package.json" ] || { echo "solc missing: run tests/setup.sh" >&2; exit 1; }
mkdir -p "$out"
NODE_PATH="$js/node_modules" node - "$here/contracts" "$out" <<'JS'
const fs = require("fs"), path = require("path"), solc = require("solc");
const [dir, out] = process.argv.slice(2);
const sources = {};
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".sol")).sort()) {
  sources[f] = { content: fs.readFileSync(path.join(dir, f), "utf8") };
}
const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "cancun",
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
const res = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (res.errors || []).filter((e) => e.severity === "error");
for (const e of res.errors || []) console.error(e.formattedMessage);
if (errors.length) process.exit(1);
let n = 0;
for (const file of Object.keys(res.contracts).sort()) {
  for (const [name, c] of Object.entries(res.contracts[file])) {
    if (!c.evm.bytecode.object) continue; // interfaces and abstract contracts
    const art = { abi: c.abi, bytecode: "0x" + c.evm.bytecode.object };
    fs.writeFileSync(path.join(out, name + ".json"), JSON.stringify(art, null, 1) + "\n");
    n++;
  }
}
console.log(`compiled ${n} contracts into ${out}`);
JS
