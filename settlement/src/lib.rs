//! # stakebid-settlement
//!
//! On-chain settlement of awarded plans. Solidity sources live in
//! `contracts/`, compiled by `compile.sh` (solc 0.8.28 from npm) into
//! `artifacts/<Name>.json` (`{abi, bytecode}`), which are committed; a test
//! recompiles and fails if they are stale. alloy's `sol!` reads the
//! artifacts into typed bindings ([`registry`]).
//!
//! ```text
//! contracts/*.sol ──compile.sh (solcjs)──▶ artifacts/*.json ──sol!──▶ bindings
//! auction penalties ──registry::OnChainRegistry::slash──▶ SolverRegistry (bond, evidence)
//! Award + signed intents + plans ──executor──▶ eth_call ──▶ send ──▶ receipt   (not yet)
//! ```
//!
//! Today: `SolverRegistry` (bonds, auctioneer-only slashing with an
//! evidence hash, delayed withdrawals, eligibility at the minimum bond) with
//! its bindings and anvil tests. Settlement, adapters, protocol stand-ins
//! and the executor are the rest of the settlement issue.
#![forbid(unsafe_code)]

pub mod registry;

use std::path::PathBuf;

/// The anvil binary the npm package `@foundry-rs/anvil` installs under
/// `tests/js` (`tests/setup.sh`), or `$STAKEBID_ANVIL` if set.
pub fn anvil_path() -> PathBuf {
    if let Some(p) = std::env::var_os("STAKEBID_ANVIL") {
        return PathBuf::from(p);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/js/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
}
