#!/usr/bin/env bash
# Compiles settlement/contracts with solc 0.8.28 (npm `solc`, pinned in
# settlement/package.json and installed here on first use) through its
# standard-JSON interface into one `{ "abi": [...], "bytecode": "0x..." }`
# file per deployable contract, the form alloy's `sol!` reads:
#   contracts/src/*.sol   → artifacts/<Name>.json        (production: what a deployment runs)
#   contracts/mocks/*.sol → artifacts-mocks/<Name>.json  (protocol stand-ins for devnets)
#   contracts/test/*.sol  → artifacts-mocks/<Name>.json  (test doubles: hostile adapters, wallets)
# Usage: settlement/compile.sh [OUT_DIR]   (default: settlement; writes OUT_DIR/artifacts{,-mocks})
# The committed artifacts are checked against a fresh compile by a test.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here}"
if [ ! -f "$here/node_modules/solc/package.json" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  echo "installing solc 0.8.28 in settlement/ (npm)" >&2
  (cd "$here" && npm install --no-fund --no-audit --loglevel=error >&2)
fi
mkdir -p "$out/artifacts" "$out/artifacts-mocks"
NODE_PATH="$here/node_modules" node - "$here/contracts" "$out" <<'JS'
const fs = require("fs"), path = require("path"), solc = require("solc");
const [dir, out] = process.argv.slice(2);
const sources = {};
for (const sub of ["src", "mocks", "test"]) {
  for (const f of fs.readdirSync(path.join(dir, sub)).filter((f) => f.endsWith(".sol")).sort()) {
    sources[`${sub}/${f}`] = { content: fs.readFileSync(path.join(dir, sub, f), "utf8") };
  }
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
const counts = { artifacts: 0, "artifacts-mocks": 0 };
for (const file of Object.keys(res.contracts).sort()) {
  const kind = file.startsWith("src/") ? "artifacts" : "artifacts-mocks";
  for (const [name, c] of Object.entries(res.contracts[file])) {
    if (!c.evm.bytecode.object) continue; // interfaces and abstract contracts
    if (c.abi.length === 0) continue; // libraries of internal functions: compiled into their users
    const art = { abi: c.abi, bytecode: "0x" + c.evm.bytecode.object };
    fs.writeFileSync(path.join(out, kind, name + ".json"), JSON.stringify(art, null, 1) + "\n");
    counts[kind]++;
  }
}
console.log(`compiled ${counts.artifacts} production contracts into ${out}/artifacts, ${counts["artifacts-mocks"]} stand-ins and test doubles into ${out}/artifacts-mocks`);
JS
