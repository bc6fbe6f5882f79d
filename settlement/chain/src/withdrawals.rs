//! Restaked positions out, read from the chain: which position holders an
//! owner has, the withdrawals they queued that are still pending (from the
//! delegation manager's `SlashingWithdrawalQueued` events), the block each
//! can complete at, and completing one. The SDK and the node's API both
//! read withdrawals through here.
//!
//! holders(owner) ─▶ pending(holders) ─(delay blocks)─▶ complete ─▶ tokens to the owner

use alloy::primitives::{Address, B256, U256};
use alloy::providers::Provider;
use alloy::rpc::types::Filter;
use alloy::sol_types::SolEvent;
use serde::Serialize;
use stakebid_intents::deployment::Deployment;
use stakebid_intents::Market;

use crate::contracts::{position_holder, EigenLayerAdapter, PositionHolder};
use crate::protocols::IDelegationViews::{self, SlashingWithdrawalQueued};
use crate::protocols::IStrategyViews;
use crate::protocols::Withdrawal;
use crate::{ChainError, Confirm};

/// A restaked position's holder: (position id, holder, strategy).
pub type Held = (String, Address, Address);

/// A queued withdrawal of one restaked position.
#[derive(Clone, Debug, Serialize)]
pub struct Pending {
    /// The market's position id.
    pub position: String,
    /// Its holder (the withdrawal's staker and withdrawer).
    #[serde(with = "stakebid_intents::encoding::checksummed")]
    pub holder: Address,
    /// The withdrawal's root (its id at the delegation manager).
    pub root: B256,
    /// Shares queued out.
    #[serde(with = "stakebid_intents::decimal")]
    pub shares: U256,
    /// What completing it pays now, in the token, as EigenLayer computes it:
    /// the queued shares less what slashing has taken since
    /// (`getQueuedWithdrawal`), valued by the strategy.
    #[serde(with = "stakebid_intents::decimal")]
    pub withdrawable: U256,
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

/// The holders `owner` has for `positions` (restaked position ids of the
/// deployment's market), one view call each; positions without a holder
/// yet are left out.
pub async fn holders<P: Provider>(
    p: &P,
    dep: &Deployment,
    market: &Market,
    owner: Address,
    positions: impl IntoIterator<Item = String>,
) -> Result<Vec<Held>, ChainError> {
    let adapter = EigenLayerAdapter::new(dep.restaking_adapter, p);
    let mut out = vec![];
    for name in positions {
        let Some(pos) = market.positions.iter().find(|x| x.id == name) else { continue };
        let (Some(op), Some(strategy)) = (&pos.operator, dep.strategies.get(&pos.asset)) else {
            continue;
        };
        let Some(operator) = dep.operators.get(op) else { continue };
        let holder = adapter.holderOf(owner, *operator).call().await?;
        if !holder.is_zero() {
            out.push((name, holder, *strategy));
        }
    }
    Ok(out)
}

/// Every `SlashingWithdrawalQueued` event of a deployment's delegation
/// manager read so far, and how far: a reader that keeps one scans each
/// block once (from the deployment's block), not the whole chain per call.
#[derive(Clone, Debug, Default)]
pub struct QueuedLog {
    /// The last block read, if any.
    scanned_to: Option<u64>,
    /// (withdrawal root, withdrawal), oldest first.
    queued: Vec<(B256, Withdrawal)>,
}

impl QueuedLog {
    /// Reads the events from where it stopped (the deployment's block the
    /// first time) up to `head`, in chunks providers accept; returns the
    /// `eth_getLogs` calls it made.
    pub async fn catch_up<P: Provider>(
        &mut self,
        p: &P,
        dep: &Deployment,
        head: u64,
    ) -> Result<usize, ChainError> {
        let mut from = self.scanned_to.map_or(dep.deployed_at, |b| b + 1);
        let mut calls = 0;
        while from <= head {
            let to = (from + LOG_CHUNK - 1).min(head);
            let f = Filter::new()
                .address(dep.delegation_manager())
                .event_signature(SlashingWithdrawalQueued::SIGNATURE_HASH)
                .from_block(from)
                .to_block(to);
            let logs = p.get_logs(&f).await?;
            calls += 1;
            for log in logs {
                if let Ok(e) = SlashingWithdrawalQueued::decode_log_data(log.data()) {
                    self.queued.push((e.withdrawalRoot, e.withdrawal));
                }
            }
            // Only what was read whole counts as read.
            self.scanned_to = Some(to);
            from = to + 1;
        }
        Ok(calls)
    }
}

/// The head block and the withdrawals `held` queued that are still pending,
/// oldest first, reading the delegation manager's events from the
/// deployment's block.
pub async fn pending<P: Provider>(
    p: &P,
    dep: &Deployment,
    held: &[Held],
) -> Result<(u64, Vec<Pending>), ChainError> {
    pending_with(p, dep, held, &mut QueuedLog::default()).await
}

/// [`pending`], reading only the blocks `log` has not read yet.
pub async fn pending_with<P: Provider>(
    p: &P,
    dep: &Deployment,
    held: &[Held],
    log: &mut QueuedLog,
) -> Result<(u64, Vec<Pending>), ChainError> {
    let head = p.get_block_number().await?;
    if held.is_empty() {
        return Ok((head, vec![]));
    }
    log.catch_up(p, dep, head).await?;
    let dm = IDelegationViews::new(dep.delegation_manager(), p);
    let delay = u64::from(dm.minWithdrawalDelayBlocks().call().await?);
    let mut out = vec![];
    for (root, w) in &log.queued {
        // A holder serves one operator and may hold several strategies.
        let Some((position, holder, strategy)) =
            held.iter().find(|(_, h, s)| *h == w.staker && w.strategies.first() == Some(s))
        else {
            continue;
        };
        if !dm.pendingWithdrawals(*root).call().await? {
            continue;
        }
        let token = dep
            .strategies
            .iter()
            .find(|(_, s)| *s == strategy)
            .and_then(|(asset, _)| dep.assets.get(asset).copied())
            .unwrap_or_default();
        // EigenLayer completes a withdrawal only in a block after its
        // slashable window: `block.number > startBlock + delay`.
        let at = u64::from(w.startBlock) + delay + 1;
        let left = dm.getQueuedWithdrawal(*root).call().await?.shares;
        let withdrawable = IStrategyViews::new(*strategy, p)
            .sharesToUnderlyingView(left.first().copied().unwrap_or_default())
            .call()
            .await?;
        out.push(Pending {
            position: position.clone(),
            holder: *holder,
            root: *root,
            shares: w.scaledShares.first().copied().unwrap_or_default(),
            withdrawable,
            token,
            completable_at_block: at,
            blocks_left: at.saturating_sub(head + 1),
            withdrawal: w.clone(),
        });
    }
    Ok((head, out))
}

/// Completes `w` from its owner's wallet (`p` signs): the holder takes the
/// tokens out and sends them to the owner. Returns the transaction.
pub async fn complete<P: Provider>(p: &P, w: &Pending) -> Result<B256, ChainError> {
    let q = &w.withdrawal;
    // The same struct, as the holder's ABI names it.
    let as_queued = position_holder::IDelegationManager::Withdrawal {
        staker: q.staker,
        delegatedTo: q.delegatedTo,
        withdrawer: q.withdrawer,
        nonce: q.nonce,
        startBlock: q.startBlock,
        strategies: q.strategies.clone(),
        scaledShares: q.scaledShares.clone(),
    };
    let r =
        PositionHolder::new(w.holder, p).completeWithdrawal(as_queued, w.token).confirm().await?;
    Ok(r.transaction_hash)
}
