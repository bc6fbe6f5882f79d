//! The node's store as a port: every rule the round service, the API and
//! the chain link rely on, as small traits (`IntentStore`, `AuctionStore`,
//! `StateStore`, `JournalStore`; `NodeStore` is all four, `LeaseStore` the
//! shared backend's lease), speaking the port's own records and error
//! (`records`, `error`: they name no backend). The sled adapter (`store.rs`)
//! and the Postgres adapter (`pg/`) implement them and pass the
//! same conformance suite (`tests/it/store.rs`); this module imports
//! nothing from either; what they write is `crate::persist`'s rows. Every
//! call blocks: async code goes through [`AsyncStore`], which runs it on
//! the store's own lane threads.
//!
//! Promises every implementation keeps:
//! - `accept` is durable before it returns and all-or-nothing per intent;
//!   a replayed intent or a reused (owner, nonce) is refused.
//! - Lifecycle moves are legal ones only (`domain::intent::Status`), dated
//!   by the store's clock; a final state stays final.
//! - An auction's record, its phase and its intents' moves land together.
//! - After a restart, `recover` voids rounds that were not scored.

use alloy::primitives::Address;
use std::time::Duration;

use stakebid_intents::{IntentId, SignedIntent};
use stakebid_settlement::executor::Journal;

use stakebid_auction::domain::outcome::Outcome;
use stakebid_auction::domain::phase::Phase;

mod blocking;
mod error;
mod records;

pub use blocking::AsyncStore;
pub use error::StoreError;
pub use records::{
    AuctionHead, AuctionRecord, Fence, LeaseState, NodeState, OwnerPage, Record, Recovery, Status,
};

/// The intent pool: intake, lookups and lifecycle moves.
pub trait IntentStore: Send + Sync {
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

    /// How many intents have `status` (counts index keys, reads no record);
    /// a store that cannot answer says so (never a silent 0).
    fn count_status(&self, status: Status) -> Result<usize, StoreError>;

    /// Up to `limit` of `owner`'s intents, newest first, older than
    /// `cursor` (the previous page's `next`).
    fn owner_page(
        &self,
        owner: &Address,
        cursor: Option<u64>,
        limit: usize,
    ) -> Result<OwnerPage, StoreError>;

    /// How many intents are stored.
    fn count(&self) -> Result<usize, StoreError>;
}

/// Auctions: their records, phases and outcomes, each written together
/// with its intents' moves.
pub trait AuctionStore: Send + Sync {
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
}

/// The node's own state beside intents and auctions.
pub trait StateStore: Send + Sync {
    /// The node's own state (what `save_node_state` wrote).
    fn node_state(&self) -> Result<NodeState, StoreError>;

    /// Saves the node's own state durably (fields left `None` are kept).
    fn save_node_state(&self, state: &NodeState) -> Result<(), StoreError>;
}

/// The settlement executor's journals, in the same store (so one backend
/// holds everything the node must not lose).
pub trait JournalStore: Send + Sync {
    /// The settlement executor's journal named `name`, in this store (so
    /// one backend holds everything the node must not lose).
    fn journal(&self, name: &str) -> Result<Box<dyn Journal>, StoreError>;
}

/// The node's store: every part of the port, one backend.
pub trait NodeStore: IntentStore + AuctionStore + StateStore + JournalStore {}

impl<T: IntentStore + AuctionStore + StateStore + JournalStore + ?Sized> NodeStore for T {}

/// The leader lease that nodes sharing one store contend for, and the
/// fence on a node's writes of round state. Only a shared backend has one.
pub trait LeaseStore: Send + Sync {
    /// Takes the lease for `holder` for `ttl` if it is free or expired, or
    /// renews it if `holder` holds it; the lease as it now stands.
    fn acquire(&self, holder: &str, ttl: Duration) -> Result<LeaseState, StoreError>;

    /// The lease as it stands, taking nothing.
    fn lease(&self) -> Result<LeaseState, StoreError>;

    /// Ends `holder`'s lease now (a clean stop hands over at once).
    fn release(&self, holder: &str) -> Result<(), StoreError>;

    /// Fences later writes of round, award and executor state with
    /// `fence` (refused once the lease changed hands), or lifts it.
    fn fence(&self, fence: Option<Fence>);
}

/// The port's traits, to call their methods on a concrete store
/// (`use stakebid_node::port::prelude::*`).
pub mod prelude {
    pub use super::{AuctionStore, IntentStore, JournalStore, LeaseStore, NodeStore, StateStore};
}
