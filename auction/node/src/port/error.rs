//! The store port's one error: the rules a write broke (duplicate,
//! illegal move, unknown record) and what the backend could not do, in
//! words that name no backend (`Unavailable`, `Conflict`, `Fenced`,
//! `Corrupt`, `Layout`). Each adapter converts its own errors into it.

use alloy::primitives::Address;

use stakebid_auction::domain::phase::Phase;
use stakebid_intents::IntentId;

use super::records::Status;

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The same intent (same id) was submitted before.
    #[error("intent {0} was already accepted")]
    Duplicate(IntentId),
    /// The owner already used this nonce for another intent.
    #[error("owner {owner} already used nonce {nonce} for another intent")]
    NonceReused {
        /// Owner.
        owner: Address,
        /// Nonce (decimal).
        nonce: String,
    },
    /// No such intent.
    #[error("no intent {0}")]
    Unknown(IntentId),
    /// The owner has as many intents pending as one owner may.
    #[error("{owner} already has {max} intents pending, as many as one owner may; wait until some settle or expire, or cancel some")]
    OwnerLimit {
        /// Owner.
        owner: Address,
        /// The cap.
        max: usize,
    },
    /// A permit beside other open intents in its token, or another intent
    /// beside an open permit-funded one: a used permit sets the allowance
    /// to its own value, which would leave the other unfunded.
    #[error("{owner} has an open intent in token {token} that this one would leave unfunded: a permit-funded intent must be the owner's only open intent in its token (a used permit sets the allowance to its own value); approve the Settlement for all of them instead, or wait until the other settles")]
    PermitPending {
        /// Owner.
        owner: Address,
        /// The token.
        token: Address,
    },
    /// A transition the lifecycle does not allow.
    #[error("intent {id} cannot go from {from:?} to {to:?}")]
    IllegalTransition {
        /// The intent.
        id: IntentId,
        /// Current status.
        from: Status,
        /// Requested status.
        to: Status,
    },
    /// The store failed for another reason (in its own words; nothing
    /// was stored).
    #[error("storage failed: {0}")]
    Failed(String),
    /// No such auction.
    #[error("no auction {0}")]
    UnknownAuction(u64),
    /// An auction transition the lifecycle does not allow.
    #[error("auction {id} cannot go from {from:?} to {to:?}")]
    IllegalPhase {
        /// Auction.
        id: u64,
        /// Current phase.
        from: Phase,
        /// Requested phase.
        to: Phase,
    },
    /// An intent put into an auction is not pending.
    #[error("intent {0} is not pending")]
    NotPending(IntentId),
    /// A stored record did not decode.
    #[error("a stored record is corrupt: {0}")]
    Corrupt(String),
    /// A stored auction lacks what an operation on it needs.
    #[error("a stored auction is inconsistent: {0}")]
    Inconsistent(String),
    /// The store cannot be reached (down, restarting, connection lost):
    /// nothing was stored; the store reconnects by itself.
    #[error("the store cannot be reached ({0}); nothing was stored, try again shortly")]
    Unavailable(String),
    /// Another writer changed the same records at the same moment; nothing
    /// was stored, and the same request can be tried again.
    #[error("another write to the same records came first ({0}); nothing was stored, try again")]
    Conflict(String),
    /// A write of round, award or executor state by a node that no longer
    /// holds the leader lease it made it under.
    #[error(
        "this node's leader lease (epoch {epoch}) was taken over or expired; the write was refused"
    )]
    Fenced {
        /// The epoch the write was made under.
        epoch: i64,
    },
    /// The store was written in a layout (record layout, schema version)
    /// this code does not read: refused rather than misread.
    #[error("this store was written by {found}; this stakebid reads {reads} and will not guess: open it with the stakebid version that wrote it, or start on a new store (pending intents can be resubmitted by their owners; settled ones live on-chain)")]
    Layout {
        /// What wrote it, in words ("a stakebid with record layout 3").
        found: String,
        /// What this code reads, in words ("record layout 2").
        reads: String,
    },
}

impl stakebid_intents::Coded for StoreError {
    fn code(&self) -> &str {
        match self {
            Self::Duplicate(_) => "intent.replayed",
            Self::NonceReused { .. } => "intent.nonce_reused",
            Self::Unknown(_) => "intent.unknown",
            Self::OwnerLimit { .. } => "intent.owner_limit",
            Self::PermitPending { .. } => "permit.pending",
            Self::IllegalTransition { .. } => "intent.illegal_transition",
            Self::UnknownAuction(_) => "auction.unknown",
            Self::IllegalPhase { .. } => "auction.illegal_transition",
            Self::NotPending(_) => "intent.not_pending",
            Self::Failed(_) => "store.failed",
            Self::Corrupt(_) | Self::Inconsistent(_) => "store.corrupt",
            Self::Layout { .. } => "store.layout",
            Self::Unavailable(_) => "store.unavailable",
            Self::Fenced { .. } => "store.fenced",
            Self::Conflict(_) => "store.conflict",
        }
    }
}

/// The executor's journal lives in the store: its failures keep the
/// store's code (`store.fenced` stays `store.fenced`).
impl From<StoreError> for stakebid_settlement::JournalError {
    fn from(e: StoreError) -> Self {
        use stakebid_intents::codes::ErrorCode;
        use stakebid_intents::Coded;
        let code = ErrorCode::parse(e.code()).unwrap_or(ErrorCode::StoreFailed);
        stakebid_settlement::JournalError::new(code, e.to_string())
    }
}
