#!/usr/bin/env bash
# The soak (tests/soak/main.rs): a local marketplace on real processes —
# anvil (a block a second), the contracts, the node and its three demo
# solvers bonded on-chain — under intake load, SIGKILLs of the node at
# commit / reveal / award / with a settlement pending, stakers who
# double-submit on one escrow, cancel on-chain or front-run their own
# settlement, and forged solver messages. Prints acknowledged / lost,
# double settlements, skipped intents by reason, penalties against honest
# solvers and intake p50 / p99; fails on any loss, double settlement or
# unearned penalty. Everything on 127.0.0.1, stopped at the end.
#
# Usage: tests/soak.sh [SECONDS] [SEED]   (default 600 s; CI runs 45 s as
# part of tests/test.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stakebid-target}"
bash tests/setup.sh
export SOAK_SECS="${1:-600}"
export SOAK_SEED="${2:-20261202}"
printf '\033[1m[soak]\033[0m %s\n' "running for ${SOAK_SECS} s (seed ${SOAK_SEED})"
exec cargo test --release --test soak -- --nocapture
