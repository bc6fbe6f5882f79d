#!/usr/bin/env bash
# A tour of the CLI (the README run command is tests/run.sh): builds the `stakebid` binary
# (release profile), and runs a demo of the marketplace on its embedded
# defaults: the dated market snapshot, a wallet-signed intent, verification,
# and an offline auction round when the solver is present.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stakebid-target}"
say() { printf '\n\033[1m[run]\033[0m %s\n' "$*"; }

bash tests/setup.sh
say "building stakebid (release; first build takes ~5 minutes)"
cargo build --release --quiet --bin stakebid
B="$CARGO_TARGET_DIR/release/stakebid"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

say "the market: shipped snapshot of 2025-06-03, every figure sourced"
"$B" market show

say "a staker's intent, as the typed data a wallet signs (eth_signTypedData_v4)"
"$B" intent example --amount-eth 25 > "$work/intent.json"
cat "$work/intent.json"

say "signed with a local key (anvil's first development key), then verified"
sig="$("$B" intent sign --typed-data "$work/intent.json")"
echo "signature: $sig"
"$B" intent verify --typed-data "$work/intent.json" --signature "$sig"

say "the same signature on another chain is refused, with a stable code"
"$B" intent verify --typed-data "$work/intent.json" --signature "$sig" --chain-id 1 || true

say "an offline round: 12 stakers (conservative to yield-seeking), three competing strategies"
"$B" intents generate --count 12 --seed 1 > "$work/intents.json"
for s in greedy waterfill optimal; do
  echo "--- strategy: $s"
  "$B" solve --intents "$work/intents.json" --strategy "$s" > "$work/plans-$s.json"
done

say "the auctioneer's check: every optimal plan re-evaluated independently"
"$B" evaluate --intents "$work/intents.json" --plan "$work/plans-optimal.json" > "$work/verdict.json"
echo "first plan: $(head -c 600 "$work/plans-optimal.json")…"
say "whole auction rounds on a sled store: three competing solvers, one that goes silent after committing"
"$B" auction demo --intents 30 --seed 2 --data-dir "$work/node"

say "a live marketplace: the node (sled store, in-process bus) with two in-process solvers,"
echo "      a third solver as its own process over HTTP, 20 stakers' intents over the API"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
api="http://127.0.0.1:$port"
wkey=0x1212121212121212121212121212121212121212121212121212121212121212
"$B" node --data-dir "$work/live" --http "127.0.0.1:$port" --run-solvers optimal,greedy \
  --solver 0x1C5A77d9FA7eF466951B2F01F724BCa3A5820b63 --round-secs 1 --commit-secs 3 --reveal-secs 2 &
node_pid=$!
trap 'kill $node_pid ${solver_pid:-} 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "$api/healthz" >/dev/null && break; sleep 0.2; done
"$B" solver run --strategy waterfill --key "$wkey" --node "$api" --name solver-waterfill &
solver_pid=$!
sleep 1
"$B" intents generate --count 20 --seed 5 > "$work/live-intents.json"
"$B" intents submit --file "$work/live-intents.json" --node "$api" | tail -3
echo "(waiting for the rounds: commit 3 s, reveal 2 s)"
for _ in $(seq 60); do
  if curl -s "$api/v1/auctions" | grep -q '"phase":"awarded"'; then break; fi
  sleep 0.5
done
sleep 1
say "the public record: auctions, then an independent replay of auction 1 from what the node published"
curl -s "$api/v1/auctions"; echo
"$B" auction replay --node "$api" --id 1
echo "explorer: $api/  (this demo stops the node when it ends; run \`stakebid node --demo-solvers\` to keep one)"
kill "$solver_pid" "$node_pid" 2>/dev/null || true
wait 2>/dev/null || true

say "done"
