#!/usr/bin/env bash
# The run command: installs what is missing (tests/setup.sh: Debian and npm
# packages), builds the `stakebid` binary (release profile), and starts
# `stakebid dev`: a complete local marketplace on embedded defaults — anvil,
# the contracts deployed, the node with three bonded solvers, and a demo in
# which six stakers' intents are auctioned and settled on-chain. It keeps
# running (explorer at http://127.0.0.1:8645/) until Ctrl-C.
# Arguments go to `stakebid dev` (e.g. --exit-after-demo, --nats).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stakebid-target}"
say() { printf '\n\033[1m[run]\033[0m %s\n' "$*"; }

bash tests/setup.sh
say "building stakebid (release; the first build takes ~5-7 minutes)"
cargo build --release --quiet --bin stakebid
say "starting the local marketplace: stakebid dev $*"
exec "$CARGO_TARGET_DIR/release/stakebid" dev "$@"
