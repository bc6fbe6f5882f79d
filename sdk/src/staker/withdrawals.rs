//! Restaked positions out: the withdrawals a staker's position holders
//! queued (read from the delegation manager's `SlashingWithdrawalQueued`
//! events, kept only while still pending), when each can complete, and
//! completing them once the protocol's delay has passed.
//!
//! queue_withdrawal ─▶ holder ─▶ DelegationManager (event) ─▶ withdrawals()
//!   ─(delay blocks)─▶ complete_withdrawal ─▶ holder ─▶ tokens to the owner

use alloy::primitives::{Address, B256, U256};
use alloy::providers::Provider;
use alloy::rpc::types::Filter;
use alloy::sol_types::SolEvent;
use serde::Serialize;

use super::{chain_err, Staker};
use crate::SdkError;

#[allow(missing_docs, clippy::too_many_arguments)]
mod eigen {
    // The delegation manager's ABI from the compiled stand-in, which keeps
    // EigenLayer's names (`SlashingWithdrawalQueued`, `pendingWithdrawals`,
    // `minWithdrawalDelayBlocks`, the `Withdrawal` struct).
    alloy::sol!(
        #[sol(rpc, all_derives)]
        MockEigenLayer,
        "../settlement/artifacts/MockEigenLayer.json"
    );
}
#[allow(missing_docs, clippy::too_many_arguments)]
mod holder {
    alloy::sol!(
        #[sol(rpc, all_derives)]
        PositionHolder,
        "../settlement/artifacts/PositionHolder.json"
    );
}
use eigen::IDelegationManager::Withdrawal;
use eigen::MockEigenLayer::SlashingWithdrawalQueued;

/// A queued withdrawal of one restaked position.
#[derive(Clone, Debug, Serialize)]
pub struct PendingWithdrawal {
    /// The market's position id.
    pub position: String,
    /// Its holder (the withdrawal's staker and withdrawer).
    #[serde(with = "stakebid_intents::encoding::checksummed")]
    pub holder: Address,
    /// The withdrawal's root (its id at the delegation manager).
    pub root: B256,
    /// Shares queued out.
    #[serde(with = "stakebid_intents::encoding::decimal")]
    pub shares: U256,
    /// The token they come out as.
    #[serde(with = "stakebid_intents::encoding::checksummed")]
    pub token: Address,
    /// First block it can complete at.
    pub completable_at_block: u64,
    /// Blocks still to wait (0: it can complete now).
    pub blocks_left: u64,
    /// The withdrawal as queued (what completing it must present).
    #[serde(skip)]
    pub withdrawal: Withdrawal,
}

/// Blocks per `eth_getLogs` call: providers cap ranges (10,000 is common).
const LOG_CHUNK: u64 = 5_000;

impl Staker {
    /// This staker's withdrawals still pending, oldest first, each with the
    /// block it can complete at. Reads the delegation manager's events from
    /// the deployment block in chunks.
    pub async fn withdrawals(&self) -> Result<Vec<PendingWithdrawal>, SdkError> {
        let (p, dep) = self.chain()?;
        let holders: Vec<(String, Address, Address)> = self
            .positions()
            .await?
            .into_iter()
            .filter_map(|x| Some((x.position.clone(), x.holder, x.strategy?)))
            .collect();
        if holders.is_empty() {
            return Ok(vec![]);
        }
        let dm = eigen::MockEigenLayer::new(dep.eigenlayer, p.clone());
        let delay = u64::from(dm.minWithdrawalDelayBlocks().call().await.map_err(chain_err)?);
        let head = p.get_block_number().await.map_err(chain_err)?;
        let mut out = vec![];
        // The deployment does not record its block: a devnet's chain is
        // short; on a long chain this is head / LOG_CHUNK calls.
        let mut from = 0;
        while from <= head {
            let to = (from + LOG_CHUNK - 1).min(head);
            let f = Filter::new()
                .address(dep.eigenlayer)
                .event_signature(SlashingWithdrawalQueued::SIGNATURE_HASH)
                .from_block(from)
                .to_block(to);
            for log in p.get_logs(&f).await.map_err(chain_err)? {
                let Ok(e) = SlashingWithdrawalQueued::decode_log_data(log.data()) else { continue };
                let w = e.withdrawal;
                // A holder serves one operator and may hold several strategies.
                let Some((position, holder, strategy)) = holders
                    .iter()
                    .find(|(_, h, s)| *h == w.staker && w.strategies.first() == Some(s))
                else {
                    continue;
                };
                if !dm.pendingWithdrawals(e.withdrawalRoot).call().await.map_err(chain_err)? {
                    continue;
                }
                let token = dep
                    .strategies
                    .iter()
                    .find(|(_, s)| *s == strategy)
                    .and_then(|(asset, _)| dep.assets.get(asset).copied())
                    .unwrap_or_default();
                let at = u64::from(w.startBlock) + delay;
                out.push(PendingWithdrawal {
                    position: position.clone(),
                    holder: *holder,
                    root: e.withdrawalRoot,
                    shares: w.scaledShares.first().copied().unwrap_or_default(),
                    token,
                    completable_at_block: at,
                    blocks_left: at.saturating_sub(head + 1),
                    withdrawal: w,
                });
            }
            from = to + 1;
        }
        Ok(out)
    }

    /// Completes `w` (only once its delay has passed): the holder takes the
    /// tokens out and sends them to this staker. Returns the transaction.
    pub async fn complete_withdrawal(&self, w: &PendingWithdrawal) -> Result<B256, SdkError> {
        let (p, _) = self.chain()?;
        if w.blocks_left > 0 {
            return Err(SdkError::Chain(format!(
                "the withdrawal of {} can complete at block {} ({} blocks from now)",
                w.position, w.completable_at_block, w.blocks_left
            )));
        }
        let q = &w.withdrawal;
        // The same struct, as the holder's ABI names it.
        let as_queued = holder::IDelegationManager::Withdrawal {
            staker: q.staker,
            delegatedTo: q.delegatedTo,
            withdrawer: q.withdrawer,
            nonce: q.nonce,
            startBlock: q.startBlock,
            strategies: q.strategies.clone(),
            scaledShares: q.scaledShares.clone(),
        };
        let h = holder::PositionHolder::new(w.holder, p.clone());
        let r = mined!(h.completeWithdrawal(as_queued, w.token));
        if !r.status() {
            return Err(SdkError::Chain(format!(
                "completing the withdrawal reverted (tx {})",
                r.transaction_hash
            )));
        }
        Ok(r.transaction_hash)
    }
}
