//! # stakebid-settlement
//!
//! On-chain settlement of awarded plans. Solidity sources live in
//! `contracts/{src,mocks,test}`, compiled by `compile.sh` (solc 0.8.28 from
//! npm, standard JSON) into `artifacts/<Name>.json` (production) and
//! `artifacts-mocks/` (stand-ins, test doubles), which are committed; a
//! test recompiles and fails if they are stale. The production bindings,
//! the registry and withdrawals live in `stakebid-chain` (re-exported
//! here); this crate adds the stand-ins' bindings ([`contracts`]),
//! deployment, the market reader and the executor.
//!
//! ```text
//! contracts/src/*.sol ──compile.sh (solcjs)──▶ artifacts/*.json ──sol!──▶ stakebid_chain bindings
//! market + keys ──deploy──▶ stand-ins, adapters, Settlement, SolverRegistry ──▶ deployment.json
//! award + bid + signed intents ──calldata──▶ Settle[] ──executor: eth_call, send, receipt──▶ journal (sled)
//! auction penalties ──registry::OnChainRegistry::slash──▶ SolverRegistry (bond, evidence)
//! ```
//!
//! - [`contracts`]: bindings for `Settlement`, the adapters, the position
//!   holder and the protocol stand-ins (Lido, Rocket Pool, EigenLayer).
//! - [`deploy`]: deploys and configures all of it for a market and writes
//!   the deployment file the node reads.
//! - [`calldata`]: pure conversion of an award, its bid and the signed
//!   intents into the `settle` arguments.
//! - [`executor`]: simulate, send (EIP-1559, replacement on timeout),
//!   receipt, and a sled journal so a restart never sends twice.
//! - [`registry`]: the SolverRegistry binding (bonds, slashing) and the
//!   devnet bonding helper.
//!
//! Depends on `stakebid-intents` only: the auction node drives settlement
//! through its own chain link (`stakebid_node::chain`), never the
//! reverse.
#![forbid(unsafe_code)]

pub mod calldata;
pub mod contracts;
pub mod deploy;
pub mod executor;
pub mod guarantee;
pub mod market;
pub mod revert;

pub use stakebid_chain::{chain_id, registry, withdrawals, ChainError, Confirm, JournalError};
