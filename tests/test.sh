#!/usr/bin/env bash
# The test command: installs what is missing, checks formatting and lints,
# then runs every test in the workspace in the release profile (one profile
# for build, run and test, so nothing is compiled twice).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stakebid-target}"
say() { printf '\033[1m[test]\033[0m %s\n' "$*"; }

bash tests/setup.sh
say "cargo fmt --check"
cargo fmt --all --check
say "cargo clippy --all-targets -- -D warnings (release profile)"
cargo clippy --release --workspace --all-targets --quiet -- -D warnings
say "cargo test --release --workspace"
cargo test --release --workspace
