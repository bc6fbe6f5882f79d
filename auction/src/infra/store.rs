//! The durable intent pool, on sled.
//!
//! Accepted intents are written in groups: one sled batch and one flush per
//! call, so intake is not capped at one fsync per intent (~3k/s here) and
//! the API answers only after its intents are on disk. A write either lands
//! whole or not at all (sled batches are atomic), so nothing partial is
//! stored.
//!
//! Trees: `intents` (id → record), `nonces` (owner ‖ nonce → id, so a
//! replayed nonce is refused even with other content).

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};
use std::path::Path;

use stakebid_intents::{IntentId, SignedIntent};

/// An intent's lifecycle: Pending → InAuction → Awarded → Settled, or
/// Expired / Cancelled. A round not won returns InAuction → Pending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In the pool, waiting for a round.
    Pending,
    /// In an open round.
    InAuction,
    /// Won; settlement under way.
    Awarded,
    /// Settled on-chain (final).
    Settled,
    /// Deadline passed unsettled (final).
    Expired,
    /// Cancelled by its owner (final).
    Cancelled,
}

impl Status {
    /// Whether `self → next` is a legal transition.
    pub fn can_become(self, next: Status) -> bool {
        use Status::*;
        matches!(
            (self, next),
            (Pending, InAuction)
                | (Pending, Expired)
                | (Pending, Cancelled)
                | (InAuction, Pending)
                | (InAuction, Awarded)
                | (InAuction, Expired)
                | (Awarded, Settled)
                | (Awarded, Pending)
                | (Awarded, Expired)
        )
    }
}

/// What the store keeps per intent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The signed intent as submitted.
    pub signed: SignedIntent,
    /// Where it is in its lifecycle.
    pub status: Status,
}

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
    /// The database failed.
    #[error("storage failed: {0}")]
    Db(#[from] sled::Error),
    /// A stored record did not decode.
    #[error("a stored record is corrupt: {0}")]
    Corrupt(#[from] serde_json::Error),
}

impl StoreError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Duplicate(_) => "intent.replayed",
            Self::NonceReused { .. } => "intent.nonce_reused",
            Self::Unknown(_) => "intent.unknown",
            Self::IllegalTransition { .. } => "intent.illegal_transition",
            Self::Db(_) => "store.failed",
            Self::Corrupt(_) => "store.corrupt",
        }
    }
}

/// The node's store.
pub struct Store {
    db: sled::Db,
    intents: sled::Tree,
    nonces: sled::Tree,
}

fn nonce_key(s: &SignedIntent) -> Vec<u8> {
    let mut k = s.intent.owner.to_vec();
    k.extend(s.intent.nonce.to_be_bytes::<32>());
    k
}

impl Store {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let db = sled::open(dir)?;
        Ok(Store { intents: db.open_tree("intents")?, nonces: db.open_tree("nonces")?, db })
    }

    /// Accepts a group of already-validated intents: each is either refused
    /// (duplicate, nonce reused — also within the group) or written; all
    /// written ones land in one atomic batch and one flush before this returns.
    pub fn accept(
        &self,
        group: &[(IntentId, SignedIntent)],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let mut out = Vec::with_capacity(group.len());
        let mut intents = sled::Batch::default();
        let mut nonces = sled::Batch::default();
        let mut seen_ids = std::collections::HashSet::new();
        let mut seen_nonces = std::collections::HashSet::new();
        for (id, s) in group {
            let nk = nonce_key(s);
            if self.intents.contains_key(id.0)? || !seen_ids.insert(*id) {
                out.push(Err(StoreError::Duplicate(*id)));
                continue;
            }
            if self.nonces.contains_key(&nk)? || !seen_nonces.insert(nk.clone()) {
                out.push(Err(StoreError::NonceReused {
                    owner: s.intent.owner,
                    nonce: s.intent.nonce.to_string(),
                }));
                continue;
            }
            let rec = Record { signed: s.clone(), status: Status::Pending };
            intents.insert(id.0.as_slice(), serde_json::to_vec(&rec)?);
            nonces.insert(nk, id.0.as_slice());
            out.push(Ok(()));
        }
        // Both trees in one transaction, so an intent never lands without its nonce.
        use sled::Transactional;
        (&self.intents, &self.nonces)
            .transaction(|(i, n)| {
                i.apply_batch(&intents)?;
                n.apply_batch(&nonces)?;
                Ok::<_, sled::transaction::ConflictableTransactionError<()>>(())
            })
            .map_err(|e| match e {
                sled::transaction::TransactionError::Storage(e) => StoreError::Db(e),
                sled::transaction::TransactionError::Abort(()) => {
                    StoreError::Db(sled::Error::Unsupported("aborted".into()))
                }
            })?;
        self.db.flush()?;
        Ok(out)
    }

    /// One intent's record.
    pub fn get(&self, id: &IntentId) -> Result<Option<Record>, StoreError> {
        Ok(match self.intents.get(id.0)? {
            Some(v) => Some(serde_json::from_slice(&v)?),
            None => None,
        })
    }

    /// Moves an intent to `to`, durably, if the lifecycle allows it.
    pub fn transition(&self, id: &IntentId, to: Status) -> Result<(), StoreError> {
        let mut rec = self.get(id)?.ok_or(StoreError::Unknown(*id))?;
        if !rec.status.can_become(to) {
            return Err(StoreError::IllegalTransition { id: *id, from: rec.status, to });
        }
        rec.status = to;
        self.intents.insert(id.0, serde_json::to_vec(&rec)?)?;
        self.db.flush()?;
        Ok(())
    }

    /// Every intent with `status`, in id order.
    pub fn with_status(&self, status: Status) -> Result<Vec<(IntentId, Record)>, StoreError> {
        let mut v = Vec::new();
        for kv in self.intents.iter() {
            let (k, val) = kv?;
            let rec: Record = serde_json::from_slice(&val)?;
            if rec.status == status {
                v.push((IntentId(alloy::primitives::B256::from_slice(&k)), rec));
            }
        }
        Ok(v)
    }

    /// Number of intents stored.
    pub fn len(&self) -> usize {
        self.intents.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.intents.is_empty()
    }
}
