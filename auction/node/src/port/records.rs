//! The records the store port speaks in: what every backend stores and
//! returns, named by no backend.

use alloy::primitives::{Address, B256};

use stakebid_auction::domain::outcome::Outcome;
use stakebid_auction::domain::phase::Phase;
use stakebid_auction::domain::registry::Registry;
use stakebid_intents::evaluate::CapacityUse;
use stakebid_intents::IntentId;

pub use stakebid_auction::domain::intent::{Record, Status};

/// What the store keeps per auction (stored as `persist`'s row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuctionRecord {
    /// Auction id.
    pub id: u64,
    /// Its batch.
    pub intents: Vec<IntentId>,
    /// Scenario seed.
    pub seed: B256,
    /// Commit deadline (unix s).
    pub commit_deadline: u64,
    /// Reveal deadline (unix s).
    pub reveal_deadline: u64,
    /// Lifecycle phase.
    pub phase: Phase,
    /// After the reveal deadline: every bid, its score or rejection
    /// reasons, the faults and the winners, so anyone can recompute them.
    pub public: Option<Outcome>,
}

/// What `recover` did after a restart.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Auctions voided (not yet scored); their intents are pending again.
    pub voided: Vec<u64>,
    /// Auctions to resume (scored or awarded).
    pub resumed: Vec<u64>,
}

/// The node's own state beside intents and auctions, typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeState {
    /// The solver registry (bonds, records).
    pub registry: Option<Registry>,
    /// Hash of the last award (seeds the next round).
    pub last_award: Option<B256>,
    /// Capacity awarded but not settled.
    pub reserved: Option<CapacityUse>,
}

/// The listing view of an auction: what `GET /v1/auctions` shows, read
/// without materializing the (large) public outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuctionHead {
    /// Auction id.
    pub id: u64,
    /// Its batch.
    pub intents: Vec<IntentId>,
    /// Commit deadline (unix s).
    pub commit_deadline: u64,
    /// Reveal deadline (unix s).
    pub reveal_deadline: u64,
    /// Lifecycle phase.
    pub phase: Phase,
    /// The winning solvers, once the outcome is public.
    pub winners: Option<Vec<Address>>,
}

impl AuctionHead {
    /// The winning solvers, once the outcome is public.
    pub fn winners(&self) -> Option<Vec<Address>> {
        self.winners.clone()
    }
}

/// A page of an owner's intents, newest first.
#[derive(Clone, Debug)]
pub struct OwnerPage {
    /// The intents.
    pub intents: Vec<(IntentId, Record)>,
    /// Pass as `cursor` for the next page; `None` on the last one.
    pub next: Option<u64>,
}

/// The lease a leader writes under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fence {
    /// This node's holder name (unique per process).
    pub holder: String,
    /// The epoch it took the lease in.
    pub epoch: i64,
}

/// Who holds the lease.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LeaseState {
    /// The holder's name.
    pub holder: String,
    /// Its epoch (bumped at every takeover).
    pub epoch: i64,
    /// When it took the lease (unix s).
    pub since: i64,
    /// Whether the lease is still valid (not expired).
    pub live: bool,
}
