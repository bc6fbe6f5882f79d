//! # stakebid-settlement
//!
//! On-chain settlement of awarded plans: the Solidity contracts (Settlement,
//! SolverRegistry, adapters, local protocol stand-ins) compiled by `solc`,
//! their alloy bindings, deployment, and the executor that turns an
//! `intents::protocol::Award` into a transaction, simulates, sends, watches
//! and records it.
//!
//! ```text
//! Award + signed intents + plans ──executor──▶ eth_call ──▶ send (EIP-1559) ──▶ receipt
//!                                                  └─ revert ──▶ runner-up bid
//! ```
//!
//! Nothing is implemented yet: this crate is the settlement issue's.
#![forbid(unsafe_code)]
