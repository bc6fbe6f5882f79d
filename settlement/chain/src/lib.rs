//! # stakebid-chain
//!
//! The contracts as a wallet or reader sees them, with nothing of the
//! executor or the node's storage: one typed binding per production
//! contract (`sol!` over `settlement/artifacts/`, which holds no stand-in
//! or test double), the protocols' interfaces with their real signatures
//! ([`protocols`]), the solver registry ([`registry`]) and restaked
//! withdrawals ([`withdrawals`]). The SDK and `stakebid-settlement` (the
//! executor, deployment and market reader) both build on it.
//!
//! ```text
//! contracts/src/*.sol ──compile.sh──▶ artifacts/*.json ──sol!──▶ contracts::{Settlement, …}
//! protocols' sources ──────────────────────────────────sol!──▶ protocols::{ILidoViews, IDelegationViews, …}
//! ```

#![forbid(unsafe_code)]

pub mod contracts;
pub mod guarantee;
pub mod protocols;
pub mod registry;
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
    /// The executor's journal failed (its code says why: the store was
    /// fenced or unreachable, or an entry did not read back).
    #[error("settlement journal: {0}")]
    Journal(#[from] JournalError),
}

/// A journal failure with the code of its cause: what the store said
/// (`store.fenced`, `store.unavailable`, …) reaches the operator as such,
/// not as a generic journal error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JournalError {
    /// The cause's code.
    pub code: stakebid_intents::codes::ErrorCode,
    /// What happened, for a person.
    pub message: String,
}

impl JournalError {
    /// A failure with the cause's code.
    pub fn new(code: stakebid_intents::codes::ErrorCode, message: impl Into<String>) -> Self {
        JournalError { code, message: message.into() }
    }

    /// A journal entry that does not read back (`chain.journal`).
    pub fn entry(message: impl std::fmt::Display) -> Self {
        JournalError::new(stakebid_intents::codes::ErrorCode::ChainJournal, message.to_string())
    }
}

impl stakebid_intents::Coded for ChainError {
    fn code(&self) -> &str {
        if self.out_of_gas_money() {
            return "chain.insufficient_funds";
        }
        match self {
            ChainError::Call(_) => "chain.call_failed",
            ChainError::Receipt(_) => "chain.no_receipt",
            ChainError::Reverted(_) => "chain.reverted",
            ChainError::Rpc(_) => "chain.rpc_failed",
            ChainError::Config(_) => "chain.config",
            ChainError::Journal(e) => e.code.as_str(),
        }
    }

    fn message(&self) -> String {
        if self.out_of_gas_money() {
            return stakebid_intents::error::INSUFFICIENT_FUNDS.to_string();
        }
        self.to_string()
    }
}

impl ChainError {
    /// The RPC refused a transaction its sender cannot pay for.
    fn out_of_gas_money(&self) -> bool {
        matches!(self, ChainError::Call(_) | ChainError::Rpc(_) | ChainError::Receipt(_))
            && stakebid_intents::error::is_insufficient_funds(&self.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;
    use stakebid_intents::Coded;

    /// anvil's (and geth's) refusal of a transaction its sender cannot pay
    /// for reaches people as a coded sentence, not the RPC's words.
    #[test]
    fn an_unfunded_sender_is_told_so_in_words() {
        for said in [
            "error code -32003: Insufficient funds for gas * price + value",
            "error code -32003: Out of gas: gas required exceeds allowance: 0",
        ] {
            let e = ChainError::Rpc(alloy::transports::TransportErrorKind::custom_str(said));
            assert_eq!(e.code(), "chain.insufficient_funds", "{said}");
            assert!(e.message().contains("too little ETH"), "{}", e.message());
        }
        let other = ChainError::Rpc(alloy::transports::TransportErrorKind::custom_str("timeout"));
        assert_eq!(other.code(), "chain.rpc_failed");
    }
}
