//! The node's store as a port: every rule the round service, the API and
//! the chain link rely on, as one trait. `infra::store::Store` (sled)
//! implements it; a replicated backend implements the same trait and must
//! pass the same conformance suite (`tests/it/store.rs`).
//!
//! Promises every implementation keeps:
//! - `accept` is durable before it returns and all-or-nothing per intent;
//!   a replayed intent or a reused (owner, nonce) is refused.
//! - Lifecycle moves are legal ones only (`domain::intent::Status`), dated
//!   by the store's clock; a final state stays final.
//! - An auction's record, its phase and its intents' moves land together.
//! - After a restart, `recover` voids rounds that were not scored.

use alloy::primitives::{Address, B256};
use serde::{Deserialize, Serialize};

use stakebid_intents::evaluate::CapacityUse;
use stakebid_intents::{IntentId, SignedIntent};
use stakebid_settlement::executor::Journal;

use crate::store::{AuctionHead, AuctionRecord, OwnerPage, Recovery, StoreError};
use stakebid_auction::domain::intent::{Record, Status};
use stakebid_auction::domain::outcome::Outcome;
use stakebid_auction::domain::phase::Phase;
use stakebid_auction::domain::registry::Registry;

/// The node's own state beside intents and auctions, typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeState {
    /// The solver registry (bonds, records).
    pub registry: Option<Registry>,
    /// Hash of the last award (seeds the next round).
    pub last_award: Option<B256>,
    /// Capacity awarded but not settled.
    pub reserved: Option<CapacityUse>,
}

/// The node's store.
pub trait NodeStore: Send + Sync {
    /// Accepts a group of already-validated intents: each is either refused
    /// (duplicate, nonce reused — also within the group) or written; all
    /// written ones land in one atomic batch and one flush before this returns.
    fn accept(
        &self,
        group: &[(IntentId, SignedIntent)],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError>;

    /// One intent's record.
    fn get(&self, id: &IntentId) -> Result<Option<Record>, StoreError>;

    /// Moves an intent to `to`, durably, if the lifecycle allows it.
    fn transition(&self, id: &IntentId, to: Status) -> Result<(), StoreError>;

    /// Moves many intents at once: all moves are checked first, then
    /// written in one batch with one flush (a round moves its whole batch).
    fn transition_all(&self, moves: &[(IntentId, Status)]) -> Result<(), StoreError>;

    /// Every intent with `status`, in id order (from the status index).
    fn with_status(&self, status: Status) -> Result<Vec<(IntentId, Record)>, StoreError>;

    /// The ids of every intent with `status`, reading no record (the round
    /// driver skips the held-back ones before it decodes anything).
    fn ids_with_status(&self, status: Status) -> Result<Vec<IntentId>, StoreError>;

    /// The records of `ids` (unknown ids are left out), with their arrival
    /// sequence.
    fn get_many(&self, ids: &[IntentId]) -> Result<Vec<(IntentId, Record)>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(r) = self.get(id)? {
                out.push((*id, r));
            }
        }
        Ok(out)
    }

    /// How many of `owner`'s intents are pending.
    fn pending_of(&self, owner: &Address) -> Result<usize, StoreError>;

    /// How many intents have `status` (counts index keys, reads no record).
    fn count_status(&self, status: Status) -> usize;

    /// Up to `limit` of `owner`'s intents, newest first, older than
    /// `cursor` (the previous page's `next`).
    fn owner_page(
        &self,
        owner: &Address,
        cursor: Option<u64>,
        limit: usize,
    ) -> Result<OwnerPage, StoreError>;

    /// Opens an auction: its record and its intents' Pending → InAuction
    /// move land in one transaction and are flushed before this returns, so
    /// the node announces only what a restart will find.
    fn open_auction(&self, rec: &AuctionRecord) -> Result<(), StoreError>;

    /// One auction's record.
    fn auction(&self, id: u64) -> Result<Option<AuctionRecord>, StoreError>;

    /// Moves an auction to `to`, durably, if the lifecycle allows it. When it
    /// is voided, its intents return to the pool in the same transaction.
    fn set_phase(&self, id: u64, to: Phase) -> Result<(), StoreError>;

    /// Concludes a round in one transaction: its public outcome, its phase
    /// (Scored, or Awarded when it has winners) and every intent's move
    /// (won → Awarded, lost → Pending). A crash leaves either all or none.
    fn conclude(
        &self,
        id: u64,
        public: Outcome,
        phase: Phase,
        moves: &[(IntentId, Status)],
    ) -> Result<(), StoreError>;

    /// After a failed settlement: the revised outcome, the phase (Awarded
    /// while any award stands, else Failed) and the failed winner's
    /// uncovered intents back to the pool, in one transaction.
    fn refallback(
        &self,
        id: u64,
        public: Outcome,
        phase: Phase,
        moves: &[(IntentId, Status)],
    ) -> Result<(), StoreError>;

    /// A settlement landed: the outcome noting it, the phase (Settled once
    /// every award has, else Awarded) and its intents Awarded → Settled, in
    /// one transaction.
    fn record_settlement(
        &self,
        id: u64,
        public: Outcome,
        phase: Phase,
        moves: &[(IntentId, Status)],
    ) -> Result<(), StoreError>;

    /// Records the public outcome of a round (written with the Scored phase).
    fn publish(&self, id: u64, public: Outcome) -> Result<(), StoreError>;

    /// Up to `limit` auctions older than `before` (all when `None`), newest
    /// first, as listing heads: a reverse range over the id-ordered tree.
    fn auction_page(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<AuctionHead>, StoreError>;

    /// The auction whose award settled in transaction `tx`, if any.
    fn auction_by_tx(&self, tx: &alloy::primitives::B256) -> Result<Option<u64>, StoreError>;

    /// The ids of every auction in `phase`, oldest first (the phase index).
    fn auctions_in(&self, phase: Phase) -> Result<Vec<u64>, StoreError>;

    /// After a restart: auctions not yet scored are voided without
    /// penalties (their intents return to the pool); scored and awarded
    /// ones are resumed.
    fn recover(&self) -> Result<Recovery, StoreError>;

    /// The highest auction id stored (0 when none): the last key of the
    /// id-ordered tree, not a count (sled counts by scanning).
    fn last_auction_id(&self) -> Result<u64, StoreError>;

    /// Number of intents stored.
    fn len(&self) -> usize;

    /// Whether the store is empty.
    fn is_empty(&self) -> bool;

    /// The node's own state (what `save_node_state` wrote).
    fn node_state(&self) -> Result<NodeState, StoreError>;

    /// Saves the node's own state durably (fields left `None` are kept).
    fn save_node_state(&self, state: &NodeState) -> Result<(), StoreError>;

    /// The settlement executor's journal named `name`, in this store (so
    /// one backend holds everything the node must not lose).
    fn journal(&self, name: &str) -> Result<Box<dyn Journal>, StoreError>;
}
