//! # stakebid-tests
//!
//! End-to-end tests that start the real pieces (nats-server, anvil, the
//! node, several solvers, the viem client) and assert on-chain outcomes.
//! This directory also holds the project's setup, run and test scripts
//! (`setup.sh`, `run.sh`, `test.sh`) and the JavaScript cross-checks
//! (`js/`, viem).
//!
//! The process-level suites arrive with the node and settlement issues; the
//! CLI's own end-to-end checks live in the root package (`tests/cli/`).
#![forbid(unsafe_code)]
