//! # stakebid-settlement
//!
//! On-chain settlement of awarded plans. Solidity sources live in
//! `contracts/`, compiled by `compile.sh` (solc 0.8.28 from npm, standard
//! JSON) into `artifacts/<Name>.json` (`{abi, bytecode}`), which are
//! committed; a test recompiles and fails if they are stale. alloy's `sol!`
//! reads the artifacts into typed bindings ([`contracts`], [`registry`]).
//!
//! ```text
//! contracts/*.sol ──compile.sh (solcjs)──▶ artifacts/*.json ──sol!──▶ bindings
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
//! through its own chain link (`stakebid_auction::infra::chain`), never the
//! reverse.
#![forbid(unsafe_code)]

pub mod calldata;
pub mod contracts;
pub mod deploy;
pub mod executor;
pub mod market;
pub mod registry;
pub mod revert;
pub mod withdrawals;

use alloy::contract::{CallBuilder, CallDecoder};
use alloy::primitives::B256;
use alloy::providers::Provider;
use alloy::rpc::types::TransactionReceipt;

/// A chain operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The contract reverted or the node refused the call.
    #[error("the chain refused the call: {0}")]
    Call(#[from] alloy::contract::Error),
    /// The transaction was sent but its receipt could not be read.
    #[error("no receipt: {0}")]
    Receipt(#[from] alloy::providers::PendingTransactionError),
    /// The transaction was mined and reverted.
    #[error("transaction {0} reverted")]
    Reverted(B256),
    /// The RPC endpoint failed.
    #[error("RPC failed: {0}")]
    Rpc(#[from] alloy::transports::TransportError),
    /// A deployment file or setting is wrong.
    #[error("{0}")]
    Config(String),
    /// The executor's journal failed.
    #[error("settlement journal: {0}")]
    Journal(String),
}

impl stakebid_intents::Coded for ChainError {
    fn code(&self) -> &str {
        match self {
            ChainError::Call(_) => "chain.call_failed",
            ChainError::Receipt(_) => "chain.no_receipt",
            ChainError::Reverted(_) => "chain.reverted",
            ChainError::Rpc(_) => "chain.rpc_failed",
            ChainError::Config(_) => "chain.config",
            ChainError::Journal(_) => "chain.journal",
        }
    }
}

/// Send a contract call and wait for it to be mined: the one place for the
/// send → receipt → status pattern (deployment, bonding, the SDK, tests).
pub trait Confirm {
    /// Sends, waits for the receipt; a mined revert is [`ChainError::Reverted`].
    fn confirm(self) -> impl std::future::Future<Output = Result<TransactionReceipt, ChainError>>;
}

impl<P: Provider, D: CallDecoder> Confirm for CallBuilder<P, D> {
    async fn confirm(self) -> Result<TransactionReceipt, ChainError> {
        let r = self.send().await?.get_receipt().await?;
        if !r.status() {
            return Err(ChainError::Reverted(r.transaction_hash));
        }
        Ok(r)
    }
}

/// The chain id behind RPC endpoint `rpc`.
pub async fn chain_id(rpc: &str) -> Result<u64, ChainError> {
    let url = rpc.parse().map_err(|_| ChainError::Config(format!("bad RPC URL {rpc}")))?;
    let p = alloy::providers::ProviderBuilder::new().connect_http(url);
    Ok(p.get_chain_id().await?)
}
